use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use data_credits::state::DataCreditsConfig;
use emissions::cnft::{self, CnftLeaf};
use emissions::state::SubNetwork;

use crate::errors::DeviceRegistryError;
use crate::events::DeviceOnboarded;
use crate::state::*;
use crate::fees;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct OnboardDeviceArgs {
    pub device_key: Pubkey,
    /// H3 cell; 0 asserts no location (and burns no location fee).
    pub location: u64,
    /// Metres above ground.
    pub elevation: i16,
    /// Antenna gain in tenths of a dBi.
    pub gain: u8,
    /// The device cNFT's leaf; its proof nodes follow as remaining accounts.
    pub cnft: CnftLeaf,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: OnboardDeviceArgs)]
pub struct OnboardDevice<'info> {
    /// The device cNFT's owner: signs, pays the fee in DC.
    pub owner: Signer<'info>,
    /// CHECK: the sub-network's and DC config's network (has_one on both) and part of the
    /// device's address; not deserialized.
    pub network: UncheckedAccount<'info>,
    #[account(mut, seeds = [DEVICE_SEED, network.key().as_ref(), args.device_key.as_ref()], bump = device.bump)]
    pub device: Box<Account<'info, Device>>,
    #[account(has_one = network)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, constraint = sub_network_devices.load()?.sub_network == sub_network.key() @ DeviceRegistryError::WrongDeviceRecord)]
    pub sub_network_devices: AccountLoader<'info, SubNetworkDevices>,
    /// CHECK: the device's Bubblegum tree: `cnft::verify_owner` checks its owner, that the
    /// device's asset id derives from it, and proves the leaf in it.
    pub merkle_tree: UncheckedAccount<'info>,
    #[account(has_one = network, has_one = dc_mint)]
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    /// CHECK: the config's DC mint (has_one); Token-2022's burn checks the rest.
    #[account(mut)]
    pub dc_mint: UncheckedAccount<'info>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// The cNFT's owner onboards the device to a sub-network: ownership proven against the
/// Bubblegum tree, the onboarding fee (plus the location fee when a location is asserted)
/// burned in DC, and the sub-network's active-device count raised by one.
pub fn handler<'info>(ctx: Context<'info, OnboardDevice<'info>>, args: OnboardDeviceArgs) -> Result<()> {
    let device = &ctx.accounts.device;
    require!(device.sub_network_index == NOT_ONBOARDED, DeviceRegistryError::AlreadyOnboarded);
    // 0 asserts no location.
    validate_device_data((args.location != 0).then_some(args.location), Some(args.elevation), Some(args.gain))?;

    cnft::verify_owner(&ctx.accounts.merkle_tree, ctx.remaining_accounts, &device.asset_id, ctx.accounts.owner.key, &args.cnft)
        .map_err(DeviceRegistryError::from)?;

    let sub = &ctx.accounts.sub_network;
    let location_fee = if args.location == 0 { 0 } else { sub.location_fee_dc };
    let fee = sub.onboarding_fee_dc.checked_add(location_fee).ok_or(DeviceRegistryError::ArithmeticOverflow)?;
    require!(ctx.accounts.owner_dc.amount >= fee, DeviceRegistryError::InsufficientDataCredits);
    fees::burn_fee(
        &ctx.accounts.token_program.to_account_info(),
        &ctx.accounts.dc_mint.to_account_info(),
        &ctx.accounts.owner_dc.to_account_info(),
        &ctx.accounts.owner.to_account_info(),
        fee,
    )?;
    let epoch = ctx.accounts.dc_config.current_epoch()?;
    let active_devices = {
        let mut devices = ctx.accounts.sub_network_devices.load_mut()?;
        devices.record_fee(fee)?;
        devices.devices_onboarded = devices.devices_onboarded.checked_add(1).ok_or(DeviceRegistryError::ArithmeticOverflow)?;
        devices.record_change(epoch, true)?
    };

    let sub_index = ctx.accounts.sub_network.index;
    let device = &mut ctx.accounts.device;
    device.sub_network_index = sub_index;
    device.active = true;
    device.location = args.location;
    device.elevation = args.elevation;
    device.gain = args.gain;
    emit_cpi!(DeviceOnboarded {
        device: device.key(),
        asset_id: device.asset_id,
        owner: ctx.accounts.owner.key(),
        sub_network: ctx.accounts.sub_network.key(),
        location: args.location,
        elevation: args.elevation,
        gain: args.gain,
        fee_dc: fee,
        epoch,
        active_devices,
    });
    Ok(())
}
