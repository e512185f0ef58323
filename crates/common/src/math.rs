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

#[cfg(test)]
mod tests {
    use super::*;

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
