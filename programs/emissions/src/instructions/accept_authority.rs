use anchor_lang::prelude::*;

use crate::errors::EmissionsError;
use crate::events::AuthorityAccepted;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    pub new_authority: Signer<'info>,
    #[account(
        mut,
        constraint = network.pending_authority == new_authority.key()
            && network.pending_authority != Pubkey::default() @ EmissionsError::NotPendingAuthority,
    )]
    pub network: Box<Account<'info, Network>>,
}

pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let previous_authority = network.authority;
    network.authority = network.pending_authority;
    network.pending_authority = Pubkey::default();
    emit_cpi!(AuthorityAccepted { network: network.key(), previous_authority, authority: network.authority });
    Ok(())
}
