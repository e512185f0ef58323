//! Events for indexers, emitted through `emit_cpi!`.
use anchor_lang::prelude::*;

#[event]
pub struct MakerCreated {
    pub network: Pubkey,
    pub maker: Pubkey,
    pub authority: Pubkey,
    pub name: String,
}

#[event]
pub struct MakerApprovalChanged {
    pub maker: Pubkey,
    pub approved: bool,
}

#[event]
pub struct MakerTreeSet {
    pub maker: Pubkey,
    pub merkle_tree: Pubkey,
    pub max_depth: u32,
    pub max_buffer_size: u32,
}

#[event]
pub struct DeviceIssued {
    pub network: Pubkey,
    pub maker: Pubkey,
    pub device: Pubkey,
    pub device_key: Pubkey,
    pub owner: Pubkey,
    pub asset_id: Pubkey,
    pub merkle_tree: Pubkey,
    pub leaf_index: u64,
}

#[event]
pub struct DeviceOnboarded {
    pub device: Pubkey,
    pub asset_id: Pubkey,
    pub owner: Pubkey,
    pub sub_network: Pubkey,
    pub location: u64,
    pub elevation: i16,
    pub gain: u8,
    pub fee_dc: u64,
    pub epoch: u64,
    /// The sub-network's active devices after this one joined.
    pub active_devices: u64,
}

#[event]
pub struct DeviceActivityChanged {
    pub device: Pubkey,
    pub sub_network: Pubkey,
    pub active: bool,
    pub epoch: u64,
    /// The sub-network's active devices after the change.
    pub active_devices: u64,
}

#[event]
pub struct DeviceUpdated {
    pub device: Pubkey,
    pub location: u64,
    pub elevation: i16,
    pub gain: u8,
    pub fee_dc: u64,
}

#[event]
pub struct DeviceRetired {
    pub device: Pubkey,
    pub asset_id: Pubkey,
    pub owner: Pubkey,
    pub epoch: u64,
    /// When the device was active: its sub-network and that sub-network's active devices
    /// after it left.
    pub left_sub_network: Option<Pubkey>,
    pub active_devices: Option<u64>,
}

/// A sub-network's device record was opened (`initialize_sub_network_devices`).
#[event]
pub struct SubNetworkDevicesInitialized {
    pub sub_network: Pubkey,
    pub sub_network_devices: Pubkey,
}
