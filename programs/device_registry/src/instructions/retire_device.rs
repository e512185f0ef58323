use anchor_lang::prelude::*;
use emissions::cnft::{self, CnftLeaf};
use emissions::state::{Network, SubNetwork, BUBBLEGUM_PROGRAM_ID, SPL_ACCOUNT_COMPRESSION_ID};
use mpl_bubblegum::instructions::BurnCpiBuilder;

use crate::errors::DeviceRegistryError;
use crate::events::DeviceRetired;
use crate::instructions::set_maker_tree::SPL_NOOP_ID;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RetireDeviceArgs {
    pub device_key: Pubkey,
    /// The device cNFT's leaf; its proof nodes follow as remaining accounts.
    pub cnft: CnftLeaf,
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: RetireDeviceArgs)]
pub struct RetireDevice<'info> {
    /// The cNFT's owner: burns it and receives the device record's rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// CHECK: the leaf's delegate (its hash covers it; Bubblegum checks).
    #[account(address = args.cnft.delegate)]
    pub leaf_delegate: UncheckedAccount<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(
        mut,
        close = owner,
        seeds = [DEVICE_SEED, network.key().as_ref(), args.device_key.as_ref()],
        bump = device.bump,
    )]
    pub device: Box<Account<'info, Device>>,
    /// CHECK: Bubblegum's tree config of `merkle_tree` (Bubblegum checks it).
    #[account(mut)]
    pub tree_config: UncheckedAccount<'info>,
    /// CHECK: the device's tree (the asset id check below binds it to the device).
    #[account(mut)]
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: SPL noop (address checked).
    #[account(address = SPL_NOOP_ID)]
    pub log_wrapper: UncheckedAccount<'info>,
    /// CHECK: SPL account compression (address checked).
    #[account(address = SPL_ACCOUNT_COMPRESSION_ID)]
    pub compression_program: UncheckedAccount<'info>,
    /// CHECK: Metaplex Bubblegum (address checked).
    #[account(address = BUBBLEGUM_PROGRAM_ID)]
    pub bubblegum_program: UncheckedAccount<'info>,
    /// Needed when the device is active: its sub-network's count drops by one.
    #[account(has_one = network)]
    pub sub_network: Option<Box<Account<'info, SubNetwork>>>,
    #[account(mut)]
    pub sub_network_devices: Option<AccountLoader<'info, SubNetworkDevices>>,
    pub system_program: Program<'info, System>,
}

/// The owner retires a device: Bubblegum burns its cNFT, the device record is closed (rent
/// back to the owner) and an active device leaves its sub-network's count. A retired device
/// can no longer be updated, toggled or claim rewards (its leaf is gone from the tree).
pub fn handler<'info>(ctx: Context<'info, RetireDevice<'info>>, args: RetireDeviceArgs) -> Result<()> {
    let device = &ctx.accounts.device;
    require_keys_eq!(
        cnft::asset_id(ctx.accounts.merkle_tree.key, args.cnft.nonce),
        device.asset_id,
        DeviceRegistryError::AssetIdMismatch
    );
    let proof: Vec<(&AccountInfo<'info>, bool, bool)> = ctx.remaining_accounts.iter().map(|a| (a, false, false)).collect();
    BurnCpiBuilder::new(&ctx.accounts.bubblegum_program.to_account_info())
        .tree_config(&ctx.accounts.tree_config.to_account_info())
        .leaf_owner(&ctx.accounts.owner.to_account_info(), true)
        .leaf_delegate(&ctx.accounts.leaf_delegate.to_account_info(), false)
        .merkle_tree(&ctx.accounts.merkle_tree.to_account_info())
        .log_wrapper(&ctx.accounts.log_wrapper.to_account_info())
        .compression_program(&ctx.accounts.compression_program.to_account_info())
        .system_program(&ctx.accounts.system_program.to_account_info())
        .root(args.cnft.root)
        .data_hash(args.cnft.data_hash)
        .creator_hash(args.cnft.creator_hash)
        .nonce(args.cnft.nonce)
        .index(args.cnft.index)
        .add_remaining_accounts(&proof)
        .invoke()?;

    let epoch = ctx.accounts.network.current_epoch()?;
    let (left_sub_network, active_devices) = if device.active {
        let sub_network = ctx.accounts.sub_network.as_ref().ok_or(DeviceRegistryError::WrongSubNetwork)?;
        require!(sub_network.index == device.sub_network_index, DeviceRegistryError::WrongSubNetwork);
        let devices = ctx.accounts.sub_network_devices.as_ref().ok_or(DeviceRegistryError::WrongDeviceRecord)?;
        let mut devices = devices.load_mut()?;
        require_keys_eq!(devices.sub_network, sub_network.key(), DeviceRegistryError::WrongDeviceRecord);
        (Some(sub_network.key()), Some(devices.record_change(epoch, false)?))
    } else {
        (None, None)
    };
    emit_cpi!(DeviceRetired {
        device: ctx.accounts.device.key(),
        asset_id: device.asset_id,
        owner: ctx.accounts.owner.key(),
        epoch,
        left_sub_network,
        active_devices,
    });
    Ok(())
}
