use anchor_lang::prelude::*;
use emissions::state::Network;

use crate::events::MakerApprovalChanged;
use crate::state::*;

/// Shared by `approve_maker` and `revoke_maker`: the network authority decides.
#[event_cpi]
#[derive(Accounts)]
pub struct SetMakerApproval<'info> {
    pub authority: Signer<'info>,
    #[account(has_one = authority)]
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network)]
    pub maker: Box<Account<'info, Maker>>,
}

/// Approving lets the maker issue devices; revoking stops new issuance (issued devices stay).
pub fn handler(ctx: Context<SetMakerApproval>, approved: bool) -> Result<()> {
    ctx.accounts.maker.approved = approved;
    emit_cpi!(MakerApprovalChanged { maker: ctx.accounts.maker.key(), approved });
    Ok(())
}
