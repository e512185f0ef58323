use anchor_lang::prelude::*;

use crate::errors::EmissionsError;
use crate::events::DeviceChangeTracked;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct TrackDeviceChange<'info> {
    /// device_registry's `[REGISTRY_SIGNER]` PDA: only device_registry can sign for it, when
    /// a device is onboarded, retired or its activity changes.
    #[account(address = REGISTRY_SIGNER @ EmissionsError::UnauthorizedTracker)]
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

/// Adds (+1) or removes (-1) an active device of the sub-network in the current epoch.
pub fn handler(ctx: Context<TrackDeviceChange>, epoch: u64, delta: i8) -> Result<()> {
    require_eq!(epoch, ctx.accounts.network.current_epoch()?, EmissionsError::NotCurrentEpoch);
    let sub_key = ctx.accounts.sub_network.key();
    let sub = &mut ctx.accounts.sub_network;
    let active = match delta {
        1 => sub.active_devices.checked_add(1).ok_or(EmissionsError::ArithmeticOverflow)?,
        -1 => sub.active_devices.checked_sub(1).ok_or(EmissionsError::ActiveDeviceUnderflow)?,
        _ => return err!(EmissionsError::InvalidDeviceDelta),
    };
    let info = &mut ctx.accounts.sub_network_epoch_info;
    info.begin_activity(sub, sub_key, epoch, ctx.bumps.sub_network_epoch_info);
    sub.active_devices = active;
    info.active_devices = active;
    emit_cpi!(DeviceChangeTracked { sub_network: sub_key, epoch, delta, active_devices: active });
    Ok(())
}
