use anchor_lang::prelude::*;
pub use civnet_common::seeds::{NETWORK as NETWORK_SEED, NETWORK_MINT_AUTHORITY as NETWORK_MINT_AUTHORITY_SEED};

/// `[SUB_NETWORK_SEED, network, name_seed(name)]` (`civnet_common::seeds::name_seed`): a
/// sub-network such as "IOT" or "MOBILE".
pub const SUB_NETWORK_SEED: &[u8] = b"sub_network";
/// `[REWARDS_ESCROW_SEED, sub_network]`: Token-2022 account holding issued, unclaimed rewards;
/// its authority is the sub-network PDA.
pub const REWARDS_ESCROW_SEED: &[u8] = b"rewards_escrow";
/// `[EPOCH_INFO_SEED, network, epoch (u64 LE)]`: network-wide totals of one epoch.
pub const EPOCH_INFO_SEED: &[u8] = b"epoch_info";
/// `[SUB_NETWORK_EPOCH_INFO_SEED, sub_network, epoch (u64 LE)]`: one sub-network in one epoch.
pub const SUB_NETWORK_EPOCH_INFO_SEED: &[u8] = b"sub_network_epoch_info";
/// `[REWARDS_ROOT_SEED, sub_network]`: the oracle's current reward merkle root.
pub const REWARDS_ROOT_SEED: &[u8] = b"rewards_root";
/// `[RECIPIENT_SEED, sub_network, asset_id]`: what one device (cNFT) has claimed so far.
pub const RECIPIENT_SEED: &[u8] = b"recipient";

/// At most this many steps in an emission schedule (keeps the Network account small).
pub const MAX_SCHEDULE_STEPS: usize = 16;
/// At most this many sub-networks per network.
pub const MAX_SUB_NETWORKS: usize = 16;
pub const MAX_SUB_NETWORK_NAME_LEN: usize = 16;
/// Longest allowed epoch: one year. Shortest: one second (tests and the demo use short epochs).
pub const MAX_EPOCH_LENGTH_SECS: u32 = 366 * 86_400;
pub const DEFAULT_EPOCH_LENGTH_SECS: u32 = 86_400;
/// Longest reward proof accepted: 2^32 devices per sub-network.
pub const MAX_REWARD_PROOF_LEN: usize = 32;

/// data_credits and device_registry: emissions reads their per-sub-network activity records
/// (`civnet_common::history`) when scoring, recognized by owner and Anchor discriminator
/// (`sha256("account:<Name>")[..8]`; a test checks both against the programs' own).
pub const DATA_CREDITS_PROGRAM_ID: Pubkey = pubkey!("4c7inTCbzvDc56V4dtm1kXTdq9YvBMWTcEk14j6chnf7");
pub const SUB_NETWORK_BURNS_DISCRIMINATOR: [u8; 8] = [197, 168, 250, 206, 235, 51, 252, 143];
pub const DEVICE_REGISTRY_PROGRAM_ID: Pubkey = pubkey!("E5wryRb1K1UMRtDQcp3VqXhjNuPjRxXpLXcDs1gRCFAc");
pub const SUB_NETWORK_DEVICES_DISCRIMINATOR: [u8; 8] = [224, 177, 19, 163, 65, 14, 117, 49];

/// Metaplex Bubblegum (device identities are its cNFTs) and SPL account compression (its trees).
pub const BUBBLEGUM_PROGRAM_ID: Pubkey = pubkey!("BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY");
pub const SPL_ACCOUNT_COMPRESSION_ID: Pubkey = pubkey!("cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK");

/// One step of the emission schedule: from `start_epoch` on, `tokens_per_epoch` base units
/// are issued per epoch (until the next step starts).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct EmissionStep {
    pub start_epoch: u64,
    pub tokens_per_epoch: u64,
}

/// The network root. PDA `[NETWORK_SEED, token_mint]`.
#[account]
#[derive(InitSpace)]
pub struct Network {
    pub authority: Pubkey,
    /// Proposed next authority (two-step transfer); `Pubkey::default()` when none.
    pub pending_authority: Pubkey,
    /// The network token; its mint authority is the PDA `[NETWORK_MINT_AUTHORITY_SEED, network]`.
    pub token_mint: Pubkey,
    pub epoch_length_secs: u32,
    /// The epoch in which the network was created: no score or issuance for earlier epochs.
    pub start_epoch: u64,
    /// Circuit breaker: never more than this many base units issued in one epoch.
    pub max_issuance_per_epoch: u64,
    /// Total ever minted as rewards.
    pub total_issued: u64,
    pub bump: u8,
    pub mint_authority_bump: u8,
    #[max_len(MAX_SCHEDULE_STEPS)]
    pub emission_schedule: Vec<EmissionStep>,
    /// The epoch each sub-network was created in, in creation order: an epoch's issuance
    /// waits for the scores of exactly the sub-networks that existed in it.
    #[max_len(MAX_SUB_NETWORKS)]
    pub sub_network_created_epochs: Vec<u64>,
}

/// The network epoch now, by the clock: `civnet_common::schedule::epoch_at`. emissions,
/// data_credits and device_registry all count epochs with it, so a burn or device change
/// can never land in an epoch that scoring already considers ended.
pub fn epoch_now(epoch_length_secs: u32) -> Result<u64> {
    Ok(civnet_common::schedule::epoch_at(Clock::get()?.unix_timestamp, epoch_length_secs))
}

impl Network {
    /// Epoch number of a unix timestamp: `floor(unix_timestamp / epoch_length_secs)`.
    /// Timestamps before 1970 count as epoch 0.
    pub fn epoch_at(&self, unix_timestamp: i64) -> u64 {
        civnet_common::schedule::epoch_at(unix_timestamp, self.epoch_length_secs)
    }

    pub fn current_epoch(&self) -> Result<u64> {
        epoch_now(self.epoch_length_secs)
    }

    pub fn schedule_pairs(&self) -> Vec<(u64, u64)> {
        self.emission_schedule.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)).collect()
    }

    /// Number of sub-networks that existed during `epoch`.
    pub fn sub_networks_in_epoch(&self, epoch: u64) -> u16 {
        self.sub_network_created_epochs.iter().filter(|&&created| created <= epoch).count() as u16
    }
}

/// A sub-network (e.g. IOT, MOBILE). PDA `[SUB_NETWORK_SEED, network, name_seed(name)]`.
#[account]
#[derive(InitSpace)]
pub struct SubNetwork {
    pub network: Pubkey,
    /// Position in the network's creation order (compact reference for device records).
    pub index: u8,
    #[max_len(MAX_SUB_NETWORK_NAME_LEN)]
    pub name: String,
    /// The router/oracle key allowed to burn DC delegated to this sub-network.
    pub dc_burn_authority: Pubkey,
    /// The key allowed to mark devices active or inactive.
    pub active_device_authority: Pubkey,
    /// The key allowed to publish reward merkle roots.
    pub rewards_oracle: Pubkey,
    /// `[REWARDS_ESCROW_SEED, sub_network]`.
    pub rewards_escrow: Pubkey,
    /// DC burned when a device is onboarded (device_registry reads it).
    pub onboarding_fee_dc: u64,
    /// DC burned when a device asserts or changes its location.
    pub location_fee_dc: u64,
    pub created_epoch: u64,
    pub total_issued: u64,
    pub total_claimed: u64,
    pub bump: u8,
    pub escrow_bump: u8,
}

/// Network-wide totals of one epoch. PDA `[EPOCH_INFO_SEED, network, epoch]`; created by the
/// first `calculate_utility_score` of the epoch.
#[account]
#[derive(InitSpace)]
pub struct EpochInfo {
    pub network: Pubkey,
    pub epoch: u64,
    /// Sub-networks that existed in this epoch; issuance waits until all of them are scored.
    pub sub_networks_expected: u16,
    pub sub_networks_scored: u16,
    pub sub_networks_issued: u16,
    /// Sum of the sub-networks' utility scores (10^12 fixed point).
    pub total_utility_score: u128,
    pub dc_burned: u64,
    /// What the schedule emits in this epoch.
    pub emission: u64,
    pub total_issued: u64,
    pub bump: u8,
}

/// One sub-network in one epoch. PDA `[SUB_NETWORK_EPOCH_INFO_SEED, sub_network, epoch]`;
/// created by `calculate_utility_score` from the sub-network's activity records
/// (data_credits' `SubNetworkBurns`, device_registry's `SubNetworkDevices`).
#[account]
#[derive(InitSpace)]
pub struct SubNetworkEpochInfo {
    pub sub_network: Pubkey,
    pub epoch: u64,
    /// Active devices at the end of the epoch.
    pub active_devices: u64,
    /// DC burned for usage in the epoch.
    pub dc_burned: u64,
    /// 10^12 fixed point; see `civnet_common::score`.
    pub utility_score: u128,
    pub issued: u64,
    pub score_done: bool,
    pub rewards_issued: bool,
    pub bump: u8,
}

/// The rewards oracle's merkle root over `(asset_id, cumulative_amount)` leaves of every
/// device of the sub-network. PDA `[REWARDS_ROOT_SEED, sub_network]`.
#[account]
#[derive(InitSpace)]
pub struct RewardsRoot {
    pub sub_network: Pubkey,
    pub root: [u8; 32],
    /// Sum of all cumulative amounts in the tree; never above what was issued.
    pub total_cumulative: u64,
    /// Increments with every new root.
    pub version: u64,
    pub updated_at: i64,
    pub bump: u8,
}

/// What one device has claimed in one sub-network. PDA `[RECIPIENT_SEED, sub_network, asset_id]`.
#[account]
#[derive(InitSpace)]
pub struct Recipient {
    pub sub_network: Pubkey,
    pub asset_id: Pubkey,
    pub total_claimed: u64,
    pub bump: u8,
}
