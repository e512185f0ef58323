//! Following the chain: new signatures of the three program ids since each program's cursor,
//! oldest first; their transactions' events; and a re-read of every account they wrote.
//!
//! Work is committed in chunks of whole slots. A chunk's rows, its transactions and the
//! advanced cursors go into one database transaction, so a crash (or a kill) at any point
//! leaves the cursors exactly behind what is stored: the next run starts after the last
//! committed slot, re-reads nothing twice and skips nothing. Rows are keyed by signature and
//! instruction position besides, so even a replayed chunk would not double anything.
use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use civnet_client::rpc::Rpc;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use crate::accounts::{self, PROGRAMS};
use crate::chain::{self, blocking, SignatureInfo};
use crate::event_rows::{self, DeviceFact};
use crate::events::{decode_transaction, DecodedTx};
use crate::rows::{int, opt_int, text, Row};
use crate::store::Store;

/// Transactions per chunk (a chunk never splits a slot, so it can be larger).
const CHUNK: usize = 200;

#[derive(Debug, Clone, Copy, Default)]
pub struct FollowStats {
    /// Successful transactions processed.
    pub transactions: u64,
    /// Failed transactions passed over.
    pub failed: u64,
    pub events: u64,
    pub accounts_refreshed: u64,
    pub elapsed: Duration,
    /// Of `elapsed`: waiting for the cluster (signatures, transactions, accounts), and
    /// writing the database.
    pub rpc: Duration,
    pub db: Duration,
    /// The newest slot processed, if any.
    pub last_slot: Option<u64>,
}

/// Processes everything confirmed since the cursors, then returns.
pub async fn catch_up(rpc: &Rpc, store: &Store) -> Result<FollowStats> {
    let started = Instant::now();
    let mut stats = FollowStats::default();
    let mut histories = Vec::new();
    for program in PROGRAMS {
        let until = store.cursor(&program.to_string()).await?.map(|(signature, _)| signature);
        let rpc = rpc.clone();
        let signatures = blocking(move || chain::signatures_since(&rpc, &program, until.as_deref())).await?;
        histories.push((program, signatures));
    }
    stats.rpc = started.elapsed();

    // One list of distinct signatures ordered by slot (the sort is stable: within a slot,
    // each program's own order is kept).
    let mut seen = HashSet::new();
    let mut merged: Vec<SignatureInfo> = histories.iter().flat_map(|(_, list)| list.iter()).filter(|s| seen.insert(s.signature.clone())).cloned().collect();
    merged.sort_by_key(|s| s.slot);

    let mut positions = vec![0usize; histories.len()];
    let mut start = 0;
    while start < merged.len() {
        let mut end = (start + CHUNK).min(merged.len());
        while end < merged.len() && merged[end].slot == merged[end - 1].slot {
            end += 1;
        }
        let chunk = &merged[start..end];
        let max_slot = chunk[chunk.len() - 1].slot;
        // Each program's cursor moves to its newest signature in these slots.
        let mut cursors = Vec::new();
        for ((program, list), position) in histories.iter().zip(positions.iter_mut()) {
            let before = *position;
            while *position < list.len() && list[*position].slot <= max_slot {
                *position += 1;
            }
            if *position > before {
                let newest = &list[*position - 1];
                cursors.push((program.to_string(), newest.signature.clone(), newest.slot));
            }
        }
        let chunk_stats = process_chunk(rpc, store, chunk, &cursors).await?;
        stats.transactions += chunk_stats.transactions;
        stats.failed += chunk_stats.failed;
        stats.events += chunk_stats.events;
        stats.accounts_refreshed += chunk_stats.accounts_refreshed;
        stats.rpc += chunk_stats.rpc;
        stats.db += chunk_stats.db;
        stats.last_slot = Some(max_slot);
        start = end;
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

async fn process_chunk(rpc: &Rpc, store: &Store, chunk: &[SignatureInfo], cursors: &[(String, String, u64)]) -> Result<FollowStats> {
    let started = Instant::now();
    let wanted: Vec<String> = chunk.iter().filter(|s| !s.failed).map(|s| s.signature.clone()).collect();
    let fetched = {
        let (rpc, wanted) = (rpc.clone(), wanted.clone());
        blocking(move || chain::transactions(&rpc, &wanted)).await?
    };
    let decoded = decode_all(wanted.iter().zip(&fetched))?;
    // Re-read every account these transactions wrote: the account tables follow the chain's
    // current state, including accounts closed since.
    let keys = written_accounts(&decoded);
    let reads = {
        let (rpc, keys) = (rpc.clone(), keys.clone());
        blocking(move || chain::accounts(&rpc, &keys)).await?
    };
    let rpc_time = started.elapsed();
    let mut stats = apply(store, &decoded, &keys, reads, cursors).await?;
    stats.failed = chunk.iter().filter(|s| s.failed).count() as u64;
    stats.rpc = rpc_time;
    Ok(stats)
}

/// Indexes transactions that did not come through RPC polling (the embedded engine's,
/// `civnet_client::Chain::take_recorded`), oldest first, in `getTransaction` JSON form;
/// `read_accounts` reads the accounts they wrote, as they are now. Transactions that do not
/// name one of the three programs are passed over, as `getSignaturesForAddress` would.
/// Written exactly like a followed chunk (one database transaction, nothing applied twice);
/// the RPC cursors are left alone.
pub async fn index_transactions(
    store: &Store,
    transactions: &[(String, serde_json::Value)],
    read_accounts: impl FnOnce(&[Pubkey]) -> Result<Vec<chain::AccountRead>>,
) -> Result<FollowStats> {
    let prepared = prepare(transactions, read_accounts)?;
    apply_prepared(store, prepared).await
}

/// Transactions decoded, with the accounts they wrote read: [`index_transactions`] in two
/// halves, so that an engine can be read now and the database written beside its next work.
pub struct Prepared {
    decoded: Vec<DecodedTx>,
    keys: Vec<Pubkey>,
    reads: Vec<chain::AccountRead>,
    started: Instant,
}

/// The first half of [`index_transactions`]: decodes `transactions` and reads the accounts
/// they wrote (`read_accounts`, in the order given), as they are now.
pub fn prepare(transactions: &[(String, serde_json::Value)], read_accounts: impl FnOnce(&[Pubkey]) -> Result<Vec<chain::AccountRead>>) -> Result<Prepared> {
    let started = Instant::now();
    let ours = |tx: &serde_json::Value| {
        tx["transaction"]["message"]["accountKeys"].as_array().is_some_and(|keys| keys.iter().any(|k| PROGRAMS.iter().any(|p| k.as_str() == Some(&p.to_string()))))
    };
    let decoded = decode_all(transactions.iter().filter(|(_, tx)| ours(tx)).map(|(signature, tx)| (signature, tx)))?;
    let keys = written_accounts(&decoded);
    let reads = read_accounts(&keys)?;
    Ok(Prepared { decoded, keys, reads, started })
}

/// The second half of [`index_transactions`]: writes what [`prepare`] decoded and read, in
/// one database transaction.
pub async fn apply_prepared(store: &Store, prepared: Prepared) -> Result<FollowStats> {
    let Prepared { decoded, keys, reads, started } = prepared;
    let mut stats = apply(store, &decoded, &keys, reads, &[]).await?;
    stats.elapsed = started.elapsed();
    stats.last_slot = decoded.last().map(|tx| tx.slot);
    Ok(stats)
}

fn decode_all<'a>(transactions: impl Iterator<Item = (&'a String, &'a serde_json::Value)>) -> Result<Vec<DecodedTx>> {
    let mut decoded = Vec::new();
    for (signature, tx) in transactions {
        decoded.extend(decode_transaction(signature, tx)?);
    }
    Ok(decoded)
}

fn written_accounts(decoded: &[DecodedTx]) -> Vec<Pubkey> {
    let mut unique = HashSet::new();
    decoded.iter().flat_map(|tx| tx.writable.iter().copied()).filter(|k| unique.insert(*k)).collect()
}

/// Writes decoded transactions, their events and the re-read accounts `keys` (`reads` in the
/// same order), and moves `cursors`, in one database transaction.
async fn apply(store: &Store, decoded: &[DecodedTx], keys: &[Pubkey], reads: Vec<chain::AccountRead>, cursors: &[(String, String, u64)]) -> Result<FollowStats> {
    let mut stats = FollowStats::default();
    let mut account_rows: BTreeMap<&'static str, Vec<Row>> = BTreeMap::new();
    let mut closed = Vec::new();
    for (key, read) in keys.iter().zip(reads) {
        match read {
            Some((owner, data)) => {
                if let Some(row) = accounts::decode(key, &owner, &data)? {
                    account_rows.entry(row.table).or_default().push(row);
                }
            }
            None => closed.push(key.to_string()),
        }
    }

    let writing = Instant::now();
    let mut db = store.pool.begin().await?;
    // A transaction stored already (a replayed chunk) is not applied again.
    let signatures: Vec<String> = decoded.iter().map(|tx| tx.signature.clone()).collect();
    let known = Store::existing_transactions(&mut db, &signatures).await?;
    let mut batches = Batches::default();
    let mut facts = Vec::new();
    for tx in decoded.iter().filter(|tx| !known.contains(&tx.signature)) {
        batches.push(
            Row::new("transactions", &["signature"])
                .with("signature", text(&tx.signature))
                .with("slot", int(tx.slot)?)
                .with("block_time", opt_int(tx.block_time)?)
                .with("events", int(tx.events.len() as u64)?),
        );
        stats.transactions += 1;
        for located in &tx.events {
            let writes = event_rows::writes(&tx.signature, tx.slot, tx.block_time, located)?;
            writes.rows.into_iter().for_each(|row| batches.push(row));
            facts.extend(writes.device);
            stats.events += 1;
        }
    }
    // Event rows in a few multi-row statements; then, in chain order, what events say about
    // devices (identity first, so the account refresh below never erases it).
    for rows in &batches.groups {
        Store::write(&mut db, rows, false).await?;
    }
    for fact in facts {
        match fact {
            DeviceFact::Identity(row) => {
                Store::write(&mut db, &[row], true).await?;
            }
            DeviceFact::OwnerByAddress { address, owner } => {
                sqlx::query("UPDATE devices SET owner = $1 WHERE address = $2").bind(owner).bind(address).execute(&mut *db).await?;
            }
            DeviceFact::OwnerByAsset { asset_id, owner } => {
                sqlx::query("UPDATE devices SET owner = $1 WHERE asset_id = $2").bind(owner).bind(asset_id).execute(&mut *db).await?;
            }
        }
    }
    for rows in account_rows.values() {
        stats.accounts_refreshed += rows.len() as u64;
        Store::write(&mut db, rows, true).await?;
    }
    for address in &closed {
        Store::delete_account(&mut db, address).await?;
    }
    for (program, signature, slot) in cursors {
        Store::set_cursor(&mut db, program, signature, *slot).await?;
    }
    db.commit().await.context("committing a chunk")?;
    stats.db = writing.elapsed();
    Ok(stats)
}

/// Rows grouped by table and column list (what one multi-row INSERT can take), in first-seen order.
#[derive(Default)]
struct Batches {
    groups: Vec<Vec<Row>>,
}

impl Batches {
    fn push(&mut self, row: Row) {
        let same = |group: &&mut Vec<Row>| group[0].table == row.table && group[0].cols.iter().map(|(c, _)| c).eq(row.cols.iter().map(|(c, _)| c));
        match self.groups.iter_mut().find(|g| same(g)) {
            Some(group) => group.push(row),
            None => self.groups.push(vec![row]),
        }
    }
}
