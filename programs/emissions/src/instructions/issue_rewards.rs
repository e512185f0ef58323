use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, MintTo, TokenInterface};
use civnet_common::{math, schedule};

use crate::errors::EmissionsError;
use crate::events::RewardsIssued;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct IssueRewards<'info> {
    #[account(mut, has_one = token_mint)]
    pub network: Box<Account<'info, Network>>,
    /// CHECK: the PDA that signs network token mints. Not re-derived here: the mint is
    /// signed for with its seeds, so any other account fails Token-2022's authority check.
    pub mint_authority: UncheckedAccount<'info>,
    /// CHECK: the network's token mint (has_one); Token-2022's mint_to checks the rest.
    #[account(mut)]
    pub token_mint: UncheckedAccount<'info>,
    #[account(mut, has_one = network, has_one = rewards_escrow)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    /// Records are only ever created by emissions at their `[.., network, epoch]` PDAs and
    /// store both keys: comparing the fields proves the address as a PDA check would, for a
    /// fraction of the compute.
    #[account(mut, constraint = epoch_info.network == network.key() && epoch_info.epoch == epoch @ EmissionsError::WrongEpochRecord)]
    pub epoch_info: Box<Account<'info, EpochInfo>>,
    #[account(
        mut,
        constraint = sub_network_epoch_info.sub_network == sub_network.key() && sub_network_epoch_info.epoch == epoch @ EmissionsError::WrongEpochRecord,
    )]
    pub sub_network_epoch_info: Box<Account<'info, SubNetworkEpochInfo>>,
    /// CHECK: the sub-network's escrow (has_one); Token-2022's mint_to checks the rest.
    #[account(mut)]
    pub rewards_escrow: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// Permissionless, once per sub-network and epoch, after every sub-network of the epoch is
/// scored: mints the sub-network's share of the epoch's emission into its rewards escrow.
///
/// ```text
/// emission = min(schedule(epoch), cap)                       (schedule::effective_emission)
/// share    = floor(emission * utility_score / total_utility_score)   (192-bit intermediate)
/// amount   = min(share, cap - issued so far in the epoch)
/// ```
/// with `cap` the network's per-epoch issuance cap when this runs. Each share rounds down, so
/// the shares never add up to more than the emission; the remainder is never minted. The
/// second clamp keeps the epoch's total under a cap lowered between two sub-networks' issues.
/// Nothing is minted for an epoch in which every score is zero.
pub fn handler(ctx: Context<IssueRewards>, epoch: u64) -> Result<()> {
    let epoch_info = &ctx.accounts.epoch_info;
    require!(epoch_info.sub_networks_scored == epoch_info.sub_networks_expected, EmissionsError::ScoresIncomplete);
    let info = &ctx.accounts.sub_network_epoch_info;
    require!(info.score_done, EmissionsError::ScoreNotCalculated);
    require!(!info.rewards_issued, EmissionsError::RewardsAlreadyIssued);

    let cap = ctx.accounts.network.max_issuance_per_epoch;
    let emission = schedule::effective_emission(epoch_info.emission, cap);
    let share = if epoch_info.total_utility_score == 0 {
        0
    } else {
        math::mul_div_floor_wide(emission, info.utility_score, epoch_info.total_utility_score)
            .ok_or(EmissionsError::ArithmeticOverflow)?
    };
    let amount = share.min(cap.saturating_sub(epoch_info.total_issued));
    let epoch_total = epoch_info.total_issued.checked_add(amount).ok_or(EmissionsError::ArithmeticOverflow)?;

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
        emission,
    });
    Ok(())
}
