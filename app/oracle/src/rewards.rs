//! One sub-network's epoch split among its devices: pure integer math, recomputable by
//! anyone from the epoch's manifest (`GET /v1/epochs/{e}/manifest`).
//!
//! Inputs: `I`, the tokens the chain issued to the sub-network for the epoch
//! (`SubNetworkEpochInfo.issued`); per device its heartbeat slices `h_d` and the DC its
//! usage receipts carried, counted after the payer cap (`dc_d`, [`scale_receipts`]); the
//! DC price `P = tokens / dc` ([`Price`]); the minimum presence `m` ([`Slices`]).
//!
//! ```text
//! value_d  = floor(dc_d * P.tokens / P.dc)                 what the device's DC cost in tokens
//! V        = sum(value_d)
//! data_d   = value_d                       if V <= I        the data-transfer pool: DC carried,
//!          = floor(value_d * I / V)        otherwise        paid at its price, never above I
//! D        = sum(data_d)
//! C        = I - D                                          the coverage pool: the rest
//! q_d      = h_d if h_d >= m, else 0                        presence below m does not qualify
//! cov_d    = floor(C * q_d / sum(q_d))     (0 when no device qualifies)
//! reward_d = data_d + cov_d
//! unallocated = I - D - sum(cov_d)                          rounding and empty pools: stays in escrow
//! ```
//! Products are u128 (u64 * u64 fits); every division rounds down, so the shares never add
//! up to more than `I`. Devices are listed by asset id (bytes), which fixes the reward tree's
//! leaf order; the arithmetic itself does not depend on order.
use anyhow::{bail, Context, Result};

/// How an epoch is cut into slices, one heartbeat counting per device and slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slices {
    /// `max(1, min(3600, epoch_length / 24))`: an hour, or a 24th of a short epoch.
    pub secs: u64,
    /// `ceil(epoch_length / secs)`.
    pub per_epoch: u64,
    /// The minimum presence to share the coverage pool: `max(1, ceil(per_epoch / 8))`
    /// (3 hours of a day).
    pub min_presence: u64,
}

impl Slices {
    pub fn of(epoch_length_secs: u32) -> Self {
        let length = u64::from(epoch_length_secs.max(1));
        let secs = (length / 24).clamp(1, 3600);
        let per_epoch = length.div_ceil(secs);
        Self { secs, per_epoch, min_presence: per_epoch.div_ceil(8).max(1) }
    }

    /// The slice of the epoch that `time` falls in.
    pub fn slice_at(&self, time: i64, epoch_length_secs: u32) -> u64 {
        let time = time.max(0) as u64;
        (time % u64::from(epoch_length_secs.max(1))) / self.secs
    }
}

/// Tokens (base units) per DC as a ratio: DC worth `dc` cost `tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub tokens: u128,
    pub dc: u128,
}

impl Price {
    /// A fixed price of `usd_per_token_e8` USD per whole token (10^8 fixed point) for a token
    /// with `decimals`: one DC is 1/100,000 USD, so `dc` DC cost
    /// `dc * 10^decimals * 10^8 / (usd_per_token_e8 * 100,000)` base units.
    pub fn fixed(usd_per_token_e8: u64, decimals: u8) -> Option<Self> {
        (usd_per_token_e8 > 0).then(|| Self {
            tokens: 10u128.pow(u32::from(decimals)) * 100_000_000,
            dc: u128::from(usd_per_token_e8) * u128::from(civnet_common::dc::DC_PER_USD),
        })
    }

    /// Base units `dc` DC cost, rounded down.
    pub fn value(&self, dc: u64) -> Result<u128> {
        if self.dc == 0 {
            return Ok(0);
        }
        Ok(u128::from(dc).checked_mul(self.tokens).context("DC value overflow")? / self.dc)
    }
}

/// One device's work in the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceWork {
    pub heartbeat_slices: u64,
    pub dc: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Share {
    pub data: u64,
    pub coverage: u64,
}

impl Share {
    pub fn total(&self) -> u64 {
        self.data + self.coverage
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// One per device, in input order.
    pub shares: Vec<Share>,
    pub data_total: u64,
    pub coverage_pool: u64,
    pub coverage_total: u64,
    pub unallocated: u64,
}

/// The epoch's split of `issued` (see the module docs for the formula).
pub fn split(issued: u64, price: Option<Price>, min_presence: u64, work: &[DeviceWork]) -> Result<Split> {
    let values: Vec<u128> = work.iter().map(|w| price.map_or(Ok(0), |p| p.value(w.dc))).collect::<Result<_>>()?;
    let value_total: u128 = values.iter().sum();
    let issued_wide = u128::from(issued);
    let data: Vec<u64> = values
        .iter()
        .map(|&v| {
            let share = if value_total <= issued_wide { v } else { v.checked_mul(issued_wide).context("data share overflow")? / value_total };
            u64::try_from(share).context("data share above u64")
        })
        .collect::<Result<_>>()?;
    let data_total = data.iter().try_fold(0u64, |sum, &d| sum.checked_add(d)).context("data total overflow")?;
    if data_total > issued {
        bail!("data-transfer shares {data_total} exceed the issuance {issued}");
    }
    let coverage_pool = issued - data_total;
    let qualified: Vec<u128> = work.iter().map(|w| if w.heartbeat_slices >= min_presence { u128::from(w.heartbeat_slices) } else { 0 }).collect();
    let presence: u128 = qualified.iter().sum();
    let coverage: Vec<u64> = qualified
        .iter()
        .map(|&q| if presence == 0 { Ok(0) } else { u64::try_from(u128::from(coverage_pool) * q / presence).context("coverage share above u64") })
        .collect::<Result<_>>()?;
    let coverage_total = coverage.iter().try_fold(0u64, |sum, &c| sum.checked_add(c)).context("coverage total overflow")?;
    if coverage_total > coverage_pool {
        bail!("coverage shares {coverage_total} exceed the pool {coverage_pool}");
    }
    Ok(Split {
        shares: data.into_iter().zip(coverage).map(|(data, coverage)| Share { data, coverage }).collect(),
        data_total,
        coverage_pool,
        coverage_total,
        unallocated: coverage_pool - coverage_total,
    })
}

/// A payer's receipts for the epoch against what the chain shows it burned: when the
/// receipts claim more DC than was burned, each receipt counts
/// `floor(dc * burned / claimed)`. Returns the counted DC per receipt, in order.
pub fn scale_receipts(receipts_dc: &[u64], burned: u64) -> Result<Vec<u64>> {
    let claimed: u128 = receipts_dc.iter().map(|&d| u128::from(d)).sum();
    if claimed <= u128::from(burned) {
        return Ok(receipts_dc.to_vec());
    }
    receipts_dc.iter().map(|&d| u64::try_from(u128::from(d) * u128::from(burned) / claimed).context("scaled DC above u64")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_are_hours_or_a_24th_of_short_epochs() {
        assert_eq!(Slices::of(86_400), Slices { secs: 3_600, per_epoch: 24, min_presence: 3 });
        assert_eq!(Slices::of(604_800), Slices { secs: 3_600, per_epoch: 168, min_presence: 21 });
        assert_eq!(Slices::of(240), Slices { secs: 10, per_epoch: 24, min_presence: 3 });
        assert_eq!(Slices::of(20), Slices { secs: 1, per_epoch: 20, min_presence: 3 });
        assert_eq!(Slices::of(1), Slices { secs: 1, per_epoch: 1, min_presence: 1 });
        let day = Slices::of(86_400);
        assert_eq!((day.slice_at(86_400 * 5, 86_400), day.slice_at(86_400 * 5 + 3_599, 86_400), day.slice_at(86_400 * 6 - 1, 86_400)), (0, 0, 23));
    }

    #[test]
    fn a_fixed_price_of_one_fifty_makes_150k_dc_one_token() {
        let price = Price::fixed(150_000_000, 6).unwrap();
        assert_eq!(price.value(150_000).unwrap(), 1_000_000);
        assert_eq!(price.value(1).unwrap(), 6, "6.67 base units, rounded down");
        assert!(Price::fixed(0, 6).is_none());
    }

    #[test]
    fn data_is_paid_at_its_price_up_to_the_issuance_and_coverage_takes_the_rest() {
        let price = Some(Price { tokens: 1, dc: 1 });
        let work = [
            DeviceWork { heartbeat_slices: 24, dc: 100 },
            DeviceWork { heartbeat_slices: 12, dc: 0 },
            DeviceWork { heartbeat_slices: 2, dc: 50 }, // carries data, too absent for coverage
            DeviceWork { heartbeat_slices: 0, dc: 0 },
        ];
        let s = split(1_000, price, 3, &work).unwrap();
        assert_eq!(s.data_total, 150);
        assert_eq!(s.coverage_pool, 850);
        // 850 * 24/36 = 566.67 -> 566; 850 * 12/36 = 283.33 -> 283.
        assert_eq!(s.shares, vec![Share { data: 100, coverage: 566 }, Share { data: 0, coverage: 283 }, Share { data: 50, coverage: 0 }, Share::default()]);
        assert_eq!(s.unallocated, 1);
        // More DC value than issuance: data is scaled to the issuance, nothing left for coverage.
        let s = split(100, price, 3, &work).unwrap();
        assert_eq!((s.shares[0].data, s.shares[2].data, s.coverage_pool, s.coverage_total, s.unallocated), (66, 33, 1, 0, 1));
        // Nobody present: all unallocated.
        let s = split(100, None, 3, &[DeviceWork { heartbeat_slices: 1, dc: 5 }]).unwrap();
        assert_eq!((s.data_total, s.coverage_total, s.unallocated), (0, 0, 100));
        // Extremes stay exact.
        let work = [DeviceWork { heartbeat_slices: u64::MAX, dc: u64::MAX / 2 }, DeviceWork { heartbeat_slices: u64::MAX, dc: u64::MAX / 2 }];
        let s = split(u64::MAX, Some(Price { tokens: 1, dc: 1 }), 1, &work).unwrap();
        assert_eq!(s.shares.iter().map(Share::total).sum::<u64>() + s.unallocated, u64::MAX);
    }

    #[test]
    fn receipts_above_the_burn_are_scaled_pro_rata() {
        assert_eq!(scale_receipts(&[10, 20], 30).unwrap(), vec![10, 20]);
        assert_eq!(scale_receipts(&[10, 20], 15).unwrap(), vec![5, 10]);
        assert_eq!(scale_receipts(&[1, 1, 1], 2).unwrap(), vec![0, 0, 0]);
        assert_eq!(scale_receipts(&[7], 0).unwrap(), vec![0]);
    }
}
