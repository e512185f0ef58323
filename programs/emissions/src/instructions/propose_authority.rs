use anchor_lang::prelude::*;

use crate::events::AuthorityProposed;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority)]
    pub network: Box<Account<'info, Network>>,
}

/// First half of a two-step authority transfer: the new key must accept before it takes
/// over, so a typo cannot lock the network. `Pubkey::default()` withdraws a proposal.
pub fn handler(ctx: Context<ProposeAuthority>, new_authority: Pubkey) -> Result<()> {
    let network = &mut ctx.accounts.network;
    network.pending_authority = new_authority;
    emit_cpi!(AuthorityProposed { network: network.key(), authority: network.authority, pending_authority: new_authority });
    Ok(())
}
