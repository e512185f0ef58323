use anchor_lang::prelude::*;
use emissions::state::SubNetwork;

use crate::errors::DataCreditsError;
use crate::events::SubNetworkBurnsInitialized;
use crate::state::*;

#[derive(Accounts)]
pub struct InitializeSubNetworkBurns<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Any emissions sub-network (Anchor checks owner and type).
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + std::mem::size_of::<SubNetworkBurns>(),
        seeds = [SUB_NETWORK_BURNS_SEED, sub_network.key().as_ref()],
        bump,
    )]
    pub sub_network_burns: AccountLoader<'info, SubNetworkBurns>,
    pub system_program: Program<'info, System>,
}

/// Permissionless, once per sub-network (the operator runs it right after creating the
/// sub-network): opens the record usage burns are counted in. Burns for the sub-network and
/// scoring its epochs need it.
pub fn handler(ctx: Context<InitializeSubNetworkBurns>) -> Result<()> {
    // init_if_needed + this check: a second call gets a named error, not the system
    // program's "already in use".
    let mut burns = ctx.accounts.sub_network_burns.load_init().map_err(|_| DataCreditsError::BurnRecordExists)?;
    burns.sub_network = ctx.accounts.sub_network.key();
    burns.bump = ctx.bumps.sub_network_burns;
    emit!(SubNetworkBurnsInitialized {
        sub_network: burns.sub_network,
        sub_network_burns: ctx.accounts.sub_network_burns.key(),
    });
    Ok(())
}
