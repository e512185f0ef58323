//! What several civnet programs (and their clients) share. No Anchor dependency: plain Rust
//! compiled into the SBF programs and the host tools alike, unit-tested natively.

pub mod cmt;
pub mod cnft;
pub mod dc;
pub mod h3;
pub mod history;
pub mod math;
#[cfg(test)]
mod proptest_seed;
pub mod rewards;
pub mod schedule;
pub mod score;
pub mod seeds;
