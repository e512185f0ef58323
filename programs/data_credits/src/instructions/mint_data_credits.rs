use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use civnet_common::dc;
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use crate::errors::DataCreditsError;
use crate::events::DataCreditsMinted;
use crate::state::*;

/// Exactly one of the two: burn `token_amount` base units for as much DC as they buy, or
/// buy exactly `dc_amount` DC for as few base units as it costs.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default)]
pub struct MintDataCreditsArgs {
    pub token_amount: Option<u64>,
    pub dc_amount: Option<u64>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct MintDataCredits<'info> {
    /// Owns the network tokens that are burned.
    pub owner: Signer<'info>,
    #[account(mut, has_one = network_mint, has_one = dc_mint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    /// CHECK: the config's network token mint (has_one); Token-2022's burn checks the rest.
    /// Not deserialized: its decimals are in the config.
    #[account(mut)]
    pub network_mint: UncheckedAccount<'info>,
    #[account(mut, token::mint = network_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_tokens: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the config's DC mint (has_one); Token-2022's mint_to checks the rest.
    #[account(mut)]
    pub dc_mint: UncheckedAccount<'info>,
    /// CHECK: any DC account (customers may buy DC for someone else): Token-2022's mint_to
    /// refuses an account of another mint. Not deserialized to save compute.
    #[account(mut)]
    pub recipient_dc: UncheckedAccount<'info>,
    /// The Pyth pull-oracle price update (owner checked: the Pyth receiver program), for
    /// networks priced by a feed; omitted for a fixed price.
    pub price_update: Option<Box<Account<'info, PriceUpdateV2>>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// A price to buy DC at: `mantissa * 10^exponent` USD per whole token.
struct DcPrice {
    mantissa: u64,
    exponent: i32,
    confidence: u64,
}

/// The DC price from a Pyth update: fully verified, of the configured feed, at most
/// `max_age_secs` old, not older than the newest price already used (`last_used`: a buyer
/// cannot pick an older, better price from the window), and lowered by twice its confidence
/// interval so a customer never gets DC at an inflated price:
/// `(price - 2 * conf) * 10^exponent` USD per token. Returns the price and its publish time.
fn pyth_price(update: &PriceUpdateV2, feed_id: &[u8; 32], max_age_secs: u32, last_used: i64) -> Result<(DcPrice, i64)> {
    require!(update.verification_level == VerificationLevel::Full, DataCreditsError::PriceNotFullyVerified);
    let message = &update.price_message;
    require!(message.feed_id == *feed_id, DataCreditsError::WrongPriceFeed);
    let now = Clock::get()?.unix_timestamp;
    require!(message.publish_time.saturating_add(max_age_secs as i64) >= now, DataCreditsError::StalePrice);
    require!(message.publish_time >= last_used, DataCreditsError::PriceOlderThanLastUsed);
    let lowered = message.price as i128 - 2 * message.conf as i128;
    require!(lowered > 0, DataCreditsError::PriceTooUncertain);
    let mantissa = u64::try_from(lowered).map_err(|_| DataCreditsError::ArithmeticOverflow)?;
    Ok((DcPrice { mantissa, exponent: message.exponent, confidence: message.conf }, message.publish_time))
}

/// Burns the owner's network tokens and mints DC at the configured price (formulas and
/// rounding in `civnet_common::dc`), within the per-epoch circuit breaker.
pub fn handler(ctx: Context<MintDataCredits>, args: MintDataCreditsArgs) -> Result<()> {
    let config = &ctx.accounts.config;
    let (DcPrice { mantissa, exponent, confidence }, publish_time) = match config.price_oracle {
        PriceOracle::Fixed { usd_per_token_e8 } => (DcPrice { mantissa: usd_per_token_e8, exponent: -8, confidence: 0 }, config.last_price_publish_time),
        PriceOracle::Pyth { feed_id, max_age_secs } => {
            let update = ctx.accounts.price_update.as_ref().ok_or(DataCreditsError::PriceUpdateRequired)?;
            pyth_price(update, &feed_id, max_age_secs, config.last_price_publish_time)?
        }
    };
    let decimals = ctx.accounts.config.network_mint_decimals;
    let (tokens, dc_amount) = match (args.token_amount, args.dc_amount) {
        (Some(tokens), None) => {
            require!(tokens > 0, DataCreditsError::ZeroAmount);
            let dc_amount = dc::dc_for_tokens(tokens, decimals, mantissa, exponent).ok_or(DataCreditsError::ArithmeticOverflow)?;
            (tokens, dc_amount)
        }
        (None, Some(dc_amount)) => {
            require!(dc_amount > 0, DataCreditsError::ZeroAmount);
            let tokens = dc::tokens_for_dc(dc_amount, decimals, mantissa, exponent).ok_or(DataCreditsError::ArithmeticOverflow)?;
            (tokens, dc_amount)
        }
        _ => return err!(DataCreditsError::AmountChoice),
    };
    require!(dc_amount > 0, DataCreditsError::AmountTooSmall);
    require!(ctx.accounts.owner_tokens.amount >= tokens, DataCreditsError::InsufficientTokens);

    // Circuit breaker: DC minted in the network's current epoch stays under the cap.
    let epoch = ctx.accounts.config.current_epoch()?;
    let config = &mut ctx.accounts.config;
    if config.mint_window_epoch != epoch {
        config.mint_window_epoch = epoch;
        config.minted_this_epoch = 0;
    }
    let minted = config.minted_this_epoch.checked_add(dc_amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    require!(minted <= config.max_dc_minted_per_epoch, DataCreditsError::MintCapExceeded);
    config.minted_this_epoch = minted;
    config.last_price_publish_time = publish_time;
    config.total_dc_minted = config.total_dc_minted.checked_add(dc_amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    config.total_tokens_burned = config.total_tokens_burned.checked_add(tokens).ok_or(DataCreditsError::ArithmeticOverflow)?;

    let accounts = &ctx.accounts;
    crate::token_ops::burn(
        &accounts.token_program.to_account_info(),
        accounts.network_mint.to_account_info(),
        accounts.owner_tokens.to_account_info(),
        accounts.owner.to_account_info(),
        &[],
        tokens,
    )?;
    let network_key = accounts.config.network;
    let config_seeds: &[&[&[u8]]] = &[&[DC_CONFIG_SEED, network_key.as_ref(), &[accounts.config.bump]]];
    crate::token_ops::mint_dc(
        &accounts.token_program.to_account_info(),
        accounts.dc_mint.to_account_info(),
        accounts.recipient_dc.to_account_info(),
        accounts.config.to_account_info(),
        config_seeds,
        dc_amount,
    )?;
    emit_cpi!(DataCreditsMinted {
        network: network_key,
        payer: accounts.owner.key(),
        recipient: accounts.recipient_dc.key(),
        tokens_burned: tokens,
        dc_minted: dc_amount,
        price_mantissa: mantissa,
        price_exponent: exponent,
        confidence,
    });
    Ok(())
}
