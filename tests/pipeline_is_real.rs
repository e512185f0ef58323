//! The build pipeline is real: every program is an SBPF v3 ELF built here, each civnet
//! program runs its instruction in litesvm and in solana-test-validator over RPC, the
//! created accounts decode with the programs' own types, and bad accounts fail with named
//! Anchor errors.
use civnet_harness::scenario::{self, default_network_args, NetworkKeys};
use civnet_harness::tokens::{self, TOKEN_2022_ID};
use civnet_harness::{programs, Chain, Cluster, Keypair, Pubkey, Signer, TestValidator};
use data_credits::state::{DataCreditsConfig, PriceOracle};
use device_registry::state::Maker;
use emissions::state::Network;
use spl_token_2022_interface::extension::ExtensionType;

fn fixed_price_dc_args() -> data_credits::instructions::InitializeArgs {
    data_credits::instructions::InitializeArgs {
        price_oracle: PriceOracle::Fixed { usd_per_token_e8: 150_000_000 },
        max_dc_minted_per_epoch: 10_000_000_000,
    }
}

/// The three instructions, one story: a network is created, gets its data credits, and a
/// maker registers. Runs unchanged on litesvm and on solana-test-validator.
fn bootstrap_and_check(cluster: &mut impl Cluster) -> NetworkKeys {
    let (keys, _) = scenario::initialize_network(cluster, default_network_args());
    let network: Network = cluster.anchor_account(&keys.network);
    assert_eq!(network.authority, keys.authority.pubkey());
    assert_eq!(network.token_mint, keys.token_mint);
    assert_eq!(network.pending_authority, Pubkey::default());
    assert_eq!(network.epoch_length_secs, 86_400);
    assert_eq!(network.emission_schedule, default_network_args().emission_schedule);
    assert!(network.sub_network_created_epochs.is_empty());

    scenario::initialize_data_credits(cluster, &keys, &keys.authority, fixed_price_dc_args()).expect("data_credits::initialize");
    let config: DataCreditsConfig = cluster.anchor_account(&scenario::dc_config_address(&keys.network));
    let dc_mint = scenario::dc_mint_address(&keys.network);
    assert_eq!(config.network, keys.network);
    assert_eq!(config.dc_mint, dc_mint);
    assert_eq!(config.network_mint, keys.token_mint);
    assert_eq!(config.price_oracle, PriceOracle::Fixed { usd_per_token_e8: 150_000_000 });
    let (mint, extensions) = tokens::read_mint_data(&cluster.account_data(&dc_mint).expect("DC mint"));
    assert_eq!(mint.decimals, 0);
    assert_eq!(mint.supply, 0);
    assert_eq!(Option::<Pubkey>::from(mint.mint_authority), Some(scenario::dc_config_address(&keys.network)));
    assert_eq!(Option::<Pubkey>::from(mint.freeze_authority), None);
    assert_eq!(extensions, vec![ExtensionType::NonTransferable]);

    let maker_authority = Pubkey::new_unique();
    scenario::create_maker(cluster, &keys.network, "acme-sensors", maker_authority).expect("create_maker");
    let maker: Maker = cluster.anchor_account(&scenario::maker_address(&keys.network, "acme-sensors"));
    assert_eq!(maker.name, "acme-sensors");
    assert_eq!(maker.network, keys.network);
    assert_eq!(maker.authority, maker_authority);
    assert!(!maker.approved);
    assert_eq!(maker.devices_issued, 0);
    keys
}

#[test]
fn every_program_is_an_sbpf_v3_elf() {
    for program in programs::all() {
        let bytes = programs::read(&program);
        assert_eq!(&bytes[..4], b"\x7fELF", "{}", program.name);
        let e_flags = u32::from_le_bytes(bytes[48..52].try_into().unwrap());
        assert_eq!(e_flags, 3, "{} is not SBPF v3", program.name);
    }
}

#[test]
fn each_program_runs_its_instruction_in_litesvm() {
    let mut chain = Chain::new();
    let keys = bootstrap_and_check(&mut chain);
    // The network's start epoch is the epoch of the clock at creation.
    let network: Network = chain.anchor_account(&keys.network);
    assert_eq!(network.start_epoch, chain.clock().unix_timestamp as u64 / 86_400);
}

#[test]
fn each_program_runs_its_instruction_in_solana_test_validator() {
    let mut validator = TestValidator::start();
    bootstrap_and_check(&mut validator);
}

#[test]
fn a_network_mint_not_controlled_by_the_network_is_rejected() {
    let mut chain = Chain::new();
    let outsider = Keypair::new();
    let token_mint = tokens::create_mint(&mut chain, &outsider.pubkey(), 6);
    let network = scenario::network_address(&token_mint);
    let keys = NetworkKeys { authority: Keypair::new(), token_mint, network, mint_authority: scenario::network_mint_authority(&network) };
    let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), default_network_args());
    let failure = chain.send_err(&[ix], &[&keys.authority]);
    failure.assert_anchor_error(emissions::errors::EmissionsError::MintAuthorityNotNetwork);
    assert!(chain.account_data(&network).is_none(), "no network account was created");
}

#[test]
fn an_unsorted_emission_schedule_is_rejected() {
    let mut chain = Chain::new();
    let (token_mint, network, mint_authority) = scenario::create_network_mint(&mut chain);
    let keys = NetworkKeys { authority: Keypair::new(), token_mint, network, mint_authority };
    let mut args = default_network_args();
    args.emission_schedule.reverse();
    let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), args);
    chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(emissions::errors::EmissionsError::ScheduleNotSorted);
}

#[test]
fn data_credits_for_a_network_need_its_authority() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, default_network_args());
    let impostor = Keypair::new();
    let failure = scenario::initialize_data_credits(&mut chain, &keys, &impostor, fixed_price_dc_args()).unwrap_err();
    failure.assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    assert!(chain.account_data(&scenario::dc_mint_address(&keys.network)).is_none(), "no DC mint was created");
}

#[test]
fn an_invalid_maker_name_is_rejected_by_name() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, default_network_args());
    let long_name = "a".repeat(40);
    let failure = scenario::create_maker(&mut chain, &keys.network, &long_name, Pubkey::new_unique()).unwrap_err();
    failure.assert_anchor_error(device_registry::errors::DeviceRegistryError::InvalidMakerName);
    let failure = scenario::create_maker(&mut chain, &keys.network, "Upper Case", Pubkey::new_unique()).unwrap_err();
    failure.assert_anchor_error(device_registry::errors::DeviceRegistryError::InvalidMakerName);
}

#[test]
fn token_2022_ships_inside_litesvm() {
    let chain = Chain::new();
    assert!(chain.svm.get_account(&TOKEN_2022_ID).is_some_and(|a| a.executable));
}
