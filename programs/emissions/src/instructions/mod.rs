pub mod initialize_network;

pub use initialize_network::*;
