//! Compressed-NFT (Metaplex Bubblegum) helpers shared by the programs and the clients.

use solana_keccak_hasher::hashv;

/// Seed of a cNFT's asset id: `[ASSET_SEED, merkle_tree, leaf_nonce (u64 LE)]` under Bubblegum.
pub const ASSET_SEED: &[u8] = b"asset";
/// Leaf version byte of Bubblegum's `LeafSchema::V1`.
pub const LEAF_SCHEMA_V1: u8 = 1;

/// The leaf Bubblegum stores in the tree for a V1 cNFT:
/// `keccak256(1 || asset_id || owner || delegate || nonce (u64 LE) || data_hash || creator_hash)`.
pub fn leaf_v1_hash(
    asset_id: &[u8; 32],
    owner: &[u8; 32],
    delegate: &[u8; 32],
    nonce: u64,
    data_hash: &[u8; 32],
    creator_hash: &[u8; 32],
) -> [u8; 32] {
    hashv(&[&[LEAF_SCHEMA_V1], asset_id, owner, delegate, &nonce.to_le_bytes(), data_hash, creator_hash]).to_bytes()
}
