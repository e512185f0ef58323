//! `civnet oracle`: the rewards oracle of a network's sub-networks. Devices sign heartbeats,
//! routers countersign usage receipts; the oracle verifies them against the chain, splits
//! each epoch's issuance among the devices that did the work, posts the cumulative reward
//! root and serves the proofs owners claim with. Stages, each writing durable state before
//! the next reads it:
//!
//! - [`report`]: what is signed (domain prefix per kind + Borsh body);
//! - [`ingest`] and [`verify`]: `POST /v1/reports`, checks cheapest first, batch signature
//!   verification, accepted and rejected reports stored;
//! - [`rewards`]: the per-epoch split (pure integer math) and [`close`]: computing, posting
//!   and device activity, crash-safe;
//! - [`api`]: proofs and manifests over HTTP; [`store`]: the database (the index's tables
//!   and the oracle's, one SQLite file or PostgreSQL database).
//!
//! Chain state (devices, escrows, burns, issuance) comes from the index (civnet-indexer),
//! which the oracle keeps current itself by running the indexer's follower in-process on the
//! same database ([`run`]).
pub mod api;
pub mod bench;
pub mod chain;
pub mod close;
pub mod ingest;
pub mod report;
pub mod rewards;
pub mod store;
pub mod verify;

use anchor_lang::prelude::Pubkey;
use anyhow::{Context, Result};
use civnet_client::rpc::RpcCluster;
use civnet_client::{Keypair, Signer};
use std::sync::Arc;
use std::time::Duration;

pub use store::OracleStore;

/// The clock the oracle stamps reports and closes epochs with: the system's, or the embedded
/// engine's (the demo warps it).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default())
}

/// One oracle: its network, its key (the sub-networks' `rewards_oracle`, and their
/// `active_device_authority` where it is that too) and its database.
pub struct Oracle {
    pub store: OracleStore,
    pub network: Pubkey,
    pub key: Pubkey,
    /// An epoch is closed this long after it ended at the earliest (reports received just
    /// before the end are stored by then); `None`: [`Oracle::close_grace`]'s default.
    pub close_grace_secs: Option<i64>,
    pub clock: Clock,
    pub(crate) trees: api::TreeCache,
}

impl Oracle {
    /// How long after its end an epoch of `epoch_length_secs` is closed: `close_grace_secs`,
    /// or a quarter of the epoch and at most [`verify::MAX_CLOCK_SKEW_SECS`] (2 minutes for
    /// daily epochs, 7 s for localnet's 30-second ones). Reports are refused once their
    /// epoch has ended by the oracle's clock, which follows the chain's, so the wait only
    /// covers reports still being stored.
    pub fn close_grace(&self, epoch_length_secs: u32) -> i64 {
        self.close_grace_secs.unwrap_or_else(|| verify::default_close_grace(epoch_length_secs))
    }

    pub fn new(store: OracleStore, network: Pubkey, key: Pubkey, clock: Clock) -> Self {
        Self { store, network, key, close_grace_secs: None, clock, trees: api::TreeCache::default() }
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// `civnet oracle` options (the cluster, the network and the oracle's keypair are the
/// CLI's global `--url`, `--network` and `--keypair`).
#[derive(clap::Args, Debug, Clone)]
pub struct OracleArgs {
    /// Where the oracle keeps the index and its own tables: a SQLite file (`sqlite://path`,
    /// created if missing) or PostgreSQL (`postgres://user:password@host:port/db`).
    #[arg(long, value_name = "URL", default_value = "sqlite://civnet-oracle.db")]
    pub database: String,
    /// Serve the API on this address (e.g. 127.0.0.1:8090).
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<std::net::SocketAddr>,
    /// How often to follow the chain, issue entropy and close ready epochs, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub poll_ms: u64,
    /// Seconds after an epoch's end before it is closed [default: a quarter of the epoch, at
    /// most 120 s].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(i64).range(0..=86_400))]
    pub close_grace_secs: Option<i64>,
}

/// Runs the oracle against the cluster at `url` for `network` with `keypair` as its key, until
/// the process is stopped: backfills and follows the chain into the index, issues entropy,
/// closes epochs, serves the API.
pub fn run(url: &str, network: Pubkey, keypair: Keypair, args: OracleArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("starting the async runtime")?;
    runtime.block_on(run_async(url, network, keypair, args))
}

async fn run_async(url: &str, network: Pubkey, keypair: Keypair, args: OracleArgs) -> Result<()> {
    let mut cluster = RpcCluster::new(url, keypair.insecure_clone());
    let rpc = cluster.rpc.clone();
    let probe = rpc.clone();
    civnet_indexer::chain::blocking(move || probe.get_slot().map_err(|e| anyhow::anyhow!("cannot reach the cluster at {}: {}", probe.url, e.message))).await?;
    let store = OracleStore::open(&args.database).await?;
    // The oracle keeps the chain's time (the Clock sysvar, re-read every round, the wall clock
    // in between): epochs of reports, DC burns and issuance then agree even where a cluster's
    // clock runs behind the machine's (a loaded test validator can lag by seconds).
    let offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
    offset.store(civnet_indexer::chain::clock_offset(&rpc).await?, std::sync::atomic::Ordering::Relaxed);
    let reader = offset.clone();
    let wall = system_clock();
    let clock: Clock = Arc::new(move || wall() + reader.load(std::sync::atomic::Ordering::Relaxed));
    let mut oracle = Oracle::new(store, network, keypair.pubkey(), clock);
    oracle.close_grace_secs = args.close_grace_secs;
    let oracle = Arc::new(oracle);
    let filled = civnet_indexer::backfill::backfill(&rpc, &oracle.store.index).await?;
    eprintln!("civnet oracle {}: {} accounts backfilled", keypair.pubkey(), filled.accounts);
    if let Some(addr) = args.serve {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        eprintln!("civnet oracle: serving http://{}", listener.local_addr()?);
        let app = api::router(oracle.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("civnet oracle: the API stopped: {e}");
            }
        });
    }
    let mut last_entropy: Option<i64> = None;
    loop {
        let round = async {
            offset.store(civnet_indexer::chain::clock_offset(&rpc).await?, std::sync::atomic::Ordering::Relaxed);
            // Entropy first: devices need it even while a long catch-up runs.
            let now = oracle.now();
            if last_entropy.is_none_or(|last| now.saturating_sub(last) >= verify::ENTROPY_ROTATION_SECS) {
                let blockhash = chain::ChainAccess::recent_blockhash(&cluster)?;
                oracle.issue_entropy(blockhash, now).await?;
                last_entropy = Some(now);
            }
            civnet_indexer::follow::catch_up(&rpc, &oracle.store.index).await?;
            let now = oracle.now();
            for closed in oracle.close_ready_epochs(&mut cluster, &keypair, now).await? {
                eprintln!("civnet oracle: closed {} epoch {}: root {} total {}", closed.sub_network, closed.epoch, closed.root, closed.total_cumulative);
            }
            anyhow::Ok(())
        };
        // The cluster or the database may be away for a while: everything is durable, retry.
        if let Err(e) = round.await {
            eprintln!("civnet oracle: {e:#}; retrying");
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms)).await;
    }
}
