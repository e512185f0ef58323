//! Reading an SPL account-compression concurrent merkle tree (the trees Bubblegum keeps its
//! cNFTs in) and proving a leaf against it, in the calling program.
//!
//! Why not CPI into account compression's `verify_leaf`: that costs ~31k CU, most of it
//! recomputing empty-node hashes recursively for every empty canopy slot (its cache is never
//! written), which is the common case in a young tree. Reading the tree directly costs one
//! keccak per level plus a walk over the change-log buffer, with the same semantics as
//! `ConcurrentMerkleTree::prove_leaf` (spl-concurrent-merkle-tree): missing proof nodes come
//! from the canopy (or are empty), the proof is fast-forwarded through every change-log entry
//! after the root it was taken against (or through the whole buffer when that root has been
//! rotated out), a leaf changed since then is refused, and the result must equal the current
//! root.
//!
//! Account layout (account compression 0.2, header v1, all little-endian):
//! `[0]` account type (1 = concurrent merkle tree), `[1]` header version (0 = v1),
//! `[2..6]` max_buffer_size u32, `[6..10]` max_depth u32, authority, creation slot, padding
//! (56 bytes in all); then sequence number u64, active index u64, buffer size u64; then
//! `max_buffer_size` change-log entries (root, `max_depth` path nodes from the leaf up,
//! leaf index u32, padding u32); then the rightmost path (`max_depth` nodes, leaf, index u32,
//! padding u32); then the canopy (`2^(c+1) - 2` nodes for a canopy of depth c).
use solana_keccak_hasher::hashv;

pub type Node = [u8; 32];

/// Bytes before the tree body: account type, header version and the v1 header.
pub const TREE_HEADER_BYTES: usize = 56;
/// Account type byte of an initialized concurrent merkle tree.
const ACCOUNT_TYPE_TREE: u8 = 1;
/// Header version byte of a v1 header.
const HEADER_V1: u8 = 0;
/// Account compression supports depths up to 30.
pub const MAX_SUPPORTED_DEPTH: u32 = 30;

/// Why a leaf could not be proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The account is not an initialized v1 concurrent merkle tree of a supported shape.
    NotATree,
    /// The leaf index lies outside the tree or beyond its last appended leaf.
    LeafIndexOutOfBounds,
    /// More proof nodes than the tree is deep.
    ProofTooLong,
    /// The leaf was replaced after the root the proof was taken against.
    LeafContentsModified,
    /// The leaf and proof do not hash to the tree's current root.
    InvalidProof,
}

/// Hash of an empty subtree of height `level` (level 0 = an empty leaf, all zeroes):
/// `EMPTY_NODES[l + 1] = keccak256(EMPTY_NODES[l] || EMPTY_NODES[l])`. Precomputed so a proof
/// costs no hashing for empty siblings; `empty_nodes_match_their_definition` recomputes them.
pub const EMPTY_NODES: [Node; 31] = include!("cmt_empty_nodes.in");

/// A borrowed view of a tree account's data with its shape checked.
pub struct TreeView<'a> {
    data: &'a [u8],
    pub max_depth: u32,
    pub max_buffer_size: u32,
}

impl<'a> TreeView<'a> {
    /// Checks the header and that the account is exactly large enough for its shape plus a
    /// canopy of `2^(c+1) - 2` nodes.
    pub fn new(data: &'a [u8]) -> Result<Self, ProofError> {
        let word = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
        if data.len() < TREE_HEADER_BYTES || data[0] != ACCOUNT_TYPE_TREE || data[1] != HEADER_V1 {
            return Err(ProofError::NotATree);
        }
        let (max_buffer_size, max_depth) = (word(2), word(6));
        if max_depth == 0 || max_depth > MAX_SUPPORTED_DEPTH || !max_buffer_size.is_power_of_two() {
            return Err(ProofError::NotATree);
        }
        let view = TreeView { data, max_depth, max_buffer_size };
        let canopy_bytes = data.len().checked_sub(view.canopy_offset()).ok_or(ProofError::NotATree)?;
        if canopy_bytes % 32 != 0 || !(canopy_bytes / 32 + 2).is_power_of_two() {
            return Err(ProofError::NotATree);
        }
        Ok(view)
    }

    fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.data[at..at + 8].try_into().unwrap())
    }

    fn node_at(&self, at: usize) -> Node {
        self.data[at..at + 32].try_into().unwrap()
    }

    /// Size of one change-log entry: root, path, index u32 + padding u32.
    fn changelog_bytes(&self) -> usize {
        32 + 32 * self.max_depth as usize + 8
    }

    fn changelog_offset(&self, entry: u64) -> usize {
        TREE_HEADER_BYTES + 24 + entry as usize * self.changelog_bytes()
    }

    fn rightmost_offset(&self) -> usize {
        self.changelog_offset(self.max_buffer_size as u64)
    }

    fn canopy_offset(&self) -> usize {
        self.rightmost_offset() + 32 * self.max_depth as usize + 32 + 8
    }

    pub fn sequence_number(&self) -> u64 {
        self.u64_at(TREE_HEADER_BYTES)
    }

    pub fn active_index(&self) -> u64 {
        self.u64_at(TREE_HEADER_BYTES + 8)
    }

    pub fn buffer_size(&self) -> u64 {
        self.u64_at(TREE_HEADER_BYTES + 16)
    }

    /// Index the next appended leaf gets (= leaves appended so far).
    pub fn next_leaf_index(&self) -> u32 {
        let at = self.rightmost_offset() + 32 * self.max_depth as usize + 32;
        u32::from_le_bytes(self.data[at..at + 4].try_into().unwrap())
    }

    fn changelog_root(&self, entry: u64) -> Node {
        self.node_at(self.changelog_offset(entry))
    }

    /// The tree's current root.
    pub fn root(&self) -> Node {
        self.changelog_root(self.active_index())
    }

    fn is_initialized(&self) -> bool {
        !(self.buffer_size() == 0 && self.sequence_number() == 0 && self.active_index() == 0)
    }

    fn canopy(&self) -> &'a [u8] {
        &self.data[self.canopy_offset()..]
    }

    /// Fails unless `leaf` is at `index` in the current tree. `proof` holds the caller's
    /// sibling nodes from the leaf up (possibly fewer than `max_depth`: the canopy or empty
    /// nodes complete it); `root` is the root they were taken against.
    ///
    /// Mirrors account compression's `verify_leaf` step by step, quirks included, so the two
    /// accept and refuse exactly the same proofs (a differential property test checks it
    /// against spl-concurrent-merkle-tree): the canopy's nodes are appended after the
    /// caller's (`fill_in_proof_from_canopy`), the rest filled with empty nodes
    /// (`fill_in_proof`), and the proof fast-forwarded through the change log
    /// (`check_valid_leaf`).
    pub fn prove_leaf(&self, root: &Node, leaf: &Node, proof: &[Node], index: u32) -> Result<(), ProofError> {
        let depth = self.max_depth as usize;
        if u64::from(index) >= 1u64 << depth {
            return Err(ProofError::LeafIndexOutOfBounds);
        }
        if !self.is_initialized() {
            return Err(ProofError::NotATree);
        }
        if index > self.next_leaf_index() {
            return Err(ProofError::LeafIndexOutOfBounds);
        }
        if proof.len() > depth {
            return Err(ProofError::ProofTooLong);
        }
        let mut full = [[0u8; 32]; MAX_SUPPORTED_DEPTH as usize];
        full[..proof.len()].copy_from_slice(proof);
        let filled = proof.len() + self.append_canopy_nodes(index, proof.len(), &mut full[..depth]);
        full[filled..depth].copy_from_slice(&EMPTY_NODES[filled..depth]);

        // Fast-forward the proof through the change log after the entry holding `root`. When
        // that root has rotated out, replay the buffer from its oldest entry on; with a
        // single entry (a fresh tree) that start is the active entry itself and the replay
        // makes one full pass over the buffer, as `fast_forward_proof` does.
        let mask = u64::from(self.max_buffer_size) - 1;
        let active = self.active_index();
        let found = (0..self.buffer_size()).map(|back| active.wrapping_sub(back) & mask).find(|&entry| self.changelog_root(entry) == *root);
        let (mut entry, full_pass) = match found {
            Some(entry) => (entry, false),
            None => (active.wrapping_sub(self.buffer_size() - 1) & mask, true),
        };
        let mut current_leaf = *leaf;
        loop {
            if !full_pass && entry == active {
                break;
            }
            entry = (entry + 1) & mask;
            let at = self.changelog_offset(entry);
            let index_at = at + 32 + 32 * depth;
            let changed = u32::from_le_bytes(self.data[index_at..index_at + 4].try_into().unwrap());
            if changed == index {
                // A change of our leaf: its path starts with the leaf it wrote.
                current_leaf = self.node_at(at + 32);
            } else {
                // The lowest level at which the two leaves' paths meet: below it the changed
                // path's node is our sibling now.
                let common = ((index ^ changed) << (32 - depth)).leading_zeros() as usize;
                let critbit = depth - 1 - common;
                full[critbit] = self.node_at(at + 32 + 32 * critbit);
            }
            if full_pass && entry == active {
                break;
            }
        }
        if current_leaf != *leaf {
            return Err(ProofError::LeafContentsModified);
        }
        if recompute_root(*leaf, &full[..depth], index) == self.root() {
            Ok(())
        } else {
            Err(ProofError::InvalidProof)
        }
    }

    /// Appends the canopy's nodes on the path of `index` (lowest cached level first, an empty
    /// slot meaning an empty subtree) after the `given` caller nodes of `proof`, dropping the
    /// lowest ones where caller and canopy overlap, like account compression's
    /// `fill_in_proof_from_canopy`. A proof too short to reach the canopy gets the canopy's
    /// nodes at the wrong levels there too, and fails. Returns how many nodes it appended.
    fn append_canopy_nodes(&self, index: u32, given: usize, proof: &mut [Node]) -> usize {
        let depth = self.max_depth;
        let canopy = self.canopy();
        // A canopy of `2^(c+1) - 2` nodes caches the top c levels: depth-c .. depth-1.
        let cached_levels = ((canopy.len() / 32 + 2).trailing_zeros() - 1).min(depth) as usize;
        let overlap = (given + cached_levels).saturating_sub(depth as usize);
        let mut level = depth as usize - cached_levels;
        // Heap numbering: root 1, children 2n and 2n+1; a node's canopy slot is its number - 2.
        let mut node = ((1u64 << depth) + u64::from(index)) >> level;
        let mut appended = 0;
        while node > 1 {
            if level >= depth as usize - cached_levels + overlap {
                let slot = 32 * ((node ^ 1) as usize - 2);
                let cached: Node = canopy[slot..slot + 32].try_into().unwrap();
                proof[given + appended] = if cached == [0u8; 32] { EMPTY_NODES[level] } else { cached };
                appended += 1;
            }
            node >>= 1;
            level += 1;
        }
        appended
    }
}

/// The root over `leaf` at `index` with `proof` (siblings from the leaf up).
pub fn recompute_root(leaf: Node, proof: &[Node], index: u32) -> Node {
    let mut node = leaf;
    for (level, sibling) in proof.iter().enumerate() {
        node = if index >> level & 1 == 0 {
            hashv(&[&node, sibling]).to_bytes()
        } else {
            hashv(&[sibling, &node]).to_bytes()
        };
    }
    node
}

#[cfg(test)]
#[path = "cmt_differential_tests.rs"]
mod differential_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_nodes_match_their_definition() {
        let mut node = [0u8; 32];
        for (level, expected) in EMPTY_NODES.iter().enumerate() {
            assert_eq!(&node, expected, "empty node of level {level}");
            node = hashv(&[&node, &node]).to_bytes();
        }
    }
}
