use anchor_lang::prelude::*;
use civnet_common::history::{HistoryError, HistoryRef};
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
    /// CHECK: data_credits' `SubNetworkBurns` of this sub-network (owner, discriminator and
    /// sub-network checked by `ActivityRecord::read`), or its empty address if never opened.
    pub sub_network_burns: UncheckedAccount<'info>,
    /// CHECK: device_registry's `SubNetworkDevices` of this sub-network (checked likewise).
    pub sub_network_devices: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// Permissionless, once per sub-network and ended epoch: computes the sub-network's
/// utility score (formula in `civnet_common::score`) from the DC burned for usage in the
/// epoch and the devices active at its end, read from data_credits' and device_registry's
/// activity records, and adds it to the epoch's total.
pub fn handler(ctx: Context<CalculateUtilityScore>, epoch: u64) -> Result<()> {
    let network = &ctx.accounts.network;
    let sub = &ctx.accounts.sub_network;
    // Scoring epochs before the start would let anyone mint those epochs' emissions later
    // (Helium's "infinite epoch" exploit).
    require!(epoch >= network.start_epoch && epoch >= sub.created_epoch, EmissionsError::EpochBeforeStart);
    // Both recording programs count by the same clock and formula (`schedule::epoch_at`), so
    // nothing can be added to an ended epoch after this check.
    require!(epoch < network.current_epoch()?, EmissionsError::EpochNotEnded);
    require!(!ctx.accounts.sub_network_epoch_info.score_done, EmissionsError::ScoreAlreadyCalculated);

    let sub_key = sub.key();
    let burns = ActivityRecord {
        account: &ctx.accounts.sub_network_burns,
        program: DATA_CREDITS_PROGRAM_ID,
        discriminator: SUB_NETWORK_BURNS_DISCRIMINATOR,
        seed: civnet_common::seeds::SUB_NETWORK_BURNS,
    };
    let dc_burned = burns.read(&sub_key, |record| record.sum_in(epoch))?;
    let devices = ActivityRecord {
        account: &ctx.accounts.sub_network_devices,
        program: DEVICE_REGISTRY_PROGRAM_ID,
        discriminator: SUB_NETWORK_DEVICES_DISCRIMINATOR,
        seed: civnet_common::seeds::SUB_NETWORK_DEVICES,
    };
    let active_devices = devices.read(&sub_key, |record| record.level_at_end_of(epoch))?;
    let utility_score = score::utility_score(dc_burned, active_devices);

    let info = &mut ctx.accounts.sub_network_epoch_info;
    info.sub_network = sub_key;
    info.epoch = epoch;
    info.bump = ctx.bumps.sub_network_epoch_info;
    info.active_devices = active_devices;
    info.dc_burned = dc_burned;
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

/// One of a sub-network's two activity records, as passed to scoring.
struct ActivityRecord<'a, 'info> {
    account: &'a UncheckedAccount<'info>,
    /// The program that owns and alone writes such records.
    program: Pubkey,
    discriminator: [u8; 8],
    /// `[seed, sub_network]` under `program` is where the record lives.
    seed: &'static [u8],
}

impl ActivityRecord<'_, '_> {
    /// `read` applied to the record if the account is `program`'s record (owner and Anchor
    /// discriminator) of `sub_network`; only `program` writes accounts it owns, and it opens
    /// one such record per sub-network, at a PDA of that sub-network.
    ///
    /// Liveness: a record that was never opened reads as no activity (0), provided the
    /// account is the empty system account at the record's address. Burns and onboardings
    /// need the record, so nothing can have happened; and one sub-network whose operator
    /// never opened it cannot stall the epoch's issuance for every other sub-network.
    fn read(&self, sub_network: &Pubkey, read: impl FnOnce(HistoryRef) -> core::result::Result<u64, HistoryError>) -> Result<u64> {
        let account = self.account.to_account_info();
        if account.owner == &anchor_lang::system_program::ID && account.data_is_empty() {
            let (expected, _) = Pubkey::find_program_address(&[self.seed, sub_network.as_ref()], &self.program);
            require_keys_eq!(account.key(), expected, EmissionsError::WrongActivityRecord);
            return Ok(0);
        }
        let data = account.try_borrow_data()?;
        let record = HistoryRef::new(&data).map_err(|_| EmissionsError::WrongActivityRecord)?;
        require!(
            *account.owner == self.program && data[..8] == self.discriminator && record.sub_network() == sub_network.to_bytes(),
            EmissionsError::WrongActivityRecord
        );
        read(record).map_err(history_error)
    }
}

fn history_error(e: HistoryError) -> Error {
    match e {
        HistoryError::Pruned => EmissionsError::ActivityHistoryPruned.into(),
        HistoryError::Overflow | HistoryError::TooShort => EmissionsError::WrongActivityRecord.into(),
    }
}
