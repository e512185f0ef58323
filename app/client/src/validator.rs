//! `TestValidator`: a `solana-test-validator` process (agave 4.2.2, built by
//! `cargo xtask validator`) with every civnet program and fixture preloaded, running
//! mainnet-beta's feature set (`crate::features`). Tests start it
//! on a temporary ledger and free ports ([`TestValidator::start`]); `civnet localnet` runs it
//! in the foreground on a chosen ledger and port ([`LocalnetOptions`]). Stopped on drop.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::programs;
use crate::rpc::{Rpc, RpcCluster};
use crate::svm::{TxFailure, TxSuccess};

/// How many consecutive ports one validator uses (RPC, pubsub, faucet, gossip, dynamic range).
pub const PORTS_PER_VALIDATOR: u16 = 40;

pub struct TestValidator {
    child: Child,
    ledger: PathBuf,
    _temporary_ledger: Option<tempfile::TempDir>,
    /// The ports a test validator holds (none for `civnet localnet`, whose port the user chose).
    _ports: Option<PortBlock>,
    /// RPC at the validator with its faucet-funded payer.
    pub cluster: RpcCluster,
}

/// `$CIVNET_TEST_VALIDATOR` (set by `cargo xtask test`), else the binary `cargo xtask
/// validator` installs, else `solana-test-validator` on PATH.
pub fn validator_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CIVNET_TEST_VALIDATOR") {
        return PathBuf::from(path);
    }
    let cached = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/civnet/validator-agave-4.2.2/bin/solana-test-validator"));
    match cached {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("solana-test-validator"),
    }
}

/// Where and how `civnet localnet` runs its validator.
#[derive(Debug, Clone)]
pub struct LocalnetOptions {
    pub ledger: PathBuf,
    pub rpc_port: u16,
    /// Start from an empty ledger (otherwise an existing ledger is resumed).
    pub reset: bool,
    /// Accounts to put in the genesis: every `*.json` file of this directory (`--account-dir`,
    /// the files [`write_account_file`] writes).
    pub account_dir: Option<PathBuf>,
    /// PoH ticks per slot (`--ticks-per-slot`; the cluster's 64 make 400 ms slots).
    pub ticks_per_slot: Option<u64>,
}

/// Ticks per slot of the validators tests start: 16 (100 ms slots instead of mainnet's
/// 400 ms), or `CIVNET_TEST_TICKS_PER_SLOT` (64 for mainnet's). A test's transactions wait
/// for confirmation one after another, and indexers for finality (32 slots), so its time is
/// mostly slots; a blockhash stays valid for 150 slots, 15 s here, ample for a signed
/// transaction handed from one command to the next. `civnet localnet` keeps mainnet's slots.
pub fn test_ticks_per_slot() -> u64 {
    std::env::var("CIVNET_TEST_TICKS_PER_SLOT").ok().and_then(|t| t.parse().ok()).filter(|t| (2..=64).contains(t)).unwrap_or(16)
}

/// `account` at `address` as a solana-test-validator account file (`--account`,
/// `--account-dir`: the JSON `solana account --output json` prints).
pub fn write_account_file(file: &Path, address: &Pubkey, account: &solana_account::Account) -> std::io::Result<()> {
    use base64::Engine;
    let json = serde_json::json!({"pubkey": address.to_string(), "account": {
        "lamports": account.lamports, "data": [base64::engine::general_purpose::STANDARD.encode(&account.data), "base64"],
        "owner": account.owner.to_string(), "executable": account.executable, "rentEpoch": 0, "space": account.data.len(),
    }});
    std::fs::write(file, json.to_string())
}

impl TestValidator {
    /// Starts a validator on a temporary ledger and free ports with all programs at their ids
    /// and waits until it answers and has produced a few slots. Panics with its log tail
    /// otherwise (tests want that).
    pub fn start() -> Self {
        Self::start_with_accounts(&[])
    }

    /// Like [`TestValidator::start`], with `accounts` in its genesis (`--account`): accounts
    /// only another program could write, such as a Pyth price update.
    pub fn start_with_accounts(accounts: &[(Pubkey, solana_account::Account)]) -> Self {
        let ledger = tempfile::tempdir().expect("temporary ledger");
        let ports = PortBlock::reserve();
        let options = LocalnetOptions { ledger: ledger.path().to_path_buf(), rpc_port: ports.base, reset: true, account_dir: None, ticks_per_slot: Some(test_ticks_per_slot()) };
        let mut validator = Self::spawn(&options, Some(ledger), accounts).unwrap_or_else(|e| panic!("{e}"));
        validator._ports = Some(ports);
        let payer = validator.cluster.payer.pubkey();
        validator.cluster.request_airdrop(&payer, 100 * crate::svm::SOL).expect("airdrop to the payer");
        validator
    }

    /// Starts a validator as `options` say; an error names the log tail.
    pub fn start_localnet(options: &LocalnetOptions) -> Result<Self, String> {
        Self::spawn(options, None, &[])
    }

    /// A validator on a temporary ledger and free ports whose genesis holds every account
    /// file in `dir` (a network exported by [`crate::Chain::export_accounts`]): a chain of
    /// any size without sending its history. Genesis takes a while for large sets.
    pub fn start_with_account_dir(dir: &Path) -> Result<Self, String> {
        let ledger = tempfile::tempdir().map_err(|e| format!("temporary ledger: {e}"))?;
        let ports = PortBlock::reserve();
        let options = LocalnetOptions { ledger: ledger.path().to_path_buf(), rpc_port: ports.base, reset: true, account_dir: Some(dir.to_path_buf()), ticks_per_slot: Some(test_ticks_per_slot()) };
        let mut validator = Self::spawn(&options, Some(ledger), &[])?;
        validator._ports = Some(ports);
        Ok(validator)
    }

    fn spawn(options: &LocalnetOptions, temporary: Option<tempfile::TempDir>, accounts: &[(Pubkey, solana_account::Account)]) -> Result<Self, String> {
        std::fs::create_dir_all(&options.ledger).map_err(|e| format!("creating ledger {}: {e}", options.ledger.display()))?;
        let base = options.rpc_port;
        let mut cmd = Command::new(validator_binary());
        cmd.arg("--ledger")
            .arg(&options.ledger)
            .args(["--bind-address", "127.0.0.1", "--rpc-port", &base.to_string()])
            .args(["--faucet-port", &(base + 2).to_string(), "--gossip-port", &(base + 3).to_string()])
            .args(["--dynamic-port-range", &format!("{}-{}", base + 4, base + PORTS_PER_VALIDATOR)])
            .arg("--quiet");
        if options.reset {
            cmd.arg("--reset");
        }
        // The validator goes when its parent goes (a killed `civnet localnet`, a crashed test),
        // instead of holding its ports as an orphan.
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
        }
        // Mainnet-beta's feature set, as litesvm runs (crate::features).
        for feature in crate::features::inactive_on_mainnet() {
            cmd.arg("--deactivate-feature").arg(feature.to_string());
        }
        for program in programs::all() {
            if !program.path.exists() {
                return Err(programs::missing_message(&program));
            }
            cmd.arg("--bpf-program").arg(program.id.to_string()).arg(&program.path);
        }
        // Read into the genesis at startup: the files only need to outlive the spawn.
        let account_files = tempfile::tempdir().map_err(|e| format!("account files: {e}"))?;
        for (address, account) in accounts {
            let file = account_files.path().join(format!("{address}.json"));
            write_account_file(&file, address, account).map_err(|e| format!("writing {}: {e}", file.display()))?;
            cmd.arg("--account").arg(address.to_string()).arg(&file);
        }
        if let Some(dir) = &options.account_dir {
            cmd.arg("--account-dir").arg(dir);
        }
        if let Some(ticks) = options.ticks_per_slot {
            cmd.arg("--ticks-per-slot").arg(ticks.to_string());
        }
        let log = |name: &str| std::fs::File::create(options.ledger.join(name)).map_err(|e| format!("log file: {e}"));
        let child = cmd
            .stdout(Stdio::from(log("civnet-validator.stdout.log")?))
            .stderr(Stdio::from(log("civnet-validator.stderr.log")?))
            .spawn()
            .map_err(|e| format!("starting {}: {e}; build it with `cargo xtask validator`", validator_binary().display()))?;
        let cluster = RpcCluster { rpc: Rpc::new(format!("http://127.0.0.1:{base}")), payer: Keypair::new() };
        let mut validator = Self { child, ledger: options.ledger.clone(), _temporary_ledger: temporary, _ports: None, cluster };
        // A large genesis (`--account-dir`) takes minutes to write and hash.
        let ready_within = if options.account_dir.is_some() { Duration::from_secs(900) } else { Duration::from_secs(120) };
        validator.wait_until_ready(ready_within)?;
        validator.lower_scheduler_priority();
        drop(account_files);
        Ok(validator)
    }

    fn wait_until_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("solana-test-validator exited ({status}); {}", self.log_tail()));
            }
            if matches!(self.cluster.rpc.get_slot(), Ok(slot) if slot >= 3) {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(format!("solana-test-validator did not answer within {timeout:?}; {}", self.log_tail()));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The banking stage's scheduler thread (`solBnkTxSched`) of an upstream validator polls
    /// for transactions without pause: an idle validator used 0.9 of a core (measured: 2,299
    /// of its 2,700 jiffies in 25 s), so two validators filled a 2-core machine and starved the
    /// tests, the CLI and the other validator's real work. xtask's build waits instead
    /// (xtask/src/validator.rs); for a validator built elsewhere, at nice 19 that thread still
    /// runs whenever a core is free and yields to everything else when none is. Linux only; a
    /// failure changes nothing.
    fn lower_scheduler_priority(&self) {
        #[cfg(target_os = "linux")]
        {
            let tasks = std::path::PathBuf::from(format!("/proc/{}/task", self.child.id()));
            for task in std::fs::read_dir(tasks).into_iter().flatten().flatten() {
                let is_scheduler = std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.trim() == "solBnkTxSched");
                let tid = task.file_name().to_str().and_then(|t| t.parse::<libc::id_t>().ok());
                if let (true, Some(tid)) = (is_scheduler, tid) {
                    // SAFETY: setpriority only reads its integer arguments.
                    unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, 19) };
                }
            }
        }
    }

    fn log_tail(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.ledger.join(name)).unwrap_or_default();
        let text = format!("{}{}", read("civnet-validator.stdout.log"), read("civnet-validator.stderr.log"));
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        format!("log tail:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
    }

    /// Blocks until the validator process exits.
    pub fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.child.wait()
    }

    pub fn ledger(&self) -> &Path {
        &self.ledger
    }

    pub fn rpc_url(&self) -> &str {
        &self.cluster.rpc.url
    }

    pub fn airdrop(&self, to: &Pubkey, lamports: u64) {
        self.cluster.request_airdrop(to, lamports).expect("requestAirdrop");
    }

    /// Sends and confirms a transaction paid by the validator's payer.
    pub fn send(&self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        self.cluster.send_or_panic(instructions, signers)
    }

    pub fn send_ok(&self, instructions: &[Instruction], signers: &[&Keypair]) -> TxSuccess {
        self.send(instructions, signers).unwrap_or_else(|f| panic!("transaction failed: {f}\nlogs: {:#?}", f.logs))
    }

    pub fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        self.cluster.rpc.account_data(key)
    }

    pub fn anchor_account<T: anchor_lang::AccountDeserialize>(&self, key: &Pubkey) -> T {
        let data = self.account_data(key).unwrap_or_else(|| panic!("account {key} does not exist"));
        T::try_deserialize(&mut data.as_slice()).unwrap_or_else(|e| panic!("decoding account {key}: {e}"))
    }
}

impl Drop for TestValidator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A block of [`PORTS_PER_VALIDATOR`] consecutive loopback ports held for one validator.
///
/// Collision-free by construction: blocks lie below Linux's ephemeral range (32768-60999, so
/// no outgoing connection is handed one of them), and a block is claimed with an exclusive
/// `flock` on a file named after it, held until the reservation drops, so two test processes
/// (or two `civnet localnet`s started by tests) never pick the same block between the probe and
/// the validator's bind. A block whose ports another program holds is skipped.
pub struct PortBlock {
    pub base: u16,
    _lock: std::fs::File,
}

const PORT_BLOCKS_START: u16 = 20_000;
const PORT_BLOCKS_END: u16 = 32_760;

impl PortBlock {
    pub fn reserve() -> Self {
        let dir = std::env::temp_dir().join("civnet-port-blocks");
        std::fs::create_dir_all(&dir).expect("port reservation directory");
        let blocks = (PORT_BLOCKS_END - PORT_BLOCKS_START) / PORTS_PER_VALIDATOR;
        // Start at a process-dependent block so parallel processes rarely contend for a lock.
        let first = (std::process::id() as u64 ^ rand_seed()) % u64::from(blocks);
        for step in 0..u64::from(blocks) {
            let base = PORT_BLOCKS_START + ((first + step) % u64::from(blocks)) as u16 * PORTS_PER_VALIDATOR;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(format!("{base}.lock")))
                .expect("port reservation file");
            // SAFETY: flock on a file descriptor this function owns.
            if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                continue;
            }
            let all_free = (base..base + PORTS_PER_VALIDATOR).all(|port| {
                TcpListener::bind(("127.0.0.1", port)).is_ok() && UdpSocket::bind(("127.0.0.1", port)).is_ok()
            });
            if all_free {
                return Self { base, _lock: file };
            }
        }
        panic!("no free block of {PORTS_PER_VALIDATOR} ports between {PORT_BLOCKS_START} and {PORT_BLOCKS_END}");
    }
}

/// A loopback port for a server a test starts (indexer, oracle, web): handed out once from a
/// [`PortBlock`] this process holds until it exits, so it is collision-free like the
/// validators' ports (a port probed on `127.0.0.1:0` and released can be taken by anyone
/// before the server binds it).
pub fn reserved_port() -> u16 {
    static HELD: std::sync::Mutex<(Vec<PortBlock>, u16)> = std::sync::Mutex::new((Vec::new(), 0));
    let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (blocks, used) = &mut *held;
    if blocks.is_empty() || *used == PORTS_PER_VALIDATOR {
        blocks.push(PortBlock::reserve());
        *used = 0;
    }
    let port = blocks.last().expect("a held block").base + *used;
    *used += 1;
    port
}

fn rand_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    (nanos as u64).rotate_left(17)
}
