//! The Metaplex Digital Asset Standard (DAS) read API for civnet's device cNFTs, as JSON-RPC
//! 2.0 at `POST /das`: `getAsset`, `getAssetsByOwner` and `getAssetProof` with the JSON
//! shapes of the public DAS implementations, so a wallet lists a user's devices and fetches
//! the proof it onboards and claims with.
//!
//! This is the subset the web app needs, built on what the index holds: a device's owner is
//! the one last seen in a civnet event (see the README's limits: plain Bubblegum transfers
//! are not followed yet), and a proof is rebuilt from the tree's change-log history over RPC
//! (`civnet_client::tree_history`, as `civnet device onboard` does) and checked against the
//! tree's current root on chain.
use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use civnet_client::bubblegum::{active_root, TreeShape};
use civnet_client::registry;
use civnet_client::rpc::Rpc;
use civnet_client::tree_history::TreeHistory;
use serde_json::{json, Value};

use crate::rows::Val;
use crate::store::Store;

#[derive(Clone)]
pub struct DasState {
    pub store: Store,
    /// Proofs and leaf hashes read the cluster; without one, only index reads answer.
    pub rpc: Option<Rpc>,
}

pub fn routes(state: DasState) -> Router {
    Router::new().route("/das", post(rpc_call)).with_state(state)
}

/// A JSON-RPC error: `-32602` bad params, `-32601` unknown method, `-32000` not found or
/// the cluster's answer, as DAS servers answer.
struct RpcFailure(i64, String);

fn invalid(message: impl Into<String>) -> RpcFailure {
    RpcFailure(-32602, message.into())
}

impl From<anyhow::Error> for RpcFailure {
    fn from(e: anyhow::Error) -> Self {
        RpcFailure(-32000, format!("{e:#}"))
    }
}

async fn rpc_call(State(state): State<DasState>, Json(request): Json<Value>) -> Json<Value> {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request["method"].as_str().unwrap_or_default().to_string();
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    let answer = match method.as_str() {
        "getAsset" => get_asset(&state, &params).await,
        "getAssetsByOwner" => get_assets_by_owner(&state, &params).await,
        "getAssetProof" => get_asset_proof(&state, &params).await,
        other => Err(RpcFailure(-32601, format!("method {other:?} is not served"))),
    };
    Json(match answer {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(RpcFailure(code, message)) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    })
}

/// `params` as an object (`{"id": ..}`) or positionally (`[..]`).
fn param(params: &Value, name: &str, position: usize) -> Option<Value> {
    params.get(name).cloned().or_else(|| params.get(position).cloned()).filter(|v| !v.is_null())
}

fn pubkey_param(params: &Value, name: &str, position: usize) -> Result<Pubkey, RpcFailure> {
    let text = param(params, name, position).and_then(|v| v.as_str().map(str::to_string)).ok_or_else(|| invalid(format!("missing {name}")))?;
    text.parse().map_err(|_| invalid(format!("{name} {text:?} is not a base58 address")))
}

const DEVICE_COLUMNS: &str = "d.asset_id, d.device_key, d.owner, d.merkle_tree, d.leaf_index, d.maker, d.network";

async fn device_row(store: &Store, asset: &Pubkey) -> Result<Value, RpcFailure> {
    let rows = store.select(&format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.asset_id = $1 AND d.merkle_tree IS NOT NULL"), &[Val::Text(Some(asset.to_string()))]).await?;
    rows.into_iter().next().ok_or_else(|| RpcFailure(-32000, format!("Asset Not Found: {asset}")))
}

fn b58(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

fn field_key(row: &Value, column: &str) -> Result<Pubkey, RpcFailure> {
    row[column].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| RpcFailure(-32000, format!("the index has no {column} for this asset yet")))
}

/// The device's maker account, read from the cluster (its name and URI base make the
/// metadata whose hash is in the leaf).
async fn maker_account(rpc: &Rpc, maker: Pubkey) -> Result<device_registry::state::Maker, RpcFailure> {
    let rpc = rpc.clone();
    let data = crate::chain::blocking(move || rpc.account(&maker).map_err(|e| anyhow::anyhow!("reading maker {maker}: {}", e.message))).await?;
    let data = data.ok_or_else(|| RpcFailure(-32000, format!("maker {maker} does not exist")))?.0;
    device_registry::state::Maker::try_deserialize(&mut data.as_slice()).map_err(|e| RpcFailure(-32000, format!("maker {maker}: {e}")))
}

/// The DAS asset of a device row, in the public implementations' shape.
async fn asset_json(state: &DasState, row: &Value) -> Result<Value, RpcFailure> {
    let asset = field_key(row, "asset_id")?;
    let owner = field_key(row, "owner")?;
    let tree = field_key(row, "merkle_tree")?;
    let network = field_key(row, "network")?;
    let device_key = field_key(row, "device_key")?;
    let leaf_id = row["leaf_index"].as_u64().unwrap_or(0);
    let rpc = state.rpc.as_ref().ok_or_else(|| RpcFailure(-32000, "this indexer was started without a cluster".into()))?;
    let maker = maker_account(rpc, field_key(row, "maker")?).await?;
    let metadata = device_registry::instructions::device_metadata(&maker, &device_key, registry::device_creator(&network));
    let leaf = registry::device_leaf(&network, &maker, &device_key, &owner, leaf_id, [0; 32]);
    let creators: Vec<Value> = metadata.creators.iter().map(|c| json!({"address": c.address.to_string(), "share": c.share, "verified": c.verified})).collect();
    Ok(json!({
        "interface": "V1_NFT",
        "id": asset.to_string(),
        "content": {
            "$schema": "https://schema.metaplex.com/nft1.0.json",
            "json_uri": metadata.uri,
            "files": [],
            "metadata": {"name": metadata.name, "symbol": metadata.symbol},
            "links": {}
        },
        "authorities": [{"address": registry::device_creator(&network).to_string(), "scopes": ["full"]}],
        "compression": {
            "eligible": false,
            "compressed": true,
            "data_hash": b58(&leaf.data_hash),
            "creator_hash": b58(&leaf.creator_hash),
            "asset_hash": b58(&registry::leaf_hash(&asset, &owner, &leaf)),
            "tree": tree.to_string(),
            "seq": leaf_id + 1,
            "leaf_id": leaf_id
        },
        "grouping": [],
        "royalty": {"royalty_model": "creators", "target": null, "percent": 0.0, "basis_points": metadata.seller_fee_basis_points, "primary_sale_happened": metadata.primary_sale_happened, "locked": false},
        "creators": creators,
        "ownership": {"frozen": false, "delegated": false, "delegate": null, "ownership_model": "single", "owner": owner.to_string()},
        "supply": {"print_max_supply": 0, "print_current_supply": 0, "edition_nonce": null},
        "mutable": metadata.is_mutable,
        "burnt": false,
        // civnet's own: the device this cNFT is the identity of.
        "civnet": {"device_key": device_key.to_string(), "maker": maker.name}
    }))
}

async fn get_asset(state: &DasState, params: &Value) -> Result<Value, RpcFailure> {
    let asset = pubkey_param(params, "id", 0)?;
    let row = device_row(&state.store, &asset).await?;
    asset_json(state, &row).await
}

async fn get_assets_by_owner(state: &DasState, params: &Value) -> Result<Value, RpcFailure> {
    let owner = pubkey_param(params, "ownerAddress", 0)?;
    let page = param(params, "page", 2).and_then(|v| v.as_i64()).unwrap_or(1);
    let limit = param(params, "limit", 3).and_then(|v| v.as_i64()).unwrap_or(1000);
    if page < 1 || !(1..=1000).contains(&limit) {
        return Err(invalid("page must be >= 1 and limit 1..=1000"));
    }
    let owner_text = Val::Text(Some(owner.to_string()));
    let total = state.store.select("SELECT COUNT(*) AS n FROM devices d WHERE d.owner = $1 AND d.merkle_tree IS NOT NULL", &[owner_text.clone()]).await?;
    let rows = state
        .store
        .select(
            &format!("SELECT {DEVICE_COLUMNS} FROM devices d WHERE d.owner = $1 AND d.merkle_tree IS NOT NULL ORDER BY d.asset_id LIMIT $2 OFFSET $3"),
            &[owner_text, Val::Int(Some(limit)), Val::Int(Some((page - 1) * limit))],
        )
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(asset_json(state, row).await?);
    }
    Ok(json!({"total": total.first().and_then(|r| r["n"].as_u64()).unwrap_or(0), "limit": limit, "page": page, "items": items}))
}

async fn get_asset_proof(state: &DasState, params: &Value) -> Result<Value, RpcFailure> {
    let asset = pubkey_param(params, "id", 0)?;
    let row = device_row(&state.store, &asset).await?;
    let tree = field_key(&row, "merkle_tree")?;
    let leaf_id = u32::try_from(row["leaf_index"].as_u64().unwrap_or(0)).map_err(|_| invalid("leaf index out of range"))?;
    let rpc = state.rpc.clone().ok_or_else(|| RpcFailure(-32000, "this indexer was started without a cluster".into()))?;
    let (history, depth) = crate::chain::blocking(move || {
        let data = rpc.account(&tree).map_err(|e| anyhow::anyhow!("reading tree {tree}: {}", e.message))?.ok_or_else(|| anyhow::anyhow!("tree {tree} does not exist"))?.0;
        let shape = TreeShape::from_account(&data).ok_or_else(|| anyhow::anyhow!("{tree} is not a merkle tree account"))?;
        let history = TreeHistory::fetch(&rpc, &tree, shape.max_depth).map_err(|e| anyhow::anyhow!("tree history of {tree}: {}", e.message))?;
        // A history that does not reach the tree's current root would give a stale proof.
        if active_root(&data, shape.max_depth) != Some(history.root()) {
            anyhow::bail!("the history of tree {tree} does not reach its current root: the RPC node does not keep full transaction history");
        }
        anyhow::Ok((history, shape.max_depth))
    })
    .await?;
    let proof: Vec<String> = history.proof(leaf_id).iter().map(|node| b58(node)).collect();
    Ok(json!({
        "root": b58(&history.root()),
        "proof": proof,
        "node_index": (1u64 << depth) + u64::from(leaf_id),
        "leaf": b58(&history.leaf(leaf_id)),
        "tree_id": tree.to_string()
    }))
}
