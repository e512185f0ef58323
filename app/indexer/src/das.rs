//! The Digital Asset Standard read side of civnet's device cNFTs: every maker tree is
//! followed through its own transaction history, so what wallets and marketplaces do with a
//! device through plain Bubblegum (transfers, delegations, burns) is indexed as surely as
//! what civnet does through it.
//!
//! **Finality: `finalized`.** Trees are read with `getSignaturesForAddress` and
//! `getTransaction` at `finalized` commitment, so nothing indexed here is ever rolled back;
//! the price is lag (about 32 slots, ~13 s, behind `confirmed`). A proof from a slightly old
//! root still verifies on chain: account compression (and civnet's own ownership check)
//! fast-forward a proof through the tree's change-log buffer as long as the leaf itself did
//! not change, and [`crate::das_api`] refuses a root that has left that buffer.
//!
//! Per tree and chunk of transactions, in one database transaction with the tree's cursor:
//! - **nodes** from account compression's change logs (`civnet_client::tree_history`: only
//!   noop calls made by account compression count), each node keeping the value of the
//!   highest sequence number that wrote it: a leaf's proof is `max_depth` lookups;
//! - **assets** from Bubblegum's instructions on the tree, top level or inside another
//!   program (civnet's `issue_device`, a marketplace): mints with their metadata from the
//!   instruction, owner/delegate/hashes from Bubblegum's leaf-schema event (a noop call made
//!   by Bubblegum inside that instruction), burns and redemptions from the instruction and its
//!   change log. Each asset remembers the sequence number of its last change, so a replayed
//!   chunk changes nothing.
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context, Result};
use borsh::BorshDeserialize;
use civnet_client::programs::{BUBBLEGUM_ID, SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID};
use civnet_client::rpc::Rpc;
use civnet_client::tree_history::{self, ChangeLog};
use mpl_bubblegum::types::{LeafSchema, MetadataArgs};
use mpl_bubblegum::{InstructionName, LeafSchemaEvent};
use serde_json::Value;
use sqlx::{AnyConnection, Row as _};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use crate::chain::{self, blocking};
use crate::store::Store;

/// The commitment trees are followed at.
pub const COMMITMENT: &str = "finalized";
/// Transactions per database transaction.
const CHUNK: usize = 200;
/// Rows per multi-row statement (few binds: see `store.rs`).
const ROWS_PER_STATEMENT: usize = 100;
/// Where a tree account's sequence number is: after the 56-byte header.
pub const TREE_SEQ_OFFSET: usize = 56;

#[derive(Debug, Clone, Copy, Default)]
pub struct DasStats {
    pub trees: u64,
    pub transactions: u64,
    pub changes: u64,
    pub assets_minted: u64,
    pub elapsed: Duration,
}

/// A tree being followed.
#[derive(Debug, Clone)]
pub struct TreeRow {
    pub tree: String,
    pub network: String,
    pub maker: String,
    pub tree_creator: String,
    pub max_depth: u32,
    pub max_buffer_size: u32,
    pub seq: u64,
    pub gap: bool,
    pub last_signature: Option<String>,
}

/// What one Bubblegum instruction did to a tree.
#[derive(Debug, Clone)]
pub struct TreeOp {
    pub kind: OpKind,
    /// Its change of the tree (a leaf written), when it made one.
    pub change: Option<ChangeLog>,
    /// Bubblegum's leaf-schema event: the leaf's fields after the instruction.
    pub leaf: Option<LeafFields>,
    /// A mint's metadata, from the instruction.
    pub metadata: Option<MetadataArgs>,
    /// The creator a (un)verify-creator instruction names.
    pub creator: Option<Pubkey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Mint,
    /// Transfer, delegate, cancel-redeem, collection and metadata changes: the leaf event
    /// says what the leaf is now.
    Update,
    VerifyCreator(bool),
    Burn,
    Redeem,
}

/// A V1 leaf's fields (LeafSchema::V1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafFields {
    pub id: Pubkey,
    pub owner: Pubkey,
    pub delegate: Pubkey,
    pub nonce: u64,
    pub data_hash: [u8; 32],
    pub creator_hash: [u8; 32],
}

/// Bubblegum's leaf-schema event in one noop instruction's data:
/// `AccountCompressionEvent::ApplicationData(ApplicationDataEvent::V1 { application_data })`
/// (tags 1 and 0, a u32-length vector) holding a borsh `LeafSchemaEvent`; V1 leaves only.
pub fn decode_leaf_event(data: &[u8]) -> Option<LeafFields> {
    let (tags, rest) = data.split_at_checked(2)?;
    if tags != [1, 0] {
        return None;
    }
    let (len, body) = rest.split_at_checked(4)?;
    let len = u32::from_le_bytes(len.try_into().ok()?) as usize;
    if body.len() != len {
        return None;
    }
    match LeafSchemaEvent::try_from_slice(body).ok()?.schema {
        LeafSchema::V1 { id, owner, delegate, nonce, data_hash, creator_hash } => Some(LeafFields { id, owner, delegate, nonce, data_hash, creator_hash }),
        LeafSchema::V2 { .. } => None,
    }
}

/// One instruction of a transaction as `getTransaction` (json) lists it: its program, data,
/// accounts and stack height (1 at top level).
struct Ix<'a> {
    program: Pubkey,
    data: &'a str,
    accounts: Vec<Pubkey>,
    height: u64,
}

fn read_ix<'a>(value: &'a Value, height: u64, keys: &[Pubkey]) -> Result<Ix<'a>> {
    let key = |i: &Value| i.as_u64().and_then(|i| keys.get(i as usize)).copied().ok_or_else(|| anyhow!("bad account index in {value}"));
    Ok(Ix {
        program: key(&value["programIdIndex"])?,
        data: value["data"].as_str().unwrap_or_default(),
        accounts: value["accounts"].as_array().into_iter().flatten().map(key).collect::<Result<_>>()?,
        height,
    })
}

fn base58(data: &str) -> Result<Vec<u8>> {
    bs58::decode(data).into_vec().context("instruction data is not base58")
}

/// Every Bubblegum instruction of a successful transaction that changed `tree`, in order,
/// with its own change log and leaf event: a noop call counts as Bubblegum's leaf event only
/// when Bubblegum made it (one level below the instruction), and as its change log only when
/// account compression, called by that Bubblegum instruction, made it. Anyone can call noop
/// with forged data; those calls are not these.
pub fn tree_ops(tx: &Value, tree: &Pubkey) -> Result<Vec<TreeOp>> {
    let meta = &tx["meta"];
    if !meta["err"].is_null() {
        return Ok(Vec::new());
    }
    let message = &tx["transaction"]["message"];
    let keys: Vec<Pubkey> = [&message["accountKeys"], &meta["loadedAddresses"]["writable"], &meta["loadedAddresses"]["readonly"]]
        .into_iter()
        .flat_map(|list| list.as_array().into_iter().flatten())
        .map(|k| k.as_str().and_then(|k| k.parse().ok()).ok_or_else(|| anyhow!("bad account key {k}")))
        .collect::<Result<_>>()?;
    let ix = |value, height| read_ix(value, height, &keys);
    let top_level = message["instructions"].as_array().ok_or_else(|| anyhow!("transaction without instructions"))?;
    let mut inner: HashMap<u64, &Vec<Value>> = HashMap::new();
    for group in meta["innerInstructions"].as_array().into_iter().flatten() {
        if let (Some(index), Some(list)) = (group["index"].as_u64(), group["instructions"].as_array()) {
            inner.insert(index, list);
        }
    }
    let mut ops = Vec::new();
    for (index, top) in top_level.iter().enumerate() {
        // The top-level instruction and its inner ones, each with its stack height (inner
        // instructions of old transactions without heights count as called by the top level).
        let mut flat = vec![ix(top, 1)?];
        for value in inner.get(&(index as u64)).into_iter().flat_map(|list| list.iter()) {
            flat.push(ix(value, value["stackHeight"].as_u64().unwrap_or(2))?);
        }
        for (position, bubblegum) in flat.iter().enumerate().filter(|(_, i)| i.program == BUBBLEGUM_ID) {
            let data = base58(bubblegum.data)?;
            if data.len() < 8 {
                continue;
            }
            let kind = match mpl_bubblegum::get_instruction_type(&data) {
                InstructionName::MintV1 | InstructionName::MintToCollectionV1 => OpKind::Mint,
                InstructionName::Transfer
                | InstructionName::Delegate
                | InstructionName::CancelRedeem
                | InstructionName::VerifyCollection
                | InstructionName::UnverifyCollection
                | InstructionName::SetAndVerifyCollection
                | InstructionName::UpdateMetadata => OpKind::Update,
                InstructionName::VerifyCreator => OpKind::VerifyCreator(true),
                InstructionName::UnverifyCreator => OpKind::VerifyCreator(false),
                InstructionName::Burn => OpKind::Burn,
                InstructionName::Redeem => OpKind::Redeem,
                _ => continue,
            };
            // The instruction's frame: what runs below it until the stack returns to its level.
            let frame: Vec<&Ix> = flat[position + 1..].iter().take_while(|i| i.height > bubblegum.height).collect();
            let mut op = TreeOp { kind, change: None, leaf: None, metadata: None, creator: None };
            let mut caller: Option<Pubkey> = None;
            for i in &frame {
                if i.height == bubblegum.height + 1 {
                    caller = Some(i.program);
                    if i.program == SPL_NOOP_ID {
                        op.leaf = op.leaf.or(decode_leaf_event(&base58(i.data)?));
                    }
                } else if i.height == bubblegum.height + 2 && i.program == SPL_NOOP_ID && caller == Some(SPL_ACCOUNT_COMPRESSION_ID) {
                    if let Some(change) = tree_history::decode_changelog(&base58(i.data)?).filter(|c| c.tree == *tree) {
                        op.change = Some(change);
                    }
                }
            }
            // Only instructions that changed this tree (a Bubblegum instruction on another
            // tree in the same transaction is that tree's business).
            if op.change.is_none() {
                continue;
            }
            match kind {
                OpKind::Mint => {
                    op.metadata = Some(MetadataArgs::deserialize(&mut &data[8..]).context("decoding a mint's metadata")?);
                }
                // Accounts: tree config, leaf owner, leaf delegate, merkle tree, payer, creator, ...
                OpKind::VerifyCreator(_) => op.creator = bubblegum.accounts.get(5).copied(),
                _ => {}
            }
            ops.push(op);
        }
    }
    Ok(ops)
}

/// Trees to follow: every tree a maker of the index has or had (`makers.merkle_tree`, and
/// `MakerTreeSet` events for trees rotated out), registered once with their shape.
async fn discover_trees(rpc: &Rpc, store: &Store) -> Result<Vec<TreeRow>> {
    let mut wanted: BTreeMap<String, (String, String)> = BTreeMap::new();
    for row in sqlx::query("SELECT merkle_tree, address, network FROM makers WHERE merkle_tree IS NOT NULL").fetch_all(&store.pool).await? {
        wanted.insert(row.try_get("merkle_tree")?, (row.try_get("address")?, row.try_get("network")?));
    }
    for data in sqlx::query_scalar::<_, String>("SELECT data FROM events WHERE name = 'MakerTreeSet'").fetch_all(&store.pool).await? {
        let event: Value = serde_json::from_str(&data)?;
        if let (Some(tree), Some(maker)) = (event["merkle_tree"].as_str(), event["maker"].as_str()) {
            let network: Option<String> = sqlx::query_scalar("SELECT network FROM makers WHERE address = $1").bind(maker).fetch_optional(&store.pool).await?;
            if let Some(network) = network {
                wanted.entry(tree.to_string()).or_insert((maker.to_string(), network));
            }
        }
    }
    let known: Vec<String> = sqlx::query_scalar("SELECT tree FROM das_trees").fetch_all(&store.pool).await?;
    for (tree, (maker, network)) in wanted.iter().filter(|(tree, _)| !known.contains(tree)) {
        let address: Pubkey = tree.parse()?;
        let rpc = rpc.clone();
        let Some((data, _, _)) = blocking(move || rpc.account(&address).map_err(|e| anyhow!("reading tree {address}: {e}"))).await? else { continue };
        let shape = civnet_client::bubblegum::TreeShape::from_account(&data).ok_or_else(|| anyhow!("{tree} is not a merkle tree account"))?;
        sqlx::query(
            "INSERT INTO das_trees (tree, network, maker, tree_creator, max_depth, max_buffer_size, seq, changes, gap, last_signature, last_slot) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, NULL, NULL) ON CONFLICT (tree) DO NOTHING",
        )
        .bind(tree)
        .bind(network)
        .bind(maker)
        .bind(civnet_client::pda::device_creator(&network.parse()?).to_string())
        .bind(i64::from(shape.max_depth))
        .bind(i64::from(shape.max_buffer_size))
        .execute(&store.pool)
        .await?;
    }
    trees(&store.pool).await
}

/// Every tree followed.
pub async fn trees(pool: &sqlx::AnyPool) -> Result<Vec<TreeRow>> {
    let rows = sqlx::query("SELECT * FROM das_trees ORDER BY tree").fetch_all(pool).await?;
    rows.iter().map(tree_row).collect()
}

fn tree_row(row: &sqlx::any::AnyRow) -> Result<TreeRow> {
    Ok(TreeRow {
        tree: row.try_get("tree")?,
        network: row.try_get("network")?,
        maker: row.try_get("maker")?,
        tree_creator: row.try_get("tree_creator")?,
        max_depth: u32::try_from(row.try_get::<i64, _>("max_depth")?)?,
        max_buffer_size: u32::try_from(row.try_get::<i64, _>("max_buffer_size")?)?,
        seq: u64::try_from(row.try_get::<i64, _>("seq")?)?,
        gap: row.try_get::<i64, _>("gap")? != 0,
        last_signature: row.try_get("last_signature")?,
    })
}

/// Reads every tree's finalized history since its cursor and indexes it.
pub async fn catch_up(rpc: &Rpc, store: &Store) -> Result<DasStats> {
    let started = Instant::now();
    let mut stats = DasStats::default();
    for tree in discover_trees(rpc, store).await? {
        stats.trees += 1;
        let address: Pubkey = tree.tree.parse()?;
        let signatures = {
            let (rpc, until) = (rpc.clone(), tree.last_signature.clone());
            blocking(move || rpc.signatures_for_address_at(&address, until.as_deref(), COMMITMENT).with_context(|| format!("getSignaturesForAddress {address}"))).await?
        };
        for chunk in signatures.chunks(CHUNK) {
            let wanted: Vec<String> = chunk.iter().filter(|s| !s.failed).map(|s| s.signature.clone()).collect();
            let fetched = {
                let (rpc, wanted) = (rpc.clone(), wanted.clone());
                blocking(move || chain::transactions_at(&rpc, &wanted, COMMITMENT)).await?
            };
            let last = chunk.last().expect("a chunk is not empty");
            let applied = apply(store, &tree, &address, &fetched, (&last.signature, last.slot)).await?;
            stats.transactions += wanted.len() as u64;
            stats.changes += applied.changes;
            stats.assets_minted += applied.assets_minted;
        }
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// Writes what `transactions` (of `tree`, oldest first) did, and moves the tree's cursor to
/// `cursor`, in one database transaction.
pub async fn apply(store: &Store, tree: &TreeRow, address: &Pubkey, transactions: &[Value], cursor: (&str, u64)) -> Result<DasStats> {
    let mut stats = DasStats::default();
    // Nodes: the newest value of each node these changes wrote.
    let mut changes: Vec<ChangeLog> = Vec::new();
    let mut ops: Vec<(u64, TreeOp)> = Vec::new();
    for tx in transactions {
        let slot = tx["slot"].as_u64().ok_or_else(|| anyhow!("a transaction without slot"))?;
        changes.extend(tree_history::changes_in_transaction(tx, address).map_err(|e| anyhow!("{e}"))?);
        ops.extend(tree_ops(tx, address)?.into_iter().map(|op| (slot, op)));
    }
    let depth = tree.max_depth;
    let mut nodes: HashMap<u32, (u64, [u8; 32])> = HashMap::new();
    let end = 2u64 << depth;
    for change in changes.iter().filter(|c| c.path.len() == depth as usize + 1 && c.path.iter().all(|n| n.index != 0 && u64::from(n.index) < end)) {
        for node in &change.path {
            let slot = nodes.entry(node.index).or_insert((change.seq, node.node));
            if change.seq > slot.0 {
                *slot = (change.seq, node.node);
            }
        }
    }
    let mut seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    seqs.sort_unstable();
    seqs.dedup();

    let mut db = store.pool.begin().await?;
    // The tree's sequence: a change past the next expected one means history is missing
    // (the tree's first change, its initialization, is sequence number 0).
    let current = sqlx::query("SELECT seq, changes, gap FROM das_trees WHERE tree = $1").bind(&tree.tree).fetch_one(&mut *db).await?;
    let (mut seq, mut count) = (u64::try_from(current.try_get::<i64, _>("seq")?)?, u64::try_from(current.try_get::<i64, _>("changes")?)?);
    let mut gap = current.try_get::<i64, _>("gap")? != 0;
    for s in seqs {
        if count > 0 && s <= seq {
            continue;
        }
        let expected = if count == 0 { 0 } else { seq + 1 };
        gap |= s != expected;
        seq = s;
        count += 1;
        stats.changes += 1;
    }
    let rows: Vec<(u32, u64, [u8; 32])> = nodes.into_iter().map(|(index, (seq, hash))| (index, seq, hash)).collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("(${}, ${}, ${}, ${})", 4 * i + 1, 4 * i + 2, 4 * i + 3, 4 * i + 4)).collect();
        let sql = format!(
            "INSERT INTO das_nodes (tree, node_index, seq, hash) VALUES {} \
             ON CONFLICT (tree, node_index) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > das_nodes.seq",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (index, seq, hash) in chunk {
            query = query.bind(&tree.tree).bind(i64::from(*index)).bind(i64::try_from(*seq)?).bind(bs58::encode(hash).into_string());
        }
        query.execute(&mut *db).await.context("writing tree nodes")?;
    }
    for (slot, op) in &ops {
        stats.assets_minted += apply_op(&mut db, tree, *slot, op).await? as u64;
    }
    sqlx::query("UPDATE das_trees SET seq = $1, changes = $2, gap = $3, last_signature = $4, last_slot = $5 WHERE tree = $6")
        .bind(i64::try_from(seq)?)
        .bind(i64::try_from(count)?)
        .bind(i64::from(gap))
        .bind(cursor.0)
        .bind(i64::try_from(cursor.1)?)
        .bind(&tree.tree)
        .execute(&mut *db)
        .await?;
    db.commit().await.context("committing a chunk of tree history")?;
    Ok(stats)
}

fn b58(bytes: &[u8]) -> String {
    bs58::encode(bytes).into_string()
}

/// Applies one Bubblegum instruction; true when it minted an asset not seen before.
async fn apply_op(db: &mut AnyConnection, tree: &TreeRow, slot: u64, op: &TreeOp) -> Result<bool> {
    let change = op.change.as_ref().expect("ops carry their change");
    let (seq, leaf_index) = (i64::try_from(change.seq)?, i64::from(change.index));
    let leaf_hash = b58(&change.path.first().map(|n| n.node).unwrap_or_default());
    let slot = i64::try_from(slot)?;
    match op.kind {
        OpKind::Mint => {
            let (Some(leaf), Some(metadata)) = (&op.leaf, &op.metadata) else { bail!("a mint on {} without its leaf event", tree.tree) };
            let inserted = sqlx::query(
                "INSERT INTO das_assets (id, tree, leaf_index, nonce, owner, delegate, data_hash, creator_hash, leaf_hash, seq, state, name, symbol, uri, \
                 seller_fee_basis_points, primary_sale_happened, is_mutable, collection, collection_verified, created_slot, updated_slot) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'live', $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) ON CONFLICT (id) DO NOTHING",
            )
            .bind(leaf.id.to_string())
            .bind(&tree.tree)
            .bind(leaf_index)
            .bind(i64::try_from(leaf.nonce)?)
            .bind(leaf.owner.to_string())
            .bind(leaf.delegate.to_string())
            .bind(b58(&leaf.data_hash))
            .bind(b58(&leaf.creator_hash))
            .bind(&leaf_hash)
            .bind(seq)
            .bind(metadata.name.trim_end_matches('\0'))
            .bind(metadata.symbol.trim_end_matches('\0'))
            .bind(metadata.uri.trim_end_matches('\0'))
            .bind(i64::from(metadata.seller_fee_basis_points))
            .bind(i64::from(metadata.primary_sale_happened))
            .bind(i64::from(metadata.is_mutable))
            .bind(metadata.collection.as_ref().map(|c| c.key.to_string()))
            .bind(i64::from(metadata.collection.as_ref().is_some_and(|c| c.verified)))
            .bind(slot)
            .execute(&mut *db)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                for (position, creator) in metadata.creators.iter().enumerate() {
                    sqlx::query("INSERT INTO das_creators (asset, position, creator, share, verified) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (asset, position) DO NOTHING")
                        .bind(leaf.id.to_string())
                        .bind(position as i64)
                        .bind(creator.address.to_string())
                        .bind(i64::from(creator.share))
                        .bind(i64::from(creator.verified))
                        .execute(&mut *db)
                        .await?;
                }
            }
            Ok(inserted)
        }
        OpKind::Update | OpKind::VerifyCreator(_) => {
            let Some(leaf) = &op.leaf else { bail!("a Bubblegum update on {} without its leaf event", tree.tree) };
            let changed = sqlx::query(
                "UPDATE das_assets SET owner = $1, delegate = $2, data_hash = $3, creator_hash = $4, leaf_hash = $5, seq = $6, state = 'live', updated_slot = $7 \
                 WHERE id = $8 AND seq < $6",
            )
            .bind(leaf.owner.to_string())
            .bind(leaf.delegate.to_string())
            .bind(b58(&leaf.data_hash))
            .bind(b58(&leaf.creator_hash))
            .bind(&leaf_hash)
            .bind(seq)
            .bind(slot)
            .bind(leaf.id.to_string())
            .execute(&mut *db)
            .await?
            .rows_affected();
            if let (OpKind::VerifyCreator(verified), Some(creator), 1) = (op.kind, op.creator, changed) {
                sqlx::query("UPDATE das_creators SET verified = $1 WHERE asset = $2 AND creator = $3")
                    .bind(i64::from(verified))
                    .bind(leaf.id.to_string())
                    .bind(creator.to_string())
                    .execute(&mut *db)
                    .await?;
            }
            Ok(false)
        }
        OpKind::Burn | OpKind::Redeem => {
            let state = if op.kind == OpKind::Burn { "burnt" } else { "redeemed" };
            sqlx::query("UPDATE das_assets SET state = $1, leaf_hash = $2, seq = $3, updated_slot = $4 WHERE tree = $5 AND leaf_index = $6 AND seq < $3")
                .bind(state)
                .bind(&leaf_hash)
                .bind(seq)
                .bind(slot)
                .bind(&tree.tree)
                .bind(leaf_index)
                .execute(&mut *db)
                .await?;
            Ok(false)
        }
    }
}

/// An asset as indexed.
#[derive(Debug, Clone)]
pub struct AssetRow {
    pub id: String,
    pub tree: String,
    pub leaf_index: u32,
    pub nonce: u64,
    pub owner: String,
    pub delegate: String,
    pub data_hash: String,
    pub creator_hash: String,
    pub leaf_hash: String,
    pub seq: u64,
    pub state: String,
    pub name: String,
    pub symbol: String,
    pub uri: String,
    pub seller_fee_basis_points: u16,
    pub primary_sale_happened: bool,
    pub is_mutable: bool,
    pub collection: Option<String>,
    pub collection_verified: bool,
    /// (address, share, verified), in metadata order.
    pub creators: Vec<(String, u8, bool)>,
    pub tree_creator: String,
}

pub fn asset_row(row: &sqlx::any::AnyRow) -> Result<AssetRow> {
    Ok(AssetRow {
        id: row.try_get("id")?,
        tree: row.try_get("tree")?,
        leaf_index: u32::try_from(row.try_get::<i64, _>("leaf_index")?)?,
        nonce: u64::try_from(row.try_get::<i64, _>("nonce")?)?,
        owner: row.try_get("owner")?,
        delegate: row.try_get("delegate")?,
        data_hash: row.try_get("data_hash")?,
        creator_hash: row.try_get("creator_hash")?,
        leaf_hash: row.try_get("leaf_hash")?,
        seq: u64::try_from(row.try_get::<i64, _>("seq")?)?,
        state: row.try_get("state")?,
        name: row.try_get("name")?,
        symbol: row.try_get("symbol")?,
        uri: row.try_get("uri")?,
        seller_fee_basis_points: u16::try_from(row.try_get::<i64, _>("seller_fee_basis_points")?)?,
        primary_sale_happened: row.try_get::<i64, _>("primary_sale_happened")? != 0,
        is_mutable: row.try_get::<i64, _>("is_mutable")? != 0,
        collection: row.try_get("collection")?,
        collection_verified: row.try_get::<i64, _>("collection_verified")? != 0,
        creators: Vec::new(),
        tree_creator: row.try_get("tree_creator")?,
    })
}

/// The columns [`asset_row`] reads (assets joined with their tree).
pub const ASSET_SELECT: &str = "SELECT a.*, t.tree_creator FROM das_assets a JOIN das_trees t ON t.tree = a.tree";

/// Fills in each asset's creators (one query per 100 assets).
pub async fn with_creators(conn: &mut AnyConnection, assets: &mut [AssetRow]) -> Result<()> {
    let mut by_id: HashMap<String, Vec<(i64, String, u8, bool)>> = HashMap::new();
    let ids: Vec<String> = assets.iter().map(|a| a.id.clone()).collect();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT asset, position, creator, share, verified FROM das_creators WHERE asset IN ({})", marks.join(", "));
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            by_id.entry(row.try_get("asset")?).or_default().push((
                row.try_get("position")?,
                row.try_get("creator")?,
                u8::try_from(row.try_get::<i64, _>("share")?)?,
                row.try_get::<i64, _>("verified")? != 0,
            ));
        }
    }
    for asset in assets {
        let mut creators = by_id.remove(&asset.id).unwrap_or_default();
        creators.sort_by_key(|c| c.0);
        asset.creators = creators.into_iter().map(|(_, address, share, verified)| (address, share, verified)).collect();
    }
    Ok(())
}

/// One asset by id, with its creators; `None` when the index does not know it.
pub async fn asset(conn: &mut AnyConnection, id: &str) -> Result<Option<AssetRow>> {
    let row = sqlx::query(&format!("{ASSET_SELECT} WHERE a.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    let mut assets = vec![asset_row(&row)?];
    with_creators(conn, &mut assets).await?;
    Ok(assets.pop())
}

/// A leaf's proof from the indexed tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub tree: String,
    pub root: [u8; 32],
    pub leaf: [u8; 32],
    /// Sibling nodes from the leaf's level up, `max_depth` of them.
    pub proof: Vec<[u8; 32]>,
    /// The leaf's heap index: `2^max_depth + leaf_index`.
    pub node_index: u64,
    pub leaf_index: u32,
    pub max_depth: u32,
    pub max_buffer_size: u32,
    /// The tree's sequence number the proof is of.
    pub seq: u64,
}

/// Why a proof cannot be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofRefusal {
    UnknownAsset,
    /// The asset was burnt, redeemed or decompressed: it has no leaf.
    NotInTree(String),
    /// The tree's history has a gap (an RPC node without full history).
    IncompleteHistory { seq: u64 },
    /// The indexed leaf disagrees with the indexed nodes (a half-applied change).
    Inconsistent(String),
}

impl std::fmt::Display for ProofRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofRefusal::UnknownAsset => write!(f, "Asset Not Found: no civnet device cNFT with this id is indexed"),
            ProofRefusal::NotInTree(state) => write!(f, "Asset Proof Not Found: the asset is {state} and has no leaf in its tree"),
            ProofRefusal::IncompleteHistory { seq } => write!(f, "incomplete tree history: a change before sequence number {seq} was never read (the RPC node lacks full history); no proof is given"),
            ProofRefusal::Inconsistent(why) => write!(f, "the indexed tree is inconsistent: {why}"),
        }
    }
}

/// keccak256(left || right): account compression's node hash.
fn hash_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

/// The proof of asset `id` from the indexed nodes: `max_depth + 2` node lookups in one query
/// (the leaf, its siblings, the root), whatever the tree's size. The proof is checked to lead
/// from the leaf to the root before it is returned.
pub async fn asset_proof(conn: &mut AnyConnection, id: &str) -> Result<std::result::Result<Proof, ProofRefusal>> {
    let row = sqlx::query("SELECT a.tree, a.leaf_index, a.state, a.leaf_hash, t.max_depth, t.max_buffer_size, t.seq, t.gap FROM das_assets a JOIN das_trees t ON t.tree = a.tree WHERE a.id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(Err(ProofRefusal::UnknownAsset)) };
    let state: String = row.try_get("state")?;
    if state != "live" {
        return Ok(Err(ProofRefusal::NotInTree(state)));
    }
    let tree: String = row.try_get("tree")?;
    let depth = u32::try_from(row.try_get::<i64, _>("max_depth")?)?;
    let seq = u64::try_from(row.try_get::<i64, _>("seq")?)?;
    if row.try_get::<i64, _>("gap")? != 0 {
        return Ok(Err(ProofRefusal::IncompleteHistory { seq }));
    }
    let leaf_index = u32::try_from(row.try_get::<i64, _>("leaf_index")?)?;
    let leaf_node = (1u64 << depth) + u64::from(leaf_index);
    let mut wanted: Vec<u64> = vec![leaf_node, 1];
    wanted.extend((0..depth).map(|level| (leaf_node >> level) ^ 1));
    let marks: Vec<String> = (2..wanted.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT node_index, hash FROM das_nodes WHERE tree = $1 AND node_index IN ({})", marks.join(", "));
    let mut query = sqlx::query(&sql).bind(&tree);
    for index in &wanted {
        query = query.bind(i64::try_from(*index)?);
    }
    let mut found: HashMap<u64, [u8; 32]> = HashMap::new();
    for r in query.fetch_all(&mut *conn).await? {
        let hash: String = r.try_get("hash")?;
        let bytes: [u8; 32] = bs58::decode(&hash).into_vec().ok().and_then(|b| b.try_into().ok()).ok_or_else(|| anyhow!("node hash {hash} is not 32 bytes"))?;
        found.insert(u64::try_from(r.try_get::<i64, _>("node_index")?)?, bytes);
    }
    // A node no change wrote is the empty subtree of its level.
    let mut empty = vec![[0u8; 32]];
    for level in 0..depth as usize {
        empty.push(hash_pair(&empty[level], &empty[level]));
    }
    let node = |index: u64, level: u32| found.get(&index).copied().unwrap_or(empty[level as usize]);
    let leaf = node(leaf_node, 0);
    let proof: Vec<[u8; 32]> = (0..depth).map(|level| node((leaf_node >> level) ^ 1, level)).collect();
    let root = node(1, depth);
    let indexed_leaf: String = row.try_get("leaf_hash")?;
    if b58(&leaf) != indexed_leaf {
        return Ok(Err(ProofRefusal::Inconsistent(format!("leaf {leaf_index} of {tree} is {} in the nodes but {indexed_leaf} for the asset", b58(&leaf)))));
    }
    let computed = proof.iter().enumerate().fold(leaf, |acc, (level, sibling)| if (leaf_node >> level) & 1 == 0 { hash_pair(&acc, sibling) } else { hash_pair(sibling, &acc) });
    if computed != root {
        return Ok(Err(ProofRefusal::Inconsistent(format!("the nodes of {tree} do not hash to its root"))));
    }
    Ok(Ok(Proof { tree, root, leaf, proof, node_index: leaf_node, leaf_index, max_depth: depth, max_buffer_size: u32::try_from(row.try_get::<i64, _>("max_buffer_size")?)?, seq }))
}

/// Where `proof` stands against the tree account's data as read now (at least its header and
/// change-log buffer): `Ok` when its root is the root the chain recorded at the proof's
/// sequence number and still in the buffer (so account compression accepts it), else why not.
pub fn check_against_chain(proof: &Proof, account: &[u8]) -> std::result::Result<(), String> {
    let u64_at = |offset: usize| account.get(offset..offset + 8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    let (Some(chain_seq), Some(active)) = (u64_at(TREE_SEQ_OFFSET), u64_at(TREE_SEQ_OFFSET + 8)) else {
        return Err(format!("tree {} is not a merkle tree account", proof.tree));
    };
    if proof.seq > chain_seq {
        return Err(format!("tree {} is at sequence number {chain_seq} on chain, behind the index's {} (a rolled-back fork?)", proof.tree, proof.seq));
    }
    let behind = chain_seq - proof.seq;
    if behind >= u64::from(proof.max_buffer_size) {
        return Err(format!(
            "stale proof: the index has tree {} at sequence number {}, the chain at {chain_seq}; its root left the {}-entry change-log buffer, so the chain would refuse the proof (the indexer is catching up)",
            proof.tree, proof.seq, proof.max_buffer_size
        ));
    }
    let entry = 32 + 32 * proof.max_depth as usize + 8;
    let slot = (active + u64::from(proof.max_buffer_size) - behind) % u64::from(proof.max_buffer_size);
    let offset = TREE_SEQ_OFFSET + 24 + slot as usize * entry;
    match account.get(offset..offset + 32) {
        Some(root) if root == proof.root => Ok(()),
        Some(root) => Err(format!("the chain's root of tree {} at sequence number {} is {}, the index's {}", proof.tree, proof.seq, b58(root), b58(&proof.root))),
        None => Err(format!("tree {} account is shorter than its change-log buffer", proof.tree)),
    }
}

/// How much of a tree account [`check_against_chain`] reads: header, sequence fields and the
/// change-log buffer (not the rightmost path and canopy, the bulk of a large tree).
pub fn check_slice(max_depth: u32, max_buffer_size: u32) -> usize {
    TREE_SEQ_OFFSET + 24 + max_buffer_size as usize * (32 + 32 * max_depth as usize + 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use civnet_client::tree_history::TreeHistory;
    use mpl_bubblegum::types::{Creator, TokenProgramVersion, TokenStandard, Version};
    use serde_json::json;

    const DEPTH: u32 = 5;
    const MINT_V1: [u8; 8] = [145, 98, 192, 118, 184, 147, 118, 104];
    const TRANSFER: [u8; 8] = [163, 52, 200, 231, 140, 3, 69, 186];
    const BURN: [u8; 8] = [116, 110, 29, 56, 107, 219, 42, 93];

    fn tree_key() -> Pubkey {
        Pubkey::new_from_array([7; 32])
    }

    fn metadata(creator: Pubkey) -> MetadataArgs {
        MetadataArgs {
            name: "acme 0badcafe".into(),
            symbol: "CIVNET".into(),
            uri: "https://devices.civnet.example/0badcafe".into(),
            seller_fee_basis_points: 0,
            primary_sale_happened: false,
            is_mutable: false,
            edition_nonce: None,
            token_standard: Some(TokenStandard::NonFungible),
            collection: None,
            uses: None,
            token_program_version: TokenProgramVersion::Original,
            creators: vec![Creator { address: creator, verified: true, share: 100 }],
        }
    }

    /// Bubblegum's leaf event as the noop instruction carries it (written here field by
    /// field: tags 1, 0, a u32 length, then the borsh event).
    fn leaf_event(leaf: &LeafFields) -> Vec<u8> {
        let schema = LeafSchema::V1 { id: leaf.id, owner: leaf.owner, delegate: leaf.delegate, nonce: leaf.nonce, data_hash: leaf.data_hash, creator_hash: leaf.creator_hash };
        let event = borsh::to_vec(&LeafSchemaEvent::new(Version::V1, schema.clone(), schema.hash())).unwrap();
        let mut data = vec![1, 0];
        data.extend_from_slice(&(event.len() as u32).to_le_bytes());
        data.extend(event);
        data
    }

    /// account compression's change-log event, as `tree_history` decodes it.
    fn changelog_event(change: &ChangeLog) -> Vec<u8> {
        let mut bytes = vec![0u8, 0u8];
        bytes.extend_from_slice(change.tree.as_ref());
        bytes.extend_from_slice(&(change.path.len() as u32).to_le_bytes());
        for node in &change.path {
            bytes.extend_from_slice(&node.node);
            bytes.extend_from_slice(&node.index.to_le_bytes());
        }
        bytes.extend_from_slice(&change.seq.to_le_bytes());
        bytes.extend_from_slice(&change.index.to_le_bytes());
        bytes
    }

    fn b58(data: &[u8]) -> String {
        bs58::encode(data).into_string()
    }

    /// A transaction in which `caller` (Bubblegum itself at top level, or a program that
    /// calls it) runs a Bubblegum instruction with `data`: account compression then noop with
    /// `change`, and noop with `leaf` from Bubblegum. Keys: payer 0, tree 1, caller 2,
    /// Bubblegum 3, compression 4, noop 5.
    fn bubblegum_tx(slot: u64, caller: Pubkey, data: &[u8], change: &ChangeLog, leaf: Option<&LeafFields>) -> Value {
        let top_is_bubblegum = caller == BUBBLEGUM_ID;
        let base = if top_is_bubblegum { 1 } else { 2 };
        let mut inner = Vec::new();
        if !top_is_bubblegum {
            inner.push(json!({"programIdIndex": 3, "accounts": [1, 1, 1, 1, 0, 0], "data": b58(data), "stackHeight": base}));
        }
        inner.push(json!({"programIdIndex": 4, "accounts": [1], "data": b58(&[1]), "stackHeight": base + 1}));
        inner.push(json!({"programIdIndex": 5, "accounts": [], "data": b58(&changelog_event(change)), "stackHeight": base + 2}));
        if let Some(leaf) = leaf {
            inner.push(json!({"programIdIndex": 5, "accounts": [], "data": b58(&leaf_event(leaf)), "stackHeight": base + 1}));
        }
        let top_data = if top_is_bubblegum { b58(data) } else { b58(&[9]) };
        let keys: Vec<String> = [Pubkey::new_from_array([1; 32]), tree_key(), caller, BUBBLEGUM_ID, SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID].iter().map(|k| k.to_string()).collect();
        json!({
            "slot": slot,
            "meta": {"err": null, "loadedAddresses": {"writable": [], "readonly": []}, "innerInstructions": [{"index": 0, "instructions": inner}]},
            "transaction": {"message": {
                "accountKeys": keys,
                "instructions": [{"programIdIndex": 2, "accounts": [1, 1, 1, 1, 0, 0], "data": top_data}],
            }},
        })
    }

    fn leaf_of(nonce: u64, owner: Pubkey, creator: Pubkey) -> LeafFields {
        let metadata = metadata(creator);
        LeafFields {
            id: mpl_bubblegum::utils::get_asset_id(&tree_key(), nonce),
            owner,
            delegate: owner,
            nonce,
            data_hash: mpl_bubblegum::hash::hash_metadata(&metadata).unwrap(),
            creator_hash: mpl_bubblegum::hash::hash_creators(&metadata.creators),
        }
    }

    fn leaf_hash(leaf: &LeafFields) -> [u8; 32] {
        LeafSchema::V1 { id: leaf.id, owner: leaf.owner, delegate: leaf.delegate, nonce: leaf.nonce, data_hash: leaf.data_hash, creator_hash: leaf.creator_hash }.hash()
    }

    #[test]
    fn a_leaf_event_decodes_only_from_its_exact_encoding() {
        let leaf = leaf_of(3, Pubkey::new_unique(), Pubkey::new_unique());
        let data = leaf_event(&leaf);
        assert_eq!(decode_leaf_event(&data), Some(leaf));
        let mut trailing = data.clone();
        trailing.push(0);
        assert_eq!(decode_leaf_event(&trailing), None);
        let mut changelog_tag = data.clone();
        changelog_tag[0] = 0;
        assert_eq!(decode_leaf_event(&changelog_tag), None);
        assert_eq!(decode_leaf_event(&data[..10]), None);
    }

    #[test]
    fn bubblegum_instructions_are_read_with_their_own_change_and_leaf_event() {
        let mut history = TreeHistory::new(DEPTH);
        history.set_leaf(0, [0; 32]);
        let (owner, creator) = (Pubkey::new_unique(), Pubkey::new_unique());
        let leaf = leaf_of(0, owner, creator);
        let mut change = history.set_leaf(0, leaf_hash(&leaf));
        change.tree = tree_key();
        let mint = [MINT_V1.to_vec(), borsh::to_vec(&metadata(creator)).unwrap()].concat();
        // Minted by civnet's issue_device (Bubblegum below the top level) and at top level.
        for caller in [Pubkey::new_unique(), BUBBLEGUM_ID] {
            let ops = tree_ops(&bubblegum_tx(5, caller, &mint, &change, Some(&leaf)), &tree_key()).unwrap();
            assert_eq!(ops.len(), 1, "caller {caller}");
            assert_eq!((ops[0].kind, ops[0].change.as_ref(), ops[0].leaf), (OpKind::Mint, Some(&change), Some(leaf)));
            assert_eq!(ops[0].metadata.as_ref().unwrap().name, "acme 0badcafe");
        }
        // Another tree's instruction in the same transaction is not this tree's.
        assert!(tree_ops(&bubblegum_tx(5, BUBBLEGUM_ID, &mint, &change, Some(&leaf)), &Pubkey::new_unique()).unwrap().is_empty());
        // A failed transaction did nothing.
        let mut failed = bubblegum_tx(5, BUBBLEGUM_ID, &mint, &change, Some(&leaf));
        failed["meta"]["err"] = json!({"InstructionError": [0, "InvalidArgument"]});
        assert!(tree_ops(&failed, &tree_key()).unwrap().is_empty());
    }

    #[test]
    fn a_leaf_event_forged_through_noop_outside_bubblegum_is_ignored() {
        let mut history = TreeHistory::new(DEPTH);
        history.set_leaf(0, [0; 32]);
        let (owner, thief) = (Pubkey::new_unique(), Pubkey::new_unique());
        let leaf = leaf_of(0, owner, Pubkey::new_unique());
        let mut change = history.set_leaf(0, leaf_hash(&leaf));
        change.tree = tree_key();
        let mut tx = bubblegum_tx(5, BUBBLEGUM_ID, &TRANSFER, &change, Some(&leaf));
        let forged = b58(&leaf_event(&LeafFields { owner: thief, delegate: thief, ..leaf }));
        // Noop called at top level, and by account compression instead of Bubblegum.
        tx["transaction"]["message"]["instructions"].as_array_mut().unwrap().push(json!({"programIdIndex": 5, "accounts": [], "data": forged}));
        let inner = tx["meta"]["innerInstructions"][0]["instructions"].as_array_mut().unwrap();
        inner.insert(2, json!({"programIdIndex": 5, "accounts": [], "data": forged, "stackHeight": 3}));
        let ops = tree_ops(&tx, &tree_key()).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].leaf.unwrap().owner, owner, "the forged owner was not taken");
    }

    async fn store_with_tree() -> (tempfile::TempDir, Store, TreeRow) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("das.db").display())).await.unwrap();
        sqlx::query("INSERT INTO das_trees (tree, network, maker, tree_creator, max_depth, max_buffer_size, seq, changes, gap) VALUES ($1, 'N', 'M', 'C', $2, 8, 0, 0, 0)")
            .bind(tree_key().to_string())
            .bind(i64::from(DEPTH))
            .execute(&store.pool)
            .await
            .unwrap();
        let tree = trees(&store.pool).await.unwrap().pop().unwrap();
        (dir, store, tree)
    }

    /// The story of one tree: initialized, three mints, a plain Bubblegum transfer, a burn;
    /// each step indexed from its transactions, every proof equal to the reference tree's.
    #[tokio::test]
    async fn proofs_owners_and_burns_follow_the_trees_history() {
        let (_dir, store, tree) = store_with_tree().await;
        let mut reference = TreeHistory::new(DEPTH);
        let mut init = reference.set_leaf(0, [0; 32]);
        init.tree = tree_key();
        init.seq = 0;
        let creator = Pubkey::new_unique();
        let owners: Vec<Pubkey> = (0..3).map(|_| Pubkey::new_unique()).collect();
        let init_keys: Vec<String> = [Pubkey::new_unique(), tree_key(), SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID, BUBBLEGUM_ID].iter().map(|k| k.to_string()).collect();
        let mut txs = vec![json!({"slot": 1, "meta": {"err": null, "loadedAddresses": {"writable": [], "readonly": []}, "innerInstructions": [{"index": 0, "instructions": [
            {"programIdIndex": 2, "accounts": [1], "data": b58(&[1]), "stackHeight": 2},
            {"programIdIndex": 3, "accounts": [], "data": b58(&changelog_event(&init)), "stackHeight": 3},
        ]}]}, "transaction": {"message": {"accountKeys": init_keys,
            "instructions": [{"programIdIndex": 4, "accounts": [1], "data": b58(&[165, 83, 136, 142, 89, 202, 47, 220])}]}}})];
        // The change as account compression logs it (its seq before the reference's count
        // of the init change).
        fn reference_with_seq(reference: &mut TreeHistory, index: u32, hash: [u8; 32]) -> civnet_client::tree_history::ChangeLog {
            let mut change = reference.set_leaf(index, hash);
            change.tree = tree_key();
            change.seq -= 1;
            change
        }
        for (nonce, owner) in owners.iter().enumerate() {
            let leaf = leaf_of(nonce as u64, *owner, creator);
            let change = reference_with_seq(&mut reference, nonce as u32, leaf_hash(&leaf));
            txs.push(bubblegum_tx(2 + nonce as u64, Pubkey::new_unique(), &[MINT_V1.to_vec(), borsh::to_vec(&metadata(creator)).unwrap()].concat(), &change, Some(&leaf)));
        }
        let stats = apply(&store, &tree, &tree_key(), &txs, ("s1", 4)).await.unwrap();
        assert_eq!((stats.changes, stats.assets_minted), (4, 3));
        let mut conn = store.pool.acquire().await.unwrap();
        let check = |proof: &Proof, reference: &TreeHistory, index: u32| {
            assert_eq!(proof.root, reference.root());
            assert_eq!(proof.proof, reference.proof(index));
            assert_eq!(proof.leaf, reference.leaf(index));
            assert_eq!(proof.node_index, (1 << DEPTH) + u64::from(index));
        };
        let id1 = leaf_of(1, owners[1], creator).id.to_string();
        let proof = asset_proof(&mut conn, &id1).await.unwrap().unwrap();
        check(&proof, &reference, 1);
        assert_eq!(proof.seq, 3);
        let asset1 = asset(&mut conn, &id1).await.unwrap().unwrap();
        assert_eq!((asset1.owner.as_str(), asset1.creators.clone()), (owners[1].to_string().as_str(), vec![(creator.to_string(), 100, true)]));

        // A plain Bubblegum transfer of asset 1 (its owner signing, no civnet involved), then
        // a burn of asset 2.
        let buyer = Pubkey::new_unique();
        let moved = LeafFields { owner: buyer, delegate: buyer, ..leaf_of(1, owners[1], creator) };
        let transfer = reference_with_seq(&mut reference, 1, leaf_hash(&moved));
        let burn = reference_with_seq(&mut reference, 2, [0; 32]);
        let later = vec![bubblegum_tx(10, BUBBLEGUM_ID, &TRANSFER, &transfer, Some(&moved)), bubblegum_tx(11, BUBBLEGUM_ID, &BURN, &burn, None)];
        drop(conn);
        apply(&store, &tree, &tree_key(), &later, ("s2", 11)).await.unwrap();
        // Replaying the same chunk changes nothing.
        let again = apply(&store, &tree, &tree_key(), &later, ("s2", 11)).await.unwrap();
        assert_eq!(again.changes, 0);
        let mut conn = store.pool.acquire().await.unwrap();
        let asset1 = asset(&mut conn, &id1).await.unwrap().unwrap();
        assert_eq!((asset1.owner, asset1.delegate, asset1.seq), (buyer.to_string(), buyer.to_string(), 4));
        let proof = asset_proof(&mut conn, &id1).await.unwrap().unwrap();
        check(&proof, &reference, 1);
        let id0 = leaf_of(0, owners[0], creator).id.to_string();
        check(&asset_proof(&mut conn, &id0).await.unwrap().unwrap(), &reference, 0);
        let id2 = leaf_of(2, owners[2], creator).id.to_string();
        assert_eq!(asset(&mut conn, &id2).await.unwrap().unwrap().state, "burnt");
        assert_eq!(asset_proof(&mut conn, &id2).await.unwrap(), Err(ProofRefusal::NotInTree("burnt".into())));
        assert_eq!(asset_proof(&mut conn, &Pubkey::new_unique().to_string()).await.unwrap(), Err(ProofRefusal::UnknownAsset));

        // A change read past a missing one: the tree's proofs are refused from then on.
        let skipped = reference_with_seq(&mut reference, 3, [5; 32]);
        let _ = skipped;
        let after_gap = reference_with_seq(&mut reference, 4, [6; 32]);
        drop(conn);
        apply(&store, &tree, &tree_key(), &[bubblegum_tx(12, BUBBLEGUM_ID, &BURN, &after_gap, None)], ("s3", 12)).await.unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        assert_eq!(asset_proof(&mut conn, &id0).await.unwrap(), Err(ProofRefusal::IncompleteHistory { seq: 7 }));
    }

    /// A tree account's change-log buffer (header, sequence number, active index, buffer
    /// size, entries of root + path + index), with `roots[i]` the root written at sequence
    /// number `first_seq + i`.
    fn tree_account(depth: u32, buffer: u32, first_seq: u64, roots: &[[u8; 32]]) -> Vec<u8> {
        let entry = 32 + 32 * depth as usize + 8;
        let mut data = vec![0u8; check_slice(depth, buffer)];
        let seq = first_seq + roots.len() as u64 - 1;
        let active = (roots.len() as u64 - 1) % u64::from(buffer);
        data[TREE_SEQ_OFFSET..TREE_SEQ_OFFSET + 8].copy_from_slice(&seq.to_le_bytes());
        data[TREE_SEQ_OFFSET + 8..TREE_SEQ_OFFSET + 16].copy_from_slice(&active.to_le_bytes());
        for (i, root) in roots.iter().enumerate() {
            let slot = i % buffer as usize;
            let offset = TREE_SEQ_OFFSET + 24 + slot * entry;
            data[offset..offset + 32].copy_from_slice(root);
        }
        data
    }

    #[test]
    fn a_proof_is_checked_against_the_chains_buffer_and_a_stale_one_says_so() {
        let roots: Vec<[u8; 32]> = (0..20u8).map(|i| [i; 32]).collect();
        let account = tree_account(DEPTH, 8, 0, &roots);
        let proof = |seq: u64, root: [u8; 32]| Proof { tree: "T".into(), root, leaf: [0; 32], proof: vec![], node_index: 32, leaf_index: 0, max_depth: DEPTH, max_buffer_size: 8, seq };
        assert_eq!(check_against_chain(&proof(19, [19; 32]), &account), Ok(()));
        assert_eq!(check_against_chain(&proof(12, [12; 32]), &account), Ok(()), "seven behind: still in an 8-entry buffer");
        let stale = check_against_chain(&proof(11, [11; 32]), &account).unwrap_err();
        assert!(stale.starts_with("stale proof: the index has tree T at sequence number 11, the chain at 19"), "{stale}");
        let wrong = check_against_chain(&proof(15, [99; 32]), &account).unwrap_err();
        assert!(wrong.contains("the chain's root of tree T at sequence number 15 is"), "{wrong}");
        let ahead = check_against_chain(&proof(25, [1; 32]), &account).unwrap_err();
        assert!(ahead.contains("behind the index's 25"), "{ahead}");
        assert!(check_against_chain(&proof(19, [19; 32]), &account[..40]).unwrap_err().contains("not a merkle tree account"));
    }
}
