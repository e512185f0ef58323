//! Events for indexers, emitted through `emit_cpi!` (a self-CPI whose data survives log
//! truncation).
use anchor_lang::prelude::*;

#[event]
pub struct NetworkInitialized {
    pub network: Pubkey,
    pub authority: Pubkey,
    pub token_mint: Pubkey,
    pub epoch_length_secs: u32,
    pub start_epoch: u64,
}

#[event]
pub struct NetworkUpdated {
    pub network: Pubkey,
    pub max_issuance_per_epoch: u64,
    pub schedule_steps: u16,
}

#[event]
pub struct AuthorityProposed {
    pub network: Pubkey,
    pub authority: Pubkey,
    pub pending_authority: Pubkey,
}

#[event]
pub struct AuthorityAccepted {
    pub network: Pubkey,
    pub previous_authority: Pubkey,
    pub authority: Pubkey,
}

#[event]
pub struct SubNetworkCreated {
    pub network: Pubkey,
    pub sub_network: Pubkey,
    pub name: String,
    pub rewards_escrow: Pubkey,
    pub created_epoch: u64,
}

#[event]
pub struct SubNetworkUpdated {
    pub sub_network: Pubkey,
    pub dc_burn_authority: Pubkey,
    pub active_device_authority: Pubkey,
    pub rewards_oracle: Pubkey,
    pub onboarding_fee_dc: u64,
    pub location_fee_dc: u64,
}

#[event]
pub struct UtilityScoreCalculated {
    pub sub_network: Pubkey,
    pub epoch: u64,
    pub dc_burned: u64,
    pub active_devices: u64,
    pub utility_score: u128,
}

#[event]
pub struct RewardsIssued {
    pub sub_network: Pubkey,
    pub epoch: u64,
    pub amount: u64,
    pub utility_score: u128,
    pub total_utility_score: u128,
    pub emission: u64,
}

#[event]
pub struct RewardsRootSet {
    pub sub_network: Pubkey,
    pub root: [u8; 32],
    pub total_cumulative: u64,
    pub version: u64,
}

#[event]
pub struct RewardsClaimed {
    pub sub_network: Pubkey,
    pub asset_id: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub total_claimed: u64,
}
