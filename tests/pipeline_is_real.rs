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
fn a_network_mint_whose_holder_does_not_sign_is_rejected() {
    let mut chain = Chain::new();
    let outsider = Keypair::new();
    let (token_mint, network, _) = scenario::create_network_mint(&mut chain, &outsider.pubkey());
    let keys = NetworkKeys::for_mint(token_mint, Keypair::new());
    let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), default_network_args());
    let failure = chain.send_err(&[ix], &[&keys.authority]);
    failure.assert_anchor_error(emissions::errors::EmissionsError::NotMintAuthority);
    assert!(chain.account_data(&network).is_none(), "no network account was created");
}

#[test]
fn an_unsorted_emission_schedule_is_rejected() {
    let mut chain = Chain::new();
    let authority = Keypair::new();
    let (token_mint, _, _) = scenario::create_network_mint(&mut chain, &authority.pubkey());
    let keys = NetworkKeys::for_mint(token_mint, authority);
    let mut args = default_network_args();
    args.emission_schedule.reverse();
    let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), args);
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

/// What each engine runs with: mainnet-beta's feature set (`civnet_client::features`).
#[test]
fn both_engines_run_mainnet_betas_feature_set() {
    use civnet_harness::features;
    let inactive = features::inactive_on_mainnet();
    let active = features::active_on_mainnet();
    assert!(!inactive.is_empty() && !active.is_empty());
    // SIMD-0500's refusal of non-v3 deployments is one of those not on mainnet yet: a default
    // solana-test-validator would run it, ours does not.
    // Both engines hold an activated feature account for exactly the active ones.
    let chain = Chain::new();
    for feature in &inactive {
        assert!(chain.account_data(feature).is_none(), "{feature} is active in litesvm but not on mainnet");
    }
    for feature in &active {
        assert!(chain.account_data(feature).is_some(), "{feature} is active on mainnet but not in litesvm");
    }
    let validator = TestValidator::start();
    for feature in inactive.iter().take(40) {
        assert!(validator.account_data(feature).is_none(), "{feature} is active in the test validator but not on mainnet");
    }
    let enable_v3 = "5cC3foj77CWun58pC51ebHFUWavHWKarWyR5UUik7dnC".parse::<Pubkey>().unwrap();
    assert!(active.contains(&enable_v3), "SBPF v3 execution is active on mainnet");
    assert!(validator.account_data(&enable_v3).is_some(), "the validator activated SBPF v3");
}

/// Deployed as `solana program deploy` would, through BPF loader v3 under mainnet's features:
/// the loader verifies the ELF at deployment, then the program runs (and, deployed at an
/// address other than its declared id, answers with Anchor's DeclaredProgramIdMismatch).
#[test]
fn every_civnet_program_deploys_under_mainnet_features() {
    use civnet_harness::deploy;
    let mut chain = Chain::new();
    let authority = chain.funded_keypair(100);
    for program in programs::all().into_iter().take(3) {
        let address = Keypair::new();
        let elf = programs::read(&program);
        deploy::deploy_upgradeable(&mut chain, &address, &authority, &elf).unwrap_or_else(|f| panic!("deploying {}: {f}", program.name));
        assert!(chain.svm.get_account(&address.pubkey()).is_some_and(|a| a.executable), "{}", program.name);
        let data_len = chain.account_data(&deploy::program_data_address(&address.pubkey())).unwrap().len();
        assert!(data_len > elf.len(), "{}: program data holds the ELF", program.name);
        // Any instruction: the program runs and refuses to act at a foreign address.
        let ix = anchor_lang::solana_program::instruction::Instruction { program_id: address.pubkey(), accounts: vec![], data: vec![0; 8] };
        let failure = chain.send_err(&[ix], &[]);
        assert!(failure.logs.iter().any(|l| l.contains(&format!("Program {} invoke", address.pubkey()))), "{}: {:#?}", program.name, failure.logs);
    }
}

#[test]
fn token_2022_ships_inside_litesvm() {
    let chain = Chain::new();
    assert!(chain.svm.get_account(&TOKEN_2022_ID).is_some_and(|a| a.executable));
}
