//! Checked integer math for money and rewards. Every product is taken in u128 and every
//! division rounds down, i.e. in the network's favour when the result is paid out.

/// `floor(a * b / denominator)`, computed in u128 so the product cannot overflow.
/// `None` when `denominator == 0` or the result does not fit into a u64.
pub fn mul_div_floor(a: u64, b: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    let quotient = (a as u128) * (b as u128) / (denominator as u128);
    u64::try_from(quotient).ok()
}

/// `ceil(a * b / denominator)` in u128: used where the payer owes the network (rounding up
/// charges the payer the last fraction of a base unit instead of the network losing it).
pub fn mul_div_ceil(a: u64, b: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    let product = (a as u128) * (b as u128);
    let quotient = product.div_ceil(denominator as u128);
    u64::try_from(quotient).ok()
}

/// `floor(a * b / denominator)` for a u128 `b <= denominator`, e.g. an emission times a
/// score over the sum of scores. The product can need 192 bits, so it is split:
/// `a * b = hi * 2^64 + lo` with `hi = a * b_hi + (a * b_lo >> 64)` (< 2^128) and
/// `lo = a * b_lo mod 2^64`; since `b <= denominator`, `hi < denominator`, and long division
/// of the remaining 64 low bits yields the (at most 64-bit) quotient exactly.
/// `None` when `denominator == 0` or `b > denominator`.
pub fn mul_div_floor_wide(a: u64, b: u128, denominator: u128) -> Option<u64> {
    if denominator == 0 || b > denominator {
        return None;
    }
    if let Some(product) = (a as u128).checked_mul(b) {
        return u64::try_from(product / denominator).ok();
    }
    let (b_hi, b_lo) = (b >> 64, b & u64::MAX as u128);
    let low_product = (a as u128) * b_lo;
    let mut remainder = (a as u128) * b_hi + (low_product >> 64);
    let lo = low_product as u64;
    let mut quotient: u64 = 0;
    for bit in (0..64).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((lo >> bit) & 1) as u128;
        quotient <<= 1;
        // With a carry the true value is >= 2^128 > denominator.
        if carry == 1 || remainder >= denominator {
            remainder = remainder.wrapping_sub(denominator);
            quotient |= 1;
        }
    }
    Some(quotient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::proptest_seed::config(proptest::test_runner::Config::default().cases))]
        #[test]
        fn mul_div_floor_wide_matches_big_integers(a: u64, b: u128, extra: u128) {
            let denominator = b.saturating_add(extra).max(1);
            let b = b.min(denominator);
            let exact = num_bigint::BigUint::from(a) * num_bigint::BigUint::from(b) / num_bigint::BigUint::from(denominator);
            prop_assert_eq!(num_bigint::BigUint::from(mul_div_floor_wide(a, b, denominator).unwrap()), exact);
        }
    }

    #[test]
    fn mul_div_floor_wide_edges() {
        assert_eq!(mul_div_floor_wide(u64::MAX, u128::MAX, u128::MAX), Some(u64::MAX));
        assert_eq!(mul_div_floor_wide(u64::MAX, u128::MAX - 1, u128::MAX), Some(u64::MAX - 1));
        assert_eq!(mul_div_floor_wide(7, 0, 5), Some(0));
        assert_eq!(mul_div_floor_wide(7, 6, 5), None);
        assert_eq!(mul_div_floor_wide(7, 0, 0), None);
    }

    #[test]
    fn mul_div_floor_rounds_down_and_does_not_overflow() {
        assert_eq!(mul_div_floor(10, 10, 3), Some(33));
        assert_eq!(mul_div_floor(u64::MAX, u64::MAX, u64::MAX), Some(u64::MAX));
        assert_eq!(mul_div_floor(u64::MAX, 2, 1), None);
        assert_eq!(mul_div_floor(1, 1, 0), None);
    }

    #[test]
    fn mul_div_ceil_rounds_up() {
        assert_eq!(mul_div_ceil(10, 10, 3), Some(34));
        assert_eq!(mul_div_ceil(9, 1, 3), Some(3));
        assert_eq!(mul_div_ceil(1, 1, 0), None);
    }
}
