use anchor_lang::prelude::*;

/// `[MAKER_SEED, network, name_seed(name)]` (`civnet_common::seeds::name_seed`): a hardware maker of a network.
pub const MAKER_SEED: &[u8] = b"maker";
/// `[DEVICE_CREATOR_SEED, network]`: tree creator of every maker's Bubblegum tree and the
/// verified creator of every device cNFT of the network (wallets and indexers filter on it).
pub const DEVICE_CREATOR_SEED: &[u8] = b"device_creator";
/// `[DEVICE_SEED, network, device_key]`: a device's one account.
pub const DEVICE_SEED: &[u8] = b"device";
/// `[SUB_NETWORK_DEVICES_SEED, sub_network]`: a sub-network's active devices, per epoch.
pub use civnet_common::seeds::SUB_NETWORK_DEVICES as SUB_NETWORK_DEVICES_SEED;

/// Maker names are 1..=32 bytes of lowercase ASCII letters, digits and '-' (they appear in
/// device names).
pub const MAX_MAKER_NAME_LEN: usize = 32;
pub const MAX_URI_BASE_LEN: usize = 96;
/// cNFT symbol of every device.
pub const DEVICE_SYMBOL: &str = "CIVNET";
/// `Device::sub_network_index` before onboarding.
pub const NOT_ONBOARDED: u8 = u8::MAX;
/// Elevation above ground, metres; antenna gain, tenths of a dBi.
pub const MAX_ELEVATION_M: i16 = 1_000;
pub const MIN_ELEVATION_M: i16 = -100;
pub const MAX_GAIN_DBI_X10: u8 = 200;

/// PDA `[MAKER_SEED, network, name_seed(name)]`.
#[account]
#[derive(InitSpace)]
pub struct Maker {
    pub network: Pubkey,
    /// Signs device issuance.
    pub authority: Pubkey,
    /// Only approved makers issue devices; the network authority approves and revokes.
    pub approved: bool,
    /// The Bubblegum tree new devices are minted into (`Pubkey::default()` until set).
    pub merkle_tree: Pubkey,
    /// Leaves of the current tree: `2^max_depth`.
    pub tree_capacity: u64,
    /// Devices minted into the current tree; the maker rotates to a new tree when it is full.
    pub tree_devices: u64,
    pub devices_issued: u64,
    pub bump: u8,
    #[max_len(MAX_MAKER_NAME_LEN)]
    pub name: String,
    /// Device metadata URIs are `uri_base + hex(device_key)`.
    #[max_len(MAX_URI_BASE_LEN)]
    pub uri_base: String,
    /// The network's `[DEVICE_CREATOR_SEED, network]` PDA and bump, stored by
    /// `set_maker_tree` so issuing a device does not search for the bump again.
    pub device_creator: Pubkey,
    pub device_creator_bump: u8,
}

/// A device's one account, kept minimal because its rent is most of what a device costs:
/// the cNFT asset id (which encodes tree and leaf: `["asset", tree, nonce]` under Bubblegum)
/// and the onboarding data. Maker and leaf index are in the cNFT and the `DeviceIssued` event.
/// PDA `[DEVICE_SEED, network, device_key]`.
#[account]
#[derive(InitSpace)]
pub struct Device {
    pub asset_id: Pubkey,
    /// `SubNetwork::index` of the sub-network it was onboarded to; `NOT_ONBOARDED` before.
    pub sub_network_index: u8,
    pub active: bool,
    /// H3 cell (0 = no location asserted).
    pub location: u64,
    pub elevation: i16,
    pub gain: u8,
    pub bump: u8,
}

/// A sub-network's active devices: the count now and, per epoch with a change, the count at
/// its end (ring of `civnet_common::history::HISTORY_LEN` epochs; layout described there,
/// shared with data_credits' `SubNetworkBurns`), plus the fees its devices burned. emissions
/// reads it when scoring an epoch. PDA `[SUB_NETWORK_DEVICES_SEED, sub_network]`; zero-copy
/// so an onboarding touches a few words.
#[account(zero_copy)]
pub struct SubNetworkDevices {
    pub sub_network: Pubkey,
    pub active_devices: u64,
    pub entries_written: u64,
    /// Ring: epoch of each slot, and the active devices at its end.
    pub epochs: [u64; 64],
    pub active_at_end: [u64; 64],
    /// DC burned as onboarding and location fees by the sub-network's devices.
    pub fees_dc_burned: u64,
    pub devices_onboarded: u64,
    pub bump: u8,
    pub padding: [u8; 7],
}

const _: () = assert!(civnet_common::history::HISTORY_LEN == 64);

impl SubNetworkDevices {
    /// One device more (`joins`) or fewer active in `epoch`; returns the new count.
    pub fn record_change(&mut self, epoch: u64, joins: bool) -> Result<u64> {
        let count = if joins {
            self.active_devices.checked_add(1).ok_or(crate::errors::DeviceRegistryError::ArithmeticOverflow)?
        } else {
            self.active_devices.checked_sub(1).ok_or(crate::errors::DeviceRegistryError::ArithmeticOverflow)?
        };
        self.active_devices = count;
        civnet_common::history::HistoryMut {
            entries_written: &mut self.entries_written,
            epochs: &mut self.epochs,
            values: &mut self.active_at_end,
        }
        .set(epoch, count);
        Ok(count)
    }

    pub fn record_fee(&mut self, fee: u64) -> Result<()> {
        self.fees_dc_burned = self.fees_dc_burned.checked_add(fee).ok_or(crate::errors::DeviceRegistryError::ArithmeticOverflow)?;
        Ok(())
    }
}

/// `true` for 1..=32 bytes of `[a-z0-9-]`.
pub fn is_valid_maker_name(name: &str) -> bool {
    (1..=MAX_MAKER_NAME_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks what a device asserts about itself, each field only when given: `location` a valid
/// H3 cell, elevation within -100..=1000 m, gain at most 20.0 dBi.
pub fn validate_device_data(location: Option<u64>, elevation: Option<i16>, gain: Option<u8>) -> Result<()> {
    if let Some(location) = location {
        require!(civnet_common::h3::is_valid_cell(location), crate::errors::DeviceRegistryError::InvalidLocation);
    }
    if let Some(elevation) = elevation {
        require!((MIN_ELEVATION_M..=MAX_ELEVATION_M).contains(&elevation), crate::errors::DeviceRegistryError::ElevationOutOfRange);
    }
    if let Some(gain) = gain {
        require!(gain <= MAX_GAIN_DBI_X10, crate::errors::DeviceRegistryError::GainOutOfRange);
    }
    Ok(())
}
