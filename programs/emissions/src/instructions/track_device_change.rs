use anchor_lang::prelude::*;

use crate::errors::EmissionsError;
use crate::events::DeviceChangeTracked;
use crate::instructions::track_dc_burn::TrackActivity;
use crate::state::*;

/// Adds (+1) or removes (-1) an active device of the sub-network in the current epoch; only
/// device_registry's `[REGISTRY_SIGNER]` PDA may report device changes (onboarding,
/// activity changes, retirement).
pub fn handler(ctx: Context<TrackActivity>, epoch: u64, delta: i8) -> Result<()> {
    let sub = &ctx.accounts.sub_network;
    let active = match delta {
        1 => sub.active_devices.checked_add(1).ok_or(EmissionsError::ArithmeticOverflow)?,
        -1 => sub.active_devices.checked_sub(1).ok_or(EmissionsError::ActiveDeviceUnderflow)?,
        _ => return err!(EmissionsError::InvalidDeviceDelta),
    };
    ctx.accounts.begin(REGISTRY_SIGNER, epoch, ctx.bumps.sub_network_epoch_info)?;
    ctx.accounts.sub_network.active_devices = active;
    ctx.accounts.sub_network_epoch_info.active_devices = active;
    emit_cpi!(DeviceChangeTracked { sub_network: ctx.accounts.sub_network.key(), epoch, delta, active_devices: active });
    Ok(())
}
