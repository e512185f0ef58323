// Anchor's #[program] needs every Accounts struct (and its generated client module) at
// `instructions::*`; the `handler` names collide harmlessly, lib.rs calls them by path.
#![allow(ambiguous_glob_reexports)]

pub mod burn_data_credits;
pub mod burn_delegated_data_credits;
pub mod delegate_data_credits;
pub mod initialize;
pub mod initialize_sub_network_burns;
pub mod mint_data_credits;
pub mod update_config;

pub use burn_data_credits::*;
pub use burn_delegated_data_credits::*;
pub use delegate_data_credits::*;
pub use initialize::*;
pub use initialize_sub_network_burns::*;
pub use mint_data_credits::*;
pub use update_config::*;
