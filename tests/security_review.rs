//! The holes a security review found, each shown closed: the attack as a stranger (or a
//! leaked key) would run it against the real programs, the named refusal, and that nothing
//! moved. One test per finding of issue "security"; the attack classes the review went
//! through instruction by instruction are in the README's security section.
use anchor_lang::solana_program::program_option::COption;
use civnet_harness::bubblegum::{self, TreeShape};
use civnet_harness::dc::{self, PythPrice};
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::registry::{self, MakerKeys};
use civnet_harness::scenario::{self, dc_config_address, dc_mint_address, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::tokens::{self, MintSpec};
use civnet_harness::{Chain, Keypair, Pubkey, Signer};
use data_credits::errors::DataCreditsError;
use data_credits::instructions::{MintDataCreditsArgs, UpdateConfigArgs};
use data_credits::state::{DataCreditsConfig, PriceOracle};
use device_registry::errors::DeviceRegistryError;
use device_registry::state::{Device, Maker};
use emissions::errors::EmissionsError;
use emissions::instructions::UpdateNetworkArgs;
use emissions::state::{EpochInfo, Network, SubNetwork, SubNetworkEpochInfo};
use solana_program_pack::Pack;
use spl_token_2022_interface::extension::ExtensionType;

const EPOCH: u32 = stories::EPOCH_SECS;
const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };

fn mint_authority_of(chain: &Chain, mint: &Pubkey) -> COption<Pubkey> {
    tokens::read_mint(chain, mint).0.mint_authority
}

// ---------------------------------------------------------------- 1. init front-run

#[test]
fn a_stranger_cannot_initialize_the_network_of_a_prepared_mint() {
    let mut chain = Chain::new();
    let holder = chain.funded_keypair(1);
    let (token_mint, network, mint_authority) = scenario::create_network_mint(&mut chain, &holder.pubkey());
    let payer = chain.payer.pubkey();
    // A one-second epoch and his own schedule: what a front-runner would choose.
    let greedy = net::short_epoch_network_args(1);

    // The stranger names himself as authority and as the mint's authority.
    let stranger = chain.funded_keypair(1);
    let theirs = NetworkKeys::for_mint(token_mint, stranger.insecure_clone());
    let ix = scenario::initialize_network_ix(&theirs, payer, stranger.pubkey(), greedy.clone());
    chain.send_err(&[ix], &[&stranger]).assert_anchor_error(EmissionsError::NotMintAuthority);
    // He names the real holder, but cannot produce its signature.
    let mut ix = scenario::initialize_network_ix(&theirs, payer, holder.pubkey(), greedy);
    ix.accounts.iter_mut().filter(|m| m.pubkey == holder.pubkey()).for_each(|m| m.is_signer = false);
    chain.send_err(&[ix], &[&stranger]).assert_anchor_error(anchor_lang::error::ErrorCode::AccountNotSigner);
    assert!(chain.account_data(&network).is_none());
    assert_eq!(mint_authority_of(&chain, &token_mint), COption::Some(holder.pubkey()));

    // The holder binds it: the network and the hand-over of minting are one instruction.
    let authority = Keypair::new();
    let ours = NetworkKeys::for_mint(token_mint, authority.insecure_clone());
    let ix = scenario::initialize_network_ix(&ours, payer, holder.pubkey(), net::short_epoch_network_args(EPOCH));
    chain.send_ok(&[ix], &[&authority, &holder]);
    assert_eq!(mint_authority_of(&chain, &token_mint), COption::Some(mint_authority));
    let bound: Network = chain.anchor_account(&network);
    assert_eq!((bound.authority, bound.token_mint, bound.epoch_length_secs), (authority.pubkey(), token_mint, EPOCH));

    // A mint already handed to a network PDA (the old two-step launch) binds to nobody.
    let (parked_mint, parked_network, parked_authority) = scenario::create_network_mint(&mut chain, &holder.pubkey());
    tokens::set_mint_authority(&mut chain, &parked_mint, &holder, &parked_authority);
    let parked = NetworkKeys::for_mint(parked_mint, stranger.insecure_clone());
    let ix = scenario::initialize_network_ix(&parked, payer, stranger.pubkey(), net::short_epoch_network_args(1));
    chain.send_err(&[ix], &[&stranger]).assert_anchor_error(EmissionsError::NotMintAuthority);
    assert!(chain.account_data(&parked_network).is_none());
}

#[test]
fn a_network_token_gives_no_key_power_over_escrows_and_is_token_2022() {
    let mut chain = Chain::new();
    let holder = chain.funded_keypair(1);
    let payer = chain.payer.pubkey();
    let try_launch = |chain: &mut Chain, spec: MintSpec, token_program: Pubkey| {
        let mint = Keypair::new();
        tokens::create_mint_with(chain, &mint, &holder.pubkey(), 6, &spec);
        let keys = NetworkKeys::for_mint(mint.pubkey(), holder.insecure_clone());
        let mut ix = scenario::initialize_network_ix(&keys, payer, holder.pubkey(), net::short_epoch_network_args(EPOCH));
        ix.accounts.iter_mut().filter(|m| m.pubkey == tokens::TOKEN_2022_ID).for_each(|m| m.pubkey = token_program);
        let outcome = chain.send(&[ix], &[&holder]);
        (outcome, keys.network, mint.pubkey())
    };
    let refused = [
        (MintSpec { token_program: tokens::SPL_TOKEN_ID, ..MintSpec::default() }, tokens::SPL_TOKEN_ID, EmissionsError::TokenProgramNotToken2022),
        (MintSpec { freeze_authority: Some(Keypair::new().pubkey()), ..MintSpec::default() }, tokens::TOKEN_2022_ID, EmissionsError::MintHasFreezeAuthority),
        (MintSpec { extensions: vec![ExtensionType::PermanentDelegate], ..MintSpec::default() }, tokens::TOKEN_2022_ID, EmissionsError::UnsupportedMintExtension),
        (MintSpec { extensions: vec![ExtensionType::MintCloseAuthority], ..MintSpec::default() }, tokens::TOKEN_2022_ID, EmissionsError::UnsupportedMintExtension),
        (MintSpec { extensions: vec![ExtensionType::NonTransferable], ..MintSpec::default() }, tokens::TOKEN_2022_ID, EmissionsError::UnsupportedMintExtension),
    ];
    for (spec, token_program, error) in refused {
        let (outcome, network, mint) = try_launch(&mut chain, spec, token_program);
        outcome.expect_err("refused").assert_anchor_error(error);
        assert!(chain.account_data(&network).is_none());
        // The mint stays with its holder: nothing was handed over.
        let data = chain.account_data(&mint).unwrap();
        let base = spl_token_2022_interface::state::Mint::unpack_from_slice(&data[..spl_token_2022_interface::state::Mint::LEN]).unwrap();
        assert_eq!(base.mint_authority, COption::Some(holder.pubkey()));
    }
    // Descriptive metadata is fine.
    let (outcome, network, _) = try_launch(&mut chain, MintSpec { extensions: vec![ExtensionType::MetadataPointer], ..MintSpec::default() }, tokens::TOKEN_2022_ID);
    outcome.expect("a token with a metadata pointer launches");
    assert!(chain.account_data(&network).is_some());
}

// ---------------------------------------------------------------- 2. pre-funded addresses

#[test]
fn prefunding_the_dc_mint_address_does_not_brick_data_credits() {
    // New accounts must be rent-exempt: the least anyone can send to a fresh address is the
    // minimum of an empty account (890,880 lamports); the issue's attack sends the DC mint's own.
    for prefund in [890_880, 1_461_600, 10_000_000_000] {
        let mut chain = Chain::new();
        let (net, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
        let dc_mint = dc_mint_address(&net.network);
        chain.airdrop(&dc_mint, prefund);
        scenario::initialize_data_credits(&mut chain, &net, &net.authority, dc::fixed_price_args(150_000_000)).expect("initialize over a pre-funded DC mint address");
        let (mint, extensions) = tokens::read_mint(&chain, &dc_mint);
        assert_eq!((mint.decimals, mint.mint_authority, mint.freeze_authority), (0, COption::Some(dc_config_address(&net.network)), COption::None));
        assert_eq!(extensions, vec![ExtensionType::NonTransferable]);
        let size = chain.account_data(&dc_mint).unwrap().len();
        assert_eq!(chain.lamports(&dc_mint), prefund.max(chain.rent_exempt_minimum(size)), "pre-funded {prefund}");
    }
}

#[test]
fn every_address_civnet_creates_tolerates_being_prefunded() {
    let mut chain = Chain::new();
    chain.warp_seconds(5 * EPOCH as i64 + 7);
    let authority = chain.funded_keypair(10);
    let owner = chain.funded_keypair(10);
    let (token_mint, network, _) = scenario::create_network_mint_with_genesis(&mut chain, &authority, &[(owner.pubkey(), 10_000_000_000)]);
    let keys = NetworkKeys::for_mint(token_mint, authority.insecure_clone());
    let iot = net::sub_network_address(&network, "IOT");
    let device = Keypair::new();
    let router = "router-1";
    let epoch = net::current_epoch(&chain, EPOCH);
    let addresses = [
        network,
        dc_config_address(&network),
        dc_mint_address(&network),
        iot,
        net::rewards_escrow_address(&iot),
        net::rewards_root_address(&iot),
        dc::sub_network_burns_address(&iot),
        registry::sub_network_devices_address(&iot),
        scenario::maker_address(&network, "acme"),
        registry::device_address(&network, &device.pubkey()),
        dc::escrow_address(&iot, router),
        tokens::ata(&dc::escrow_address(&iot, router), &dc_mint_address(&network)),
        net::epoch_info_address(&network, epoch),
        net::sub_network_epoch_info_address(&iot, epoch),
    ];
    // Below the final account's rent exemption for some, above it for others.
    for (i, address) in addresses.iter().enumerate() {
        chain.airdrop(address, if i % 2 == 0 { 890_880 } else { 5_000_000_000 });
    }

    // The whole life of a network over those addresses.
    chain.send_ok(&[scenario::initialize_network_ix(&keys, chain.payer.pubkey(), authority.pubkey(), net::short_epoch_network_args(EPOCH))], &[&authority]);
    scenario::initialize_data_credits(&mut chain, &keys, &authority, dc::fixed_price_args(150_000_000)).expect("data credits");
    let iot = net::create_sub_network(&mut chain, &keys, "IOT");
    let mut maker = MakerKeys::create_approved(&mut chain, &keys, "acme");
    maker.set_tree(&mut chain, &keys, TREE).expect("tree");
    let recipient = net::recipient_address(&iot.address, &maker.next_asset_id());
    chain.airdrop(&recipient, 890_880);
    let maker_authority = maker.authority.insecure_clone();
    chain.send_ok(&[bubblegum::compute_budget(400_000), maker.issue_device_ix(&keys, chain.payer.pubkey(), device.pubkey(), owner.pubkey())], &[&maker_authority, &device]);
    let issued = maker.record_issued(&chain, &keys, device.pubkey(), &owner.pubkey());
    tokens::create_ata(&mut chain, &owner.pubkey(), &dc_mint_address(&network));
    dc::buy_dc(&mut chain, &keys, &owner, 10_000_000);
    registry::onboard(&mut chain, &keys, &maker, &issued, &owner, &iot.address);
    chain.send_ok(&[dc::delegate_ix(&keys, owner.pubkey(), &iot.address, router, 1_000_000)], &[&owner]);
    chain.send_ok(&[dc::burn_delegated_ix(&keys, iot.dc_burn_authority.pubkey(), &iot.address, router, 400_000, 1)], &[&iot.dc_burn_authority]);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    net::close_epoch(&mut chain, &keys, &[&iot], epoch);
    let issued_amount = chain.anchor_account::<SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(&iot.address, epoch)).issued;
    assert_eq!(issued_amount, 500_000_000, "the one scoring sub-network takes the epoch's emission");
    let claimed = stories::publish_and_claim(&mut chain, &keys, &iot, &maker, &issued, &owner, issued_amount);
    assert_eq!(claimed, issued_amount);
}

// ---------------------------------------------------------------- 3. one authority for DC

#[test]
fn the_dc_config_follows_the_network_authority_through_a_rotation() {
    let Launched { mut chain, net: mut keys, customer } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let leaked = keys.authority.insecure_clone();
    let successor = chain.funded_keypair(1);
    chain.send_ok(&[net::propose_authority_ix(&keys.network, leaked.pubkey(), successor.pubkey())], &[&leaked]);
    chain.send_ok(&[net::accept_authority_ix(&keys.network, successor.pubkey())], &[&successor]);
    keys.authority = successor.insecure_clone();

    // The leaked key tries to price DC at u64::MAX per token with an unlimited breaker.
    let heist = UpdateConfigArgs { price_oracle: Some(PriceOracle::Fixed { usd_per_token_e8: u64::MAX }), max_dc_minted_per_epoch: Some(u64::MAX) };
    chain.send_err(&[dc::update_config_ix(&keys, leaked.pubkey(), heist.clone())], &[&leaked]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    let config: DataCreditsConfig = chain.anchor_account(&dc_config_address(&keys.network));
    assert_eq!((config.price_oracle, config.max_dc_minted_per_epoch), (stories::DOLLAR_FIFTY, 1_000_000_000_000));
    // One token still buys 150,000 DC, not a fortune.
    let one_token = MintDataCreditsArgs { token_amount: Some(1_000_000), dc_amount: None };
    chain.send_ok(&[dc::mint_data_credits_ix(&keys, customer.pubkey(), customer.pubkey(), one_token)], &[&customer]);
    assert_eq!(tokens::balance(&chain, &tokens::ata(&customer.pubkey(), &dc_mint_address(&keys.network))), 150_000);

    // The network's current authority governs DC.
    let raise = UpdateConfigArgs { price_oracle: Some(PriceOracle::Fixed { usd_per_token_e8: 200_000_000 }), max_dc_minted_per_epoch: None };
    chain.send_ok(&[dc::update_config_ix(&keys, successor.pubkey(), raise)], &[&successor]);
    assert_eq!(chain.anchor_account::<DataCreditsConfig>(&dc_config_address(&keys.network)).price_oracle, PriceOracle::Fixed { usd_per_token_e8: 200_000_000 });
}

// ---------------------------------------------------------------- 4. cherry-picked prices

#[test]
fn a_buyer_cannot_pick_an_older_oracle_price_after_a_newer_one_was_used() {
    const FEED: [u8; 32] = [0xab; 32];
    let oracle = PriceOracle::Pyth { feed_id: FEED, max_age_secs: data_credits::state::DEFAULT_MAX_PRICE_AGE_SECS };
    let Launched { mut chain, net: keys, customer } = stories::launch(1_000_000_000, oracle);
    let now = chain.clock().unix_timestamp;
    let price = |publish_time: i64, price: i64| PythPrice { feed_id: FEED, price, conf: 0, exponent: -8, publish_time, fully_verified: true };
    let one_token = MintDataCreditsArgs { token_amount: Some(1_000_000), dc_amount: None };
    let dc_of = |chain: &Chain| tokens::balance(chain, &tokens::ata(&customer.pubkey(), &dc_mint_address(&keys.network)));

    // The price fell from $2.00 (40 s ago) to $1.50 (now); someone bought at the new price.
    let old_high = dc::write_price_update(&mut chain, &price(now - 40, 200_000_000), None);
    let new_low = dc::write_price_update(&mut chain, &price(now, 150_000_000), None);
    chain.send_ok(&[dc::mint_with_pyth_ix(&keys, customer.pubkey(), new_low, one_token)], &[&customer]);
    assert_eq!(dc_of(&chain), 150_000);
    // Buying with the older, better price is refused, though within the staleness limit.
    chain.send_err(&[dc::mint_with_pyth_ix(&keys, customer.pubkey(), old_high, one_token)], &[&customer]).assert_anchor_error(DataCreditsError::PriceOlderThanLastUsed);
    assert_eq!(dc_of(&chain), 150_000);
    let config: DataCreditsConfig = chain.anchor_account(&dc_config_address(&keys.network));
    assert_eq!(config.last_price_publish_time, now);
    // The same or a newer price works; the default staleness limit is one minute.
    chain.send_ok(&[dc::mint_with_pyth_ix(&keys, customer.pubkey(), new_low, one_token)], &[&customer]);
    assert_eq!(data_credits::state::DEFAULT_MAX_PRICE_AGE_SECS, 60);
    chain.warp_seconds(61);
    chain.send_err(&[dc::mint_with_pyth_ix(&keys, customer.pubkey(), new_low, one_token)], &[&customer]).assert_anchor_error(DataCreditsError::StalePrice);
    assert_eq!(dc_of(&chain), 300_000);
}

// ---------------------------------------------------------------- 5. dust burns

#[test]
fn a_dust_burn_cannot_divert_emissions_to_an_empty_sub_network() {
    let Launched { mut chain, net: keys, customer } = stories::launch(10_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &keys, "IOT");
    let empty = net::create_sub_network(&mut chain, &keys, "EMPTY");
    stories::onboard_devices(&mut chain, &keys, &customer, &[&iot], 1);
    let epoch = net::current_epoch(&chain, EPOCH);
    dc::buy_dc(&mut chain, &keys, &customer, 10);
    // 1 DC (10^-5 USD) for the empty sub-network, 1 DC more for IOT.
    chain.send_ok(&[dc::burn_data_credits_ix(&keys, customer.pubkey(), &empty.address, 1)], &[&customer]);
    chain.send_ok(&[dc::burn_data_credits_ix(&keys, customer.pubkey(), &iot.address, 1)], &[&customer]);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    net::close_epoch(&mut chain, &keys, &[&iot, &empty], epoch);

    let info = |sub: &Pubkey| chain.anchor_account::<SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(sub, epoch));
    let (iot_info, empty_info) = (info(&iot.address), info(&empty.address));
    assert_eq!((empty_info.dc_burned, empty_info.active_devices, empty_info.utility_score, empty_info.issued), (1, 0, 0, 0));
    // IOT's dust changed nothing either: one device scores 1 * 1 with or without it.
    assert_eq!(iot_info.utility_score, civnet_common::score::utility_score(0, 1));
    let emission = chain.anchor_account::<EpochInfo>(&net::epoch_info_address(&keys.network, epoch)).emission;
    assert_eq!(iot_info.issued, emission);
    assert_eq!(tokens::balance(&chain, &empty.rewards_escrow), 0);
}

// ---------------------------------------------------------------- 6. the issuance cap

#[test]
fn the_issuance_cap_is_an_emergency_brake() {
    let Launched { mut chain, net: keys, customer } = stories::launch(10_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &keys, "IOT");
    let mobile = net::create_sub_network(&mut chain, &keys, "MOBILE");
    stories::onboard_devices(&mut chain, &keys, &customer, &[&iot, &mobile], 1);
    let authority = keys.authority.insecure_clone();
    let brake = |chain: &mut Chain, cap: u64| {
        let ix = net::update_network_ix(&keys, authority.pubkey(), UpdateNetworkArgs { max_issuance_per_epoch: Some(cap), emission_schedule: None });
        chain.send_ok(&[ix], &[&authority]);
    };
    let issued = |chain: &Chain, sub: &Pubkey, epoch: u64| chain.anchor_account::<SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(sub, epoch)).issued;
    let first = net::current_epoch(&chain, EPOCH);
    let scheduled = 500_000_000; // the story schedule's amount in these epochs

    // Lowered below the schedule: the epoch issues the cap, split by score (1 : 1).
    brake(&mut chain, 300_000_000);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    net::close_epoch(&mut chain, &keys, &[&iot, &mobile], first);
    assert_eq!(chain.anchor_account::<EpochInfo>(&net::epoch_info_address(&keys.network, first)).emission, scheduled);
    assert_eq!((issued(&chain, &iot.address, first), issued(&chain, &mobile.address, first)), (150_000_000, 150_000_000));

    // Lowered between the two sub-networks' issues: the epoch's total stays under the new cap.
    let second = first + 1;
    net::warp_to_next_epoch(&mut chain, EPOCH);
    let payer = chain.payer.pubkey();
    for sub in [&iot, &mobile] {
        chain.send_ok(&[net::calculate_utility_score_ix(&keys.network, &sub.address, payer, second)], &[]);
    }
    brake(&mut chain, u64::MAX);
    chain.send_ok(&[net::issue_rewards_ix(&keys, &iot.address, second)], &[]);
    brake(&mut chain, 260_000_000);
    chain.send_ok(&[net::issue_rewards_ix(&keys, &mobile.address, second)], &[]);
    assert_eq!((issued(&chain, &iot.address, second), issued(&chain, &mobile.address, second)), (250_000_000, 10_000_000));
    assert_eq!(chain.anchor_account::<EpochInfo>(&net::epoch_info_address(&keys.network, second)).total_issued, 260_000_000);

    // Zero stops issuance; lifting it restores the schedule.
    brake(&mut chain, 0);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    net::close_epoch(&mut chain, &keys, &[&iot, &mobile], second + 1);
    assert_eq!(chain.anchor_account::<EpochInfo>(&net::epoch_info_address(&keys.network, second + 1)).total_issued, 0);
    brake(&mut chain, u64::MAX);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    net::close_epoch(&mut chain, &keys, &[&iot, &mobile], second + 2);
    let total = chain.anchor_account::<EpochInfo>(&net::epoch_info_address(&keys.network, second + 2)).total_issued;
    assert_eq!(total, 250_000_000, "epoch {} is past the halving at 8", second + 2);
    let network: Network = chain.anchor_account(&keys.network);
    assert_eq!(network.total_issued, 300_000_000 + 260_000_000 + total);
}

// ---------------------------------------------------------------- 7. issuance proof replay

#[test]
fn a_retired_devices_issuance_proof_cannot_issue_it_again() {
    let Launched { mut chain, net: keys, customer: owner } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let mut maker = MakerKeys::create_approved(&mut chain, &keys, "acme-sensors");
    maker.set_tree(&mut chain, &keys, TREE).expect("tree");
    let payer = chain.payer.pubkey();
    let maker_authority = maker.authority.insecure_clone();
    let device = Keypair::new();

    // The device signs once, offline, for the asset its issuance mints.
    let first_asset = maker.next_asset_id();
    let signed = device_registry::device_proof::issuance_message(&keys.network, &maker.address, &owner.pubkey(), &device.pubkey(), &first_asset);
    chain.send_ok(&maker.issue_device_with_proof_ixs(&keys, payer, &device, &signed, &owner.pubkey()), &[&maker_authority]);
    let issued = maker.record_issued(&chain, &keys, device.pubkey(), &owner.pubkey());
    assert_eq!(issued.asset_id, first_asset);

    // The owner retires it (a compromised unit, say): the record is closed.
    let (cnft, proof) = maker.ownership_proof(&chain, &keys, &issued);
    let ix = registry::retire_device_ix(&keys, owner.pubkey(), &issued, None, cnft, &proof);
    chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&owner]);
    maker.record_burned(&issued);
    let record = registry::device_address(&keys.network, &device.pubkey());
    assert!(chain.account_data(&record).is_none());

    // The maker replays the device's old signature to bring the identity back: refused.
    let replay = maker.issue_device_with_proof_ixs(&keys, payer, &device, &signed, &owner.pubkey());
    chain.send_err(&replay, &[&maker_authority]).assert_anchor_error(DeviceRegistryError::DeviceKeyNotProven);
    assert!(chain.account_data(&record).is_none());
    // Only a new signature by the device itself, for the new asset, issues it again.
    let again = maker.issue_device_ed25519_ixs(&keys, payer, &device, &owner.pubkey(), &owner.pubkey());
    chain.send_ok(&again, &[&maker_authority]);
    let reissued: Device = chain.anchor_account(&record);
    assert_ne!(reissued.asset_id, first_asset);
}

// ---------------------------------------------------------------- 8. smaller ones

#[test]
fn approving_a_squatted_maker_name_is_refused() {
    let Launched { mut chain, net: keys, .. } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let real = Keypair::new();
    let squatter = chain.funded_keypair(1);
    // The squatter registers the name the network means to approve, with his own key.
    scenario::create_maker(&mut chain, &keys.network, "civnet-labs", squatter.pubkey()).expect("create_maker is permissionless");
    let address = scenario::maker_address(&keys.network, "civnet-labs");
    let ix = registry::approve_maker_ix(&keys, keys.authority.pubkey(), &address, real.pubkey());
    chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(DeviceRegistryError::MakerAuthorityMismatch);
    let maker: Maker = chain.anchor_account(&address);
    assert_eq!((maker.authority, maker.approved), (squatter.pubkey(), false));
    // A stranger cannot approve anything.
    let ix = registry::approve_maker_ix(&keys, squatter.pubkey(), &address, squatter.pubkey());
    chain.send_err(&[ix], &[&squatter]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    assert!(!chain.anchor_account::<Maker>(&address).approved);
}

// ---------------------------------------------------------------- liveness

#[test]
fn a_sub_network_whose_records_were_never_opened_does_not_stall_issuance() {
    let Launched { mut chain, net: keys, customer } = stories::launch(10_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &keys, "IOT");
    stories::onboard_devices(&mut chain, &keys, &customer, &[&iot], 1);
    // An operator creates LAZY without its two activity records.
    let lazy = SubNetworkKeys::new(&keys.network, "LAZY");
    let authority = keys.authority.insecure_clone();
    chain.send_ok(&[net::create_sub_network_ix(&keys, chain.payer.pubkey(), authority.pubkey(), &lazy, lazy.create_args())], &[&authority]);
    assert!(chain.account_data(&dc::sub_network_burns_address(&lazy.address)).is_none());
    let epoch = net::current_epoch(&chain, EPOCH);
    net::warp_to_next_epoch(&mut chain, EPOCH);

    // Another empty account in place of the missing record is still refused.
    let payer = chain.payer.pubkey();
    let mut ix = net::calculate_utility_score_ix(&keys.network, &lazy.address, payer, epoch);
    let missing = dc::sub_network_burns_address(&lazy.address);
    ix.accounts.iter_mut().filter(|m| m.pubkey == missing).for_each(|m| m.pubkey = Keypair::new().pubkey());
    chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::WrongActivityRecord);

    // Anyone closes the epoch: LAZY scores 0 from its missing records, IOT is paid.
    net::close_epoch(&mut chain, &keys, &[&iot, &lazy], epoch);
    let lazy_info: SubNetworkEpochInfo = chain.anchor_account(&net::sub_network_epoch_info_address(&lazy.address, epoch));
    assert_eq!((lazy_info.score_done, lazy_info.dc_burned, lazy_info.active_devices, lazy_info.issued), (true, 0, 0, 0));
    let info: EpochInfo = chain.anchor_account(&net::epoch_info_address(&keys.network, epoch));
    assert_eq!((info.sub_networks_scored, info.sub_networks_issued, info.total_issued), (2, 2, info.emission));
    assert_eq!(chain.anchor_account::<SubNetwork>(&iot.address).total_issued, info.emission);
}
