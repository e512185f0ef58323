use anchor_lang::prelude::*;

use emissions::state::Network;

use crate::errors::DataCreditsError;
use crate::events::DataCreditsConfigUpdated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigArgs {
    pub price_oracle: Option<PriceOracle>,
    pub max_dc_minted_per_epoch: Option<u64>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    /// The network's authority: DC has no authority of its own.
    pub authority: Signer<'info>,
    #[account(has_one = authority)]
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
}

/// The network authority changes the DC price source or the circuit breaker. Switching to a
/// Pyth feed starts its price history afresh (`last_price_publish_time` is per feed).
pub fn handler(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    if let Some(oracle) = args.price_oracle {
        validate_price_oracle(&oracle)?;
        if oracle != config.price_oracle {
            config.last_price_publish_time = 0;
        }
        config.price_oracle = oracle;
    }
    if let Some(cap) = args.max_dc_minted_per_epoch {
        require!(cap > 0, DataCreditsError::ZeroMintCap);
        config.max_dc_minted_per_epoch = cap;
    }
    emit_cpi!(DataCreditsConfigUpdated {
        config: config.key(),
        price_oracle: config.price_oracle,
        max_dc_minted_per_epoch: config.max_dc_minted_per_epoch,
    });
    Ok(())
}

/// A fixed price must be positive; an oracle's staleness limit 1 second to 1 hour.
pub fn validate_price_oracle(oracle: &PriceOracle) -> Result<()> {
    match *oracle {
        PriceOracle::Fixed { usd_per_token_e8 } => require!(usd_per_token_e8 > 0, DataCreditsError::ZeroPrice),
        PriceOracle::Pyth { max_age_secs, .. } => {
            require!((1..=3_600).contains(&max_age_secs), DataCreditsError::InvalidMaxPriceAge)
        }
    }
    Ok(())
}
