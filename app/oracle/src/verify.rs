//! The checks a report passes, cheapest first, and the names of its rejections.
//!
//! 1. size, encoding and version ([`crate::report::decode`]);
//! 2. time: the oracle's receive time decides the epoch; the report's own time (heartbeat
//!    timestamp, receipt end) must fall in the same epoch and within [`MAX_CLOCK_SKEW_SECS`]
//!    of it (a receipt may be up to [`MAX_RECEIPT_AGE_SECS`] old); a closed epoch takes nothing;
//! 3. entropy: issued by this oracle, at most [`ENTROPY_LIFETIME_SECS`] before receipt;
//! 4. chain (the index): the sub-network exists and this oracle is its rewards oracle; the
//!    device is issued, not retired, onboarded to this sub-network (active or not); a usage
//!    receipt's router has a DC escrow in the sub-network and pays from it;
//! 5. keys: weak (small-order) keys refused, as `verify_strict` does;
//! 6. signatures, in batches ([`verify_signatures`]);
//! 7. uniqueness, by the database's keys: one heartbeat per device and slice, one receipt
//!    per session id and sub-network (across routers); the very same report again is a replay.
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signature, VerifyingKey};

/// A device clock this far from the oracle's is refused.
pub const MAX_CLOCK_SKEW_SECS: i64 = 120;
/// How long after its end an epoch is closed unless the operator says otherwise: a quarter
/// of the epoch, at most [`MAX_CLOCK_SKEW_SECS`].
pub fn default_close_grace(epoch_length_secs: u32) -> i64 {
    (i64::from(epoch_length_secs) / 4).min(MAX_CLOCK_SKEW_SECS)
}

/// A usage receipt may arrive this long after its session ended (same epoch still required).
pub const MAX_RECEIPT_AGE_SECS: i64 = 600;
/// Entropy from `GET /v1/entropy` is good for this long after it was issued ...
pub const ENTROPY_LIFETIME_SECS: i64 = 180;
/// ... and a new one is issued this often.
pub const ENTROPY_ROTATION_SECS: i64 = 60;
/// Signatures per `verify_batch` call; a failing batch is re-checked one by one.
pub const SIGNATURE_BATCH: usize = 256;

/// Why a report was not accepted. The snake_case name is what the API answers and the
/// database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Oversized,
    Malformed,
    UnsupportedVersion,
    EpochClosed,
    PastEpoch,
    FutureEpoch,
    ClockSkew,
    UnknownEntropy,
    StaleEntropy,
    UnknownSubNetwork,
    SubNetworkNotServed,
    UnknownDevice,
    RetiredDevice,
    NotOnboarded,
    WrongSubNetwork,
    WeakKey,
    InvalidUsage,
    RouterNotAllowed,
    WrongPayer,
    BadSignature,
    BadRouterSignature,
    Replayed,
    DuplicateSlice,
    DuplicateSession,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Oversized => "oversized",
            Reason::Malformed => "malformed",
            Reason::UnsupportedVersion => "unsupported_version",
            Reason::EpochClosed => "epoch_closed",
            Reason::PastEpoch => "past_epoch",
            Reason::FutureEpoch => "future_epoch",
            Reason::ClockSkew => "clock_skew",
            Reason::UnknownEntropy => "unknown_entropy",
            Reason::StaleEntropy => "stale_entropy",
            Reason::UnknownSubNetwork => "unknown_sub_network",
            Reason::SubNetworkNotServed => "sub_network_not_served",
            Reason::UnknownDevice => "unknown_device",
            Reason::RetiredDevice => "retired_device",
            Reason::NotOnboarded => "not_onboarded",
            Reason::WrongSubNetwork => "wrong_sub_network",
            Reason::WeakKey => "weak_key",
            Reason::InvalidUsage => "invalid_usage",
            Reason::RouterNotAllowed => "router_not_allowed",
            Reason::WrongPayer => "wrong_payer",
            Reason::BadSignature => "bad_signature",
            Reason::BadRouterSignature => "bad_router_signature",
            Reason::Replayed => "replayed",
            Reason::DuplicateSlice => "duplicate_slice",
            Reason::DuplicateSession => "duplicate_session",
        }
    }
}

impl From<crate::report::DecodeError> for Reason {
    fn from(error: crate::report::DecodeError) -> Self {
        match error {
            crate::report::DecodeError::Oversized => Reason::Oversized,
            crate::report::DecodeError::Malformed => Reason::Malformed,
            crate::report::DecodeError::UnsupportedVersion => Reason::UnsupportedVersion,
        }
    }
}

/// A rejection with a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub reason: Reason,
    pub detail: String,
}

impl Rejection {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Self {
        Self { reason, detail: detail.into() }
    }
}

/// Where a report's time puts it: `epoch` by the oracle's receive time, checked against the
/// report's own `report_time` (heartbeat timestamp or receipt end). `closed`: the oracle has
/// closed `epoch` for the report's sub-network.
pub fn check_time(received_at: i64, report_time: i64, epoch_length_secs: u32, max_age: i64, closed: impl Fn(u64) -> bool) -> Result<u64, Rejection> {
    let epoch = civnet_common::schedule::epoch_at(received_at, epoch_length_secs);
    if closed(epoch) {
        return Err(Rejection::new(Reason::EpochClosed, format!("epoch {epoch} is closed")));
    }
    let own = civnet_common::schedule::epoch_at(report_time, epoch_length_secs);
    if report_time < 0 || own < epoch {
        return Err(Rejection::new(Reason::PastEpoch, format!("made at {report_time}, in epoch {own}; received in epoch {epoch}")));
    }
    if own > epoch {
        return Err(Rejection::new(Reason::FutureEpoch, format!("made at {report_time}, in epoch {own}; received in epoch {epoch}")));
    }
    if report_time > received_at + MAX_CLOCK_SKEW_SECS || report_time < received_at - max_age {
        return Err(Rejection::new(Reason::ClockSkew, format!("made at {report_time}, received at {received_at}")));
    }
    Ok(epoch)
}

/// Whether entropy issued at `issued_at` is good for a report received at `received_at`.
pub fn check_entropy(issued_at: Option<i64>, received_at: i64) -> Result<(), Rejection> {
    match issued_at {
        None => Err(Rejection::new(Reason::UnknownEntropy, "this oracle never issued that entropy")),
        Some(issued) if received_at > issued + ENTROPY_LIFETIME_SECS || received_at < issued => {
            Err(Rejection::new(Reason::StaleEntropy, format!("entropy issued at {issued}, good for {ENTROPY_LIFETIME_SECS} s; received at {received_at}")))
        }
        Some(_) => Ok(()),
    }
}

/// The key as a verifying key, refusing points that do not decode and small-order (weak) keys.
pub fn strict_key(bytes: &[u8; 32]) -> Result<VerifyingKey, Rejection> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| Rejection::new(Reason::WeakKey, "the key is not a curve point"))?;
    if key.is_weak() {
        return Err(Rejection::new(Reason::WeakKey, "the key has small order"));
    }
    Ok(key)
}

/// One signature to check.
pub struct SignatureCheck<'a> {
    pub key: VerifyingKey,
    pub message: &'a [u8],
    pub signature: [u8; 64],
}

/// `verify_strict` semantics at batch speed: R must be a canonical encoding of a point of
/// large order (checked here, as `verify_strict` does), keys were checked by [`strict_key`],
/// then `verify_batch` in batches of [`SIGNATURE_BATCH`]; a batch that fails is verified one
/// by one (`verify_strict`) to find the bad ones. Batches are spread over the machine's cores.
/// Returns one verdict per check.
pub fn verify_signatures(checks: &[SignatureCheck]) -> Vec<bool> {
    let mut verdicts = vec![false; checks.len()];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = checks.len().div_ceil(threads).max(SIGNATURE_BATCH);
    std::thread::scope(|scope| {
        for (checks, verdicts) in checks.chunks(per_thread).zip(verdicts.chunks_mut(per_thread)) {
            scope.spawn(move || verify_chunk(checks, verdicts));
        }
    });
    verdicts
}

fn verify_chunk(checks: &[SignatureCheck], verdicts: &mut [bool]) {
    for (i, check) in checks.iter().enumerate() {
        verdicts[i] = strict_r(&check.signature);
    }
    let candidates: Vec<usize> = (0..checks.len()).filter(|&i| verdicts[i]).collect();
    for batch in candidates.chunks(SIGNATURE_BATCH) {
        let messages: Vec<&[u8]> = batch.iter().map(|&i| checks[i].message).collect();
        let signatures: Vec<Signature> = batch.iter().map(|&i| Signature::from_bytes(&checks[i].signature)).collect();
        let keys: Vec<VerifyingKey> = batch.iter().map(|&i| checks[i].key).collect();
        if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
            continue;
        }
        for (&i, signature) in batch.iter().zip(&signatures) {
            verdicts[i] = checks[i].key.verify_strict(checks[i].message, signature).is_ok();
        }
    }
}

/// [`strict_key`] of every key, spread over the machine's cores.
pub fn strict_keys(keys: &[[u8; 32]]) -> std::collections::HashMap<[u8; 32], Result<VerifyingKey, Rejection>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = keys.len().div_ceil(threads).max(256);
    std::thread::scope(|scope| {
        let handles: Vec<_> = keys.chunks(per_thread).map(|chunk| scope.spawn(move || chunk.iter().map(|k| (*k, strict_key(k))).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("key parsing thread")).collect()
    })
}

/// R (the signature's first half) decodes canonically to a point that is not of small order.
fn strict_r(signature: &[u8; 64]) -> bool {
    let r: [u8; 32] = signature[..32].try_into().expect("32 bytes");
    match CompressedEdwardsY(r).decompress() {
        Some(point) => !point.is_small_order() && point.compress().to_bytes() == r,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civnet_client::{Keypair, Signer};

    #[test]
    fn an_epoch_is_closed_a_quarter_epoch_after_its_end_and_at_most_two_minutes() {
        assert_eq!(default_close_grace(30), 7, "localnet's 30-second epochs");
        assert_eq!(default_close_grace(60), 15);
        assert_eq!(default_close_grace(86_400), 120, "daily epochs");
        assert_eq!(default_close_grace(1), 0);
        assert_eq!(default_close_grace(u32::MAX), MAX_CLOCK_SKEW_SECS);
    }

    #[test]
    fn the_receive_time_decides_the_epoch_and_the_report_time_must_agree() {
        let never = |_| false;
        assert_eq!(check_time(1_000, 1_000, 100, 0, never), Ok(10));
        assert_eq!(check_time(1_050, 1_000, 100, 60, never), Ok(10));
        assert_eq!(check_time(1_000, 999, 100, 60, never).unwrap_err().reason, Reason::PastEpoch);
        assert_eq!(check_time(1_099, 1_100, 100, 60, never).unwrap_err().reason, Reason::FutureEpoch);
        assert_eq!(check_time(1_000, 1_000 + 20, 1_000, 60, never), Ok(1));
        assert_eq!(check_time(1_000, 1_000 + MAX_CLOCK_SKEW_SECS + 1, 10_000, 60, never).unwrap_err().reason, Reason::ClockSkew);
        assert_eq!(check_time(1_000, 1_000 - 61, 10_000, 60, never).unwrap_err().reason, Reason::ClockSkew);
        assert_eq!(check_time(1_000, 1_000, 100, 0, |e| e == 10).unwrap_err().reason, Reason::EpochClosed);
        assert_eq!(check_time(1_000, -5, 100, 0, never).unwrap_err().reason, Reason::PastEpoch);
    }

    #[test]
    fn entropy_is_good_for_its_lifetime_only() {
        assert!(check_entropy(Some(100), 100).is_ok());
        assert!(check_entropy(Some(100), 100 + ENTROPY_LIFETIME_SECS).is_ok());
        assert_eq!(check_entropy(Some(100), 101 + ENTROPY_LIFETIME_SECS).unwrap_err().reason, Reason::StaleEntropy);
        assert_eq!(check_entropy(Some(100), 99).unwrap_err().reason, Reason::StaleEntropy);
        assert_eq!(check_entropy(None, 100).unwrap_err().reason, Reason::UnknownEntropy);
    }

    #[test]
    fn batches_find_every_bad_signature_and_weak_keys_are_refused() {
        let keys: Vec<Keypair> = (0..300).map(|_| Keypair::new()).collect();
        let messages: Vec<Vec<u8>> = (0..300u32).map(|i| format!("message {i}").into_bytes()).collect();
        let mut signatures: Vec<[u8; 64]> = keys.iter().zip(&messages).map(|(k, m)| *k.sign_message(m).as_array()).collect();
        signatures[3][40] ^= 1; // forged s
        signatures[290] = *keys[0].sign_message(&messages[290]).as_array(); // another key's signature
        let checks: Vec<SignatureCheck> = keys
            .iter()
            .zip(&messages)
            .zip(&signatures)
            .map(|((k, m), s)| SignatureCheck { key: strict_key(&k.pubkey().to_bytes()).unwrap(), message: m, signature: *s })
            .collect();
        let verdicts = verify_signatures(&checks);
        let bad: Vec<usize> = (0..300).filter(|&i| !verdicts[i]).collect();
        assert_eq!(bad, vec![3, 290]);
        // The identity point (small order) as a key, and an R of small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(strict_key(&identity).unwrap_err().reason, Reason::WeakKey);
        let mut small_r = signatures[0];
        small_r[..32].copy_from_slice(&identity);
        assert!(!strict_r(&small_r));
    }
}
