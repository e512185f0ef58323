//! Every civnet program-derived address, derived from the programs' own seed constants.
use anchor_lang::prelude::Pubkey;
use civnet_common::seeds::{self, name_seed};

/// `find_program_address`, remembered: each bump it tries costs a SHA-256 and a curve-point
/// decompression (an inversion), and clients derive the same addresses over and over (every
/// transaction names the network's, a device's are named at issue, onboarding and each
/// claim): a sixth of a large demo's time went here. At most [`REMEMBERED_PDAS`] are kept.
fn pda(seeds: &[&[u8]], program: &Pubkey) -> Pubkey {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static REMEMBERED: OnceLock<Mutex<HashMap<Vec<u8>, Pubkey>>> = OnceLock::new();
    let mut key = program.to_bytes().to_vec();
    for seed in seeds {
        key.push(seed.len() as u8);
        key.extend_from_slice(seed);
    }
    let remembered = REMEMBERED.get_or_init(Default::default);
    if let Some(address) = remembered.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return *address;
    }
    let address = Pubkey::find_program_address(seeds, program).0;
    let mut map = remembered.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= REMEMBERED_PDAS {
        map.clear();
    }
    map.insert(key, address);
    address
}

/// About 100 MB of remembered addresses (a million devices' worth of the hottest ones).
const REMEMBERED_PDAS: usize = 1 << 20;

/// The `event_authority` PDA an `#[event_cpi]` instruction of `program_id` needs.
pub fn event_authority(program_id: &Pubkey) -> Pubkey {
    pda(&[b"__event_authority"], program_id)
}

// emissions
pub fn network(token_mint: &Pubkey) -> Pubkey {
    pda(&[seeds::NETWORK, token_mint.as_ref()], &emissions::ID)
}
pub fn network_mint_authority(network: &Pubkey) -> Pubkey {
    pda(&[seeds::NETWORK_MINT_AUTHORITY, network.as_ref()], &emissions::ID)
}
pub fn sub_network(network: &Pubkey, name: &str) -> Pubkey {
    pda(&[emissions::state::SUB_NETWORK_SEED, network.as_ref(), &name_seed(name)], &emissions::ID)
}
pub fn rewards_escrow(sub_network: &Pubkey) -> Pubkey {
    pda(&[emissions::state::REWARDS_ESCROW_SEED, sub_network.as_ref()], &emissions::ID)
}
pub fn rewards_root(sub_network: &Pubkey) -> Pubkey {
    pda(&[emissions::state::REWARDS_ROOT_SEED, sub_network.as_ref()], &emissions::ID)
}
pub fn epoch_info(network: &Pubkey, epoch: u64) -> Pubkey {
    pda(&[emissions::state::EPOCH_INFO_SEED, network.as_ref(), &epoch.to_le_bytes()], &emissions::ID)
}
pub fn sub_network_epoch_info(sub_network: &Pubkey, epoch: u64) -> Pubkey {
    pda(&[emissions::state::SUB_NETWORK_EPOCH_INFO_SEED, sub_network.as_ref(), &epoch.to_le_bytes()], &emissions::ID)
}
pub fn recipient(sub_network: &Pubkey, asset_id: &Pubkey) -> Pubkey {
    pda(&[emissions::state::RECIPIENT_SEED, sub_network.as_ref(), asset_id.as_ref()], &emissions::ID)
}

// data_credits
pub fn dc_config(network: &Pubkey) -> Pubkey {
    pda(&[data_credits::state::DC_CONFIG_SEED, network.as_ref()], &data_credits::ID)
}
pub fn dc_mint(network: &Pubkey) -> Pubkey {
    pda(&[data_credits::state::DC_MINT_SEED, network.as_ref()], &data_credits::ID)
}
pub fn dc_escrow(sub_network: &Pubkey, router_key: &str) -> Pubkey {
    pda(&[data_credits::state::DC_ESCROW_SEED, sub_network.as_ref(), &name_seed(router_key)], &data_credits::ID)
}
pub fn sub_network_burns(sub_network: &Pubkey) -> Pubkey {
    pda(&[data_credits::state::SUB_NETWORK_BURNS_SEED, sub_network.as_ref()], &data_credits::ID)
}

// device_registry
pub fn maker(network: &Pubkey, name: &str) -> Pubkey {
    pda(&[device_registry::state::MAKER_SEED, network.as_ref(), &name_seed(name)], &device_registry::ID)
}
pub fn device(network: &Pubkey, device_key: &Pubkey) -> Pubkey {
    pda(&[device_registry::state::DEVICE_SEED, network.as_ref(), device_key.as_ref()], &device_registry::ID)
}
pub fn device_creator(network: &Pubkey) -> Pubkey {
    pda(&[device_registry::state::DEVICE_CREATOR_SEED, network.as_ref()], &device_registry::ID)
}
pub fn sub_network_devices(sub_network: &Pubkey) -> Pubkey {
    pda(&[device_registry::state::SUB_NETWORK_DEVICES_SEED, sub_network.as_ref()], &device_registry::ID)
}
