//! civnet's client crate, shared by the CLI, the indexer and the tests. It starts with the
//! addresses of every civnet account; instruction builders and the chain engine move here
//! from the test harness as the CLI is built.
pub mod pda;
