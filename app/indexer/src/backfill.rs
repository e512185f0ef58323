//! Backfill: every civnet account, read with `getProgramAccounts` filtered by each type's
//! discriminator, decoded with the programs' types and written so each account table holds
//! exactly the accounts that exist (closed ones are removed).
use anyhow::{Context, Result};
use civnet_client::rpc::Rpc;
use std::time::{Duration, Instant};

use crate::accounts::{self, KINDS};
use crate::chain::blocking;
use crate::store::Store;

#[derive(Debug, Clone, Copy, Default)]
pub struct BackfillStats {
    pub accounts: u64,
    pub elapsed: Duration,
}

pub async fn backfill(rpc: &Rpc, store: &Store) -> Result<BackfillStats> {
    let started = Instant::now();
    let mut total = 0u64;
    for kind in KINDS {
        let rpc = rpc.clone();
        let found = blocking(move || rpc.program_accounts(&kind.program, kind.discriminator).with_context(|| format!("getProgramAccounts for {}", kind.table))).await?;
        let mut rows = Vec::with_capacity(found.len());
        for (address, data) in &found {
            rows.extend(accounts::decode(address, &kind.program, data)?);
        }
        store.replace_accounts(kind.table, &rows).await?;
        total = total.checked_add(rows.len() as u64).context("account count overflow")?;
    }
    Ok(BackfillStats { accounts: total, elapsed: started.elapsed() })
}
