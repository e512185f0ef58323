use anchor_lang::prelude::*;

use crate::errors::EmissionsError;
use crate::events::RewardsRootSet;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct SetRewardsRoot<'info> {
    pub rewards_oracle: Signer<'info>,
    #[account(has_one = rewards_oracle)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, seeds = [REWARDS_ROOT_SEED, sub_network.key().as_ref()], bump = rewards_root.bump)]
    pub rewards_root: Box<Account<'info, RewardsRoot>>,
}

/// The rewards oracle publishes a new merkle root over `(asset_id, cumulative_amount)` of
/// every device (leaf format in `civnet_common::rewards`). Amounts are cumulative, so a
/// new root replaces the old one and earlier proofs stop working; the total may not fall
/// and may not exceed what was issued to the sub-network.
pub fn handler(ctx: Context<SetRewardsRoot>, root: [u8; 32], total_cumulative: u64) -> Result<()> {
    let sub = &ctx.accounts.sub_network;
    require!(total_cumulative <= sub.total_issued, EmissionsError::RootExceedsIssued);
    let rewards_root = &mut ctx.accounts.rewards_root;
    require!(total_cumulative >= rewards_root.total_cumulative, EmissionsError::RootTotalDecreased);
    rewards_root.root = root;
    rewards_root.total_cumulative = total_cumulative;
    rewards_root.version = rewards_root.version.checked_add(1).ok_or(EmissionsError::ArithmeticOverflow)?;
    rewards_root.updated_at = Clock::get()?.unix_timestamp;
    emit_cpi!(RewardsRootSet { sub_network: sub.key(), root, total_cumulative, version: rewards_root.version });
    Ok(())
}
