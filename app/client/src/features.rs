//! Which runtime feature gates civnet's engines run with: mainnet-beta's. litesvm starts with
//! the features active on mainnet-beta (its `MAINNET_ACTIVE_FEATURES`, read off the cluster on
//! 2026-09-27); solana-test-validator starts with every feature it knows active, so it is
//! started with `--deactivate-feature` for each one mainnet does not have. Both engines then
//! run what users deploy to, not a future cluster (e.g. SIMD-0500's refusal of non-v3 deploys
//! is active in a default test validator, not on mainnet).
use anchor_lang::prelude::Pubkey;
use std::collections::HashSet;

/// Feature gates active on mainnet-beta (litesvm's snapshot).
pub fn active_on_mainnet() -> HashSet<Pubkey> {
    litesvm::features::MAINNET_ACTIVE_FEATURES.iter().map(|(id, _)| *id).collect()
}

/// Every feature gate agave knows that is not active on mainnet-beta, sorted.
pub fn inactive_on_mainnet() -> Vec<Pubkey> {
    let active = active_on_mainnet();
    let mut inactive: Vec<Pubkey> = agave_feature_set::FEATURE_NAMES.keys().filter(|id| !active.contains(id)).copied().collect();
    inactive.sort();
    inactive
}
