use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use emissions::program::Emissions;
use emissions::state::{Network, SubNetwork};

use crate::errors::DataCreditsError;
use crate::events::DataCreditsBurned;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct BurnDataCredits<'info> {
    /// Holds the DC; pays the rent of the sub-network's epoch record on its first burn.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, has_one = network, has_one = dc_mint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network @ DataCreditsError::WrongNetwork)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    /// CHECK: the sub-network's record of the current epoch; emissions checks its address.
    #[account(mut)]
    pub sub_network_epoch_info: UncheckedAccount<'info>,
    #[account(mut)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: our `[DC_BURN_TRACKER]` PDA, which signs the tracking CPI.
    #[account(address = emissions::state::DC_BURN_TRACKER)]
    pub burn_tracker: UncheckedAccount<'info>,
    /// CHECK: emissions' event authority (emissions checks it).
    pub emissions_event_authority: UncheckedAccount<'info>,
    pub emissions_program: Program<'info, Emissions>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// A DC holder burns DC for usage of a sub-network; the burn counts towards that
/// sub-network's utility score of the current epoch (`emissions::track_dc_burn`).
pub fn handler(ctx: Context<BurnDataCredits>, amount: u64) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    let accounts = &ctx.accounts;
    crate::token_ops::burn(
        &accounts.token_program.to_account_info(),
        accounts.dc_mint.to_account_info(),
        accounts.owner_dc.to_account_info(),
        accounts.owner.to_account_info(),
        &[],
        amount,
    )?;
    let epoch = accounts.network.current_epoch()?;
    crate::tracking::track_burn(
        &ctx.accounts.burn_tracker,
        &ctx.accounts.owner.to_account_info(),
        &ctx.accounts.network,
        &ctx.accounts.sub_network,
        &ctx.accounts.sub_network_epoch_info,
        &ctx.accounts.emissions_event_authority,
        &ctx.accounts.emissions_program,
        &ctx.accounts.system_program,
        epoch,
        amount,
    )?;
    let config = &mut ctx.accounts.config;
    config.total_dc_burned = config.total_dc_burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit_cpi!(DataCreditsBurned {
        network: config.network,
        sub_network: ctx.accounts.sub_network.key(),
        owner: ctx.accounts.owner.key(),
        amount,
        epoch,
    });
    Ok(())
}
