//! What the oracle stories share: a network on the embedded engine (the real programs in
//! litesvm) whose transactions feed the oracle's index through civnet-indexer's own decoding,
//! devices that hold their keys, a router with a DC escrow, and the oracle in-process with
//! the engine's clock. The validator stories (end to end over HTTP, the killed oracle) add
//! an oracle process; PostgreSQL comes from the Debian package when it is installed.
#![allow(dead_code)]
use anchor_lang::prelude::Pubkey;
use civnet_client::bubblegum::TreeShape;
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry::{self, IssuedDevice, MakerKeys};
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::{dc, tokens, Chain, Cluster, Keypair, Signer};
use civnet_oracle::ingest::Outcome;
use civnet_oracle::report::{self, SignedReport, UsageReceipt};
use civnet_oracle::{Oracle, OracleStore};
use serde_json::Value;
use std::process::Command;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };
pub const DAY: u32 = 86_400;
pub const HOUR: i64 = 3_600;
/// $1.50 per token: 150,000 DC per token.
pub const USD_PER_TOKEN_E8: u64 = 150_000_000;
pub const ONBOARDING_FEE_DC: u64 = 40_000;

/// Runs `future` on the tests' one runtime (a pool's connections belong to the runtime that
/// opened them).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()).block_on(future)
}

pub fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

/// A device with its own key.
pub struct Device {
    pub key: Keypair,
    pub issued: IssuedDevice,
}

impl Device {
    pub fn key(&self) -> Pubkey {
        self.key.pubkey()
    }
}

/// A network on the embedded engine with sub-networks IOT and MOBILE, both served by one
/// oracle key (rewards oracle and active-device authority), a maker with a tree, a device
/// owner, a customer with DC and a router with an escrow in IOT.
pub struct Net {
    pub chain: Chain,
    pub net: NetworkKeys,
    pub iot: SubNetworkKeys,
    pub mobile: SubNetworkKeys,
    pub maker: MakerKeys,
    pub owner: Keypair,
    pub customer: Keypair,
    pub oracle_key: Keypair,
    pub router: Keypair,
    pub oracle: Arc<Oracle>,
    clock: Arc<AtomicI64>,
    burn_sequence: u64,
    _dir: Option<tempfile::TempDir>,
}

impl Net {
    /// Day-long epochs (hour slices), the oracle on a SQLite file.
    pub fn launch() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir, "oracle.db");
        Self::launch_with(&url, Some(dir))
    }

    pub fn launch_with(database: &str, dir: Option<tempfile::TempDir>) -> Self {
        let mut chain = Chain::new();
        chain.record_transactions();
        // Ten days in: epoch 10 (day-long epochs from epoch 0).
        chain.warp_seconds(10 * i64::from(DAY) + 17);
        let owner = chain.funded_keypair(100);
        let customer = chain.funded_keypair(100);
        let oracle_key = chain.funded_keypair(10);
        let router = civnet_client::keys::new_keypair();
        let genesis = [(owner.pubkey(), 1_000_000_000), (customer.pubkey(), 1_000_000_000_000)];
        let net = scenario::initialize_network_with_genesis(&mut chain, net::short_epoch_network_args(DAY), &genesis);
        scenario::initialize_data_credits(&mut chain, &net, &net.authority, dc::fixed_price_args(USD_PER_TOKEN_E8)).expect("data credits");
        let sub = |chain: &mut Chain, name: &str| {
            let sub = SubNetworkKeys::new(&net.network, name);
            let args = emissions::instructions::CreateSubNetworkArgs {
                rewards_oracle: oracle_key.pubkey(),
                active_device_authority: oracle_key.pubkey(),
                onboarding_fee_dc: ONBOARDING_FEE_DC,
                location_fee_dc: 10_000,
                ..sub.create_args()
            };
            let ix = net::create_sub_network_ix(&net, chain.payer(), net.authority.pubkey(), &sub, args);
            let [burns, devices] = net::initialize_activity_records_ixs(chain.payer(), &net.network, &sub.address);
            chain.send_ok(&[ix, burns, devices], &[&net.authority]);
            chain.airdrop(&sub.dc_burn_authority.pubkey(), 1_000_000_000);
            sub
        };
        let iot = sub(&mut chain, "IOT");
        let mobile = sub(&mut chain, "MOBILE");
        let mut maker = MakerKeys::create_approved(&mut chain, &net, "acme");
        maker.set_tree(&mut chain, &net, TREE).expect("set_maker_tree");
        dc::buy_dc(&mut chain, &net, &owner, 100 * ONBOARDING_FEE_DC);
        dc::buy_dc(&mut chain, &net, &customer, 1_000_000_000);
        let clock = Arc::new(AtomicI64::new(chain.clock().unix_timestamp));
        let reader = clock.clone();
        let store = block_on(OracleStore::open(database)).expect("the oracle's database");
        let mut oracle = Oracle::new(store, net.network, oracle_key.pubkey(), Arc::new(move || reader.load(Ordering::SeqCst)));
        oracle.close_grace_secs = Some(0);
        let mut world = Self { chain, net, iot, mobile, maker, owner, customer, oracle_key, router, oracle: Arc::new(oracle), clock, burn_sequence: 0, _dir: dir };
        world.delegate_to_router(1_000_000);
        world.sync();
        world
    }

    pub fn now(&self) -> i64 {
        self.chain.clock().unix_timestamp
    }

    pub fn epoch(&self) -> u64 {
        civnet_common::schedule::epoch_at(self.now(), DAY)
    }

    pub fn epoch_start(&self) -> i64 {
        self.epoch() as i64 * i64::from(DAY)
    }

    /// Moves the chain's clock (and the oracle's) to `time`.
    pub fn warp_to(&mut self, time: i64) {
        let now = self.now();
        assert!(time >= now, "time runs forward");
        if time > now {
            self.chain.warp_seconds(time - now);
        }
        self.clock.store(time, Ordering::SeqCst);
    }

    /// Feeds what the engine ran since the last call into the oracle's index.
    pub fn sync(&mut self) {
        let transactions = self.chain.take_recorded();
        let chain = &self.chain;
        block_on(civnet_indexer::follow::index_transactions(&self.oracle.store.index, &transactions, |keys| Ok(keys.iter().map(|k| chain.account_owner_and_data(k)).collect()))).unwrap();
    }

    /// A device issued to the owner (not onboarded).
    pub fn issue(&mut self) -> Device {
        let key = civnet_client::keys::new_keypair();
        let ix = self.maker.issue_device_ix(&self.net, self.chain.payer(), key.pubkey(), self.owner.pubkey());
        let authority = self.maker.authority.insecure_clone();
        self.chain.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], &[&authority, &key]);
        let issued = self.maker.record_issued(&self.chain, &self.net, key.pubkey(), &self.owner.pubkey());
        self.sync();
        Device { key, issued }
    }

    /// A device issued and onboarded to `sub`.
    pub fn device_in(&mut self, sub: Pubkey) -> Device {
        let device = self.issue();
        let owner = self.owner.insecure_clone();
        registry::onboard(&mut self.chain, &self.net, &self.maker, &device.issued, &owner, &sub);
        self.sync();
        device
    }

    pub fn retire(&mut self, device: &Device, active_in: Pubkey) {
        let (cnft, proof) = self.maker.ownership_proof(&self.chain, &self.net, &device.issued);
        let ix = registry::retire_device_ix(&self.net, self.owner.pubkey(), &device.issued, Some(active_in), cnft, &proof);
        let owner = self.owner.insecure_clone();
        self.chain.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], &[&owner]);
        self.maker.record_burned(&device.issued);
        self.sync();
    }

    pub fn router_key(&self) -> String {
        self.router.pubkey().to_string()
    }

    /// The customer delegates `amount` DC to the router's escrow in IOT.
    pub fn delegate_to_router(&mut self, amount: u64) {
        let key = self.router_key();
        let customer = self.customer.insecure_clone();
        self.chain.send_ok(&[dc::delegate_ix(&self.net, customer.pubkey(), &self.iot.address, &key, amount)], &[&customer]);
        self.sync();
    }

    /// The router's escrow in IOT.
    pub fn escrow(&self) -> Pubkey {
        dc::escrow_address(&self.iot.address, &self.router_key())
    }

    /// The sub-network's burn authority burns `amount` from the router's escrow (this epoch).
    pub fn burn_from_escrow(&mut self, amount: u64) {
        self.burn_sequence += 1;
        let authority = self.iot.dc_burn_authority.insecure_clone();
        let ix = dc::burn_delegated_ix(&self.net, authority.pubkey(), &self.iot.address, &self.router_key(), amount, self.burn_sequence);
        self.chain.send_ok(&[ix], &[&authority]);
        self.sync();
    }

    /// Entropy issued now.
    pub fn entropy(&self) -> [u8; 32] {
        block_on(self.oracle.issue_entropy(civnet_oracle::chain::ChainAccess::recent_blockhash(&self.chain).unwrap(), self.now())).unwrap()
    }

    pub fn heartbeat(&self, device: &Device, sub: Pubkey, entropy: [u8; 32]) -> Vec<u8> {
        report::signed_heartbeat(&device.key, sub.to_bytes(), self.now(), entropy).encode()
    }

    /// A receipt for `dc` DC carried by `device` for `router` (paying from its IOT escrow).
    pub fn receipt_body(&self, device: &Device, router: &Keypair, session: u64, dc: u64) -> UsageReceipt {
        let mut session_id = [0u8; 16];
        session_id[..8].copy_from_slice(&session.to_le_bytes());
        UsageReceipt {
            version: report::REPORT_VERSION,
            sub_network: self.iot.address.to_bytes(),
            device_key: device.key().to_bytes(),
            router_key: router.pubkey().to_bytes(),
            payer: dc::escrow_address(&self.iot.address, &router.pubkey().to_string()).to_bytes(),
            session_id,
            bytes: dc * 24,
            dc,
            started_at: self.now() - 30,
            ended_at: self.now(),
        }
    }

    pub fn receipt(&self, device: &Device, session: u64, dc: u64) -> Vec<u8> {
        report::signed_usage(&device.key, &self.router, self.receipt_body(device, &self.router, session, dc)).encode()
    }

    /// Reports received now.
    pub fn ingest(&self, reports: &[Vec<u8>]) -> Vec<Outcome> {
        block_on(self.oracle.ingest(reports, self.now())).unwrap()
    }

    /// One report received now: its rejection reason, or "accepted".
    pub fn verdict(&self, report: Vec<u8>) -> &'static str {
        match &self.ingest(&[report])[0] {
            Ok(_) => "accepted",
            Err(rejection) => rejection.reason.as_str(),
        }
    }

    /// Ends the current epoch on chain (scores, issuance), then lets the oracle close it.
    pub fn close_epoch(&mut self) -> Vec<civnet_oracle::close::Closed> {
        let epoch = self.epoch();
        self.close(epoch)
    }

    /// Scores and issues `epoch` on chain (waiting out its end first), then lets the oracle
    /// close what is ready.
    pub fn close(&mut self, epoch: u64) -> Vec<civnet_oracle::close::Closed> {
        if self.epoch() <= epoch {
            self.warp_to((epoch as i64 + 1) * i64::from(DAY));
        }
        self.clock.store(self.now(), Ordering::SeqCst);
        let subs = [&self.iot, &self.mobile];
        net::close_epoch(&mut self.chain, &self.net, &subs, epoch);
        self.sync();
        let oracle_key = self.oracle_key.insecure_clone();
        let now = self.now();
        let closed = block_on(self.oracle.close_ready_epochs(&mut self.chain, &oracle_key, now)).unwrap();
        self.sync();
        closed
    }

    pub fn issued(&self, sub: &Pubkey, epoch: u64) -> u64 {
        self.chain.anchor_account::<emissions::state::SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(sub, epoch)).issued
    }

    pub fn manifest(&self, epoch: u64, sub: &Pubkey) -> Value {
        block_on(self.oracle.manifest(epoch, Some(&sub.to_string()))).unwrap().into_iter().next().expect("a manifest")
    }

    pub fn device_active(&self, device: &Device) -> bool {
        self.chain.anchor_account::<device_registry::state::Device>(&registry::device_address(&self.net.network, &device.key())).active
    }

    /// The owner claims `device`'s rewards with the oracle's proof; returns the tokens received.
    pub fn claim(&mut self, device: &Device, sub: &Pubkey) -> u64 {
        let proof = block_on(self.oracle.reward_proof(&device.key().to_string(), None)).unwrap().expect("a proof");
        let reward_proof: Vec<[u8; 32]> = proof.proof.iter().map(|h| hex::decode(h).unwrap().try_into().unwrap()).collect();
        let (cnft, cnft_proof) = self.maker.ownership_proof(&self.chain, &self.net, &device.issued);
        let args = emissions::instructions::ClaimRewardsArgs { asset_id: device.issued.asset_id, cumulative_amount: proof.cumulative_amount, reward_proof, cnft };
        let destination = tokens::ata(&self.owner.pubkey(), &self.net.token_mint);
        let before = tokens::balance(&self.chain, &destination);
        let ix = net::claim_rewards_ix(&self.net, sub, self.owner.pubkey(), device.issued.merkle_tree, destination, args, &cnft_proof);
        let owner = self.owner.insecure_clone();
        self.chain.send_ok(&[ix], &[&owner]);
        self.sync();
        tokens::balance(&self.chain, &destination) - before
    }

    /// Rejected reports stored with `reason`.
    pub fn stored_rejections(&self, reason: &str) -> u64 {
        block_on(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM oracle_rejected WHERE reason = $1").bind(reason).fetch_one(self.oracle.store.pool())).unwrap() as u64
    }
}

/// The documented split, written out again independently of `civnet_oracle::rewards`: DC
/// valued at the fixed price of $1.50 per 6-decimal token (a DC is 10^14 / (1.5 * 10^13)
/// base units) and capped at the issuance; the rest by qualifying slices; floors throughout.
/// `work`: (slices, DC) per device. Returns (data, coverage) per device and the rest.
pub fn expected_split(issued: u64, work: &[(u64, u64)], min_presence: u64) -> (Vec<(u64, u64)>, u64) {
    let value = |dc: u64| (dc as u128 * 100_000_000_000_000) / (USD_PER_TOKEN_E8 as u128 * 100_000);
    let total_value: u128 = work.iter().map(|(_, dc)| value(*dc)).sum();
    let data: Vec<u128> = work.iter().map(|(_, dc)| if total_value <= issued as u128 { value(*dc) } else { value(*dc) * issued as u128 / total_value }).collect();
    let pool = issued as u128 - data.iter().sum::<u128>();
    let slices: Vec<u128> = work.iter().map(|(h, _)| if *h >= min_presence { *h as u128 } else { 0 }).collect();
    let all: u128 = slices.iter().sum();
    let coverage: Vec<u128> = slices.iter().map(|h| if all == 0 { 0 } else { pool * h / all }).collect();
    let rest = issued as u128 - data.iter().sum::<u128>() - coverage.iter().sum::<u128>();
    (data.iter().zip(&coverage).map(|(d, c)| (*d as u64, *c as u64)).collect(), rest as u64)
}

/// A heartbeat whose signature (or body) was changed after signing.
pub fn tampered(report: &[u8], edit: impl FnOnce(&mut SignedReport)) -> Vec<u8> {
    let mut decoded = report::decode(report).unwrap();
    edit(&mut decoded);
    decoded.encode()
}

/// A throwaway PostgreSQL server (the harness's).
pub use civnet_harness::postgres::Postgres;

/// Epochs on the validator: 20 one-second slices, 3 of them to qualify for coverage.
pub const LIVE_EPOCH_SECS: u32 = 20;

/// A network on solana-test-validator, driven over RPC: sub-network IOT served by the
/// oracle key, a maker, an owner with `devices` onboarded devices, a customer and a router
/// with an escrow.
pub struct Live {
    pub validator: civnet_client::TestValidator,
    pub net: NetworkKeys,
    pub iot: SubNetworkKeys,
    pub maker: MakerKeys,
    pub owner: Keypair,
    pub customer: Keypair,
    pub oracle_key: Keypair,
    pub router: Keypair,
    pub devices: Vec<Device>,
    burn_sequence: u64,
}

impl Live {
    pub fn launch(devices: usize) -> Self {
        let mut validator = civnet_client::TestValidator::start();
        let (owner, customer, oracle_key, router) = (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
        for key in [&owner, &customer, &oracle_key] {
            validator.airdrop(&key.pubkey(), 10_000_000_000);
        }
        let genesis = [(owner.pubkey(), 1_000_000_000), (customer.pubkey(), 1_000_000_000_000)];
        let net = scenario::initialize_network_with_genesis(&mut validator, net::short_epoch_network_args(LIVE_EPOCH_SECS), &genesis);
        scenario::initialize_data_credits(&mut validator, &net, &net.authority, dc::fixed_price_args(USD_PER_TOKEN_E8)).expect("data credits");
        let iot = SubNetworkKeys::new(&net.network, "IOT");
        let args = emissions::instructions::CreateSubNetworkArgs { rewards_oracle: oracle_key.pubkey(), active_device_authority: oracle_key.pubkey(), ..iot.create_args() };
        let ix = net::create_sub_network_ix(&net, validator.payer(), net.authority.pubkey(), &iot, args);
        let [burns, records] = net::initialize_activity_records_ixs(validator.payer(), &net.network, &iot.address);
        validator.send_ok(&[ix, burns, records], &[&net.authority]);
        validator.airdrop(&iot.dc_burn_authority.pubkey(), 1_000_000_000);
        let mut maker = MakerKeys::create_approved(&mut validator, &net, "acme");
        maker.set_tree(&mut validator, &net, TREE).expect("set_maker_tree");
        dc::buy_dc(&mut validator, &net, &owner, 4_000_000 * devices as u64);
        dc::buy_dc(&mut validator, &net, &customer, 100_000_000);
        validator.send_ok(&[dc::delegate_ix(&net, customer.pubkey(), &iot.address, &router.pubkey().to_string(), 10_000_000)], &[&customer]);
        let mut live = Self { validator, net, iot, maker, owner, customer, oracle_key, router, devices: Vec::new(), burn_sequence: 0 };
        for _ in 0..devices {
            let key = Keypair::new();
            let ix = live.maker.issue_device_ix(&live.net, live.validator.payer(), key.pubkey(), live.owner.pubkey());
            let authority = live.maker.authority.insecure_clone();
            live.validator.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], &[&authority, &key]);
            let issued = live.maker.record_issued(&live.validator, &live.net, key.pubkey(), &live.owner.pubkey());
            let owner = live.owner.insecure_clone();
            let ixs = registry::onboard_ixs(&live.validator, &live.net, &live.maker, &issued, owner.pubkey(), &live.iot.address);
            live.validator.send_ok(&ixs, &[&owner]);
            live.devices.push(Device { key, issued });
        }
        live
    }

    pub fn url(&self) -> String {
        self.validator.rpc_url().to_string()
    }

    pub fn epoch(&self) -> u64 {
        net::current_epoch(&self.validator, LIVE_EPOCH_SECS)
    }

    /// The current epoch if at least `needed` of it is left by the chain's clock, else the
    /// next one once it has begun.
    pub fn epoch_with(&self, needed: std::time::Duration) -> u64 {
        let now = self.validator.unix_timestamp();
        let epoch = civnet_common::schedule::epoch_at(now, LIVE_EPOCH_SECS);
        if (epoch + 1) * u64::from(LIVE_EPOCH_SECS) - now.max(0) as u64 >= needed.as_secs() {
            epoch
        } else {
            self.next_epoch()
        }
    }

    /// Waits for the next epoch to begin; returns it.
    pub fn next_epoch(&self) -> u64 {
        let now = self.epoch();
        wait_until("the next epoch", std::time::Duration::from_secs(60), || self.epoch() > now);
        self.epoch()
    }

    pub fn burn_from_escrow(&mut self, amount: u64) {
        self.burn_sequence += 1;
        let authority = self.iot.dc_burn_authority.insecure_clone();
        let ix = dc::burn_delegated_ix(&self.net, authority.pubkey(), &self.iot.address, &self.router.pubkey().to_string(), amount, self.burn_sequence);
        self.validator.send_ok(&[ix], &[&authority]);
    }

    /// Waits out `epoch`, then scores and issues it on chain.
    pub fn close_on_chain(&mut self, epoch: u64) {
        wait_until("the epoch's end", std::time::Duration::from_secs(60), || self.epoch() > epoch);
        let subs = [&self.iot];
        net::close_epoch(&mut self.validator, &self.net, &subs, epoch);
    }

    pub fn receipt(&self, device: &Device, session: u64, dc: u64, now: i64) -> Vec<u8> {
        let mut session_id = [0u8; 16];
        session_id[..8].copy_from_slice(&session.to_le_bytes());
        let body = UsageReceipt {
            version: report::REPORT_VERSION,
            sub_network: self.iot.address.to_bytes(),
            device_key: device.key().to_bytes(),
            router_key: self.router.pubkey().to_bytes(),
            payer: dc::escrow_address(&self.iot.address, &self.router.pubkey().to_string()).to_bytes(),
            session_id,
            bytes: dc * 24,
            dc,
            started_at: now - 5,
            ended_at: now,
        };
        report::signed_usage(&device.key, &self.router, body).encode()
    }

    /// The owner claims with a proof the oracle served; returns the tokens received.
    pub fn claim(&self, device: &Device, proof: &civnet_oracle::api::RewardProof) -> u64 {
        let reward_proof: Vec<[u8; 32]> = proof.proof.iter().map(|h| hex::decode(h).unwrap().try_into().unwrap()).collect();
        let (cnft, cnft_proof) = self.maker.ownership_proof(&self.validator, &self.net, &device.issued);
        let args = emissions::instructions::ClaimRewardsArgs { asset_id: device.issued.asset_id, cumulative_amount: proof.cumulative_amount, reward_proof, cnft };
        let destination = tokens::ata(&self.owner.pubkey(), &self.net.token_mint);
        let create = tokens::create_ata_ix(&self.owner.pubkey(), &self.owner.pubkey(), &self.net.token_mint);
        let before = tokens::balance(&self.validator, &destination);
        let ix = net::claim_rewards_ix(&self.net, &self.iot.address, self.owner.pubkey(), device.issued.merkle_tree, destination, args, &cnft_proof);
        // The owner pays for itself: the claim with its proofs stays under the size limit.
        let rpc = &self.validator.cluster.rpc;
        let tx = solana_transaction::Transaction::new_signed_with_payer(&[create, ix], Some(&self.owner.pubkey()), &[&self.owner], rpc.latest_blockhash().unwrap());
        self.validator.cluster.send_signed(&tx).unwrap_or_else(|e| panic!("claim failed: {e}"));
        tokens::balance(&self.validator, &destination) - before
    }

    pub fn device_active(&self, device: &Device) -> bool {
        self.validator.anchor_account::<device_registry::state::Device>(&registry::device_address(&self.net.network, &device.key())).active
    }

    pub fn issued(&self, epoch: u64) -> u64 {
        self.validator.anchor_account::<emissions::state::SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(&self.iot.address, epoch)).issued
    }
}

/// Waits until `done` holds, polling.
pub fn wait_until(what: &str, timeout: std::time::Duration, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The oracle as a separate process (this test binary re-run as [`oracle_child_process`]),
/// following the chain and serving its API until killed; its log lines are collected.
pub struct OracleProcess {
    child: std::process::Child,
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
    pub url: String,
}

const CHILD_ENV: &str = "CIVNET_ORACLE_CHILD";

impl OracleProcess {
    pub fn spawn(live: &Live, database: &str, serve: std::net::SocketAddr) -> Self {
        let spec = serde_json::json!({
            "url": live.url(), "database": database, "serve": serve.to_string(), "network": live.net.network.to_string(),
            "keypair": live.oracle_key.to_bytes().to_vec(),
        });
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "common::oracle_child_process", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, spec.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawning the oracle process");
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("  [oracle] {line}");
                sink.lock().unwrap().push(line);
            }
        });
        let url = format!("http://{serve}");
        let process = Self { child, log, url };
        wait_until("the oracle to serve entropy", std::time::Duration::from_secs(120), || ureq::get(&format!("{}/v1/entropy", process.url)).call().is_ok());
        process
    }

    /// SIGKILL as soon as a log line containing `needle` appears.
    pub fn kill_after(mut self, needle: &str, timeout: std::time::Duration) {
        wait_until(needle, timeout, || self.log.lock().unwrap().iter().any(|l| l.contains(needle)));
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
    }
}

impl Drop for OracleProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "the oracle process of OracleProcess::spawn; does nothing when run directly"]
fn oracle_child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let bytes: Vec<u8> = serde_json::from_value(spec["keypair"].clone()).unwrap();
    let keypair = Keypair::try_from(bytes.as_slice()).unwrap();
    let args = civnet_oracle::OracleArgs {
        database: spec["database"].as_str().unwrap().to_string(),
        serve: Some(spec["serve"].as_str().unwrap().parse().unwrap()),
        poll_ms: 200,
        close_grace_secs: Some(0),
    };
    civnet_oracle::run(spec["url"].as_str().unwrap(), spec["network"].as_str().unwrap().parse().unwrap(), keypair, args).expect("civnet oracle");
}

pub fn free_addr() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], civnet_harness::validator::reserved_port()))
}

pub fn get(url: &str) -> Option<Value> {
    ureq::get(url).call().ok().map(|r| r.into_json().unwrap())
}

/// `POST /v1/reports` of encoded reports; each report's status or reason.
pub fn post_reports(oracle: &str, reports: &[Vec<u8>]) -> Vec<String> {
    use base64::Engine;
    let body = serde_json::json!({"reports": reports.iter().map(|r| base64::engine::general_purpose::STANDARD.encode(r)).collect::<Vec<_>>()});
    let answer: Value = ureq::post(&format!("{oracle}/v1/reports")).send_json(body).unwrap().into_json().unwrap();
    answer["results"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap_or("accepted").to_string()).collect()
}

/// The oracle's clock (`now` of `GET /v1/entropy`), which devices stamp reports with.
pub fn oracle_now(oracle: &str) -> i64 {
    get(&format!("{oracle}/v1/entropy")).expect("entropy")["now"].as_i64().unwrap()
}

/// `GET /v1/entropy` once the oracle's clock is in `epoch` (waiting while it is before), or
/// `None` if it is past. Its clock follows the chain's, re-read each round, so it can cross an
/// epoch boundary a little before or after `Live::epoch`.
pub fn entropy_in_epoch(oracle: &str, epoch: u64) -> Option<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(u64::from(LIVE_EPOCH_SECS) * 2);
    loop {
        let answer = get(&format!("{oracle}/v1/entropy")).expect("entropy");
        let now = answer["now"].as_i64().unwrap();
        match civnet_common::schedule::epoch_at(now, LIVE_EPOCH_SECS).cmp(&epoch) {
            std::cmp::Ordering::Greater => return None,
            std::cmp::Ordering::Equal => return Some(answer),
            std::cmp::Ordering::Less => {}
        }
        assert!(std::time::Instant::now() < deadline, "the oracle's clock ({now}) did not reach epoch {epoch}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// A heartbeat by `device` for `epoch`, stamped with the oracle's clock and its current
/// entropy, over HTTP: the oracle's verdict, or `None` once the oracle's clock has left
/// `epoch` ([`entropy_in_epoch`]). A heartbeat made in `epoch` and received after its end is
/// `past_epoch`, as it should be: that too ends the epoch's heartbeats.
pub fn heartbeat_in_epoch(oracle: &str, device: &Device, sub: Pubkey, epoch: u64) -> Option<String> {
    let answer = entropy_in_epoch(oracle, epoch)?;
    let entropy: [u8; 32] = hex::decode(answer["entropy"].as_str().unwrap()).unwrap().try_into().unwrap();
    let beat = report::signed_heartbeat(&device.key, sub.to_bytes(), answer["now"].as_i64().unwrap(), entropy).encode();
    let verdict = post_reports(oracle, &[beat]).remove(0);
    if verdict == "past_epoch" && civnet_common::schedule::epoch_at(oracle_now(oracle), LIVE_EPOCH_SECS) > epoch {
        return None;
    }
    Some(verdict)
}
