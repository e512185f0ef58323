//! What the indexer asks the cluster, over civnet-client's JSON-RPC ([`Rpc`]), at `confirmed`
//! commitment: signature lists, transactions (fetched in parallel) and accounts in batches.
//! These calls block; the async side runs them on tokio's blocking pool.
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Context, Result};
use base64::Engine;
use civnet_client::rpc::Rpc;
use serde_json::{json, Value};

/// `getMultipleAccounts` accepts at most 100 keys.
const ACCOUNTS_PER_CALL: usize = 100;
/// Concurrent `getTransaction` calls.
pub const FETCH_THREADS: usize = 8;

pub use civnet_client::rpc::SignatureInfo;

/// Every signature of `address` newer than `until` (all of its history when `None`),
/// oldest first.
pub fn signatures_since(rpc: &Rpc, address: &Pubkey, until: Option<&str>) -> Result<Vec<SignatureInfo>> {
    rpc.signatures_for_address(address, until).with_context(|| format!("getSignaturesForAddress {address}"))
}

/// `getTransaction` of each signature, in order, [`FETCH_THREADS`] at a time.
pub fn transactions(rpc: &Rpc, signatures: &[String]) -> Result<Vec<Value>> {
    transactions_at(rpc, signatures, "confirmed")
}

/// [`transactions`] at `commitment`.
pub fn transactions_at(rpc: &Rpc, signatures: &[String], commitment: &str) -> Result<Vec<Value>> {
    if signatures.is_empty() {
        return Ok(Vec::new());
    }
    let per_thread = signatures.len().div_ceil(FETCH_THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = signatures
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().map(|s| rpc.transaction_at(s, commitment).with_context(|| format!("getTransaction {s}"))).collect::<Result<Vec<_>>>()))
            .collect();
        let mut out = Vec::with_capacity(signatures.len());
        for handle in handles {
            out.extend(handle.join().map_err(|_| anyhow!("a getTransaction thread panicked"))??);
        }
        Ok(out)
    })
}

/// An account as read: owner and data; `None` for a missing (closed) account.
pub type AccountRead = Option<(Pubkey, Vec<u8>)>;

/// `getMultipleAccounts` of `keys` (any number), in order.
pub fn accounts(rpc: &Rpc, keys: &[Pubkey]) -> Result<Vec<AccountRead>> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(ACCOUNTS_PER_CALL) {
        let list: Vec<String> = chunk.iter().map(|k| k.to_string()).collect();
        let result = rpc.call("getMultipleAccounts", json!([list, {"encoding": "base64", "commitment": "confirmed"}])).context("getMultipleAccounts")?;
        let values = result["value"].as_array().ok_or_else(|| anyhow!("getMultipleAccounts: no value array"))?;
        if values.len() != chunk.len() {
            return Err(anyhow!("getMultipleAccounts returned {} accounts for {} keys", values.len(), chunk.len()));
        }
        for value in values {
            if value.is_null() {
                out.push(None);
                continue;
            }
            let owner: Pubkey = value["owner"].as_str().and_then(|o| o.parse().ok()).ok_or_else(|| anyhow!("account without owner: {value}"))?;
            let data = value["data"][0].as_str().ok_or_else(|| anyhow!("account without base64 data"))?;
            out.push(Some((owner, base64::engine::general_purpose::STANDARD.decode(data).context("account data is not base64")?)));
        }
    }
    Ok(out)
}

/// Runs a blocking RPC closure on tokio's blocking pool.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| anyhow!("RPC task failed: {e}"))?
}

/// The cluster's clock (the Clock sysvar's `unix_timestamp`) minus the machine's, in seconds:
/// services that count epochs keep the chain's time, which on a loaded test validator can
/// run seconds behind the machine's.
pub async fn clock_offset(rpc: &Rpc) -> Result<i64> {
    let rpc = rpc.clone();
    let clock = blocking(move || rpc.account(&anchor_lang::pubkey!("SysvarC1ock11111111111111111111111111111111")).map_err(|e| anyhow!("reading the clock: {e}"))).await?;
    let data = clock.ok_or_else(|| anyhow!("the cluster has no clock sysvar"))?.0;
    let chain = i64::from_le_bytes(data.get(32..40).and_then(|b| b.try_into().ok()).ok_or_else(|| anyhow!("clock sysvar too short"))?);
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    Ok(chain - wall)
}
