use anchor_lang::prelude::*;

#[event]
pub struct DataCreditsInitialized {
    pub network: Pubkey,
    pub config: Pubkey,
    pub dc_mint: Pubkey,
    pub authority: Pubkey,
}

#[event]
pub struct DataCreditsMinted {
    pub network: Pubkey,
    pub payer: Pubkey,
    pub recipient: Pubkey,
    pub tokens_burned: u64,
    pub dc_minted: u64,
    /// The price used: `price_mantissa * 10^price_exponent` USD per token, already lowered
    /// by twice the confidence interval for oracle prices.
    pub price_mantissa: u64,
    pub price_exponent: i32,
    pub confidence: u64,
}

#[event]
pub struct DataCreditsBurned {
    pub network: Pubkey,
    pub sub_network: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub epoch: u64,
    /// The sub-network's usage burns in `epoch` so far, this one included.
    pub epoch_dc_burned: u64,
}

/// A sub-network's usage-burn record was opened (`initialize_sub_network_burns`).
#[event]
pub struct SubNetworkBurnsInitialized {
    pub sub_network: Pubkey,
    pub sub_network_burns: Pubkey,
}

#[event]
pub struct DataCreditsConfigUpdated {
    pub config: Pubkey,
    pub price_oracle: crate::state::PriceOracle,
    pub max_dc_minted_per_epoch: u64,
}

#[event]
pub struct DataCreditsDelegated {
    pub sub_network: Pubkey,
    pub escrow: Pubkey,
    pub router_key: String,
    pub owner: Pubkey,
    pub amount: u64,
}

#[event]
pub struct DelegatedDataCreditsBurned {
    pub sub_network: Pubkey,
    pub escrow: Pubkey,
    pub amount: u64,
    pub sequence: u64,
    pub epoch: u64,
    /// The sub-network's usage burns in `epoch` so far, this one included.
    pub epoch_dc_burned: u64,
}
