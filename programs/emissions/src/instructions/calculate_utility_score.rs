use anchor_lang::prelude::*;
use civnet_common::{schedule, score};

use crate::errors::EmissionsError;
use crate::events::UtilityScoreCalculated;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct CalculateUtilityScore<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(has_one = network)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + EpochInfo::INIT_SPACE,
        seeds = [EPOCH_INFO_SEED, network.key().as_ref(), &epoch.to_le_bytes()],
        bump,
    )]
    pub epoch_info: Box<Account<'info, EpochInfo>>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + SubNetworkEpochInfo::INIT_SPACE,
        seeds = [SUB_NETWORK_EPOCH_INFO_SEED, sub_network.key().as_ref(), &epoch.to_le_bytes()],
        bump,
    )]
    pub sub_network_epoch_info: Box<Account<'info, SubNetworkEpochInfo>>,
    /// Needed only for a quiet epoch (no tracked activity) that later epochs have activity
    /// after: the first activity record after `epoch`, whose start snapshot is the device
    /// count during `epoch`.
    pub later_activity: Option<Box<Account<'info, SubNetworkEpochInfo>>>,
    pub system_program: Program<'info, System>,
}

/// Permissionless, once per sub-network and ended epoch: computes the sub-network's
/// utility score (formula in `civnet_common::score`) from the DC burned and the devices
/// active at the end of the epoch, and adds it to the epoch's total.
pub fn handler(ctx: Context<CalculateUtilityScore>, epoch: u64) -> Result<()> {
    let network = &ctx.accounts.network;
    let sub = &ctx.accounts.sub_network;
    // Scoring epochs before the start would let anyone mint those epochs' emissions later
    // (Helium's "infinite epoch" exploit).
    require!(epoch >= network.start_epoch && epoch >= sub.created_epoch, EmissionsError::EpochBeforeStart);
    require!(epoch < network.current_epoch()?, EmissionsError::EpochNotEnded);
    let info = &ctx.accounts.sub_network_epoch_info;
    require!(!info.score_done, EmissionsError::ScoreAlreadyCalculated);

    let (dc_burned, active_devices) = if info.has_activity {
        (info.dc_burned, info.active_devices)
    } else {
        (0, quiet_epoch_devices(sub, sub.key(), epoch, ctx.accounts.later_activity.as_deref())?)
    };
    let utility_score = score::utility_score(dc_burned, active_devices);

    let sub_key = sub.key();
    let info = &mut ctx.accounts.sub_network_epoch_info;
    if info.is_new() {
        info.sub_network = sub_key;
        info.epoch = epoch;
        info.bump = ctx.bumps.sub_network_epoch_info;
        info.active_devices = active_devices;
        info.active_devices_at_start = active_devices;
    }
    info.utility_score = utility_score;
    info.score_done = true;

    let epoch_info = &mut ctx.accounts.epoch_info;
    if epoch_info.network == Pubkey::default() {
        epoch_info.network = network.key();
        epoch_info.epoch = epoch;
        epoch_info.sub_networks_expected = network.sub_networks_in_epoch(epoch);
        epoch_info.emission = schedule::tokens_for_epoch(&network.schedule_pairs(), epoch);
        epoch_info.bump = ctx.bumps.epoch_info;
    }
    epoch_info.sub_networks_scored += 1;
    epoch_info.total_utility_score =
        epoch_info.total_utility_score.checked_add(utility_score).ok_or(EmissionsError::ArithmeticOverflow)?;
    epoch_info.dc_burned = epoch_info.dc_burned.checked_add(dc_burned).ok_or(EmissionsError::ArithmeticOverflow)?;

    emit_cpi!(UtilityScoreCalculated { sub_network: sub_key, epoch, dc_burned, active_devices, utility_score });
    Ok(())
}

/// Active devices during a quiet `epoch`: the current count when nothing was tracked since;
/// otherwise the start snapshot of the first activity record after it, which must prove
/// (through its `prev_activity_epoch` link) that no activity lies in between.
fn quiet_epoch_devices(sub: &SubNetwork, sub_key: Pubkey, epoch: u64, later: Option<&Account<SubNetworkEpochInfo>>) -> Result<u64> {
    match sub.last_activity_epoch {
        Some(last) if last > epoch => {
            let later = later.ok_or(EmissionsError::ActivitySnapshotRequired)?;
            require!(
                later.sub_network == sub_key
                    && later.has_activity
                    && later.epoch > epoch
                    && later.prev_activity_epoch.is_none_or(|prev| prev < epoch),
                EmissionsError::InvalidActivitySnapshot
            );
            Ok(later.active_devices_at_start)
        }
        _ => Ok(sub.active_devices),
    }
}
