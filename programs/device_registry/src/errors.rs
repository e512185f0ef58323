use anchor_lang::prelude::*;

#[error_code]
pub enum DeviceRegistryError {
    #[msg("Maker names are 1 to 32 characters of a-z, 0-9 or '-'")]
    InvalidMakerName,
    #[msg("The maker is not approved by the network authority")]
    MakerNotApproved,
    #[msg("The maker has no Bubblegum tree yet")]
    MakerHasNoTree,
    #[msg("The maker's current tree still has room; rotate only when it is full")]
    TreeNotFull,
    #[msg("The maker's tree is full; set a new tree")]
    TreeFull,
    #[msg("The merkle tree is not the maker's current tree")]
    WrongTree,
    #[msg("Tree depth must be between 3 and 30")]
    InvalidTreeDepth,
    #[msg("The metadata URI base is too long")]
    UriBaseTooLong,
    #[msg("The device is already onboarded")]
    AlreadyOnboarded,
    #[msg("The device is not onboarded")]
    NotOnboarded,
    #[msg("The location is not a valid H3 cell")]
    InvalidLocation,
    #[msg("Elevation must be between -100 and 1000 metres")]
    ElevationOutOfRange,
    #[msg("Gain must be at most 20.0 dBi")]
    GainOutOfRange,
    #[msg("The device belongs to another sub-network")]
    WrongSubNetwork,
    #[msg("The signer is not the sub-network's active-device authority")]
    NotActiveDeviceAuthority,
    #[msg("The DC account holds less than the fee")]
    InsufficientDataCredits,
    #[msg("The device key neither signed the transaction nor an Ed25519 proof of (network, maker, owner, device key, asset id)")]
    DeviceKeyNotProven,
    #[msg("A device with this key was already issued")]
    DeviceAlreadyIssued,
    #[msg("Nothing to update")]
    NothingToUpdate,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("The merkle tree is not an SPL account-compression tree")]
    InvalidMerkleTree,
    #[msg("The asset id is not the Bubblegum asset of this tree and leaf nonce")]
    AssetIdMismatch,
    #[msg("The cNFT proof does not prove the leaf (with the signer as owner) in the tree")]
    InvalidCnftProof,
    #[msg("The cNFT's leaf changed after the root its proof was taken against (transferred or burned?)")]
    CnftLeafModified,
    #[msg("The device record is not this sub-network's")]
    WrongDeviceRecord,
    #[msg("The sub-network's device record already exists")]
    DeviceRecordExists,
    #[msg("The signer is not the maker's authority")]
    NotMakerAuthority,
    #[msg("The maker's authority is not the one the network authority approved (someone else registered this name?)")]
    MakerAuthorityMismatch,
}

impl From<emissions::cnft::CnftError> for DeviceRegistryError {
    fn from(e: emissions::cnft::CnftError) -> Self {
        use emissions::cnft::CnftErrorKind;
        match e.kind() {
            CnftErrorKind::InvalidMerkleTree => Self::InvalidMerkleTree,
            CnftErrorKind::AssetIdMismatch => Self::AssetIdMismatch,
            CnftErrorKind::CnftLeafModified => Self::CnftLeafModified,
            CnftErrorKind::InvalidCnftProof => Self::InvalidCnftProof,
        }
    }
}
