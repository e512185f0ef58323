use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use emissions::state::REGISTRY_SIGNER;

use crate::errors::DataCreditsError;
use crate::events::DataCreditsFeeBurned;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct BurnWithoutTracking<'info> {
    /// device_registry's `[REGISTRY_SIGNER]` PDA: fees are burned only inside its instructions.
    #[account(address = REGISTRY_SIGNER @ DataCreditsError::UnauthorizedFeeBurner)]
    pub registry_signer: Signer<'info>,
    /// The DC holder paying the fee (signs the outer transaction).
    pub owner: Signer<'info>,
    #[account(mut, has_one = dc_mint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(mut)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Burns a fee in DC (onboarding, location assertion). Fees are not network usage, so they do
/// not count towards any sub-network's utility score.
pub fn handler(ctx: Context<BurnWithoutTracking>, amount: u64) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    crate::token_ops::burn(
        &ctx.accounts.token_program.to_account_info(),
        ctx.accounts.dc_mint.to_account_info(),
        ctx.accounts.owner_dc.to_account_info(),
        ctx.accounts.owner.to_account_info(),
        &[],
        amount,
    )?;
    let config = &mut ctx.accounts.config;
    config.total_dc_burned = config.total_dc_burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit_cpi!(DataCreditsFeeBurned { network: config.network, owner: ctx.accounts.owner.key(), amount });
    Ok(())
}
