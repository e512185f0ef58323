//! The Metaplex Digital Asset Standard (DAS) JSON-RPC read API for civnet's device cNFTs,
//! served by `civnet index --serve` at `POST /` and `POST /das` (JSON-RPC 2.0, single or
//! batch requests, CORS open so browser wallets can call it). The answers have the shapes of
//! the public implementations (metaplex-foundation/digital-asset-rpc-infrastructure, which
//! Helius and others serve), so Umi's Bubblegum helpers and wallets work unchanged:
//!
//! | method (aliases) | params (named, or positional in this order) | result |
//! |---|---|---|
//! | `getAsset` | `id` | an `Asset` |
//! | `getAssets` (`getAssetBatch`) | `ids` (at most 1,000) | `[Asset or null]` in order |
//! | `getAssetProof` | `id` | `{root, proof, node_index, leaf, tree_id}` |
//! | `getAssetProofs` (`getAssetProofBatch`) | `ids` (at most 1,000) | `{id: proof or null}` |
//! | `getAssetsByOwner` | `ownerAddress, sortBy, limit, page, before, after` | an `AssetList` |
//! | `getAssetsByCreator` | `creatorAddress, onlyVerified, sortBy, limit, page, before, after` | an `AssetList` |
//! | `getAssetsByGroup` | `groupKey, groupValue, sortBy, limit, page, before, after` | an `AssetList` (`groupKey`: `collection`, or civnet's `maker` with a maker account) |
//!
//! Lists hold live assets only (burnt and redeemed ones are gone; `getAsset` still answers
//! for them with `burnt: true`). `sortBy` is `{sortBy: id|created|updated|recent_action|none,
//! sortDirection: asc|desc}` (default id, desc); pages are `page` (from 1) or the
//! `before`/`after` asset-id cursors (sorted by id only), `limit` at most 1,000 (default
//! 1,000). As in the public implementations, `total` is the number of items returned.
//!
//! `getAssetProof` answers from the indexed nodes in `max_depth + 2` lookups, and with an RPC
//! node it checks the answer against the tree account: the chain's root at the proof's
//! sequence number must be the proof's root and still in the tree's change-log buffer,
//! otherwise the answer is an error that says the proof is stale (or wrong) instead of a
//! proof the chain would refuse.
//!
//! Errors: -32700 the body is not JSON; -32600 not a JSON-RPC 2.0 request; -32601 unknown
//! method; -32602 bad params (unknown or missing fields, keys that are not base58 public
//! keys, limits out of range), each with a message naming the problem; -32000 the request was
//! valid but cannot be answered (unknown asset, asset without a leaf, stale proof).
use anchor_lang::prelude::Pubkey;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use civnet_client::rpc::Rpc;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::chain::blocking;
use crate::das::{self, AssetRow, ProofRefusal};
use crate::store::Store;

/// What the DAS handler needs: the index, and an RPC node to check proofs against (none in
/// tests of the index alone).
#[derive(Clone)]
pub struct Das {
    pub store: Store,
    pub rpc: Option<Rpc>,
}

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
/// The request was fine; the answer is that there is no answer (DAS's "not found" code).
pub const NOT_ANSWERABLE: i64 = -32000;
pub const INTERNAL_ERROR: i64 = -32603;
/// Items per page at most (and by default), as in the public implementations.
pub const MAX_LIMIT: u32 = 1_000;

#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

fn error(code: i64, message: impl Into<String>) -> RpcError {
    RpcError { code, message: message.into() }
}

type Answer = Result<Value, RpcError>;

/// `POST` of [`handle`] over `das`, for a router of any state (mounted at `/das` and, with
/// the status or the web app's index for `GET`, at `/`).
pub fn post_route<S: Clone + Send + Sync + 'static>(das: Das) -> axum::routing::MethodRouter<S> {
    axum::routing::post(move |body: Bytes| {
        let das = das.clone();
        async move { handle(State(das), body).await }
    })
}

/// `POST /` and `POST /das`: one JSON-RPC request or a batch.
pub async fn handle(State(das): State<Das>, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => return Json(envelope(Value::Null, Err(error(PARSE_ERROR, format!("Parse error: the body is not JSON ({e})"))))).into_response(),
    };
    match request {
        Value::Array(calls) if calls.is_empty() => Json(envelope(Value::Null, Err(error(INVALID_REQUEST, "Invalid Request: an empty batch")))).into_response(),
        Value::Array(calls) => {
            let mut answers = Vec::new();
            for call in calls {
                if let Some(answer) = one(&das, call).await {
                    answers.push(answer);
                }
            }
            if answers.is_empty() {
                StatusCode::NO_CONTENT.into_response()
            } else {
                Json(Value::Array(answers)).into_response()
            }
        }
        call => match one(&das, call).await {
            Some(answer) => Json(answer).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    }
}

fn envelope(id: Value, answer: Answer) -> Value {
    match answer {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": e.code, "message": e.message}}),
    }
}

/// One call; `None` for a notification (a request without `id` gets no answer).
async fn one(das: &Das, call: Value) -> Option<Value> {
    let Value::Object(call) = call else {
        return Some(envelope(Value::Null, Err(error(INVALID_REQUEST, "Invalid Request: a call is a JSON object"))));
    };
    let id = call.get("id").cloned();
    let valid_id = id.as_ref().is_none_or(|id| id.is_string() || id.is_number() || id.is_null());
    let answer = if call.get("jsonrpc") != Some(&json!("2.0")) {
        Err(error(INVALID_REQUEST, "Invalid Request: \"jsonrpc\" must be \"2.0\""))
    } else if !valid_id {
        Err(error(INVALID_REQUEST, "Invalid Request: \"id\" must be a string, a number or null"))
    } else {
        match call.get("method").and_then(Value::as_str) {
            None => Err(error(INVALID_REQUEST, "Invalid Request: \"method\" must be a string")),
            Some(method) => dispatch(das, method, call.get("params").cloned().unwrap_or(Value::Null)).await,
        }
    };
    match id {
        Some(id) if valid_id => Some(envelope(id, answer)),
        Some(_) => Some(envelope(Value::Null, answer)),
        None => None,
    }
}

async fn dispatch(das: &Das, method: &str, params: Value) -> Answer {
    match method {
        "getAsset" | "get_asset" => get_asset(das, parse(params, &["id", "options"])?).await,
        "getAssets" | "get_assets" | "getAssetBatch" | "get_asset_batch" => get_assets(das, parse(params, &["ids", "options"])?).await,
        "getAssetProof" | "get_asset_proof" => get_asset_proof(das, parse(params, &["id"])?).await,
        "getAssetProofs" | "get_asset_proofs" | "getAssetProofBatch" | "get_asset_proof_batch" => get_asset_proofs(das, parse(params, &["ids"])?).await,
        "getAssetsByOwner" | "get_assets_by_owner" => {
            let mut p: ByOwner = parse(params, &["ownerAddress", "sortBy", "limit", "page", "before", "after", "options", "cursor"])?;
            let owner = pubkey("ownerAddress", &p.owner_address)?;
            list(das, Filter::Owner(owner), p.paging()).await
        }
        "getAssetsByCreator" | "get_assets_by_creator" => {
            let mut p: ByCreator = parse(params, &["creatorAddress", "onlyVerified", "sortBy", "limit", "page", "before", "after", "options", "cursor"])?;
            let creator = pubkey("creatorAddress", &p.creator_address)?;
            list(das, Filter::Creator(creator, p.only_verified.unwrap_or(false)), p.paging()).await
        }
        "getAssetsByGroup" | "get_assets_by_group" => {
            let mut p: ByGroup = parse(params, &["groupKey", "groupValue", "sortBy", "limit", "page", "before", "after", "options", "cursor"])?;
            let value = pubkey("groupValue", &p.group_value)?;
            let filter = match p.group_key.as_str() {
                "collection" => Filter::Collection(value),
                "maker" => Filter::Maker(value),
                other => return Err(error(INVALID_PARAMS, format!("Invalid params: groupKey {other:?} is not a group of civnet devices (use \"collection\" or \"maker\")"))),
            };
            list(das, filter, p.paging()).await
        }
        other => Err(error(METHOD_NOT_FOUND, format!("Method not found: {other} (this DAS endpoint serves getAsset, getAssets, getAssetProof, getAssetProofs, getAssetsByOwner, getAssetsByCreator, getAssetsByGroup)"))),
    }
}

/// Params as a named object, or positional (`order` names the positions); unknown and
/// missing fields are errors naming them.
fn parse<T: for<'de> Deserialize<'de>>(params: Value, order: &[&str]) -> Result<T, RpcError> {
    let named = match params {
        Value::Object(map) => map,
        Value::Array(list) if list.len() > order.len() => return Err(error(INVALID_PARAMS, format!("Invalid params: at most {} positional params ({})", order.len(), order.join(", ")))),
        Value::Array(list) => order.iter().map(|k| k.to_string()).zip(list).filter(|(_, v)| !v.is_null()).collect::<Map<_, _>>(),
        Value::Null => Map::new(),
        other => return Err(error(INVALID_PARAMS, format!("Invalid params: expected an object or an array, got {other}"))),
    };
    serde_json::from_value(Value::Object(named)).map_err(|e| error(INVALID_PARAMS, format!("Invalid params: {e}")))
}

fn pubkey(field: &str, text: &str) -> Result<Pubkey, RpcError> {
    text.parse().map_err(|_| error(INVALID_PARAMS, format!("Invalid params: {field} {text:?} is not a base58 public key")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ById {
    id: String,
    /// Display options: accepted, nothing to change for civnet's assets.
    #[serde(default, alias = "displayOptions")]
    #[allow(dead_code)]
    options: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ByIds {
    ids: Vec<String>,
    #[serde(default, alias = "displayOptions")]
    #[allow(dead_code)]
    options: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Sorting {
    #[serde(default)]
    sort_by: Option<String>,
    #[serde(default)]
    sort_direction: Option<String>,
}

/// The paging fields every list method takes.
#[derive(Debug, Default)]
struct Page {
    sort_by: Option<Sorting>,
    limit: Option<u32>,
    page: Option<u32>,
    before: Option<String>,
    after: Option<String>,
}

/// A list method's params: its own fields, then the paging fields (spelled out rather than
/// flattened: serde cannot refuse unknown fields next to a flattened struct).
macro_rules! list_params {
    ($name:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct $name {
            $($field: $ty,)*
            sort_by: Option<Sorting>,
            limit: Option<u32>,
            page: Option<u32>,
            before: Option<String>,
            after: Option<String>,
            #[serde(default, alias = "displayOptions")]
            #[allow(dead_code)]
            options: Option<Value>,
            #[allow(dead_code)]
            cursor: Option<String>,
        }

        impl $name {
            fn paging(&mut self) -> Page {
                Page { sort_by: self.sort_by.take(), limit: self.limit, page: self.page, before: self.before.take(), after: self.after.take() }
            }
        }
    };
}

list_params!(ByOwner { owner_address: String });
list_params!(ByCreator { creator_address: String, only_verified: Option<bool> });
list_params!(ByGroup { group_key: String, group_value: String });

fn internal(e: anyhow::Error) -> RpcError {
    error(INTERNAL_ERROR, format!("Internal error: {e:#}"))
}

async fn get_asset(das: &Das, p: ById) -> Answer {
    pubkey("id", &p.id)?;
    let mut conn = das.store.pool.acquire().await.map_err(|e| internal(e.into()))?;
    match das::asset(&mut conn, &p.id).await.map_err(internal)? {
        Some(asset) => Ok(asset_json(&asset)),
        None => Err(error(NOT_ANSWERABLE, format!("Asset Not Found: {} is not a civnet device cNFT this index knows", p.id))),
    }
}

fn check_batch(ids: &[String]) -> Result<(), RpcError> {
    if ids.is_empty() || ids.len() > MAX_LIMIT as usize {
        return Err(error(INVALID_PARAMS, format!("Invalid params: ids must hold 1 to {MAX_LIMIT} asset ids, not {}", ids.len())));
    }
    for id in ids {
        pubkey("ids", id)?;
    }
    Ok(())
}

async fn get_assets(das: &Das, p: ByIds) -> Answer {
    check_batch(&p.ids)?;
    let mut conn = das.store.pool.acquire().await.map_err(|e| internal(e.into()))?;
    let mut out = Vec::with_capacity(p.ids.len());
    for id in &p.ids {
        out.push(das::asset(&mut conn, id).await.map_err(internal)?.map_or(Value::Null, |a| asset_json(&a)));
    }
    Ok(Value::Array(out))
}

async fn get_asset_proof(das: &Das, p: ById) -> Answer {
    pubkey("id", &p.id)?;
    proof_answer(das, &p.id).await
}

async fn get_asset_proofs(das: &Das, p: ByIds) -> Answer {
    check_batch(&p.ids)?;
    let mut out = Map::new();
    for id in &p.ids {
        let answer = match proof_answer(das, id).await {
            Ok(proof) => proof,
            Err(e) if e.code == NOT_ANSWERABLE => Value::Null,
            Err(e) => return Err(e),
        };
        out.insert(id.clone(), answer);
    }
    Ok(Value::Object(out))
}

/// The proof of `id` in DAS's shape, checked against the tree account when an RPC node is
/// at hand.
async fn proof_answer(das: &Das, id: &str) -> Answer {
    let mut conn = das.store.pool.acquire().await.map_err(|e| internal(e.into()))?;
    let proof = match das::asset_proof(&mut conn, id).await.map_err(internal)? {
        Ok(proof) => proof,
        Err(refusal @ ProofRefusal::UnknownAsset) => return Err(error(NOT_ANSWERABLE, format!("{refusal} ({id})"))),
        Err(refusal) => return Err(error(NOT_ANSWERABLE, refusal.to_string())),
    };
    drop(conn);
    if let Some(rpc) = &das.rpc {
        let (rpc, tree, length) = (rpc.clone(), proof.tree.clone(), das::check_slice(proof.max_depth, proof.max_buffer_size));
        let account = blocking(move || read_prefix(&rpc, &tree, length)).await.map_err(internal)?;
        das::check_against_chain(&proof, &account).map_err(|why| error(NOT_ANSWERABLE, why))?;
    }
    let b58 = |bytes: &[u8; 32]| bs58::encode(bytes).into_string();
    Ok(json!({
        "root": b58(&proof.root),
        "proof": proof.proof.iter().map(b58).collect::<Vec<_>>(),
        "node_index": proof.node_index,
        "leaf": b58(&proof.leaf),
        "tree_id": proof.tree,
    }))
}

/// The first `length` bytes of an account (`getAccountInfo` with a data slice: a depth-20
/// tree is a megabyte, its change-log buffer a few dozen kilobytes).
fn read_prefix(rpc: &Rpc, key: &str, length: usize) -> anyhow::Result<Vec<u8>> {
    use base64::Engine;
    let result = rpc.call("getAccountInfo", json!([key, {"encoding": "base64", "commitment": "confirmed", "dataSlice": {"offset": 0, "length": length}}])).map_err(|e| anyhow::anyhow!("reading tree {key}: {e}"))?;
    let data = result["value"]["data"][0].as_str().ok_or_else(|| anyhow::anyhow!("tree {key} does not exist on chain"))?;
    Ok(base64::engine::general_purpose::STANDARD.decode(data)?)
}

enum Filter {
    Owner(Pubkey),
    Creator(Pubkey, bool),
    Collection(Pubkey),
    Maker(Pubkey),
}

async fn list(das: &Das, filter: Filter, page: Page) -> Answer {
    let limit = page.limit.unwrap_or(MAX_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(error(INVALID_PARAMS, format!("Invalid params: limit must be 1 to {MAX_LIMIT}, not {limit}")));
    }
    let before = page.before.filter(|b| !b.is_empty());
    let after = page.after.filter(|a| !a.is_empty());
    if page.page.is_some() && (before.is_some() || after.is_some()) {
        return Err(error(INVALID_PARAMS, "Invalid params: pagination is either page or before/after, not both"));
    }
    if page.page == Some(0) {
        return Err(error(INVALID_PARAMS, "Invalid params: pages count from 1"));
    }
    let sorting = page.sort_by.unwrap_or_default();
    let column = match sorting.sort_by.as_deref().unwrap_or("id") {
        "id" => "a.id",
        "created" => "a.created_slot",
        "updated" | "recent_action" => "a.updated_slot",
        "none" => "a.id",
        other => return Err(error(INVALID_PARAMS, format!("Invalid params: sortBy {other:?} is not one of id, created, updated, recent_action, none"))),
    };
    let direction = match sorting.sort_direction.as_deref().unwrap_or("desc") {
        "asc" => "ASC",
        "desc" => "DESC",
        other => return Err(error(INVALID_PARAMS, format!("Invalid params: sortDirection {other:?} is not asc or desc"))),
    };
    if (before.is_some() || after.is_some()) && column != "a.id" {
        return Err(error(INVALID_PARAMS, "Invalid params: before/after cursors need sortBy id"));
    }
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |value: String| {
        binds.push(value);
        format!("${}", binds.len())
    };
    let (join, condition) = match &filter {
        Filter::Owner(owner) => (String::new(), format!("a.owner = {}", bind(owner.to_string()))),
        Filter::Creator(creator, only_verified) => (
            " JOIN das_creators c ON c.asset = a.id".to_string(),
            format!("c.creator = {}{}", bind(creator.to_string()), if *only_verified { " AND c.verified = 1" } else { "" }),
        ),
        Filter::Collection(collection) => (String::new(), format!("a.collection = {}", bind(collection.to_string()))),
        Filter::Maker(maker) => (String::new(), format!("t.maker = {}", bind(maker.to_string()))),
    };
    let mut sql = format!("{}{join} WHERE {condition} AND a.state = 'live'", das::ASSET_SELECT);
    if let Some(before) = &before {
        pubkey("before", before)?;
        sql.push_str(&format!(" AND a.id < {}", bind(before.clone())));
    }
    if let Some(after) = &after {
        pubkey("after", after)?;
        sql.push_str(&format!(" AND a.id > {}", bind(after.clone())));
    }
    // Cursors walk the ids in their own direction: `before` descending, `after` ascending.
    let direction = if before.is_some() { "DESC" } else if after.is_some() { "ASC" } else { direction };
    let offset = u64::from(page.page.unwrap_or(1) - 1) * u64::from(limit);
    sql.push_str(&format!(" ORDER BY {column} {direction}, a.id {direction} LIMIT {limit} OFFSET {offset}"));
    let mut query = sqlx::query(&sql);
    for value in &binds {
        query = query.bind(value);
    }
    let mut conn = das.store.pool.acquire().await.map_err(|e| internal(e.into()))?;
    let rows = query.fetch_all(&mut *conn).await.map_err(|e| internal(e.into()))?;
    let mut assets = rows.iter().map(das::asset_row).collect::<anyhow::Result<Vec<_>>>().map_err(internal)?;
    das::with_creators(&mut conn, &mut assets).await.map_err(internal)?;
    let mut answer = json!({"total": assets.len(), "limit": limit, "items": assets.iter().map(asset_json).collect::<Vec<_>>()});
    if before.is_none() && after.is_none() {
        answer["page"] = json!(page.page.unwrap_or(1));
    }
    if let Some(before) = before {
        answer["before"] = json!(before);
    }
    if let Some(after) = after {
        answer["after"] = json!(after);
    }
    Ok(answer)
}

/// An asset in the shape of the public DAS implementations (`V1_NFT`, compressed).
pub fn asset_json(asset: &AssetRow) -> Value {
    let live = asset.state == "live";
    let delegated = asset.delegate != asset.owner;
    let mut grouping = Vec::new();
    if let Some(collection) = &asset.collection {
        grouping.push(json!({"group_key": "collection", "group_value": collection, "verified": asset.collection_verified}));
    }
    json!({
        "interface": "V1_NFT",
        "id": asset.id,
        "content": {
            "$schema": "https://schema.metaplex.com/nft1.0.json",
            "json_uri": asset.uri,
            "files": [],
            "metadata": {"name": asset.name, "symbol": asset.symbol},
            "links": {},
        },
        "authorities": [{"address": asset.tree_creator, "scopes": ["full"]}],
        "compression": {
            "eligible": false,
            "compressed": live || asset.state == "burnt",
            "data_hash": asset.data_hash,
            "creator_hash": asset.creator_hash,
            "asset_hash": asset.leaf_hash,
            "tree": asset.tree,
            "seq": asset.seq,
            "leaf_id": asset.leaf_index,
        },
        "grouping": grouping,
        "royalty": {
            "royalty_model": "creators",
            "target": null,
            "percent": f64::from(asset.seller_fee_basis_points) / 10_000.0,
            "basis_points": asset.seller_fee_basis_points,
            "primary_sale_happened": asset.primary_sale_happened,
            "locked": false,
        },
        "creators": asset.creators.iter().map(|(address, share, verified)| json!({"address": address, "share": share, "verified": verified})).collect::<Vec<_>>(),
        "ownership": {
            "frozen": false,
            "delegated": delegated,
            "delegate": if delegated { json!(asset.delegate) } else { Value::Null },
            "ownership_model": "single",
            "owner": asset.owner,
        },
        "supply": {"print_max_supply": 0, "print_current_supply": 0, "edition_nonce": null},
        "mutable": asset.is_mutable,
        "burnt": asset.state == "burnt",
    })
}
