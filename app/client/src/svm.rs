//! `Chain`: litesvm with every civnet program and fixture loaded, a funded payer, clock
//! control and transaction sending that returns logs and compute units.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountDeserialize;
use litesvm::LiteSVM;
use solana_keypair::Keypair;
use solana_message::{AddressLookupTableAccount, Message, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::programs;

pub const SOL: u64 = 1_000_000_000;

pub struct Chain {
    /// The engine itself. Its sigverify is off after [`Chain::send_checked`] until the next
    /// send through `Chain`: send through `Chain`, not `svm`, right after a signed-ahead batch.
    pub svm: LiteSVM,
    /// Pays fees and rent unless a test says otherwise.
    pub payer: Keypair,
    /// Successful transactions since [`Chain::record_transactions`], as `getTransaction`
    /// (json encoding) would return them: what an indexer reads, on the embedded engine.
    recorded: Option<Vec<RecordedTransaction>>,
    /// With [`Chain::record_transactions_of`]: only transactions naming one of these programs
    /// are recorded, and only their inner instructions carry data (see there).
    recorded_programs: Option<Vec<Pubkey>>,
}

#[derive(Debug, Clone)]
pub struct TxSuccess {
    pub logs: Vec<String>,
    pub compute_units: u64,
    /// Serialized transaction size in bytes (the packet limit is 1232).
    pub size: usize,
    /// The transaction's signature (base58).
    pub signature: String,
}

#[derive(Debug)]
pub struct TxFailure {
    pub err: TransactionError,
    pub logs: Vec<String>,
    pub compute_units: u64,
}

impl std::fmt::Display for TxFailure {
    /// The failing program's error by name and message (Anchor's log line), else the
    /// runtime's error.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::errors::describe(&self.err, &self.logs))
    }
}

impl std::error::Error for TxFailure {}

impl TxFailure {
    /// A transaction that never ran: the client could not build it, or a cluster refuses it
    /// before running it (over the packet limit). Told by [`crate::errors::describe`] with
    /// `reason`.
    pub fn unsent(reason: impl std::fmt::Display) -> Self {
        Self { err: TransactionError::SanitizeFailure, logs: vec![format!("{}{reason}", crate::errors::REFUSED)], compute_units: 0 }
    }

    /// The custom program error code (Anchor error number) of the failing instruction.
    pub fn custom_code(&self) -> Option<u32> {
        match &self.err {
            TransactionError::InstructionError(_, solana_instruction_error::InstructionError::Custom(code)) => Some(*code),
            _ => None,
        }
    }

    /// Asserts that the transaction failed with this Anchor error (code and name in the logs).
    pub fn assert_anchor_error(&self, error: impl Into<u32> + std::fmt::Debug + Copy) {
        let name = format!("{error:?}");
        let code: u32 = error.into();
        assert_eq!(self.custom_code(), Some(code), "expected Anchor error {name} ({code}), got {:?}\nlogs: {:#?}", self.err, self.logs);
        assert!(
            self.logs.iter().any(|l| l.contains(&format!("Error Code: {name}."))),
            "logs do not name {name}: {:#?}",
            self.logs
        );
    }
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// litesvm (mainnet-beta's feature set: `crate::features`; precompiles) with all programs
    /// at their ids and a payer holding 100,000 SOL.
    pub fn new() -> Self {
        Self::try_new().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Chain::new`]; a missing or unloadable program file is an error.
    pub fn try_new() -> Result<Self, String> {
        let mut svm = LiteSVM::new();
        for program in programs::all() {
            let bytes = programs::try_read(&program)?;
            svm.add_program(program.id, &bytes).map_err(|e| format!("loading {} into litesvm: {e:?}", program.name))?;
        }
        let payer = crate::keys::new_keypair();
        svm.airdrop(&payer.pubkey(), 100_000 * SOL).map_err(|e| format!("airdrop: {e:?}"))?;
        Ok(Self { svm, payer, recorded: None, recorded_programs: None })
    }

    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        self.svm.airdrop(to, lamports).expect("airdrop");
    }

    /// A new keypair holding `sol` SOL.
    pub fn funded_keypair(&mut self, sol: u64) -> Keypair {
        let keypair = crate::keys::new_keypair();
        self.airdrop(&keypair.pubkey(), sol * SOL);
        keypair
    }

    pub fn clock(&self) -> solana_clock::Clock {
        self.svm.get_sysvar::<solana_clock::Clock>()
    }

    /// Moves the clock's unix timestamp forward by `seconds` (and the slot by one).
    pub fn warp_seconds(&mut self, seconds: i64) {
        let mut clock = self.clock();
        clock.unix_timestamp += seconds;
        self.svm.set_sysvar(&clock);
        self.advance_slot();
    }

    /// The next slot, as a validator would produce it: the clock's slot moves by one and the
    /// SlotHashes sysvar learns it (address lookup tables are created at a recent slot and
    /// their new addresses become usable in the slot after they were added).
    pub fn advance_slot(&mut self) {
        let mut clock = self.clock();
        clock.slot += 1;
        self.svm.set_sysvar(&clock);
        let hashes = self.svm.get_sysvar::<solana_slot_hashes::SlotHashes>();
        let mut entries: Vec<(u64, solana_hash::Hash)> = vec![(clock.slot, self.svm.latest_blockhash())];
        entries.extend(hashes.iter().take(solana_slot_hashes::MAX_ENTRIES - 1).copied());
        self.svm.set_sysvar(&solana_slot_hashes::SlotHashes::new(&entries));
    }

    /// Sends `instructions` in one transaction paid by `self.payer`, also signed by `signers`.
    pub fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        let payer = self.payer.insecure_clone();
        self.send_paid_by(&payer, instructions, signers)
    }

    pub fn send_paid_by(&mut self, fee_payer: &Keypair, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        let message = Message::new(instructions, Some(&fee_payer.pubkey()));
        let tx = Transaction::new(&signers_with_payer(fee_payer, signers), message, self.svm.latest_blockhash());
        self.send_transaction(tx.into(), &[])
    }

    /// Sends `instructions` as one v0 transaction paid by `fee_payer`, also signed by
    /// `signers`, naming the accounts found in `tables` by their index in the table.
    pub fn send_v0_paid_by(&mut self, fee_payer: &Keypair, instructions: &[Instruction], signers: &[&Keypair], tables: &[AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure> {
        let tx = crate::lookup::v0_transaction(fee_payer, instructions, signers, tables, self.svm.latest_blockhash()).map_err(TxFailure::unsent)?;
        self.send_transaction(tx, tables)
    }

    /// Sends a signed transaction (`tables`: the lookup tables a v0 message names, for the
    /// recorded form). Like a cluster, refuses one over the packet limit before running it.
    pub fn send_transaction(&mut self, tx: VersionedTransaction, tables: &[AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure> {
        self.check_signatures(true);
        let result = self.run(tx, tables);
        // A fresh blockhash per transaction: identical retries are separate transactions.
        self.svm.expire_blockhash();
        result
    }

    /// What [`Unsigned::sign_and_check`] needs to sign for this engine now, on any thread:
    /// its payer and its current blockhash.
    pub fn signing_context(&self) -> (Keypair, solana_hash::Hash) {
        (self.payer.insecure_clone(), self.svm.latest_blockhash())
    }

    /// Runs a transaction [`Unsigned::sign_and_check`] signed ahead (off the engine's thread,
    /// while the engine ran earlier ones): a bad signature fails as sigverify fails
    /// it (`SignatureFailure`), a repeated one as `AlreadyProcessed`; a good one runs without
    /// the engine checking its signatures again, and without expiring the blockhash its batch
    /// shares (every transaction of a batch is a different one). One signed with a blockhash
    /// that has since expired (a regular send came between) is signed again and sent as
    /// [`Chain::send_transaction`] does.
    pub fn send_checked(&mut self, checked: CheckedTransaction) -> Result<TxSuccess, TxFailure> {
        let CheckedTransaction { unsigned, tx, signatures_ok } = checked;
        let tx = tx.map_err(TxFailure::unsent)?;
        let tables = unsigned.tables.clone().unwrap_or_default();
        if *tx.message.recent_blockhash() != self.svm.latest_blockhash() {
            let payer = self.payer.insecure_clone();
            let tx = unsigned.sign(&payer, self.svm.latest_blockhash()).map_err(TxFailure::unsent)?;
            return self.send_transaction(tx, &tables);
        }
        let refused = |err| Err(TxFailure { err, logs: Vec::new(), compute_units: 0 });
        if !signatures_ok {
            return refused(TransactionError::SignatureFailure);
        }
        if self.svm.get_transaction(&tx.signatures[0]).is_some() {
            return refused(TransactionError::AlreadyProcessed);
        }
        self.check_signatures(false);
        self.run(tx, &tables)
    }

    /// Turns litesvm's sigverify on or off (off for transactions [`Chain::send_checked`]
    /// runs; every other send turns it on again).
    fn check_signatures(&mut self, on: bool) {
        if self.svm.get_sigverify() != on {
            self.svm = std::mem::take(&mut self.svm).with_sigverify(on);
        }
    }

    /// Runs a signed transaction: [`Chain::send_transaction`] without the blockhash's expiry.
    fn run(&mut self, tx: VersionedTransaction, tables: &[AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure> {
        let size = crate::lookup::wire_size(&tx);
        if size > crate::lookup::PACKET_LIMIT {
            return Err(TxFailure::unsent(format!("the transaction is {size} bytes, over the {}-byte packet limit", crate::lookup::PACKET_LIMIT)));
        }
        let signature = tx.signatures[0].to_string();
        let recorded = match (&self.recorded, &self.recorded_programs) {
            (None, _) => None,
            (Some(_), Some(programs)) if !names_any(&tx.message, tables, programs) => None,
            (Some(_), _) => Some(tx.message.clone()),
        };
        match self.svm.send_transaction(tx) {
            Ok(meta) => {
                let success = TxSuccess { logs: meta.logs.clone(), compute_units: meta.compute_units_consumed, size, signature: signature.clone() };
                if let (Some(recorded), Some(message)) = (self.recorded.as_mut(), recorded) {
                    let clock = self.svm.get_sysvar::<solana_clock::Clock>();
                    let (slot, block_time, programs) = (clock.slot, clock.unix_timestamp, self.recorded_programs.clone());
                    recorded.push(RecordedTransaction { signature, message, tables: tables.to_vec(), meta, slot, block_time, programs });
                }
                Ok(success)
            }
            Err(failed) => Err(TxFailure { err: failed.err, logs: failed.meta.logs, compute_units: failed.meta.compute_units_consumed }),
        }
    }

    /// Runs `instructions` (paid by `self.payer`) even over the packet limit, which no
    /// cluster would accept: only for testing a program's own guard behind that limit.
    pub fn send_past_packet_limit(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        let payer = self.payer.insecure_clone();
        self.check_signatures(true);
        let tx: VersionedTransaction = Transaction::new(&signers_with_payer(&payer, signers), Message::new(instructions, Some(&payer.pubkey())), self.svm.latest_blockhash()).into();
        let (size, signature) = (crate::lookup::wire_size(&tx), tx.signatures[0].to_string());
        let result = self.svm.send_transaction(tx);
        self.svm.expire_blockhash();
        match result {
            Ok(meta) => Ok(TxSuccess { logs: meta.logs, compute_units: meta.compute_units_consumed, size, signature }),
            Err(failed) => Err(TxFailure { err: failed.err, logs: failed.meta.logs, compute_units: failed.meta.compute_units_consumed }),
        }
    }

    /// Like [`Chain::send`], panicking with the logs when the transaction fails.
    pub fn send_ok(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> TxSuccess {
        self.send(instructions, signers).unwrap_or_else(|f| panic!("transaction failed: {f}\nlogs: {:#?}", f.logs))
    }

    /// Like [`Chain::send`], panicking when the transaction succeeds.
    pub fn send_err(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> TxFailure {
        match self.send(instructions, signers) {
            Ok(ok) => panic!("transaction unexpectedly succeeded; logs: {:#?}", ok.logs),
            Err(failure) => failure,
        }
    }

    pub fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        self.svm.get_account(key).map(|a| a.data)
    }

    /// Owner and data of an account (`None` when it does not exist or was closed).
    pub fn account_owner_and_data(&self, key: &Pubkey) -> Option<(Pubkey, Vec<u8>)> {
        self.svm.get_account(key).filter(|a| a.lamports > 0).map(|a| (a.owner, a.data))
    }

    /// From now on, keeps every successful transaction for [`Chain::take_recorded`].
    pub fn record_transactions(&mut self) {
        self.recorded.get_or_insert_with(Vec::new);
        self.recorded_programs = None;
    }

    /// Like [`Chain::record_transactions`], for a follower of `programs`' events only:
    /// transactions that name none of them are not kept (`getSignaturesForAddress` of the
    /// programs would not list them), and only inner instructions of `programs` (their
    /// `emit_cpi!` events) keep their data; every other instruction carries `""`.
    /// Base58-encoding every noop change log, reward proof and onboarding argument is
    /// quadratic in its length and was a third of a large demo's time, for data the
    /// follower never reads.
    pub fn record_transactions_of(&mut self, programs: &[Pubkey]) {
        self.recorded.get_or_insert_with(Vec::new);
        self.recorded_programs = Some(programs.to_vec());
    }

    /// How many transactions wait in [`Chain::take_recorded`].
    pub fn recorded_len(&self) -> usize {
        self.recorded.as_ref().map_or(0, Vec::len)
    }

    /// The transactions recorded since the last call, oldest first: `(signature,
    /// getTransaction JSON)`.
    pub fn take_recorded(&mut self) -> Vec<(String, serde_json::Value)> {
        self.take_recorded_raw().into_iter().map(|tx| (tx.signature.clone(), tx.to_json())).collect()
    }

    /// [`Chain::take_recorded`] before the conversion to JSON, which can then run elsewhere
    /// (another thread).
    pub fn take_recorded_raw(&mut self) -> Vec<RecordedTransaction> {
        self.recorded.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Writes every live account owned by one of `owners` into `dir` as a validator account
    /// file ([`crate::validator::write_account_file`]); returns how many. With
    /// [`crate::TestValidator::start_with_account_dir`] it puts a network built here on a
    /// validator without replaying its transactions.
    pub fn export_accounts(&self, owners: &[Pubkey], dir: &std::path::Path) -> std::io::Result<usize> {
        std::fs::create_dir_all(dir)?;
        let mut written = 0;
        for (address, account) in &self.svm.accounts_db().inner {
            use solana_account::ReadableAccount;
            if account.lamports() == 0 || !owners.contains(account.owner()) {
                continue;
            }
            let account = solana_account::Account::from(account.clone());
            crate::validator::write_account_file(&dir.join(format!("{address}.json")), address, &account)?;
            written += 1;
        }
        Ok(written)
    }

    pub fn lamports(&self, key: &Pubkey) -> u64 {
        self.svm.get_account(key).map_or(0, |a| a.lamports)
    }

    /// An Anchor account of ours, decoded (discriminator checked).
    pub fn anchor_account<T: AccountDeserialize>(&self, key: &Pubkey) -> T {
        let data = self.account_data(key).unwrap_or_else(|| panic!("account {key} does not exist"));
        T::try_deserialize(&mut data.as_slice()).unwrap_or_else(|e| panic!("decoding account {key}: {e}"))
    }

    pub fn rent_exempt_minimum(&self, size: usize) -> u64 {
        self.svm.minimum_balance_for_rent_exemption(size)
    }
}

/// A transaction to sign: who pays (`None`: the engine's payer), what it runs, who else
/// signs, and the lookup tables of a v0 message (`None`: a legacy message).
pub struct Unsigned {
    pub fee_payer: Option<Keypair>,
    pub instructions: Vec<Instruction>,
    pub signers: Vec<Keypair>,
    pub tables: Option<Vec<AddressLookupTableAccount>>,
}

impl Unsigned {
    /// Signs with `blockhash` (`engine_payer` paying when no fee payer is set) and checks the
    /// signatures as the runtime's sigverify does; for [`Chain::send_checked`]. Any thread.
    pub fn sign_and_check(self, engine_payer: &Keypair, blockhash: solana_hash::Hash) -> CheckedTransaction {
        let tx = self.sign(engine_payer, blockhash);
        let signatures_ok = tx.as_ref().is_ok_and(|tx| tx.verify_with_results().iter().all(|ok| *ok));
        CheckedTransaction { unsigned: self, tx, signatures_ok }
    }

    fn sign(&self, engine_payer: &Keypair, blockhash: solana_hash::Hash) -> Result<VersionedTransaction, String> {
        let fee_payer = self.fee_payer.as_ref().unwrap_or(engine_payer);
        let signers: Vec<&Keypair> = self.signers.iter().collect();
        match &self.tables {
            None => {
                let mut tx = Transaction::new_unsigned(Message::new(&self.instructions, Some(&fee_payer.pubkey())));
                tx.try_sign(&signers_with_payer(fee_payer, &signers), blockhash).map_err(|e| format!("signing: {e}"))?;
                Ok(tx.into())
            }
            Some(tables) => crate::lookup::v0_transaction(fee_payer, &self.instructions, &signers, tables, blockhash),
        }
    }
}

/// A transaction [`Unsigned::sign_and_check`] signed, with the verdict on its signatures.
pub struct CheckedTransaction {
    unsigned: Unsigned,
    tx: Result<VersionedTransaction, String>,
    signatures_ok: bool,
}

/// `fee_payer` first, then the other signers that are not the fee payer.
fn signers_with_payer<'a>(fee_payer: &'a Keypair, signers: &[&'a Keypair]) -> Vec<&'a Keypair> {
    let mut all: Vec<&Keypair> = vec![fee_payer];
    all.extend(signers.iter().copied().filter(|s| s.pubkey() != fee_payer.pubkey()));
    all
}

/// Whether a message names one of `programs`, statically or through its lookup tables.
fn names_any(message: &VersionedMessage, tables: &[AddressLookupTableAccount], programs: &[Pubkey]) -> bool {
    let loaded = crate::lookup::loaded_addresses(message, tables);
    message.static_account_keys().iter().chain(loaded.writable.iter()).chain(loaded.readonly.iter()).any(|k| programs.contains(k))
}

/// Wire size of a legacy transaction (what the 1232-byte packet limit applies to).
pub fn bincode_size(tx: &Transaction) -> usize {
    // signatures: compact-u16 length + 64 bytes each; message: its serialized form.
    let message = tx.message.serialize();
    compact_len(tx.signatures.len()) + 64 * tx.signatures.len() + message.len()
}

fn compact_len(n: usize) -> usize {
    match n {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        _ => 3,
    }
}

/// A successful transaction as [`Chain`] recorded it, for [`Chain::take_recorded_raw`].
pub struct RecordedTransaction {
    pub signature: String,
    message: VersionedMessage,
    tables: Vec<AddressLookupTableAccount>,
    meta: litesvm::types::TransactionMetadata,
    slot: u64,
    block_time: i64,
    /// [`Chain::record_transactions_of`]'s programs, if it was that.
    programs: Option<Vec<Pubkey>>,
}

impl RecordedTransaction {
    /// As `getTransaction` (JSON encoding) returns it.
    pub fn to_json(&self) -> serde_json::Value {
        transaction_json(&self.message, &self.tables, &self.meta, self.slot, self.block_time, self.programs.as_deref())
    }

    /// Every account the transaction names: its own keys, then those loaded from tables.
    pub fn account_keys(&self) -> Vec<Pubkey> {
        let loaded = crate::lookup::loaded_addresses(&self.message, &self.tables);
        self.message.static_account_keys().iter().chain(&loaded.writable).chain(&loaded.readonly).copied().collect()
    }
}

/// A successful transaction in the shape of `getTransaction` (json encoding): header,
/// account keys (a v0 message's looked-up ones under `meta.loadedAddresses`), instructions
/// and inner instructions with base58 data and stack heights, logs, slot and block time.
/// What litesvm does not have (fee details, balances) is left out. With `programs`, only
/// inner instructions of those programs carry their data.
fn transaction_json(
    message: &VersionedMessage,
    tables: &[AddressLookupTableAccount],
    meta: &litesvm::types::TransactionMetadata,
    slot: u64,
    block_time: i64,
    programs: Option<&[Pubkey]>,
) -> serde_json::Value {
    use serde_json::json;
    let loaded = crate::lookup::loaded_addresses(message, tables);
    let keys: Vec<Pubkey> = message.static_account_keys().iter().chain(&loaded.writable).chain(&loaded.readonly).copied().collect();
    let keeps_data = |program: u8, inner: bool| programs.is_none_or(|list| inner && keys.get(program as usize).is_some_and(|k| list.contains(k)));
    let compiled = |program: u8, accounts: &[u8], data: &[u8], inner: bool| {
        let data = if keeps_data(program, inner) { bs58::encode(data).into_string() } else { String::new() };
        json!({"programIdIndex": program, "accounts": accounts, "data": data})
    };
    let inner: Vec<serde_json::Value> = meta
        .inner_instructions
        .iter()
        .enumerate()
        .filter(|(_, list)| !list.is_empty())
        .map(|(index, list)| {
            let instructions: Vec<serde_json::Value> = list
                .iter()
                .map(|i| {
                    let mut value = compiled(i.instruction.program_id_index, &i.instruction.accounts, &i.instruction.data, true);
                    value["stackHeight"] = json!(i.stack_height);
                    value
                })
                .collect();
            json!({"index": index, "instructions": instructions})
        })
        .collect();
    let header = message.header();
    json!({
        "slot": slot,
        "blockTime": block_time,
        "version": if matches!(message, VersionedMessage::V0(_)) { json!(0) } else { json!("legacy") },
        "meta": {
            "err": null,
            "logMessages": meta.logs,
            "innerInstructions": inner,
            "loadedAddresses": {
                "writable": loaded.writable.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "readonly": loaded.readonly.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            },
            "computeUnitsConsumed": meta.compute_units_consumed,
        },
        "transaction": {
            "signatures": [meta.signature.to_string()],
            "message": {
                "header": {
                    "numRequiredSignatures": header.num_required_signatures,
                    "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                    "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
                },
                "accountKeys": message.static_account_keys().iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "instructions": message.instructions().iter().map(|i| compiled(i.program_id_index, &i.accounts, &i.data, false)).collect::<Vec<_>>(),
            },
        },
    })
}
