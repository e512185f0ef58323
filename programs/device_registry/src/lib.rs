//! civnet device_registry: approved hardware makers issue compressed-NFT device identities
//! (Metaplex Bubblegum); owners onboard devices, paying fees in DC; indexers resolve
//! device key -> asset.
use anchor_lang::prelude::*;
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

pub mod device_proof;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;
pub mod fees;

use instructions::*;

declare_id!("E5wryRb1K1UMRtDQcp3VqXhjNuPjRxXpLXcDs1gRCFAc");

#[program]
pub mod device_registry {
    use super::*;

    pub fn create_maker(ctx: Context<CreateMaker>, args: CreateMakerArgs) -> Result<()> {
        instructions::create_maker::handler(ctx, args)
    }

    pub fn approve_maker(ctx: Context<SetMakerApproval>, maker_authority: Pubkey) -> Result<()> {
        instructions::set_maker_approval::approve(ctx, maker_authority)
    }

    pub fn revoke_maker(ctx: Context<SetMakerApproval>) -> Result<()> {
        instructions::set_maker_approval::revoke(ctx)
    }

    pub fn set_maker_tree(ctx: Context<SetMakerTree>, args: SetMakerTreeArgs) -> Result<()> {
        instructions::set_maker_tree::handler(ctx, args)
    }

    pub fn issue_device(ctx: Context<IssueDevice>) -> Result<()> {
        instructions::issue_device::handler(ctx)
    }

    pub fn onboard_device<'info>(ctx: Context<'info, OnboardDevice<'info>>, args: OnboardDeviceArgs) -> Result<()> {
        instructions::onboard_device::handler(ctx, args)
    }

    pub fn update_device<'info>(ctx: Context<'info, UpdateDevice<'info>>, args: UpdateDeviceArgs) -> Result<()> {
        instructions::update_device::handler(ctx, args)
    }

    pub fn retire_device<'info>(ctx: Context<'info, RetireDevice<'info>>, args: RetireDeviceArgs) -> Result<()> {
        instructions::retire_device::handler(ctx, args)
    }

    pub fn initialize_sub_network_devices(ctx: Context<InitializeSubNetworkDevices>) -> Result<()> {
        instructions::initialize_sub_network_devices::handler(ctx)
    }

    pub fn set_device_active(ctx: Context<SetDeviceActive>, device_key: Pubkey, active: bool) -> Result<()> {
        instructions::set_device_active::handler(ctx, device_key, active)
    }
}
