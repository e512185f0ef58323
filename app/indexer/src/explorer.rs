//! What an explorer shows that is computed from several tables: a network's overview (its
//! epoch by the chain's clock, the emission schedule's current and next step, totals issued
//! and claimed, DC minted and burned), the per-epoch flywheel (tokens issued against tokens
//! burned for DC, devices added, DC burned for usage) and devices grouped by H3 cell for the
//! map. The formulas are the programs' own (`civnet_common::schedule`); sums run in u128 and
//! are served as u64 (a sum above u64::MAX is an error, never wrapped).
//!
//! | route | what |
//! |---|---|
//! | `/networks` | every network with `now`, `current_epoch`, `epoch_ends_at`, `emission_now`, `next_change`, `totals` |
//! | `/networks/{address}/epochs` | the flywheel, one entry per epoch with any activity, newest first |
//! | `/cells?network=&sub_network=` | occupied H3 cells: `{location, devices, active_devices}` |
use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::api::ApiError;
use crate::rows::Val;
use crate::store::Store;

/// The chain's clock as the explorer tells it: the machine's clock plus the offset to the
/// cluster's Clock sysvar, which the follower re-reads every round ([`crate::chain::clock_offset`]).
#[derive(Clone, Default)]
pub struct ChainClock(Arc<AtomicI64>);

impl ChainClock {
    pub fn set_offset(&self, offset: i64) {
        self.0.store(offset, Ordering::Relaxed);
    }

    pub fn now(&self) -> i64 {
        let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        wall + self.0.load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
pub struct ExplorerState {
    pub store: Store,
    pub clock: ChainClock,
}

impl FromRef<ExplorerState> for Store {
    fn from_ref(state: &ExplorerState) -> Store {
        state.store.clone()
    }
}

pub fn routes(state: ExplorerState) -> Router {
    Router::new()
        .route("/networks", get(networks))
        .route("/networks/{address}/epochs", get(flywheel))
        .route("/cells", get(cells))
        .with_state(state)
}

type Answer = Result<Json<Value>, ApiError>;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    network: Option<String>,
    sub_network: Option<String>,
}

fn text(s: &str) -> Val {
    Val::Text(Some(s.to_string()))
}

/// A u64 amount column of a JSON row (amounts are served as numbers).
fn amount(row: &Value, column: &str) -> u128 {
    row[column].as_u64().map_or(0, u128::from)
}

fn served(sum: u128, what: &str) -> Result<Value, ApiError> {
    u64::try_from(sum).map(Value::from).map_err(|_| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{what} exceeds u64")))
}

fn schedule_steps(network: &Value) -> Vec<(u64, u64)> {
    network["emission_schedule"]
        .as_array()
        .map(|steps| steps.iter().map(|s| (s["start_epoch"].as_u64().unwrap_or(0), s["tokens_per_epoch"].as_u64().unwrap_or(0))).collect())
        .unwrap_or_default()
}

async fn networks(State(state): State<ExplorerState>) -> Answer {
    let store = &state.store;
    let now = state.clock.now();
    let mut out = Vec::new();
    for network in store.select("SELECT * FROM networks ORDER BY address", &[]).await? {
        let address = network["address"].as_str().unwrap_or_default().to_string();
        let length = u32::try_from(network["epoch_length_secs"].as_u64().unwrap_or(1)).unwrap_or(u32::MAX);
        let steps = schedule_steps(&network);
        let epoch = civnet_common::schedule::epoch_at(now, length);
        let epoch_ends_at = (epoch + 1).saturating_mul(u64::from(length.max(1)));
        // The next step of the schedule after the current epoch: for a halving schedule, the
        // next halving.
        let next_change = steps.iter().find(|(start, _)| *start > epoch).map(|&(start, tokens)| {
            json!({"epoch": start, "tokens_per_epoch": tokens, "starts_at": start.saturating_mul(u64::from(length.max(1)))})
        });
        let subs = store.select("SELECT s.total_issued, s.total_claimed, b.total_burned, d.fees_dc_burned, d.active_devices FROM sub_networks s LEFT JOIN sub_network_burns b ON b.sub_network = s.address LEFT JOIN sub_network_devices d ON d.sub_network = s.address WHERE s.network = $1", &[text(&address)]).await?;
        let sum = |column: &str| subs.iter().map(|s| amount(s, column)).sum::<u128>();
        let dc = store.select("SELECT * FROM dc_configs WHERE network = $1", &[text(&address)]).await?.into_iter().next();
        let devices = store.select("SELECT COUNT(*) AS n FROM devices WHERE network = $1", &[text(&address)]).await?;
        let usage_burned = sum("total_burned");
        let fees_burned = sum("fees_dc_burned");
        let totals = json!({
            "issued": network["total_issued"],
            "claimed": served(sum("total_claimed"), "claimed")?,
            "sub_networks_issued": served(sum("total_issued"), "issued")?,
            "dc_minted": dc.as_ref().map_or(Value::Null, |c| c["total_dc_minted"].clone()),
            "tokens_burned_for_dc": dc.as_ref().map_or(Value::Null, |c| c["total_tokens_burned"].clone()),
            "dc_burned_for_usage": served(usage_burned, "DC burned")?,
            "dc_burned_for_fees": served(fees_burned, "DC fees")?,
            "dc_burned": served(usage_burned + fees_burned, "DC burned")?,
            "devices": devices.first().map_or(Value::Null, |d| d["n"].clone()),
            "active_devices": served(sum("active_devices"), "active devices")?,
            "sub_networks": subs.len(),
        });
        let mut entry = network.clone();
        entry["now"] = json!(now);
        entry["current_epoch"] = json!(epoch);
        entry["epoch_ends_at"] = json!(epoch_ends_at);
        entry["emission_now"] = json!(civnet_common::schedule::tokens_for_epoch(&steps, epoch));
        entry["next_change"] = next_change.unwrap_or(Value::Null);
        entry["totals"] = totals;
        entry["dc_config"] = dc.map_or(Value::Null, |c| json!({"address": c["address"], "dc_mint": c["dc_mint"], "network_mint_decimals": c["network_mint_decimals"], "price_oracle": c["price_oracle"]}));
        out.push(entry);
    }
    Ok(Json(json!({"items": out, "now": now})))
}

/// One epoch of the flywheel, summed from the network's EpochInfo, DC purchases (by the epoch
/// of their block time, as the program counts them) and device changes.
#[derive(Default)]
struct FlywheelEpoch {
    scored: bool,
    emission: u128,
    tokens_issued: u128,
    dc_burned: u128,
    tokens_burned_for_dc: u128,
    dc_minted: u128,
    devices_added: u128,
}

async fn flywheel(State(state): State<ExplorerState>, Path(address): Path<String>) -> Answer {
    let store = &state.store;
    let Some(network) = store.select("SELECT * FROM networks WHERE address = $1", &[text(&address)]).await?.into_iter().next() else {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("unknown network {address}")));
    };
    let length = u32::try_from(network["epoch_length_secs"].as_u64().unwrap_or(1)).unwrap_or(u32::MAX);
    let mut epochs: BTreeMap<u64, FlywheelEpoch> = BTreeMap::new();
    for e in store.select("SELECT * FROM epochs WHERE network = $1", &[text(&address)]).await? {
        let entry = epochs.entry(e["epoch"].as_u64().unwrap_or(0)).or_default();
        entry.scored = true;
        entry.emission = amount(&e, "emission");
        entry.tokens_issued = amount(&e, "total_issued");
        entry.dc_burned = amount(&e, "dc_burned");
    }
    for mint in store.select("SELECT block_time, tokens_burned, dc_minted FROM dc_mints WHERE network = $1", &[text(&address)]).await? {
        let Some(time) = mint["block_time"].as_i64() else { continue };
        let entry = epochs.entry(civnet_common::schedule::epoch_at(time, length)).or_default();
        entry.tokens_burned_for_dc += amount(&mint, "tokens_burned");
        entry.dc_minted += amount(&mint, "dc_minted");
    }
    let added = store
        .select("SELECT c.epoch AS epoch, COUNT(*) AS n FROM device_changes c JOIN sub_networks s ON s.address = c.sub_network WHERE s.network = $1 AND c.kind = 'onboarded' GROUP BY c.epoch", &[text(&address)])
        .await?;
    for row in added {
        epochs.entry(row["epoch"].as_u64().unwrap_or(0)).or_default().devices_added += u128::from(row["n"].as_u64().unwrap_or(0));
    }
    let mut items = Vec::with_capacity(epochs.len());
    for (epoch, e) in epochs.iter().rev() {
        // Net emission: what the epoch added to the circulating supply, issuance minus the
        // tokens burned to buy DC; negative when paying demand outgrows rewards.
        let net = i128::try_from(e.tokens_issued).unwrap_or(i128::MAX) - i128::try_from(e.tokens_burned_for_dc).unwrap_or(i128::MAX);
        items.push(json!({
            "epoch": epoch,
            "scored": e.scored,
            "emission": served(e.emission, "emission")?,
            "tokens_issued": served(e.tokens_issued, "tokens issued")?,
            "tokens_burned_for_dc": served(e.tokens_burned_for_dc, "tokens burned")?,
            "net_emission": i64::try_from(net).map(Value::from).unwrap_or_else(|_| Value::String(net.to_string())),
            "dc_minted": served(e.dc_minted, "DC minted")?,
            "dc_burned": served(e.dc_burned, "DC burned")?,
            "devices_added": served(e.devices_added, "devices added")?,
        }));
    }
    Ok(Json(json!({"network": address, "epoch_length_secs": length, "items": items})))
}

/// Occupied H3 cells with their device counts: one entry per distinct location.
async fn cells(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut sql = String::from(
        "SELECT d.location AS location, COUNT(*) AS devices, CAST(SUM(d.active) AS BIGINT) AS active_devices FROM devices d \
         LEFT JOIN sub_networks s ON s.network = d.network AND s.idx = d.sub_network_index WHERE d.location IS NOT NULL",
    );
    let mut binds = Vec::new();
    if let Some(network) = &params.network {
        binds.push(text(network));
        sql.push_str(&format!(" AND d.network = ${}", binds.len()));
    }
    if let Some(sub) = &params.sub_network {
        binds.push(text(sub));
        sql.push_str(&format!(" AND (s.name = ${0} OR s.address = ${0})", binds.len()));
    }
    sql.push_str(" GROUP BY d.location ORDER BY d.location");
    let items = store.select(&sql, &binds).await?;
    Ok(Json(json!({"items": items, "total": items.len()})))
}
