//! The Bubblegum fixture (compiled here from the mpl-bubblegum 0.11.0 program crate, with
//! SPL account compression 0.2.0 and noop 0.2.0) mints real compressed NFTs: the on-chain
//! root equals the root recomputed off-chain from the LeafSchema V1 leaves.
use civnet_harness::bubblegum::{self, TreeShape};
use civnet_harness::{Chain, Keypair, Signer};

const SHAPE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };

#[test]
fn minted_cnfts_match_the_tree_recomputed_off_chain() {
    let mut chain = Chain::new();
    let creator = chain.funded_keypair(10);
    let (tree, created) = bubblegum::create_tree(&mut chain, &creator, SHAPE);
    let config = bubblegum::tree_config(&chain, &tree);
    assert_eq!(config.tree_creator, creator.pubkey());
    assert_eq!(config.total_mint_capacity, 1 << SHAPE.max_depth);
    assert_eq!(config.num_minted, 0);
    assert_eq!(chain.account_data(&tree.merkle_tree).unwrap().len(), SHAPE.account_size());
    println!("create_tree_config: {} CU", created.compute_units);

    let mut leaves = Vec::new();
    for (nonce, name) in ["sensor-0", "sensor-1"].into_iter().enumerate() {
        let owner = Keypair::new().pubkey();
        let metadata = bubblegum::sample_metadata(name, creator.pubkey());
        let ix = bubblegum::mint_v1_ix(&tree, &creator.pubkey(), &chain.payer.pubkey(), &owner, metadata.clone());
        let minted = chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&creator]);
        println!("mint_v1 #{nonce}: {} CU", minted.compute_units);

        let (asset_id, leaf) = bubblegum::leaf_v1(&tree, nonce as u64, &owner, &metadata);
        leaves.push(leaf);
        assert_eq!(bubblegum::tree_config(&chain, &tree).num_minted, nonce as u64 + 1);
        let expected_root = bubblegum::offchain_tree(SHAPE.max_depth, &leaves).get_root();
        assert_eq!(bubblegum::onchain_root(&chain, &tree), expected_root, "root after mint #{nonce} ({asset_id})");
    }
}

#[test]
fn minting_into_someone_elses_tree_is_refused() {
    let mut chain = Chain::new();
    let creator = chain.funded_keypair(10);
    let (tree, _) = bubblegum::create_tree(&mut chain, &creator, SHAPE);
    let root_before = bubblegum::onchain_root(&chain, &tree);
    let stranger = chain.funded_keypair(1);
    let metadata = bubblegum::sample_metadata("sensor-x", stranger.pubkey());
    let ix = bubblegum::mint_v1_ix(&tree, &stranger.pubkey(), &chain.payer.pubkey(), &stranger.pubkey(), metadata);
    let failure = chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&stranger]);
    // Bubblegum's own error, in instruction 1 (after the compute budget), decoded with the SDK's
    // code table (6016; its `From<MplBubblegumError>` would say 16, not the on-chain code) and
    // named in the program's log.
    use mpl_bubblegum::errors::MplBubblegumError;
    let solana_transaction_error::TransactionError::InstructionError(1, solana_instruction_error::InstructionError::Custom(code)) = failure.err else {
        panic!("expected a custom error of instruction 1, got {:?}\nlogs: {:#?}", failure.err, failure.logs);
    };
    assert_eq!((code, MplBubblegumError::try_from(code)), (6016, Ok(MplBubblegumError::TreeAuthorityIncorrect)), "{:#?}", failure.logs);
    assert!(failure.logs.iter().any(|l| l.contains("Error Code: TreeAuthorityIncorrect.")), "{:#?}", failure.logs);
    assert_eq!(bubblegum::tree_config(&chain, &tree).num_minted, 0);
    assert_eq!(bubblegum::onchain_root(&chain, &tree), root_before);
}
