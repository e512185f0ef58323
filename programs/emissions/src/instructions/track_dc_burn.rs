use anchor_lang::prelude::*;

use crate::errors::EmissionsError;
use crate::events::DcBurnTracked;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct TrackDcBurn<'info> {
    /// data_credits' `[DC_BURN_TRACKER]` PDA: only data_credits can sign for it, in a CPI
    /// made after it burned the DC.
    #[account(address = DC_BURN_TRACKER @ EmissionsError::UnauthorizedTracker)]
    pub tracker: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + SubNetworkEpochInfo::INIT_SPACE,
        seeds = [SUB_NETWORK_EPOCH_INFO_SEED, sub_network.key().as_ref(), &epoch.to_le_bytes()],
        bump,
    )]
    pub sub_network_epoch_info: Box<Account<'info, SubNetworkEpochInfo>>,
    pub system_program: Program<'info, System>,
}

/// Adds a DC burn to the current epoch of the sub-network.
pub fn handler(ctx: Context<TrackDcBurn>, epoch: u64, amount: u64) -> Result<()> {
    require_eq!(epoch, ctx.accounts.network.current_epoch()?, EmissionsError::NotCurrentEpoch);
    let sub_key = ctx.accounts.sub_network.key();
    let sub = &mut ctx.accounts.sub_network;
    let info = &mut ctx.accounts.sub_network_epoch_info;
    info.begin_activity(sub, sub_key, epoch, ctx.bumps.sub_network_epoch_info);
    info.dc_burned = info.dc_burned.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    sub.total_dc_burned = sub.total_dc_burned.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    emit_cpi!(DcBurnTracked { sub_network: sub_key, epoch, amount, epoch_dc_burned: info.dc_burned });
    Ok(())
}
