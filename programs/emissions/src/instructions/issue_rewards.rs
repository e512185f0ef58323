use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Mint, MintTo, TokenAccount, TokenInterface};
use civnet_common::math;

use crate::errors::EmissionsError;
use crate::events::RewardsIssued;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct IssueRewards<'info> {
    #[account(mut, has_one = token_mint)]
    pub network: Box<Account<'info, Network>>,
    /// CHECK: the PDA that signs network token mints.
    #[account(seeds = [NETWORK_MINT_AUTHORITY_SEED, network.key().as_ref()], bump = network.mint_authority_bump)]
    pub mint_authority: UncheckedAccount<'info>,
    #[account(mut)]
    pub token_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, has_one = network, has_one = rewards_escrow)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        mut,
        seeds = [EPOCH_INFO_SEED, network.key().as_ref(), &epoch.to_le_bytes()],
        bump = epoch_info.bump,
    )]
    pub epoch_info: Box<Account<'info, EpochInfo>>,
    #[account(
        mut,
        seeds = [SUB_NETWORK_EPOCH_INFO_SEED, sub_network.key().as_ref(), &epoch.to_le_bytes()],
        bump = sub_network_epoch_info.bump,
    )]
    pub sub_network_epoch_info: Box<Account<'info, SubNetworkEpochInfo>>,
    #[account(mut)]
    pub rewards_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Permissionless, once per sub-network and epoch, after every sub-network of the epoch is
/// scored: mints the sub-network's share of the epoch's emission into its rewards escrow.
///
/// `share = floor(emission(epoch) * utility_score / total_utility_score)` in 192-bit
/// intermediate precision (`math::mul_div_floor_wide`). Each share rounds down, so the
/// shares never add up to more than the emission; the remainder is never minted. Nothing is
/// minted for an epoch in which every score is zero.
pub fn handler(ctx: Context<IssueRewards>, epoch: u64) -> Result<()> {
    let epoch_info = &ctx.accounts.epoch_info;
    require!(epoch_info.sub_networks_scored == epoch_info.sub_networks_expected, EmissionsError::ScoresIncomplete);
    let info = &ctx.accounts.sub_network_epoch_info;
    require!(info.score_done, EmissionsError::ScoreNotCalculated);
    require!(!info.rewards_issued, EmissionsError::RewardsAlreadyIssued);

    let amount = if epoch_info.total_utility_score == 0 {
        0
    } else {
        math::mul_div_floor_wide(epoch_info.emission, info.utility_score, epoch_info.total_utility_score)
            .ok_or(EmissionsError::ArithmeticOverflow)?
    };
    let epoch_total = epoch_info.total_issued.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    // Circuit breaker: the cap can be lowered after the schedule was set.
    require!(epoch_total <= ctx.accounts.network.max_issuance_per_epoch, EmissionsError::IssuanceCapExceeded);

    if amount > 0 {
        let network_key = ctx.accounts.network.key();
        let signer_seeds: &[&[&[u8]]] =
            &[&[NETWORK_MINT_AUTHORITY_SEED, network_key.as_ref(), &[ctx.accounts.network.mint_authority_bump]]];
        token_interface::mint_to(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.key(),
                MintTo {
                    mint: ctx.accounts.token_mint.to_account_info(),
                    to: ctx.accounts.rewards_escrow.to_account_info(),
                    authority: ctx.accounts.mint_authority.to_account_info(),
                },
                signer_seeds,
            ),
            amount,
        )?;
    }

    let network = &mut ctx.accounts.network;
    network.total_issued = network.total_issued.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    let sub = &mut ctx.accounts.sub_network;
    sub.total_issued = sub.total_issued.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;
    let info = &mut ctx.accounts.sub_network_epoch_info;
    info.issued = amount;
    info.rewards_issued = true;
    let epoch_info = &mut ctx.accounts.epoch_info;
    epoch_info.total_issued = epoch_total;
    epoch_info.sub_networks_issued += 1;

    emit_cpi!(RewardsIssued {
        sub_network: sub.key(),
        epoch,
        amount,
        utility_score: info.utility_score,
        total_utility_score: epoch_info.total_utility_score,
        emission: epoch_info.emission,
    });
    Ok(())
}
