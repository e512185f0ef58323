//! civnet emissions: the network root. Holds the network, its sub-networks, epochs, the
//! emission schedule, utility scores, reward issuance and reward claims. data_credits and
//! device_registry call into it; it depends on neither.
use anchor_lang::prelude::*;
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

pub mod cnft;
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

    pub fn update_network(ctx: Context<UpdateNetwork>, args: UpdateNetworkArgs) -> Result<()> {
        instructions::update_network::handler(ctx, args)
    }

    pub fn propose_authority(ctx: Context<ProposeAuthority>, new_authority: Pubkey) -> Result<()> {
        instructions::propose_authority::handler(ctx, new_authority)
    }

    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        instructions::accept_authority::handler(ctx)
    }

    pub fn create_sub_network(ctx: Context<CreateSubNetwork>, args: CreateSubNetworkArgs) -> Result<()> {
        instructions::create_sub_network::handler(ctx, args)
    }

    pub fn update_sub_network(ctx: Context<UpdateSubNetwork>, args: UpdateSubNetworkArgs) -> Result<()> {
        instructions::update_sub_network::handler(ctx, args)
    }

    pub fn calculate_utility_score(ctx: Context<CalculateUtilityScore>, epoch: u64) -> Result<()> {
        instructions::calculate_utility_score::handler(ctx, epoch)
    }

    pub fn issue_rewards(ctx: Context<IssueRewards>, epoch: u64) -> Result<()> {
        instructions::issue_rewards::handler(ctx, epoch)
    }

    pub fn set_rewards_root(ctx: Context<SetRewardsRoot>, root: [u8; 32], total_cumulative: u64) -> Result<()> {
        instructions::set_rewards_root::handler(ctx, root, total_cumulative)
    }

    pub fn claim_rewards<'info>(ctx: Context<'info, ClaimRewards<'info>>, args: ClaimRewardsArgs) -> Result<()> {
        instructions::claim_rewards::handler(ctx, args)
    }
}
