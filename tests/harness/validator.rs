//! `TestValidator`: a `solana-test-validator` process (agave 4.2.2, built by
//! `cargo xtask validator`) with every civnet program and fixture preloaded, a temporary
//! ledger and free ports; stopped on drop. Tests drive it over RPC.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;
use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::programs;
use crate::svm::{TxFailure, TxSuccess};

/// How many consecutive ports one validator uses (RPC, pubsub, faucet, gossip, dynamic range).
const PORTS_PER_VALIDATOR: u16 = 40;

pub struct TestValidator {
    child: Child,
    _ledger: tempfile::TempDir,
    pub rpc: Rpc,
    /// The validator's faucet-funded payer.
    pub payer: Keypair,
}

/// `$CIVNET_TEST_VALIDATOR` (set by `cargo xtask test`), else `solana-test-validator` on PATH.
pub fn validator_binary() -> PathBuf {
    std::env::var_os("CIVNET_TEST_VALIDATOR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("solana-test-validator"))
}

impl TestValidator {
    /// Starts a validator with all programs at their ids and waits until it answers and has
    /// produced a few slots (fees and programs usable). Panics with its log tail otherwise.
    pub fn start() -> Self {
        let ledger = tempfile::tempdir().expect("temporary ledger");
        let base = free_port_block(PORTS_PER_VALIDATOR);
        let mut cmd = Command::new(validator_binary());
        cmd.arg("--ledger")
            .arg(ledger.path())
            .args(["--bind-address", "127.0.0.1", "--rpc-port", &base.to_string()])
            .args(["--faucet-port", &(base + 2).to_string(), "--gossip-port", &(base + 3).to_string()])
            .args(["--dynamic-port-range", &format!("{}-{}", base + 4, base + PORTS_PER_VALIDATOR)])
            .args(["--reset", "--quiet"]);
        for program in programs::all() {
            programs::read(&program); // a clear message when a .so is missing
            cmd.arg("--bpf-program").arg(program.id.to_string()).arg(&program.path);
        }
        let log = ledger.path().join("stdout.log");
        let child = cmd
            .stdout(Stdio::from(std::fs::File::create(&log).expect("log file")))
            .stderr(Stdio::from(std::fs::File::create(ledger.path().join("stderr.log")).expect("log file")))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}; build it with `cargo xtask validator`", validator_binary().display()));
        let rpc = Rpc { url: format!("http://127.0.0.1:{base}") };
        let mut validator = Self { child, _ledger: ledger, rpc, payer: Keypair::new() };
        validator.wait_until_ready(Duration::from_secs(120));
        let payer = validator.payer.pubkey();
        validator.airdrop(&payer, 100 * crate::svm::SOL);
        validator
    }

    fn wait_until_ready(&mut self, timeout: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("solana-test-validator exited ({status}); {}", self.log_tail());
            }
            if matches!(self.rpc.get_slot(), Ok(slot) if slot >= 3) {
                return;
            }
            if started.elapsed() > timeout {
                panic!("solana-test-validator did not answer within {timeout:?}; {}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn log_tail(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self._ledger.path().join(name)).unwrap_or_default();
        let text = format!("{}{}", read("stdout.log"), read("stderr.log"));
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        format!("log tail:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
    }

    pub fn rpc_url(&self) -> &str {
        &self.rpc.url
    }

    pub fn airdrop(&self, to: &Pubkey, lamports: u64) {
        let signature = self.rpc.call("requestAirdrop", json!([to.to_string(), lamports])).expect("requestAirdrop");
        self.rpc.wait_confirmed(signature.as_str().expect("signature")).expect("airdrop confirmed");
    }

    /// Sends and confirms a transaction paid by `self.payer`; returns logs and compute units
    /// (from `getTransaction`), or the preflight failure with its logs.
    pub fn send(&self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|s| s.pubkey() != self.payer.pubkey()));
        let blockhash = self.rpc.latest_blockhash();
        let tx = Transaction::new_signed_with_payer(instructions, Some(&self.payer.pubkey()), &all, blockhash);
        let size = crate::svm::bincode_size(&tx);
        let signature = self.rpc.send_transaction(&tx)?;
        let err = self.rpc.wait_confirmed(&signature).expect("confirmation");
        let meta = self.rpc.transaction_meta(&signature);
        let logs: Vec<String> = serde_json::from_value(meta["logMessages"].clone()).unwrap_or_default();
        let compute_units = meta["computeUnitsConsumed"].as_u64().unwrap_or_default();
        match err {
            None => Ok(TxSuccess { logs, compute_units, size }),
            Some(err) => Err(TxFailure { err, logs, compute_units }),
        }
    }

    pub fn send_ok(&self, instructions: &[Instruction], signers: &[&Keypair]) -> TxSuccess {
        self.send(instructions, signers).unwrap_or_else(|f| panic!("transaction failed: {:?}\nlogs: {:#?}", f.err, f.logs))
    }

    pub fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        self.rpc.account_data(key)
    }

    pub fn anchor_account<T: anchor_lang::AccountDeserialize>(&self, key: &Pubkey) -> T {
        let data = self.account_data(key).unwrap_or_else(|| panic!("account {key} does not exist"));
        T::try_deserialize(&mut data.as_slice()).unwrap_or_else(|e| panic!("decoding account {key}: {e}"))
    }
}

/// The few JSON-RPC methods the tests use, at `confirmed` commitment.
pub struct Rpc {
    pub url: String,
}

#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Value,
}

impl Rpc {
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response: Value = ureq::post(&self.url)
            .timeout(Duration::from_secs(30))
            .send_json(request)
            .map_err(|e| RpcError { code: -1, message: e.to_string(), data: Value::Null })?
            .into_json()
            .map_err(|e| RpcError { code: -1, message: e.to_string(), data: Value::Null })?;
        if let Some(error) = response.get("error") {
            return Err(RpcError {
                code: error["code"].as_i64().unwrap_or_default(),
                message: error["message"].as_str().unwrap_or_default().to_string(),
                data: error["data"].clone(),
            });
        }
        Ok(response["result"].clone())
    }

    pub fn get_slot(&self) -> Result<u64, RpcError> {
        self.call("getSlot", json!([{"commitment": "confirmed"}])).map(|v| v.as_u64().unwrap_or_default())
    }

    pub fn latest_blockhash(&self) -> solana_hash::Hash {
        let result = self.call("getLatestBlockhash", json!([{"commitment": "confirmed"}])).expect("getLatestBlockhash");
        result["value"]["blockhash"].as_str().expect("blockhash").parse().expect("base58 blockhash")
    }

    /// `sendTransaction` with preflight; a preflight failure comes back with its logs.
    pub fn send_transaction(&self, tx: &Transaction) -> Result<String, TxFailure> {
        let bytes = bincode::serialize(tx).expect("serialize transaction");
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let params = json!([encoded, {"encoding": "base64", "preflightCommitment": "confirmed"}]);
        match self.call("sendTransaction", params) {
            Ok(signature) => Ok(signature.as_str().expect("signature").to_string()),
            Err(error) if error.data.get("err").is_some() => Err(TxFailure {
                err: serde_json::from_value(error.data["err"].clone()).unwrap_or_else(|e| panic!("decoding {}: {e}", error.data["err"])),
                logs: serde_json::from_value(error.data["logs"].clone()).unwrap_or_default(),
                compute_units: error.data["unitsConsumed"].as_u64().unwrap_or_default(),
            }),
            Err(error) => panic!("sendTransaction: {error:?}"),
        }
    }

    /// Waits until the signature is confirmed; returns its error, if it failed.
    pub fn wait_confirmed(&self, signature: &str) -> Result<Option<solana_transaction_error::TransactionError>, String> {
        let started = Instant::now();
        loop {
            let statuses = self
                .call("getSignatureStatuses", json!([[signature], {"searchTransactionHistory": true}]))
                .map_err(|e| format!("{e:?}"))?;
            let status = &statuses["value"][0];
            let level = status["confirmationStatus"].as_str().unwrap_or_default();
            if level == "confirmed" || level == "finalized" {
                return Ok(serde_json::from_value(status["err"].clone()).unwrap_or(None));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!("{signature} not confirmed within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `getTransaction(...).meta`; right after confirmation it can briefly be null.
    pub fn transaction_meta(&self, signature: &str) -> Value {
        let params = json!([signature, {"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}]);
        let started = Instant::now();
        loop {
            if let Ok(tx) = self.call("getTransaction", params.clone()) {
                if !tx.is_null() {
                    return tx["meta"].clone();
                }
            }
            assert!(started.elapsed() < Duration::from_secs(30), "getTransaction {signature} stayed null");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        let result = self.call("getAccountInfo", json!([key.to_string(), {"encoding": "base64", "commitment": "confirmed"}])).ok()?;
        let data = result["value"]["data"][0].as_str()?;
        base64::engine::general_purpose::STANDARD.decode(data).ok()
    }
}

impl Drop for TestValidator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A block of `count` consecutive ports, free for TCP and UDP on loopback right now.
fn free_port_block(count: u16) -> u16 {
    let seed = std::process::id() as u64 ^ Instant::now().elapsed().as_nanos() as u64 ^ rand_seed();
    for attempt in 0..200u64 {
        let base = 20_000 + ((seed.wrapping_mul(6364136223846793005).wrapping_add(attempt * 7919)) % 35_000) as u16;
        let all_free = (base..base + count).all(|port| {
            TcpListener::bind(("127.0.0.1", port)).is_ok() && UdpSocket::bind(("127.0.0.1", port)).is_ok()
        });
        if all_free {
            return base;
        }
    }
    panic!("no block of {count} free ports found");
}

fn rand_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    (nanos as u64).rotate_left(17)
}
