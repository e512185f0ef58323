//! civnet emissions: the network root. Holds the network, its sub-networks, epochs, the
//! emission schedule and reward issuance. data_credits and device_registry call into it.
use anchor_lang::prelude::*;
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;

use instructions::*;

declare_id!("2gn5cGFmuPKekxTADgsfMMrqdP1rQsCBgApFipYt55Dt");

#[program]
pub mod emissions {
    use super::*;

    pub fn initialize_network(ctx: Context<InitializeNetwork>, args: InitializeNetworkArgs) -> Result<()> {
        instructions::initialize_network::handler(ctx, args)
    }
}
