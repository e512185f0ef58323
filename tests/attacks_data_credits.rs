//! Every data_credits instruction refuses what it must refuse, each with its named error,
//! and no token or DC moves when it does.
use civnet_harness::dc::{self, PythPrice};
use civnet_harness::network as net;
use civnet_harness::scenario::{self, dc_config_address, dc_mint_address, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{tokens, Chain, Keypair, Pubkey, Signer};
use data_credits::errors::DataCreditsError;
use data_credits::instructions::{InitializeArgs, MintDataCreditsArgs, UpdateConfigArgs};
use data_credits::state::{DataCreditsConfig, PriceOracle};
use spl_token_2022_interface::error::TokenError;

const EPOCH: u32 = stories::EPOCH_SECS;
const FEED: [u8; 32] = [0xab; 32];

fn setup(oracle: PriceOracle) -> (Chain, NetworkKeys, Keypair) {
    let Launched { chain, net, customer } = stories::launch(1_000_000_000, oracle);
    (chain, net, customer)
}

fn balances(chain: &Chain, net: &NetworkKeys, who: &Pubkey) -> (u64, u64) {
    (tokens::balance(chain, &tokens::ata(who, &net.token_mint)), tokens::balance(chain, &tokens::ata(who, &dc_mint_address(&net.network))))
}

fn pyth() -> PriceOracle {
    PriceOracle::Pyth { feed_id: FEED, max_age_secs: 600 }
}

fn fresh_price(chain: &Chain) -> PythPrice {
    PythPrice { feed_id: FEED, price: 150_000_000, conf: 1_000_000, exponent: -8, publish_time: chain.clock().unix_timestamp - 10, fully_verified: true }
}

const ONE_TOKEN: MintDataCreditsArgs = MintDataCreditsArgs { token_amount: Some(1_000_000), dc_amount: None };

#[test]
fn a_pyth_price_is_lowered_by_twice_its_confidence() {
    let (mut chain, net, customer) = setup(pyth());
    let price = fresh_price(&chain);
    let update = dc::write_price_update(&mut chain, &price, None);
    chain.send_ok(&[dc::mint_with_pyth_ix(&net, customer.pubkey(), update, ONE_TOKEN)], &[&customer]);
    // ($1.50 - 2 * $0.01) per token = 148,000 DC.
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (999_000_000, 148_000));
}

#[test]
fn bad_pyth_prices_are_rejected() {
    let (mut chain, net, customer) = setup(pyth());
    let good = fresh_price(&chain);
    let cases = [
        (PythPrice { publish_time: good.publish_time - 600, ..fresh_price(&chain) }, DataCreditsError::StalePrice),
        (PythPrice { feed_id: [1; 32], ..fresh_price(&chain) }, DataCreditsError::WrongPriceFeed),
        (PythPrice { conf: 75_000_000, ..fresh_price(&chain) }, DataCreditsError::PriceTooUncertain),
        (PythPrice { price: -5, conf: 0, ..fresh_price(&chain) }, DataCreditsError::PriceTooUncertain),
        (PythPrice { fully_verified: false, ..fresh_price(&chain) }, DataCreditsError::PriceNotFullyVerified),
    ];
    for (price, error) in cases {
        let update = dc::write_price_update(&mut chain, &price, None);
        chain.send_err(&[dc::mint_with_pyth_ix(&net, customer.pubkey(), update, ONE_TOKEN)], &[&customer]).assert_anchor_error(error);
    }
    // A price account not written by the Pyth receiver.
    let forged = dc::write_price_update(&mut chain, &good, Some(Keypair::new().pubkey()));
    chain
        .send_err(&[dc::mint_with_pyth_ix(&net, customer.pubkey(), forged, ONE_TOKEN)], &[&customer])
        .assert_anchor_error(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    // No price at all.
    chain
        .send_err(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer])
        .assert_anchor_error(DataCreditsError::PriceUpdateRequired);
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (1_000_000_000, 0));
}

#[test]
fn amounts_must_be_exactly_one_positive_affordable_choice() {
    let (mut chain, net, customer) = setup(PriceOracle::Fixed { usd_per_token_e8: 150_000_000 });
    let cases = [
        (MintDataCreditsArgs { token_amount: Some(1), dc_amount: Some(1) }, DataCreditsError::AmountChoice),
        (MintDataCreditsArgs { token_amount: None, dc_amount: None }, DataCreditsError::AmountChoice),
        (MintDataCreditsArgs { token_amount: Some(0), dc_amount: None }, DataCreditsError::ZeroAmount),
        (MintDataCreditsArgs { token_amount: Some(6), dc_amount: None }, DataCreditsError::AmountTooSmall),
        (MintDataCreditsArgs { token_amount: None, dc_amount: Some(u64::MAX) }, DataCreditsError::ArithmeticOverflow),
        (MintDataCreditsArgs { token_amount: Some(u64::MAX), dc_amount: None }, DataCreditsError::InsufficientTokens),
        (MintDataCreditsArgs { token_amount: None, dc_amount: Some(150_000_001) }, DataCreditsError::InsufficientTokens),
    ];
    for (args, error) in cases {
        let ix = dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), args);
        chain.send_err(&[ix], &[&customer]).assert_anchor_error(error);
    }
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (1_000_000_000, 0));
}

#[test]
fn the_circuit_breaker_caps_dc_per_epoch_and_only_the_authority_moves_it() {
    let (mut chain, net, customer) = setup(PriceOracle::Fixed { usd_per_token_e8: 150_000_000 });
    let stranger = Keypair::new();
    let args = UpdateConfigArgs { max_dc_minted_per_epoch: Some(200_000), ..Default::default() };
    chain.send_err(&[dc::update_config_ix(&net, stranger.pubkey(), args.clone())], &[&stranger]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    chain.send_ok(&[dc::update_config_ix(&net, net.authority.pubkey(), args)], &[&net.authority]);
    let bad = UpdateConfigArgs { price_oracle: Some(PriceOracle::Fixed { usd_per_token_e8: 0 }), ..Default::default() };
    chain.send_err(&[dc::update_config_ix(&net, net.authority.pubkey(), bad)], &[&net.authority]).assert_anchor_error(DataCreditsError::ZeroPrice);

    chain.send_ok(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer]);
    chain
        .send_err(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer])
        .assert_anchor_error(DataCreditsError::MintCapExceeded);
    // A new epoch opens a new window.
    net::warp_to_next_epoch(&mut chain, EPOCH);
    chain.send_ok(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer]);
    let config: DataCreditsConfig = chain.anchor_account(&dc_config_address(&net.network));
    assert_eq!((config.minted_this_epoch, config.total_dc_minted), (150_000, 300_000));
}

#[test]
fn usage_burns_count_only_in_their_own_sub_networks_record() {
    let (mut chain, net, customer) = setup(PriceOracle::Fixed { usd_per_token_e8: 150_000_000 });
    chain.send_ok(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer]);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let mobile = net::create_sub_network(&mut chain, &net, "MOBILE");
    // Opening a record twice (a replay) is refused by name.
    let [burns, _] = net::initialize_activity_records_ixs(chain.payer.pubkey(), &net.network, &iot.address);
    chain.send_err(&[burns], &[]).assert_anchor_error(DataCreditsError::BurnRecordExists);
    // A router burn of IOT's escrow counted in MOBILE's record.
    chain.send_ok(&[dc::delegate_ix(&net, customer.pubkey(), &iot.address, "router", 50_000)], &[&customer]);
    let router = iot.dc_burn_authority.insecure_clone();
    let mut ix = dc::burn_delegated_ix(&net, router.pubkey(), &iot.address, "router", 1_000, 1);
    let (iot_burns, mobile_burns) = (dc::sub_network_burns_address(&iot.address), dc::sub_network_burns_address(&mobile.address));
    ix.accounts.iter_mut().filter(|m| m.pubkey == iot_burns).for_each(|m| m.pubkey = mobile_burns);
    chain.send_err(&[ix], &[&router]).assert_anchor_error(DataCreditsError::WrongBurnRecord);
    // A look-alike owned by another program (device_registry's record of IOT).
    let mut ix = dc::burn_data_credits_ix(&net, customer.pubkey(), &iot.address, 1_000);
    let look_alike = civnet_harness::registry::sub_network_devices_address(&iot.address);
    ix.accounts.iter_mut().filter(|m| m.pubkey == iot_burns).for_each(|m| m.pubkey = look_alike);
    chain.send_err(&[ix], &[&customer]).assert_anchor_error(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
    assert_eq!(balances(&chain, &net, &customer.pubkey()).1, 100_000);
    assert_eq!(tokens::balance(&chain, &tokens::ata(&dc::escrow_address(&iot.address, "router"), &dc_mint_address(&net.network))), 50_000);
    assert_eq!((dc::sub_network_burns(&chain, &iot.address).total_burned, dc::sub_network_burns(&chain, &mobile.address).total_burned), (0, 0));
}

#[test]
fn burning_for_another_networks_sub_network_is_refused() {
    let (mut chain, net, customer) = setup(PriceOracle::Fixed { usd_per_token_e8: 150_000_000 });
    chain.send_ok(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer]);
    let (other, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    let foreign = net::create_sub_network(&mut chain, &other, "IOT");
    let ix = dc::burn_data_credits_ix(&net, customer.pubkey(), &foreign.address, 1_000);
    chain.send_err(&[ix], &[&customer]).assert_anchor_error(DataCreditsError::WrongDcMint);
    let ix = dc::delegate_ix(&net, customer.pubkey(), &foreign.address, "router", 1_000);
    chain.send_err(&[ix], &[&customer]).assert_anchor_error(DataCreditsError::WrongNetwork);
    // Burning more DC than held fails in Token-2022 (its InsufficientFunds, in the burn CPI of
    // the transaction's only instruction) and changes nothing.
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let ix = dc::burn_data_credits_ix(&net, customer.pubkey(), &iot.address, 150_001);
    let failure = chain.send_err(&[ix], &[&customer]);
    tokens::assert_token_2022_error(&failure, 0, TokenError::InsufficientFunds);
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (999_000_000, 150_000));
    assert_eq!(dc::sub_network_burns(&chain, &iot.address).total_burned, 0);
}

#[test]
fn initialize_refuses_a_foreign_mint_a_zero_cap_and_a_bad_staleness_limit() {
    let mut chain = Chain::new();
    let (net, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    let good = InitializeArgs { price_oracle: stories::DOLLAR_FIFTY, max_dc_minted_per_epoch: 1_000_000 };
    let other_mint = tokens::create_mint(&mut chain, &net.authority.pubkey(), 6);
    let cases = [
        (other_mint, good.clone(), DataCreditsError::WrongNetworkMint),
        (net.token_mint, InitializeArgs { max_dc_minted_per_epoch: 0, ..good.clone() }, DataCreditsError::ZeroMintCap),
        (net.token_mint, InitializeArgs { price_oracle: PriceOracle::Pyth { feed_id: FEED, max_age_secs: 0 }, ..good.clone() }, DataCreditsError::InvalidMaxPriceAge),
        (net.token_mint, InitializeArgs { price_oracle: PriceOracle::Pyth { feed_id: FEED, max_age_secs: 3_601 }, ..good.clone() }, DataCreditsError::InvalidMaxPriceAge),
    ];
    for (network_mint, args, error) in cases {
        let ix = scenario::initialize_data_credits_ix(chain.payer.pubkey(), &net, net.authority.pubkey(), network_mint, args);
        chain.send_err(&[ix], &[&net.authority]).assert_anchor_error(error);
        assert!(chain.account_data(&dc_config_address(&net.network)).is_none(), "no config after {error:?}");
        assert!(chain.account_data(&dc_mint_address(&net.network)).is_none(), "no DC mint after {error:?}");
    }
    // The limits themselves are allowed.
    let args = InitializeArgs { price_oracle: PriceOracle::Pyth { feed_id: FEED, max_age_secs: 3_600 }, max_dc_minted_per_epoch: 1 };
    chain.send_ok(&[scenario::initialize_data_credits_ix(chain.payer.pubkey(), &net, net.authority.pubkey(), net.token_mint, args)], &[&net.authority]);
    let config: DataCreditsConfig = chain.anchor_account(&dc_config_address(&net.network));
    assert_eq!((config.network_mint, config.price_oracle, config.max_dc_minted_per_epoch), (net.token_mint, PriceOracle::Pyth { feed_id: FEED, max_age_secs: 3_600 }, 1));
}

#[test]
fn the_network_authority_switches_the_price_from_fixed_to_pyth_and_back() {
    let (mut chain, net, customer) = setup(stories::DOLLAR_FIFTY);
    let config_address = dc_config_address(&net.network);
    let config = |chain: &Chain| -> DataCreditsConfig { chain.anchor_account(&config_address) };
    let to_pyth = UpdateConfigArgs { price_oracle: Some(pyth()), ..Default::default() };
    // DC has no authority of its own: a stranger (or the customer) is refused by the network's.
    for stranger in [Keypair::new(), customer.insecure_clone()] {
        chain.send_err(&[dc::update_config_ix(&net, stranger.pubkey(), to_pyth.clone())], &[&stranger]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    }
    // Out-of-range settings are refused by name, even from the authority.
    let bad = [
        (UpdateConfigArgs { price_oracle: Some(PriceOracle::Pyth { feed_id: FEED, max_age_secs: 0 }), ..Default::default() }, DataCreditsError::InvalidMaxPriceAge),
        (UpdateConfigArgs { price_oracle: Some(PriceOracle::Pyth { feed_id: FEED, max_age_secs: 3_601 }), ..Default::default() }, DataCreditsError::InvalidMaxPriceAge),
        (UpdateConfigArgs { max_dc_minted_per_epoch: Some(0), ..Default::default() }, DataCreditsError::ZeroMintCap),
        // A valid oracle with an invalid cap: the whole update is refused.
        (UpdateConfigArgs { price_oracle: Some(pyth()), max_dc_minted_per_epoch: Some(0) }, DataCreditsError::ZeroMintCap),
    ];
    for (args, error) in bad {
        chain.send_err(&[dc::update_config_ix(&net, net.authority.pubkey(), args)], &[&net.authority]).assert_anchor_error(error);
    }
    let unchanged = config(&chain);
    assert_eq!((unchanged.price_oracle, unchanged.max_dc_minted_per_epoch), (stories::DOLLAR_FIFTY, 1_000_000_000_000));

    // Fixed -> Pyth: a mint now needs a price update, and uses it.
    chain.send_ok(&[dc::update_config_ix(&net, net.authority.pubkey(), to_pyth)], &[&net.authority]);
    let switched = config(&chain);
    assert_eq!((switched.price_oracle, switched.last_price_publish_time, switched.max_dc_minted_per_epoch), (pyth(), 0, 1_000_000_000_000));
    chain
        .send_err(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer])
        .assert_anchor_error(DataCreditsError::PriceUpdateRequired);
    let price = fresh_price(&chain);
    let update = dc::write_price_update(&mut chain, &price, None);
    chain.send_ok(&[dc::mint_with_pyth_ix(&net, customer.pubkey(), update, ONE_TOKEN)], &[&customer]);
    // ($1.50 - 2 * $0.01) per token = 148,000 DC.
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (999_000_000, 148_000));
    assert_eq!(config(&chain).last_price_publish_time, price.publish_time);

    // Pyth -> fixed $2.00: the price history starts afresh and the fixed price applies.
    let to_fixed = UpdateConfigArgs { price_oracle: Some(PriceOracle::Fixed { usd_per_token_e8: 200_000_000 }), max_dc_minted_per_epoch: Some(5_000_000) };
    chain.send_ok(&[dc::update_config_ix(&net, net.authority.pubkey(), to_fixed)], &[&net.authority]);
    let back = config(&chain);
    assert_eq!(
        (back.price_oracle, back.last_price_publish_time, back.max_dc_minted_per_epoch),
        (PriceOracle::Fixed { usd_per_token_e8: 200_000_000 }, 0, 5_000_000)
    );
    chain.send_ok(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer]);
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (998_000_000, 348_000));
    let after = config(&chain);
    assert_eq!((after.total_dc_minted, after.total_tokens_burned), (348_000, 2_000_000));
}

#[test]
fn router_keys_must_be_1_to_64_bytes() {
    let (mut chain, net, customer) = setup(stories::DOLLAR_FIFTY);
    chain.send_ok(&[dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN)], &[&customer]);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let too_long = "r".repeat(65);
    for router_key in ["", too_long.as_str()] {
        let ix = dc::delegate_ix(&net, customer.pubkey(), &iot.address, router_key, 1_000);
        chain.send_err(&[ix], &[&customer]).assert_anchor_error(DataCreditsError::InvalidRouterKey);
        assert!(chain.account_data(&dc::escrow_address(&iot.address, router_key)).is_none(), "no escrow for {router_key:?}");
    }
    assert_eq!(balances(&chain, &net, &customer.pubkey()), (999_000_000, 150_000));
    // 64 bytes is allowed.
    let longest = "r".repeat(64);
    chain.send_ok(&[dc::delegate_ix(&net, customer.pubkey(), &iot.address, &longest, 1_000)], &[&customer]);
    let escrow_dc = tokens::ata(&dc::escrow_address(&iot.address, &longest), &dc_mint_address(&net.network));
    assert_eq!((balances(&chain, &net, &customer.pubkey()).1, tokens::balance(&chain, &escrow_dc)), (149_000, 1_000));
}

#[test]
fn dc_can_only_be_minted_into_dc_accounts_and_from_the_networks_mints() {
    let (mut chain, net, customer) = setup(PriceOracle::Fixed { usd_per_token_e8: 150_000_000 });
    let before = balances(&chain, &net, &customer.pubkey());
    // The recipient is the customer's network-token account: Token-2022 refuses (mint mismatch).
    let mut ix = dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN);
    let recipient = tokens::ata(&customer.pubkey(), &dc_mint_address(&net.network));
    let token_account = tokens::ata(&customer.pubkey(), &net.token_mint);
    ix.accounts.iter_mut().filter(|m| m.pubkey == recipient).for_each(|m| m.pubkey = token_account);
    let failure = chain.send_err(&[ix], &[&customer]);
    tokens::assert_token_2022_error(&failure, 0, TokenError::MintMismatch);
    // Another mint in place of the network token or the DC mint: the config names both.
    let other_mint = tokens::create_mint(&mut chain, &customer.pubkey(), 6);
    for replaced in [net.token_mint, dc_mint_address(&net.network)] {
        let mut ix = dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), ONE_TOKEN);
        ix.accounts.iter_mut().filter(|m| m.pubkey == replaced).for_each(|m| m.pubkey = other_mint);
        chain.send_err(&[ix], &[&customer]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    }
    assert_eq!(balances(&chain, &net, &customer.pubkey()), before, "nothing burned or minted");
    let config: DataCreditsConfig = chain.anchor_account(&dc_config_address(&net.network));
    assert_eq!((config.total_dc_minted, config.total_tokens_burned), (0, 0));
}
