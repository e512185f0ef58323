use anchor_lang::prelude::*;

#[error_code]
pub enum DeviceRegistryError {
    #[msg("Maker names are 1 to 32 characters of a-z, 0-9 and '-'")]
    InvalidMakerName,
}
