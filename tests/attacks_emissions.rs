//! Every emissions instruction refuses what it must refuse, each with its named error, and
//! nothing changes when it does.
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::scenario::{self, NetworkKeys};
use civnet_harness::{Chain, Keypair, Pubkey, Signer};
use emissions::errors::EmissionsError;
use emissions::instructions::{InitializeNetworkArgs, UpdateNetworkArgs};
use emissions::state::{EmissionStep, Network, SubNetwork};

const EPOCH: u32 = 60;

/// A network created a few epochs after the clock's zero (so earlier epochs exist) with IOT.
fn network_with_iot(chain: &mut Chain) -> (NetworkKeys, SubNetworkKeys) {
    chain.warp_seconds(5 * EPOCH as i64 + 7);
    let (keys, _) = scenario::initialize_network(chain, net::short_epoch_network_args(EPOCH));
    let iot = net::create_sub_network(chain, &keys, "IOT");
    (keys, iot)
}

#[test]
fn activity_records_are_read_by_the_programs_own_layout() {
    use anchor_lang::Discriminator;
    use civnet_common::history::{ENTRIES_WRITTEN_AT, EPOCHS_AT, HISTORY_ACCOUNT_PREFIX, SUB_NETWORK_AT, TOTAL_AT, VALUES_AT};
    use data_credits::state::SubNetworkBurns;
    use device_registry::state::SubNetworkDevices;
    use std::mem::offset_of;
    assert_eq!(emissions::state::DATA_CREDITS_PROGRAM_ID, data_credits::ID);
    assert_eq!(emissions::state::DEVICE_REGISTRY_PROGRAM_ID, device_registry::ID);
    assert_eq!(&emissions::state::SUB_NETWORK_BURNS_DISCRIMINATOR[..], SubNetworkBurns::DISCRIMINATOR);
    assert_eq!(&emissions::state::SUB_NETWORK_DEVICES_DISCRIMINATOR[..], SubNetworkDevices::DISCRIMINATOR);
    // Offsets in the account data: the 8-byte discriminator, then the zero-copy struct.
    let burns = [8 + offset_of!(SubNetworkBurns, sub_network), 8 + offset_of!(SubNetworkBurns, total_burned), 8 + offset_of!(SubNetworkBurns, entries_written), 8 + offset_of!(SubNetworkBurns, epochs), 8 + offset_of!(SubNetworkBurns, burned)];
    let devices = [8 + offset_of!(SubNetworkDevices, sub_network), 8 + offset_of!(SubNetworkDevices, active_devices), 8 + offset_of!(SubNetworkDevices, entries_written), 8 + offset_of!(SubNetworkDevices, epochs), 8 + offset_of!(SubNetworkDevices, active_at_end)];
    let shared = [SUB_NETWORK_AT, TOTAL_AT, ENTRIES_WRITTEN_AT, EPOCHS_AT, VALUES_AT];
    assert_eq!((burns, devices), (shared, shared));
    assert!(8 + std::mem::size_of::<SubNetworkBurns>() >= HISTORY_ACCOUNT_PREFIX);
    assert!(8 + std::mem::size_of::<SubNetworkDevices>() >= HISTORY_ACCOUNT_PREFIX);
}

#[test]
fn sub_network_by_a_stranger_is_rejected() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    let stranger = Keypair::new();
    let sub = SubNetworkKeys::new(&keys.network, "MOBILE");
    let ix = net::create_sub_network_ix(&keys, chain.payer.pubkey(), stranger.pubkey(), &sub, sub.create_args());
    chain.send_err(&[ix], &[&stranger]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    assert!(chain.account_data(&sub.address).is_none());
}

#[test]
fn bad_sub_network_names_are_rejected() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    for name in ["", "iot", "A NAME", "SEVENTEEN_CHARS_X", &"X".repeat(40)] {
        let sub = SubNetworkKeys::new(&keys.network, name);
        let ix = net::create_sub_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), &sub, sub.create_args());
        chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(EmissionsError::InvalidSubNetworkName);
    }
}

#[test]
fn a_seventeenth_sub_network_is_rejected() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    for i in 0..16 {
        net::create_sub_network(&mut chain, &keys, &format!("SUB{i}"));
    }
    let sub = SubNetworkKeys::new(&keys.network, "ONE_TOO_MANY");
    let ix = net::create_sub_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), &sub, sub.create_args());
    chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(EmissionsError::TooManySubNetworks);
    assert_eq!(chain.anchor_account::<Network>(&keys.network).sub_network_created_epochs.len(), 16);
}

#[test]
fn authority_transfer_needs_the_proposed_key() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    let successor = Keypair::new();
    let impostor = Keypair::new();
    // Nothing proposed yet: nobody can accept, not even the future successor.
    chain
        .send_err(&[net::accept_authority_ix(&keys.network, successor.pubkey())], &[&successor])
        .assert_anchor_error(EmissionsError::NotPendingAuthority);
    // Only the authority proposes.
    chain
        .send_err(&[net::propose_authority_ix(&keys.network, impostor.pubkey(), impostor.pubkey())], &[&impostor])
        .assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    chain.send_ok(&[net::propose_authority_ix(&keys.network, keys.authority.pubkey(), successor.pubkey())], &[&keys.authority]);
    chain
        .send_err(&[net::accept_authority_ix(&keys.network, impostor.pubkey())], &[&impostor])
        .assert_anchor_error(EmissionsError::NotPendingAuthority);
    assert_eq!(chain.anchor_account::<Network>(&keys.network).authority, keys.authority.pubkey());

    chain.send_ok(&[net::accept_authority_ix(&keys.network, successor.pubkey())], &[&successor]);
    let network: Network = chain.anchor_account(&keys.network);
    assert_eq!((network.authority, network.pending_authority), (successor.pubkey(), Pubkey::default()));
    // The old authority lost its rights; accepting twice (replay) fails.
    let update = net::update_network_ix(&keys, keys.authority.pubkey(), UpdateNetworkArgs { max_issuance_per_epoch: Some(1), ..Default::default() });
    chain.send_err(&[update], &[&keys.authority]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    chain
        .send_err(&[net::accept_authority_ix(&keys.network, successor.pubkey())], &[&successor])
        .assert_anchor_error(EmissionsError::NotPendingAuthority);
}

#[test]
fn overflowing_and_unsorted_schedules_are_rejected() {
    let mut chain = Chain::new();
    let cases = [
        (vec![EmissionStep { start_epoch: 0, tokens_per_epoch: u64::MAX }, EmissionStep { start_epoch: 3, tokens_per_epoch: 1 }], EmissionsError::ScheduleSupplyOverflow),
        (vec![], EmissionsError::EmptySchedule),
        (vec![EmissionStep { start_epoch: 5, tokens_per_epoch: 1 }, EmissionStep { start_epoch: 5, tokens_per_epoch: 1 }], EmissionsError::ScheduleNotSorted),
        (scenario::halving_schedule(1_000, 1, 17), EmissionsError::ScheduleTooLong),
    ];
    for (schedule, error) in cases {
        let args = InitializeNetworkArgs { epoch_length_secs: EPOCH, max_issuance_per_epoch: u64::MAX, emission_schedule: schedule };
        let authority = Keypair::new();
        let (token_mint, network, _) = scenario::create_network_mint(&mut chain, &authority.pubkey());
        let keys = NetworkKeys::for_mint(token_mint, authority);
        let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), args);
        chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(error);
        assert!(chain.account_data(&network).is_none());
    }
    for epoch_length_secs in [0, 366 * 86_400 + 1] {
        let args = InitializeNetworkArgs { epoch_length_secs, ..net::short_epoch_network_args(EPOCH) };
        let authority = Keypair::new();
        let (token_mint, network, _) = scenario::create_network_mint(&mut chain, &authority.pubkey());
        let keys = NetworkKeys::for_mint(token_mint, authority);
        let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), args);
        chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(EmissionsError::InvalidEpochLength);
        assert!(chain.account_data(&network).is_none());
    }
}

#[test]
fn a_new_schedule_may_not_rewrite_started_epochs() {
    let mut chain = Chain::new();
    let (keys, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    let now = net::current_epoch(&chain, EPOCH);
    let old = chain.anchor_account::<Network>(&keys.network).emission_schedule;
    // Changing the amount of the running epoch is refused...
    let rewrite = vec![EmissionStep { start_epoch: 0, tokens_per_epoch: 999_000_000 }];
    let ix = net::update_network_ix(&keys, keys.authority.pubkey(), UpdateNetworkArgs { emission_schedule: Some(rewrite), ..Default::default() });
    chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(EmissionsError::ScheduleRewritesPast);
    assert_eq!(chain.anchor_account::<Network>(&keys.network).emission_schedule, old);
    // A cap below the schedule is the emergency brake: allowed at any time, schedule untouched.
    let ix = net::update_network_ix(&keys, keys.authority.pubkey(), UpdateNetworkArgs { max_issuance_per_epoch: Some(1), ..Default::default() });
    chain.send_ok(&[ix], &[&keys.authority]);
    let network = chain.anchor_account::<Network>(&keys.network);
    assert_eq!((network.max_issuance_per_epoch, network.emission_schedule.clone()), (1, old.clone()));
    // Changing only the future is fine.
    let mut future = old.clone();
    future.truncate(1);
    future.push(EmissionStep { start_epoch: now + 1, tokens_per_epoch: 10 });
    let ix = net::update_network_ix(&keys, keys.authority.pubkey(), UpdateNetworkArgs { emission_schedule: Some(future.clone()), ..Default::default() });
    chain.send_ok(&[ix], &[&keys.authority]);
    assert_eq!(chain.anchor_account::<Network>(&keys.network).emission_schedule, future);
}

#[test]
fn scores_wait_for_the_epoch_and_count_once() {
    let mut chain = Chain::new();
    let (keys, iot) = network_with_iot(&mut chain);
    let mobile = net::create_sub_network(&mut chain, &keys, "MOBILE");
    let payer = chain.payer.pubkey();
    let start = net::current_epoch(&chain, EPOCH);

    let ix = net::calculate_utility_score_ix(&keys.network, &iot.address, payer, start);
    chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::EpochNotEnded);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    // Before the network started: the "infinite epoch" hole stays shut.
    let ix = net::calculate_utility_score_ix(&keys.network, &iot.address, payer, start - 1);
    chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::EpochBeforeStart);

    chain.send_ok(&[net::calculate_utility_score_ix(&keys.network, &iot.address, payer, start)], &[]);
    let ix = net::calculate_utility_score_ix(&keys.network, &iot.address, payer, start);
    chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::ScoreAlreadyCalculated);
    // MOBILE is not scored yet: no issuance for anyone.
    chain.send_err(&[net::issue_rewards_ix(&keys, &iot.address, start)], &[]).assert_anchor_error(EmissionsError::ScoresIncomplete);

    chain.send_ok(&[net::calculate_utility_score_ix(&keys.network, &mobile.address, payer, start)], &[]);
    chain.send_ok(&[net::issue_rewards_ix(&keys, &iot.address, start)], &[]);
    chain.send_err(&[net::issue_rewards_ix(&keys, &iot.address, start)], &[]).assert_anchor_error(EmissionsError::RewardsAlreadyIssued);
    // A quiet epoch without devices scores zero, so nothing is minted at all.
    let info: emissions::state::EpochInfo = chain.anchor_account(&net::epoch_info_address(&keys.network, start));
    assert_eq!((info.sub_networks_expected, info.sub_networks_scored, info.sub_networks_issued), (2, 2, 1));
    assert_eq!((info.total_utility_score, info.total_issued, info.emission), (0, 0, 500_000_000));
    assert_eq!(civnet_harness::tokens::read_mint(&chain, &keys.token_mint).0.supply, 0);
}

#[test]
fn a_root_promising_more_than_was_issued_is_rejected() {
    let mut chain = Chain::new();
    let (_, iot) = network_with_iot(&mut chain);
    let ix = net::set_rewards_root_ix(&iot.address, iot.rewards_oracle.pubkey(), [7; 32], 1);
    chain.send_err(&[ix], &[&iot.rewards_oracle]).assert_anchor_error(EmissionsError::RootExceedsIssued);
    let stranger = Keypair::new();
    let ix = net::set_rewards_root_ix(&iot.address, stranger.pubkey(), [7; 32], 0);
    chain.send_err(&[ix], &[&stranger]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    let root: emissions::state::RewardsRoot = chain.anchor_account(&net::rewards_root_address(&iot.address));
    assert_eq!((root.root, root.version), ([0; 32], 0));
}

#[test]
fn only_the_network_authority_updates_a_sub_network() {
    let mut chain = Chain::new();
    let (keys, iot) = network_with_iot(&mut chain);
    let new_oracle = Keypair::new().pubkey();
    let args = emissions::instructions::UpdateSubNetworkArgs { rewards_oracle: Some(new_oracle), onboarding_fee_dc: Some(7), ..Default::default() };
    let stranger = Keypair::new();
    let ix = net::update_sub_network_ix(&keys, stranger.pubkey(), &iot.address, args.clone());
    chain.send_err(&[ix], &[&stranger]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    // The sub-network's own oracle is no network authority either.
    let ix = net::update_sub_network_ix(&keys, iot.rewards_oracle.pubkey(), &iot.address, args.clone());
    chain.send_err(&[ix], &[&iot.rewards_oracle]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    let before: SubNetwork = chain.anchor_account(&iot.address);
    assert_eq!(before.rewards_oracle, iot.rewards_oracle.pubkey());

    chain.send_ok(&[net::update_sub_network_ix(&keys, keys.authority.pubkey(), &iot.address, args)], &[&keys.authority]);
    let after: SubNetwork = chain.anchor_account(&iot.address);
    assert_eq!((after.rewards_oracle, after.onboarding_fee_dc), (new_oracle, 7));
    assert_eq!((after.dc_burn_authority, after.location_fee_dc), (before.dc_burn_authority, before.location_fee_dc));
    // The old oracle can no longer publish roots.
    let ix = net::set_rewards_root_ix(&iot.address, iot.rewards_oracle.pubkey(), [1; 32], 0);
    chain.send_err(&[ix], &[&iot.rewards_oracle]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
}

#[test]
fn a_sub_network_of_another_network_is_rejected() {
    let mut chain = Chain::new();
    let (keys, _) = network_with_iot(&mut chain);
    let (other, _) = scenario::initialize_network(&mut chain, net::short_epoch_network_args(EPOCH));
    let foreign = net::create_sub_network(&mut chain, &other, "IOT");
    net::warp_to_next_epoch(&mut chain, EPOCH);
    let epoch = net::current_epoch(&chain, EPOCH) - 1;
    let ix = net::calculate_utility_score_ix(&keys.network, &foreign.address, chain.payer.pubkey(), epoch);
    chain.send_err(&[ix], &[]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    let ix = net::update_sub_network_ix(&keys, keys.authority.pubkey(), &foreign.address, Default::default());
    chain.send_err(&[ix], &[&keys.authority]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
}

#[test]
fn issuance_and_claims_take_only_their_own_records() {
    let mut chain = Chain::new();
    let (keys, iot) = network_with_iot(&mut chain);
    let mobile = net::create_sub_network(&mut chain, &keys, "MOBILE");
    let payer = chain.payer.pubkey();
    let start = net::current_epoch(&chain, EPOCH);
    net::warp_to_next_epoch(&mut chain, EPOCH);
    for sub in [&iot, &mobile] {
        chain.send_ok(&[net::calculate_utility_score_ix(&keys.network, &sub.address, payer, start)], &[]);
    }
    // MOBILE's record passed as IOT's, and the right records under another epoch number.
    let mut ix = net::issue_rewards_ix(&keys, &iot.address, start);
    let mobile_record = net::sub_network_epoch_info_address(&mobile.address, start);
    ix.accounts.iter_mut().filter(|m| m.pubkey == net::sub_network_epoch_info_address(&iot.address, start)).for_each(|m| m.pubkey = mobile_record);
    chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::WrongEpochRecord);
    let mut ix = net::issue_rewards_ix(&keys, &iot.address, start);
    ix.data = anchor_lang::InstructionData::data(&emissions::instruction::IssueRewards { epoch: start + 1 });
    chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::WrongEpochRecord);
    chain.send_ok(&[net::issue_rewards_ix(&keys, &iot.address, start)], &[]);

    // A claim against MOBILE's root for an IOT reward.
    let owner = chain.funded_keypair(1);
    let cnft = emissions::cnft::CnftLeaf { root: [0; 32], delegate: owner.pubkey(), nonce: 0, index: 0, data_hash: [0; 32], creator_hash: [0; 32] };
    let args = emissions::instructions::ClaimRewardsArgs { asset_id: Pubkey::new_unique(), cumulative_amount: 1, reward_proof: vec![], cnft };
    let destination = civnet_harness::tokens::create_ata(&mut chain, &owner.pubkey(), &keys.token_mint);
    let mut ix = net::claim_rewards_ix(&keys, &iot.address, owner.pubkey(), Pubkey::new_unique(), destination, args, &[]);
    let mobile_root = net::rewards_root_address(&mobile.address);
    ix.accounts.iter_mut().filter(|m| m.pubkey == net::rewards_root_address(&iot.address)).for_each(|m| m.pubkey = mobile_root);
    chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::WrongRewardsRoot);
    let sub: SubNetwork = chain.anchor_account(&iot.address);
    assert_eq!(sub.total_claimed, 0);
}
