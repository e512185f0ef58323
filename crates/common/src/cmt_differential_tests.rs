//! Differential property test: `TreeView::prove_leaf` against the reference, account
//! compression's `verify_leaf` = its canopy fill (`fill_in_proof_from_canopy`, transcribed
//! below from spl-account-compression 0.2, whose program crate cannot share a build with
//! Anchor 1.x) followed by spl-concurrent-merkle-tree's own `prove_leaf`.
//!
//! Random trees are built by the reference itself (appends, replaces, burns), so change-log
//! buffers wrap and roots rotate out; the account bytes are the reference's memory image
//! behind an account-compression v1 header, plus a canopy of every depth 0..=depth. Proofs are
//! taken against any earlier root, truncated to every length, and sometimes corrupted. Both
//! sides must accept the same proofs and refuse the others for the same reason.
use proptest::prelude::*;
use spl_concurrent_merkle_tree::concurrent_merkle_tree::{ConcurrentMerkleTree, ProveLeafArgs, SetLeafArgs};
use spl_concurrent_merkle_tree::error::ConcurrentMerkleTreeError;

use super::*;

/// What either side concluded about a proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Proven,
    Modified,
    Invalid,
    OutOfBounds,
    /// The reference panics on a proof longer than the tree; we refuse it.
    TooLong,
}

fn ours(result: Result<(), ProofError>) -> Outcome {
    match result {
        Ok(()) => Outcome::Proven,
        Err(ProofError::LeafContentsModified) => Outcome::Modified,
        Err(ProofError::InvalidProof) => Outcome::Invalid,
        Err(ProofError::LeafIndexOutOfBounds) => Outcome::OutOfBounds,
        Err(ProofError::ProofTooLong) => Outcome::TooLong,
        Err(ProofError::NotATree) => panic!("an initialized tree read as no tree"),
    }
}

fn reference(result: std::thread::Result<Result<(), ConcurrentMerkleTreeError>>) -> Outcome {
    match result {
        Err(_) => Outcome::TooLong,
        Ok(Ok(())) => Outcome::Proven,
        Ok(Err(ConcurrentMerkleTreeError::LeafContentsModified)) => Outcome::Modified,
        Ok(Err(ConcurrentMerkleTreeError::InvalidProof)) => Outcome::Invalid,
        Ok(Err(ConcurrentMerkleTreeError::LeafIndexOutOfBounds)) => Outcome::OutOfBounds,
        Ok(Err(other)) => panic!("unexpected reference error {other:?}"),
    }
}

/// The full tree over `leaves` (2^depth of them), every level from the leaves up.
fn levels(leaves: &[Node]) -> Vec<Vec<Node>> {
    let mut levels = vec![leaves.to_vec()];
    while levels.last().unwrap().len() > 1 {
        let next = levels.last().unwrap().chunks(2).map(|pair| hashv(&[&pair[0], &pair[1]]).to_bytes()).collect();
        levels.push(next);
    }
    levels
}

fn proof_of(levels: &[Vec<Node>], index: usize) -> Vec<Node> {
    (0..levels.len() - 1).map(|level| levels[level][(index >> level) ^ 1]).collect()
}

/// The canopy account compression keeps for the top `canopy_depth` levels: each node's value
/// as last written along a change's path, zero where no leaf below it ever changed.
fn canopy(levels: &[Vec<Node>], touched: &[bool], canopy_depth: usize) -> Vec<u8> {
    let depth = levels.len() - 1;
    let mut bytes = Vec::new();
    for height in 1..=canopy_depth {
        let level = depth - height;
        for (position, node) in levels[level].iter().enumerate() {
            let span = 1usize << level;
            let written = touched[position * span..(position + 1) * span].iter().any(|&t| t);
            bytes.extend_from_slice(if written { node } else { &[0u8; 32] });
        }
    }
    bytes
}

/// account compression 0.2 `canopy::fill_in_proof_from_canopy`, transcribed.
fn fill_in_proof_from_canopy(canopy_bytes: &[u8], max_depth: u32, index: u32, proof: &mut Vec<Node>) {
    let canopy: Vec<Node> = canopy_bytes.chunks(32).map(|c| c.try_into().unwrap()).collect();
    let path_len = ((canopy.len() + 2) as u64).trailing_zeros() - 1;
    let mut node_idx = ((1u64 << max_depth) + index as u64) >> (max_depth - path_len);
    let mut inferred_nodes = vec![];
    while node_idx > 1 {
        let shifted_index = node_idx as usize - 2;
        let cached_idx = if shifted_index % 2 == 0 { shifted_index + 1 } else { shifted_index - 1 };
        if canopy[cached_idx] == [0u8; 32] {
            let level = max_depth - (63 - node_idx.leading_zeros());
            inferred_nodes.push(spl_concurrent_merkle_tree::node::empty_node(level));
        } else {
            inferred_nodes.push(canopy[cached_idx]);
        }
        node_idx >>= 1;
    }
    let overlap = (proof.len() + inferred_nodes.len()).saturating_sub(max_depth as usize);
    proof.extend(inferred_nodes.iter().skip(overlap));
}

/// An account-compression v1 header for a tree of this shape.
fn header(max_depth: u32, max_buffer_size: u32) -> Vec<u8> {
    let mut header = vec![1u8, 0];
    header.extend_from_slice(&max_buffer_size.to_le_bytes());
    header.extend_from_slice(&max_depth.to_le_bytes());
    header.resize(TREE_HEADER_BYTES, 0);
    header
}

#[derive(Debug, Clone)]
enum Op {
    Append(u8),
    Replace(usize, u8),
    Burn(usize),
}

#[derive(Debug, Clone)]
struct Query {
    /// Which earlier root (by age) the proof was taken against.
    snapshot: usize,
    index: usize,
    proof_len: usize,
    canopy_depth: usize,
    /// 0: as taken; 1: another leaf value; 2: a corrupted proof node; 3: a random root.
    corruption: u8,
}

fn leaf_of(tag: u8) -> Node {
    let mut leaf = [tag; 32];
    leaf[0] = 0xa5; // never the empty node
    leaf
}

fn check<const DEPTH: usize, const BUFFER: usize>(ops: &[Op], queries: &[Query]) -> Result<(), TestCaseError> {
    let mut tree = Box::new(ConcurrentMerkleTree::<DEPTH, BUFFER>::new());
    tree.initialize().unwrap();
    let mut leaves = vec![[0u8; 32]; 1 << DEPTH];
    let mut touched = vec![false; 1 << DEPTH];
    let mut appended = 0usize;
    let mut history = vec![leaves.clone()];
    for op in ops {
        let full = levels(&leaves);
        let root = full[DEPTH][0];
        match *op {
            Op::Append(tag) if appended < 1 << DEPTH => {
                tree.append(leaf_of(tag)).unwrap();
                leaves[appended] = leaf_of(tag);
                touched[appended] = true;
                appended += 1;
            }
            Op::Replace(i, tag) if appended > 0 => {
                let i = i % appended;
                let args = SetLeafArgs { current_root: root, previous_leaf: leaves[i], new_leaf: leaf_of(tag), proof_vec: proof_of(&full, i), index: i as u32 };
                tree.set_leaf(&args).unwrap();
                leaves[i] = leaf_of(tag);
                touched[i] = true;
            }
            Op::Burn(i) if appended > 0 => {
                let i = i % appended;
                let args = SetLeafArgs { current_root: root, previous_leaf: leaves[i], new_leaf: [0; 32], proof_vec: proof_of(&full, i), index: i as u32 };
                tree.set_leaf(&args).unwrap();
                leaves[i] = [0; 32];
                touched[i] = true;
            }
            _ => continue,
        }
        history.push(leaves.clone());
    }
    let current = levels(&leaves);
    for q in queries {
        let then = &history[history.len() - 1 - q.snapshot % history.len()];
        let then_levels = levels(then);
        let index = q.index % (1 << DEPTH);
        let mut root = then_levels[DEPTH][0];
        let mut leaf = then[index];
        let mut proof = proof_of(&then_levels, index);
        match q.corruption {
            1 => leaf = leaf_of(leaf[1].wrapping_add(1)),
            2 if !proof.is_empty() => proof[q.proof_len % DEPTH][7] ^= 1,
            3 => root = leaf_of(0x77),
            _ => {}
        }
        proof.truncate(q.proof_len.min(DEPTH + 1));
        if q.proof_len > DEPTH {
            proof.push(leaf_of(0x11)); // one node more than the tree is deep
        }
        let canopy_depth = q.canopy_depth % (DEPTH + 1);
        let canopy_bytes = canopy(&current, &touched, canopy_depth);

        let mut account = header(DEPTH as u32, BUFFER as u32);
        account.extend_from_slice(bytemuck::bytes_of(tree.as_ref()));
        account.extend_from_slice(&canopy_bytes);
        let view = TreeView::new(&account).expect("a valid tree account");
        let ours = ours(view.prove_leaf(&root, &leaf, &proof, index as u32));

        let reference = reference(std::panic::catch_unwind(|| {
            let mut proof_vec = proof.clone();
            fill_in_proof_from_canopy(&canopy_bytes, DEPTH as u32, index as u32, &mut proof_vec);
            tree.prove_leaf(&ProveLeafArgs { current_root: root, leaf, proof_vec, index: index as u32 })
        }));
        prop_assert_eq!(ours, reference, "query {:?} after {} ops ({} appended)", q, ops.len(), appended);
    }
    Ok(())
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<u8>().prop_map(Op::Append),
            2 => (any::<usize>(), any::<u8>()).prop_map(|(i, t)| Op::Replace(i, t)),
            1 => any::<usize>().prop_map(Op::Burn),
        ],
        0..40,
    )
}

fn queries(depth: usize) -> impl Strategy<Value = Vec<Query>> {
    prop::collection::vec(
        (0..50usize, any::<usize>(), 0..=depth + 1, 0..=depth, prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)])
            .prop_map(|(snapshot, index, proof_len, canopy_depth, corruption)| Query { snapshot, index, proof_len, canopy_depth, corruption }),
        1..24,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn depth_3_buffer_8_agrees_with_account_compression(ops in ops(), queries in queries(3)) {
        check::<3, 8>(&ops, &queries)?;
    }

    #[test]
    fn depth_5_buffer_8_agrees_with_account_compression(ops in ops(), queries in queries(5)) {
        check::<5, 8>(&ops, &queries)?;
    }

    #[test]
    fn depth_6_buffer_16_agrees_with_account_compression(ops in ops(), queries in queries(6)) {
        check::<6, 16>(&ops, &queries)?;
    }
}

#[test]
fn a_fresh_tree_replays_its_whole_buffer_like_the_reference() {
    // One change-log entry and a root that is not in it: the reference's replay starts at the
    // active entry and makes a full pass; the default entries name leaf 0 with an empty leaf.
    let mut tree = Box::new(ConcurrentMerkleTree::<3, 8>::new());
    tree.initialize().unwrap();
    let mut account = header(3, 8);
    account.extend_from_slice(bytemuck::bytes_of(tree.as_ref()));
    let view = TreeView::new(&account).unwrap();
    let unknown_root = leaf_of(9);
    assert_eq!(view.prove_leaf(&unknown_root, &leaf_of(1), &[], 0), Err(ProofError::LeafContentsModified));
    let reference = tree.prove_leaf(&ProveLeafArgs { current_root: unknown_root, leaf: leaf_of(1), proof_vec: vec![], index: 0 });
    assert_eq!(reference, Err(ConcurrentMerkleTreeError::LeafContentsModified));
}
