use anchor_lang::prelude::*;
use civnet_common::schedule::ScheduleError;

#[error_code]
pub enum EmissionsError {
    #[msg("The signer is not the network token mint's current mint authority")]
    NotMintAuthority,
    #[msg("Epoch length must be between 1 second and 366 days")]
    InvalidEpochLength,
    #[msg("The emission schedule is empty")]
    EmptySchedule,
    #[msg("The emission schedule has too many steps")]
    ScheduleTooLong,
    #[msg("Emission schedule steps must have strictly increasing start epochs")]
    ScheduleNotSorted,
    #[msg("The emission schedule's total supply overflows u64")]
    ScheduleSupplyOverflow,
    #[msg("A new emission schedule may not change epochs that have already started")]
    ScheduleRewritesPast,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("There is no pending authority, or the signer is not it")]
    NotPendingAuthority,
    #[msg("Sub-network names are 1 to 16 characters of A-Z, 0-9, '_' or '-'")]
    InvalidSubNetworkName,
    #[msg("The network already has the maximum number of sub-networks")]
    TooManySubNetworks,
    #[msg("The epoch has not ended yet")]
    EpochNotEnded,
    #[msg("The epoch is before the network's (or sub-network's) start")]
    EpochBeforeStart,
    #[msg("The utility score of this sub-network and epoch is already computed")]
    ScoreAlreadyCalculated,
    #[msg("The activity record is not this sub-network's data_credits burn record or device_registry device record")]
    WrongActivityRecord,
    #[msg("The epoch's activity was overwritten by 64 later epochs with activity: score epochs as they end")]
    ActivityHistoryPruned,
    #[msg("Not every sub-network has its utility score for this epoch yet")]
    ScoresIncomplete,
    #[msg("The utility score of this sub-network and epoch is not computed yet")]
    ScoreNotCalculated,
    #[msg("Rewards for this sub-network and epoch are already issued")]
    RewardsAlreadyIssued,
    #[msg("The rewards root promises more than was issued to the sub-network")]
    RootExceedsIssued,
    #[msg("A new rewards root may not lower the total cumulative amount")]
    RootTotalDecreased,
    #[msg("The reward proof does not match the current rewards root")]
    InvalidRewardProof,
    #[msg("The reward proof is longer than 32 nodes")]
    RewardProofTooLong,
    #[msg("Nothing to claim: the cumulative amount is already claimed")]
    NothingToClaim,
    #[msg("The claim would exceed what was issued to the sub-network")]
    ClaimExceedsIssued,
    #[msg("The rewards escrow holds less than the claim")]
    EscrowInsufficient,
    #[msg("The asset id is not the Bubblegum asset of this tree and leaf nonce")]
    AssetIdMismatch,
    #[msg("The merkle tree is not an SPL account-compression tree")]
    InvalidMerkleTree,
    #[msg("The epoch record is not this network's or sub-network's record of this epoch")]
    WrongEpochRecord,
    #[msg("The rewards root is not this sub-network's")]
    WrongRewardsRoot,
    #[msg("The cNFT proof does not prove the leaf (with the signer as owner) in the tree")]
    InvalidCnftProof,
    #[msg("The cNFT's leaf changed after the root its proof was taken against (transferred or burned?)")]
    CnftLeafModified,
    #[msg("The network token mint has a freeze authority: it could freeze escrows and holders")]
    MintHasFreezeAuthority,
    #[msg("The network token must be a Token-2022 mint (DC is bought with one token program)")]
    TokenProgramNotToken2022,
    #[msg("The network token mint carries an extension that gives a key power over tokens (only metadata and group extensions are allowed)")]
    UnsupportedMintExtension,
}

impl From<ScheduleError> for EmissionsError {
    fn from(e: ScheduleError) -> Self {
        match e {
            ScheduleError::Empty => Self::EmptySchedule,
            ScheduleError::TooManySteps => Self::ScheduleTooLong,
            ScheduleError::NotSorted => Self::ScheduleNotSorted,
            ScheduleError::SupplyOverflow => Self::ScheduleSupplyOverflow,
        }
    }
}
