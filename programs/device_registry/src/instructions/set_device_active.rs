use anchor_lang::prelude::*;
use emissions::program::Emissions;
use emissions::state::{Network, SubNetwork};

use crate::errors::DeviceRegistryError;
use crate::events::DeviceActivityChanged;
use crate::state::*;
use crate::tracking::{self, DeviceCountAccounts};

#[event_cpi]
#[derive(Accounts)]
#[instruction(device_key: Pubkey)]
pub struct SetDeviceActive<'info> {
    pub active_device_authority: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(
        mut,
        has_one = network,
        has_one = active_device_authority @ DeviceRegistryError::NotActiveDeviceAuthority,
    )]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, seeds = [DEVICE_SEED, network.key().as_ref(), device_key.as_ref()], bump = device.bump)]
    pub device: Box<Account<'info, Device>>,
    /// CHECK: the sub-network's record of the current epoch (emissions checks the address).
    #[account(mut)]
    pub sub_network_epoch_info: UncheckedAccount<'info>,
    /// CHECK: our `[REGISTRY_SIGNER]` PDA, signing the device count.
    #[account(address = emissions::state::REGISTRY_SIGNER)]
    pub registry_signer: UncheckedAccount<'info>,
    pub emissions_program: Program<'info, Emissions>,
    /// CHECK: emissions' event authority (emissions checks it).
    pub emissions_event_authority: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
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
    tracking::track_device_change(
        DeviceCountAccounts {
            registry_signer: &ctx.accounts.registry_signer.to_account_info(),
            payer: &ctx.accounts.payer.to_account_info(),
            network: &ctx.accounts.network.to_account_info(),
            sub_network: &ctx.accounts.sub_network.to_account_info(),
            sub_network_epoch_info: &ctx.accounts.sub_network_epoch_info.to_account_info(),
            emissions_event_authority: &ctx.accounts.emissions_event_authority.to_account_info(),
            emissions_program: &ctx.accounts.emissions_program.to_account_info(),
            system_program: &ctx.accounts.system_program.to_account_info(),
        },
        epoch,
        if active { 1 } else { -1 },
    )?;
    ctx.accounts.device.active = active;
    emit_cpi!(DeviceActivityChanged { device: ctx.accounts.device.key(), sub_network: ctx.accounts.sub_network.key(), active });
    Ok(())
}
