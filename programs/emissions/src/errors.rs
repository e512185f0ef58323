use anchor_lang::prelude::*;
use civnet_common::schedule::ScheduleError;

#[error_code]
pub enum EmissionsError {
    #[msg("The network token's mint authority must be the network's mint-authority PDA")]
    MintAuthorityNotNetwork,
    #[msg("Epoch length must be between 1 second and 366 days")]
    InvalidEpochLength,
    #[msg("The emission schedule is empty")]
    EmptySchedule,
    #[msg("The emission schedule has too many steps")]
    ScheduleTooLong,
    #[msg("Emission schedule steps must have strictly increasing start epochs")]
    ScheduleNotSorted,
    #[msg("An emission schedule step exceeds the per-epoch issuance cap")]
    ScheduleAboveCap,
    #[msg("The emission schedule's total supply overflows u64")]
    ScheduleSupplyOverflow,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
}

impl From<ScheduleError> for EmissionsError {
    fn from(e: ScheduleError) -> Self {
        match e {
            ScheduleError::Empty => Self::EmptySchedule,
            ScheduleError::TooManySteps => Self::ScheduleTooLong,
            ScheduleError::NotSorted => Self::ScheduleNotSorted,
            ScheduleError::AboveCap => Self::ScheduleAboveCap,
            ScheduleError::SupplyOverflow => Self::ScheduleSupplyOverflow,
        }
    }
}
