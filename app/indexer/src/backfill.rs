//! Backfill: every civnet account, read with `getProgramAccounts` filtered by each type's
//! discriminator, decoded with the programs' types and written so each account table holds
//! exactly the accounts that exist (closed ones are removed).
//!
//! The per-device types (`Device`, `Recipient`: a million each in a sub-network of a million
//! devices) are read in 256 pages, one per first byte of the asset id (a second `memcmp`), and
//! written page by page: no response holds more than about 1/256 of them (at 1,048,576
//! devices, about 4,100 accounts or 600 kB of JSON instead of 150 MB), and the indexer's
//! memory holds one page plus the 32-byte addresses it saw (to remove the accounts that no
//! longer exist). The price is 256 requests per type, each of which the RPC node answers by
//! scanning the program's accounts.
use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use base64::Engine;
use civnet_client::rpc::Rpc;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::accounts::{self, AccountKind, KINDS};
use crate::chain::blocking;
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default)]
pub struct BackfillStats {
    pub accounts: u64,
    /// `getProgramAccounts` requests made.
    pub requests: u64,
    /// The most accounts one response held.
    pub largest_response: u64,
    pub elapsed: Duration,
}

/// The `getProgramAccounts` filters of each request for `kind`: its discriminator, and for a
/// paged kind one more `memcmp` per first byte of its page key.
pub fn page_filters(kind: &AccountKind) -> Vec<Value> {
    let memcmp = |offset: usize, bytes: &[u8]| json!({"memcmp": {"offset": offset, "bytes": base64::engine::general_purpose::STANDARD.encode(bytes), "encoding": "base64"}});
    let discriminator = memcmp(0, kind.discriminator);
    match kind.page_key_offset {
        None => vec![json!([discriminator])],
        Some(offset) => (0..=u8::MAX).map(|first| json!([discriminator, memcmp(offset, &[first])])).collect(),
    }
}

pub async fn backfill(rpc: &Rpc, store: &Store) -> Result<BackfillStats> {
    let started = Instant::now();
    let mut stats = BackfillStats::default();
    for kind in KINDS {
        let pages = page_filters(&kind);
        if pages.len() == 1 {
            let found = fetch(rpc, &kind, pages[0].clone()).await?;
            let rows = decode(&kind, &found)?;
            store.replace_accounts(kind.table, &rows).await?;
            stats.count(found.len(), rows.len())?;
            continue;
        }
        let mut seen = HashSet::new();
        for filters in pages {
            let found = fetch(rpc, &kind, filters).await?;
            let rows = decode(&kind, &found)?;
            store.upsert_accounts(&rows).await?;
            seen.extend(found.iter().map(|(address, _)| *address));
            stats.count(found.len(), rows.len())?;
        }
        store.remove_accounts_except(kind.table, &seen).await?;
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

impl BackfillStats {
    fn count(&mut self, found: usize, rows: usize) -> Result<()> {
        self.requests += 1;
        self.largest_response = self.largest_response.max(found as u64);
        self.accounts = self.accounts.checked_add(rows as u64).context("account count overflow")?;
        Ok(())
    }
}

async fn fetch(rpc: &Rpc, kind: &AccountKind, filters: Value) -> Result<Vec<(Pubkey, Vec<u8>)>> {
    let (rpc, program, table) = (rpc.clone(), kind.program, kind.table);
    blocking(move || rpc.program_accounts_filtered(&program, filters).with_context(|| format!("getProgramAccounts for {table}"))).await
}

fn decode(kind: &AccountKind, found: &[(Pubkey, Vec<u8>)]) -> Result<Vec<crate::rows::Row>> {
    let mut rows = Vec::with_capacity(found.len());
    for (address, data) in found {
        rows.extend(accounts::decode(address, &kind.program, data)?);
    }
    Ok(rows)
}
