use anchor_lang::prelude::*;

use crate::errors::EmissionsError;
use crate::events::DcBurnTracked;
use crate::state::*;

/// Accounts of both tracking instructions (`track_dc_burn`, `track_device_change`): each
/// handler accepts only its own caller's signer PDA as `tracker`.
#[event_cpi]
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct TrackActivity<'info> {
    /// The calling program's signer PDA (checked by each handler): only that program can
    /// sign for it, in a CPI made after the burn or device change it reports.
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

impl TrackActivity<'_> {
    /// Checks the tracker and the epoch, then opens the current epoch's record for activity.
    pub fn begin(&mut self, expected_tracker: Pubkey, epoch: u64, bump: u8) -> Result<()> {
        require_keys_eq!(self.tracker.key(), expected_tracker, EmissionsError::UnauthorizedTracker);
        require_eq!(epoch, self.network.current_epoch()?, EmissionsError::NotCurrentEpoch);
        let sub_key = self.sub_network.key();
        self.sub_network_epoch_info.begin_activity(&mut self.sub_network, sub_key, epoch, bump);
        Ok(())
    }
}

/// Adds a DC burn to the current epoch of the sub-network; only data_credits'
/// `[DC_BURN_TRACKER]` PDA may report burns.
pub fn handler(ctx: Context<TrackActivity>, epoch: u64, amount: u64) -> Result<()> {
    ctx.accounts.begin(DC_BURN_TRACKER, epoch, ctx.bumps.sub_network_epoch_info)?;
    let sub = &mut ctx.accounts.sub_network;
    let info = &mut ctx.accounts.sub_network_epoch_info;
    info.dc_burned = info.dc_burned.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    sub.total_dc_burned = sub.total_dc_burned.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    emit_cpi!(DcBurnTracked { sub_network: sub.key(), epoch, amount, epoch_dc_burned: info.dc_burned });
    Ok(())
}
