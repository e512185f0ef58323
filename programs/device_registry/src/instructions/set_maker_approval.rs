use anchor_lang::prelude::*;
use emissions::state::Network;

use crate::errors::DeviceRegistryError;
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

/// Approving lets the maker issue devices. Makers are registered permissionlessly, so anyone
/// could register a name first with their own key: the network authority approves a maker
/// *and the authority it expects*, and approval fails with `MakerAuthorityMismatch` when
/// someone else holds the name.
pub fn approve(ctx: Context<SetMakerApproval>, maker_authority: Pubkey) -> Result<()> {
    require_keys_eq!(ctx.accounts.maker.authority, maker_authority, DeviceRegistryError::MakerAuthorityMismatch);
    handler(ctx, true)
}

/// Revoking stops new issuance (issued devices stay).
pub fn revoke(ctx: Context<SetMakerApproval>) -> Result<()> {
    handler(ctx, false)
}

fn handler(ctx: Context<SetMakerApproval>, approved: bool) -> Result<()> {
    ctx.accounts.maker.approved = approved;
    emit_cpi!(MakerApprovalChanged { maker: ctx.accounts.maker.key(), approved });
    Ok(())
}
