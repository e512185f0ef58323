//! JSON-RPC to a Solana cluster (solana-test-validator, devnet, mainnet-beta) and
//! [`RpcCluster`], the [`Cluster`] engine that sends real transactions through it.
//!
//! Why not solana-rpc-client: 4.3.x needs solana-address-lookup-table-interface ^3.2 while
//! litesvm 0.17 (our embedded engine, in the same Cargo graph) pins ~3.1, and 4.4 needs
//! rustc 1.98. The few methods civnet uses are spoken here over ureq.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use std::time::{Duration, Instant};

use crate::cluster::Cluster;
use crate::svm::{TxFailure, TxSuccess};

/// The cluster URL of a Solana CLI moniker (`localnet`, `devnet`, `testnet`, `mainnet-beta`
/// and their one-letter forms), or the URL itself.
pub fn cluster_url(moniker_or_url: &str) -> String {
    match moniker_or_url {
        "l" | "localhost" | "localnet" => "http://127.0.0.1:8899".into(),
        "d" | "devnet" => "https://api.devnet.solana.com".into(),
        "t" | "testnet" => "https://api.testnet.solana.com".into(),
        "m" | "mainnet-beta" | "mainnet" => "https://api.mainnet-beta.solana.com".into(),
        url => url.to_string(),
    }
}

/// The JSON-RPC methods civnet uses, at `confirmed` commitment.
#[derive(Debug, Clone)]
pub struct Rpc {
    pub url: String,
}

#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Value,
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (RPC error {})", self.message, self.code)
    }
}

impl std::error::Error for RpcError {}

impl RpcError {
    fn transport(message: impl ToString) -> Self {
        Self { code: -1, message: message.to_string(), data: Value::Null }
    }
}

impl Rpc {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into() }
    }

    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response: Value = ureq::post(&self.url)
            .timeout(Duration::from_secs(30))
            .send_json(request)
            .map_err(|e| RpcError::transport(format!("{}: {e}", self.url)))?
            .into_json()
            .map_err(RpcError::transport)?;
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
        self.get_slot_at("confirmed")
    }

    /// `getSlot` at `commitment` (`processed`, `confirmed` or `finalized`).
    pub fn get_slot_at(&self, commitment: &str) -> Result<u64, RpcError> {
        self.call("getSlot", json!([{"commitment": commitment}])).map(|v| v.as_u64().unwrap_or_default())
    }

    pub fn latest_blockhash(&self) -> Result<solana_hash::Hash, RpcError> {
        let result = self.call("getLatestBlockhash", json!([{"commitment": "confirmed"}]))?;
        result["value"]["blockhash"].as_str().and_then(|b| b.parse().ok()).ok_or_else(|| RpcError::transport("getLatestBlockhash: no blockhash"))
    }

    /// `sendTransaction` with preflight; a preflight failure comes back as a [`TxFailure`]
    /// with its logs. Transport errors are retried (the same signed bytes: idempotent).
    pub fn send_transaction(&self, tx: &Transaction) -> Result<String, SendError> {
        self.send_versioned(&tx.clone().into())
    }

    /// [`Rpc::send_transaction`] of a legacy or v0 transaction.
    pub fn send_versioned(&self, tx: &VersionedTransaction) -> Result<String, SendError> {
        let bytes = bincode::serialize(tx).expect("a transaction serializes");
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let params = json!([encoded, {"encoding": "base64", "preflightCommitment": "confirmed"}]);
        let mut attempt = 0;
        loop {
            match self.call("sendTransaction", params.clone()) {
                Ok(signature) => return Ok(signature.as_str().unwrap_or_default().to_string()),
                Err(error) if error.data.get("err").is_some_and(|e| !e.is_null()) => {
                    return Err(SendError::Failed(TxFailure {
                        err: serde_json::from_value(error.data["err"].clone()).map_err(|e| SendError::Rpc(RpcError::transport(format!("decoding {}: {e}", error.data["err"]))))?,
                        logs: serde_json::from_value(error.data["logs"].clone()).unwrap_or_default(),
                        compute_units: error.data["unitsConsumed"].as_u64().unwrap_or_default(),
                    }))
                }
                Err(error) if error.code == -1 && attempt < 3 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(500 * attempt));
                }
                Err(error) => return Err(SendError::Rpc(error)),
            }
        }
    }

    /// Waits until the signature is confirmed; returns its error, if it failed.
    pub fn wait_confirmed(&self, signature: &str, timeout: Duration) -> Result<Option<solana_transaction_error::TransactionError>, RpcError> {
        let started = Instant::now();
        // Polls soon and then less often: a test validator's 100 ms slots confirm in a few
        // tenths of a second, a public cluster's in about a second (about 6 polls).
        let mut poll = Duration::from_millis(50);
        loop {
            let statuses = self.call("getSignatureStatuses", json!([[signature], {"searchTransactionHistory": true}]))?;
            let status = &statuses["value"][0];
            let level = status["confirmationStatus"].as_str().unwrap_or_default();
            if level == "confirmed" || level == "finalized" {
                return Ok(serde_json::from_value(status["err"].clone()).unwrap_or(None));
            }
            if started.elapsed() > timeout {
                return Err(RpcError::transport(format!("{signature} not confirmed within {timeout:?}")));
            }
            std::thread::sleep(poll);
            poll = (poll * 3 / 2).min(Duration::from_millis(500));
        }
    }

    /// `getTransaction(...)` (json encoding); right after confirmation it can briefly be null.
    pub fn transaction(&self, signature: &str) -> Result<Value, RpcError> {
        self.transaction_at(signature, "confirmed")
    }

    /// [`Rpc::transaction`] at `commitment` (`confirmed` or `finalized`).
    pub fn transaction_at(&self, signature: &str, commitment: &str) -> Result<Value, RpcError> {
        let params = json!([signature, {"encoding": "json", "commitment": commitment, "maxSupportedTransactionVersion": 0}]);
        let started = Instant::now();
        loop {
            let tx = self.call("getTransaction", params.clone())?;
            if !tx.is_null() {
                return Ok(tx);
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(RpcError::transport(format!("getTransaction {signature} stayed null")));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn account(&self, key: &Pubkey) -> Result<Option<(Vec<u8>, u64, Pubkey)>, RpcError> {
        let result = self.call("getAccountInfo", json!([key.to_string(), {"encoding": "base64", "commitment": "confirmed"}]))?;
        let value = &result["value"];
        if value.is_null() {
            return Ok(None);
        }
        let data = value["data"][0].as_str().and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok()).unwrap_or_default();
        let owner = value["owner"].as_str().and_then(|o| o.parse().ok()).unwrap_or_default();
        Ok(Some((data, value["lamports"].as_u64().unwrap_or_default(), owner)))
    }

    pub fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        self.account(key).ok().flatten().map(|(data, _, _)| data)
    }

    pub fn minimum_balance_for_rent_exemption(&self, size: usize) -> Result<u64, RpcError> {
        self.call("getMinimumBalanceForRentExemption", json!([size])).map(|v| v.as_u64().unwrap_or_default())
    }

    /// Every signature of `address` newer than `until` (all of its history when `None`),
    /// oldest first. Pages with `before`, 1,000 at a time, until a page comes back empty: a
    /// page can be short before the end of history (where a node's ledger hands over to
    /// long-term storage).
    pub fn signatures_for_address(&self, address: &Pubkey, until: Option<&str>) -> Result<Vec<SignatureInfo>, RpcError> {
        self.signatures_for_address_at(address, until, "confirmed")
    }

    /// [`Rpc::signatures_for_address`] at `commitment` (`confirmed` or `finalized`).
    pub fn signatures_for_address_at(&self, address: &Pubkey, until: Option<&str>, commitment: &str) -> Result<Vec<SignatureInfo>, RpcError> {
        let mut newest_first = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let mut config = json!({"limit": 1000, "commitment": commitment});
            if let Some(until) = until {
                config["until"] = json!(until);
            }
            if let Some(before) = &before {
                config["before"] = json!(before);
            }
            let page = self.call("getSignaturesForAddress", json!([address.to_string(), config]))?;
            let entries = page.as_array().ok_or_else(|| RpcError::transport(format!("getSignaturesForAddress {address}: not an array: {page}")))?;
            let Some(last) = entries.last() else { break };
            for entry in entries {
                newest_first.push(SignatureInfo {
                    signature: entry["signature"].as_str().ok_or_else(|| RpcError::transport(format!("signature entry without signature: {entry}")))?.to_string(),
                    slot: entry["slot"].as_u64().ok_or_else(|| RpcError::transport(format!("signature entry without slot: {entry}")))?,
                    failed: !entry["err"].is_null(),
                });
            }
            before = Some(last["signature"].as_str().unwrap_or_default().to_string());
        }
        newest_first.reverse();
        Ok(newest_first)
    }

    /// `getProgramAccounts` of `program` whose data starts with `discriminator`.
    pub fn program_accounts(&self, program: &Pubkey, discriminator: &[u8]) -> Result<Vec<(Pubkey, Vec<u8>)>, RpcError> {
        let filter = json!({"memcmp": {"offset": 0, "bytes": base64::engine::general_purpose::STANDARD.encode(discriminator), "encoding": "base64"}});
        self.program_accounts_filtered(program, json!([filter]))
    }

    /// `getProgramAccounts` of `program` with the RPC node's `filters` (memcmp, dataSize).
    pub fn program_accounts_filtered(&self, program: &Pubkey, filters: Value) -> Result<Vec<(Pubkey, Vec<u8>)>, RpcError> {
        let result = self.call("getProgramAccounts", json!([program.to_string(), {"encoding": "base64", "commitment": "confirmed", "filters": filters}]))?;
        let mut accounts = Vec::new();
        for entry in result.as_array().into_iter().flatten() {
            let key = entry["pubkey"].as_str().and_then(|k| k.parse().ok());
            let data = entry["account"]["data"][0].as_str().and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok());
            if let (Some(key), Some(data)) = (key, data) {
                accounts.push((key, data));
            }
        }
        Ok(accounts)
    }
}

/// One entry of `getSignaturesForAddress`.
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    pub signature: String,
    pub slot: u64,
    /// The transaction failed (it changed nothing but fees).
    pub failed: bool,
}

/// Why a transaction did not land.
#[derive(Debug)]
pub enum SendError {
    /// The cluster ran it and it failed (preflight or on chain), with logs.
    Failed(TxFailure),
    /// The cluster could not be reached or refused the request.
    Rpc(RpcError),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Failed(failure) => write!(f, "{failure}"),
            SendError::Rpc(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SendError {}

/// A cluster reached over RPC with a fee payer: transactions are signed, sent with
/// preflight, retried on transport errors and confirmed (`confirmed` commitment).
pub struct RpcCluster {
    pub rpc: Rpc,
    pub payer: Keypair,
}

impl RpcCluster {
    pub fn new(url: &str, payer: Keypair) -> Self {
        Self { rpc: Rpc::new(cluster_url(url)), payer }
    }

    /// Sends already signed `tx` and waits for confirmation; logs and compute units come from
    /// `getTransaction`. A blockhash that expired before landing is reported as an RPC error.
    pub fn send_signed(&self, tx: &Transaction) -> Result<TxSuccess, SendError> {
        self.send_signed_versioned(&tx.clone().into())
    }

    /// [`RpcCluster::send_signed`] of a legacy or v0 transaction.
    pub fn send_signed_versioned(&self, tx: &VersionedTransaction) -> Result<TxSuccess, SendError> {
        let size = crate::lookup::wire_size(tx);
        let signature = self.rpc.send_versioned(tx)?;
        let err = self.rpc.wait_confirmed(&signature, Duration::from_secs(90)).map_err(SendError::Rpc)?;
        let meta = self.rpc.transaction(&signature).map_err(SendError::Rpc)?["meta"].clone();
        let logs: Vec<String> = serde_json::from_value(meta["logMessages"].clone()).unwrap_or_default();
        let compute_units = meta["computeUnitsConsumed"].as_u64().unwrap_or_default();
        match err {
            None => Ok(TxSuccess { logs, compute_units, size, signature }),
            Some(err) => Err(SendError::Failed(TxFailure { err, logs, compute_units })),
        }
    }

    pub fn try_send(&self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, SendError> {
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|s| s.pubkey() != self.payer.pubkey()));
        let blockhash = self.rpc.latest_blockhash().map_err(SendError::Rpc)?;
        let tx = Transaction::new_signed_with_payer(instructions, Some(&self.payer.pubkey()), &all, blockhash);
        self.send_signed(&tx)
    }

    /// Sends `instructions` as a v0 transaction paid by `fee_payer` (the cluster's payer when
    /// `None`) through `tables`, and waits for confirmation.
    pub fn try_send_v0(&self, fee_payer: Option<&Keypair>, instructions: &[Instruction], signers: &[&Keypair], tables: &[crate::lookup::AddressLookupTableAccount]) -> Result<TxSuccess, SendError> {
        let blockhash = self.rpc.latest_blockhash().map_err(SendError::Rpc)?;
        let tx = crate::lookup::v0_transaction(fee_payer.unwrap_or(&self.payer), instructions, signers, tables, blockhash).map_err(|e| SendError::Failed(TxFailure::unsent(e)))?;
        self.send_signed_versioned(&tx)
    }

    /// [`RpcCluster::try_send`] for scenarios and tests: a failed transaction is an `Err`
    /// with its logs; a cluster that cannot be reached panics (they have no way on without it).
    pub fn send_or_panic(&self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        self.try_send(instructions, signers).map_err(|e| match e {
            SendError::Failed(failure) => failure,
            SendError::Rpc(error) => panic!("RPC: {error}"),
        })
    }

    pub fn request_airdrop(&self, to: &Pubkey, lamports: u64) -> Result<(), RpcError> {
        let signature = self.rpc.call("requestAirdrop", json!([to.to_string(), lamports]))?;
        self.rpc.wait_confirmed(signature.as_str().unwrap_or_default(), Duration::from_secs(60))?;
        Ok(())
    }
}

impl Cluster for RpcCluster {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        self.send_or_panic(instructions, signers)
    }
    fn send_v0(&mut self, fee_payer: Option<&Keypair>, instructions: &[Instruction], signers: &[&Keypair], tables: &[crate::lookup::AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure> {
        self.try_send_v0(fee_payer, instructions, signers, tables).map_err(|e| match e {
            SendError::Failed(failure) => failure,
            SendError::Rpc(error) => panic!("RPC: {error}"),
        })
    }
    /// The newest finalized slot: lookup tables are created at a slot every node still
    /// remembers in its SlotHashes.
    fn recent_slot(&self) -> u64 {
        self.rpc.get_slot_at("finalized").expect("getSlot")
    }
    fn next_slot(&mut self) {
        let now = self.rpc.get_slot_at("processed").expect("getSlot");
        while self.rpc.get_slot_at("processed").expect("getSlot") <= now {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        self.rpc.account_data(key)
    }
    fn rent_exempt_minimum(&self, size: usize) -> u64 {
        self.rpc.minimum_balance_for_rent_exemption(size).expect("getMinimumBalanceForRentExemption")
    }
    fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        self.request_airdrop(to, lamports).expect("requestAirdrop")
    }
}
