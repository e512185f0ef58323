//! Proving ownership of a Bubblegum cNFT on-chain: recompute its V1 leaf from the fields the
//! caller supplies and the signer as owner, then prove it against the tree account read in
//! place (`civnet_common::cmt`: same semantics as account compression's `verify_leaf`, a
//! fraction of the compute). Proof nodes come in remaining accounts; the canopy covers the
//! rest. device_registry uses this too and maps `CnftError` to its own error codes.
use anchor_lang::prelude::*;
use civnet_common::cmt::{ProofError, TreeView};
use civnet_common::cnft::{leaf_v1_hash, ASSET_SEED};

use crate::errors::EmissionsError;
use crate::state::{BUBBLEGUM_PROGRAM_ID, SPL_ACCOUNT_COMPRESSION_ID};

/// The leaf fields of a cNFT (Bubblegum `LeafSchema::V1`) other than its owner, which is the
/// signer, plus the tree root the proof was taken against.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CnftLeaf {
    pub root: [u8; 32],
    pub delegate: Pubkey,
    pub nonce: u64,
    pub index: u32,
    pub data_hash: [u8; 32],
    pub creator_hash: [u8; 32],
}

/// Why an ownership proof failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CnftError {
    /// The tree account is not owned by SPL account compression or not a tree.
    NotATree,
    /// The asset id is not Bubblegum's PDA of this tree and nonce.
    AssetIdMismatch,
    /// The leaf (with the signer as owner) is not in the tree.
    Proof(ProofError),
}

/// The program-level error a failure maps to: each program names these four in its own
/// error enum (so its error codes are its own).
pub enum CnftErrorKind {
    InvalidMerkleTree,
    AssetIdMismatch,
    CnftLeafModified,
    InvalidCnftProof,
}

impl CnftError {
    pub fn kind(self) -> CnftErrorKind {
        match self {
            CnftError::NotATree | CnftError::Proof(ProofError::NotATree) => CnftErrorKind::InvalidMerkleTree,
            CnftError::AssetIdMismatch => CnftErrorKind::AssetIdMismatch,
            CnftError::Proof(ProofError::LeafContentsModified) => CnftErrorKind::CnftLeafModified,
            CnftError::Proof(_) => CnftErrorKind::InvalidCnftProof,
        }
    }
}

impl From<CnftError> for EmissionsError {
    fn from(e: CnftError) -> Self {
        match e.kind() {
            CnftErrorKind::InvalidMerkleTree => Self::InvalidMerkleTree,
            CnftErrorKind::AssetIdMismatch => Self::AssetIdMismatch,
            CnftErrorKind::CnftLeafModified => Self::CnftLeafModified,
            CnftErrorKind::InvalidCnftProof => Self::InvalidCnftProof,
        }
    }
}

/// Bubblegum's asset id of leaf `nonce` of `merkle_tree`: PDA `["asset", tree, nonce LE]`.
pub fn asset_id(merkle_tree: &Pubkey, nonce: u64) -> Pubkey {
    Pubkey::find_program_address(&[ASSET_SEED, merkle_tree.as_ref(), &nonce.to_le_bytes()], &BUBBLEGUM_PROGRAM_ID).0
}

/// Fails unless `owner` owns the cNFT `asset` described by `leaf` in `merkle_tree` now.
pub fn verify_owner(
    merkle_tree: &AccountInfo,
    proof: &[AccountInfo],
    asset: &Pubkey,
    owner: &Pubkey,
    leaf: &CnftLeaf,
) -> core::result::Result<(), CnftError> {
    if *merkle_tree.owner != SPL_ACCOUNT_COMPRESSION_ID {
        return Err(CnftError::NotATree);
    }
    // The asset id is Bubblegum's PDA of (tree, nonce), so it names this one tree: a leaf
    // proven in any other account-compression tree would belong to another asset id.
    if asset_id(merkle_tree.key, leaf.nonce) != *asset {
        return Err(CnftError::AssetIdMismatch);
    }
    let leaf_hash = leaf_v1_hash(
        &asset.to_bytes(),
        &owner.to_bytes(),
        &leaf.delegate.to_bytes(),
        leaf.nonce,
        &leaf.data_hash,
        &leaf.creator_hash,
    );
    let nodes: Vec<[u8; 32]> = proof.iter().map(|node| node.key.to_bytes()).collect();
    let data = merkle_tree.try_borrow_data().map_err(|_| CnftError::NotATree)?;
    let tree = TreeView::new(&data).map_err(CnftError::Proof)?;
    tree.prove_leaf(&leaf.root, &leaf_hash, &nodes, leaf.index).map_err(CnftError::Proof)
}
