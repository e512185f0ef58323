//! The JSON HTTP API (`civnet index --serve ADDR`), read-only over the index. Lists take
//! `?limit=` (default 100, at most 1000) and `?offset=` and answer
//! `{"items": [...], "total": N, "limit": L, "offset": O}`, newest first where time matters.
//! Errors are `{"error": "..."}`: 400 for a bad parameter (a limit outside 1..=1000, a
//! negative offset, a value that is not a number, an epoch out of range, a path segment that
//! is not an address, a sub-network name several networks use without `?network=`), 404 for
//! what is not indexed and for unknown routes.
//!
//! | route | what |
//! |---|---|
//! | `/status` | row counts and the per-program cursors |
//! | `/devices`, `/devices/{device key, asset id or device address}` | devices with sub-network and maker names |
//! | `/makers` | makers |
//! | `/sub-networks`, `/sub-networks/{name or address}/epochs` | sub-networks, with their activity records' totals (active devices, DC burned for usage, fees); one sub-network's epochs (`?network=` when names repeat across networks) |
//! | `/sub-networks/{name or address}/activity` | its `SubNetworkBurns` and `SubNetworkDevices` records, recent epochs included |
//! | `/epochs/{n}` | epoch `n`: network totals and every sub-network's record |
//! | `/burns?sub_network=&epoch=&kind=` | usage burns of DC (`kind`: usage, delegated) |
//! | `/device-changes?sub_network=&epoch=&kind=&device=` | onboardings, activity changes, updates and retirements, with fees and active-device counts |
//! | `/mints`, `/claims`, `/issuance` | DC mints, reward claims, issuance |
//! | `/networks`, `/networks/{address}/epochs`, `/cells` | the explorer's overview, flywheel and map ([`crate::explorer`]) |
//! | `POST /`, `POST /das` | the DAS JSON-RPC API for device cNFTs ([`crate::das_api`]) |
//!
//! Every answer allows any origin (CORS), so web apps read the index from the browser.
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use civnet_client::rpc::Rpc;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::rows::Val;
use crate::store::Store;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// The API alone (status and DAS at `/`, DAS at `/das`, JSON 404s, CORS), without an RPC
/// node (DAS proofs are not checked against the chain): what tests and `civnet oracle` mount.
pub fn router(store: Store) -> Router {
    router_with_rpc(store, None)
}

/// The API alone; `rpc` is where DAS proofs are checked against tree accounts.
pub fn router_with_rpc(store: Store, rpc: Option<Rpc>) -> Router {
    let das = crate::das_api::Das { store: store.clone(), rpc };
    let root = Router::new().route("/", get(status).merge(crate::das_api::post_route(das.clone()))).with_state(store.clone());
    routes(store.clone())
        .merge(crate::explorer::routes(crate::explorer::ExplorerState { store, clock: Default::default() }))
        .merge(root)
        .route("/das", crate::das_api::post_route(das))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(cors))
}

pub async fn not_found() -> ApiError {
    ApiError(StatusCode::NOT_FOUND, "no such route".into())
}

/// The index's JSON routes, without `/` and without a fallback, for mounting next to others
/// (`civnet index --serve` adds the explorer's routes, DAS and the web app).
pub fn routes(store: Store) -> Router {
    Router::new()
        .route("/status", get(status))
        .route("/devices", get(devices))
        .route("/devices/{id}", get(device))
        .route("/makers", get(makers))
        .route("/sub-networks", get(sub_networks))
        .route("/sub-networks/{name}/epochs", get(sub_network_epochs))
        .route("/sub-networks/{name}/activity", get(sub_network_activity))
        .route("/epochs/{n}", get(epoch))
        .route("/burns", get(burns))
        .route("/device-changes", get(device_changes))
        .route("/mints", get(mints))
        .route("/claims", get(claims))
        .route("/issuance", get(issuance))
        .with_state(store)
}

/// CORS for browsers: any origin may read; a preflight (`OPTIONS`) is answered here for
/// every route.
pub async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS { StatusCode::NO_CONTENT.into_response() } else { next.run(request).await };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    response
}

pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}"))
    }
}

type Answer = Result<Json<Value>, ApiError>;

/// `axum::extract::Query` whose rejection (`?limit=ten`) is a JSON 400 like every other
/// error of the API, not axum's plain-text body.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(ApiError(StatusCode::BAD_REQUEST, rejection.body_text())),
        }
    }
}

/// A path segment that must be an address: a 400 naming it when it is not base58 of 32 bytes.
pub fn address(text: &str) -> Result<(), ApiError> {
    match text.parse::<anchor_lang::prelude::Pubkey>() {
        Ok(_) => Ok(()),
        Err(_) => Err(ApiError(StatusCode::BAD_REQUEST, format!("{text} is not a base58 address"))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    limit: Option<i64>,
    offset: Option<i64>,
    sub_network: Option<String>,
    network: Option<String>,
    epoch: Option<i64>,
    kind: Option<String>,
    device: Option<String>,
}

/// A SELECT assembled from parts, its binds numbered `$1..` for both backends.
struct Select {
    columns: &'static str,
    from: &'static str,
    filters: Vec<String>,
    binds: Vec<Val>,
}

impl Select {
    fn new(columns: &'static str, from: &'static str) -> Self {
        Self { columns, from, filters: Vec::new(), binds: Vec::new() }
    }

    /// Adds a filter; `?` in it stands for the new bind.
    fn filter(&mut self, condition: &str, value: Val) {
        self.binds.push(value);
        self.filters.push(condition.replace('?', &format!("${}", self.binds.len())));
    }

    fn where_clause(&self) -> String {
        if self.filters.is_empty() { String::new() } else { format!(" WHERE {}", self.filters.join(" AND ")) }
    }

    async fn all(&self, store: &Store, order: &str) -> Result<Vec<Value>, ApiError> {
        Ok(store.select(&format!("SELECT {} FROM {}{} ORDER BY {order}", self.columns, self.from, self.where_clause()), &self.binds).await?)
    }

    async fn page(mut self, store: &Store, order: &str, params: &Params) -> Answer {
        let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = params.offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) || offset < 0 {
            return Err(ApiError(StatusCode::BAD_REQUEST, format!("limit must be 1..={MAX_LIMIT} and offset >= 0")));
        }
        let total = store.select(&format!("SELECT COUNT(*) AS n FROM {}{}", self.from, self.where_clause()), &self.binds).await?;
        let total = total.first().and_then(|r| r["n"].as_i64()).unwrap_or_default();
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY {order} LIMIT ${} OFFSET ${}",
            self.columns,
            self.from,
            self.where_clause(),
            self.binds.len() + 1,
            self.binds.len() + 2
        );
        self.binds.push(Val::Int(Some(limit)));
        self.binds.push(Val::Int(Some(offset)));
        let items = store.select(&sql, &self.binds).await?;
        Ok(Json(json!({"items": items, "total": total, "limit": limit, "offset": offset})))
    }
}

fn text(s: &str) -> Val {
    Val::Text(Some(s.to_string()))
}

async fn status(State(store): State<Store>) -> Answer {
    let cursors = store.select("SELECT program, last_signature, last_slot FROM cursors ORDER BY program", &[]).await?;
    Ok(Json(json!({"counts": store.counts().await?, "cursors": cursors})))
}

/// A device with its sub-network and maker names and what it has claimed in its sub-network
/// (`total_claimed`: its `Recipient` record, NULL before a first claim).
const DEVICE_COLUMNS: &str = "d.*, s.address AS sub_network, s.name AS sub_network_name, m.name AS maker_name, r.total_claimed AS total_claimed";
const DEVICE_FROM: &str = "devices d LEFT JOIN sub_networks s ON s.network = d.network AND s.idx = d.sub_network_index LEFT JOIN makers m ON m.address = d.maker \
     LEFT JOIN recipients r ON r.asset_id = d.asset_id AND r.sub_network = s.address";

async fn devices(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    Select::new(DEVICE_COLUMNS, DEVICE_FROM).page(&store, "d.address", &params).await
}

async fn device(State(store): State<Store>, Path(id): Path<String>) -> Answer {
    address(&id)?;
    let mut select = Select::new(DEVICE_COLUMNS, DEVICE_FROM);
    select.filter("(d.device_key = ? OR d.asset_id = ? OR d.address = ?)", text(&id));
    match select.all(&store, "d.address").await?.into_iter().next() {
        Some(device) => Ok(Json(device)),
        None => Err(ApiError(StatusCode::NOT_FOUND, format!("unknown device {id}"))),
    }
}

async fn makers(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new("*", "makers");
    if let Some(network) = &params.network {
        select.filter("network = ?", text(network));
    }
    select.page(&store, "network, name", &params).await
}

/// A sub-network with the totals of its activity records (NULL until a record is opened).
/// The addresses of its activity records and rewards root come along: wallets name them in
/// onboarding and claim transactions.
const SUB_NETWORK_COLUMNS: &str = "s.*, d.active_devices AS active_devices, b.total_burned AS total_dc_burned, d.fees_dc_burned AS fees_dc_burned, d.devices_onboarded AS devices_onboarded, \
     b.address AS sub_network_burns, d.address AS sub_network_devices, rr.address AS rewards_root";
const SUB_NETWORK_FROM: &str = "sub_networks s LEFT JOIN sub_network_burns b ON b.sub_network = s.address LEFT JOIN sub_network_devices d ON d.sub_network = s.address \
     LEFT JOIN reward_roots rr ON rr.sub_network = s.address";

async fn sub_networks(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new(SUB_NETWORK_COLUMNS, SUB_NETWORK_FROM);
    if let Some(network) = &params.network {
        select.filter("s.network = ?", text(network));
    }
    select.page(&store, "s.network, s.idx", &params).await
}

/// The one sub-network `name` (a name or an address, in `?network=` if given) names: 404
/// when none, 400 when the name is used in several networks and `?network=` is missing.
async fn one_sub_network(store: &Store, name: &str, params: &Params) -> Result<Value, ApiError> {
    let mut select = Select::new("s.address, s.name, s.network", "sub_networks s");
    select.filter("(s.name = ? OR s.address = ?)", text(name));
    if let Some(network) = &params.network {
        select.filter("s.network = ?", text(network));
    }
    let mut found = select.all(store, "s.network, s.idx").await?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ApiError(StatusCode::NOT_FOUND, format!("unknown sub-network {name}"))),
        _ => Err(ApiError(StatusCode::BAD_REQUEST, format!("{name} names a sub-network in several networks: add ?network="))),
    }
}

/// One sub-network's activity records (`null` for one not opened yet).
async fn sub_network_activity(State(store): State<Store>, Path(name): Path<String>, Query(params): Query<Params>) -> Answer {
    let sub = one_sub_network(&store, &name, &params).await?;
    let address = sub["address"].as_str().unwrap_or_default();
    let record = |table: &'static str| {
        let mut select = Select::new("*", table);
        select.filter("sub_network = ?", text(address));
        select
    };
    let burns = record("sub_network_burns").all(&store, "address").await?.into_iter().next();
    let devices = record("sub_network_devices").all(&store, "address").await?.into_iter().next();
    Ok(Json(json!({"sub_network": address, "name": sub["name"], "network": sub["network"], "burns": burns, "devices": devices})))
}

async fn sub_network_epochs(State(store): State<Store>, Path(name): Path<String>, Query(params): Query<Params>) -> Answer {
    // One sub-network's: a name two networks use would mix their epochs.
    let sub = one_sub_network(&store, &name, &params).await?;
    let mut select = Select::new("e.*, s.name AS sub_network_name, s.network AS network", "sub_network_epochs e JOIN sub_networks s ON s.address = e.sub_network");
    select.filter("s.address = ?", text(sub["address"].as_str().unwrap_or_default()));
    select.page(&store, "e.epoch DESC, e.sub_network", &params).await
}

async fn epoch(State(store): State<Store>, Path(n): Path<String>) -> Answer {
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("epoch {n} is not a number")));
    }
    let n = n.parse::<i64>().map_err(|_| ApiError(StatusCode::BAD_REQUEST, "epoch out of range".into()))?;
    let mut networks = Select::new("*", "epochs");
    networks.filter("epoch = ?", Val::Int(Some(n)));
    let mut subs = Select::new("e.*, s.name AS sub_network_name, s.network AS network", "sub_network_epochs e LEFT JOIN sub_networks s ON s.address = e.sub_network");
    subs.filter("e.epoch = ?", Val::Int(Some(n)));
    let networks = networks.all(&store, "network").await?;
    let subs = subs.all(&store, "s.network, s.idx").await?;
    if networks.is_empty() && subs.is_empty() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("nothing indexed for epoch {n}")));
    }
    Ok(Json(json!({"epoch": n, "networks": networks, "sub_networks": subs})))
}

async fn burns(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new("b.*, s.name AS sub_network_name", "dc_burns b LEFT JOIN sub_networks s ON s.address = b.sub_network");
    if let Some(sub) = &params.sub_network {
        select.filter("(s.name = ? OR b.sub_network = ?)", text(sub));
    }
    if let Some(network) = &params.network {
        select.filter("(b.network = ? OR s.network = ?)", text(network));
    }
    if let Some(epoch) = params.epoch {
        select.filter("b.epoch = ?", Val::Int(Some(epoch)));
    }
    if let Some(kind) = &params.kind {
        select.filter("b.kind = ?", text(kind));
    }
    select.page(&store, "b.slot DESC, b.signature, b.ix, b.inner_ix", &params).await
}

async fn device_changes(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new("c.*, s.name AS sub_network_name", "device_changes c LEFT JOIN sub_networks s ON s.address = c.sub_network");
    if let Some(sub) = &params.sub_network {
        select.filter("(s.name = ? OR c.sub_network = ?)", text(sub));
    }
    if let Some(network) = &params.network {
        select.filter("s.network = ?", text(network));
    }
    if let Some(epoch) = params.epoch {
        select.filter("c.epoch = ?", Val::Int(Some(epoch)));
    }
    if let Some(kind) = &params.kind {
        select.filter("c.kind = ?", text(kind));
    }
    if let Some(device) = &params.device {
        select.filter("c.device = ?", text(device));
    }
    select.page(&store, "c.slot DESC, c.signature, c.ix, c.inner_ix", &params).await
}

async fn mints(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new("*", "dc_mints");
    if let Some(network) = &params.network {
        select.filter("network = ?", text(network));
    }
    select.page(&store, "slot DESC, signature, ix, inner_ix", &params).await
}

async fn claims(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new("c.*, s.name AS sub_network_name", "claims c LEFT JOIN sub_networks s ON s.address = c.sub_network");
    if let Some(sub) = &params.sub_network {
        select.filter("(s.name = ? OR c.sub_network = ?)", text(sub));
    }
    select.page(&store, "c.slot DESC, c.signature, c.ix, c.inner_ix", &params).await
}

async fn issuance(State(store): State<Store>, Query(params): Query<Params>) -> Answer {
    let mut select = Select::new("i.*, s.name AS sub_network_name", "issuance i LEFT JOIN sub_networks s ON s.address = i.sub_network");
    if let Some(sub) = &params.sub_network {
        select.filter("(s.name = ? OR i.sub_network = ?)", text(sub));
    }
    if let Some(epoch) = params.epoch {
        select.filter("i.epoch = ?", Val::Int(Some(epoch)));
    }
    select.page(&store, "i.epoch DESC, i.sub_network", &params).await
}
