//! `civnet index`: civnet's accounts and events in a database (SQLite by default, PostgreSQL
//! by URL), kept current by following the chain and served as JSON. Indexers are one of
//! civnet's three user groups: wallet backends, explorers and reward oracles read from here
//! instead of scanning program accounts themselves.
//!
//! - [`backfill`]: every civnet account through `getProgramAccounts`, by discriminator.
//! - [`follow`]: new transactions of the three program ids, their `emit_cpi!` events
//!   ([`events`], written by [`event_rows`]) and a re-read of what they wrote; cursors commit
//!   with the rows, so restarts neither miss nor double anything.
//! - [`das`]: every maker tree's own history at `finalized` (Bubblegum instructions and
//!   account-compression change logs), served as the DAS JSON-RPC API ([`das_api`]).
//! - [`store`] and [`schema`]: the database and its migrations; [`api`]: the HTTP API.
//!
//! The CLI calls [`run`] with its `--url` and [`IndexArgs`].
pub mod accounts;
pub mod api;
pub mod backfill;
pub mod chain;
pub mod das;
pub mod das_api;
pub mod event_rows;
pub mod events;
pub mod explorer;
pub mod follow;
pub mod queries;
pub mod rows;
pub mod schema;
pub mod store;
pub mod web;

use anyhow::{Context, Result};
use civnet_client::rpc::{cluster_url, Rpc};
use serde_json::{json, Value};
use std::time::Duration;

pub use store::Store;

/// `civnet index` options.
#[derive(clap::Args, Debug, Clone)]
pub struct IndexArgs {
    /// Where the index lives: a SQLite file (`sqlite://path`, created if missing) or
    /// PostgreSQL (`postgres://user:password@host:port/db`).
    #[arg(long, value_name = "URL", default_value = "sqlite://civnet-index.db")]
    pub database: String,
    /// Backfill, catch up with every transaction so far, print counts and exit.
    #[arg(long, conflicts_with = "serve")]
    pub once: bool,
    /// Serve the JSON API on this address (e.g. 127.0.0.1:8080) while following the chain.
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<std::net::SocketAddr>,
    /// How often to poll for new transactions, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub poll_ms: u64,
    /// With --serve: the built web app served at `/` (default: app/web/dist of this checkout,
    /// which `cargo xtask web` builds).
    #[arg(long, value_name = "DIR")]
    pub web_dir: Option<std::path::PathBuf>,
    /// With --serve: the rewards oracle the web app reads proofs from (`civnet oracle --serve`).
    #[arg(long, value_name = "URL")]
    pub oracle: Option<String>,
    /// With --serve: the RPC URL browsers send transactions to (default: --url).
    #[arg(long, value_name = "URL")]
    pub public_rpc: Option<String>,
}

impl Default for IndexArgs {
    fn default() -> Self {
        Self { database: "sqlite://civnet-index.db".into(), once: false, serve: None, poll_ms: 1000, web_dir: None, oracle: None, public_rpc: None }
    }
}

/// Runs `civnet index` against the cluster at `url` (a URL or a Solana CLI moniker). With
/// `--once` it returns the row counts (plus this run's throughput under `"run"`); otherwise it
/// follows the chain (and serves the API with `--serve`) until the process is stopped.
pub fn run(url: &str, args: IndexArgs) -> Result<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("starting the async runtime")?;
    runtime.block_on(run_async(Rpc::new(cluster_url(url)), args))
}

async fn run_async(rpc: Rpc, args: IndexArgs) -> Result<Value> {
    let probe = rpc.clone();
    chain::blocking(move || probe.get_slot().map_err(|e| anyhow::anyhow!("cannot reach the cluster at {}: {}", probe.url, e.message))).await?;
    let store = Store::open(&args.database).await?;
    let filled = backfill::backfill(&rpc, &store).await?;
    if args.once {
        let followed = follow::catch_up(&rpc, &store).await?;
        let trees = das::catch_up(&rpc, &store).await?;
        let mut counts = store.counts().await?;
        counts["run"] = throughput(&filled, &followed);
        counts["run"]["das"] = das_json(&trees);
        counts["run"]["peak_memory_mib"] = json!(peak_memory_mib());
        return Ok(counts);
    }
    eprintln!("civnet index: {} accounts backfilled in {:.1?}", filled.accounts, filled.elapsed);
    let clock = explorer::ChainClock::default();
    clock.set_offset(chain::clock_offset(&rpc).await?);
    if let Some(addr) = args.serve {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let app = serve_router(&store, &rpc, &clock, &args);
        eprintln!("civnet index: serving the web app and the API at http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("civnet index: the API stopped: {e}");
            }
        });
    }
    loop {
        match chain::clock_offset(&rpc).await {
            Ok(offset) => clock.set_offset(offset),
            Err(e) => eprintln!("civnet index: {e:#}; retrying"),
        }
        match follow::catch_up(&rpc, &store).await {
            Ok(stats) if stats.transactions + stats.failed > 0 => eprintln!(
                "civnet index: +{} transactions ({} failed skipped), +{} events, up to slot {}",
                stats.transactions,
                stats.failed,
                stats.events,
                stats.last_slot.unwrap_or_default()
            ),
            Ok(_) => {}
            // The cluster or the database may be away for a while: keep the cursors, retry.
            Err(e) => eprintln!("civnet index: {e:#}; retrying"),
        }
        match das::catch_up(&rpc, &store).await {
            Ok(stats) if stats.transactions > 0 => eprintln!("civnet index: DAS +{} tree transactions, +{} assets", stats.transactions, stats.assets_minted),
            Ok(_) => {}
            Err(e) => eprintln!("civnet index: DAS: {e:#}; retrying"),
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms)).await;
    }
}

/// What the DAS follower read in this run.
pub fn das_json(stats: &das::DasStats) -> Value {
    json!({"trees": stats.trees, "transactions": stats.transactions, "changes": stats.changes, "assets_minted": stats.assets_minted, "secs": stats.elapsed.as_secs_f64()})
}

/// The process's peak resident memory so far (`VmHWM` of /proc/self/status), in MiB; `None`
/// where that file does not exist.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some((kib / 1024.0 * 100.0).round() / 100.0)
}

/// What `--serve` answers: the JSON API, the explorer's routes (on the chain's clock), the
/// DAS JSON-RPC API ([`das_api`], at `POST /das` and `POST /`) and the web app with its
/// `/config.json`; every answer allows any origin (CORS).
pub fn serve_router(store: &Store, rpc: &Rpc, clock: &explorer::ChainClock, args: &IndexArgs) -> axum::Router {
    let config = json!({
        "rpc": args.public_rpc.clone().unwrap_or_else(|| rpc.url.clone()),
        "oracle": args.oracle,
        "das": "/das",
    });
    let dir = args.web_dir.clone().unwrap_or_else(web::default_dir);
    let das = das_api::Das { store: store.clone(), rpc: Some(rpc.clone()) };
    api::routes(store.clone())
        .merge(explorer::routes(explorer::ExplorerState { store: store.clone(), clock: clock.clone() }))
        .route("/das", das_api::post_route(das.clone()))
        .merge(web::routes(dir, config, das_api::post_route(das)))
        .layer(axum::middleware::from_fn(api::cors))
}

/// Accounts per second backfilled and transactions per second followed in this run.
pub fn throughput(filled: &backfill::BackfillStats, followed: &follow::FollowStats) -> Value {
    let rate = |n: u64, d: Duration| if d.as_secs_f64() > 0.0 { (n as f64 / d.as_secs_f64() * 10.0).round() / 10.0 } else { 0.0 };
    json!({
        "accounts": filled.accounts,
        "backfill_secs": filled.elapsed.as_secs_f64(),
        "backfill_requests": filled.requests,
        "largest_response": filled.largest_response,
        "accounts_per_sec": rate(filled.accounts, filled.elapsed),
        "transactions": followed.transactions,
        "failed_transactions": followed.failed,
        "events": followed.events,
        "follow_secs": followed.elapsed.as_secs_f64(),
        "follow_rpc_secs": followed.rpc.as_secs_f64(),
        "follow_db_secs": followed.db.as_secs_f64(),
        "transactions_per_sec": rate(followed.transactions, followed.elapsed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, Subcommand};

    /// The CLI's wiring: `civnet index ...` as a subcommand taking [`IndexArgs`].
    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        Index(IndexArgs),
    }

    fn parse(args: &[&str]) -> Result<IndexArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("civnet").chain(args.iter().copied())).map(|cli| match cli.command {
            Command::Index(args) => args,
        })
    }

    #[test]
    fn civnet_index_takes_its_options_as_documented() {
        let defaults = parse(&["index"]).unwrap();
        assert_eq!((defaults.database.as_str(), defaults.once, defaults.serve, defaults.poll_ms), ("sqlite://civnet-index.db", false, None, 1000));
        let args = parse(&["index", "--database", "postgres://civnet@localhost/index", "--serve", "127.0.0.1:8080", "--poll-ms", "250"]).unwrap();
        assert_eq!((args.database.as_str(), args.serve, args.poll_ms), ("postgres://civnet@localhost/index", Some("127.0.0.1:8080".parse().unwrap()), 250));
        assert!(parse(&["index", "--once", "--serve", "127.0.0.1:8080"]).is_err(), "--once exits, --serve serves: not both");
        assert!(parse(&["index", "--serve", "not-an-address"]).is_err());
    }

    #[test]
    fn an_unreachable_cluster_or_a_bad_database_url_is_one_clear_error() {
        let error = run("http://127.0.0.1:9", IndexArgs { once: true, ..Default::default() }).unwrap_err();
        assert!(format!("{error:#}").starts_with("cannot reach the cluster at http://127.0.0.1:9"), "{error:#}");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let error = runtime.block_on(Store::open("mysql://somewhere/db")).err().expect("mysql is not supported");
        assert!(error.to_string().contains("--database must be a sqlite:// or postgres:// URL"), "{error}");
    }
}
