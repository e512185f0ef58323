//! civnet's account types, found by their 8-byte Anchor discriminator and decoded with the
//! programs' own types into rows of the account tables (one table per type, keyed by address).
//! Borsh accounts decode through `AccountDeserialize`; the zero-copy activity records
//! (`SubNetworkBurns`, `SubNetworkDevices`) are plain `repr(C)` memory, copied out with
//! bytemuck (Anchor's zero-copy `AccountDeserialize`) from exactly their size.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator, ZeroCopy};
use anyhow::{Context, Result};
use serde_json::json;

use crate::rows::{amount, flag, int, location, pubkey, pubkey_or_null, text, Row, Val};

/// One account type: the program owning it, its discriminator and the table it fills.
#[derive(Debug, Clone, Copy)]
pub struct AccountKind {
    pub program: Pubkey,
    /// The type's name, as in the program's IDL.
    pub name: &'static str,
    pub discriminator: &'static [u8],
    pub table: &'static str,
    /// For the types with one account per device: the offset in the account's data of a
    /// 32-byte key (the cNFT asset id) whose first byte splits them into 256 even pages, so
    /// backfill reads them a page at a time instead of in one response of every device.
    pub page_key_offset: Option<usize>,
}

const fn kind<T: Discriminator>(program: Pubkey, name: &'static str, table: &'static str) -> AccountKind {
    AccountKind { program, name, discriminator: T::DISCRIMINATOR, table, page_key_offset: None }
}

/// [`kind`] for a per-device type whose asset id sits at `offset` (discriminator included).
const fn paged_kind<T: Discriminator>(program: Pubkey, name: &'static str, table: &'static str, offset: usize) -> AccountKind {
    AccountKind { page_key_offset: Some(offset), ..kind::<T>(program, name, table) }
}

/// `Recipient { sub_network, asset_id, .. }`: the asset id after the discriminator and one key.
const RECIPIENT_ASSET_ID_OFFSET: usize = 8 + 32;
/// `Device { asset_id, .. }`: the asset id right after the discriminator.
const DEVICE_ASSET_ID_OFFSET: usize = 8;

/// Every civnet account type.
pub const KINDS: [AccountKind; 12] = [
    kind::<emissions::state::Network>(emissions::ID, "Network", "networks"),
    kind::<emissions::state::SubNetwork>(emissions::ID, "SubNetwork", "sub_networks"),
    kind::<emissions::state::EpochInfo>(emissions::ID, "EpochInfo", "epochs"),
    kind::<emissions::state::SubNetworkEpochInfo>(emissions::ID, "SubNetworkEpochInfo", "sub_network_epochs"),
    kind::<emissions::state::RewardsRoot>(emissions::ID, "RewardsRoot", "reward_roots"),
    paged_kind::<emissions::state::Recipient>(emissions::ID, "Recipient", "recipients", RECIPIENT_ASSET_ID_OFFSET),
    kind::<data_credits::state::DataCreditsConfig>(data_credits::ID, "DataCreditsConfig", "dc_configs"),
    kind::<data_credits::state::DelegatedEscrow>(data_credits::ID, "DelegatedEscrow", "dc_escrows"),
    kind::<data_credits::state::SubNetworkBurns>(data_credits::ID, "SubNetworkBurns", "sub_network_burns"),
    kind::<device_registry::state::Maker>(device_registry::ID, "Maker", "makers"),
    paged_kind::<device_registry::state::Device>(device_registry::ID, "Device", "devices", DEVICE_ASSET_ID_OFFSET),
    kind::<device_registry::state::SubNetworkDevices>(device_registry::ID, "SubNetworkDevices", "sub_network_devices"),
];

pub const PROGRAMS: [Pubkey; 3] = [emissions::ID, data_credits::ID, device_registry::ID];

const KEY: &[&str] = &["address"];

/// The row of a civnet account, or `None` when `owner`/`data` are not one of ours (token
/// accounts, trees, event authorities ...). A civnet discriminator that fails to decode is an
/// error: the programs and the indexer disagree about a layout.
pub fn decode(address: &Pubkey, owner: &Pubkey, data: &[u8]) -> Result<Option<Row>> {
    let Some(kind) = KINDS.iter().find(|k| k.program == *owner && data.starts_with(k.discriminator)) else {
        return Ok(None);
    };
    row(kind.table, address, data).with_context(|| format!("decoding {} account {address}", kind.table)).map(Some)
}

fn load<T: AccountDeserialize>(mut data: &[u8]) -> Result<T> {
    T::try_deserialize(&mut data).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A zero-copy account: the discriminator, then the type's bytes, copied out with
/// `bytemuck::pod_read_unaligned` (so the data need not be aligned), which wants exactly the
/// type's size: a short account is an error here rather than a panic there, and bytes past
/// the type (an account grown later) are ignored.
fn load_zero_copy<T: ZeroCopy + AccountDeserialize>(data: &[u8]) -> Result<T> {
    let size = T::DISCRIMINATOR.len() + std::mem::size_of::<T>();
    let exact = data.get(..size).with_context(|| format!("{} bytes, a {} account has {size}", data.len(), std::any::type_name::<T>()))?;
    load(exact)
}

/// The live entries of an activity record's ring (`civnet_common::history`), oldest first:
/// `(epochs, values)` as JSON arrays.
pub fn ring_json(entries_written: u64, epochs: &[u64], values: &[u64]) -> (serde_json::Value, serde_json::Value) {
    let len = epochs.len() as u64;
    let live = entries_written.min(len);
    let slots = (entries_written - live..entries_written).map(|n| (n % len) as usize);
    let (e, v): (Vec<u64>, Vec<u64>) = slots.map(|slot| (epochs[slot], values[slot])).unzip();
    (json!(e), json!(v))
}

fn row(table: &'static str, address: &Pubkey, data: &[u8]) -> Result<Row> {
    let r = Row::new(table, KEY).with("address", pubkey(address));
    Ok(match table {
        "networks" => {
            let a: emissions::state::Network = load(data)?;
            let schedule: Vec<_> = a.emission_schedule.iter().map(|s| json!({"start_epoch": s.start_epoch, "tokens_per_epoch": s.tokens_per_epoch})).collect();
            r.with("authority", pubkey(&a.authority))
                .with("pending_authority", pubkey_or_null(&a.pending_authority))
                .with("token_mint", pubkey(&a.token_mint))
                .with("epoch_length_secs", int(a.epoch_length_secs)?)
                .with("start_epoch", int(a.start_epoch)?)
                .with("max_issuance_per_epoch", amount(a.max_issuance_per_epoch))
                .with("total_issued", amount(a.total_issued))
                .with("emission_schedule", text(json!(schedule)))
                .with("sub_network_created_epochs", text(json!(a.sub_network_created_epochs)))
        }
        "sub_networks" => {
            let a: emissions::state::SubNetwork = load(data)?;
            r.with("network", pubkey(&a.network))
                .with("idx", int(a.index)?)
                .with("name", text(&a.name))
                .with("dc_burn_authority", pubkey(&a.dc_burn_authority))
                .with("active_device_authority", pubkey(&a.active_device_authority))
                .with("rewards_oracle", pubkey(&a.rewards_oracle))
                .with("rewards_escrow", pubkey(&a.rewards_escrow))
                .with("onboarding_fee_dc", amount(a.onboarding_fee_dc))
                .with("location_fee_dc", amount(a.location_fee_dc))
                .with("created_epoch", int(a.created_epoch)?)
                .with("total_issued", amount(a.total_issued))
                .with("total_claimed", amount(a.total_claimed))
        }
        "epochs" => {
            let a: emissions::state::EpochInfo = load(data)?;
            r.with("network", pubkey(&a.network))
                .with("epoch", int(a.epoch)?)
                .with("sub_networks_expected", int(a.sub_networks_expected)?)
                .with("sub_networks_scored", int(a.sub_networks_scored)?)
                .with("sub_networks_issued", int(a.sub_networks_issued)?)
                .with("total_utility_score", amount(a.total_utility_score))
                .with("dc_burned", amount(a.dc_burned))
                .with("emission", amount(a.emission))
                .with("total_issued", amount(a.total_issued))
        }
        "sub_network_epochs" => {
            let a: emissions::state::SubNetworkEpochInfo = load(data)?;
            r.with("sub_network", pubkey(&a.sub_network))
                .with("epoch", int(a.epoch)?)
                .with("active_devices", int(a.active_devices)?)
                .with("dc_burned", amount(a.dc_burned))
                .with("utility_score", amount(a.utility_score))
                .with("issued", amount(a.issued))
                .with("score_done", flag(a.score_done))
                .with("rewards_issued", flag(a.rewards_issued))
        }
        "reward_roots" => {
            let a: emissions::state::RewardsRoot = load(data)?;
            r.with("sub_network", pubkey(&a.sub_network))
                .with("root", text(hex::encode(a.root)))
                .with("total_cumulative", amount(a.total_cumulative))
                .with("version", int(a.version)?)
                .with("updated_at", int(a.updated_at)?)
        }
        "recipients" => {
            let a: emissions::state::Recipient = load(data)?;
            r.with("sub_network", pubkey(&a.sub_network)).with("asset_id", pubkey(&a.asset_id)).with("total_claimed", amount(a.total_claimed))
        }
        "dc_configs" => {
            let a: data_credits::state::DataCreditsConfig = load(data)?;
            r.with("network", pubkey(&a.network))
                .with("network_mint", pubkey(&a.network_mint))
                .with("dc_mint", pubkey(&a.dc_mint))
                .with("price_oracle", text(price_oracle_json(&a.price_oracle)))
                .with("max_dc_minted_per_epoch", amount(a.max_dc_minted_per_epoch))
                .with("mint_window_epoch", int(a.mint_window_epoch)?)
                .with("minted_this_epoch", amount(a.minted_this_epoch))
                .with("total_dc_minted", amount(a.total_dc_minted))
                .with("total_tokens_burned", amount(a.total_tokens_burned))
                .with("epoch_length_secs", int(a.epoch_length_secs)?)
                .with("network_mint_decimals", int(a.network_mint_decimals)?)
                .with("last_price_publish_time", int(a.last_price_publish_time)?)
        }
        "dc_escrows" => {
            let a: data_credits::state::DelegatedEscrow = load(data)?;
            r.with("sub_network", pubkey(&a.sub_network))
                .with("router_key", text(&a.router_key))
                .with("last_sequence", amount(a.last_sequence))
                .with("total_delegated", amount(a.total_delegated))
                .with("total_burned", amount(a.total_burned))
        }
        "sub_network_burns" => {
            let a: data_credits::state::SubNetworkBurns = load_zero_copy(data)?;
            let (epochs, burned) = ring_json(a.entries_written, &a.epochs, &a.burned);
            r.with("sub_network", pubkey(&a.sub_network))
                .with("total_burned", amount(a.total_burned))
                .with("entries_written", int(a.entries_written)?)
                .with("epochs", text(epochs))
                .with("burned", text(burned))
                .with("network", pubkey(&a.network))
                .with("dc_mint", pubkey(&a.dc_mint))
                .with("epoch_length_secs", int(a.epoch_length_secs)?)
        }
        "sub_network_devices" => {
            let a: device_registry::state::SubNetworkDevices = load_zero_copy(data)?;
            let (epochs, active_at_end) = ring_json(a.entries_written, &a.epochs, &a.active_at_end);
            r.with("sub_network", pubkey(&a.sub_network))
                .with("active_devices", int(a.active_devices)?)
                .with("entries_written", int(a.entries_written)?)
                .with("epochs", text(epochs))
                .with("active_at_end", text(active_at_end))
                .with("fees_dc_burned", amount(a.fees_dc_burned))
                .with("devices_onboarded", int(a.devices_onboarded)?)
        }
        "makers" => {
            let a: device_registry::state::Maker = load(data)?;
            r.with("network", pubkey(&a.network))
                .with("name", text(&a.name))
                .with("authority", pubkey(&a.authority))
                .with("approved", flag(a.approved))
                .with("merkle_tree", pubkey_or_null(&a.merkle_tree))
                .with("tree_capacity", int(a.tree_capacity)?)
                .with("tree_devices", int(a.tree_devices)?)
                .with("devices_issued", int(a.devices_issued)?)
                .with("uri_base", text(&a.uri_base))
                .with("device_creator", pubkey_or_null(&a.device_creator))
        }
        "devices" => {
            // Only the account's own columns: the identity columns (key, maker, owner, leaf)
            // written from DeviceIssued survive an account refresh.
            let a: device_registry::state::Device = load(data)?;
            let onboarded = a.sub_network_index != device_registry::state::NOT_ONBOARDED;
            r.with("asset_id", pubkey(&a.asset_id))
                .with("sub_network_index", if onboarded { int(a.sub_network_index)? } else { Val::Int(None) })
                .with("active", flag(a.active))
                .with("location", location(a.location))
                .with("elevation", int(a.elevation)?)
                .with("gain", int(a.gain)?)
        }
        other => anyhow::bail!("no decoder for table {other}"),
    })
}

pub fn price_oracle_json(oracle: &data_credits::state::PriceOracle) -> serde_json::Value {
    match oracle {
        data_credits::state::PriceOracle::Pyth { feed_id, max_age_secs } => json!({"pyth": {"feed_id": hex::encode(feed_id), "max_age_secs": max_age_secs}}),
        data_credits::state::PriceOracle::Fixed { usd_per_token_e8 } => json!({"fixed": {"usd_per_token_e8": usd_per_token_e8}}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    /// The paged kinds' page key is the asset id, found at the offset backfill filters on, in
    /// the bytes the programs' own types serialize to.
    #[test]
    fn per_device_accounts_are_paged_by_their_asset_id() {
        let asset_id = Pubkey::new_unique();
        let device = device_registry::state::Device { asset_id, sub_network_index: 2, active: true, location: 9, elevation: 3, gain: 40, bump: 255 };
        let recipient = emissions::state::Recipient { sub_network: Pubkey::new_unique(), asset_id, total_claimed: 5, bump: 254 };
        let (mut device_data, mut recipient_data) = (Vec::new(), Vec::new());
        device.try_serialize(&mut device_data).unwrap();
        recipient.try_serialize(&mut recipient_data).unwrap();
        for (table, data) in [("devices", device_data), ("recipients", recipient_data)] {
            let kind = KINDS.iter().find(|k| k.table == table).unwrap();
            let offset = kind.page_key_offset.unwrap_or_else(|| panic!("{table} is not paged"));
            assert_eq!(&data[offset..offset + 32], asset_id.as_ref(), "{table}");
        }
        let paged: Vec<&str> = KINDS.iter().filter(|k| k.page_key_offset.is_some()).map(|k| k.table).collect();
        assert_eq!(paged, ["recipients", "devices"]);
    }

    #[test]
    fn a_ring_lists_its_live_entries_oldest_first() {
        let mut epochs = [0u64; 4];
        let mut values = [0u64; 4];
        assert_eq!(ring_json(0, &epochs, &values), (json!([]), json!([])));
        epochs[..2].copy_from_slice(&[7, 9]);
        values[..2].copy_from_slice(&[70, 90]);
        assert_eq!(ring_json(2, &epochs, &values), (json!([7, 9]), json!([70, 90])));
        // Six entries written into four slots: the two oldest were overwritten.
        let (epochs, values) = ([13, 14, 11, 12], [130, 140, 110, 120]);
        assert_eq!(ring_json(6, &epochs, &values), (json!([11, 12, 13, 14]), json!([110, 120, 130, 140])));
    }

    /// A `SubNetworkDevices` account written byte by byte in the layout
    /// `civnet_common::history` documents, then decoded as the indexer does.
    #[test]
    fn a_zero_copy_record_decodes_from_its_bytes() {
        let sub = Pubkey::new_unique();
        let mut data = device_registry::state::SubNetworkDevices::DISCRIMINATOR.to_vec();
        data.extend(sub.to_bytes());
        data.extend(3u64.to_le_bytes()); // active_devices
        data.extend(2u64.to_le_bytes()); // entries_written
        let mut epochs = [0u64; 64];
        epochs[..2].copy_from_slice(&[5, 8]);
        let mut active = [0u64; 64];
        active[..2].copy_from_slice(&[1, 3]);
        data.extend(epochs.iter().chain(&active).flat_map(|v| v.to_le_bytes()));
        data.extend(1_500u64.to_le_bytes()); // fees_dc_burned
        data.extend(4u64.to_le_bytes()); // devices_onboarded
        data.push(254); // bump
        data.extend([0u8; 7]);
        let address = Pubkey::new_unique();
        let row = decode(&address, &device_registry::ID, &data).unwrap().expect("a civnet account");
        assert_eq!(row.table, "sub_network_devices");
        let expect = [
            ("address", pubkey(&address)),
            ("sub_network", pubkey(&sub)),
            ("active_devices", Val::Int(Some(3))),
            ("entries_written", Val::Int(Some(2))),
            ("epochs", text("[5,8]")),
            ("active_at_end", text("[1,3]")),
            ("fees_dc_burned", text("1500")),
            ("devices_onboarded", Val::Int(Some(4))),
        ];
        assert_eq!(row.cols, expect.to_vec());
        // A longer account (grown later) decodes; a short one is an error, not a panic.
        let mut longer = data.clone();
        longer.extend([9u8; 16]);
        assert!(decode(&address, &device_registry::ID, &longer).unwrap().is_some());
        let error = decode(&address, &device_registry::ID, &data[..data.len() - 1]).unwrap_err();
        assert!(format!("{error:#}").contains("decoding sub_network_devices account"), "{error:#}");
        // Another program's account with the same bytes is not ours.
        assert!(decode(&address, &data_credits::ID, &data).unwrap().is_none());
    }
}
