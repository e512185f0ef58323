use anchor_lang::prelude::*;
pub use civnet_common::seeds::{NETWORK as NETWORK_SEED, NETWORK_MINT_AUTHORITY as NETWORK_MINT_AUTHORITY_SEED};

/// At most this many steps in an emission schedule (keeps the Network account small).
pub const MAX_SCHEDULE_STEPS: usize = 16;
/// Longest allowed epoch: one year. Shortest: one second (tests and the demo use short epochs).
pub const MAX_EPOCH_LENGTH_SECS: u32 = 366 * 86_400;
pub const DEFAULT_EPOCH_LENGTH_SECS: u32 = 86_400;

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
    pub num_sub_networks: u16,
    pub bump: u8,
    pub mint_authority_bump: u8,
    #[max_len(MAX_SCHEDULE_STEPS)]
    pub emission_schedule: Vec<EmissionStep>,
}

impl Network {
    /// Epoch number of a unix timestamp: `floor(unix_timestamp / epoch_length_secs)`.
    /// Timestamps before 1970 count as epoch 0.
    pub fn epoch_at(&self, unix_timestamp: i64) -> u64 {
        (unix_timestamp.max(0) as u64) / u64::from(self.epoch_length_secs.max(1))
    }

    pub fn schedule_pairs(&self) -> Vec<(u64, u64)> {
        self.emission_schedule.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)).collect()
    }
}
