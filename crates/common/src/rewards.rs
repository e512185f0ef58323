//! The reward merkle tree a sub-network's rewards oracle publishes: one root over leaves
//! `(asset_id, cumulative_amount)` for every device of the sub-network.
//!
//! ```text
//! leaf = sha256(0x00 || asset_id || cumulative_amount as u64 little-endian)
//! node = sha256(0x01 || min(a, b) || max(a, b))
//! ```
//! The prefixes keep a leaf from passing as an inner node (second-preimage attack); sorting
//! each pair makes a proof a plain list of sibling hashes, no left/right flags. An odd node
//! at the end of a level is carried up unchanged.
use solana_sha256_hasher::hashv;

pub const LEAF_PREFIX: u8 = 0;
pub const NODE_PREFIX: u8 = 1;

pub fn leaf_hash(asset_id: &[u8; 32], cumulative_amount: u64) -> [u8; 32] {
    hashv(&[&[LEAF_PREFIX], asset_id, &cumulative_amount.to_le_bytes()]).to_bytes()
}

pub fn node_hash(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    hashv(&[&[NODE_PREFIX], low, high]).to_bytes()
}

/// True when `proof` leads from `leaf` to `root`.
pub fn verify(root: &[u8; 32], leaf: [u8; 32], proof: &[[u8; 32]]) -> bool {
    proof.iter().fold(leaf, |node, sibling| node_hash(&node, sibling)) == *root
}

/// A whole tree, built off-chain by the rewards oracle (and by tests).
#[derive(Debug, Clone)]
pub struct RewardTree {
    levels: Vec<Vec<[u8; 32]>>,
}

impl RewardTree {
    /// Builds the tree over `(asset_id, cumulative_amount)` entries, in the order given.
    pub fn new(entries: &[([u8; 32], u64)]) -> Self {
        let mut levels = vec![entries.iter().map(|(asset, amount)| leaf_hash(asset, *amount)).collect::<Vec<_>>()];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let level = levels.last().expect("non-empty");
            let next = level
                .chunks(2)
                .map(|pair| if pair.len() == 2 { node_hash(&pair[0], &pair[1]) } else { pair[0] })
                .collect();
            levels.push(next);
        }
        Self { levels }
    }

    /// The root; all zeroes for an empty tree.
    pub fn root(&self) -> [u8; 32] {
        self.levels.last().and_then(|level| level.first()).copied().unwrap_or([0; 32])
    }

    /// The sibling hashes from the `index`-th leaf up to the root.
    pub fn proof(&self, mut index: usize) -> Vec<[u8; 32]> {
        let mut proof = Vec::new();
        for level in &self.levels[..self.levels.len().saturating_sub(1)] {
            let sibling = index ^ 1;
            if sibling < level.len() {
                proof.push(level[sibling]);
            }
            index /= 2;
        }
        proof
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_leaf_proves_and_a_changed_amount_does_not() {
        for n in 1..12u8 {
            let entries: Vec<([u8; 32], u64)> = (0..n).map(|i| ([i; 32], 1_000 * i as u64)).collect();
            let tree = RewardTree::new(&entries);
            for (i, (asset, amount)) in entries.iter().enumerate() {
                assert!(verify(&tree.root(), leaf_hash(asset, *amount), &tree.proof(i)), "n={n} i={i}");
                assert!(!verify(&tree.root(), leaf_hash(asset, amount + 1), &tree.proof(i)));
            }
        }
    }

    #[test]
    fn an_inner_node_is_not_a_leaf() {
        let tree = RewardTree::new(&[([1; 32], 1), ([2; 32], 2)]);
        assert_ne!(tree.root(), leaf_hash(&[1; 32], 1));
        assert!(!verify(&tree.root(), tree.levels[0][0], &[]));
    }
}
