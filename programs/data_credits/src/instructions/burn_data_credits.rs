use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use emissions::state::SubNetwork;

use crate::errors::DataCreditsError;
use crate::events::DataCreditsBurned;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct BurnDataCredits<'info> {
    /// Holds the DC and signs the burn.
    pub owner: Signer<'info>,
    #[account(mut, has_one = dc_mint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    #[account(constraint = sub_network.network == config.network @ DataCreditsError::WrongNetwork)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, constraint = sub_network_burns.load()?.sub_network == sub_network.key() @ DataCreditsError::WrongBurnRecord)]
    pub sub_network_burns: AccountLoader<'info, SubNetworkBurns>,
    /// CHECK: the config's DC mint (has_one); Token-2022's burn checks it against `owner_dc`.
    #[account(mut)]
    pub dc_mint: UncheckedAccount<'info>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// A DC holder burns DC for usage of a sub-network; the burn counts towards that
/// sub-network's utility score of the current epoch (`SubNetworkBurns`, read by emissions).
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
    let epoch = accounts.config.current_epoch()?;
    let epoch_dc_burned = accounts.sub_network_burns.load_mut()?.record(epoch, amount)?;
    let config = &mut ctx.accounts.config;
    config.total_dc_burned = config.total_dc_burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit_cpi!(DataCreditsBurned {
        network: config.network,
        sub_network: ctx.accounts.sub_network.key(),
        owner: ctx.accounts.owner.key(),
        amount,
        epoch,
        epoch_dc_burned,
    });
    Ok(())
}
