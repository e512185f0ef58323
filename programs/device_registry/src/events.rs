use anchor_lang::prelude::*;

#[event]
pub struct MakerCreated {
    pub network: Pubkey,
    pub maker: Pubkey,
    pub authority: Pubkey,
    pub name: String,
}
