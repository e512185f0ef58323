//! The oracle's measurements for `civnet bench` (`oracle.*` in bench.json), on this machine,
//! into SQLite, against a real network in the embedded engine:
//!
//! - **ingest**: signed heartbeats of distinct devices verified (batch Ed25519) and stored
//!   through [`Oracle::ingest`] (the HTTP layer's JSON and base64 are not included), in
//!   batches of [`INGEST_BATCH`];
//! - **close**: one epoch of `devices` devices with `slices` heartbeats each: rewards
//!   computed, every leaf written, the tree built and the root posted with `set_rewards_root`
//!   (the heartbeat rows are written straight into the table beforehand; that load is timed
//!   apart);
//! - **proof lookups**: `reward_proof` by device key after the close (the first one loads
//!   nothing: the close leaves its tree in memory), median and 99th percentile.
//!
//! The chain part is real (network, sub-network, DC burn, scoring and issuance through the
//! programs, the root posted on chain); the devices of the close run exist only in the
//! index's `devices` table: issuing 100,000 cNFTs would measure Bubblegum, not the oracle.
use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::bubblegum::TreeShape;
use civnet_client::registry::{self, MakerKeys};
use civnet_client::scenario;
use civnet_client::{dc, Chain, Cluster, Keypair, Signer};
use civnet_indexer::rows::{flag, int, text, Row};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

use crate::chain::ChainAccess;
use crate::{report, Oracle, OracleStore};

pub const INGEST_BATCH: usize = 5_000;
const EPOCH_SECS: u32 = 86_400;
const ROWS_PER_STATEMENT: usize = 100;

/// Runs the three measurements: `ingest_reports` heartbeats; an epoch of `devices` x `slices`.
pub fn run(ingest_reports: usize, devices: usize, slices: u64) -> Result<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("oracle-bench.db").display());

    // A network with one sub-network served by the oracle, one epoch of usage, issued.
    let mut chain = Chain::try_new().map_err(anyhow::Error::msg)?;
    chain.record_transactions();
    chain.warp_seconds(10 * i64::from(EPOCH_SECS) + 17);
    let oracle_key = chain.funded_keypair(10);
    let customer = chain.funded_keypair(10);
    let keys = scenario::initialize_network_with_genesis(&mut chain, net::short_epoch_network_args(EPOCH_SECS), &[(customer.pubkey(), 1_000_000_000_000)]);
    scenario::initialize_data_credits(&mut chain, &keys, &keys.authority, dc::fixed_price_args(150_000_000)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let sub = SubNetworkKeys::new(&keys.network, "IOT");
    let args = emissions::instructions::CreateSubNetworkArgs { rewards_oracle: oracle_key.pubkey(), active_device_authority: oracle_key.pubkey(), ..sub.create_args() };
    let ix = net::create_sub_network_ix(&keys, chain.payer(), keys.authority.pubkey(), &sub, args);
    let [burns, records] = net::initialize_activity_records_ixs(chain.payer(), &keys.network, &sub.address);
    chain.send_ok(&[ix, burns, records], &[&keys.authority]);
    dc::buy_dc(&mut chain, &keys, &customer, 10_000_000);
    chain.send_ok(&[dc::burn_data_credits_ix(&keys, customer.pubkey(), &sub.address, 1_000_000)], &[&customer]);
    // One device onboarded on chain: a sub-network without active devices scores zero and is
    // issued nothing, so there would be nothing to split.
    let mut maker = MakerKeys::create_approved(&mut chain, &keys, "bench");
    maker.set_tree(&mut chain, &keys, TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 }).map_err(|e| anyhow::anyhow!("set_maker_tree: {e:?}"))?;
    let device_key = Keypair::new();
    let issue = maker.issue_device_ix(&keys, chain.payer(), device_key.pubkey(), customer.pubkey());
    let maker_authority = maker.authority.insecure_clone();
    chain.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), issue], &[&maker_authority, &device_key]);
    let issued = maker.record_issued(&chain, &keys, device_key.pubkey(), &customer.pubkey());
    registry::onboard(&mut chain, &keys, &maker, &issued, &customer, &sub.address);
    let epoch = net::current_epoch(&chain, EPOCH_SECS);
    let epoch_start = epoch as i64 * i64::from(EPOCH_SECS);

    let store = runtime.block_on(OracleStore::open(&url))?;
    let clock = Arc::new(std::sync::atomic::AtomicI64::new(chain.clock().unix_timestamp));
    let reader = clock.clone();
    let mut oracle = Oracle::new(store, keys.network, oracle_key.pubkey(), Arc::new(move || reader.load(std::sync::atomic::Ordering::SeqCst)));
    oracle.close_grace_secs = Some(0);
    let index = |chain: &mut Chain| -> Result<()> {
        let transactions = chain.take_recorded();
        let reader = &*chain;
        runtime.block_on(civnet_indexer::follow::index_transactions(&oracle.store.index, &transactions, |k| Ok(k.iter().map(|k| reader.account_owner_and_data(k)).collect())))?;
        Ok(())
    };
    index(&mut chain)?;

    // Ingest: distinct devices, one heartbeat each, signed now.
    let signers: Vec<Keypair> = (0..ingest_reports).map(|_| Keypair::new()).collect();
    add_devices(&runtime, &oracle, &keys.network, signers.iter().map(|k| k.pubkey()))?;
    let now = chain.clock().unix_timestamp;
    let entropy = runtime.block_on(oracle.issue_entropy(ChainAccess::recent_blockhash(&chain)?, now))?;
    let reports: Vec<Vec<u8>> = signers.iter().map(|k| report::signed_heartbeat(k, sub.address.to_bytes(), now, entropy).encode()).collect();
    let started = Instant::now();
    let mut accepted = 0;
    for batch in reports.chunks(INGEST_BATCH) {
        accepted += runtime.block_on(oracle.ingest(batch, now))?.iter().filter(|o| o.is_ok()).count();
    }
    let ingest_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(accepted == reports.len(), "{} of {} benchmark reports were rejected", reports.len() - accepted, reports.len());

    // Close: `devices` devices with `slices` heartbeats each (the ingest's devices stay silent
    // and are not counted: their one heartbeat is below the minimum presence).
    let close_devices: Vec<Pubkey> = (0..devices).map(|_| Pubkey::new_unique()).collect();
    add_devices(&runtime, &oracle, &keys.network, close_devices.iter().copied())?;
    let loading = Instant::now();
    runtime.block_on(load_heartbeats(&oracle, &sub.address.to_string(), epoch, epoch_start, &close_devices, slices))?;
    let load_secs = loading.elapsed().as_secs_f64();
    net::warp_to_next_epoch(&mut chain, EPOCH_SECS);
    net::close_epoch(&mut chain, &keys, &[&sub], epoch);
    index(&mut chain)?;
    let now = chain.clock().unix_timestamp;
    clock.store(now, std::sync::atomic::Ordering::SeqCst);
    let started = Instant::now();
    let closed = runtime.block_on(oracle.close_ready_epochs(&mut chain, &oracle_key, now))?;
    let close_secs = started.elapsed().as_secs_f64();
    let closed = closed.into_iter().next().context("the bench epoch did not close")?;

    // Proof lookups by device key.
    let mut latencies = Vec::new();
    for key in close_devices.iter().step_by((devices / 1_000).max(1)) {
        let started = Instant::now();
        runtime.block_on(oracle.reward_proof(&key.to_string(), None))?.context("a proof")?;
        latencies.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
    Ok(json!({
        "ingest_reports": reports.len(),
        "ingest_batch": INGEST_BATCH,
        "ingest_secs": round(ingest_secs, 3),
        "ingest_reports_per_sec": round(reports.len() as f64 / ingest_secs, 0),
        "close_devices": devices,
        "close_heartbeats": devices as u64 * slices,
        "close_heartbeat_load_secs": round(load_secs, 2),
        "close_secs": round(close_secs, 2),
        "close_compute_secs": round(closed.compute_secs, 2),
        "close_root_post_secs": round(closed.post_secs, 4),
        "close_leaves": closed.leaves,
        "proof_lookups": latencies.len(),
        "proof_lookup_ms_median": round(at(0.5), 3),
        "proof_lookup_ms_p99": round(at(0.99), 3),
    }))
}

/// Devices of sub-network 0 as the index would hold them after their onboarding.
fn add_devices(runtime: &tokio::runtime::Runtime, oracle: &Oracle, network: &Pubkey, keys: impl Iterator<Item = Pubkey>) -> Result<()> {
    let rows: Vec<Row> = keys
        .map(|key| {
            Ok(Row::new("devices", &["address"])
                .with("address", text(civnet_client::pda::device(network, &key)))
                .with("asset_id", text(Pubkey::new_unique()))
                .with("sub_network_index", int(0u8)?)
                .with("active", flag(true))
                .with("device_key", text(key))
                .with("network", text(network)))
        })
        .collect::<Result<_>>()?;
    runtime.block_on(async {
        let mut db = oracle.store.pool().begin().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            civnet_indexer::Store::write(&mut db, chunk, true).await?;
        }
        db.commit().await?;
        anyhow::Ok(())
    })
}

/// `slices` accepted heartbeats per device, written as ingest would have stored them.
async fn load_heartbeats(oracle: &Oracle, sub_network: &str, epoch: u64, epoch_start: i64, devices: &[Pubkey], slices: u64) -> Result<()> {
    let mut db = oracle.store.pool().begin().await?;
    let rows: Vec<(String, u64)> = devices.iter().flat_map(|d| (0..slices).map(move |s| (d.to_string(), s))).collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::from("INSERT INTO oracle_heartbeats (sub_network, epoch, device_key, slice, device_time, received_at, signature) VALUES ");
        for i in 0..chunk.len() {
            let b = i * 5;
            sql.push_str(&format!("{}($1, $2, ${}, ${}, ${}, ${}, ${})", if i > 0 { ", " } else { "" }, b + 3, b + 4, b + 5, b + 6, b + 7));
        }
        let mut query = sqlx::query(&sql).bind(sub_network).bind(i64::try_from(epoch)?);
        for (device, slice) in chunk {
            let time = epoch_start + *slice as i64 * 3_600;
            query = query.bind(device).bind(*slice as i64).bind(time).bind(time).bind(format!("{:032x}", slice));
        }
        query.execute(&mut *db).await?;
    }
    db.commit().await?;
    Ok(())
}
