use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use data_credits::state::DataCreditsConfig;
use emissions::cnft::{self, CnftLeaf};
use emissions::state::{Network, SubNetwork};

use crate::errors::DeviceRegistryError;
use crate::events::DeviceUpdated;
use crate::state::*;
use crate::fees;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdateDeviceArgs {
    pub device_key: Pubkey,
    /// A new H3 cell (burns the sub-network's location fee when it differs).
    pub location: Option<u64>,
    pub elevation: Option<i16>,
    pub gain: Option<u8>,
    /// The device cNFT's leaf; its proof nodes follow as remaining accounts.
    pub cnft: CnftLeaf,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: UpdateDeviceArgs)]
pub struct UpdateDevice<'info> {
    pub owner: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(mut, seeds = [DEVICE_SEED, network.key().as_ref(), args.device_key.as_ref()], bump = device.bump)]
    pub device: Box<Account<'info, Device>>,
    /// The sub-network the device is onboarded to (its fees apply).
    #[account(has_one = network)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    /// Records the location fee.
    #[account(mut, constraint = sub_network_devices.load()?.sub_network == sub_network.key() @ DeviceRegistryError::WrongDeviceRecord)]
    pub sub_network_devices: AccountLoader<'info, SubNetworkDevices>,
    /// CHECK: the device's Bubblegum tree: `cnft::verify_owner` checks its owner, that the
    /// device's asset id derives from it, and proves the leaf in it.
    pub merkle_tree: UncheckedAccount<'info>,
    #[account(has_one = network, has_one = dc_mint)]
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    #[account(mut)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// The cNFT's owner changes an onboarded device's location, elevation or gain; a new
/// location burns the sub-network's location fee in DC.
pub fn handler<'info>(ctx: Context<'info, UpdateDevice<'info>>, args: UpdateDeviceArgs) -> Result<()> {
    let device = &ctx.accounts.device;
    require!(device.sub_network_index != NOT_ONBOARDED, DeviceRegistryError::NotOnboarded);
    require!(device.sub_network_index == ctx.accounts.sub_network.index, DeviceRegistryError::WrongSubNetwork);
    require!(args.location.is_some() || args.elevation.is_some() || args.gain.is_some(), DeviceRegistryError::NothingToUpdate);
    validate_device_data(args.location, args.elevation, args.gain)?;
    cnft::verify_owner(&ctx.accounts.merkle_tree, ctx.remaining_accounts, &device.asset_id, ctx.accounts.owner.key, &args.cnft)
        .map_err(DeviceRegistryError::from)?;

    let moved = args.location.is_some_and(|location| location != device.location);
    let fee = if moved { ctx.accounts.sub_network.location_fee_dc } else { 0 };
    require!(ctx.accounts.owner_dc.amount >= fee, DeviceRegistryError::InsufficientDataCredits);
    fees::burn_fee(
        &ctx.accounts.token_program.to_account_info(),
        &ctx.accounts.dc_mint.to_account_info(),
        &ctx.accounts.owner_dc.to_account_info(),
        &ctx.accounts.owner.to_account_info(),
        fee,
    )?;
    ctx.accounts.sub_network_devices.load_mut()?.record_fee(fee)?;

    let device = &mut ctx.accounts.device;
    device.location = args.location.unwrap_or(device.location);
    device.elevation = args.elevation.unwrap_or(device.elevation);
    device.gain = args.gain.unwrap_or(device.gain);
    emit_cpi!(DeviceUpdated {
        device: device.key(),
        location: device.location,
        elevation: device.elevation,
        gain: device.gain,
        fee_dc: fee,
    });
    Ok(())
}
