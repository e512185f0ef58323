//! Proving ownership of a Bubblegum cNFT on-chain: recompute its V1 leaf from the fields the
//! caller supplies and the signer as owner, then let SPL account compression's `verify_leaf`
//! check it against the tree (proof nodes in remaining accounts; the canopy covers the rest).
//! device_registry uses this too.
use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke;
use civnet_common::cnft::{leaf_v1_hash, ASSET_SEED};

use crate::errors::EmissionsError;
use crate::state::{BUBBLEGUM_PROGRAM_ID, SPL_ACCOUNT_COMPRESSION_ID};

/// Anchor discriminator of account compression's `verify_leaf`: `sha256("global:verify_leaf")[..8]`.
const VERIFY_LEAF_DISCRIMINATOR: [u8; 8] = [124, 220, 22, 223, 104, 10, 250, 224];

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

/// Bubblegum's asset id of leaf `nonce` of `merkle_tree`: PDA `["asset", tree, nonce LE]`.
pub fn asset_id(merkle_tree: &Pubkey, nonce: u64) -> Pubkey {
    Pubkey::find_program_address(&[ASSET_SEED, merkle_tree.as_ref(), &nonce.to_le_bytes()], &BUBBLEGUM_PROGRAM_ID).0
}

/// Fails unless `owner` owns the cNFT `asset_id` described by `leaf` in `merkle_tree`.
pub fn verify_owner<'info>(
    compression_program: &AccountInfo<'info>,
    merkle_tree: &AccountInfo<'info>,
    proof: &[AccountInfo<'info>],
    asset: &Pubkey,
    owner: &Pubkey,
    leaf: &CnftLeaf,
) -> Result<()> {
    require_keys_eq!(*merkle_tree.owner, SPL_ACCOUNT_COMPRESSION_ID, EmissionsError::InvalidMerkleTree);
    require_keys_eq!(asset_id(merkle_tree.key, leaf.nonce), *asset, EmissionsError::AssetIdMismatch);
    let leaf_hash = leaf_v1_hash(
        &asset.to_bytes(),
        &owner.to_bytes(),
        &leaf.delegate.to_bytes(),
        leaf.nonce,
        &leaf.data_hash,
        &leaf.creator_hash,
    );
    let mut data = Vec::with_capacity(8 + 32 + 32 + 4);
    data.extend_from_slice(&VERIFY_LEAF_DISCRIMINATOR);
    data.extend_from_slice(&leaf.root);
    data.extend_from_slice(&leaf_hash);
    data.extend_from_slice(&leaf.index.to_le_bytes());
    let mut accounts = Vec::with_capacity(1 + proof.len());
    accounts.push(AccountMeta::new_readonly(*merkle_tree.key, false));
    accounts.extend(proof.iter().map(|node| AccountMeta::new_readonly(*node.key, false)));
    let mut infos = Vec::with_capacity(2 + proof.len());
    infos.push(merkle_tree.clone());
    infos.extend(proof.iter().cloned());
    infos.push(compression_program.clone());
    invoke(&Instruction { program_id: SPL_ACCOUNT_COMPRESSION_ID, accounts, data }, &infos)?;
    Ok(())
}
