use anchor_lang::prelude::*;

#[error_code]
pub enum DataCreditsError {
    #[msg("The network token mint does not belong to this network")]
    WrongNetworkMint,
    #[msg("The fixed price must be greater than zero")]
    ZeroPrice,
    #[msg("The oracle staleness limit must be between 1 second and 1 hour")]
    InvalidMaxPriceAge,
    #[msg("The DC mint circuit breaker must allow at least one DC per epoch")]
    ZeroMintCap,
}
