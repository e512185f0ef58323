use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use data_credits::program::DataCredits;
use data_credits::state::DataCreditsConfig;
use emissions::cnft::{self, CnftLeaf};
use emissions::program::Emissions;
use emissions::state::{SubNetwork, SPL_ACCOUNT_COMPRESSION_ID};

use crate::errors::DeviceRegistryError;
use crate::events::DeviceOnboarded;
use crate::state::*;
use crate::tracking::{self, DeviceCountAccounts, FeeAccounts};

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
    /// The device cNFT's owner: signs, pays the fee in DC and the epoch record's rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// CHECK: the sub-network's and DC config's network (has_one on both); not deserialized
    /// here (emissions reads it when counting the device).
    pub network: UncheckedAccount<'info>,
    #[account(mut, seeds = [DEVICE_SEED, network.key().as_ref(), args.device_key.as_ref()], bump = device.bump)]
    pub device: Box<Account<'info, Device>>,
    #[account(mut, has_one = network)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    /// CHECK: the sub-network's record of the current epoch (emissions checks the address).
    #[account(mut)]
    pub sub_network_epoch_info: UncheckedAccount<'info>,
    /// CHECK: the device's Bubblegum tree (account compression verifies the leaf in it).
    pub merkle_tree: UncheckedAccount<'info>,
    #[account(mut, has_one = network, has_one = dc_mint)]
    pub dc_config: Box<Account<'info, DataCreditsConfig>>,
    /// CHECK: the config's DC mint (has_one); Token-2022's burn checks the rest.
    #[account(mut)]
    pub dc_mint: UncheckedAccount<'info>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: our `[REGISTRY_SIGNER]` PDA, signing the fee burn and the device count.
    #[account(address = emissions::state::REGISTRY_SIGNER)]
    pub registry_signer: UncheckedAccount<'info>,
    /// CHECK: SPL account compression (address checked).
    #[account(address = SPL_ACCOUNT_COMPRESSION_ID)]
    pub compression_program: UncheckedAccount<'info>,
    pub data_credits_program: Program<'info, DataCredits>,
    /// CHECK: data_credits' event authority (data_credits checks it).
    pub data_credits_event_authority: UncheckedAccount<'info>,
    pub emissions_program: Program<'info, Emissions>,
    /// CHECK: emissions' event authority (emissions checks it).
    pub emissions_event_authority: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// The cNFT's owner onboards the device to a sub-network: ownership proven against the
/// Bubblegum tree, the onboarding fee (plus the location fee when a location is asserted)
/// burned in DC, and the sub-network's active-device count raised by one.
pub fn handler<'info>(ctx: Context<'info, OnboardDevice<'info>>, args: OnboardDeviceArgs) -> Result<()> {
    let device = &ctx.accounts.device;
    require!(device.sub_network_index == NOT_ONBOARDED, DeviceRegistryError::AlreadyOnboarded);
    // 0 asserts no location.
    validate_device_data((args.location != 0).then_some(args.location), Some(args.elevation), Some(args.gain))?;

    cnft::verify_owner(
        &ctx.accounts.compression_program.to_account_info(),
        &ctx.accounts.merkle_tree.to_account_info(),
        ctx.remaining_accounts,
        &device.asset_id,
        ctx.accounts.owner.key,
        &args.cnft,
    )?;

    let sub = &ctx.accounts.sub_network;
    let location_fee = if args.location == 0 { 0 } else { sub.location_fee_dc };
    let fee = sub.onboarding_fee_dc.checked_add(location_fee).ok_or(DeviceRegistryError::ArithmeticOverflow)?;
    require!(ctx.accounts.owner_dc.amount >= fee, DeviceRegistryError::InsufficientDataCredits);
    tracking::burn_fee(
        FeeAccounts {
            registry_signer: &ctx.accounts.registry_signer.to_account_info(),
            owner: &ctx.accounts.owner.to_account_info(),
            dc_config: &ctx.accounts.dc_config.to_account_info(),
            dc_mint: &ctx.accounts.dc_mint.to_account_info(),
            owner_dc: &ctx.accounts.owner_dc.to_account_info(),
            token_program: &ctx.accounts.token_program.to_account_info(),
            data_credits_event_authority: &ctx.accounts.data_credits_event_authority.to_account_info(),
            data_credits_program: &ctx.accounts.data_credits_program.to_account_info(),
        },
        fee,
    )?;
    let epoch = ctx.accounts.dc_config.current_epoch()?;
    tracking::track_device_change(
        DeviceCountAccounts {
            registry_signer: &ctx.accounts.registry_signer.to_account_info(),
            payer: &ctx.accounts.owner.to_account_info(),
            network: &ctx.accounts.network.to_account_info(),
            sub_network: &ctx.accounts.sub_network.to_account_info(),
            sub_network_epoch_info: &ctx.accounts.sub_network_epoch_info.to_account_info(),
            emissions_event_authority: &ctx.accounts.emissions_event_authority.to_account_info(),
            emissions_program: &ctx.accounts.emissions_program.to_account_info(),
            system_program: &ctx.accounts.system_program.to_account_info(),
        },
        epoch,
        1,
    )?;

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
    });
    Ok(())
}
