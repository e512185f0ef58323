//! What each event writes: its row in `events`, a row in the event table that holds its kind
//! (mints, usage burns, device changes, issuance, root updates, claims), and facts about devices the Device account
//! does not hold (device key, maker, tree and leaf from `DeviceIssued`; the owner from the
//! latest event naming one).
use anyhow::Result;

use crate::events::{Event, Located};
use crate::rows::{amount, int, opt_int, pubkey, text, Row, Val};

pub const EVENT_KEY: &[&str] = &["signature", "ix", "inner_ix"];

/// A write an event causes besides its own rows.
pub enum DeviceFact {
    /// Identity from `DeviceIssued`: upserted into `devices` (account columns untouched).
    Identity(Row),
    /// The owner of the device at `address` (onboarding).
    OwnerByAddress { address: String, owner: String },
    /// The owner of the device with cNFT `asset_id` (a claim proves current ownership).
    OwnerByAsset { asset_id: String, owner: String },
}

pub struct EventWrites {
    /// Rows keyed by [`EVENT_KEY`], inserted once.
    pub rows: Vec<Row>,
    pub device: Option<DeviceFact>,
}

/// The Pyth price update a `mint_data_credits` named (its 7th account; Anchor passes the
/// program's own id for an omitted optional account): NULL for a fixed price.
fn price_update(mint_accounts: &[anchor_lang::prelude::Pubkey]) -> Val {
    match mint_accounts.get(6) {
        Some(key) if *key != data_credits::ID => pubkey(key),
        _ => Val::Text(None),
    }
}

pub fn writes(signature: &str, slot: u64, block_time: Option<i64>, located: &Located) -> Result<EventWrites> {
    let base = |table: &'static str| -> Result<Row> {
        Ok(Row::new(table, EVENT_KEY)
            .with("signature", text(signature))
            .with("ix", int(located.ix)?)
            .with("inner_ix", int(located.inner_ix)?)
            .with("slot", int(slot)?)
            .with("block_time", opt_int(block_time)?))
    };
    let event = &located.event;
    let mut rows = vec![base("events")?
        .with("program", pubkey(&event.program()))
        .with("name", text(event.name()))
        .with("data", text(event.to_json()))];
    let mut device = None;
    let no_text = || Val::Text(None);
    match event {
        Event::DataCreditsMinted(e) => rows.push(
            base("dc_mints")?
                .with("network", pubkey(&e.network))
                .with("payer", pubkey(&e.payer))
                .with("recipient", pubkey(&e.recipient))
                .with("tokens_burned", amount(e.tokens_burned))
                .with("dc_minted", amount(e.dc_minted))
                .with("price_mantissa", amount(e.price_mantissa))
                .with("price_exponent", int(e.price_exponent)?)
                .with("confidence", amount(e.confidence))
                .with("price_update", price_update(&located.emitter_accounts)),
        ),
        Event::DataCreditsBurned(e) => rows.push(
            base("dc_burns")?
                .with("kind", text("usage"))
                .with("network", pubkey(&e.network))
                .with("sub_network", pubkey(&e.sub_network))
                .with("owner", pubkey(&e.owner))
                .with("escrow", no_text())
                .with("amount", amount(e.amount))
                .with("epoch", int(e.epoch)?)
                .with("epoch_dc_burned", amount(e.epoch_dc_burned))
                .with("sequence", no_text()),
        ),
        Event::DelegatedDataCreditsBurned(e) => rows.push(
            base("dc_burns")?
                .with("kind", text("delegated"))
                .with("network", no_text())
                .with("sub_network", pubkey(&e.sub_network))
                .with("owner", no_text())
                .with("escrow", pubkey(&e.escrow))
                .with("amount", amount(e.amount))
                .with("epoch", int(e.epoch)?)
                .with("epoch_dc_burned", amount(e.epoch_dc_burned))
                .with("sequence", amount(e.sequence)),
        ),
        Event::DeviceActivityChanged(e) => rows.push(
            base("device_changes")?
                .with("kind", text(if e.active { "activated" } else { "deactivated" }))
                .with("device", pubkey(&e.device))
                .with("sub_network", pubkey(&e.sub_network))
                .with("epoch", int(e.epoch)?)
                .with("active_devices", int(e.active_devices)?)
                .with("fee_dc", amount(0u64)),
        ),
        Event::DeviceUpdated(e) => rows.push(
            base("device_changes")?
                .with("kind", text("updated"))
                .with("device", pubkey(&e.device))
                .with("sub_network", no_text())
                .with("epoch", Val::Int(None))
                .with("active_devices", Val::Int(None))
                .with("fee_dc", amount(e.fee_dc)),
        ),
        Event::DeviceRetired(e) => rows.push(
            base("device_changes")?
                .with("kind", text("retired"))
                .with("device", pubkey(&e.device))
                .with("sub_network", Val::Text(e.left_sub_network.map(|s| s.to_string())))
                .with("epoch", int(e.epoch)?)
                .with("active_devices", opt_int(e.active_devices)?)
                .with("fee_dc", amount(0u64)),
        ),
        Event::RewardsIssued(e) => rows.push(
            base("issuance")?
                .with("sub_network", pubkey(&e.sub_network))
                .with("epoch", int(e.epoch)?)
                .with("amount", amount(e.amount))
                .with("utility_score", amount(e.utility_score))
                .with("total_utility_score", amount(e.total_utility_score))
                .with("emission", amount(e.emission)),
        ),
        Event::RewardsRootSet(e) => rows.push(
            base("reward_root_updates")?
                .with("sub_network", pubkey(&e.sub_network))
                .with("root", text(hex::encode(e.root)))
                .with("total_cumulative", amount(e.total_cumulative))
                .with("version", int(e.version)?),
        ),
        Event::RewardsClaimed(e) => {
            rows.push(
                base("claims")?
                    .with("sub_network", pubkey(&e.sub_network))
                    .with("asset_id", pubkey(&e.asset_id))
                    .with("owner", pubkey(&e.owner))
                    .with("amount", amount(e.amount))
                    .with("total_claimed", amount(e.total_claimed)),
            );
            device = Some(DeviceFact::OwnerByAsset { asset_id: e.asset_id.to_string(), owner: e.owner.to_string() });
        }
        Event::DeviceIssued(e) => {
            device = Some(DeviceFact::Identity(
                Row::new("devices", &["address"])
                    .with("address", pubkey(&e.device))
                    .with("asset_id", pubkey(&e.asset_id))
                    .with("device_key", pubkey(&e.device_key))
                    .with("network", pubkey(&e.network))
                    .with("maker", pubkey(&e.maker))
                    .with("owner", pubkey(&e.owner))
                    .with("merkle_tree", pubkey(&e.merkle_tree))
                    .with("leaf_index", int(e.leaf_index)?),
            ))
        }
        Event::DeviceOnboarded(e) => {
            rows.push(
                base("device_changes")?
                    .with("kind", text("onboarded"))
                    .with("device", pubkey(&e.device))
                    .with("sub_network", pubkey(&e.sub_network))
                    .with("epoch", int(e.epoch)?)
                    .with("active_devices", int(e.active_devices)?)
                    .with("fee_dc", amount(e.fee_dc)),
            );
            device = Some(DeviceFact::OwnerByAddress { address: e.device.to_string(), owner: e.owner.to_string() });
        }
        _ => {}
    }
    Ok(EventWrites { rows, device })
}
