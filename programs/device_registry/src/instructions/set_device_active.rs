use anchor_lang::prelude::*;
use emissions::state::{Network, SubNetwork};

use crate::errors::DeviceRegistryError;
use crate::events::DeviceActivityChanged;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(device_key: Pubkey)]
pub struct SetDeviceActive<'info> {
    pub active_device_authority: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(
        has_one = network,
        has_one = active_device_authority @ DeviceRegistryError::NotActiveDeviceAuthority,
    )]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, seeds = [DEVICE_SEED, network.key().as_ref(), device_key.as_ref()], bump = device.bump)]
    pub device: Box<Account<'info, Device>>,
    #[account(mut, constraint = sub_network_devices.load()?.sub_network == sub_network.key() @ DeviceRegistryError::WrongDeviceRecord)]
    pub sub_network_devices: AccountLoader<'info, SubNetworkDevices>,
}

/// The sub-network's active-device authority (its oracle of device liveness) marks an
/// onboarded device active or inactive; the sub-network's count follows. Setting the flag it
/// already has changes nothing.
pub fn handler(ctx: Context<SetDeviceActive>, _device_key: Pubkey, active: bool) -> Result<()> {
    let device = &ctx.accounts.device;
    require!(device.sub_network_index != NOT_ONBOARDED, DeviceRegistryError::NotOnboarded);
    require!(device.sub_network_index == ctx.accounts.sub_network.index, DeviceRegistryError::WrongSubNetwork);
    if device.active == active {
        return Ok(());
    }
    let epoch = ctx.accounts.network.current_epoch()?;
    let active_devices = ctx.accounts.sub_network_devices.load_mut()?.record_change(epoch, active)?;
    ctx.accounts.device.active = active;
    emit_cpi!(DeviceActivityChanged {
        device: ctx.accounts.device.key(),
        sub_network: ctx.accounts.sub_network.key(),
        active,
        epoch,
        active_devices,
    });
    Ok(())
}
