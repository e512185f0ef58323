//! The oracle's HTTP API (`civnet oracle --serve ADDR`), JSON throughout.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/reports` | a batch of signed reports -> each one's status ([`crate::ingest`]) |
//! | `GET /v1/entropy` | the entropy heartbeats carry, and until when it is good |
//! | `GET /v1/rewards/{asset id or device key}` | the device's cumulative reward in the newest root on chain, its epoch, the root and the proof `civnet rewards claim --oracle` submits (`?sub_network=` when it earned in several) |
//! | `GET /v1/epochs/{e}/manifest` | per sub-network closed at `e`: issuance, price, pools, unallocated rest, every leaf's share and cumulative amount (in tree order: enough to rebuild the root), per-payer DC caps (`?sub_network=` for one) |
//! | `GET /v1/status` | row counts, served sub-networks and their last closed epochs |
//!
//! Every route answers cross-origin requests (CORS, any origin): browsers read it from the
//! web app, which `civnet index --serve` serves from another address.
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use civnet_common::rewards::RewardTree;
use serde_json::{json, Value};
use sqlx::Row as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::{amount, int, wide};
/// The index's JSON error (`{"error": ...}` with a status), shared by both services' APIs.
pub use civnet_indexer::api::ApiError;
use crate::Oracle;

pub fn router(oracle: Arc<Oracle>) -> Router {
    Router::new()
        .route("/v1/reports", post(crate::ingest::post_reports))
        .route("/v1/entropy", get(crate::ingest::get_entropy))
        .route("/v1/rewards/{id}", get(rewards))
        .route("/v1/epochs/{epoch}/manifest", get(manifest))
        .route("/v1/status", get(status))
        .route("/", get(status))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such route".into()) })
        // Twice the batch limit reaches the handler, which refuses (and records) what is over it.
        .layer(DefaultBodyLimit::max(2 * crate::report::MAX_BATCH_BYTES))
        .layer(tower_http::cors::CorsLayer::new().allow_origin(tower_http::cors::Any).allow_methods(tower_http::cors::Any).allow_headers(tower_http::cors::Any))
        .with_state(oracle)
}

type Answer = Result<Json<Value>, ApiError>;

#[derive(Debug, Default, serde::Deserialize)]
pub struct Params {
    sub_network: Option<String>,
}

/// A posted epoch's tree, kept in memory for proofs (one per sub-network: the newest).
pub struct ServedTree {
    pub epoch: u64,
    pub tree: RewardTree,
    pub positions: HashMap<[u8; 32], (usize, u64)>,
}

#[derive(Default)]
pub struct TreeCache(Mutex<HashMap<String, Arc<ServedTree>>>);

impl TreeCache {
    pub fn insert(&self, sub_network: &str, epoch: u64, entries: Vec<([u8; 32], u64)>, tree: RewardTree) {
        let positions = entries.iter().enumerate().map(|(i, (asset, amount))| (*asset, (i, *amount))).collect();
        self.0.lock().expect("tree cache").insert(sub_network.to_string(), Arc::new(ServedTree { epoch, tree, positions }));
    }

    fn get(&self, sub_network: &str, epoch: u64) -> Option<Arc<ServedTree>> {
        self.0.lock().expect("tree cache").get(sub_network).filter(|t| t.epoch == epoch).cloned()
    }
}

/// A device's claim as the oracle serves it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RewardProof {
    pub sub_network: String,
    pub epoch: u64,
    pub asset_id: String,
    pub device_key: String,
    pub cumulative_amount: u64,
    pub root: String,
    pub leaf_index: u64,
    /// Sibling hashes, hex, leaf to root.
    pub proof: Vec<String>,
    /// Claimed so far, as the index last saw the device's `Recipient` record.
    pub claimed: u64,
    /// `cumulative_amount - claimed`: what a claim with this proof pays (0 once claimed).
    pub claimable: u64,
}

impl Oracle {
    /// The claim of the device with this asset id or device key in the newest posted root of
    /// its sub-network (`sub_network` narrows it down when it earned in several).
    pub async fn reward_proof(&self, id: &str, sub_network: Option<&str>) -> Result<Option<RewardProof>> {
        let mut sql = String::from(
            "SELECT r.sub_network, r.epoch, r.asset_id, r.device_key FROM oracle_rewards r JOIN oracle_epochs e ON e.sub_network = r.sub_network AND e.epoch = r.epoch \
             WHERE (r.asset_id = $1 OR r.device_key = $1) AND e.state <> 'computed'",
        );
        if sub_network.is_some() {
            sql.push_str(" AND r.sub_network = $2");
        }
        sql.push_str(" ORDER BY r.epoch DESC LIMIT 1");
        let mut query = sqlx::query(&sql).bind(id);
        if let Some(sub) = sub_network {
            query = query.bind(sub);
        }
        let Some(row) = query.fetch_optional(self.store.pool()).await? else { return Ok(None) };
        let sub: String = row.try_get("sub_network")?;
        // The newest posted epoch of that sub-network holds every leaf (amounts carry forward).
        let epoch: i64 = sqlx::query_scalar("SELECT MAX(epoch) FROM oracle_epochs WHERE sub_network = $1 AND state <> 'computed'").bind(&sub).fetch_one(self.store.pool()).await?;
        let asset: Pubkey = row.try_get::<String, _>("asset_id")?.parse()?;
        self.served_proof(sub, u64::try_from(epoch)?, asset, row.try_get("device_key")?).await
    }

    /// [`Oracle::reward_proof`] of many devices by asset id, in order: one query per 100 ids
    /// instead of two per id (what owners claiming all their devices, and the demo, need).
    pub async fn reward_proofs(&self, asset_ids: &[String]) -> Result<Vec<Option<RewardProof>>> {
        let mut newest_posted: HashMap<String, i64> = HashMap::new();
        for row in sqlx::query("SELECT sub_network, MAX(epoch) AS epoch FROM oracle_epochs WHERE state <> 'computed' GROUP BY sub_network").fetch_all(self.store.pool()).await? {
            newest_posted.insert(row.try_get("sub_network")?, row.try_get("epoch")?);
        }
        // Per asset: the sub-network and device key of the newest posted epoch it earned in.
        let mut earned: HashMap<String, (i64, String, String)> = HashMap::new();
        for chunk in asset_ids.chunks(100) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT r.sub_network, r.epoch, r.asset_id, r.device_key FROM oracle_rewards r JOIN oracle_epochs e ON e.sub_network = r.sub_network AND e.epoch = r.epoch \
                 WHERE r.asset_id IN ({}) AND e.state <> 'computed'",
                marks.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(self.store.pool()).await? {
                let epoch: i64 = row.try_get("epoch")?;
                let asset: String = row.try_get("asset_id")?;
                if earned.get(&asset).is_none_or(|(seen, _, _)| epoch > *seen) {
                    earned.insert(asset, (epoch, row.try_get("sub_network")?, row.try_get("device_key")?));
                }
            }
        }
        let mut proofs = Vec::with_capacity(asset_ids.len());
        for id in asset_ids {
            let Some((_, sub, device_key)) = earned.remove(id) else {
                proofs.push(None);
                continue;
            };
            let epoch = newest_posted.get(&sub).copied().ok_or_else(|| anyhow!("{sub} has rewards but no posted epoch"))?;
            proofs.push(self.served_proof(sub, u64::try_from(epoch)?, id.parse()?, device_key).await?);
        }
        Ok(proofs)
    }

    /// The proof of `asset` in `sub`'s tree of `epoch` (loaded once into the tree cache).
    async fn served_proof(&self, sub: String, epoch: u64, asset: Pubkey, device_key: String) -> Result<Option<RewardProof>> {
        let served = match self.trees.get(&sub, epoch) {
            Some(served) => served,
            None => {
                let rows = sqlx::query("SELECT asset_id, cumulative FROM oracle_rewards WHERE sub_network = $1 AND epoch = $2 ORDER BY position").bind(&sub).bind(epoch as i64).fetch_all(self.store.pool()).await?;
                let entries: Vec<([u8; 32], u64)> = rows.iter().map(|r| Ok((r.try_get::<String, _>("asset_id")?.parse::<Pubkey>()?.to_bytes(), amount(r, "cumulative")?))).collect::<Result<_>>()?;
                let tree = RewardTree::new(&entries);
                self.trees.insert(&sub, epoch, entries, tree);
                self.trees.get(&sub, epoch).ok_or_else(|| anyhow!("tree cache"))?
            }
        };
        let Some(&(index, cumulative)) = served.positions.get(&asset.to_bytes()) else { return Ok(None) };
        let mut conn = self.store.pool().acquire().await?;
        let claimed = civnet_indexer::queries::claimed(&mut conn, &sub, &asset.to_string()).await?;
        Ok(Some(RewardProof {
            claimable: cumulative.saturating_sub(claimed),
            claimed,
            sub_network: sub,
            epoch,
            asset_id: asset.to_string(),
            device_key,
            cumulative_amount: cumulative,
            root: hex::encode(served.tree.root()),
            leaf_index: index as u64,
            proof: served.tree.proof(index).iter().map(hex::encode).collect(),
        }))
    }

    /// Every closed sub-network epoch `epoch` (of `sub_network` only, when given), in full.
    pub async fn manifest(&self, epoch: u64, sub_network: Option<&str>) -> Result<Vec<Value>> {
        let mut sql = String::from("SELECT * FROM oracle_epochs WHERE epoch = $1");
        if sub_network.is_some() {
            sql.push_str(" AND sub_network = $2");
        }
        sql.push_str(" ORDER BY sub_network");
        let mut query = sqlx::query(&sql).bind(i64::try_from(epoch)?);
        if let Some(sub) = sub_network {
            query = query.bind(sub);
        }
        let mut out = Vec::new();
        for e in query.fetch_all(self.store.pool()).await? {
            let sub: String = e.try_get("sub_network")?;
            let entries: Vec<Value> = sqlx::query("SELECT * FROM oracle_rewards WHERE sub_network = $1 AND epoch = $2 ORDER BY position")
                .bind(&sub)
                .bind(epoch as i64)
                .fetch_all(self.store.pool())
                .await?
                .iter()
                .map(|r| {
                    Ok(json!({
                        "asset_id": r.try_get::<String, _>("asset_id")?, "device_key": r.try_get::<String, _>("device_key")?,
                        "heartbeat_slices": int(r, "heartbeat_slices")?, "dc_carried": amount(r, "dc_carried")?, "dc_counted": amount(r, "dc_counted")?,
                        "data_reward": amount(r, "data_reward")?, "coverage_reward": amount(r, "coverage_reward")?, "reward": amount(r, "reward")?,
                        "cumulative": amount(r, "cumulative")?,
                    }))
                })
                .collect::<Result<_>>()?;
            let payers: Vec<Value> = sqlx::query("SELECT * FROM oracle_payers WHERE sub_network = $1 AND epoch = $2 ORDER BY payer")
                .bind(&sub)
                .bind(epoch as i64)
                .fetch_all(self.store.pool())
                .await?
                .iter()
                .map(|r| {
                    Ok(json!({
                        "payer": r.try_get::<String, _>("payer")?, "receipts": int(r, "receipts")?, "claimed_dc": amount(r, "claimed_dc")?,
                        "burned_dc": amount(r, "burned_dc")?, "counted_dc": amount(r, "counted_dc")?,
                    }))
                })
                .collect::<Result<_>>()?;
            let activity: Vec<Value> = sqlx::query("SELECT device_key, active, done, signature FROM oracle_activity WHERE sub_network = $1 AND epoch = $2 ORDER BY device_key")
                .bind(&sub)
                .bind(epoch as i64)
                .fetch_all(self.store.pool())
                .await?
                .iter()
                .map(|r| Ok(json!({"device_key": r.try_get::<String, _>("device_key")?, "active": int(r, "active")? != 0, "done": int(r, "done")? != 0, "signature": r.try_get::<Option<String>, _>("signature")?})))
                .collect::<Result<_>>()?;
            out.push(json!({
                "sub_network": sub, "epoch": epoch, "state": e.try_get::<String, _>("state")?,
                "issued": amount(&e, "issued")?,
                // DC worth `dc` cost `tokens` base units (decimal strings: u128).
                "price": {"tokens": wide(&e, "price_tokens")?.to_string(), "dc": wide(&e, "price_dc")?.to_string()},
                "slice_secs": int(&e, "slice_secs")?, "min_presence": int(&e, "min_presence")?,
                "data_rewards": amount(&e, "data_rewards")?, "coverage_pool": amount(&e, "coverage_pool")?,
                "coverage_rewards": amount(&e, "coverage_rewards")?, "unallocated": amount(&e, "unallocated")?,
                "lapsed_reports": int(&e, "lapsed_reports")?,
                "root": e.try_get::<String, _>("root")?, "total_cumulative": amount(&e, "total_cumulative")?,
                "root_signature": e.try_get::<Option<String>, _>("root_signature")?,
                "entries": entries, "payers": payers, "activity": activity,
            }));
        }
        Ok(out)
    }
}

async fn rewards(State(oracle): State<Arc<Oracle>>, Path(id): Path<String>, Query(params): Query<Params>) -> Answer {
    match oracle.reward_proof(&id, params.sub_network.as_deref()).await? {
        Some(proof) => Ok(Json(serde_json::to_value(proof).map_err(anyhow::Error::from)?)),
        None => Err(ApiError(StatusCode::NOT_FOUND, format!("no rewards posted for {id}"))),
    }
}

async fn manifest(State(oracle): State<Arc<Oracle>>, Path(epoch): Path<u64>, Query(params): Query<Params>) -> Answer {
    let manifests = oracle.manifest(epoch, params.sub_network.as_deref()).await?;
    if manifests.is_empty() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("epoch {epoch} is not closed")));
    }
    Ok(Json(json!({"epoch": epoch, "sub_networks": manifests})))
}

async fn status(State(oracle): State<Arc<Oracle>>) -> Answer {
    let closed = sqlx::query("SELECT sub_network, MAX(epoch) AS epoch FROM oracle_epochs GROUP BY sub_network ORDER BY sub_network").fetch_all(oracle.store.pool()).await.map_err(anyhow::Error::from)?;
    let closed: Vec<Value> = closed.iter().map(|r| Ok(json!({"sub_network": r.try_get::<String, _>("sub_network")?, "last_closed_epoch": int(r, "epoch")?}))).collect::<Result<_>>()?;
    Ok(Json(json!({"oracle": oracle.key.to_string(), "network": oracle.network.to_string(), "counts": oracle.store.counts().await?, "closed": closed})))
}
