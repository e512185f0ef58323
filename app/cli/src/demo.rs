//! `civnet demo`: the whole flywheel through the real programs. By default on the embedded
//! engine (litesvm with the SBF programs from `target/deploy`, clock warped between
//! epochs); with `--url` against a cluster, waiting out short epochs. Every number in the
//! report is read back from chain accounts after the run.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{bail, Context as _, Result};
use civnet_client::bubblegum::TreeShape;
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry::{self, IssuedDevice, MakerKeys};
use civnet_client::rpc::RpcCluster;
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::svm::{CheckedTransaction, Unsigned};
use civnet_client::{dc, programs, tokens, Chain, Cluster, Keypair, Signer, TxFailure, TxSuccess};
use civnet_oracle::chain::ChainAccess;
use civnet_oracle::report::{self as oracle_report, UsageReceipt};
use civnet_oracle::rewards::Slices;
use civnet_oracle::{Oracle, OracleStore};
use clap::Args;
use data_credits::instructions::MintDataCreditsArgs;
use emissions::instructions::ClaimRewardsArgs;
use emissions::state::{SubNetwork, SubNetworkEpochInfo};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use crate::context::Context;

const SUB_NETWORK_NAMES: [&str; 8] = ["IOT", "MOBILE", "ENERGY", "AIR", "WATER", "TRAFFIC", "NOISE", "PARKING"];
/// Network token base units per token (6 decimals).
const TOKEN: u64 = 1_000_000;
/// Onboarding and location fees of the demo's sub-networks, in DC ($0.40 and $0.10).
const ONBOARDING_FEE_DC: u64 = 40_000;
const LOCATION_FEE_DC: u64 = 10_000;
/// The demo's stages, in order (`phases_secs` in the report).
pub const STAGES: [&str; 6] = ["bootstrap", "issue", "onboard", "epochs", "claims", "report"];
/// Above this many devices the demo sends sparse heartbeats by default (see [`Heartbeats`]).
const SPARSE_HEARTBEATS_ABOVE: usize = 10_000;
/// Transactions the embedded engine may hold for the oracle's index before the demo indexes
/// them: keeps memory flat however many devices run.
const INDEX_BACKLOG: usize = 2_000;
/// Devices per maker (and per Bubblegum tree) before the demo adds another maker.
const DEVICES_PER_MAKER: usize = 5_000;
/// Transactions signed ahead at a time on the embedded engine ([`Demo::send_each`]).
const SIGN_AHEAD_BATCH: usize = 256;

#[derive(Args, Clone)]
pub struct DemoArgs {
    /// Devices to issue and onboard.
    #[arg(long, default_value_t = 100)]
    pub devices: usize,
    /// Epochs to run and close.
    #[arg(long, default_value_t = 3)]
    pub epochs: u64,
    /// Sub-networks (1 to 8), each with its own customers' usage intensity.
    #[arg(long, default_value_t = 2)]
    pub sub_networks: usize,
    /// Epoch length in seconds (the embedded engine warps its clock; on a cluster, given
    /// with --url, the demo waits out each epoch; default 20 there).
    #[arg(long)]
    pub epoch_secs: Option<u32>,
    /// Derive every key from this seed: the same addresses, hence the same compute units,
    /// on every run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// How devices heartbeat: `full` (in every hour-long slice they are up: up to 24 signed
    /// reports per device and epoch) or `sparse` (only as many slices as their presence class
    /// needs: 2 to 5). Default: full up to 10,000 devices, sparse above.
    #[arg(long, value_enum)]
    pub heartbeats: Option<Heartbeats>,
    /// Embedded engine only: after the run, write every account of civnet's programs and of
    /// the makers' Bubblegum trees into this directory as validator account files (what
    /// `civnet bench` loads into solana-test-validator with `--account-dir` to measure the
    /// indexer's backfill at this size).
    #[arg(long, value_name = "DIR")]
    pub export_accounts: Option<std::path::PathBuf>,
}

/// How many heartbeats the demo's devices send; see [`heartbeats_in_slice`].
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heartbeats {
    Full,
    Sparse,
}

impl Heartbeats {
    fn for_devices(devices: usize, chosen: Option<Heartbeats>) -> Self {
        chosen.unwrap_or(if devices > SPARSE_HEARTBEATS_ABOVE { Heartbeats::Sparse } else { Heartbeats::Full })
    }

    fn name(self) -> &'static str {
        match self {
            Heartbeats::Full => "full",
            Heartbeats::Sparse => "sparse",
        }
    }
}

/// What the demo runs on: both engines send real transactions; they differ in how time passes
/// and in how the oracle's index learns what happened.
trait Engine: Cluster + ChainAccess {
    /// Lets the clock run into the next epoch.
    fn pass_epoch(&mut self, epoch_length_secs: u32);
    /// Lets the clock run to `unix_time` (nothing when it is there already).
    fn advance_to(&mut self, unix_time: i64);
    /// Brings the oracle's index up to date with the chain (civnet-indexer's code on both).
    fn sync_index(&mut self, store: &civnet_indexer::Store, runtime: &tokio::runtime::Runtime) -> Result<()>;
    /// Transactions sent but not yet indexed that the engine holds in memory.
    fn index_backlog(&self) -> usize {
        0
    }
    /// Where the engine holds its transactions: them, with every account they name read now,
    /// to be indexed elsewhere (`None`: index with `sync_index`).
    fn take_index_batch(&mut self) -> Option<IndexBatch> {
        None
    }
    /// Before a round of usage that must count in one epoch: on a real cluster, waits out the
    /// end of an epoch that has less than a few seconds left, so the round lands in the epoch
    /// the report attributes it to.
    fn settle_epoch(&mut self, _epoch_length_secs: u32) {}
    /// The payer and blockhash to sign a stage's transactions with ahead of sending them,
    /// on another thread; `None`: the engine signs each as it sends it (a cluster: with a
    /// fresh blockhash each).
    fn signing_context(&self) -> Option<(Keypair, solana_hash::Hash)> {
        None
    }
    /// Runs a transaction signed ahead (see [`Engine::signing_context`]).
    fn send_checked(&mut self, _checked: CheckedTransaction) -> Result<TxSuccess, TxFailure> {
        Err(TxFailure::unsent("this engine does not sign ahead"))
    }
    /// Signs and sends one transaction now.
    fn send_unsigned(&mut self, unsigned: Unsigned) -> Result<TxSuccess, TxFailure> {
        let signers: Vec<&Keypair> = unsigned.signers.iter().collect();
        match (&unsigned.tables, &unsigned.fee_payer) {
            (None, None) => Cluster::send(self, &unsigned.instructions, &signers),
            (None, Some(_)) => Err(TxFailure::unsent("a legacy transaction here is paid by the engine's payer")),
            (Some(tables), fee_payer) => self.send_v0(fee_payer.as_ref(), &unsigned.instructions, &signers, tables),
        }
    }
    /// Moves `lamports` from the payer to `to` (airdrops are not for every cluster).
    fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let ix = anchor_lang::solana_program::system_instruction::transfer(&self.payer(), to, lamports);
        self.send_ok(&[ix], &[]);
    }
}

impl Engine for Chain {
    fn pass_epoch(&mut self, epoch_length_secs: u32) {
        net::warp_to_next_epoch(self, epoch_length_secs);
    }

    fn advance_to(&mut self, unix_time: i64) {
        let now = self.clock().unix_timestamp;
        if unix_time > now {
            self.warp_seconds(unix_time - now);
        }
    }

    fn index_backlog(&self) -> usize {
        self.recorded_len()
    }

    fn take_index_batch(&mut self) -> Option<IndexBatch> {
        Some(IndexBatch::take_from(self))
    }

    fn signing_context(&self) -> Option<(Keypair, solana_hash::Hash)> {
        Some(Chain::signing_context(self))
    }

    fn send_checked(&mut self, checked: CheckedTransaction) -> Result<TxSuccess, TxFailure> {
        Chain::send_checked(self, checked)
    }

    /// The transactions the engine recorded, decoded and written as the follower would.
    fn sync_index(&mut self, store: &civnet_indexer::Store, runtime: &tokio::runtime::Runtime) -> Result<()> {
        runtime.block_on(IndexBatch::take_from(self).write(store.clone()))?;
        Ok(())
    }
}

/// Transactions taken from the engine, with every account they name as it was when they
/// were taken: converted to `getTransaction` JSON, decoded and written to the index by
/// civnet-indexer's code on a worker thread while the engine runs on (the conversion, base58
/// and the database were most of the main thread's indexing time).
struct IndexBatch {
    transactions: Vec<civnet_client::svm::RecordedTransaction>,
    accounts: HashMap<Pubkey, Option<(Pubkey, Vec<u8>)>>,
}

impl IndexBatch {
    /// The transactions `chain` recorded, with every account they name as it is now.
    fn take_from(chain: &mut Chain) -> Self {
        let transactions = chain.take_recorded_raw();
        let mut accounts = HashMap::new();
        for key in transactions.iter().flat_map(|tx| tx.account_keys()) {
            accounts.entry(key).or_insert_with(|| chain.account_owner_and_data(&key));
        }
        Self { transactions, accounts }
    }

    async fn write(self, store: civnet_indexer::Store) -> Result<civnet_indexer::follow::FollowStats> {
        let IndexBatch { transactions, mut accounts } = self;
        let transactions: Vec<(String, Value)> = transactions.iter().map(|tx| (tx.signature.clone(), tx.to_json())).collect();
        let read = |keys: &[Pubkey]| keys.iter().map(|k| accounts.remove(k).ok_or_else(|| anyhow::anyhow!("account {k} was not read with its batch"))).collect();
        let prepared = civnet_indexer::follow::prepare(&transactions, read)?;
        civnet_indexer::follow::apply_prepared(&store, prepared).await
    }
}

impl Engine for RpcCluster {
    fn pass_epoch(&mut self, epoch_length_secs: u32) {
        let epoch = net::current_epoch(self, epoch_length_secs);
        while net::current_epoch(self, epoch_length_secs) == epoch {
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn settle_epoch(&mut self, epoch_length_secs: u32) {
        net::epoch_for_new_transaction(self, epoch_length_secs);
    }

    fn advance_to(&mut self, unix_time: i64) {
        while self.unix_timestamp() < unix_time {
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The indexer's follower over RPC (from the start of the programs' history on first use).
    fn sync_index(&mut self, store: &civnet_indexer::Store, runtime: &tokio::runtime::Runtime) -> Result<()> {
        runtime.block_on(civnet_indexer::follow::catch_up(&self.rpc, store))?;
        Ok(())
    }
}

pub fn run(ctx: &Context, args: DemoArgs) -> Result<Value> {
    if args.devices == 0 || !(1..=SUB_NETWORK_NAMES.len()).contains(&args.sub_networks) || args.epochs == 0 {
        bail!("--devices and --epochs must be at least 1 and --sub-networks 1 to {}", SUB_NETWORK_NAMES.len());
    }
    if let Some(seed) = args.seed {
        civnet_client::keys::seed(seed);
    }
    if ctx.url_given {
        let mut cluster = ctx.cluster()?;
        let epoch_secs = args.epoch_secs.unwrap_or(20);
        return Ok(Demo::new(&mut cluster, args, epoch_secs, "cluster").run()?.report);
    }
    Ok(run_embedded(args)?.report)
}

/// What a demo run leaves: the report, and for the benchmark the compute units of every
/// civnet instruction that ran, how many transactions were sent, and one whole transaction
/// per purpose.
pub struct DemoRun {
    pub report: Value,
    pub units: Vec<InstructionUnits>,
    pub transactions: usize,
    pub examples: Vec<TxSuccess>,
}

/// The demo on a fresh embedded engine (building the programs first if needed).
pub fn run_embedded(args: DemoArgs) -> Result<DemoRun> {
    ensure_programs_built()?;
    if let Some(seed) = args.seed {
        civnet_client::keys::seed(seed);
    }
    let mut chain = Chain::try_new().map_err(anyhow::Error::msg)?;
    // The oracle's index reads what the engine ran of civnet's programs, as getTransaction
    // would return it.
    chain.record_transactions_of(&civnet_indexer::accounts::PROGRAMS);
    // Start a few days after the clock's zero so the network starts at a later epoch.
    chain.warp_seconds(3 * 86_400 + 17);
    let epoch_secs = args.epoch_secs.unwrap_or(86_400);
    let export = args.export_accounts.clone();
    let mut run = Demo::new(&mut chain, args, epoch_secs, "embedded (litesvm)").run()?;
    if let Some(dir) = export {
        let bar = spinner(format!("writing the network's accounts into {}", dir.display()));
        let mut owners = civnet_indexer::accounts::PROGRAMS.to_vec();
        owners.extend([programs::BUBBLEGUM_ID, programs::SPL_ACCOUNT_COMPRESSION_ID]);
        let written = chain.export_accounts(&owners, &dir).with_context(|| format!("writing accounts into {}", dir.display()))?;
        bar.finish_and_clear();
        run.report["exported_accounts"] = json!({"dir": dir, "accounts": written});
    }
    Ok(run)
}

/// On a fresh checkout the SBF programs do not exist yet: build them through the project's
/// pipeline (`cargo xtask build-sbf`, `cargo xtask fixtures`), showing its output.
fn ensure_programs_built() -> Result<()> {
    if programs::all_present() {
        return Ok(());
    }
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !workspace.join("xtask").exists() || std::env::var_os("CIVNET_DEPLOY_DIR").is_some() {
        let missing = programs::all().into_iter().find(|p| !p.path.exists()).expect("a missing program");
        bail!("{}", programs::missing_message(&missing));
    }
    eprintln!("civnet demo: the SBF programs are not built yet; building them (first run only, several minutes)");
    for step in ["build-sbf", "fixtures"] {
        // `cargo` through rustup: the workspace's rust-toolchain.toml picks the host toolchain.
        let status = std::process::Command::new("cargo")
            .args(["xtask", step])
            .env_remove("RUSTUP_TOOLCHAIN")
            .current_dir(&workspace)
            .status()?;
        if !status.success() {
            bail!("`cargo xtask {step}` failed ({status})");
        }
    }
    Ok(())
}

struct Demo<'a, E: Engine> {
    engine: &'a mut E,
    args: DemoArgs,
    engine_name: &'static str,
    epoch_secs: u32,
    /// Compute units and sizes of every transaction, by what the demo sent it for.
    measured: BTreeMap<&'static str, Measured>,
    /// Every civnet instruction that ran (CPIs included), from the runtime's log lines.
    units: Vec<InstructionUnits>,
    /// Wall time of each stage, in order.
    phases: Vec<(&'static str, Duration)>,
    /// A batch being written to the index on [`DemoOracle`]'s background runtime while the
    /// engine runs on.
    indexing: Option<tokio::task::JoinHandle<Result<civnet_indexer::follow::FollowStats>>>,
}

/// What the demo keeps of the transactions it sent for one purpose: numbers, and the first
/// one whole (with its logs, for `civnet bench --show-logs`). Keeping every transaction's
/// logs grew memory by several kilobytes per transaction.
#[derive(Default)]
struct Measured {
    compute_units: Vec<u64>,
    max_size: usize,
    example: Option<TxSuccess>,
}

/// One civnet instruction that ran: program, instruction (IDL name), compute units.
pub type InstructionUnits = (String, String, u64);

/// A device in the demo: its own key (it signs heartbeats and receipts), its cNFT, its owner,
/// the maker that issued it and its sub-network.
struct DemoDevice {
    key: Keypair,
    issued: IssuedDevice,
    owner: usize,
    maker: usize,
    sub: usize,
}

/// The oracle's clock in the demo: the engine's, as the demo last read it.
#[derive(Clone)]
struct EngineClock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl EngineClock {
    fn new(now: i64) -> Self {
        Self(std::sync::Arc::new(std::sync::atomic::AtomicI64::new(now)))
    }

    fn set(&self, now: i64) {
        self.0.store(now, std::sync::atomic::Ordering::Relaxed);
    }

    fn clock(&self) -> civnet_oracle::Clock {
        let time = self.0.clone();
        std::sync::Arc::new(move || time.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// How present device `i` is in `slice` of an epoch whose minimum presence is
/// `min_presence` slices: every 10th never heartbeats (offline), the next-to-last of ten
/// one slice short of the minimum (it does not qualify); the others, with `Full`, in every
/// slice, every second or every third one; with `Sparse`, in just the first
/// `min_presence + class % 3` slices (qualifying with three different presences, as the full
/// pattern does, at a fifth of the reports).
fn heartbeats_in_slice(i: usize, slice: u64, heartbeats: Heartbeats, min_presence: u64) -> bool {
    match (i % 10, heartbeats) {
        (9, _) => false,
        (8, _) => slice + 1 < min_presence,
        (class, Heartbeats::Full) => slice % (1 + class as u64 % 3) == 0,
        (class, Heartbeats::Sparse) => slice < min_presence + class as u64 % 3,
    }
}

/// The demo's rewards oracle: civnet-oracle in-process on a SQLite file, with the engine as
/// its clock and its chain.
struct DemoOracle {
    oracle: Oracle,
    key: Keypair,
    runtime: tokio::runtime::Runtime,
    background: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl DemoOracle {
    fn start(network: Pubkey, key: Keypair, clock: civnet_oracle::Clock) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        // One worker thread for the index batches written beside the engine's work (the
        // oracle's own calls stay on the calling thread: a worker there slowed them down).
        let background = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("oracle.db").display());
        let store = runtime.block_on(OracleStore::open_with(&url, civnet_indexer::store::Durability::Scratch))?;
        let mut oracle = Oracle::new(store, network, key.pubkey(), clock);
        // The demo closes an epoch right after issuance; nothing is in flight.
        oracle.close_grace_secs = Some(0);
        Ok(Self { oracle, key, runtime, background, _dir: dir })
    }

    fn ingest(&self, reports: &[Vec<u8>], now: i64) -> Result<usize> {
        let outcomes = self.runtime.block_on(self.oracle.ingest(reports, now))?;
        if let Some(Err(rejection)) = outcomes.iter().find(|o| o.is_err()) {
            bail!("the oracle rejected a demo report: {} ({})", rejection.reason.as_str(), rejection.detail);
        }
        Ok(outcomes.len())
    }
}

impl<'a, E: Engine> Demo<'a, E> {
    fn new(engine: &'a mut E, args: DemoArgs, epoch_secs: u32, engine_name: &'static str) -> Self {
        Self { engine, args, engine_name, epoch_secs, measured: BTreeMap::new(), units: Vec::new(), phases: Vec::new(), indexing: None }
    }

    fn record(&mut self, name: &'static str, outcome: TxSuccess) {
        self.units.extend(crate::bench::instruction_units(&outcome.logs));
        let measured = self.measured.entry(name).or_default();
        measured.compute_units.push(outcome.compute_units);
        measured.max_size = measured.max_size.max(outcome.size);
        measured.example.get_or_insert(outcome);
    }

    /// Ends a stage: its wall time since `since` (returned anew for the next stage).
    fn phase(&mut self, name: &'static str, since: Instant) -> Instant {
        self.phases.push((name, since.elapsed()));
        Instant::now()
    }

    /// Indexes what the engine holds once it holds [`INDEX_BACKLOG`] transactions: their
    /// accounts read from the engine now, the rest ([`IndexBatch`]) beside the engine's next
    /// transactions on a worker thread (the second core), one batch at a time.
    fn keep_index_current(&mut self, oracle: &DemoOracle) -> Result<()> {
        if self.engine.index_backlog() >= INDEX_BACKLOG {
            self.finish_indexing(oracle)?;
            match self.engine.take_index_batch() {
                Some(batch) => self.indexing = Some(oracle.background.spawn(batch.write(oracle.oracle.store.index.clone()))),
                None => self.engine.sync_index(&oracle.oracle.store.index, &oracle.runtime)?,
            }
        }
        Ok(())
    }

    /// Waits for the batch being written, if any.
    fn finish_indexing(&mut self, oracle: &DemoOracle) -> Result<()> {
        if let Some(batch) = self.indexing.take() {
            oracle.runtime.block_on(batch)??;
        }
        Ok(())
    }

    /// Brings the index fully up to date: before anything reads it (the oracle, the report).
    fn sync_index(&mut self, oracle: &DemoOracle) -> Result<()> {
        self.finish_indexing(oracle)?;
        self.engine.sync_index(&oracle.oracle.store.index, &oracle.runtime)
    }

    /// Sends one transaction per item, in order, handing each outcome to `done`. On the
    /// embedded engine the next batch is built, signed and its signatures checked on the
    /// second core while this one runs (building, signing and sigverify were a quarter of the
    /// main thread's time); elsewhere each is built and signed as it is sent. An item `build`
    /// gives no transaction gets `None`: `done` sends it its own way.
    fn send_each<T: Sync>(
        &mut self,
        items: &[T],
        build: impl Fn(&T) -> Option<Unsigned> + Sync,
        mut done: impl FnMut(&mut Self, &T, Option<Result<TxSuccess, TxFailure>>) -> Result<()>,
    ) -> Result<()> {
        let Some((payer, blockhash)) = self.engine.signing_context() else {
            for item in items {
                let outcome = build(item).map(|unsigned| self.engine.send_unsigned(unsigned));
                done(self, item, outcome)?;
            }
            return Ok(());
        };
        let prepare = |batch: &[T]| -> Vec<Option<CheckedTransaction>> { batch.iter().map(|item| build(item).map(|unsigned| unsigned.sign_and_check(&payer, blockhash))).collect() };
        let prepare = &prepare;
        std::thread::scope(|scope| {
            let batches: Vec<&[T]> = items.chunks(SIGN_AHEAD_BATCH).collect();
            let mut ahead = batches.first().map(|&batch| scope.spawn(move || prepare(batch)));
            for (k, batch) in batches.iter().enumerate() {
                let prepared = ahead.take().expect("every batch is started before its turn").join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                ahead = batches.get(k + 1).map(|&batch| scope.spawn(move || prepare(batch)));
                for (item, checked) in batch.iter().zip(prepared) {
                    let outcome = checked.map(|checked| self.engine.send_checked(checked));
                    done(self, item, outcome)?;
                }
            }
            Ok(())
        })
    }

    fn keypair(&mut self, sol_lamports: u64) -> Keypair {
        let keypair = civnet_client::keys::new_keypair();
        self.engine.fund(&keypair.pubkey(), sol_lamports);
        keypair
    }

    fn run(mut self) -> Result<DemoRun> {
        let started = Instant::now();
        let mut stage = started;
        let DemoArgs { devices: n, epochs, sub_networks: s, heartbeats, .. } = self.args.clone();
        let heartbeats = Heartbeats::for_devices(n, heartbeats);
        let owners_count = n.clamp(1, 50);
        let makers_count = n.div_ceil(DEVICES_PER_MAKER);

        // Bootstrap: token with genesis for customers and owners, network, DC, sub-networks, makers.
        let bar = spinner(format!("bootstrapping the network on {}", self.engine_name));
        let customers: Vec<Keypair> = (0..s).map(|_| self.keypair(1_000_000_000)).collect();
        // Each owner pays, per device, two transaction fees and its claim record's rent
        // (~1.45M lamports): 3M per device with room to spare.
        let owner_lamports = 100_000_000 + 3_000_000 * n.div_ceil(owners_count) as u64;
        let owners: Vec<Keypair> = (0..owners_count).map(|_| self.keypair(owner_lamports)).collect();
        let mut genesis: Vec<(Pubkey, u64)> = customers.iter().map(|c| (c.pubkey(), 1_000_000 * TOKEN)).collect();
        genesis.extend(owners.iter().map(|o| (o.pubkey(), 1_000 * TOKEN)));
        // 100,000 tokens per epoch from the launch epoch, halving every 4 epochs.
        let first_epoch = net::current_epoch(self.engine, self.epoch_secs);
        let network_args = emissions::instructions::InitializeNetworkArgs {
            epoch_length_secs: self.epoch_secs,
            max_issuance_per_epoch: 100_000 * TOKEN,
            emission_schedule: scenario::halving_schedule_from(first_epoch, 100_000 * TOKEN, 4, 8),
        };
        let net = scenario::initialize_network_with_genesis(self.engine, network_args, &genesis);
        scenario::initialize_data_credits(self.engine, &net, &net.authority, dc::fixed_price_args(150_000_000)).expect("data_credits::initialize");
        let dc_mint = scenario::dc_mint_address(&net.network);
        // One rewards oracle (also the active-device authority) for every sub-network: the
        // first sub-network's oracle key (so the seeded key sequence, and with it every
        // address and compute-unit count, stays that of a demo without the oracle).
        let mut sub_keys: Vec<SubNetworkKeys> = SUB_NETWORK_NAMES[..s].iter().map(|name| SubNetworkKeys::new(&net.network, name)).collect();
        let oracle_key = sub_keys[0].rewards_oracle.insecure_clone();
        let subs: Vec<SubNetworkKeys> = sub_keys
            .drain(..)
            .map(|sub| {
                let create_args = emissions::instructions::CreateSubNetworkArgs {
                    onboarding_fee_dc: ONBOARDING_FEE_DC,
                    location_fee_dc: LOCATION_FEE_DC,
                    rewards_oracle: oracle_key.pubkey(),
                    active_device_authority: oracle_key.pubkey(),
                    ..sub.create_args()
                };
                let ix = net::create_sub_network_ix(&net, self.engine.payer(), net.authority.pubkey(), &sub, create_args);
                let [burns, devices] = net::initialize_activity_records_ixs(self.engine.payer(), &net.network, &sub.address);
                self.engine.send_ok(&[ix, burns, devices], &[&net.authority]);
                sub
            })
            .collect();
        for sub in &subs {
            let funded = sub.dc_burn_authority.pubkey();
            self.engine.fund(&funded, 100_000_000);
        }
        let shape = tree_shape(n.min(DEVICES_PER_MAKER));
        let mut makers: Vec<MakerKeys> = (0..makers_count)
            .map(|i| {
                let mut maker = MakerKeys::create_approved(self.engine, &net, &format!("maker-{i}"));
                let outcome = maker.set_tree(self.engine, &net, shape).expect("set_maker_tree");
                self.record("device_registry::set_maker_tree", outcome);
                maker
            })
            .collect();
        for party in customers.iter().chain(&owners) {
            tokens::create_ata(self.engine, &party.pubkey(), &dc_mint);
        }
        // The network's lookup table: what every wallet transaction names besides its own
        // accounts (signed by the network authority, as `civnet migrate` does).
        let mut addresses = civnet_client::lookup::network_addresses(&net.network, &net.token_mint);
        addresses.extend(subs.iter().flat_map(|sub| civnet_client::lookup::sub_network_addresses(&sub.address)));
        let (table, _) = civnet_client::lookup::ensure_table(self.engine, &net.authority, None, &addresses).map_err(|f| anyhow::anyhow!("creating the lookup table: {f}"))?;
        let tables = [table];
        // The rewards oracle, in-process, with the engine's clock; its index follows the
        // chain from here on.
        let clock_reader = EngineClock::new(self.engine.unix_timestamp());
        let oracle = DemoOracle::start(net.network, oracle_key.insecure_clone(), clock_reader.clock())?;
        self.sync_index(&oracle)?;
        bar.finish_and_clear();
        stage = self.phase("bootstrap", stage);

        // Makers issue devices as cNFTs to their owners; each device keeps its own key.
        let bar = progress(n as u64, "issuing devices (Bubblegum mint_v1)");
        let keys: Vec<Keypair> = (0..n).map(|_| civnet_client::keys::new_keypair()).collect();
        let payer = self.engine.payer();
        // What issuing names of each maker (the makers themselves change as they issue).
        let issuers: Vec<(Keypair, Pubkey, Pubkey)> = makers.iter().map(|m| (m.authority.insecure_clone(), m.address, m.tree.expect("the maker has a tree").merkle_tree)).collect();
        let mut devices = Vec::with_capacity(n);
        let issue = |(i, key): &(usize, &Keypair)| {
            let (authority, maker, merkle_tree) = &issuers[i % makers_count];
            let ix = registry::issue_device_ix(&net.network, maker, authority.pubkey(), *merkle_tree, payer, key.pubkey(), owners[i % owners_count].pubkey());
            let authority = authority.insecure_clone();
            Some(Unsigned { fee_payer: None, instructions: vec![civnet_client::bubblegum::compute_budget(400_000), ix], signers: vec![authority, key.insecure_clone()], tables: None })
        };
        let items: Vec<(usize, &Keypair)> = keys.iter().enumerate().collect();
        self.send_each(&items, issue, |demo, (i, key), outcome| {
            let (owner, maker, sub) = (i % owners_count, i % makers_count, i % s);
            let outcome = outcome.expect("every issuance is built").map_err(|f| anyhow::anyhow!("issuing device {i}: {f}\nlogs: {:#?}", f.logs))?;
            let issued = makers[maker].record_issued(demo.engine, &net, key.pubkey(), &owners[owner].pubkey());
            demo.record("device_registry::issue_device", outcome);
            devices.push(DemoDevice { key: key.insecure_clone(), issued, owner, maker, sub });
            demo.keep_index_current(&oracle)?;
            bar.inc(1);
            Ok(())
        })?;
        bar.finish_and_clear();
        stage = self.phase("issue", stage);

        // Owners buy the DC their onboarding fees burn, then onboard every device.
        for (o, owner) in owners.iter().enumerate() {
            let count = devices.iter().filter(|d| d.owner == o).count() as u64;
            let ix = dc::mint_data_credits_ix(&net, owner.pubkey(), owner.pubkey(), MintDataCreditsArgs { token_amount: None, dc_amount: Some(count * ONBOARDING_FEE_DC) });
            let outcome = self.engine.send_ok(&[ix], &[owner]);
            self.record("data_credits::mint_data_credits", outcome);
        }
        // Each owner signs and pays, as a wallet does (a v0 transaction through the table).
        let bar = progress(n as u64, "onboarding devices");
        // The makers' accounts, read once: issuing is over, onboarding does not change them.
        let maker_accounts: Vec<device_registry::state::Maker> = makers.iter().map(|m| self.engine.anchor_account(&m.address)).collect();
        let onboard = |device: &DemoDevice| {
            let owner = &owners[device.owner];
            let ixs = registry::onboard_ixs_with(&maker_accounts[device.maker], &net, &makers[device.maker], &device.issued, owner.pubkey(), &subs[device.sub].address);
            Some(Unsigned { fee_payer: Some(owner.insecure_clone()), instructions: ixs.to_vec(), signers: Vec::new(), tables: Some(tables.to_vec()) })
        };
        self.send_each(&devices, onboard, |demo, _, outcome| {
            let outcome = outcome.expect("every onboarding is built").map_err(|f| anyhow::anyhow!("onboarding: {f}"))?;
            demo.record("device_registry::onboard_device", outcome);
            demo.keep_index_current(&oracle)?;
            bar.inc(1);
            Ok(())
        })?;
        bar.finish_and_clear();
        stage = self.phase("onboard", stage);

        // The router carrying sub-network 0's customer traffic (its key names its DC escrow;
        // derived from the customer's key rather than drawn from the seeded sequence, which
        // the benchmark's later runs continue), and the rewards oracle, in-process, with the
        // engine's clock.
        let router = {
            use sha2::Digest;
            Keypair::new_from_array(sha2::Sha256::new().chain_update(b"civnet demo router").chain_update(&customers[0].to_bytes()[..32]).finalize().into())
        };
        let router_key = router.pubkey().to_string();
        self.sync_index(&oracle)?;
        let slices = Slices::of(self.epoch_secs);

        // Epochs: customers buy and burn DC (sub-network k at (k+1)^2 times the base usage;
        // sub-network 0 through its router's delegated escrow, the router reporting the
        // sessions its devices carried), devices heartbeat slice by slice, the epoch is
        // closed on chain, and the oracle splits each sub-network's issuance, posts the root
        // and sets device activity.
        let bar = progress(epochs, "running epochs");
        let mut sequences = vec![0u64; s];
        let mut closed = Vec::new();
        let mut reports_sent = 0usize;
        let mut session = 0u64;
        for round in 0..epochs {
            self.engine.settle_epoch(self.epoch_secs);
            let epoch = net::current_epoch(self.engine, self.epoch_secs);
            for (k, customer) in customers.iter().enumerate() {
                let usage = 1_000_000 * ((k as u64 + 1).pow(2)) * (1 + round % 3);
                let ix = dc::mint_data_credits_ix(&net, customer.pubkey(), customer.pubkey(), MintDataCreditsArgs { token_amount: None, dc_amount: Some(usage) });
                let outcome = self.engine.send_ok(&[ix], &[customer]);
                self.record("data_credits::mint_data_credits", outcome);
                if net::current_epoch(self.engine, self.epoch_secs) != epoch {
                    panic!("epoch {epoch} ended while its usage was being sent: use a longer --epoch-secs");
                }
                if k == 0 {
                    let ix = dc::delegate_ix(&net, customer.pubkey(), &subs[k].address, &router_key, usage);
                    let outcome = self.engine.send_ok(&[ix], &[customer]);
                    self.record("data_credits::delegate_data_credits", outcome);
                    sequences[k] += 1;
                    let authority = subs[k].dc_burn_authority.insecure_clone();
                    let ix = dc::burn_delegated_ix(&net, authority.pubkey(), &subs[k].address, &router_key, usage, sequences[k]);
                    let outcome = self.engine.send_ok(&[ix], &[&authority]);
                    self.record("data_credits::burn_delegated_data_credits", outcome);
                    // The router's receipts: the burned DC over sessions of the devices that are
                    // up this epoch, unevenly (device i carries a weight of 1 + i % 4).
                    let now = self.engine.unix_timestamp();
                    let carriers: Vec<usize> = (0..n).filter(|&i| devices[i].sub == k && i % 10 != 9).collect();
                    let weights: u64 = carriers.iter().map(|&i| 1 + i as u64 % 4).sum();
                    let mut left = usage;
                    let mut receipts = Vec::new();
                    for (position, &i) in carriers.iter().enumerate() {
                        let dc = if position + 1 == carriers.len() { left } else { usage * (1 + i as u64 % 4) / weights };
                        left -= dc;
                        session += 1;
                        let mut session_id = [0u8; 16];
                        session_id[..8].copy_from_slice(&session.to_le_bytes());
                        let body = UsageReceipt {
                            version: oracle_report::REPORT_VERSION,
                            sub_network: subs[k].address.to_bytes(),
                            device_key: devices[i].key.pubkey().to_bytes(),
                            router_key: router.pubkey().to_bytes(),
                            payer: dc::escrow_address(&subs[k].address, &router_key).to_bytes(),
                            session_id,
                            bytes: dc * 24,
                            dc,
                            started_at: now - 1,
                            ended_at: now,
                        };
                        receipts.push(oracle_report::signed_usage(&devices[i].key, &router, body).encode());
                    }
                    self.sync_index(&oracle)?;
                    clock_reader.set(now);
                    reports_sent += oracle.ingest(&receipts, now)?;
                } else {
                    let ix = dc::burn_data_credits_ix(&net, customer.pubkey(), &subs[k].address, usage);
                    let outcome = self.engine.send_ok(&[ix], &[customer]);
                    self.record("data_credits::burn_data_credits", outcome);
                }
            }
            // Heartbeats, slice by slice to the epoch's end, with fresh entropy each slice.
            let epoch_start = epoch as i64 * i64::from(self.epoch_secs);
            let first_slice = slices.slice_at(self.engine.unix_timestamp(), self.epoch_secs);
            let mut last_slice = None;
            for slice in first_slice..slices.per_epoch {
                let slice_start = epoch_start + (slice * slices.secs) as i64;
                self.engine.advance_to(slice_start);
                let now = self.engine.unix_timestamp();
                if net::current_epoch(self.engine, self.epoch_secs) != epoch {
                    break;
                }
                // On a cluster the clock may have run into a later slice meanwhile: heartbeats
                // count in the slice of their own time, once per device.
                let slice = slices.slice_at(now, self.epoch_secs);
                if last_slice.is_some_and(|last| slice <= last) {
                    continue;
                }
                last_slice = Some(slice);
                clock_reader.set(now);
                let entropy = oracle.runtime.block_on(oracle.oracle.issue_entropy(self.engine.recent_blockhash()?, now))?;
                let up: Vec<&DemoDevice> = devices.iter().enumerate().filter(|(i, _)| heartbeats_in_slice(*i, slice, heartbeats, slices.min_presence)).map(|(_, d)| d).collect();
                let sign = |d: &&DemoDevice| oracle_report::signed_heartbeat(&d.key, subs[d.sub].address.to_bytes(), now, entropy).encode();
                let reports = in_parallel(&up, sign);
                reports_sent += oracle.ingest(&reports, now)?;
            }
            self.engine.pass_epoch(self.epoch_secs);
            let payer = self.engine.payer();
            for sub in &subs {
                let outcome = self.engine.send_ok(&[net::calculate_utility_score_ix(&net.network, &sub.address, payer, epoch)], &[]);
                self.record("emissions::calculate_utility_score", outcome);
            }
            for sub in &subs {
                let outcome = self.engine.send_ok(&[net::issue_rewards_ix(&net, &sub.address, epoch)], &[]);
                self.record("emissions::issue_rewards", outcome);
            }
            // The oracle reads the issuance from its index, splits it, posts the roots and
            // marks silent devices inactive (and returning ones active).
            self.sync_index(&oracle)?;
            let now = self.engine.unix_timestamp();
            clock_reader.set(now);
            let done = oracle.runtime.block_on(oracle.oracle.close_ready_epochs(self.engine, &oracle.key, now))?;
            if done.len() != s || done.iter().any(|c| c.epoch != epoch) {
                bail!("the oracle closed {done:?}, expected epoch {epoch} of {s} sub-networks");
            }
            self.sync_index(&oracle)?;
            closed.push(epoch);
            bar.inc(1);
        }
        bar.finish_and_clear();
        stage = self.phase("epochs", stage);

        // Owners claim every device's cumulative rewards with the oracle's proofs.
        let bar = progress(n as u64, "owners claiming rewards");
        let asset_ids: Vec<String> = devices.iter().map(|d| d.issued.asset_id.to_string()).collect();
        let proofs = oracle.runtime.block_on(oracle.oracle.reward_proofs(&asset_ids))?;
        let oracle_totals: Vec<u64> = proofs.iter().map(|p| p.as_ref().map_or(0, |p| p.cumulative_amount)).collect();
        let mut claims = Vec::with_capacity(n);
        for (device, proof) in devices.iter().zip(proofs) {
            let Some(proof) = proof else {
                bar.inc(1);
                continue;
            };
            let reward_proof = proof.proof.iter().map(|h| hex::decode(h).ok().and_then(|b| b.try_into().ok())).collect::<Option<Vec<[u8; 32]>>>().ok_or_else(|| anyhow::anyhow!("a proof node is not 32 bytes of hex"))?;
            claims.push((device, proof.cumulative_amount, reward_proof));
        }
        let claim_ix = |(device, cumulative_amount, reward_proof): &(&DemoDevice, u64, Vec<[u8; 32]>)| {
            let owner = owners[device.owner].pubkey();
            let (cnft, cnft_proof) = makers[device.maker].ownership_proof_with(&maker_accounts[device.maker], &net, &device.issued);
            let args = ClaimRewardsArgs { asset_id: device.issued.asset_id, cumulative_amount: *cumulative_amount, reward_proof: reward_proof.clone(), cnft };
            let destination = tokens::ata(&owner, &net.token_mint);
            (net::claim_rewards_ix(&net, &subs[device.sub].address, owner, device.issued.merkle_tree, destination, args, &cnft_proof), cnft_proof)
        };
        // The owner signs and pays (v0, through the network's table); a claim that would not
        // fit is sent as a wallet sends it: its proof nodes in a table of the owner's first.
        let fits = |owner: &Pubkey, ix: &Instruction| civnet_client::lookup::fits_in_packet(owner, std::slice::from_ref(ix), &tables).unwrap_or(false);
        let claim = |item: &(&DemoDevice, u64, Vec<[u8; 32]>)| {
            let owner = &owners[item.0.owner];
            let (ix, _) = claim_ix(item);
            fits(&owner.pubkey(), &ix).then(|| Unsigned { fee_payer: Some(owner.insecure_clone()), instructions: vec![ix], signers: Vec::new(), tables: Some(tables.to_vec()) })
        };
        self.send_each(&claims, claim, |demo, item, outcome| {
            let outcome = match outcome {
                Some(outcome) => outcome,
                None => {
                    let (ix, cnft_proof) = claim_ix(item);
                    civnet_client::lookup::send_as_wallet(demo.engine, &owners[item.0.owner], &[ix], &cnft_proof, &tables).map(|(outcome, _)| outcome)
                }
            };
            demo.record("emissions::claim_rewards", outcome.map_err(|f| anyhow::anyhow!("claiming: {f}"))?);
            demo.keep_index_current(&oracle)?;
            bar.inc(1);
            Ok(())
        })?;
        bar.finish_and_clear();
        self.sync_index(&oracle)?;
        stage = self.phase("claims", stage);
        let rewards = self.oracle_report(&oracle, &net, &subs, &devices, &oracle_totals, &closed, reports_sent)?;
        self.phase("report", stage);
        let mut report = self.report(&net, &subs, &closed, n, started.elapsed());
        let reconciled = report["reconciled"].as_bool().unwrap_or(false) && rewards["reconciled"].as_bool().unwrap_or(false);
        report["rewards"] = rewards;
        report["reconciled"] = json!(reconciled);
        report["heartbeats"] = json!(heartbeats.name());
        report["lookup_table"] = json!(tables[0].key.to_string());
        report["phases_secs"] = self.phases.iter().map(|(name, d)| (name.to_string(), json!(round2(d.as_secs_f64())))).collect::<serde_json::Map<_, _>>().into();
        report["peak_memory_mib"] = json!(peak_memory_mib());
        report["report"] = Value::String(render(&report));
        let examples = self.measured.values_mut().filter_map(|m| m.example.take()).collect();
        let transactions = self.measured.values().map(|m| m.compute_units.len()).sum();
        Ok(DemoRun { report, units: std::mem::take(&mut self.units), transactions, examples })
    }

    /// The oracle's side of the books: per-device reward distribution, and checks that every
    /// device's claims equal its oracle total and that every epoch's shares and unallocated
    /// rest add up to what the chain issued.
    fn oracle_report(&self, oracle: &DemoOracle, net: &NetworkKeys, subs: &[SubNetworkKeys], devices: &[DemoDevice], totals: &[u64], closed: &[u64], reports: usize) -> Result<Value> {
        let engine = &*self.engine;
        let mut claims_match = true;
        for (device, total) in devices.iter().zip(totals) {
            let recipient = engine.account_data(&net::recipient_address(&subs[device.sub].address, &device.issued.asset_id));
            let claimed = recipient.map(|data| <emissions::state::Recipient as anchor_lang::AccountDeserialize>::try_deserialize(&mut data.as_slice()).map(|r| r.total_claimed)).transpose()?.unwrap_or(0);
            claims_match &= claimed == *total;
        }
        let mut books_balance = true;
        let mut unallocated = 0u64;
        for &epoch in closed {
            for manifest in oracle.runtime.block_on(oracle.oracle.manifest(epoch, None))? {
                let shares: u64 = manifest["entries"].as_array().into_iter().flatten().map(|e| e["reward"].as_u64().unwrap_or(0)).sum();
                let sub: Pubkey = manifest["sub_network"].as_str().unwrap_or_default().parse()?;
                let info: SubNetworkEpochInfo = engine.anchor_account(&net::sub_network_epoch_info_address(&sub, epoch));
                let rest = manifest["unallocated"].as_u64().unwrap_or(0);
                books_balance &= shares + rest == info.issued && manifest["state"] == "done";
                unallocated += rest;
            }
        }
        let mut sorted = totals.to_vec();
        sorted.sort_unstable();
        let offline: Vec<u64> = totals.iter().enumerate().filter(|(i, _)| i % 10 == 9).map(|(_, t)| *t).collect();
        let deactivated = devices.iter().filter(|d| {
            engine.account_data(&registry::device_address(&net.network, &d.key.pubkey()))
                .and_then(|data| <device_registry::state::Device as anchor_lang::AccountDeserialize>::try_deserialize(&mut data.as_slice()).ok())
                .is_some_and(|record| !record.active)
        }).count();
        Ok(json!({
            "reports_accepted": reports,
            "devices_rewarded": totals.iter().filter(|t| **t > 0).count(),
            "reward_min": sorted.first().copied().unwrap_or(0),
            "reward_median": sorted.get(sorted.len() / 2).copied().unwrap_or(0),
            "reward_max": sorted.last().copied().unwrap_or(0),
            "offline_devices": offline.len(),
            "offline_rewards": offline.iter().sum::<u64>(),
            "devices_set_inactive": deactivated,
            "unallocated": unallocated,
            "claims_match_oracle": claims_match,
            "shares_plus_unallocated_equal_issued": books_balance,
            "reconciled": claims_match && books_balance,
        }))
    }

    /// Reads everything back from chain and checks that the books balance.
    fn report(&self, net: &NetworkKeys, subs: &[SubNetworkKeys], closed: &[u64], devices: usize, elapsed: Duration) -> Value {
        let engine = &*self.engine;
        let network: emissions::state::Network = engine.anchor_account(&net.network);
        let config: data_credits::state::DataCreditsConfig = engine.anchor_account(&scenario::dc_config_address(&net.network));
        let dc_supply = tokens::supply(engine, &scenario::dc_mint_address(&net.network));
        let mut rows = Vec::new();
        let (mut claimed, mut in_escrow, mut onboarded, mut active, mut usage_burned, mut fees_burned) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
        for sub in subs {
            let account: SubNetwork = engine.anchor_account(&sub.address);
            claimed += account.total_claimed;
            in_escrow += tokens::balance(engine, &sub.rewards_escrow);
            let burns: data_credits::state::SubNetworkBurns = engine.anchor_account(&dc::sub_network_burns_address(&sub.address));
            let devices: device_registry::state::SubNetworkDevices = engine.anchor_account(&registry::sub_network_devices_address(&sub.address));
            onboarded += devices.devices_onboarded;
            active += devices.active_devices;
            usage_burned += burns.total_burned;
            fees_burned += devices.fees_dc_burned;
            for &epoch in closed {
                let info: SubNetworkEpochInfo = engine.anchor_account(&net::sub_network_epoch_info_address(&sub.address, epoch));
                rows.push(json!({
                    "sub_network": sub.name, "epoch": epoch, "dc_burned": info.dc_burned, "active_devices": info.active_devices,
                    "utility_score": info.utility_score.to_string(), "tokens_issued": info.issued,
                }));
            }
        }
        // Tokens: issued = claimed + still in escrow. DC: supply = minted - usage burns (the
        // sub-networks' burn records) - fees (their device records). Devices: all onboarded.
        let reconciled = network.total_issued == claimed + in_escrow
            && dc_supply == config.total_dc_minted - usage_burned - fees_burned
            && onboarded == devices as u64;
        let instructions: BTreeMap<&str, Value> = self
            .measured
            .iter()
            .map(|(name, measured)| {
                let mut cu = measured.compute_units.clone();
                cu.sort_unstable();
                (*name, json!({"count": cu.len(), "cu_min": cu[0], "cu_median": cu[cu.len() / 2], "cu_max": cu[cu.len() - 1], "tx_bytes_max": measured.max_size}))
            })
            .collect();
        let mut value = json!({
            "engine": self.engine_name,
            "network": net.network.to_string(),
            "devices_onboarded": onboarded,
            "devices_active": active,
            "epochs_closed": closed.len(),
            "dc_minted": config.total_dc_minted,
            "dc_burned": usage_burned + fees_burned,
            "dc_burned_for_usage": usage_burned,
            "dc_fees_burned": fees_burned,
            "dc_supply": dc_supply,
            "tokens_issued": network.total_issued,
            "tokens_claimed": claimed,
            "tokens_in_escrow": in_escrow,
            "reconciled": reconciled,
            "wall_time_secs": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
            "epochs": rows,
            "instructions": instructions,
        });
        // `--output table` prints this text; `--output json` leaves it out.
        value["report"] = Value::String(render(&value));
        value
    }
}

/// `f(item)` for every item, on two threads (signing reports is most of a large epoch's
/// work outside the chain); results in order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let half = items.len().div_ceil(2).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.chunks(half).map(|chunk| scope.spawn(|| chunk.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a signing thread panicked")).collect()
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The process's peak resident memory so far (`VmHWM` of /proc/self/status), in MiB; null
/// where that file does not exist.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(round2(kib / 1024.0))
}

/// The demo's human report: per sub-network and epoch, totals, compute units.
fn render(v: &Value) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "civnet demo on {}: network {}", v["engine"].as_str().unwrap_or(""), v["network"].as_str().unwrap_or(""));
    let _ = writeln!(out, "\n{:<10} {:>12} {:>14} {:>8} {:>22} {:>16}", "sub-net", "epoch", "DC burned", "devices", "utility score", "tokens issued");
    for row in v["epochs"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "{:<10} {:>12} {:>14} {:>8} {:>22} {:>16}",
            row["sub_network"].as_str().unwrap_or(""),
            row["epoch"].to_string(),
            row["dc_burned"].to_string(),
            row["active_devices"].to_string(),
            score_text(row["utility_score"].as_str().unwrap_or("0")),
            tokens_text(row["tokens_issued"].as_u64().unwrap_or(0)),
        );
    }
    let _ = writeln!(out, "\ntotals");
    for key in ["devices_onboarded", "devices_active", "epochs_closed", "dc_minted", "dc_burned", "dc_supply"] {
        let _ = writeln!(out, "  {key:<18} {}", v[key]);
    }
    for key in ["tokens_issued", "tokens_claimed", "tokens_in_escrow"] {
        let _ = writeln!(out, "  {key:<18} {}", tokens_text(v[key].as_u64().unwrap_or(0)));
    }
    let r = &v["rewards"];
    if r.is_object() {
        let _ = writeln!(out, "\nrewards oracle ({} reports accepted)", r["reports_accepted"]);
        let _ = writeln!(
            out,
            "  per device          min {}  median {}  max {}",
            tokens_text(r["reward_min"].as_u64().unwrap_or(0)),
            tokens_text(r["reward_median"].as_u64().unwrap_or(0)),
            tokens_text(r["reward_max"].as_u64().unwrap_or(0))
        );
        let _ = writeln!(out, "  devices rewarded    {}", r["devices_rewarded"]);
        let _ = writeln!(out, "  offline devices     {} (earned {})", r["offline_devices"], tokens_text(r["offline_rewards"].as_u64().unwrap_or(0)));
        let _ = writeln!(out, "  set inactive        {}", r["devices_set_inactive"]);
        let _ = writeln!(out, "  unallocated         {}", tokens_text(r["unallocated"].as_u64().unwrap_or(0)));
        let _ = writeln!(out, "  claims = oracle     {}", r["claims_match_oracle"]);
        let _ = writeln!(out, "  shares + rest = issued {}", r["shares_plus_unallocated_equal_issued"]);
    }
    let _ = writeln!(out, "  {:<18} {}", "reconciled", v["reconciled"]);
    let _ = writeln!(out, "  {:<18} {} s", "wall time", v["wall_time_secs"]);
    if let Some(phases) = v["phases_secs"].as_object() {
        let list: Vec<String> = STAGES.iter().filter_map(|name| phases.get(*name).map(|secs| format!("{name} {secs} s"))).collect();
        let _ = writeln!(out, "  {:<18} {}", "of which", list.join(", "));
    }
    if v["peak_memory_mib"].is_number() {
        let _ = writeln!(out, "  {:<18} {} MiB", "peak memory", v["peak_memory_mib"]);
    }
    if v["heartbeats"].is_string() {
        let _ = writeln!(out, "  {:<18} {}", "heartbeats", v["heartbeats"].as_str().unwrap_or(""));
    }
    let _ = writeln!(out, "\n{:<46} {:>6} {:>9} {:>9} {:>9} {:>9}", "instruction", "txs", "CU min", "CU median", "CU max", "tx bytes");
    for (name, m) in v["instructions"].as_object().into_iter().flatten() {
        let cell = |key: &str| m[key].to_string();
        let _ = writeln!(out, "{name:<46} {:>6} {:>9} {:>9} {:>9} {:>9}", cell("count"), cell("cu_min"), cell("cu_median"), cell("cu_max"), cell("tx_bytes_max"));
    }
    out
}

/// A utility score (fixed point, 10^12 = 1.0: two factors of 10^6) as a decimal.
fn score_text(score: &str) -> String {
    let score: u128 = score.parse().unwrap_or(0);
    format!("{}.{:06}", score / 1_000_000_000_000, score % 1_000_000_000_000 / 1_000_000)
}

/// Base units as tokens with 6 decimals.
fn tokens_text(units: u64) -> String {
    format!("{}.{:06}", units / TOKEN, units % TOKEN)
}

/// The smallest supported tree for `devices` leaves, with the canopy leaving 6 proof nodes
/// (the production shapes of the benchmark). A deeper canopy shortens transactions by 32
/// bytes a node, but every transaction that names the tree copies its whole account into
/// the runtime (and again into each CPI): at depth 14 a canopy of 13 makes a 524 KB account
/// instead of 48 KB, and that copying was most of a large demo's time. With the network's
/// lookup table, claims fit up to 2^17 devices per sub-network at 6 proof nodes.
fn tree_shape(devices: usize) -> TreeShape {
    let depth = [14u32, 17, 20].into_iter().find(|d| (1usize << d) >= devices).unwrap_or(20);
    TreeShape { max_depth: depth, max_buffer_size: 64, canopy_depth: depth - 6 }
}

fn progress(len: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(ProgressStyle::with_template("{msg:<40} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})").expect("template").progress_chars("=> "));
    bar.set_message(message.to_string());
    bar
}

fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
