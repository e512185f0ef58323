//! civnet's events, decoded with the programs' own event types from a transaction's inner
//! instructions (`emit_cpi!`) and logs (`emit!`).
//!
//! `emit_cpi!` makes the program call itself with `EVENT_IX_TAG_LE || discriminator || borsh`,
//! signed by its `event_authority` PDA; the data survives log truncation. An inner
//! instruction counts as an event of program P only when P is the callee, the first account
//! is P's event authority, and (where the RPC reports stack heights) P itself is the caller:
//! nobody else can sign for that PDA, so the event cannot be forged by another program.
//!
//! The bulk instructions (`issue_device`, `burn_delegated_data_credits`, `claim_rewards`) use
//! `emit!` instead, to save the self-CPI's compute: a `Program data: <base64>` log line of
//! `discriminator || borsh`. It counts as P's event only when P is the program running at
//! that point of the log (the runtime attributes log lines to the running program; another
//! program's lines sit inside its own invoke frame). Logs can be truncated by the runtime's
//! 10 KB log limit; these transactions log far less, and the accounts they change (the
//! device, the escrow, the burn record, the recipient) are indexed from state as well.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AnchorDeserialize, Discriminator};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use crate::accounts::PROGRAMS;

/// A field as JSON: u64 as numbers (serde_json keeps them exact), u128 as decimal strings,
/// keys base58, byte arrays hex.
trait ToJson {
    fn to_json(&self) -> Value;
}

macro_rules! json_as_is {
    ($($t:ty),*) => { $(impl ToJson for $t { fn to_json(&self) -> Value { json!(self) } })* };
}
json_as_is!(bool, u8, i8, u16, i16, u32, i32, u64, i64, String);

impl ToJson for u128 {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl ToJson for Pubkey {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
}
impl ToJson for [u8; 32] {
    fn to_json(&self) -> Value {
        Value::String(hex::encode(self))
    }
}
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}
impl ToJson for data_credits::state::PriceOracle {
    fn to_json(&self) -> Value {
        crate::accounts::price_oracle_json(self)
    }
}

/// `Event` with one variant per event type of the three programs, its decoder (program +
/// discriminator) and its JSON form.
macro_rules! civnet_events {
    ($($program:ident :: $name:ident { $($field:ident),* $(,)? }),* $(,)?) => {
        #[allow(clippy::large_enum_variant)]
        pub enum Event {
            $($name($program::events::$name),)*
        }

        /// `(program id, event name)` of every event decoded.
        pub const EVENT_NAMES: &[(Pubkey, &str)] = &[$(($program::ID, stringify!($name)),)*];

        /// `(program id, event name, fields in the JSON form)` of every event decoded.
        pub const EVENT_FIELDS: &[(Pubkey, &str, &[&str])] = &[$(($program::ID, stringify!($name), &[$(stringify!($field)),*]),)*];

        impl Event {
            /// The event `program` emitted with `data` (after the event-ix tag), if it is one.
            pub fn decode(program: &Pubkey, data: &[u8]) -> Result<Option<Event>> {
                $(
                    if *program == $program::ID && data.starts_with(<$program::events::$name as Discriminator>::DISCRIMINATOR) {
                        let mut body = &data[<$program::events::$name as Discriminator>::DISCRIMINATOR.len()..];
                        let event = <$program::events::$name as AnchorDeserialize>::deserialize(&mut body)
                            .with_context(|| format!("decoding {} event", stringify!($name)))?;
                        return Ok(Some(Event::$name(event)));
                    }
                )*
                Ok(None)
            }

            pub fn name(&self) -> &'static str {
                match self { $(Event::$name(_) => stringify!($name),)* }
            }

            pub fn program(&self) -> Pubkey {
                match self { $(Event::$name(_) => $program::ID,)* }
            }

            pub fn to_json(&self) -> Value {
                match self {
                    $(Event::$name(e) => {
                        let mut map = serde_json::Map::new();
                        $(map.insert(stringify!($field).to_string(), e.$field.to_json());)*
                        Value::Object(map)
                    })*
                }
            }
        }
    };
}

civnet_events! {
    emissions::NetworkInitialized { network, authority, token_mint, epoch_length_secs, start_epoch },
    emissions::NetworkUpdated { network, max_issuance_per_epoch, schedule_steps },
    emissions::AuthorityProposed { network, authority, pending_authority },
    emissions::AuthorityAccepted { network, previous_authority, authority },
    emissions::SubNetworkCreated { network, sub_network, name, rewards_escrow, created_epoch },
    emissions::SubNetworkUpdated { sub_network, dc_burn_authority, active_device_authority, rewards_oracle, onboarding_fee_dc, location_fee_dc },
    emissions::UtilityScoreCalculated { sub_network, epoch, dc_burned, active_devices, utility_score },
    emissions::RewardsIssued { sub_network, epoch, amount, utility_score, total_utility_score, emission },
    emissions::RewardsRootSet { sub_network, root, total_cumulative, version },
    emissions::RewardsClaimed { sub_network, asset_id, owner, amount, total_claimed },
    data_credits::DataCreditsInitialized { network, config, dc_mint, authority },
    data_credits::DataCreditsMinted { network, payer, recipient, tokens_burned, dc_minted, price_mantissa, price_exponent, confidence },
    data_credits::DataCreditsBurned { network, sub_network, owner, amount, epoch, epoch_dc_burned },
    data_credits::SubNetworkBurnsInitialized { sub_network, sub_network_burns },
    data_credits::DataCreditsConfigUpdated { config, price_oracle, max_dc_minted_per_epoch },
    data_credits::DataCreditsDelegated { sub_network, escrow, router_key, owner, amount },
    data_credits::DelegatedDataCreditsBurned { sub_network, escrow, amount, sequence, epoch, epoch_dc_burned },
    device_registry::MakerCreated { network, maker, authority, name },
    device_registry::MakerApprovalChanged { maker, approved },
    device_registry::MakerTreeSet { maker, merkle_tree, max_depth, max_buffer_size },
    device_registry::DeviceIssued { network, maker, device, device_key, owner, asset_id, merkle_tree, leaf_index },
    device_registry::DeviceOnboarded { device, asset_id, owner, sub_network, location, elevation, gain, fee_dc, epoch, active_devices },
    device_registry::DeviceActivityChanged { device, sub_network, active, epoch, active_devices },
    device_registry::DeviceUpdated { device, location, elevation, gain, fee_dc },
    device_registry::DeviceRetired { device, asset_id, owner, epoch, left_sub_network, active_devices },
    device_registry::SubNetworkDevicesInitialized { sub_network, sub_network_devices },
}

/// An event where it happened: `ix` is the top-level instruction, `inner_ix` the position of
/// the emitting inner instruction in that instruction's inner list, or
/// `LOG_EVENT_BASE + n` for the n-th log event (`emit!`) of that instruction.
pub struct Located {
    pub ix: u32,
    pub inner_ix: u32,
    pub event: Event,
}

/// A successful transaction of ours as the indexer needs it.
pub struct DecodedTx {
    pub signature: String,
    pub slot: u64,
    pub block_time: Option<i64>,
    pub events: Vec<Located>,
    /// Writable accounts: the ones whose state the transaction may have changed.
    pub writable: Vec<Pubkey>,
}

/// Where log events (`emit!`) are numbered in `Located::inner_ix`, past any inner instruction.
pub const LOG_EVENT_BASE: u32 = 1_000_000;

/// The `emit!` events in a transaction's logs: `Program data:` lines written while one of our
/// programs was the running one, numbered per top-level instruction.
fn log_events(signature: &str, meta: &Value) -> Result<Vec<Located>> {
    let mut events = Vec::new();
    // The invoke stack and the index of the current top-level instruction.
    let mut stack: Vec<Option<Pubkey>> = Vec::new();
    let (mut ix, mut in_ix) = (-1i64, 0u32);
    for line in meta["logMessages"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let mut words = line.split(' ');
        match (words.next(), words.next(), words.next(), words.next()) {
            (Some("Program"), Some(program), Some("invoke"), Some(depth)) => {
                if depth == "[1]" {
                    ix += 1;
                    in_ix = 0;
                    stack.clear();
                }
                stack.push(program.parse().ok());
            }
            (Some("Program"), Some(_), Some("success" | "failed:"), _) => {
                stack.pop();
            }
            (Some("Program"), Some("data:"), Some(data), None) => {
                let Some(Some(program)) = stack.last().copied() else { continue };
                if !PROGRAMS.contains(&program) || ix < 0 {
                    continue;
                }
                use base64::Engine;
                let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else { continue };
                if let Some(event) = Event::decode(&program, &bytes).with_context(|| format!("{signature}: log event of instruction {ix}"))? {
                    events.push(Located { ix: ix as u32, inner_ix: LOG_EVENT_BASE + in_ix, event });
                    in_ix += 1;
                }
            }
            _ => {}
        }
    }
    Ok(events)
}

/// Decodes a `getTransaction` result (json encoding). Failed transactions have no events and
/// change nothing: `None`.
pub fn decode_transaction(signature: &str, tx: &Value) -> Result<Option<DecodedTx>> {
    let meta = &tx["meta"];
    if !meta["err"].is_null() {
        return Ok(None);
    }
    let message = &tx["transaction"]["message"];
    let parse = |list: &Value| -> Result<Vec<Pubkey>> {
        list.as_array().into_iter().flatten().map(|k| k.as_str().and_then(|k| k.parse().ok()).ok_or_else(|| anyhow!("bad account key {k}"))).collect()
    };
    let static_keys = parse(&message["accountKeys"])?;
    let loaded_writable = parse(&meta["loadedAddresses"]["writable"])?;
    let loaded_readonly = parse(&meta["loadedAddresses"]["readonly"])?;
    if static_keys.is_empty() {
        bail!("{signature}: transaction without account keys");
    }
    let header = &message["header"];
    let count = |field: &str| header[field].as_u64().map(|n| n as usize).ok_or_else(|| anyhow!("{signature}: header without {field}"));
    let (signed, readonly_signed, readonly_unsigned) = (count("numRequiredSignatures")?, count("numReadonlySignedAccounts")?, count("numReadonlyUnsignedAccounts")?);
    let writable: Vec<Pubkey> = static_keys
        .iter()
        .enumerate()
        .filter(|(i, _)| if *i < signed { *i < signed.saturating_sub(readonly_signed) } else { *i < static_keys.len().saturating_sub(readonly_unsigned) })
        .map(|(_, k)| *k)
        .chain(loaded_writable.iter().copied())
        .collect();
    let keys: Vec<Pubkey> = static_keys.iter().chain(&loaded_writable).chain(&loaded_readonly).copied().collect();
    let key_at = |index: &Value| index.as_u64().and_then(|i| keys.get(i as usize)).copied();
    let top_level = message["instructions"].as_array().ok_or_else(|| anyhow!("{signature}: no instructions"))?;

    let mut events = Vec::new();
    for group in meta["innerInstructions"].as_array().into_iter().flatten() {
        let ix = group["index"].as_u64().ok_or_else(|| anyhow!("{signature}: inner instructions without index"))?;
        let parent = top_level.get(ix as usize).ok_or_else(|| anyhow!("{signature}: bad inner instruction index {ix}"))?;
        // stack[h - 1]: the program running at stack height h (1 = the top-level one).
        let mut stack = vec![key_at(&parent["programIdIndex"]).ok_or_else(|| anyhow!("{signature}: bad programIdIndex"))?];
        for (inner_ix, inner) in group["instructions"].as_array().into_iter().flatten().enumerate() {
            let program = key_at(&inner["programIdIndex"]).ok_or_else(|| anyhow!("{signature}: bad programIdIndex in {inner}"))?;
            let self_call = match inner["stackHeight"].as_u64() {
                Some(height) if height >= 2 => {
                    stack.truncate(height as usize - 1);
                    let caller = stack.last().copied();
                    stack.push(program);
                    caller == Some(program)
                }
                _ => true,
            };
            if !PROGRAMS.contains(&program) || !self_call {
                continue;
            }
            let signed_by_authority = inner["accounts"].get(0).and_then(key_at) == Some(civnet_client::event_authority(&program));
            let data = inner["data"].as_str().ok_or_else(|| anyhow!("{signature}: inner instruction without data"))?;
            let data = bs58::decode(data).into_vec().with_context(|| format!("{signature}: inner instruction data is not base58"))?;
            let Some(body) = data.strip_prefix(anchor_lang::event::EVENT_IX_TAG_LE) else { continue };
            if !signed_by_authority {
                continue;
            }
            if let Some(event) = Event::decode(&program, body).with_context(|| format!("{signature}: instruction {ix}, inner {inner_ix}"))? {
                events.push(Located { ix: ix as u32, inner_ix: inner_ix as u32, event });
            }
        }
    }
    events.extend(log_events(signature, meta)?);
    Ok(Some(DecodedTx {
        signature: signature.to_string(),
        slot: tx["slot"].as_u64().ok_or_else(|| anyhow!("{signature}: no slot"))?,
        block_time: tx["blockTime"].as_i64(),
        events,
        writable,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued() -> device_registry::events::DeviceIssued {
        device_registry::events::DeviceIssued {
            network: Pubkey::new_unique(),
            maker: Pubkey::new_unique(),
            device: Pubkey::new_unique(),
            device_key: Pubkey::new_unique(),
            owner: Pubkey::new_unique(),
            asset_id: Pubkey::new_unique(),
            merkle_tree: Pubkey::new_unique(),
            leaf_index: 7,
        }
    }

    /// A one-instruction transaction of `caller` in which `program` is invoked with `data`,
    /// `first_account` as its first account.
    fn transaction(caller: Pubkey, program: Pubkey, first_account: Pubkey, data: &[u8], err: Value) -> Value {
        let (payer, written) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut keys = vec![payer, written, caller];
        for key in [program, first_account] {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        let at = |key: Pubkey| keys.iter().position(|k| *k == key).unwrap();
        json!({
            "slot": 9,
            "blockTime": 1_700_000_000,
            "meta": {
                "err": err,
                "loadedAddresses": {"writable": [], "readonly": []},
                "innerInstructions": [{"index": 0, "instructions": [
                    {"programIdIndex": at(program), "accounts": [at(first_account)], "data": bs58::encode(data).into_string(), "stackHeight": 2}
                ]}]
            },
            "transaction": {"message": {
                "header": {"numRequiredSignatures": 1, "numReadonlySignedAccounts": 0, "numReadonlyUnsignedAccounts": keys.len() - 2},
                "accountKeys": keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "instructions": [{"programIdIndex": at(caller), "accounts": [], "data": ""}]
            }}
        })
    }

    fn emitted(event: &impl anchor_lang::Event) -> Vec<u8> {
        [anchor_lang::event::EVENT_IX_TAG_LE, &event.data()].concat()
    }

    #[test]
    fn a_programs_own_emit_cpi_is_decoded_with_its_type() {
        let event = issued();
        let authority = civnet_client::event_authority(&device_registry::ID);
        let tx = transaction(device_registry::ID, device_registry::ID, authority, &emitted(&event), Value::Null);
        let decoded = decode_transaction("sig", &tx).unwrap().unwrap();
        assert_eq!((decoded.slot, decoded.block_time, decoded.writable.len()), (9, Some(1_700_000_000), 2));
        assert_eq!(decoded.events.len(), 1);
        let located = &decoded.events[0];
        assert_eq!((located.ix, located.inner_ix, located.event.name()), (0, 0, "DeviceIssued"));
        let json = located.event.to_json();
        assert_eq!(json["device_key"], event.device_key.to_string());
        assert_eq!(json["leaf_index"], 7);
    }

    #[test]
    fn optional_fields_are_null_or_their_value() {
        let (device, sub) = (Pubkey::new_unique(), Pubkey::new_unique());
        let retired = |left_sub_network, active_devices| {
            Event::DeviceRetired(device_registry::events::DeviceRetired { device, asset_id: device, owner: device, epoch: 4, left_sub_network, active_devices })
        };
        let json = retired(None, None).to_json();
        assert_eq!((&json["left_sub_network"], &json["active_devices"], &json["epoch"]), (&Value::Null, &Value::Null, &json!(4)));
        let json = retired(Some(sub), Some(2)).to_json();
        assert_eq!((&json["left_sub_network"], &json["active_devices"]), (&json!(sub.to_string()), &json!(2)));
    }

    #[test]
    fn forged_and_failed_events_are_ignored() {
        let data = emitted(&issued());
        let authority = civnet_client::event_authority(&device_registry::ID);
        // Called by another program (not a self-CPI).
        let tx = transaction(emissions::ID, device_registry::ID, authority, &data, Value::Null);
        assert!(decode_transaction("sig", &tx).unwrap().unwrap().events.is_empty());
        // Not signed by the program's event authority.
        let tx = transaction(device_registry::ID, device_registry::ID, Pubkey::new_unique(), &data, Value::Null);
        assert!(decode_transaction("sig", &tx).unwrap().unwrap().events.is_empty());
        // Another program's discriminator under this program id.
        let emissions_authority = civnet_client::event_authority(&emissions::ID);
        let tx = transaction(emissions::ID, emissions::ID, emissions_authority, &data, Value::Null);
        assert!(decode_transaction("sig", &tx).unwrap().unwrap().events.is_empty());
        // A failed transaction changed nothing.
        let tx = transaction(device_registry::ID, device_registry::ID, authority, &data, json!({"InstructionError": [0, "Custom"]}));
        assert!(decode_transaction("sig", &tx).unwrap().is_none());
    }

    /// A transaction whose only meta is `logs`.
    fn logged(logs: &[String]) -> Value {
        let mut tx = transaction(device_registry::ID, device_registry::ID, Pubkey::new_unique(), &[], Value::Null);
        tx["meta"]["innerInstructions"] = json!([]);
        tx["meta"]["logMessages"] = json!(logs);
        tx
    }

    #[test]
    fn a_programs_own_log_event_is_decoded_and_numbered_per_instruction() {
        use base64::Engine;
        let event = issued();
        let line = format!("Program data: {}", base64::engine::general_purpose::STANDARD.encode(anchor_lang::Event::data(&event)));
        let (registry, other) = (device_registry::ID.to_string(), Pubkey::new_unique().to_string());
        let logs = [
            "Program ComputeBudget111111111111111111111111111111 invoke [1]".to_string(),
            "Program ComputeBudget111111111111111111111111111111 success".to_string(),
            format!("Program {registry} invoke [1]"),
            format!("Program {other} invoke [2]"),
            // Another program's line inside its own frame: not ours.
            line.clone(),
            format!("Program {other} success"),
            line.clone(),
            format!("Program {registry} success"),
            // A top-level program that is not ours logs the same bytes.
            format!("Program {other} invoke [1]"),
            line.clone(),
            format!("Program {other} success"),
        ];
        let decoded = decode_transaction("sig", &logged(&logs)).unwrap().unwrap();
        assert_eq!(decoded.events.len(), 1);
        let located = &decoded.events[0];
        assert_eq!((located.ix, located.inner_ix, located.event.name()), (1, LOG_EVENT_BASE, "DeviceIssued"));
        assert_eq!(located.event.to_json()["asset_id"], event.asset_id.to_string());
    }
}
