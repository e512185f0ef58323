//! Emission schedules: a list of steps `(start_epoch, tokens_per_epoch)`; the step with the
//! greatest `start_epoch <= epoch` applies, and nothing is emitted before the first step.
//! A halving every N epochs is a list whose amounts halve every N epochs.

/// Why a schedule was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    Empty,
    TooManySteps,
    NotSorted,
    /// The finite part of the schedule (every step but the last, which runs forever)
    /// emits more than u64::MAX base units in total.
    SupplyOverflow,
}

/// The epoch of `unix_timestamp`: epoch `e` covers `[e * len, (e + 1) * len)`; times before
/// 1970 count as epoch 0 and a zero length as one second.
pub fn epoch_at(unix_timestamp: i64, epoch_length_secs: u32) -> u64 {
    (unix_timestamp.max(0) as u64) / u64::from(epoch_length_secs.max(1))
}

/// Checks a schedule: non-empty, at most `max_steps`, strictly increasing start epochs, and
/// the tokens emitted from the first step up to the start of the last step,
/// `sum_i tokens_i * (start_{i+1} - start_i)`, fitting into a u64. The network's per-epoch
/// issuance cap is not a property of the schedule: it is an emergency brake applied at
/// issuance (`effective_emission`), so it can be lowered at any time.
pub fn validate(steps: &[(u64, u64)], max_steps: usize) -> Result<(), ScheduleError> {
    if steps.is_empty() {
        return Err(ScheduleError::Empty);
    }
    if steps.len() > max_steps {
        return Err(ScheduleError::TooManySteps);
    }
    let mut finite_supply: u64 = 0;
    for pair in steps.windows(2) {
        let ((start, amount), (next_start, _)) = (pair[0], pair[1]);
        if next_start <= start {
            return Err(ScheduleError::NotSorted);
        }
        let emitted = (amount as u128) * ((next_start - start) as u128);
        finite_supply = u64::try_from(emitted)
            .ok()
            .and_then(|e| finite_supply.checked_add(e))
            .ok_or(ScheduleError::SupplyOverflow)?;
    }
    Ok(())
}

/// What an epoch may issue: its scheduled emission, held under the network's per-epoch
/// issuance cap, `min(scheduled, cap)`. The authority lowers the cap to brake issuance
/// (0 stops it) without rewriting the schedule.
pub fn effective_emission(scheduled: u64, cap_per_epoch: u64) -> u64 {
    scheduled.min(cap_per_epoch)
}

/// Tokens emitted in `epoch`: the amount of the last step starting at or before it, 0 before
/// the first step. `steps` must have passed [`validate`].
pub fn tokens_for_epoch(steps: &[(u64, u64)], epoch: u64) -> u64 {
    steps
        .iter()
        .take_while(|&&(start, _)| start <= epoch)
        .last()
        .map_or(0, |&(_, amount)| amount)
}

/// True when both schedules emit the same amount in every epoch `<= last_epoch`. Both are
/// step functions, so comparing them at every step start up to `last_epoch` suffices (before
/// the first start both emit 0).
pub fn same_until(old: &[(u64, u64)], new: &[(u64, u64)], last_epoch: u64) -> bool {
    old.iter()
        .chain(new.iter())
        .map(|&(start, _)| start)
        .filter(|&start| start <= last_epoch)
        .all(|epoch| tokens_for_epoch(old, epoch) == tokens_for_epoch(new, epoch))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALVING: [(u64, u64); 3] = [(0, 1_000), (10, 500), (20, 250)];

    #[test]
    fn tokens_follow_the_halving_steps() {
        assert_eq!(tokens_for_epoch(&HALVING, 0), 1_000);
        assert_eq!(tokens_for_epoch(&HALVING, 9), 1_000);
        assert_eq!(tokens_for_epoch(&HALVING, 10), 500);
        assert_eq!(tokens_for_epoch(&HALVING, 25), 250);
        assert_eq!(tokens_for_epoch(&[(5, 7)], 4), 0);
    }

    #[test]
    fn same_until_compares_only_the_past() {
        let later_cut = [(0, 1_000), (10, 500), (15, 100)];
        assert!(same_until(&HALVING, &later_cut, 14));
        assert!(!same_until(&HALVING, &later_cut, 15));
        assert!(!same_until(&HALVING, &[(0, 999)], 0));
        assert!(same_until(&[(5, 1)], &[(6, 1)], 4));
        assert!(!same_until(&[(5, 1)], &[(6, 1)], 5));
    }

    #[test]
    fn validate_rejects_bad_schedules() {
        assert_eq!(validate(&HALVING, 16), Ok(()));
        assert_eq!(validate(&[], 16), Err(ScheduleError::Empty));
        assert_eq!(validate(&[(0, 1), (0, 1)], 16), Err(ScheduleError::NotSorted));
        assert_eq!(validate(&HALVING, 2), Err(ScheduleError::TooManySteps));
        assert_eq!(validate(&[(0, u64::MAX), (2, 1)], 16), Err(ScheduleError::SupplyOverflow));
    }

    #[test]
    fn the_cap_brakes_the_schedule() {
        assert_eq!(effective_emission(1_000, u64::MAX), 1_000);
        assert_eq!(effective_emission(1_000, 300), 300);
        assert_eq!(effective_emission(1_000, 0), 0);
    }
}
