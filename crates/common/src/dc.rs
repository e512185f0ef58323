//! Data-credit pricing. A price is Pyth-style: `mantissa * 10^exponent` US dollars per whole
//! network token; $1 buys [`DC_PER_USD`] DC; a token has `decimals` decimal places.
//!
//! ```text
//! dc(tokens)  = floor(tokens * mantissa * DC_PER_USD * 10^exponent / 10^decimals)
//! tokens(dc)  = ceil (dc * 10^decimals / (mantissa * DC_PER_USD * 10^exponent))
//! ```
//! Both round in the network's favour: the customer never gets a fraction of a DC more,
//! nor pays a fraction of a base unit less, than the price implies. Products are u128;
//! `None` when a result does not fit or the scale exponent is outside `-38..=38`.
pub use crate::score::DC_PER_USD;

fn pow10(exp: u32) -> Option<u128> {
    10u128.checked_pow(exp)
}

/// DC bought by burning `tokens` base units at `mantissa * 10^exponent` USD per token.
pub fn dc_for_tokens(tokens: u64, decimals: u8, mantissa: u64, exponent: i32) -> Option<u64> {
    let value = (tokens as u128).checked_mul(mantissa as u128)?.checked_mul(DC_PER_USD as u128)?;
    // value * 10^exponent / 10^decimals = value / 10^(decimals - exponent)
    let shift = decimals as i32 - exponent;
    let dc = if shift >= 0 { value / pow10(shift as u32)? } else { value.checked_mul(pow10((-shift) as u32)?)? };
    u64::try_from(dc).ok()
}

/// Base units to burn for `dc` DC at `mantissa * 10^exponent` USD per token, rounded up.
pub fn tokens_for_dc(dc: u64, decimals: u8, mantissa: u64, exponent: i32) -> Option<u64> {
    if mantissa == 0 {
        return None;
    }
    let price = (mantissa as u128).checked_mul(DC_PER_USD as u128)?;
    let shift = decimals as i32 - exponent;
    let tokens = if shift >= 0 {
        (dc as u128).checked_mul(pow10(shift as u32)?)?.div_ceil(price)
    } else {
        (dc as u128).div_ceil(price.checked_mul(pow10((-shift) as u32)?)?)
    };
    u64::try_from(tokens).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_token_at_a_dollar_fifty_buys_150k_dc() {
        // 1 token (6 decimals) at $1.50 (150_000_000e-8) = 150,000 DC.
        assert_eq!(dc_for_tokens(1_000_000, 6, 150_000_000, -8), Some(150_000));
        assert_eq!(tokens_for_dc(150_000, 6, 150_000_000, -8), Some(1_000_000));
        // 1 DC costs 6.67 base units: rounded up to 7.
        assert_eq!(tokens_for_dc(1, 6, 150_000_000, -8), Some(7));
        assert_eq!(dc_for_tokens(6, 6, 150_000_000, -8), Some(0));
        assert_eq!(tokens_for_dc(1, 6, 0, -8), None);
        assert_eq!(dc_for_tokens(u64::MAX, 6, u64::MAX, -8), None);
    }

    proptest! {
        #![proptest_config(crate::proptest_seed::config(proptest::test_runner::Config::default().cases))]
        #[test]
        fn buying_dc_never_undercharges(dc in 1u64..1_000_000_000_000, mantissa in 1u64..10_000_000_000_000, exponent in -12i32..=0, decimals in 0u8..=9) {
            if let Some(tokens) = tokens_for_dc(dc, decimals, mantissa, exponent) {
                // Those tokens buy at least the DC asked for, one base unit less buys fewer.
                prop_assert!(dc_for_tokens(tokens, decimals, mantissa, exponent).is_none_or(|got| got >= dc));
                if tokens > 0 {
                    prop_assert!(dc_for_tokens(tokens - 1, decimals, mantissa, exponent).is_some_and(|got| got < dc));
                }
            }
        }
    }
}
