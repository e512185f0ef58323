//! civnet data_credits: customers burn the network token at an oracle price into
//! non-transferable data credits (DC); DC is delegated to router escrows and burned for usage.
use anchor_lang::prelude::*;
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

pub mod errors;
pub mod events;
pub mod instructions;
pub mod state;
pub mod token_ops;

use instructions::*;

declare_id!("4c7inTCbzvDc56V4dtm1kXTdq9YvBMWTcEk14j6chnf7");

#[program]
pub mod data_credits {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
        instructions::initialize::handler(ctx, args)
    }

    pub fn update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
        instructions::update_config::handler(ctx, args)
    }

    pub fn delegate_data_credits(ctx: Context<DelegateDataCredits>, router_key: String, amount: u64) -> Result<()> {
        instructions::delegate_data_credits::handler(ctx, router_key, amount)
    }

    pub fn burn_delegated_data_credits(ctx: Context<BurnDelegatedDataCredits>, amount: u64, sequence: u64) -> Result<()> {
        instructions::burn_delegated_data_credits::handler(ctx, amount, sequence)
    }

    pub fn mint_data_credits(ctx: Context<MintDataCredits>, args: MintDataCreditsArgs) -> Result<()> {
        instructions::mint_data_credits::handler(ctx, args)
    }

    pub fn burn_data_credits(ctx: Context<BurnDataCredits>, amount: u64) -> Result<()> {
        instructions::burn_data_credits::handler(ctx, amount)
    }

    pub fn initialize_sub_network_burns(ctx: Context<InitializeSubNetworkBurns>) -> Result<()> {
        instructions::initialize_sub_network_burns::handler(ctx)
    }
}
