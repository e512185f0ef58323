use anchor_lang::prelude::*;

#[event]
pub struct NetworkInitialized {
    pub network: Pubkey,
    pub authority: Pubkey,
    pub token_mint: Pubkey,
    pub epoch_length_secs: u32,
    pub start_epoch: u64,
}
