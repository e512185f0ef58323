//! Property tests run with a known seed, so that a failure can be replayed:
//! - `PROPTEST_RNG_SEED=<n>` set: that seed;
//! - else, `CI` set: [`CI_SEED`] (.ci/run also exports it as `PROPTEST_RNG_SEED`), so CI runs
//!   the same cases every time;
//! - else: a fresh random seed.
//!
//! The seed is printed (`cargo test` shows it with a failing test's output):
//! `PROPTEST_RNG_SEED=<n> cargo xtask test -- <test name>` reruns the cases.
//!
//! One file for both users: this crate's unit tests (`#[cfg(test)]`: the programs link this
//! crate, proptest stays a dev-dependency) and the test harness (`civnet_harness`), which
//! includes it by path.
use proptest::test_runner::{Config, RngSeed};

pub const CI_SEED: u64 = 20_261_201;

/// The config of a property test running `cases` cases with the seed chosen as above.
pub fn config(cases: u32) -> Config {
    let seed = match std::env::var("PROPTEST_RNG_SEED") {
        Ok(value) => value.parse::<u64>().unwrap_or_else(|_| panic!("PROPTEST_RNG_SEED={value:?} is not a u64")),
        Err(_) if std::env::var_os("CI").is_some() => CI_SEED,
        Err(_) => {
            use std::hash::{BuildHasher, Hasher};
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
            hasher.finish()
        }
    };
    println!("proptest seed {seed}: replay with PROPTEST_RNG_SEED={seed}");
    Config { cases, rng_seed: RngSeed::Fixed(seed), ..Config::default() }
}
