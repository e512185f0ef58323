//! `Cluster`: what a scenario needs from a chain, implemented by the in-process litesvm
//! [`Chain`] and by the RPC-driven [`TestValidator`], so one scenario runs on both.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::lookup::AddressLookupTableAccount;
use crate::svm::{Chain, TxFailure, TxSuccess};
use crate::validator::TestValidator;

pub trait Cluster {
    /// Pays fees and rent.
    fn payer(&self) -> Pubkey;
    /// Sends one transaction paid by [`Cluster::payer`], also signed by `signers`.
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure>;
    fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>>;
    fn rent_exempt_minimum(&self, size: usize) -> u64;
    fn airdrop(&mut self, to: &Pubkey, lamports: u64);
    /// Sends one v0 transaction paid by `fee_payer` (by [`Cluster::payer`] when `None`),
    /// also signed by `signers`, naming what it can through the lookup `tables`.
    fn send_v0(&mut self, fee_payer: Option<&Keypair>, instructions: &[Instruction], signers: &[&Keypair], tables: &[AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure>;
    /// A slot the cluster remembers in its SlotHashes (lookup tables are created at one).
    fn recent_slot(&self) -> u64;
    /// Returns once the cluster is past its current slot (addresses added to a lookup table
    /// are usable from the next slot on).
    fn next_slot(&mut self);

    fn send_ok(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> TxSuccess {
        self.send(instructions, signers).unwrap_or_else(|f| panic!("transaction failed: {f}\nlogs: {:#?}", f.logs))
    }

    /// The cluster's clock (the Clock sysvar's `unix_timestamp`, at offset 32 of its data).
    fn unix_timestamp(&self) -> i64 {
        let clock = self.account_data(&anchor_lang::pubkey!("SysvarC1ock11111111111111111111111111111111")).expect("the clock sysvar");
        i64::from_le_bytes(clock[32..40].try_into().expect("8 bytes"))
    }

    /// An Anchor account of ours, decoded (discriminator checked).
    fn anchor_account<T: anchor_lang::AccountDeserialize>(&self, key: &Pubkey) -> T
    where
        Self: Sized,
    {
        let data = self.account_data(key).unwrap_or_else(|| panic!("account {key} does not exist"));
        T::try_deserialize(&mut data.as_slice()).unwrap_or_else(|e| panic!("decoding account {key}: {e}"))
    }
}

impl Cluster for Chain {
    fn payer(&self) -> Pubkey {
        self.payer.pubkey()
    }
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        Chain::send(self, instructions, signers)
    }
    fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        Chain::account_data(self, key)
    }
    fn rent_exempt_minimum(&self, size: usize) -> u64 {
        Chain::rent_exempt_minimum(self, size)
    }
    fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        Chain::airdrop(self, to, lamports)
    }
    fn send_v0(&mut self, fee_payer: Option<&Keypair>, instructions: &[Instruction], signers: &[&Keypair], tables: &[AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure> {
        let payer = fee_payer.unwrap_or(&self.payer).insecure_clone();
        self.send_v0_paid_by(&payer, instructions, signers, tables)
    }
    fn recent_slot(&self) -> u64 {
        self.clock().slot
    }
    fn next_slot(&mut self) {
        self.advance_slot();
    }
}

impl Cluster for TestValidator {
    fn payer(&self) -> Pubkey {
        self.cluster.payer()
    }
    fn send(&mut self, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess, TxFailure> {
        self.cluster.send(instructions, signers)
    }
    fn account_data(&self, key: &Pubkey) -> Option<Vec<u8>> {
        self.cluster.account_data(key)
    }
    fn rent_exempt_minimum(&self, size: usize) -> u64 {
        self.cluster.rent_exempt_minimum(size)
    }
    fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        self.cluster.airdrop(to, lamports)
    }
    fn send_v0(&mut self, fee_payer: Option<&Keypair>, instructions: &[Instruction], signers: &[&Keypair], tables: &[AddressLookupTableAccount]) -> Result<TxSuccess, TxFailure> {
        self.cluster.send_v0(fee_payer, instructions, signers, tables)
    }
    fn recent_slot(&self) -> u64 {
        self.cluster.recent_slot()
    }
    fn next_slot(&mut self) {
        self.cluster.next_slot()
    }
}
