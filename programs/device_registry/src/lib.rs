//! civnet device_registry: approved hardware makers issue compressed-NFT device identities
//! (Metaplex Bubblegum); owners onboard devices, paying fees in DC; indexers resolve
//! device key -> asset.
use anchor_lang::prelude::*;
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("E5wryRb1K1UMRtDQcp3VqXhjNuPjRxXpLXcDs1gRCFAc");

#[program]
pub mod device_registry {
    use super::*;

    pub fn create_maker(ctx: Context<CreateMaker>, args: CreateMakerArgs) -> Result<()> {
        instructions::create_maker::handler(ctx, args)
    }
}
