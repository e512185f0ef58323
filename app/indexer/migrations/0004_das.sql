-- civnet index, version 3: the Digital Asset Standard (DAS) read side of civnet's device
-- cNFTs, rebuilt from each maker tree's own transaction history at `finalized` commitment
-- (every Bubblegum instruction on the tree, whoever sent it). Same conventions as 0001;
-- hashes and keys are base58, as DAS serves them. (Version 2 is left to the security
-- branch's dc_configs change.)

-- A civnet maker's Bubblegum tree (current or rotated out), and how far its history is read.
-- seq: the highest change-log sequence number applied; gap: a change was missing before it
-- (an RPC node without full history), so proofs of this tree are refused.
CREATE TABLE das_trees (
    tree TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    maker TEXT NOT NULL,
    tree_creator TEXT NOT NULL,
    max_depth BIGINT NOT NULL,
    max_buffer_size BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    changes BIGINT NOT NULL,
    gap BIGINT NOT NULL,
    last_signature TEXT,
    last_slot BIGINT
);

-- The tree's nodes as the change logs last wrote them (heap index: root 1, children of n
-- are 2n and 2n + 1, leaf i of a depth-d tree is 2^d + i). A node never written is the
-- empty-subtree hash of its level and has no row.
CREATE TABLE das_nodes (
    tree TEXT NOT NULL,
    node_index BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tree, node_index)
);

-- One cNFT. state: 'live', 'burnt' (Bubblegum burn), 'redeemed' (leaf redeemed for a
-- voucher), 'decompressed'. seq: the change that last wrote its leaf; created_slot and
-- updated_slot: the slots of its mint and of its latest change (DAS's created / updated sort).
CREATE TABLE das_assets (
    id TEXT PRIMARY KEY,
    tree TEXT NOT NULL,
    leaf_index BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    owner TEXT NOT NULL,
    delegate TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    creator_hash TEXT NOT NULL,
    leaf_hash TEXT NOT NULL,
    seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    name TEXT NOT NULL,
    symbol TEXT NOT NULL,
    uri TEXT NOT NULL,
    seller_fee_basis_points BIGINT NOT NULL,
    primary_sale_happened BIGINT NOT NULL,
    is_mutable BIGINT NOT NULL,
    collection TEXT,
    collection_verified BIGINT NOT NULL,
    created_slot BIGINT NOT NULL,
    updated_slot BIGINT NOT NULL
);
CREATE UNIQUE INDEX das_assets_by_leaf ON das_assets (tree, leaf_index);
CREATE INDEX das_assets_by_owner ON das_assets (owner, state, id);
CREATE INDEX das_assets_by_collection ON das_assets (collection, state, id);

-- The asset's creators in metadata order.
CREATE TABLE das_creators (
    asset TEXT NOT NULL,
    position BIGINT NOT NULL,
    creator TEXT NOT NULL,
    share BIGINT NOT NULL,
    verified BIGINT NOT NULL,
    PRIMARY KEY (asset, position)
);
CREATE INDEX das_creators_by_creator ON das_creators (creator, verified, asset);
