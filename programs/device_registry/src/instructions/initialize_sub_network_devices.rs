use anchor_lang::prelude::*;
use emissions::state::SubNetwork;

use crate::errors::DeviceRegistryError;
use crate::events::SubNetworkDevicesInitialized;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct InitializeSubNetworkDevices<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Any emissions sub-network (Anchor checks owner and type).
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + std::mem::size_of::<SubNetworkDevices>(),
        seeds = [SUB_NETWORK_DEVICES_SEED, sub_network.key().as_ref()],
        bump,
    )]
    pub sub_network_devices: AccountLoader<'info, SubNetworkDevices>,
    pub system_program: Program<'info, System>,
}

/// Permissionless, once per sub-network (the operator runs it right after creating the
/// sub-network): opens the record of its active devices. Onboarding to the sub-network and
/// scoring its epochs need it.
pub fn handler(ctx: Context<InitializeSubNetworkDevices>) -> Result<()> {
    // init_if_needed + this check: a second call gets a named error, not the system
    // program's "already in use".
    {
        let mut devices = ctx.accounts.sub_network_devices.load_init().map_err(|_| DeviceRegistryError::DeviceRecordExists)?;
        devices.sub_network = ctx.accounts.sub_network.key();
        devices.bump = ctx.bumps.sub_network_devices;
    }
    emit_cpi!(SubNetworkDevicesInitialized {
        sub_network: ctx.accounts.sub_network.key(),
        sub_network_devices: ctx.accounts.sub_network_devices.key(),
    });
    Ok(())
}
