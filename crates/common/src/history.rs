//! Per-sub-network activity histories: the pull-based tracking behind utility scores.
//!
//! data_credits keeps a `SubNetworkBurns` account per sub-network (DC burned for usage, per
//! epoch) and device_registry a `SubNetworkDevices` account (active devices at the end of each
//! epoch with a change). Each program writes only its own account, in the instruction that
//! burns or changes a device; emissions reads both when it scores an ended epoch. No CPI on
//! the hot path: a burn or onboarding updates two numbers instead of calling emissions.
//!
//! Both accounts share one layout (Anchor zero-copy, `repr(C)`, little-endian), so emissions
//! reads them by offset without depending on either crate (they depend on it):
//!
//! | bytes | field |
//! |---|---|
//! | 0..8 | Anchor discriminator |
//! | 8..40 | sub_network |
//! | 40..48 | total (burns: DC ever burned for usage; devices: active devices now) |
//! | 48..56 | entries_written (ring entries ever written) |
//! | 56..568 | epochs: `[u64; HISTORY_LEN]` ring |
//! | 568..1080 | values: `[u64; HISTORY_LEN]` ring, same slots |
//!
//! The ring holds one entry per epoch with activity, newest at slot
//! `(entries_written - 1) % HISTORY_LEN`. Burns add into their epoch's entry; device changes
//! overwrite it with the count after the change (= the count at the end of that epoch).
//! An epoch must be scored before `HISTORY_LEN` later epochs with activity overwrite it;
//! scoring runs every epoch, so 64 epochs of slack is ample (`Pruned` otherwise).

/// Ring slots: epochs with activity remembered per sub-network.
pub const HISTORY_LEN: usize = 64;
pub const SUB_NETWORK_AT: usize = 8;
pub const TOTAL_AT: usize = 40;
pub const ENTRIES_WRITTEN_AT: usize = 48;
pub const EPOCHS_AT: usize = 56;
pub const VALUES_AT: usize = EPOCHS_AT + 8 * HISTORY_LEN;
/// Bytes of the shared part, discriminator included.
pub const HISTORY_ACCOUNT_PREFIX: usize = VALUES_AT + 8 * HISTORY_LEN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryError {
    /// The epoch's entry was overwritten by `HISTORY_LEN` later epochs with activity.
    Pruned,
    /// An epoch's sum does not fit in a u64.
    Overflow,
    /// The account is too short to be a history account.
    TooShort,
}

/// The ring of an account, borrowed for writing.
pub struct HistoryMut<'a> {
    pub entries_written: &'a mut u64,
    pub epochs: &'a mut [u64; HISTORY_LEN],
    pub values: &'a mut [u64; HISTORY_LEN],
}

impl HistoryMut<'_> {
    /// The slot `epoch`'s entry lives in, opening a new entry when `epoch` is newer than the
    /// newest one (`fresh` = the value it starts from). An older `epoch` (a clock that stepped
    /// back across an epoch end) counts in the newest entry, so entries stay in epoch order.
    fn slot_for(&mut self, epoch: u64, fresh: u64) -> usize {
        if *self.entries_written > 0 {
            let newest = ((*self.entries_written - 1) % HISTORY_LEN as u64) as usize;
            if epoch <= self.epochs[newest] {
                return newest;
            }
        }
        let slot = (*self.entries_written % HISTORY_LEN as u64) as usize;
        *self.entries_written += 1;
        self.epochs[slot] = epoch;
        self.values[slot] = fresh;
        slot
    }

    /// Adds `amount` to `epoch`'s sum (a DC burn); returns the epoch's new sum.
    pub fn add(&mut self, epoch: u64, amount: u64) -> Result<u64, HistoryError> {
        let slot = self.slot_for(epoch, 0);
        self.values[slot] = self.values[slot].checked_add(amount).ok_or(HistoryError::Overflow)?;
        Ok(self.values[slot])
    }

    /// Records `value` as the level at the end of `epoch` so far (the active-device count after
    /// a change).
    pub fn set(&mut self, epoch: u64, value: u64) {
        let slot = self.slot_for(epoch, value);
        self.values[slot] = value;
    }
}

/// The ring of an account, read in place (emissions reads other programs' accounts this way).
pub struct HistoryRef<'a> {
    data: &'a [u8],
}

impl<'a> HistoryRef<'a> {
    /// `data` is the whole account, discriminator included (checked by the caller).
    pub fn new(data: &'a [u8]) -> Result<Self, HistoryError> {
        if data.len() < HISTORY_ACCOUNT_PREFIX {
            return Err(HistoryError::TooShort);
        }
        Ok(Self { data })
    }

    fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.data[at..at + 8].try_into().unwrap())
    }

    pub fn sub_network(&self) -> [u8; 32] {
        self.data[SUB_NETWORK_AT..SUB_NETWORK_AT + 32].try_into().unwrap()
    }

    pub fn total(&self) -> u64 {
        self.u64_at(TOTAL_AT)
    }

    pub fn entries_written(&self) -> u64 {
        self.u64_at(ENTRIES_WRITTEN_AT)
    }

    /// Remembered entries, newest first: `(epoch, value)`.
    fn newest_first(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        let written = self.entries_written();
        (0..written.min(HISTORY_LEN as u64)).map(move |back| {
            let slot = ((written - 1 - back) % HISTORY_LEN as u64) as usize;
            (self.u64_at(EPOCHS_AT + 8 * slot), self.u64_at(VALUES_AT + 8 * slot))
        })
    }

    /// Fails when entries at or before `epoch` may have been overwritten: the ring is full and
    /// its oldest entry is newer than `epoch`.
    fn check_remembered(&self, epoch: u64) -> Result<(), HistoryError> {
        let pruned = self.entries_written() > HISTORY_LEN as u64
            && self.newest_first().last().is_some_and(|(oldest, _)| oldest > epoch);
        if pruned { Err(HistoryError::Pruned) } else { Ok(()) }
    }

    /// What was added in `epoch` (DC burned): its entry's sum, 0 without an entry.
    pub fn sum_in(&self, epoch: u64) -> Result<u64, HistoryError> {
        self.check_remembered(epoch)?;
        Ok(self.newest_first().find(|&(at, _)| at == epoch).map_or(0, |(_, value)| value))
    }

    /// The level at the end of `epoch` (active devices): the newest entry at or before it,
    /// 0 before the first entry.
    pub fn level_at_end_of(&self, epoch: u64) -> Result<u64, HistoryError> {
        self.check_remembered(epoch)?;
        Ok(self.newest_first().find(|&(at, _)| at <= epoch).map_or(0, |(_, value)| value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An account image with the shared layout, written through `HistoryMut`.
    struct Account {
        written: u64,
        epochs: [u64; HISTORY_LEN],
        values: [u64; HISTORY_LEN],
    }

    impl Account {
        fn new() -> Self {
            Self { written: 0, epochs: [0; HISTORY_LEN], values: [0; HISTORY_LEN] }
        }
        fn ring(&mut self) -> HistoryMut<'_> {
            HistoryMut { entries_written: &mut self.written, epochs: &mut self.epochs, values: &mut self.values }
        }
        fn bytes(&self) -> Vec<u8> {
            let mut data = vec![0u8; HISTORY_ACCOUNT_PREFIX];
            data[ENTRIES_WRITTEN_AT..ENTRIES_WRITTEN_AT + 8].copy_from_slice(&self.written.to_le_bytes());
            for slot in 0..HISTORY_LEN {
                data[EPOCHS_AT + 8 * slot..EPOCHS_AT + 8 * slot + 8].copy_from_slice(&self.epochs[slot].to_le_bytes());
                data[VALUES_AT + 8 * slot..VALUES_AT + 8 * slot + 8].copy_from_slice(&self.values[slot].to_le_bytes());
            }
            data
        }
    }

    #[test]
    fn burns_sum_per_epoch_and_quiet_epochs_are_zero() {
        let mut account = Account::new();
        assert_eq!(account.ring().add(5, 10), Ok(10));
        assert_eq!(account.ring().add(5, 7), Ok(17));
        assert_eq!(account.ring().add(8, 1), Ok(1));
        // A clock stepping back counts in the newest epoch.
        assert_eq!(account.ring().add(7, 2), Ok(3));
        let data = account.bytes();
        let history = HistoryRef::new(&data).unwrap();
        assert_eq!(history.entries_written(), 2);
        assert_eq!([4, 5, 6, 8, 9].map(|e| history.sum_in(e).unwrap()), [0, 17, 0, 3, 0]);
        assert_eq!(account.ring().add(8, u64::MAX), Err(HistoryError::Overflow));
    }

    #[test]
    fn device_levels_carry_over_quiet_epochs() {
        let mut account = Account::new();
        account.ring().set(3, 1);
        account.ring().set(3, 2);
        account.ring().set(6, 1);
        let data = account.bytes();
        let history = HistoryRef::new(&data).unwrap();
        assert_eq!([2, 3, 4, 5, 6, 7].map(|e| history.level_at_end_of(e).unwrap()), [0, 2, 2, 2, 1, 1]);
    }

    #[test]
    fn overwritten_epochs_are_refused_not_guessed() {
        let mut account = Account::new();
        for epoch in 0..(HISTORY_LEN as u64 + 3) {
            account.ring().add(epoch * 2, 1).unwrap();
            account.ring().set(epoch * 2, epoch);
        }
        let data = account.bytes();
        let history = HistoryRef::new(&data).unwrap();
        // Entries for epochs 0, 2, 4 were overwritten; 6 is the oldest remembered.
        assert_eq!(history.sum_in(4), Err(HistoryError::Pruned));
        assert_eq!(history.level_at_end_of(5), Err(HistoryError::Pruned));
        assert_eq!(history.level_at_end_of(6), Ok(3));
        assert_eq!(history.sum_in(7), Ok(0));
        assert_eq!(HistoryRef::new(&data[..100]).err(), Some(HistoryError::TooShort));
    }
}
