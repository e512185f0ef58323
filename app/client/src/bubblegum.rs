//! Compressed NFTs through the real Bubblegum fixture: trees, `mint_v1` (built with the
//! mpl-bubblegum 4.x SDK), on-chain roots, and the same tree recomputed off-chain
//! (LeafSchema V1 hashing, spl-merkle-tree-reference).
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use mpl_bubblegum::accounts::TreeConfig;
use mpl_bubblegum::hash::{hash_creators, hash_metadata};
use mpl_bubblegum::instructions::{BurnBuilder, CreateTreeConfigBuilder, MintV1Builder, TransferBuilder};
use mpl_bubblegum::types::{Creator, LeafSchema, MetadataArgs, TokenProgramVersion, TokenStandard};
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_merkle_tree_reference::{MerkleTree, Node};

use crate::programs::{SPL_ACCOUNT_COMPRESSION_ID, SPL_NOOP_ID};
use crate::svm::{Chain, TxSuccess};

/// Header of an SPL concurrent merkle tree account (account type, version, header v1).
const TREE_HEADER_BYTES: usize = 56;

/// A concurrent merkle tree's shape: (depth, buffer) must be a pair account compression
/// supports; the canopy caches the top `canopy_depth` levels on chain so proofs get shorter.
#[derive(Debug, Clone, Copy)]
pub struct TreeShape {
    pub max_depth: u32,
    pub max_buffer_size: u32,
    pub canopy_depth: u32,
}

impl TreeShape {
    /// Account size: header + (sequence, active index, buffer size) + changelog buffer of
    /// `max_buffer_size` entries (root, path of `max_depth` nodes, index + padding) + the
    /// rightmost path (`max_depth` nodes, leaf, index + padding) + the canopy
    /// (`2^(canopy_depth + 1) - 2` nodes).
    pub fn account_size(&self) -> usize {
        let (depth, buffer) = (self.max_depth as usize, self.max_buffer_size as usize);
        let changelog = 32 + 32 * depth + 8;
        let rightmost_path = 32 * depth + 32 + 8;
        let canopy = ((1usize << (self.canopy_depth + 1)) - 2) * 32;
        TREE_HEADER_BYTES + 24 + buffer * changelog + rightmost_path + canopy
    }
}

impl TreeShape {
    /// The shape of a tree from its account data: depth and buffer from the header
    /// (account type, header version, max_buffer_size u32, max_depth u32, ...), the canopy
    /// from the bytes left after the fixed part.
    pub fn from_account(data: &[u8]) -> Option<Self> {
        let max_buffer_size = u32::from_le_bytes(data.get(2..6)?.try_into().ok()?);
        let max_depth = u32::from_le_bytes(data.get(6..10)?.try_into().ok()?);
        let without_canopy = TreeShape { max_depth, max_buffer_size, canopy_depth: 0 }.account_size();
        let canopy_nodes = data.len().checked_sub(without_canopy)? / 32;
        // 2^(c+1) - 2 nodes for a canopy of depth c.
        let canopy_depth = (canopy_nodes + 2).trailing_zeros().checked_sub(1)?;
        Some(Self { max_depth, max_buffer_size, canopy_depth })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Tree {
    pub merkle_tree: Pubkey,
    pub tree_config: Pubkey,
    pub shape: TreeShape,
}

/// Allocates a tree account and runs Bubblegum `create_tree_config` with `creator` as tree
/// creator (who may then mint into it).
pub fn create_tree(chain: &mut Chain, creator: &Keypair, shape: TreeShape) -> (Tree, TxSuccess) {
    let merkle_tree = allocate_tree_account(chain, shape);
    let (tree_config, _) = TreeConfig::find_pda(&merkle_tree);
    let create = CreateTreeConfigBuilder::new()
        .tree_config(tree_config)
        .merkle_tree(merkle_tree)
        .payer(chain.payer.pubkey())
        .tree_creator(creator.pubkey())
        .log_wrapper(SPL_NOOP_ID)
        .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
        .max_depth(shape.max_depth)
        .max_buffer_size(shape.max_buffer_size)
        .instruction();
    let outcome = chain.send_ok(&[compute_budget(400_000), create], &[creator]);
    (Tree { merkle_tree, tree_config, shape }, outcome)
}

/// Allocates an empty tree account of `shape`, owned by account compression (Bubblegum's
/// `create_tree_config` initializes it); returns its address.
pub fn allocate_tree_account(chain: &mut impl crate::Cluster, shape: TreeShape) -> Pubkey {
    let tree_keypair = crate::keys::new_keypair();
    let size = shape.account_size();
    let allocate = anchor_lang::solana_program::system_instruction::create_account(
        &chain.payer(),
        &tree_keypair.pubkey(),
        chain.rent_exempt_minimum(size),
        size as u64,
        &SPL_ACCOUNT_COMPRESSION_ID,
    );
    chain.send_ok(&[allocate], &[&tree_keypair]);
    tree_keypair.pubkey()
}

/// Metadata of a test cNFT whose single creator is `creator` (verified when it signs the mint).
pub fn sample_metadata(name: &str, creator: Pubkey) -> MetadataArgs {
    MetadataArgs {
        name: name.to_string(),
        symbol: "CIV".to_string(),
        uri: format!("https://civnet.example/devices/{name}.json"),
        seller_fee_basis_points: 0,
        primary_sale_happened: false,
        is_mutable: true,
        edition_nonce: None,
        token_standard: Some(TokenStandard::NonFungible),
        collection: None,
        uses: None,
        token_program_version: TokenProgramVersion::Original,
        creators: vec![Creator { address: creator, verified: true, share: 100 }],
    }
}

pub fn mint_v1_ix(tree: &Tree, tree_creator: &Pubkey, payer: &Pubkey, owner: &Pubkey, metadata: MetadataArgs) -> Instruction {
    MintV1Builder::new()
        .tree_config(tree.tree_config)
        .leaf_owner(*owner)
        .leaf_delegate(*owner)
        .merkle_tree(tree.merkle_tree)
        .payer(*payer)
        .tree_creator_or_delegate(*tree_creator)
        .log_wrapper(SPL_NOOP_ID)
        .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
        .metadata(metadata)
        .instruction()
}

/// The leaf Bubblegum appends for a `mint_v1` of `metadata` to `owner` at leaf `nonce`.
pub fn leaf_v1(tree: &Tree, nonce: u64, owner: &Pubkey, metadata: &MetadataArgs) -> (Pubkey, Node) {
    let asset_id = mpl_bubblegum::utils::get_asset_id(&tree.merkle_tree, nonce);
    let leaf = LeafSchema::V1 {
        id: asset_id,
        owner: *owner,
        delegate: *owner,
        nonce,
        data_hash: hash_metadata(metadata).expect("metadata hash"),
        creator_hash: hash_creators(&metadata.creators),
    };
    (asset_id, leaf.hash())
}

pub fn tree_config(chain: &impl crate::Cluster, tree: &Tree) -> TreeConfig {
    TreeConfig::from_bytes(&chain.account_data(&tree.tree_config).expect("tree config")).expect("TreeConfig")
}

/// The root of the tree's active changelog entry: the current on-chain root.
pub fn onchain_root(chain: &impl crate::Cluster, tree: &Tree) -> Node {
    let data = chain.account_data(&tree.merkle_tree).expect("merkle tree account");
    active_root(&data, tree.shape.max_depth).expect("a merkle tree account")
}

/// The current root in a tree account's data: the root of its active changelog entry
/// (after the header: sequence number u64, active index u64, buffer size u64, then the
/// changelog entries of root + `max_depth` path nodes + index u32 + padding u32).
pub fn active_root(data: &[u8], max_depth: u32) -> Option<Node> {
    let body = data.get(TREE_HEADER_BYTES..)?;
    let active_index = u64::from_le_bytes(body.get(8..16)?.try_into().ok()?) as usize;
    let changelog = 32 + 32 * max_depth as usize + 8;
    let offset = 24 + active_index * changelog;
    body.get(offset..offset + 32)?.try_into().ok()
}

/// A full off-chain copy of a tree: `2^depth` leaves, empty ones zero.
pub fn offchain_tree(depth: u32, leaves: &[Node]) -> MerkleTree {
    let mut all = vec![[0u8; 32]; 1usize << depth];
    all[..leaves.len()].copy_from_slice(leaves);
    MerkleTree::new(&all)
}

pub fn compute_budget(units: u32) -> Instruction {
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction {
        program_id: anchor_lang::pubkey!("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data,
    }
}

/// A plain Bubblegum `transfer` of the cNFT `leaf` describes from `owner` (who signs) to
/// `new_owner`, as any wallet or marketplace sends it (civnet is not involved).
pub fn transfer_ix(tree: &Tree, leaf: &emissions::cnft::CnftLeaf, owner: &Pubkey, new_owner: &Pubkey, proof: &[Node]) -> Instruction {
    TransferBuilder::new()
        .tree_config(tree.tree_config)
        .leaf_owner(*owner, true)
        .leaf_delegate(leaf.delegate, false)
        .new_leaf_owner(*new_owner)
        .merkle_tree(tree.merkle_tree)
        .log_wrapper(SPL_NOOP_ID)
        .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
        .root(leaf.root)
        .data_hash(leaf.data_hash)
        .creator_hash(leaf.creator_hash)
        .nonce(leaf.nonce)
        .index(leaf.index)
        .add_remaining_accounts(&proof_accounts(proof))
        .instruction()
}

/// cNFT proof nodes as the read-only accounts that follow an instruction's own (Bubblegum,
/// account compression and civnet's in-place prover all take the proof this way).
pub fn proof_accounts(proof: &[Node]) -> Vec<anchor_lang::solana_program::instruction::AccountMeta> {
    proof.iter().map(|node| anchor_lang::solana_program::instruction::AccountMeta::new_readonly(Pubkey::new_from_array(*node), false)).collect()
}

/// A plain Bubblegum `burn` of the cNFT `leaf` describes by its `owner` (who signs): the leaf
/// becomes empty, as a wallet's "burn" button does it (civnet is not involved).
pub fn burn_ix(tree: &Tree, leaf: &emissions::cnft::CnftLeaf, owner: &Pubkey, proof: &[Node]) -> Instruction {
    BurnBuilder::new()
        .tree_config(tree.tree_config)
        .leaf_owner(*owner, true)
        .leaf_delegate(leaf.delegate, false)
        .merkle_tree(tree.merkle_tree)
        .log_wrapper(SPL_NOOP_ID)
        .compression_program(SPL_ACCOUNT_COMPRESSION_ID)
        .root(leaf.root)
        .data_hash(leaf.data_hash)
        .creator_hash(leaf.creator_hash)
        .nonce(leaf.nonce)
        .index(leaf.index)
        .add_remaining_accounts(&proof_accounts(proof))
        .instruction()
}

/// A cNFT minted into a [`CnftCollection`]: what its owner needs to prove ownership.
#[derive(Debug, Clone)]
pub struct MintedCnft {
    pub asset_id: Pubkey,
    pub owner: Pubkey,
    pub nonce: u64,
    pub metadata: MetadataArgs,
}

/// A Bubblegum tree with its minted cNFTs tracked off-chain (as an indexer would), so
/// owners can get proofs.
pub struct CnftCollection {
    pub tree: Tree,
    pub creator: Keypair,
    pub minted: Vec<MintedCnft>,
    leaves: Vec<Node>,
}

impl CnftCollection {
    pub fn new(chain: &mut Chain, shape: TreeShape) -> Self {
        let creator = chain.funded_keypair(10);
        let (tree, _) = create_tree(chain, &creator, shape);
        Self { tree, creator, minted: Vec::new(), leaves: Vec::new() }
    }

    /// Mints the next cNFT to `owner` through Bubblegum `mint_v1`.
    pub fn mint(&mut self, chain: &mut Chain, owner: &Pubkey) -> MintedCnft {
        let nonce = self.minted.len() as u64;
        let metadata = sample_metadata(&format!("device-{nonce}"), self.creator.pubkey());
        let ix = mint_v1_ix(&self.tree, &self.creator.pubkey(), &chain.payer.pubkey(), owner, metadata.clone());
        chain.send_ok(&[compute_budget(400_000), ix], &[&self.creator]);
        let (asset_id, leaf) = leaf_v1(&self.tree, nonce, owner, &metadata);
        self.leaves.push(leaf);
        let cnft = MintedCnft { asset_id, owner: *owner, nonce, metadata };
        self.minted.push(cnft.clone());
        cnft
    }

    /// The owner of cNFT `i` (who signs) gives it to `new_owner` through Bubblegum `transfer`
    /// (a wallet selling a device): its leaf changes, and so does the tree's root.
    pub fn transfer(&mut self, chain: &mut Chain, i: usize, owner: &Keypair, new_owner: &Pubkey) -> TxSuccess {
        let (leaf, proof) = self.ownership_proof(&self.minted[i]);
        let ix = transfer_ix(&self.tree, &leaf, &owner.pubkey(), new_owner, &proof);
        let outcome = chain.send_ok(&[compute_budget(400_000), ix], &[owner]);
        // Bubblegum's transfer clears the delegate: the new leaf names the new owner twice.
        let cnft = &mut self.minted[i];
        cnft.owner = *new_owner;
        self.leaves[i] = leaf_v1(&self.tree, cnft.nonce, new_owner, &cnft.metadata).1;
        outcome
    }

    /// The leaf fields `emissions::cnft::verify_owner` needs and the proof nodes below the
    /// canopy (the remaining accounts of an ownership check), against the current root.
    pub fn ownership_proof(&self, cnft: &MintedCnft) -> (emissions::cnft::CnftLeaf, Vec<[u8; 32]>) {
        let tree = offchain_tree(self.tree.shape.max_depth, &self.leaves);
        let mut proof = tree.get_proof_of_leaf(cnft.nonce as usize);
        proof.truncate((self.tree.shape.max_depth - self.tree.shape.canopy_depth) as usize);
        let leaf = emissions::cnft::CnftLeaf {
            root: tree.get_root(),
            delegate: cnft.owner,
            nonce: cnft.nonce,
            index: cnft.nonce as u32,
            data_hash: hash_metadata(&cnft.metadata).expect("metadata hash"),
            creator_hash: hash_creators(&cnft.metadata.creators),
        };
        (leaf, proof)
    }
}

/// spl-account-compression 0.2.0's `AccountCompressionError::ConcurrentMerkleTreeError`
/// (its second variant: Anchor error 6001), with which a Bubblegum CPI fails when the proof
/// does not prove the supplied leaf (wrong owner, changed leaf, forged nodes).
pub const CONCURRENT_MERKLE_TREE_ERROR: u32 = 6001;

/// Asserts that the transaction failed in instruction `index` with account compression's
/// error `code` (the custom code, and account compression named as the failing program).
pub fn assert_compression_error(failure: &crate::TxFailure, index: u8, code: u32) {
    use solana_instruction_error::InstructionError;
    use solana_transaction_error::TransactionError;
    assert_eq!(failure.err, TransactionError::InstructionError(index, InstructionError::Custom(code)), "{:#?}", failure.logs);
    let failed = format!("Program {SPL_ACCOUNT_COMPRESSION_ID} failed");
    assert!(failure.logs.iter().any(|l| l.starts_with(&failed)), "{:#?}", failure.logs);
}
