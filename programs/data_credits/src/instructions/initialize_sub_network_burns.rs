use anchor_lang::prelude::*;
use emissions::state::{Network, SubNetwork};

use crate::errors::DataCreditsError;
use crate::events::SubNetworkBurnsInitialized;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct InitializeSubNetworkBurns<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    /// Any sub-network of the network (Anchor checks owner and type).
    #[account(has_one = network @ DataCreditsError::WrongNetwork)]
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
    {
        let mut burns = ctx.accounts.sub_network_burns.load_init().map_err(|_| DataCreditsError::BurnRecordExists)?;
        burns.sub_network = ctx.accounts.sub_network.key();
        let network = ctx.accounts.network.key();
        burns.network = network;
        // The network's DC mint is this PDA whether or not DC is initialized yet.
        burns.dc_mint = Pubkey::find_program_address(&[DC_MINT_SEED, network.as_ref()], &crate::ID).0;
        burns.epoch_length_secs = ctx.accounts.network.epoch_length_secs;
        burns.bump = ctx.bumps.sub_network_burns;
    }
    emit_cpi!(SubNetworkBurnsInitialized {
        sub_network: ctx.accounts.sub_network.key(),
        sub_network_burns: ctx.accounts.sub_network_burns.key(),
    });
    Ok(())
}
