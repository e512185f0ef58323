//! `Chain`: litesvm with every civnet program and fixture loaded, a funded payer, clock
//! control and transaction sending that returns logs and compute units.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::AccountDeserialize;
use litesvm::LiteSVM;
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::programs;

pub const SOL: u64 = 1_000_000_000;

pub struct Chain {
    pub svm: LiteSVM,
    /// Pays fees and rent unless a test says otherwise.
    pub payer: Keypair,
    /// Successful transactions since [`Chain::record_transactions`], as `getTransaction`
    /// (json encoding) would return them: what an indexer reads, on the embedded engine.
    recorded: Option<Vec<(String, serde_json::Value)>>,
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
        Ok(Self { svm, payer, recorded: None })
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
        clock.slot += 1;
        self.svm.set_sysvar(&clock);
    }

    /// Sends `instructions` in one transaction paid by `self.payer`, also signed by `signers`.
    pub fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        let payer = self.payer.insecure_clone();
        self.send_paid_by(&payer, instructions, signers)
    }

    pub fn send_paid_by(&mut self, fee_payer: &Keypair, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        let mut all: Vec<&Keypair> = vec![fee_payer];
        all.extend(signers.iter().copied().filter(|s| s.pubkey() != fee_payer.pubkey()));
        let message = Message::new(instructions, Some(&fee_payer.pubkey()));
        let tx = Transaction::new(&all, message, self.svm.latest_blockhash());
        let size = bincode_size(&tx);
        let signature = tx.signatures[0].to_string();
        let message = self.recorded.is_some().then(|| tx.message.clone());
        let result = self.svm.send_transaction(tx);
        // A fresh blockhash per transaction: identical retries are separate transactions.
        self.svm.expire_blockhash();
        match result {
            Ok(meta) => {
                if let (Some(recorded), Some(message)) = (self.recorded.as_mut(), message) {
                    let clock = self.svm.get_sysvar::<solana_clock::Clock>();
                    recorded.push((signature.clone(), transaction_json(&message, &meta, clock.slot, clock.unix_timestamp)));
                }
                Ok(TxSuccess { logs: meta.logs, compute_units: meta.compute_units_consumed, size, signature })
            }
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
    }

    /// The transactions recorded since the last call, oldest first: `(signature,
    /// getTransaction JSON)`.
    pub fn take_recorded(&mut self) -> Vec<(String, serde_json::Value)> {
        self.recorded.as_mut().map(std::mem::take).unwrap_or_default()
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

/// Wire size of a transaction (what the 1232-byte packet limit applies to).
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

/// A successful transaction in the shape of `getTransaction` (json encoding, legacy message):
/// header, account keys, instructions and inner instructions with base58 data and stack
/// heights, logs, slot and block time. What litesvm does not have (fee details, balances)
/// is left out.
fn transaction_json(message: &Message, meta: &litesvm::types::TransactionMetadata, slot: u64, block_time: i64) -> serde_json::Value {
    use serde_json::json;
    let compiled = |program: u8, accounts: &[u8], data: &[u8]| json!({"programIdIndex": program, "accounts": accounts, "data": bs58::encode(data).into_string()});
    let inner: Vec<serde_json::Value> = meta
        .inner_instructions
        .iter()
        .enumerate()
        .filter(|(_, list)| !list.is_empty())
        .map(|(index, list)| {
            let instructions: Vec<serde_json::Value> = list
                .iter()
                .map(|i| {
                    let mut value = compiled(i.instruction.program_id_index, &i.instruction.accounts, &i.instruction.data);
                    value["stackHeight"] = json!(i.stack_height);
                    value
                })
                .collect();
            json!({"index": index, "instructions": instructions})
        })
        .collect();
    json!({
        "slot": slot,
        "blockTime": block_time,
        "meta": {
            "err": null,
            "logMessages": meta.logs,
            "innerInstructions": inner,
            "loadedAddresses": {"writable": [], "readonly": []},
            "computeUnitsConsumed": meta.compute_units_consumed,
        },
        "transaction": {
            "signatures": [meta.signature.to_string()],
            "message": {
                "header": {
                    "numRequiredSignatures": message.header.num_required_signatures,
                    "numReadonlySignedAccounts": message.header.num_readonly_signed_accounts,
                    "numReadonlyUnsignedAccounts": message.header.num_readonly_unsigned_accounts,
                },
                "accountKeys": message.account_keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                "instructions": message.instructions.iter().map(|i| compiled(i.program_id_index, &i.accounts, &i.data)).collect::<Vec<_>>(),
            },
        },
    })
}
