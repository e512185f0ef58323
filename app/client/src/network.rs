//! The emissions side of a network, as instruction builders and one-call helpers that run
//! on any [`Cluster`]: sub-networks, epochs, scores, issuance, reward roots and claims.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use emissions::instructions as ix_args;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::Cluster;
use crate::scenario::NetworkKeys;
use crate::svm::{TxFailure, TxSuccess};
use crate::{anchor_ix, event_authority, tokens};

pub type Outcome = Result<TxSuccess, TxFailure>;

pub fn sub_network_address(network: &Pubkey, name: &str) -> Pubkey {
    crate::pda::sub_network(network, name)
}
pub fn rewards_escrow_address(sub_network: &Pubkey) -> Pubkey {
    crate::pda::rewards_escrow(sub_network)
}
pub fn rewards_root_address(sub_network: &Pubkey) -> Pubkey {
    crate::pda::rewards_root(sub_network)
}
pub fn epoch_info_address(network: &Pubkey, epoch: u64) -> Pubkey {
    crate::pda::epoch_info(network, epoch)
}
pub fn sub_network_epoch_info_address(sub_network: &Pubkey, epoch: u64) -> Pubkey {
    crate::pda::sub_network_epoch_info(sub_network, epoch)
}
pub fn recipient_address(sub_network: &Pubkey, asset_id: &Pubkey) -> Pubkey {
    crate::pda::recipient(sub_network, asset_id)
}

/// A sub-network's keys: the authorities are separate keypairs so tests can sign as each.
pub struct SubNetworkKeys {
    pub name: String,
    pub address: Pubkey,
    pub rewards_escrow: Pubkey,
    pub dc_burn_authority: Keypair,
    pub active_device_authority: Keypair,
    pub rewards_oracle: Keypair,
}

impl SubNetworkKeys {
    pub fn new(network: &Pubkey, name: &str) -> Self {
        let address = sub_network_address(network, name);
        Self {
            name: name.to_string(),
            address,
            rewards_escrow: rewards_escrow_address(&address),
            dc_burn_authority: crate::keys::new_keypair(),
            active_device_authority: crate::keys::new_keypair(),
            rewards_oracle: crate::keys::new_keypair(),
        }
    }

    pub fn create_args(&self) -> ix_args::CreateSubNetworkArgs {
        ix_args::CreateSubNetworkArgs {
            name: self.name.clone(),
            dc_burn_authority: self.dc_burn_authority.pubkey(),
            active_device_authority: self.active_device_authority.pubkey(),
            rewards_oracle: self.rewards_oracle.pubkey(),
            onboarding_fee_dc: 4_000_000,
            location_fee_dc: 1_000_000,
        }
    }
}

pub fn create_sub_network_ix(net: &NetworkKeys, payer: Pubkey, authority: Pubkey, sub: &SubNetworkKeys, args: ix_args::CreateSubNetworkArgs) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::CreateSubNetwork { args },
        emissions::accounts::CreateSubNetwork {
            payer,
            authority,
            network: net.network,
            sub_network: sub.address,
            rewards_escrow: sub.rewards_escrow,
            rewards_root: rewards_root_address(&sub.address),
            token_mint: net.token_mint,
            token_program: tokens::TOKEN_2022_ID,
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&emissions::ID),
            program: emissions::ID,
        },
    )
}

/// Opens a sub-network's two activity records (permissionless, once each):
/// data_credits' `SubNetworkBurns` and device_registry's `SubNetworkDevices`.
pub fn initialize_activity_records_ixs(payer: Pubkey, network: &Pubkey, sub: &Pubkey) -> [Instruction; 2] {
    [
        anchor_ix(
            data_credits::ID,
            data_credits::instruction::InitializeSubNetworkBurns {},
            data_credits::accounts::InitializeSubNetworkBurns {
                payer,
                network: *network,
                sub_network: *sub,
                sub_network_burns: crate::pda::sub_network_burns(sub),
                system_program: anchor_lang::system_program::ID,
                event_authority: event_authority(&data_credits::ID),
                program: data_credits::ID,
            },
        ),
        anchor_ix(
            device_registry::ID,
            device_registry::instruction::InitializeSubNetworkDevices {},
            device_registry::accounts::InitializeSubNetworkDevices {
                payer,
                sub_network: *sub,
                sub_network_devices: crate::pda::sub_network_devices(sub),
                system_program: anchor_lang::system_program::ID,
                event_authority: event_authority(&device_registry::ID),
                program: device_registry::ID,
            },
        ),
    ]
}

/// Creates sub-network `name` signed by the network authority, with its activity records.
pub fn create_sub_network(cluster: &mut impl Cluster, net: &NetworkKeys, name: &str) -> SubNetworkKeys {
    let sub = SubNetworkKeys::new(&net.network, name);
    let payer = cluster.payer();
    let create = create_sub_network_ix(net, payer, net.authority.pubkey(), &sub, sub.create_args());
    let [burns, devices] = initialize_activity_records_ixs(payer, &net.network, &sub.address);
    cluster.send_ok(&[create, burns, devices], &[&net.authority]);
    sub
}

pub fn update_network_ix(net: &NetworkKeys, authority: Pubkey, args: ix_args::UpdateNetworkArgs) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::UpdateNetwork { args },
        emissions::accounts::UpdateNetwork { authority, network: net.network, event_authority: event_authority(&emissions::ID), program: emissions::ID },
    )
}

pub fn update_sub_network_ix(net: &NetworkKeys, authority: Pubkey, sub: &Pubkey, args: ix_args::UpdateSubNetworkArgs) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::UpdateSubNetwork { args },
        emissions::accounts::UpdateSubNetwork {
            authority,
            network: net.network,
            sub_network: *sub,
            event_authority: event_authority(&emissions::ID),
            program: emissions::ID,
        },
    )
}

pub fn propose_authority_ix(network: &Pubkey, authority: Pubkey, new_authority: Pubkey) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::ProposeAuthority { new_authority },
        emissions::accounts::ProposeAuthority { authority, network: *network, event_authority: event_authority(&emissions::ID), program: emissions::ID },
    )
}

pub fn accept_authority_ix(network: &Pubkey, new_authority: Pubkey) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::AcceptAuthority {},
        emissions::accounts::AcceptAuthority { new_authority, network: *network, event_authority: event_authority(&emissions::ID), program: emissions::ID },
    )
}

pub fn calculate_utility_score_ix(net: &Pubkey, sub: &Pubkey, payer: Pubkey, epoch: u64) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::CalculateUtilityScore { epoch },
        emissions::accounts::CalculateUtilityScore {
            payer,
            network: *net,
            sub_network: *sub,
            epoch_info: epoch_info_address(net, epoch),
            sub_network_epoch_info: sub_network_epoch_info_address(sub, epoch),
            sub_network_burns: crate::pda::sub_network_burns(sub),
            sub_network_devices: crate::pda::sub_network_devices(sub),
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&emissions::ID),
            program: emissions::ID,
        },
    )
}

pub fn issue_rewards_ix(net: &NetworkKeys, sub: &Pubkey, epoch: u64) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::IssueRewards { epoch },
        emissions::accounts::IssueRewards {
            network: net.network,
            mint_authority: net.mint_authority,
            token_mint: net.token_mint,
            sub_network: *sub,
            epoch_info: epoch_info_address(&net.network, epoch),
            sub_network_epoch_info: sub_network_epoch_info_address(sub, epoch),
            rewards_escrow: rewards_escrow_address(sub),
            token_program: tokens::TOKEN_2022_ID,
            event_authority: event_authority(&emissions::ID),
            program: emissions::ID,
        },
    )
}

pub fn set_rewards_root_ix(sub: &Pubkey, oracle: Pubkey, root: [u8; 32], total_cumulative: u64) -> Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::SetRewardsRoot { root, total_cumulative },
        emissions::accounts::SetRewardsRoot {
            rewards_oracle: oracle,
            sub_network: *sub,
            rewards_root: rewards_root_address(sub),
            event_authority: event_authority(&emissions::ID),
            program: emissions::ID,
        },
    )
}

/// `claim_rewards` by `owner` into `destination`, with the cNFT proof nodes appended.
pub fn claim_rewards_ix(
    net: &NetworkKeys,
    sub: &Pubkey,
    owner: Pubkey,
    merkle_tree: Pubkey,
    destination: Pubkey,
    args: ix_args::ClaimRewardsArgs,
    cnft_proof: &[[u8; 32]],
) -> Instruction {
    let asset_id = args.asset_id;
    let mut ix = anchor_ix(
        emissions::ID,
        emissions::instruction::ClaimRewards { args },
        emissions::accounts::ClaimRewards {
            owner,
            network: net.network,
            sub_network: *sub,
            rewards_root: rewards_root_address(sub),
            recipient: recipient_address(sub, &asset_id),
            merkle_tree,
            rewards_escrow: rewards_escrow_address(sub),
            destination,
            token_mint: net.token_mint,
            token_program: tokens::TOKEN_2022_ID,
            system_program: anchor_lang::system_program::ID,
        },
    );
    ix.accounts.extend(crate::bubblegum::proof_accounts(cnft_proof));
    ix
}

/// Scores every sub-network of `epoch`, then issues each its share (one transaction each),
/// as anyone closing an epoch would.
pub fn close_epoch(cluster: &mut impl Cluster, net: &NetworkKeys, subs: &[&SubNetworkKeys], epoch: u64) -> Vec<TxSuccess> {
    let payer = cluster.payer();
    let mut outcomes = Vec::new();
    for sub in subs {
        outcomes.push(cluster.send_ok(&[calculate_utility_score_ix(&net.network, &sub.address, payer, epoch)], &[]));
    }
    for sub in subs {
        outcomes.push(cluster.send_ok(&[issue_rewards_ix(net, &sub.address, epoch)], &[]));
    }
    outcomes
}

/// Network args for stories: `epoch_length_secs`-long epochs, 1,000 tokens (6 decimals) per
/// epoch halving every 4 epochs, cap at the first step.
pub fn short_epoch_network_args(epoch_length_secs: u32) -> ix_args::InitializeNetworkArgs {
    ix_args::InitializeNetworkArgs {
        epoch_length_secs,
        max_issuance_per_epoch: 1_000_000_000,
        emission_schedule: crate::scenario::halving_schedule(1_000_000_000, 4, 8),
    }
}

/// The epoch the chain's clock is in, for a network with `epoch_length_secs`.
pub fn current_epoch(cluster: &impl Cluster, epoch_length_secs: u32) -> u64 {
    civnet_common::schedule::epoch_at(cluster.unix_timestamp(), epoch_length_secs)
}

/// The epoch work started now will land in: the current one, unless it ends within the next
/// few seconds (less than 3, or half an epoch for very short ones), in which case this waits
/// for the next, so transactions sent right away do not spill over the epoch's end.
pub fn epoch_for_new_transaction(cluster: &impl Cluster, epoch_length_secs: u32) -> u64 {
    let length = i64::from(epoch_length_secs.max(1));
    let margin = 3.min(length / 2);
    loop {
        let now = cluster.unix_timestamp().max(0);
        let left = length - now % length;
        if left > margin {
            return civnet_common::schedule::epoch_at(now, epoch_length_secs);
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// Moves the clock to the first second of the next epoch.
pub fn warp_to_next_epoch(chain: &mut crate::Chain, epoch_length_secs: u32) -> u64 {
    let now = chain.clock().unix_timestamp.max(0) as u64;
    let next = (now / epoch_length_secs as u64 + 1) * epoch_length_secs as u64;
    chain.warp_seconds((next - now) as i64);
    next / epoch_length_secs as u64
}

/// The documented utility score, recomputed here independently of `civnet_common::score`:
/// `max(1, sqrt(dc / 10^5)) * max(1, cbrt(devices))` with each factor floored to 10^-6
/// (the program's fixed point), zero without active devices: an integer square root, and an
/// f64 cube root corrected to the integer one.
pub fn expected_utility_score(dc_burned: u64, active_devices: u64) -> u128 {
    if active_devices == 0 {
        return 0;
    }
    let usage = (dc_burned as u128 * 10_000_000).isqrt().max(1_000_000);
    let mut coverage = (active_devices as f64 * 1e18).cbrt().floor() as u128;
    // f64's cube root can land one off an exact root, either way: settle on the integer root.
    let cube = active_devices as u128 * 1_000_000_000_000_000_000;
    while coverage.pow(3) > cube {
        coverage -= 1;
    }
    while (coverage + 1).pow(3) <= cube {
        coverage += 1;
    }
    usage * coverage.max(1_000_000)
}

/// Each sub-network's share of `emission`: `floor(emission * score / sum of scores)`.
pub fn expected_shares(emission: u64, scores: &[u128]) -> Vec<u64> {
    let total: u128 = scores.iter().sum();
    scores
        .iter()
        .map(|&s| if total == 0 { 0 } else { (emission as u128 * s / total) as u64 })
        .collect()
}

