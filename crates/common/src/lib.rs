//! What several civnet programs (and their clients) share. No Anchor dependency: pure Rust,
//! compiled into the SBF programs and the host tools alike, unit-tested natively.

pub mod math;
pub mod schedule;
pub mod seeds;
