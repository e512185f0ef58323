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
    #[msg("Give exactly one of token_amount and dc_amount")]
    AmountChoice,
    #[msg("The amount must be greater than zero")]
    ZeroAmount,
    #[msg("The amount buys no DC at the current price")]
    AmountTooSmall,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("Minting would exceed the DC circuit breaker for this epoch")]
    MintCapExceeded,
    #[msg("This network prices DC with a Pyth feed; pass its price update account")]
    PriceUpdateRequired,
    #[msg("The payer holds fewer network tokens than the DC cost")]
    InsufficientTokens,
    #[msg("The burn's sequence number is not above the escrow's last one (replay or out of order)")]
    StaleSequence,
    #[msg("The escrow holds less DC than the burn")]
    EscrowBalanceTooLow,
    #[msg("Router keys are 1 to 64 bytes")]
    InvalidRouterKey,
    #[msg("The price update is for another feed")]
    WrongPriceFeed,
    #[msg("The price update is not fully verified")]
    PriceNotFullyVerified,
    #[msg("The price is older than the configured staleness limit")]
    StalePrice,
    #[msg("The price minus twice its confidence interval is not positive")]
    PriceTooUncertain,
    #[msg("The sub-network belongs to another network")]
    WrongNetwork,
    #[msg("The usage-burn record is not this sub-network's")]
    WrongBurnRecord,
    #[msg("The DC account is not owned by the escrow")]
    WrongEscrowAccount,
    #[msg("The sub-network's usage-burn record already exists")]
    BurnRecordExists,
    #[msg("The mint is not the network's DC mint")]
    WrongDcMint,
    #[msg("The price update is older than the newest price already used to mint DC")]
    PriceOlderThanLastUsed,
}
