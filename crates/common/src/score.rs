//! Per-epoch utility score of a sub-network.
//!
//! ```text
//! dc_usd       = dc_burned / DC_PER_USD                       ($1 = 100,000 DC)
//! score        = 0                                            if active_devices == 0
//!              = max(1, sqrt(dc_usd)) * max(1, cbrt(active_devices))   otherwise
//! ```
//! Each factor is a fixed-point number with [`FACTOR_SCALE`] (10^6) units per 1, floored;
//! the score is their product (10^12 units per 1) in u128. The square root rewards usage with
//! diminishing returns, the cube root rewards coverage more gently still, and the `max(1, ..)`
//! floors keep a sub-network with active devices from scoring zero.
//!
//! A sub-network without active devices scores 0 whatever was burned for it: its escrow
//! would hold the share with nobody able to earn it, and with the usage floor a dust burn
//! (1 DC, 10^-5 USD) would otherwise buy it a full `1 / total` share of the emission. Below
//! $1 of usage the usage factor is its floor, 1, so burns under $1 change no share at all.

/// Data credits per US dollar.
pub const DC_PER_USD: u64 = 100_000;
/// Fixed-point units per 1.0 of each factor.
pub const FACTOR_SCALE: u128 = 1_000_000;

/// `floor(sqrt(n))` for u128 (Newton's method from a power-of-two upper bound).
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let bits = 128 - n.leading_zeros();
    let mut x: u128 = 1 << bits.div_ceil(2); // >= sqrt(n)
    loop {
        let y = (x + n / x) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// `floor(cbrt(n))` for u128 (Newton's method from a power-of-two upper bound).
pub fn icbrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let bits = 128 - n.leading_zeros();
    let mut x: u128 = 1 << bits.div_ceil(3); // >= cbrt(n)
    loop {
        let y = (2 * x + n / (x * x)) / 3;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// `max(1, sqrt(dc_burned / DC_PER_USD))` in 10^6 fixed point:
/// `sqrt(dc_burned / 10^5 * 10^12) = sqrt(dc_burned * 10^7)`; `dc_burned * 10^7 < 2^88`.
pub fn usage_factor(dc_burned: u64) -> u128 {
    let scaled = dc_burned as u128 * (FACTOR_SCALE * FACTOR_SCALE / DC_PER_USD as u128);
    isqrt(scaled).max(FACTOR_SCALE)
}

/// `max(1, cbrt(active_devices))` in 10^6 fixed point: `cbrt(active_devices * 10^18)`;
/// `active_devices * 10^18 < 2^124`.
pub fn coverage_factor(active_devices: u64) -> u128 {
    let scaled = active_devices as u128 * (FACTOR_SCALE * FACTOR_SCALE * FACTOR_SCALE);
    icbrt(scaled).max(FACTOR_SCALE)
}

/// The utility score (10^12 fixed point). The largest possible value, with both inputs at
/// u64::MAX, is about 3.5e25, far below u128::MAX, so sums over sub-networks cannot overflow.
pub fn utility_score(dc_burned: u64, active_devices: u64) -> u128 {
    if active_devices == 0 {
        return 0;
    }
    usage_factor(dc_burned) * coverage_factor(active_devices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn roots_are_exact_on_perfect_powers() {
        assert_eq!(isqrt(0), 0);
        assert_eq!(isqrt(99), 9);
        assert_eq!(isqrt(100), 10);
        assert_eq!(isqrt(u128::MAX), u64::MAX as u128);
        assert_eq!(icbrt(26), 2);
        assert_eq!(icbrt(27), 3);
        assert_eq!(icbrt(1_000_000_000_000_000_000), 1_000_000);
        assert_eq!(icbrt(u128::MAX), 6_981_463_658_331);
    }

    #[test]
    fn score_examples() {
        assert_eq!(utility_score(0, 0), 0);
        // Burns without active devices score nothing: no dust can buy a share.
        assert_eq!(utility_score(1, 0), 0);
        assert_eq!(utility_score(u64::MAX, 0), 0);
        // One device, nothing burned: 1 * 1.
        assert_eq!(utility_score(0, 1), 1_000_000_000_000);
        // $100 burned (10^7 DC) and 8 devices: sqrt(100) * cbrt(8) = 10 * 2.
        assert_eq!(utility_score(10_000_000, 8), 20_000_000_000_000);
        // $0.25 burned: sqrt < 1 is floored to 1, the same as no burn at all.
        assert_eq!(utility_score(25_000, 1), utility_score(0, 1));
        assert_eq!(utility_score(1, 1), utility_score(0, 1));
        assert!(utility_score(u64::MAX, u64::MAX) < u128::MAX / 1_000_000);
    }

    proptest! {
        #[test]
        fn isqrt_is_the_floor_root(n: u128) {
            let r = isqrt(n);
            prop_assert!(r * r <= n);
            prop_assert!((r + 1).checked_mul(r + 1).is_none_or(|sq| sq > n));
        }

        #[test]
        fn icbrt_is_the_floor_root(n: u128) {
            let r = icbrt(n);
            prop_assert!(r * r * r <= n);
            prop_assert!((r + 1).checked_mul(r + 1).and_then(|sq| sq.checked_mul(r + 1)).is_none_or(|c| c > n));
        }

        #[test]
        fn score_grows_with_burns_and_devices(dc in 0u64..u64::MAX / 2, devices in 0u64..u64::MAX / 2) {
            prop_assert!(utility_score(dc * 2, devices) >= utility_score(dc, devices));
            prop_assert!(utility_score(dc, devices * 2) >= utility_score(dc, devices));
        }
    }
}
