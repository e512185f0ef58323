use anchor_lang::prelude::*;

use crate::errors::DataCreditsError;
use crate::events::DataCreditsConfigUpdated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigArgs {
    pub price_oracle: Option<PriceOracle>,
    pub max_dc_minted_per_epoch: Option<u64>,
    pub authority: Option<Pubkey>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
}

/// The config authority changes the price source, the circuit breaker or hands over.
pub fn handler(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    if let Some(oracle) = args.price_oracle {
        validate_price_oracle(&oracle)?;
        config.price_oracle = oracle;
    }
    if let Some(cap) = args.max_dc_minted_per_epoch {
        require!(cap > 0, DataCreditsError::ZeroMintCap);
        config.max_dc_minted_per_epoch = cap;
    }
    if let Some(authority) = args.authority {
        config.authority = authority;
    }
    emit_cpi!(DataCreditsConfigUpdated {
        config: config.key(),
        price_oracle: config.price_oracle,
        max_dc_minted_per_epoch: config.max_dc_minted_per_epoch,
        authority: config.authority,
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
