pub mod create_maker;

pub use create_maker::*;
