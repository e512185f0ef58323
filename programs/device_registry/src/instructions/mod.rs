// Anchor's #[program] needs every Accounts struct (and its generated client module) at
// `instructions::*`; the `handler` names collide harmlessly, lib.rs calls them by path.
#![allow(ambiguous_glob_reexports)]

pub mod create_maker;
pub mod initialize_sub_network_devices;
pub mod issue_device;
pub mod onboard_device;
pub mod retire_device;
pub mod set_device_active;
pub mod set_maker_approval;
pub mod set_maker_tree;
pub mod update_device;

pub use create_maker::*;
pub use initialize_sub_network_devices::*;
pub use issue_device::*;
pub use onboard_device::*;
pub use retire_device::*;
pub use set_device_active::*;
pub use set_maker_approval::*;
pub use set_maker_tree::*;
pub use update_device::*;
