//! Ingest: `POST /v1/reports` takes a batch of signed reports and answers each one's status;
//! `GET /v1/entropy` hands out the entropy heartbeats must carry. Every report is either
//! stored as accepted (`oracle_heartbeats`, `oracle_usage`) or stored as rejected with its
//! reason (`oracle_rejected`), in one database transaction per batch: nothing is dropped.
//! The checks and their order are in [`crate::verify`].
use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use civnet_indexer::queries::{self, DeviceFacts, SubNetworkFacts};
use civnet_indexer::rows::{int, text, Row, Val};
use serde_json::{json, Value};
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::report::{self, SignedReport, MAX_BATCH_BYTES, MAX_BATCH_REPORTS};
use crate::rewards::Slices;
use crate::store::fingerprint;
use crate::verify::{self, check_entropy, check_time, strict_key, Reason, Rejection, SignatureCheck, MAX_CLOCK_SKEW_SECS, MAX_RECEIPT_AGE_SECS};
use crate::Oracle;

/// Entropy values looked up per query.
const ENTROPY_PER_QUERY: usize = 100;

/// What happened to one report: its kind when accepted, or why not.
pub type Outcome = Result<&'static str, Rejection>;

/// The answer to a batch, as `POST /v1/reports` gives it.
pub fn outcomes_json(outcomes: &[Outcome]) -> Value {
    let accepted = outcomes.iter().filter(|o| o.is_ok()).count();
    let results: Vec<Value> = outcomes
        .iter()
        .map(|o| match o {
            Ok(kind) => json!({"status": "accepted", "kind": kind}),
            Err(r) => json!({"status": "rejected", "reason": r.reason.as_str(), "detail": r.detail}),
        })
        .collect();
    json!({"accepted": accepted, "rejected": outcomes.len() - accepted, "results": results})
}

/// A new batch id: unique per process and time.
fn batch_id(received_at: i64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    use sha2::Digest;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let seed = format!("{received_at}/{nanos}/{}/{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    hex::encode(&sha2::Sha256::digest(seed.as_bytes())[..12])
}

/// A report that passed the checks before the signatures.
struct Candidate {
    position: usize,
    report: SignedReport,
    sub_network: String,
    epoch: u64,
    slice: u64,
    device_key: ed25519_dalek::VerifyingKey,
    /// The device key in base58, as stored.
    device_key_text: String,
    router_key: Option<ed25519_dalek::VerifyingKey>,
}

impl Oracle {
    /// Entropy for heartbeats, derived from a recent blockhash:
    /// `sha256("civnet/v1/entropy" || blockhash || issued_at LE)`, recorded with its time.
    pub async fn issue_entropy(&self, blockhash: [u8; 32], now: i64) -> Result<[u8; 32]> {
        use sha2::Digest;
        let entropy: [u8; 32] = sha2::Sha256::new().chain_update(b"civnet/v1/entropy").chain_update(blockhash).chain_update(now.to_le_bytes()).finalize().into();
        self.store.insert_entropy(&entropy, &bs58::encode(blockhash).into_string(), now).await?;
        Ok(entropy)
    }

    /// Verifies and stores a batch of encoded reports received at `received_at` (the oracle's
    /// clock); one outcome per report, in order.
    pub async fn ingest(&self, reports: &[Vec<u8>], received_at: i64) -> Result<Vec<Outcome>> {
        let mut outcomes: Vec<Option<Outcome>> = vec![None; reports.len()];
        // With each report its device key in base58, as the index and the store hold it.
        let mut decoded: Vec<(usize, SignedReport, String)> = Vec::with_capacity(reports.len());
        for (position, bytes) in reports.iter().enumerate() {
            match report::decode(bytes) {
                Ok(report) => {
                    let key_text = Pubkey::new_from_array(report.device_key()).to_string();
                    decoded.push((position, report, key_text))
                }
                Err(error) => outcomes[position] = Some(Err(Rejection::new(error.into(), format!("{} bytes are not a version-{} report", bytes.len(), report::REPORT_VERSION)))),
            }
        }
        let mut conn = self.store.conn().await?;

        // Sub-networks: known, served by this oracle, and the epoch the batch lands in.
        let mut subs: HashMap<[u8; 32], Result<(SubNetworkFacts, u64, bool), Rejection>> = HashMap::new();
        for (_, report, _) in &decoded {
            let key = report.sub_network();
            if subs.contains_key(&key) {
                continue;
            }
            let address = Pubkey::new_from_array(key).to_string();
            let facts = match queries::sub_network(&mut conn, &address).await? {
                None => Err(Rejection::new(Reason::UnknownSubNetwork, format!("no sub-network {address}"))),
                Some(sub) if sub.network != self.network.to_string() || sub.rewards_oracle != self.key.to_string() => {
                    Err(Rejection::new(Reason::SubNetworkNotServed, format!("{} ({address}) is not served by this oracle", sub.name)))
                }
                Some(sub) => {
                    let epoch = civnet_common::schedule::epoch_at(received_at, sub.epoch_length_secs);
                    let closed = !crate::store::closed_epochs(&mut conn, &address, &[epoch]).await?.is_empty();
                    Ok((sub, epoch, closed))
                }
            };
            subs.insert(key, facts);
        }

        // Entropy of the heartbeats.
        let wanted: Vec<String> = decoded
            .iter()
            .filter_map(|(_, r, _)| match r {
                SignedReport::Heartbeat { body, .. } => Some(hex::encode(body.entropy)),
                _ => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let entropy = entropy_times(&mut conn, &wanted).await?;

        // Devices, by key, and which of the missing ones were retired.
        // Sorted: each chunk's index lookups then touch neighbouring pages.
        let keys: Vec<String> = decoded.iter().map(|(_, _, key)| key.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        let network = self.network.to_string();
        let devices = queries::devices_by_key(&mut conn, &network, &keys).await?;
        let missing: Vec<String> = keys.iter().filter(|k| !devices.contains_key(*k)).map(|k| civnet_client::pda::device(&self.network, &k.parse().expect("base58 of 32 bytes")).to_string()).collect();
        let retired = queries::retired_devices(&mut conn, &missing).await?;

        // Routers' escrows.
        let escrow_addresses: Vec<String> = decoded
            .iter()
            .filter_map(|(_, r, _)| match r {
                SignedReport::Usage { body, .. } => Some(escrow_of(&body.sub_network, &body.router_key).to_string()),
                _ => None,
            })
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let escrows = queries::escrows(&mut conn, &escrow_addresses).await?;
        drop(conn);

        // Everything before the signatures, cheapest first (the keys are decoded up front, in
        // parallel: decoding a point is most of a key check's cost).
        let distinct_keys: Vec<[u8; 32]> = decoded
            .iter()
            .flat_map(|(_, r, _)| match r {
                SignedReport::Heartbeat { body, .. } => [Some(body.device_key), None],
                SignedReport::Usage { body, .. } => [Some(body.device_key), Some(body.router_key)],
            })
            .flatten()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut key_cache = verify::strict_keys(&distinct_keys);
        let mut candidates = Vec::with_capacity(decoded.len());
        for (position, report, device_key_text) in decoded {
            let sub = match &subs[&report.sub_network()] {
                Ok(sub) => sub,
                Err(rejection) => {
                    outcomes[position] = Some(Err(rejection.clone()));
                    continue;
                }
            };
            match self.precheck(&report, &device_key_text, sub, received_at, &entropy, &devices, &retired, &escrows, &mut key_cache) {
                Ok((slice, device_key, router_key)) => candidates.push(Candidate {
                    position,
                    report,
                    sub_network: sub.0.address.clone(),
                    epoch: sub.1,
                    slice,
                    device_key_text,
                    device_key,
                    router_key,
                }),
                Err(rejection) => outcomes[position] = Some(Err(rejection)),
            }
        }
        // Signatures, in batches: the device's, and a receipt's router countersignature.
        let messages: Vec<(Vec<u8>, Option<Vec<u8>>)> = candidates
            .iter()
            .map(|c| match &c.report {
                SignedReport::Heartbeat { body, .. } => (report::heartbeat_message(body), None),
                SignedReport::Usage { body, device_signature, .. } => (report::usage_device_message(body), Some(report::usage_router_message(body, device_signature))),
            })
            .collect();
        let mut checks = Vec::with_capacity(candidates.len() * 2);
        for (candidate, (device_message, router_message)) in candidates.iter().zip(&messages) {
            match &candidate.report {
                SignedReport::Heartbeat { signature, .. } => checks.push(SignatureCheck { key: candidate.device_key, message: device_message, signature: *signature }),
                SignedReport::Usage { device_signature, router_signature, .. } => {
                    checks.push(SignatureCheck { key: candidate.device_key, message: device_message, signature: *device_signature });
                    let router = candidate.router_key.expect("receipts carry a router key");
                    checks.push(SignatureCheck { key: router, message: router_message.as_deref().expect("router message"), signature: *router_signature });
                }
            }
        }
        let verdicts = verify::verify_signatures(&checks);
        let mut verdict = verdicts.into_iter();
        let mut accepted = Vec::with_capacity(candidates.len());
        for candidate in candidates {
            let device_ok = verdict.next().expect("one verdict per check");
            let router_ok = if candidate.router_key.is_some() { verdict.next().expect("one verdict per check") } else { true };
            if !device_ok {
                outcomes[candidate.position] = Some(Err(Rejection::new(Reason::BadSignature, "the device key's signature does not verify")));
            } else if !router_ok {
                outcomes[candidate.position] = Some(Err(Rejection::new(Reason::BadRouterSignature, "the router key's countersignature does not verify")));
            } else {
                accepted.push(candidate);
            }
        }
        // Uniqueness and storage, in one database transaction.
        let mut db = self.store.pool().begin().await?;
        for (position, outcome) in store_accepted(&mut db, &accepted, received_at).await? {
            outcomes[position] = Some(outcome);
        }
        let outcomes: Vec<Outcome> = outcomes.into_iter().map(|o| o.expect("every report has an outcome")).collect();
        let batch = batch_id(received_at);
        let mut rejected = Vec::new();
        for (position, outcome) in outcomes.iter().enumerate() {
            if let Err(rejection) = outcome {
                let parsed = report::decode(&reports[position]).ok();
                rejected.push(rejected_row(&batch, position as i64, received_at, parsed.as_ref(), rejection, &reports[position])?);
            }
        }
        civnet_indexer::Store::write(&mut db, &rejected, false).await?;
        db.commit().await.context("committing a batch of reports")?;
        Ok(outcomes)
    }

    /// Time, entropy, chain and key checks of one report.
    #[allow(clippy::too_many_arguments)]
    fn precheck(
        &self,
        report: &SignedReport,
        device_key_text: &str,
        (sub, epoch, closed): &(SubNetworkFacts, u64, bool),
        received_at: i64,
        entropy: &HashMap<String, i64>,
        devices: &HashMap<String, DeviceFacts>,
        retired: &HashSet<String>,
        escrows: &HashMap<String, queries::EscrowFacts>,
        key_cache: &mut HashMap<[u8; 32], Result<ed25519_dalek::VerifyingKey, Rejection>>,
    ) -> Result<(u64, ed25519_dalek::VerifyingKey, Option<ed25519_dalek::VerifyingKey>), Rejection> {
        let is_closed = |e: u64| *closed && e == *epoch;
        let (report_time, max_age) = match report {
            SignedReport::Heartbeat { body, .. } => (body.timestamp, MAX_CLOCK_SKEW_SECS),
            SignedReport::Usage { body, .. } => (body.ended_at, MAX_RECEIPT_AGE_SECS),
        };
        check_time(received_at, report_time, sub.epoch_length_secs, max_age, is_closed)?;
        // A heartbeat counts in the slice of its own (signed) time, so the same heartbeat can
        // never count in two slices.
        let slice = Slices::of(sub.epoch_length_secs).slice_at(report_time, sub.epoch_length_secs);
        if let SignedReport::Heartbeat { body, .. } = report {
            check_entropy(entropy.get(&hex::encode(body.entropy)).copied(), received_at)?;
        }
        let device_key = Pubkey::new_from_array(report.device_key());
        let device = match devices.get(device_key_text) {
            Some(device) => device,
            None if retired.contains(&civnet_client::pda::device(&self.network, &device_key).to_string()) => {
                return Err(Rejection::new(Reason::RetiredDevice, format!("device {device_key} was retired")))
            }
            None => return Err(Rejection::new(Reason::UnknownDevice, format!("no device {device_key} in this network"))),
        };
        match device.sub_network_index {
            None => return Err(Rejection::new(Reason::NotOnboarded, format!("device {device_key} is not onboarded"))),
            Some(index) if index != sub.index => {
                return Err(Rejection::new(Reason::WrongSubNetwork, format!("device {device_key} is onboarded to sub-network #{index}, not {}", sub.name)))
            }
            Some(_) => {}
        }
        let mut key = |bytes: [u8; 32]| key_cache.entry(bytes).or_insert_with(|| strict_key(&bytes)).clone();
        let device_vk = key(report.device_key())?;
        let router_vk = match report {
            SignedReport::Heartbeat { .. } => None,
            SignedReport::Usage { body, .. } => {
                if body.dc == 0 || body.started_at > body.ended_at {
                    return Err(Rejection::new(Reason::InvalidUsage, "a receipt carries DC and starts before it ends"));
                }
                let escrow = escrow_of(&body.sub_network, &body.router_key);
                let router = Pubkey::new_from_array(body.router_key);
                match escrows.get(&escrow.to_string()) {
                    Some(found) if found.sub_network == sub.address && found.router_key == router.to_string() => {}
                    _ => return Err(Rejection::new(Reason::RouterNotAllowed, format!("router {router} has no DC escrow in {}", sub.name))),
                }
                if body.payer != escrow.to_bytes() {
                    return Err(Rejection::new(Reason::WrongPayer, format!("router {router} pays from escrow {escrow}")));
                }
                Some(key(body.router_key)?)
            }
        };
        Ok((slice, device_vk, router_vk))
    }
}

/// A router's DC escrow in a sub-network: data_credits' `DelegatedEscrow` with the router's
/// public key (base58) as its router key.
pub fn escrow_of(sub_network: &[u8; 32], router_key: &[u8; 32]) -> Pubkey {
    civnet_client::pda::dc_escrow(&Pubkey::new_from_array(*sub_network), &Pubkey::new_from_array(*router_key).to_string())
}

async fn entropy_times(conn: &mut sqlx::AnyConnection, wanted: &[String]) -> Result<HashMap<String, i64>> {
    let mut found = HashMap::new();
    for chunk in wanted.chunks(ENTROPY_PER_QUERY) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT entropy, issued_at FROM oracle_entropy WHERE entropy IN ({})", marks.join(", "));
        let mut query = sqlx::query(&sql);
        for entropy in chunk {
            query = query.bind(entropy);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(row.try_get::<String, _>("entropy")?, row.try_get::<i64, _>("issued_at")?);
        }
    }
    Ok(found)
}

/// Inserts accepted reports; a report whose key exists already (or repeats one earlier in
/// the batch) is a replay when it is the very same report, else a duplicate.
async fn store_accepted(db: &mut sqlx::AnyConnection, accepted: &[Candidate], received_at: i64) -> Result<Vec<(usize, Outcome)>> {
    let mut outcomes = Vec::with_capacity(accepted.len());
    // First occurrence in the batch wins; later ones are judged against it.
    let mut first: HashMap<(String, String, u64, u64), String> = HashMap::new();
    let mut heartbeats = Vec::new();
    let mut receipts = Vec::new();
    for c in accepted {
        let (key, signature, reason) = match &c.report {
            SignedReport::Heartbeat { signature, .. } => ((c.sub_network.clone(), c.device_key_text.clone(), c.epoch, c.slice), fingerprint(signature), Reason::DuplicateSlice),
            SignedReport::Usage { body, router_signature, .. } => ((c.sub_network.clone(), hex::encode(body.session_id), u64::MAX, 0), fingerprint(router_signature), Reason::DuplicateSession),
        };
        if let Some(earlier) = first.get(&key) {
            outcomes.push((c.position, Err(duplicate(earlier == &signature, reason))));
            continue;
        }
        first.insert(key, signature.clone());
        match &c.report {
            SignedReport::Heartbeat { body, .. } => heartbeats.push((c, body.timestamp, signature)),
            SignedReport::Usage { body, .. } => receipts.push((c, *body, signature)),
        }
    }

    // In key order: consecutive inserts land on neighbouring index pages (measured: random
    // order made SQLite read most pages of the key index once per insert at 100,000 devices).
    heartbeats.sort_unstable_by(|(a, ..), (b, ..)| (&a.sub_network, a.epoch, &a.device_key_text, a.slice).cmp(&(&b.sub_network, b.epoch, &b.device_key_text, b.slice)));
    // Per chunk, one multi-row INSERT ... ON CONFLICT DO NOTHING inside a savepoint. When it
    // stores every row (the usual case) all are accepted; otherwise (a report already stored
    // by an earlier batch) the savepoint is rolled back and the rows go in one by one, each
    // conflict looked up to tell a replay from a duplicate.
    for chunk in heartbeats.chunks(civnet_indexer::Store::rows_per_statement(db, 7)) {
        let rows: Vec<Vec<Bind>> = chunk
            .iter()
            .map(|(c, device_time, signature)| {
                Ok(vec![
                    Bind::Text(c.sub_network.clone()),
                    Bind::Int(i64::try_from(c.epoch)?),
                    Bind::Text(c.device_key_text.clone()),
                    Bind::Int(i64::try_from(c.slice)?),
                    Bind::Int(*device_time),
                    Bind::Int(received_at),
                    Bind::Text(signature.clone()),
                ])
            })
            .collect::<Result<_>>()?;
        const INSERT: &str = "INSERT INTO oracle_heartbeats (sub_network, epoch, device_key, slice, device_time, received_at, signature) VALUES";
        let stored = insert_all_or_each(db, INSERT, &rows).await?;
        for ((c, _, signature), stored) in chunk.iter().zip(stored) {
            let outcome = if stored {
                Ok("heartbeat")
            } else {
                let existing: Option<String> = sqlx::query_scalar("SELECT signature FROM oracle_heartbeats WHERE sub_network = $1 AND epoch = $2 AND device_key = $3 AND slice = $4")
                    .bind(&c.sub_network)
                    .bind(c.epoch as i64)
                    .bind(&c.device_key_text)
                    .bind(c.slice as i64)
                    .fetch_optional(&mut *db)
                    .await?;
                Err(duplicate(existing.as_ref() == Some(signature), Reason::DuplicateSlice))
            };
            outcomes.push((c.position, outcome));
        }
    }

    for chunk in receipts.chunks(civnet_indexer::Store::rows_per_statement(db, 12)) {
        let rows: Vec<Vec<Bind>> = chunk
            .iter()
            .map(|(c, body, signature)| {
                Ok(vec![
                    Bind::Text(c.sub_network.clone()),
                    Bind::Text(hex::encode(body.session_id)),
                    Bind::Int(i64::try_from(c.epoch)?),
                    Bind::Text(c.device_key_text.clone()),
                    Bind::Text(Pubkey::new_from_array(body.router_key).to_string()),
                    Bind::Text(Pubkey::new_from_array(body.payer).to_string()),
                    Bind::Text(body.bytes.to_string()),
                    Bind::Text(body.dc.to_string()),
                    Bind::Int(body.started_at),
                    Bind::Int(body.ended_at),
                    Bind::Int(received_at),
                    Bind::Text(signature.clone()),
                ])
            })
            .collect::<Result<_>>()?;
        const INSERT: &str = "INSERT INTO oracle_usage (sub_network, session_id, epoch, device_key, router_key, payer, bytes, dc, started_at, ended_at, received_at, signature) VALUES";
        let stored = insert_all_or_each(db, INSERT, &rows).await?;
        for ((c, body, signature), stored) in chunk.iter().zip(stored) {
            let outcome = if stored {
                Ok("usage")
            } else {
                let existing: Option<String> = sqlx::query_scalar("SELECT signature FROM oracle_usage WHERE sub_network = $1 AND session_id = $2")
                    .bind(&c.sub_network)
                    .bind(hex::encode(body.session_id))
                    .fetch_optional(&mut *db)
                    .await?;
                Err(duplicate(existing.as_ref() == Some(signature), Reason::DuplicateSession))
            };
            outcomes.push((c.position, outcome));
        }
    }
    Ok(outcomes)
}

/// A value bound into an INSERT.
enum Bind {
    Text(String),
    Int(i64),
}

/// `insert` (`INSERT INTO t (...) VALUES`) of `rows` with `ON CONFLICT DO NOTHING`: all in
/// one statement inside a savepoint; if a row conflicted, the savepoint is undone and the
/// rows go in one by one. Returns per row whether it was stored.
async fn insert_all_or_each(db: &mut sqlx::AnyConnection, insert: &str, rows: &[Vec<Bind>]) -> Result<Vec<bool>> {
    use sqlx::Connection;
    let Some(first) = rows.first() else { return Ok(Vec::new()) };
    let bind_all = |sql: &str, rows: &[Vec<Bind>]| -> String { format!("{sql} {} ON CONFLICT DO NOTHING", values_marks(rows.len(), first.len())) };
    let sqlite = db.backend_name() == "SQLite";
    let statement = if sqlite {
        civnet_indexer::Store::json_insert(insert.strip_suffix("VALUES").unwrap_or(insert), first.len(), "ON CONFLICT DO NOTHING")
    } else {
        bind_all(insert, rows)
    };
    let mut savepoint = db.begin().await?;
    let mut query = sqlx::query(&statement);
    if sqlite {
        let json: Vec<Vec<serde_json::Value>> = rows.iter().map(|row| row.iter().map(|value| match value {
            Bind::Text(t) => json!(t),
            Bind::Int(i) => json!(i),
        }).collect()).collect();
        query = query.bind(serde_json::to_string(&json)?);
    } else {
        for value in rows.iter().flatten() {
            query = match value {
                Bind::Text(t) => query.bind(t.as_str()),
                Bind::Int(i) => query.bind(*i),
            };
        }
    }
    if query.execute(&mut *savepoint).await?.rows_affected() == rows.len() as u64 {
        savepoint.commit().await?;
        return Ok(vec![true; rows.len()]);
    }
    savepoint.rollback().await?;
    let single = bind_all(insert, &rows[..1]);
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows {
        let mut query = sqlx::query(&single);
        for value in row {
            query = match value {
                Bind::Text(t) => query.bind(t.as_str()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        stored.push(query.execute(&mut *db).await?.rows_affected() == 1);
    }
    Ok(stored)
}

fn duplicate(same_report: bool, otherwise: Reason) -> Rejection {
    if same_report {
        Rejection::new(Reason::Replayed, "this very report was accepted before")
    } else if otherwise == Reason::DuplicateSlice {
        Rejection::new(otherwise, "one heartbeat counts per device and slice; this slice has one")
    } else {
        Rejection::new(otherwise, "this session id was reported before (sessions are unique per sub-network, across routers)")
    }
}

/// `($1, $2, ...), (...)` for `rows` rows of `columns` values.
fn values_marks(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=columns).map(|c| format!("${}", r * columns + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// At most this much of a rejected report is kept.
const KEPT_REJECTED_BYTES: usize = 1024;

fn rejected_row(batch: &str, position: i64, received_at: i64, parsed: Option<&SignedReport>, rejection: &Rejection, bytes: &[u8]) -> Result<Row> {
    Ok(Row::new("oracle_rejected", &["batch", "position"])
        .with("batch", text(batch))
        .with("position", int(position)?)
        .with("received_at", int(received_at)?)
        .with("kind", Val::Text(parsed.map(|r| r.kind().to_string())))
        .with("device_key", Val::Text(parsed.map(|r| Pubkey::new_from_array(r.device_key()).to_string())))
        .with("reason", text(rejection.reason.as_str()))
        .with("detail", text(&rejection.detail))
        .with("report", text(base64::engine::general_purpose::STANDARD.encode(&bytes[..bytes.len().min(KEPT_REJECTED_BYTES)]))))
}

/// A batch refused as a whole (not JSON, too big): stored, then answered 400 / 413.
async fn reject_batch(oracle: &Oracle, received_at: i64, reason: Reason, detail: String, body: &[u8]) -> Response {
    let rejection = Rejection::new(reason, detail);
    let stored = async {
        let row = rejected_row(&batch_id(received_at), -1, received_at, None, &rejection, body)?;
        let mut conn = oracle.store.conn().await?;
        civnet_indexer::Store::write(&mut conn, &[row], false).await
    }
    .await;
    if let Err(e) = stored {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": format!("{e:#}")}))).into_response();
    }
    let status = if reason == Reason::Oversized { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::BAD_REQUEST };
    (status, Json(json!({"error": rejection.detail, "reason": reason.as_str()}))).into_response()
}

/// `POST /v1/reports` with `{"reports": ["<base64 of a SignedReport>", ...]}`.
pub async fn post_reports(State(oracle): State<Arc<Oracle>>, body: Bytes) -> Response {
    let received_at = oracle.now();
    if body.len() > MAX_BATCH_BYTES {
        return reject_batch(&oracle, received_at, Reason::Oversized, format!("a batch is at most {MAX_BATCH_BYTES} bytes, this one {}", body.len()), &body).await;
    }
    #[derive(serde::Deserialize)]
    struct Batch {
        reports: Vec<String>,
    }
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => return reject_batch(&oracle, received_at, Reason::Malformed, format!("expected {{\"reports\": [base64, ...]}}: {e}"), &body).await,
    };
    if batch.reports.len() > MAX_BATCH_REPORTS {
        return reject_batch(&oracle, received_at, Reason::Oversized, format!("a batch holds at most {MAX_BATCH_REPORTS} reports, this one {}", batch.reports.len()), &body).await;
    }
    // A report that is not base64 goes on as its text, which is malformed on its own (a
    // report's first byte is its kind, 0 or 1; text starts above 0x1f) and kept as such.
    let reports: Vec<Vec<u8>> = batch.reports.iter().map(|r| base64::engine::general_purpose::STANDARD.decode(r).unwrap_or_else(|_| r.as_bytes().to_vec())).collect();
    match oracle.ingest(&reports, received_at).await {
        Ok(outcomes) => Json(outcomes_json(&outcomes)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": format!("{e:#}")}))).into_response(),
    }
}

/// `GET /v1/entropy`: the newest entropy, until when it is good, and the oracle's clock
/// (`now`: devices without a clock of their own stamp reports with it).
pub async fn get_entropy(State(oracle): State<Arc<Oracle>>) -> Response {
    match oracle.store.latest_entropy().await {
        Ok(Some((entropy, issued_at))) => Json(json!({
            "entropy": entropy, "issued_at": issued_at, "expires_at": issued_at + verify::ENTROPY_LIFETIME_SECS,
            "lifetime_secs": verify::ENTROPY_LIFETIME_SECS, "now": oracle.now(),
        }))
        .into_response(),
        Ok(None) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "no entropy issued yet"}))).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": format!("{e:#}")}))).into_response(),
    }
}
