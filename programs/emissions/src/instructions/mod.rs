// Anchor's #[program] needs every Accounts struct (and its generated client module) at
// `instructions::*`; the `handler` names collide harmlessly, lib.rs calls them by path.
#![allow(ambiguous_glob_reexports)]

pub mod accept_authority;
pub mod calculate_utility_score;
pub mod claim_rewards;
pub mod create_sub_network;
pub mod initialize_network;
pub mod issue_rewards;
pub mod propose_authority;
pub mod set_rewards_root;
pub mod update_network;
pub mod update_sub_network;

pub use accept_authority::*;
pub use calculate_utility_score::*;
pub use claim_rewards::*;
pub use create_sub_network::*;
pub use initialize_network::*;
pub use issue_rewards::*;
pub use propose_authority::*;
pub use set_rewards_root::*;
pub use update_network::*;
pub use update_sub_network::*;
