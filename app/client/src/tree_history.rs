//! A Bubblegum tree (an SPL account-compression concurrent merkle tree) rebuilt from its
//! on-chain history, so a wallet can prove any leaf without a DAS indexer.
//!
//! The tree account only keeps the last `max_buffer_size` changes and the rightmost path, not
//! the leaves. But every change makes account compression CPI the SPL noop program with a
//! borsh [`AccountCompressionEvent::ChangeLog`] whose path holds the new value of every node
//! from the changed leaf up to the root. A node's current value is therefore the one written
//! by the change of highest `seq` whose path went through it, and a node no change ever
//! touched is still the empty-subtree hash of its level.
//!
//! Event layout (spl-account-compression 0.2.0, `src/events/mod.rs`,
//! `src/events/changelog_event.rs`, `src/state/path_node.rs`), borsh:
//!
//! ```text
//! enum AccountCompressionEvent { ChangeLog(ChangeLogEvent) = 0, ApplicationData(..) = 1 }
//! enum ChangeLogEvent { V1(ChangeLogEventV1) = 0 }
//! struct ChangeLogEventV1 { id: Pubkey, path: Vec<PathNode>, seq: u64, index: u32 }
//! struct PathNode { node: [u8; 32], index: u32 }
//! ```
//!
//! `path` has `max_depth + 1` entries, leaf first: entry `lvl` is at heap index
//! `(1 << (max_depth - lvl)) + (leaf_index >> lvl)` (root = 1, children of `n` are `2n` and
//! `2n + 1`) and the last entry is the new root at index 1.
//!
//! [`AccountCompressionEvent::ChangeLog`]: https://docs.rs/spl-account-compression/0.2.0
use anchor_lang::prelude::Pubkey;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

use crate::programs::{SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID};
use crate::rpc::{Rpc, RpcError};

/// The deepest tree account compression supports (`max_depth` 30); keeps heap indices in u32.
pub const MAX_DEPTH: u32 = 30;

/// One node of a change's path: its new value and its heap index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathNode {
    pub node: [u8; 32],
    pub index: u32,
}

/// A decoded `ChangeLogEventV1`: `tree` is the merkle tree account (`id` on chain), `index`
/// the changed leaf, `seq` the tree's sequence number after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeLog {
    pub tree: Pubkey,
    pub path: Vec<PathNode>,
    pub seq: u64,
    pub index: u32,
}

/// Decodes one noop instruction's data; None when it is not a ChangeLog V1 event.
///
/// Hand-rolled borsh (u8 enum tags, u32 little-endian vector length, little-endian ints)
/// rather than the spl-account-compression crate, which pins anchor-lang 0.28. Like borsh's
/// `try_from_slice`, trailing bytes make the data invalid.
pub fn decode_changelog(data: &[u8]) -> Option<ChangeLog> {
    let mut reader = Reader(data);
    // AccountCompressionEvent::ChangeLog, ChangeLogEvent::V1; ApplicationData (1) is Bubblegum's.
    if reader.u8()? != 0 || reader.u8()? != 0 {
        return None;
    }
    let tree = Pubkey::new_from_array(reader.array()?);
    let len = reader.u32()? as usize;
    // Each PathNode is 36 bytes: refuse a length the data cannot hold before allocating.
    if len > reader.0.len() / 36 {
        return None;
    }
    let mut path = Vec::with_capacity(len);
    for _ in 0..len {
        path.push(PathNode { node: reader.array()?, index: reader.u32()? });
    }
    let seq = reader.u64()?;
    let index = reader.u32()?;
    reader.0.is_empty().then_some(ChangeLog { tree, path, seq, index })
}

/// A borsh cursor over instruction data.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }
}

/// keccak256(left || right): how account compression (and spl-merkle-tree-reference) hashes
/// two children into their parent.
fn hash_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    solana_keccak_hasher::hashv(&[left, right]).to_bytes()
}

/// A concurrent merkle tree as of the changes applied so far.
#[derive(Debug, Clone)]
pub struct TreeHistory {
    depth: u32,
    /// Heap index -> (seq of the change that last wrote it, value).
    nodes: HashMap<u32, (u64, [u8; 32])>,
    /// `empty[level]`: the root of an all-empty subtree of height `level` (empty leaf = 0).
    empty: Vec<[u8; 32]>,
    /// The highest seq applied.
    seq: u64,
    /// Distinct seqs applied, to tell whether history has gaps.
    seqs: HashSet<u64>,
    /// Changes applied (duplicates included).
    events: usize,
}

impl TreeHistory {
    /// An empty tree of `depth` (the tree's `max_depth`): every node the empty-subtree hash.
    ///
    /// Panics when `depth` exceeds [`MAX_DEPTH`].
    pub fn new(depth: u32) -> Self {
        assert!(depth <= MAX_DEPTH, "account compression trees are at most {MAX_DEPTH} deep, not {depth}");
        let mut empty = vec![[0u8; 32]];
        for level in 0..depth as usize {
            empty.push(hash_pair(&empty[level], &empty[level]));
        }
        Self { depth, nodes: HashMap::new(), empty, seq: 0, seqs: HashSet::new(), events: 0 }
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Applies one change (order independent: a node keeps the value of the highest seq).
    ///
    /// A change whose path does not fit this depth (`depth + 1` nodes, indices in the tree)
    /// comes from another tree shape and is ignored rather than corrupting the nodes.
    pub fn apply(&mut self, change: &ChangeLog) {
        let end = 2u64 << self.depth;
        let fits = change.path.len() == self.depth as usize + 1
            && change.path.iter().all(|n| n.index != 0 && u64::from(n.index) < end);
        if !fits {
            return;
        }
        for PathNode { node, index } in &change.path {
            let slot = self.nodes.entry(*index).or_insert((change.seq, *node));
            if change.seq > slot.0 {
                *slot = (change.seq, *node);
            }
        }
        self.seq = self.seq.max(change.seq);
        self.seqs.insert(change.seq);
        self.events += 1;
    }

    /// The value at heap index `index`, of tree level `level` (0 = leaves).
    fn node(&self, index: u32, level: u32) -> [u8; 32] {
        self.nodes.get(&index).map_or(self.empty[level as usize], |&(_, node)| node)
    }

    /// The current root (compare it with the tree account's to know the history is whole).
    /// Writes `leaf` at `index` the way account compression does (the path from the leaf to
    /// the root recomputed, as the next `seq`) and returns that change: an off-chain mirror
    /// updated in O(depth) per leaf, for whoever appends or burns leaves itself.
    pub fn set_leaf(&mut self, index: u32, leaf: [u8; 32]) -> ChangeLog {
        assert!(u64::from(index) < 1u64 << self.depth, "leaf {index} is outside a depth-{} tree", self.depth);
        let mut heap = (1u32 << self.depth) + index;
        let mut node = leaf;
        let mut path = Vec::with_capacity(self.depth as usize + 1);
        for level in 0..self.depth {
            path.push(PathNode { node, index: heap });
            let sibling = self.node(heap ^ 1, level);
            node = if heap & 1 == 0 { hash_pair(&node, &sibling) } else { hash_pair(&sibling, &node) };
            heap >>= 1;
        }
        path.push(PathNode { node, index: 1 });
        let change = ChangeLog { tree: Pubkey::default(), path, seq: self.seq + 1, index };
        self.apply(&change);
        change
    }

    pub fn root(&self) -> [u8; 32] {
        self.node(1, self.depth)
    }

    /// The highest sequence number applied: the tree's `sequence_number` once up to date.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// How many changes were applied.
    pub fn events(&self) -> usize {
        self.events
    }

    /// Whether every seq from 0 (the tree's initialization) to [`Self::seq`] was applied: a
    /// node an unseen change wrote could otherwise be stale (RPC nodes without full history).
    pub fn is_complete(&self) -> bool {
        self.seqs.len() as u64 == self.seq + 1
    }

    /// The leaf at `index` (zero when never written or burnt). Panics past `2^depth`.
    pub fn leaf(&self, index: u32) -> [u8; 32] {
        self.node(self.leaf_heap_index(index), 0)
    }

    /// Proof nodes (siblings) from the leaf level up, `depth` of them; callers truncate to depth - canopy.
    ///
    /// Panics when `index` is not below `2^depth`.
    pub fn proof(&self, index: u32) -> Vec<[u8; 32]> {
        let leaf = self.leaf_heap_index(index);
        (0..self.depth).map(|level| self.node((leaf >> level) ^ 1, level)).collect()
    }

    fn leaf_heap_index(&self, index: u32) -> u32 {
        assert!(u64::from(index) < 1u64 << self.depth, "leaf {index} of a depth-{} tree", self.depth);
        (1u32 << self.depth) + index
    }

    /// Reads the tree's whole history over RPC: `getSignaturesForAddress` of the tree account (paginated with `before`, limit 1000, commitment confirmed), `getTransaction` of each successful one (encoding "json", maxSupportedTransactionVersion 0, commitment confirmed), every noop instruction decoded with [`decode_changelog`] and applied if its `tree` == `merkle_tree`.
    ///
    /// Only noop calls made by the account compression program count (see
    /// [`changes_in_transaction`]): anyone can call noop with a forged event naming this
    /// tree and a huge `seq`, which would otherwise pin wrong nodes forever. Check
    /// [`Self::is_complete`] and [`Self::root`] against the account afterwards: an RPC node
    /// that pruned old transactions yields a partial history.
    pub fn fetch(rpc: &Rpc, merkle_tree: &Pubkey, depth: u32) -> Result<Self, RpcError> {
        let mut history = Self::new(depth);
        for entry in rpc.signatures_for_address(merkle_tree, None)?.iter().filter(|e| !e.failed) {
            let tx = rpc.transaction(&entry.signature)?;
            for change in changes_in_transaction(&tx, merkle_tree)? {
                history.apply(&change);
            }
        }
        Ok(history)
    }
}

fn decode_error(message: impl Into<String>) -> RpcError {
    RpcError { code: -1, message: message.into(), data: Value::Null }
}

/// The changes of `merkle_tree` in one `getTransaction` result (json encoding); none when
/// the transaction failed.
///
/// Program ids resolve `programIdIndex` against `message.accountKeys` then
/// `meta.loadedAddresses.writable` then `.readonly` (v0 lookup tables). A noop instruction
/// counts only when account compression invoked it: its caller is the instruction of
/// `stackHeight - 1` before it in the same inner-instruction group (the top-level
/// instruction for height 2). Top-level noop calls are never account compression's. Old
/// transactions without `stackHeight` fall back to "account compression ran earlier in the
/// same top-level instruction".
pub fn changes_in_transaction(tx: &Value, merkle_tree: &Pubkey) -> Result<Vec<ChangeLog>, RpcError> {
    let meta = &tx["meta"];
    if !meta["err"].is_null() {
        return Ok(Vec::new());
    }
    let message = &tx["transaction"]["message"];
    let keys: Vec<Pubkey> = [&message["accountKeys"], &meta["loadedAddresses"]["writable"], &meta["loadedAddresses"]["readonly"]]
        .into_iter()
        .flat_map(|list| list.as_array().into_iter().flatten())
        .map(|key| key.as_str().and_then(|k| k.parse().ok()).ok_or_else(|| decode_error(format!("bad account key {key}"))))
        .collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err(decode_error(format!("transaction without account keys: {tx}")));
    }
    let program_of = |ix: &Value| -> Result<Pubkey, RpcError> {
        ix["programIdIndex"].as_u64().and_then(|i| keys.get(i as usize)).copied().ok_or_else(|| decode_error(format!("bad programIdIndex in {ix}")))
    };
    let top_level = message["instructions"].as_array().ok_or_else(|| decode_error("transaction without instructions"))?;

    let mut changes = Vec::new();
    for group in meta["innerInstructions"].as_array().into_iter().flatten() {
        let parent = group["index"].as_u64().and_then(|i| top_level.get(i as usize)).ok_or_else(|| decode_error(format!("bad inner instruction index in {group}")))?;
        // stack[h - 1]: the program running at stack height h (1 = the top-level one).
        let mut stack = vec![program_of(parent)?];
        let mut compression_ran = stack[0] == SPL_ACCOUNT_COMPRESSION_ID;
        for ix in group["instructions"].as_array().into_iter().flatten() {
            let program = program_of(ix)?;
            let by_compression = match ix["stackHeight"].as_u64() {
                Some(height) if height >= 2 => {
                    stack.truncate(height as usize - 1);
                    let caller = stack.last().copied();
                    stack.push(program);
                    caller == Some(SPL_ACCOUNT_COMPRESSION_ID) && stack.len() == height as usize
                }
                _ => compression_ran,
            };
            compression_ran |= program == SPL_ACCOUNT_COMPRESSION_ID;
            if program != SPL_NOOP_ID || !by_compression {
                continue;
            }
            let data = ix["data"].as_str().ok_or_else(|| decode_error(format!("instruction without data: {ix}")))?;
            let data = bs58::decode(data).into_vec().map_err(|e| decode_error(format!("instruction data is not base58: {e}")))?;
            if let Some(change) = decode_changelog(&data).filter(|c| c.tree == *merkle_tree) {
                changes.push(change);
            }
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use spl_merkle_tree_reference::{recompute, MerkleTree};

    const DEPTH: u32 = 5;

    fn tree_key() -> Pubkey {
        Pubkey::new_from_array([7; 32])
    }

    /// AccountCompressionEvent::ChangeLog(ChangeLogEvent::V1(..)) as borsh writes it, field by
    /// field in declaration order: written here independently of `decode_changelog`.
    fn encode_changelog_event(change: &ChangeLog) -> Vec<u8> {
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

    /// The change account compression emits after leaf `index` of `reference` became what it
    /// is now (ChangeLogEvent::from in changelog_event.rs): node `lvl` of the path recomputed
    /// from the reference tree's proof, heap index `(1 << (depth - lvl)) + (index >> lvl)`,
    /// then the root at index 1.
    fn emitted_change(reference: &MerkleTree, index: u32, seq: u64) -> ChangeLog {
        let leaf = reference.get_leaf(index as usize);
        let proof = reference.get_proof_of_leaf(index as usize);
        assert_eq!(proof.len(), DEPTH as usize);
        assert_eq!(recompute(leaf, &proof, index), reference.get_root());
        let mut path: Vec<PathNode> = (0..DEPTH)
            .map(|lvl| PathNode { node: recompute(leaf, &proof[..lvl as usize], index), index: (1 << (DEPTH - lvl)) + (index >> lvl) })
            .collect();
        path.push(PathNode { node: reference.get_root(), index: 1 });
        ChangeLog { tree: tree_key(), path, seq, index }
    }

    fn leaf_value(n: u8) -> [u8; 32] {
        let mut leaf = [n; 32];
        leaf[0] = 0xc0;
        leaf
    }

    /// `init_empty_merkle_tree` (seq 0), appends, overwrites, burns (zeroed leaves), with the
    /// reference tree after all of them.
    fn history() -> (Vec<ChangeLog>, MerkleTree) {
        let mut reference = MerkleTree::new(&vec![[0u8; 32]; 1 << DEPTH]);
        let mut changes = vec![emitted_change(&reference, 0, 0)];
        let mut updates: Vec<(u32, [u8; 32])> = (0..12).map(|i| (i, leaf_value(i as u8 + 1))).collect();
        updates.extend([(3, leaf_value(40)), (5, [0; 32]), (0, leaf_value(41)), (12, leaf_value(42)), (3, [0; 32]), (31, leaf_value(43)), (11, leaf_value(44))]);
        for (seq, (index, leaf)) in updates.into_iter().enumerate() {
            reference.add_leaf(leaf, index as usize);
            changes.push(emitted_change(&reference, index, seq as u64 + 1));
        }
        (changes, reference)
    }

    fn assert_matches(history: &TreeHistory, reference: &MerkleTree) {
        assert_eq!(history.root(), reference.get_root());
        for index in 0..1u32 << DEPTH {
            assert_eq!(history.leaf(index), reference.get_leaf(index as usize), "leaf {index}");
            assert_eq!(history.proof(index), reference.get_proof_of_leaf(index as usize), "proof of {index}");
        }
    }

    #[test]
    fn an_empty_history_is_the_empty_tree() {
        let history = TreeHistory::new(DEPTH);
        assert_matches(&history, &MerkleTree::new(&vec![[0u8; 32]; 1 << DEPTH]));
        assert_eq!(history.root(), spl_merkle_tree_reference::empty_node(DEPTH));
        assert!(!history.is_complete());
    }

    #[test]
    fn replaying_the_changelogs_rebuilds_the_tree_after_every_change() {
        let mut reference = MerkleTree::new(&vec![[0u8; 32]; 1 << DEPTH]);
        let mut history = TreeHistory::new(DEPTH);
        let (changes, _) = self::history();
        for change in &changes {
            // Replay the reference tree alongside: the change's leaf is its path's first node.
            reference.add_leaf(change.path[0].node, change.index as usize);
            history.apply(&decode_changelog(&encode_changelog_event(change)).expect("a changelog event"));
            assert_matches(&history, &reference);
            assert_eq!(history.seq(), change.seq);
        }
        assert!(history.is_complete());
        assert_eq!(history.events(), changes.len());
        assert_eq!(history.leaf(5), [0; 32], "burnt");
    }

    #[test]
    fn set_leaf_emits_the_change_account_compression_would() {
        let mut reference = MerkleTree::new(&vec![[0u8; 32]; 1 << DEPTH]);
        let mut mirror = TreeHistory::new(DEPTH);
        let (changes, _) = self::history();
        for (seq, change) in changes.iter().enumerate().skip(1) {
            reference.add_leaf(change.path[0].node, change.index as usize);
            let written = mirror.set_leaf(change.index, change.path[0].node);
            let expected = emitted_change(&reference, change.index, seq as u64);
            assert_eq!(written.path, expected.path, "change {seq}");
            assert_matches(&mirror, &reference);
        }
    }

    #[test]
    fn the_order_of_the_changelogs_does_not_matter() {
        let (changes, reference) = history();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20 {
            let mut shuffled = changes.clone();
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            // Duplicates (the same transaction seen twice) are harmless too.
            shuffled.push(shuffled[0].clone());
            let mut history = TreeHistory::new(DEPTH);
            for change in &shuffled {
                history.apply(change);
            }
            assert_matches(&history, &reference);
            assert_eq!(history.seq(), changes.last().unwrap().seq);
            assert!(history.is_complete());
        }
    }

    #[test]
    fn a_gap_in_history_is_reported() {
        let (mut changes, _) = history();
        changes.remove(4);
        let mut history = TreeHistory::new(DEPTH);
        changes.iter().for_each(|c| history.apply(c));
        assert!(!history.is_complete());
    }

    #[test]
    fn a_change_of_another_depth_is_ignored() {
        let (changes, reference) = history();
        let mut history = TreeHistory::new(DEPTH);
        changes.iter().for_each(|c| history.apply(c));
        let mut foreign = changes[3].clone();
        foreign.seq = 1000;
        foreign.path.remove(0);
        history.apply(&foreign);
        let mut out_of_range = changes[3].clone();
        out_of_range.seq = 1000;
        out_of_range.path[0].index = 2 << DEPTH;
        history.apply(&out_of_range);
        assert_matches(&history, &reference);
        assert_eq!(history.events(), changes.len());
    }

    #[test]
    fn borsh_layout_of_the_events() {
        let change = ChangeLog {
            tree: tree_key(),
            path: vec![PathNode { node: [1; 32], index: 0x0102_0304 }, PathNode { node: [2; 32], index: 1 }],
            seq: 0x0a0b_0c0d_0e0f_1011,
            index: 0x0506_0708,
        };
        // tag ChangeLog, tag V1, id, vec len, (node, index) x2, seq, index; little endian.
        let mut bytes = vec![0, 0];
        bytes.extend([7; 32]);
        bytes.extend([2, 0, 0, 0]);
        bytes.extend([1; 32]);
        bytes.extend([4, 3, 2, 1]);
        bytes.extend([2; 32]);
        bytes.extend([1, 0, 0, 0]);
        bytes.extend([0x11, 0x10, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a]);
        bytes.extend([8, 7, 6, 5]);
        assert_eq!(bytes.len(), 2 + 32 + 4 + 2 * 36 + 8 + 4);
        assert_eq!(encode_changelog_event(&change), bytes);
        assert_eq!(decode_changelog(&bytes), Some(change));

        // Truncated or with trailing bytes: not borsh of the event.
        assert_eq!(decode_changelog(&bytes[..bytes.len() - 1]), None);
        assert_eq!(decode_changelog(&[&bytes[..], &[0]].concat()), None);
        // A path length the data cannot hold.
        let mut huge = bytes.clone();
        huge[34..38].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode_changelog(&huge), None);
        // An unknown ChangeLogEvent version.
        let mut v2 = bytes.clone();
        v2[1] = 1;
        assert_eq!(decode_changelog(&v2), None);
        // ApplicationData(V1 { application_data: vec![9, 9, 9] }), as Bubblegum emits.
        assert_eq!(decode_changelog(&[1, 0, 3, 0, 0, 0, 9, 9, 9]), None);
        assert_eq!(decode_changelog(&[]), None);
    }

    /// The same types as spl-account-compression 0.2.0 declares them, serialized by the same
    /// derive (AnchorSerialize = borsh), so the hand-built bytes above are checked against it.
    mod mirror {
        use anchor_lang::prelude::*;

        #[derive(AnchorSerialize)]
        pub enum AccountCompressionEvent {
            ChangeLog(ChangeLogEvent),
            #[allow(dead_code)]
            ApplicationData(ApplicationDataEvent),
        }
        #[derive(AnchorSerialize)]
        pub enum ChangeLogEvent {
            V1(ChangeLogEventV1),
        }
        #[derive(AnchorSerialize)]
        pub struct ChangeLogEventV1 {
            pub id: Pubkey,
            pub path: Vec<PathNode>,
            pub seq: u64,
            pub index: u32,
        }
        #[derive(AnchorSerialize)]
        pub struct PathNode {
            pub node: [u8; 32],
            pub index: u32,
        }
        #[derive(AnchorSerialize)]
        pub enum ApplicationDataEvent {
            V1(ApplicationDataEventV1),
        }
        #[derive(AnchorSerialize)]
        pub struct ApplicationDataEventV1 {
            pub application_data: Vec<u8>,
        }
    }

    #[test]
    fn decodes_what_the_borsh_derive_writes() {
        use anchor_lang::prelude::borsh::to_vec;
        let (changes, _) = history();
        for change in &changes {
            let event = mirror::AccountCompressionEvent::ChangeLog(mirror::ChangeLogEvent::V1(mirror::ChangeLogEventV1 {
                id: change.tree,
                path: change.path.iter().map(|n| mirror::PathNode { node: n.node, index: n.index }).collect(),
                seq: change.seq,
                index: change.index,
            }));
            let bytes = to_vec(&event).unwrap();
            assert_eq!(bytes, encode_changelog_event(change));
            assert_eq!(decode_changelog(&bytes).as_ref(), Some(change));
        }
        let app = mirror::AccountCompressionEvent::ApplicationData(mirror::ApplicationDataEvent::V1(mirror::ApplicationDataEventV1 { application_data: vec![0; 80] }));
        assert_eq!(decode_changelog(&to_vec(&app).unwrap()), None);
    }

    fn b58(data: &[u8]) -> String {
        bs58::encode(data).into_string()
    }

    /// A getTransaction (json, v0) result: Bubblegum (top level) -> account compression ->
    /// noop with the changelog, and Bubblegum -> noop with application data; the compression
    /// and noop programs come from a lookup table.
    fn bubblegum_transaction(change: &ChangeLog, with_stack_heights: bool) -> Value {
        let payer = Pubkey::new_from_array([1; 32]).to_string();
        let bubblegum = Pubkey::new_from_array([2; 32]).to_string();
        let height = |h: u64| if with_stack_heights { json!(h) } else { Value::Null };
        json!({
            "meta": {
                "err": null,
                "loadedAddresses": {"writable": [], "readonly": [SPL_ACCOUNT_COMPRESSION_ID.to_string(), SPL_NOOP_ID.to_string()]},
                "innerInstructions": [{
                    "index": 0,
                    "instructions": [
                        {"programIdIndex": 3, "accounts": [1], "data": b58(&[9, 9]), "stackHeight": height(2)},
                        {"programIdIndex": 4, "accounts": [], "data": b58(&encode_changelog_event(change)), "stackHeight": height(3)},
                        {"programIdIndex": 4, "accounts": [], "data": b58(&[1, 0, 1, 0, 0, 0, 5]), "stackHeight": height(2)},
                    ],
                }],
            },
            "transaction": {
                "message": {
                    "accountKeys": [payer, change.tree.to_string(), bubblegum],
                    "instructions": [{"programIdIndex": 2, "accounts": [0, 1], "data": b58(&[1]), "stackHeight": null}],
                },
            },
        })
    }

    #[test]
    fn finds_the_changes_account_compression_logged() {
        let (changes, _) = history();
        for with_stack_heights in [true, false] {
            let tx = bubblegum_transaction(&changes[3], with_stack_heights);
            assert_eq!(changes_in_transaction(&tx, &tree_key()).unwrap(), vec![changes[3].clone()]);
            assert_eq!(changes_in_transaction(&tx, &Pubkey::new_from_array([8; 32])).unwrap(), vec![]);
            let mut failed = tx.clone();
            failed["meta"]["err"] = json!({"InstructionError": [0, "InvalidArgument"]});
            assert_eq!(changes_in_transaction(&failed, &tree_key()).unwrap(), vec![]);
        }
    }

    #[test]
    fn ignores_changelogs_forged_through_noop() {
        let (changes, _) = history();
        let mut forged = changes[3].clone();
        forged.seq = u64::MAX;
        forged.path.iter_mut().for_each(|n| n.node = [0xee; 32]);
        let data = b58(&encode_changelog_event(&forged));
        let mut tx = bubblegum_transaction(&changes[3], true);
        // Noop called at top level, and by another program (Bubblegum) right after
        // account compression ran.
        tx["transaction"]["message"]["instructions"].as_array_mut().unwrap().push(json!({"programIdIndex": 4, "accounts": [], "data": data, "stackHeight": null}));
        let inner = tx["meta"]["innerInstructions"][0]["instructions"].as_array_mut().unwrap();
        inner.push(json!({"programIdIndex": 4, "accounts": [], "data": data, "stackHeight": 2}));
        inner.push(json!({"programIdIndex": 3, "accounts": [1], "data": b58(&[9]), "stackHeight": 2}));
        inner.push(json!({"programIdIndex": 2, "accounts": [], "data": b58(&[9]), "stackHeight": 3}));
        inner.push(json!({"programIdIndex": 4, "accounts": [], "data": data, "stackHeight": 4}));
        assert_eq!(changes_in_transaction(&tx, &tree_key()).unwrap(), vec![changes[3].clone()]);
    }
}
