//! Address lookup tables and v0 transactions: how a wallet's claim or onboarding fits the
//! 1,232-byte packet at a million devices.
//!
//! A legacy transaction names every account by its 32 bytes. A v0 transaction can name
//! accounts by a one-byte index into an address lookup table (ALT) instead, at the cost of
//! the table's address (32 bytes) and two index lists once per table. civnet keeps one table
//! per network ([`network_addresses`], [`sub_network_addresses`]): the accounts every
//! wallet transaction names that are the same for every device (network, mints, configs,
//! programs passed as accounts, each sub-network's PDAs). `civnet migrate` creates it and
//! `civnet sub-network create` extends it; its authority is the network authority, and
//! clients find it by that authority and its first address, the network
//! ([`find_network_table`]).
//!
//! What cannot go in a shared table: signers, the programs a transaction invokes at top level
//! (the runtime requires them as static keys), and what differs per device or owner (the
//! device record, the claim's recipient record, the owner's token accounts, the cNFT proof
//! nodes). A claim also carries its reward proof in instruction data, 32 bytes per level of
//! the rewards tree. Where that still does not fit (2^20 reward leaves with more than three
//! cNFT proof nodes below the canopy), the owner puts the proof nodes into a table of its
//! own first ([`proof_table_transactions`]): one transaction before the claim, the table
//! reusable for later claims of the same proof nodes.
//!
//! Tables are append-only and a message is compiled from a table's current contents, so a
//! transaction built with any table names exactly the accounts its instructions name; the
//! authority check in [`find_network_table`] only keeps strangers' tables (which their
//! owners could close) out.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_address_lookup_table_interface::instruction as alt;
use solana_address_lookup_table_interface::state::{AddressLookupTable, LOOKUP_TABLE_MAX_ADDRESSES, LOOKUP_TABLE_META_SIZE};
use solana_keypair::Keypair;
use solana_message::v0::LoadedAddresses;
use solana_message::{v0, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

pub use solana_address_lookup_table_interface::program::ID as LOOKUP_TABLE_PROGRAM_ID;
pub use solana_message::AddressLookupTableAccount;

use crate::cluster::Cluster;
use crate::programs::{BUBBLEGUM_ID, SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID};
use crate::svm::{TxFailure, TxSuccess};
use crate::{pda, tokens};

/// The largest transaction a cluster accepts (IPv6 MTU minus headers), in bytes.
pub const PACKET_LIMIT: usize = 1232;
/// Addresses per `extend_lookup_table` transaction (32 bytes each in instruction data; 20
/// keep the transaction near 900 bytes with the create instruction in front).
const ADDRESSES_PER_EXTEND: usize = 20;
/// Where a table's authority is in its account data: after the type (u32), deactivation slot
/// (u64), last extended slot (u64), its start index (u8) and the `Option` tag (u8).
const AUTHORITY_OFFSET: usize = 22;

/// Wire size of a signed transaction: what the packet limit applies to.
pub fn wire_size(tx: &VersionedTransaction) -> usize {
    bincode::serialized_size(tx).map(|n| n as usize).unwrap_or(usize::MAX)
}

/// A v0 message paid by `payer` naming what it can through `tables`.
pub fn v0_message(payer: &Pubkey, instructions: &[Instruction], tables: &[AddressLookupTableAccount], blockhash: solana_hash::Hash) -> Result<VersionedMessage, String> {
    v0::Message::try_compile(payer, instructions, tables, blockhash).map(VersionedMessage::V0).map_err(|e| format!("compiling a v0 message: {e}"))
}

/// A signed v0 transaction paid by `fee_payer` and signed by `signers` too.
pub fn v0_transaction(fee_payer: &Keypair, instructions: &[Instruction], signers: &[&Keypair], tables: &[AddressLookupTableAccount], blockhash: solana_hash::Hash) -> Result<VersionedTransaction, String> {
    let message = v0_message(&fee_payer.pubkey(), instructions, tables, blockhash)?;
    let mut all: Vec<&Keypair> = vec![fee_payer];
    all.extend(signers.iter().copied().filter(|s| s.pubkey() != fee_payer.pubkey()));
    // Only the message's signers sign (a signer the instructions do not need is left out).
    let required = message.header().num_required_signatures as usize;
    let keys = &message.static_account_keys()[..required];
    let signing: Vec<&Keypair> = keys.iter().filter_map(|k| all.iter().copied().find(|s| s.pubkey() == *k)).collect();
    if signing.len() != required {
        return Err(format!("the transaction needs {required} signatures, {} signers given", signing.len()));
    }
    VersionedTransaction::try_new(message, &signing).map_err(|e| format!("signing: {e}"))
}

/// The addresses a v0 message loads from `tables` (writable ones first, in lookup order),
/// as `getTransaction` lists them under `meta.loadedAddresses`. Lookups into a table not
/// among `tables`, or past its end, load nothing.
pub fn loaded_addresses(message: &VersionedMessage, tables: &[AddressLookupTableAccount]) -> LoadedAddresses {
    let mut loaded = LoadedAddresses::default();
    let VersionedMessage::V0(message) = message else { return loaded };
    for lookup in &message.address_table_lookups {
        let Some(table) = tables.iter().find(|t| t.key == lookup.account_key) else { continue };
        loaded.writable.extend(lookup.writable_indexes.iter().filter_map(|i| table.addresses.get(*i as usize)));
        loaded.readonly.extend(lookup.readonly_indexes.iter().filter_map(|i| table.addresses.get(*i as usize)));
    }
    loaded
}

/// What every wallet transaction of the network names and no one changes: the network
/// first (how [`find_network_table`] recognises the table), then its mints, configuration,
/// device creator, the programs and sysvars instructions pass as accounts, and the three
/// programs' event authorities.
pub fn network_addresses(network: &Pubkey, token_mint: &Pubkey) -> Vec<Pubkey> {
    vec![
        *network,
        *token_mint,
        pda::dc_config(network),
        pda::dc_mint(network),
        pda::device_creator(network),
        pda::network_mint_authority(network),
        pda::event_authority(&emissions::ID),
        pda::event_authority(&data_credits::ID),
        pda::event_authority(&device_registry::ID),
        emissions::ID,
        data_credits::ID,
        device_registry::ID,
        tokens::TOKEN_2022_ID,
        anchor_lang::system_program::ID,
        SPL_NOOP_ID,
        SPL_ACCOUNT_COMPRESSION_ID,
        BUBBLEGUM_ID,
        anchor_lang::pubkey!("Sysvar1nstructions1111111111111111111111111"),
    ]
}

/// A sub-network's accounts that device transactions name: the sub-network, its rewards
/// root and escrow, and its two activity records.
pub fn sub_network_addresses(sub_network: &Pubkey) -> Vec<Pubkey> {
    vec![*sub_network, pda::rewards_root(sub_network), pda::rewards_escrow(sub_network), pda::sub_network_devices(sub_network), pda::sub_network_burns(sub_network)]
}

/// A lookup table as read from its account: its addresses, authority (None once frozen)
/// and whether it was deactivated.
#[derive(Debug, Clone)]
pub struct TableState {
    pub table: AddressLookupTableAccount,
    pub authority: Option<Pubkey>,
    pub deactivated: bool,
}

/// Decodes a lookup table account's data.
pub fn read_table(key: Pubkey, data: &[u8]) -> Option<TableState> {
    let table = AddressLookupTable::deserialize(data).ok()?;
    Some(TableState {
        table: AddressLookupTableAccount { key, addresses: table.addresses.to_vec() },
        authority: table.meta.authority,
        deactivated: table.meta.deactivation_slot != u64::MAX,
    })
}

/// The table at `key` on `cluster`, if there is one (and it is a lookup table).
pub fn fetch_table(cluster: &impl Cluster, key: &Pubkey) -> Option<TableState> {
    read_table(*key, &cluster.account_data(key)?)
}

/// The network's lookup table on an RPC cluster: the active table whose authority is
/// `authority` and whose first address is `network`, the one with the most addresses when
/// there are several. Found with one `getProgramAccounts` of the lookup table program,
/// filtered on both fields by the RPC node.
pub fn find_network_table(rpc: &crate::rpc::Rpc, network: &Pubkey, authority: &Pubkey) -> Result<Option<TableState>, crate::rpc::RpcError> {
    use base64::Engine;
    let b64 = |key: &Pubkey| base64::engine::general_purpose::STANDARD.encode(key.as_ref());
    let filters = serde_json::json!([
        {"memcmp": {"offset": AUTHORITY_OFFSET, "bytes": b64(authority), "encoding": "base64"}},
        {"memcmp": {"offset": LOOKUP_TABLE_META_SIZE, "bytes": b64(network), "encoding": "base64"}},
    ]);
    let found = rpc.program_accounts_filtered(&LOOKUP_TABLE_PROGRAM_ID, filters)?;
    Ok(found
        .into_iter()
        .filter_map(|(key, data)| read_table(key, &data))
        .filter(|t| !t.deactivated && t.authority == Some(*authority))
        .max_by_key(|t| t.table.addresses.len()))
}

/// The transactions that create a table of `authority` (paid by `payer`) at `recent_slot`
/// holding `addresses`: create and the first addresses in one, then the rest 20 at a time.
/// Returns the table's address.
pub fn create_table_transactions(authority: &Pubkey, payer: &Pubkey, recent_slot: u64, addresses: &[Pubkey]) -> (Pubkey, Vec<Vec<Instruction>>) {
    let (create, table) = alt::create_lookup_table(*authority, *payer, recent_slot);
    let mut transactions = extend_transactions(&table, authority, payer, addresses);
    match transactions.first_mut() {
        Some(first) => first.insert(0, create),
        None => transactions.push(vec![create]),
    }
    (table, transactions)
}

/// `extend_lookup_table` transactions adding `addresses`, 20 at a time.
pub fn extend_transactions(table: &Pubkey, authority: &Pubkey, payer: &Pubkey, addresses: &[Pubkey]) -> Vec<Vec<Instruction>> {
    addresses.chunks(ADDRESSES_PER_EXTEND).map(|chunk| vec![alt::extend_lookup_table(*table, *authority, Some(*payer), chunk.to_vec())]).collect()
}

/// A recent slot from which `authority` has made no table yet. A table's address is derived
/// from its authority and a recent slot, and the lookup-table program lets "create" succeed
/// on a table that exists (so that a retried creation is harmless): a second table made
/// from the same slot would silently extend the first, another network's or an earlier
/// proof's. So the slot is taken only when its address is free, waiting for the next one
/// otherwise (two tables made within one finalized slot, as two quick `migrate`s do).
pub fn unused_table_slot(cluster: &mut impl Cluster, authority: &Pubkey) -> Result<u64, TxFailure> {
    const ATTEMPTS: usize = 300;
    for _ in 0..ATTEMPTS {
        let slot = cluster.recent_slot();
        let (table, _) = alt::derive_lookup_table_address(authority, slot);
        if cluster.account_data(&table).is_none() {
            return Ok(slot);
        }
        cluster.next_slot();
    }
    Err(TxFailure::unsent(format!("no new lookup table address for {authority}: the cluster's recent slot did not move in {ATTEMPTS} slots")))
}

/// Makes the table of `authority` hold `wanted` (in that order when it is new; missing
/// ones appended otherwise), creating it when `existing` is `None`, and waits until the new
/// addresses are usable (the slot after they were added). Returns the table and how many
/// addresses were added.
pub fn ensure_table(cluster: &mut impl Cluster, authority: &Keypair, existing: Option<TableState>, wanted: &[Pubkey]) -> Result<(AddressLookupTableAccount, usize), TxFailure> {
    let payer = cluster.payer();
    let (key, mut addresses, transactions) = match existing {
        Some(state) => {
            let missing: Vec<Pubkey> = dedup(wanted).into_iter().filter(|a| !state.table.addresses.contains(a)).collect();
            (state.table.key, state.table.addresses, extend_transactions(&state.table.key, &authority.pubkey(), &payer, &missing))
        }
        None => {
            let slot = unused_table_slot(cluster, &authority.pubkey())?;
            let (key, transactions) = create_table_transactions(&authority.pubkey(), &payer, slot, &dedup(wanted));
            (key, Vec::new(), transactions)
        }
    };
    let before = addresses.len();
    for instructions in &transactions {
        cluster.send(instructions, &[authority])?;
    }
    if !transactions.is_empty() {
        cluster.next_slot();
    }
    for instructions in &transactions {
        for ix in instructions.iter().filter(|ix| ix.data.first() == Some(&2)) {
            // ExtendLookupTable (instruction 2): u32 tag, u64 count, then the addresses.
            addresses.extend(ix.data.get(12..).unwrap_or_default().chunks_exact(32).map(|c| Pubkey::new_from_array(c.try_into().expect("32 bytes"))));
        }
    }
    if addresses.len() > LOOKUP_TABLE_MAX_ADDRESSES {
        return Err(TxFailure::unsent(format!("a lookup table holds at most {LOOKUP_TABLE_MAX_ADDRESSES} addresses, not {}", addresses.len())));
    }
    let added = addresses.len() - before;
    Ok((AddressLookupTableAccount { key, addresses }, added))
}

fn dedup(addresses: &[Pubkey]) -> Vec<Pubkey> {
    let mut out: Vec<Pubkey> = Vec::with_capacity(addresses.len());
    for a in addresses {
        if !out.contains(a) {
            out.push(*a);
        }
    }
    out
}

/// The bytes `instructions` take as a v0 transaction paid and signed by `fee_payer` alone
/// (as a wallet sends them), with `tables`: signatures are 64 bytes whatever they sign, so a
/// placeholder key and blockhash give the exact size.
pub fn v0_size(fee_payer: &Pubkey, instructions: &[Instruction], tables: &[AddressLookupTableAccount]) -> Result<usize, String> {
    let message = v0_message(fee_payer, instructions, tables, solana_hash::Hash::default())?;
    let signatures = message.header().num_required_signatures as usize;
    let tx = VersionedTransaction { signatures: vec![solana_signature::Signature::default(); signatures], message };
    Ok(wire_size(&tx))
}

/// When `instructions` (with `tables`) do not fit a packet, the owner's own table of the
/// cNFT proof nodes they name: the transactions that create it (`recent_slot` is a slot the
/// cluster still remembers) and the table as the claim will see it. `None` when the
/// transaction fits without.
#[allow(clippy::type_complexity)]
pub fn proof_table_transactions(owner: &Pubkey, recent_slot: u64, instructions: &[Instruction], proof_nodes: &[[u8; 32]], tables: &[AddressLookupTableAccount]) -> Result<Option<(AddressLookupTableAccount, Vec<Vec<Instruction>>)>, String> {
    if v0_size(owner, instructions, tables)? <= PACKET_LIMIT {
        return Ok(None);
    }
    proof_table(owner, recent_slot, instructions, proof_nodes, tables).map(Some)
}

/// The owner's table of `proof_nodes` for `instructions` that do not fit without it (see
/// [`proof_table_transactions`]); an error when they do not fit even with it.
#[allow(clippy::type_complexity)]
fn proof_table(owner: &Pubkey, recent_slot: u64, instructions: &[Instruction], proof_nodes: &[[u8; 32]], tables: &[AddressLookupTableAccount]) -> Result<(AddressLookupTableAccount, Vec<Vec<Instruction>>), String> {
    let nodes: Vec<Pubkey> = proof_nodes.iter().map(|n| Pubkey::new_from_array(*n)).collect();
    let (key, transactions) = create_table_transactions(owner, owner, recent_slot, &nodes);
    let table = AddressLookupTableAccount { key, addresses: nodes };
    let mut with_proof = tables.to_vec();
    with_proof.push(table.clone());
    let size = v0_size(owner, instructions, &with_proof)?;
    if size > PACKET_LIMIT {
        return Err(format!("the transaction is {size} bytes even with its proof nodes in a lookup table (limit {PACKET_LIMIT})"));
    }
    Ok((table, transactions))
}

/// Whether `instructions` fit one packet as a v0 transaction paid by `fee_payer` through
/// `tables` (else [`send_as_wallet`] puts proof nodes in a table first).
pub fn fits_in_packet(fee_payer: &Pubkey, instructions: &[Instruction], tables: &[AddressLookupTableAccount]) -> Result<bool, String> {
    Ok(v0_size(fee_payer, instructions, tables)? <= PACKET_LIMIT)
}

/// Sends `instructions` as a wallet does: one v0 transaction paid by `owner` through the
/// network `tables`; when it does not fit, the owner first puts `proof_nodes` in a table of
/// its own (one more transaction, then a slot's wait). Returns the outcome of the last
/// transaction and the proof table made, if one was.
pub fn send_as_wallet(cluster: &mut impl Cluster, owner: &Keypair, instructions: &[Instruction], proof_nodes: &[[u8; 32]], tables: &[AddressLookupTableAccount]) -> Result<(TxSuccess, Option<Pubkey>), TxFailure> {
    // Checked before a slot is picked: picking one asks the cluster twice.
    if fits_in_packet(&owner.pubkey(), instructions, tables).map_err(TxFailure::unsent)? {
        return cluster.send_v0(Some(owner), instructions, &[], tables).map(|ok| (ok, None));
    }
    let slot = unused_table_slot(cluster, &owner.pubkey())?;
    let (table, setup) = proof_table(&owner.pubkey(), slot, instructions, proof_nodes, tables).map_err(TxFailure::unsent)?;
    for ixs in &setup {
        cluster.send_v0(Some(owner), ixs, &[], &[])?;
    }
    cluster.next_slot();
    let mut with_proof = tables.to_vec();
    with_proof.push(table.clone());
    cluster.send_v0(Some(owner), instructions, &[], &with_proof).map(|ok| (ok, Some(table.key)))
}
