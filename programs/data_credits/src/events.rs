use anchor_lang::prelude::*;

#[event]
pub struct DataCreditsInitialized {
    pub network: Pubkey,
    pub config: Pubkey,
    pub dc_mint: Pubkey,
    pub authority: Pubkey,
}
