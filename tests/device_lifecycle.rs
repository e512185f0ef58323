//! A device's life after the first onboarding: offline key proofs, full trees rotating,
//! location updates that cost DC, retirement that returns the rent, and the refusals.
use civnet_harness::bubblegum::{self, TreeShape};
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::registry::{self, MakerKeys};
use civnet_harness::scenario::{self, dc_mint_address, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{dc, tokens, Chain, Keypair, Pubkey, Signer};
use device_registry::errors::DeviceRegistryError;
use device_registry::instructions::{OnboardDeviceArgs, UpdateDeviceArgs};
use device_registry::state::{Device, Maker};

const EPOCH: u32 = stories::EPOCH_SECS;
const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };
/// The smallest tree account compression supports: 8 leaves, no canopy.
const TINY_TREE: TreeShape = TreeShape { max_depth: 3, max_buffer_size: 8, canopy_depth: 0 };
const LOCATION: u64 = 0x8c2830828052dff;
const OTHER_LOCATION: u64 = 0x8928308280fffff;

struct World {
    chain: Chain,
    net: NetworkKeys,
    iot: SubNetworkKeys,
    maker: MakerKeys,
    owner: Keypair,
}

fn world(tree: TreeShape) -> World {
    let Launched { mut chain, net, customer: owner } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let mut maker = MakerKeys::create_approved(&mut chain, &net, "acme-sensors");
    maker.set_tree(&mut chain, &net, tree).expect("set_maker_tree");
    dc::buy_dc(&mut chain, &net, &owner, 20_000_000);
    World { chain, net, iot, maker, owner }
}

impl World {
    fn dc_balance(&self, who: &Pubkey) -> u64 {
        tokens::balance(&self.chain, &tokens::ata(who, &dc_mint_address(&self.net.network)))
    }
}

#[test]
fn a_device_proves_its_key_offline_with_an_ed25519_signature() {
    let mut w = world(TREE);
    let payer = w.chain.payer.pubkey();
    let owner = w.owner.pubkey();
    let authority = w.maker.authority.insecure_clone();

    // Neither signed nor proven.
    let device = Keypair::new();
    let mut ix = w.maker.issue_device_ix(&w.net, payer, device.pubkey(), owner);
    ix.accounts.iter_mut().for_each(|m| m.is_signer &= m.pubkey != device.pubkey());
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&authority]).assert_anchor_error(DeviceRegistryError::DeviceKeyNotProven);
    // A signature for another owner does not transfer to this one.
    let ixs = w.maker.issue_device_ed25519_ixs(&w.net, payer, &device, &Pubkey::new_unique(), &owner);
    w.chain.send_err(&ixs, &[&authority]).assert_anchor_error(DeviceRegistryError::DeviceKeyNotProven);
    // The right signature works, without the device key signing the transaction.
    let ixs = w.maker.issue_device_ed25519_ixs(&w.net, payer, &device, &owner, &owner);
    let issued = w.chain.send_ok(&ixs, &[&authority]);
    println!("issue_device with an Ed25519 proof: {} CU, {} bytes", issued.compute_units, issued.size);
    let issued = w.maker.record_issued(&w.chain, &w.net, device.pubkey(), &owner);
    let record: Device = w.chain.anchor_account(&registry::device_address(&w.net.network, &device.pubkey()));
    assert_eq!(record.asset_id, issued.asset_id);
}

#[test]
fn a_full_tree_rotates_and_old_devices_keep_working() {
    let mut w = world(TINY_TREE);
    let owner = w.owner.pubkey();
    let mut devices = Vec::new();
    for _ in 0..8 {
        devices.push(w.maker.issue_device(&mut w.chain, &w.net, &owner).0);
    }
    // Full: no ninth device in this tree.
    let payer = w.chain.payer.pubkey();
    let extra = Keypair::new();
    let authority = w.maker.authority.insecure_clone();
    let ix = w.maker.issue_device_ix(&w.net, payer, extra.pubkey(), owner);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&authority, &extra]).assert_anchor_error(DeviceRegistryError::TreeFull);
    let (old_cnft, old_proof) = w.maker.ownership_proof(&w.chain, &w.net, &devices[3]);

    w.maker.set_tree(&mut w.chain, &w.net, TINY_TREE).expect("rotate");
    let (new_device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    assert_eq!(new_device.nonce, 0);
    assert_ne!(new_device.merkle_tree, devices[3].merkle_tree);
    let maker: Maker = w.chain.anchor_account(&w.maker.address);
    assert_eq!((maker.devices_issued, maker.tree_devices, maker.tree_capacity), (9, 1, 8));
    // Rotating again before the new tree is full is refused.
    w.maker.set_tree(&mut w.chain, &w.net, TINY_TREE).unwrap_err().assert_anchor_error(DeviceRegistryError::TreeNotFull);

    // A device of the old tree still onboards against its own tree.
    let args = OnboardDeviceArgs { device_key: devices[3].device_key, location: 0, elevation: 0, gain: 0, cnft: old_cnft };
    let ix = registry::onboard_device_ix(&w.net, owner, &w.iot.address, devices[3].merkle_tree, args, &old_proof);
    let owner_kp = w.owner.insecure_clone();
    w.chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]);
    assert_eq!(registry::sub_network_devices(&w.chain, &w.iot.address).active_devices, 1);
}

#[test]
fn moving_a_device_costs_the_location_fee() {
    let mut w = world(TREE);
    let owner_kp = w.owner.insecure_clone();
    let (device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner_kp.pubkey());
    registry::onboard(&mut w.chain, &w.net, &w.maker, &device, &owner_kp, &w.iot.address);
    assert_eq!(w.dc_balance(&owner_kp.pubkey()), 16_000_000);

    let update = |w: &World, location, elevation, gain| {
        let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
        let args = UpdateDeviceArgs { device_key: device.device_key, location, elevation, gain, cnft };
        registry::update_device_ix(&w.net, owner_kp.pubkey(), &w.iot.address, device.merkle_tree, args, &proof)
    };
    let ix = update(&w, Some(LOCATION), Some(30), None);
    w.chain.send_ok(&[ix], &[&owner_kp]);
    assert_eq!(w.dc_balance(&owner_kp.pubkey()), 15_000_000);
    // The same location again costs nothing; a new one costs the fee again.
    let ix = update(&w, Some(LOCATION), None, Some(80));
    w.chain.send_ok(&[ix], &[&owner_kp]);
    assert_eq!(w.dc_balance(&owner_kp.pubkey()), 15_000_000);
    let ix = update(&w, Some(OTHER_LOCATION), None, None);
    w.chain.send_ok(&[ix], &[&owner_kp]);
    assert_eq!(w.dc_balance(&owner_kp.pubkey()), 14_000_000);
    let record: Device = w.chain.anchor_account(&registry::device_address(&w.net.network, &device.device_key));
    assert_eq!((record.location, record.elevation, record.gain), (OTHER_LOCATION, 30, 80));

    let ix = update(&w, None, None, None);
    w.chain.send_err(&[ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::NothingToUpdate);
    let ix = update(&w, Some(7), None, None);
    w.chain.send_err(&[ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::InvalidLocation);
    // Someone else cannot move it.
    let thief = w.chain.funded_keypair(1);
    tokens::create_ata(&mut w.chain, &thief.pubkey(), &dc_mint_address(&w.net.network));
    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let args = UpdateDeviceArgs { device_key: device.device_key, location: Some(LOCATION), elevation: None, gain: None, cnft };
    let ix = registry::update_device_ix(&w.net, thief.pubkey(), &w.iot.address, device.merkle_tree, args, &proof);
    w.chain.send_err(&[ix], &[&thief]).assert_anchor_error(DeviceRegistryError::InvalidCnftProof);
    assert_eq!(w.chain.anchor_account::<Device>(&registry::device_address(&w.net.network, &device.device_key)).location, OTHER_LOCATION);
}

/// The device cNFT carries what the maker set (its name, its URI base) and the network's
/// device-creator PDA as its verified creator, checked without the program's own
/// `device_metadata`: the metadata is written out by hand, compared with what Bubblegum's
/// `mint_v1` CPI received (decoded with mpl-bubblegum's types), and its leaf (hashed by
/// mpl-bubblegum's `MetadataArgs` and `LeafSchema` hashing) is the tree's only leaf on chain.
#[test]
fn an_issued_cnft_carries_the_makers_name_and_uri_and_the_networks_creator() {
    use mpl_bubblegum::types::{Creator, LeafSchema, MetadataArgs, TokenProgramVersion, TokenStandard};
    let Launched { mut chain, net, customer: owner } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let maker = MakerKeys::create_approved(&mut chain, &net, "acme-sensors");
    let uri_base = "https://acme.example/civnet/devices/";
    let merkle_tree = bubblegum::allocate_tree_account(&mut chain, TREE);
    let ix = registry::set_maker_tree_ix(&net.network, chain.payer.pubkey(), maker.authority.pubkey(), &maker.address, merkle_tree, TREE, uri_base);
    chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&maker.authority]);

    chain.record_transactions();
    let device = Keypair::new();
    let ix = registry::issue_device_ix(&net.network, &maker.address, maker.authority.pubkey(), merkle_tree, chain.payer.pubkey(), device.pubkey(), owner.pubkey());
    chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&maker.authority, &device]);

    // By hand: "<maker> <first 4 key bytes in hex>", the URI base + the key in hex, and the
    // creator PDA derived here from its documented seeds.
    let key_hex: String = device.pubkey().to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let creator = Pubkey::find_program_address(&[b"device_creator", net.network.as_ref()], &device_registry::ID).0;
    let expected = MetadataArgs {
        name: format!("acme-sensors {}", &key_hex[..8]),
        symbol: "CIVNET".to_string(),
        uri: format!("{uri_base}{key_hex}"),
        seller_fee_basis_points: 0,
        primary_sale_happened: false,
        is_mutable: false,
        edition_nonce: None,
        token_standard: Some(TokenStandard::NonFungible),
        collection: None,
        uses: None,
        token_program_version: TokenProgramVersion::Original,
        creators: vec![Creator { address: creator, verified: true, share: 100 }],
    };

    // What Bubblegum's mint_v1 received, decoded from the transaction's inner instruction.
    let recorded = chain.take_recorded();
    let (_, tx) = recorded.last().expect("the issue transaction");
    let keys: Vec<String> = serde_json::from_value(tx["transaction"]["message"]["accountKeys"].clone()).unwrap();
    let bubblegum_id = civnet_harness::programs::BUBBLEGUM_ID.to_string();
    let mint_v1_discriminator = bubblegum::mint_v1_ix(&bubblegum::Tree { merkle_tree, tree_config: merkle_tree, shape: TREE }, &creator, &creator, &creator, expected.clone()).data[..8].to_vec();
    let mints: Vec<MetadataArgs> = tx["meta"]["innerInstructions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|inner| inner["instructions"].as_array().unwrap().iter())
        .filter(|i| keys[i["programIdIndex"].as_u64().unwrap() as usize] == bubblegum_id)
        .map(|i| bs58::decode(i["data"].as_str().unwrap()).into_vec().unwrap())
        .filter(|data| data[..8] == mint_v1_discriminator[..])
        .map(|data| anchor_lang::AnchorDeserialize::deserialize(&mut &data[8..]).expect("mint_v1 metadata"))
        .collect();
    assert_eq!(mints, vec![expected.clone()], "the one mint_v1 CPI carries the maker's name and URI and the network's creator");

    // The leaf on chain is the one these metadata hash to.
    let asset_id = mpl_bubblegum::utils::get_asset_id(&merkle_tree, 0);
    let leaf = LeafSchema::V1 {
        id: asset_id,
        owner: owner.pubkey(),
        delegate: owner.pubkey(),
        nonce: 0,
        data_hash: mpl_bubblegum::hash::hash_metadata(&expected).unwrap(),
        creator_hash: mpl_bubblegum::hash::hash_creators(&expected.creators),
    }
    .hash();
    let tree = bubblegum::Tree { merkle_tree, tree_config: mpl_bubblegum::accounts::TreeConfig::find_pda(&merkle_tree).0, shape: TREE };
    assert_eq!(bubblegum::onchain_root(&chain, &tree), bubblegum::offchain_tree(TREE.max_depth, &[leaf]).get_root());
    let record: Device = chain.anchor_account(&registry::device_address(&net.network, &device.pubkey()));
    assert_eq!(record.asset_id, asset_id);
}

#[test]
fn retiring_burns_the_cnft_returns_the_rent_and_ends_the_device() {
    let mut w = world(TREE);
    let owner_kp = w.owner.insecure_clone();
    let owner = owner_kp.pubkey();
    let (device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    registry::onboard(&mut w.chain, &w.net, &w.maker, &device, &owner_kp, &w.iot.address);
    let record_address = registry::device_address(&w.net.network, &device.device_key);
    let rent = w.chain.lamports(&record_address);
    let before = w.chain.lamports(&owner);

    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    // A stranger cannot retire it.
    let thief = w.chain.funded_keypair(1);
    let ix = registry::retire_device_ix(&w.net, thief.pubkey(), &device, Some(w.iot.address), cnft, &proof);
    let failure = w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&thief]);
    // Bubblegum's burn, in account compression: the leaf hashed with the thief as owner is
    // not in the tree (its ConcurrentMerkleTreeError, in instruction 1 after the budget).
    bubblegum::assert_compression_error(&failure, 1, bubblegum::CONCURRENT_MERKLE_TREE_ERROR);
    assert!(w.chain.account_data(&record_address).is_some());
    assert_eq!(w.chain.lamports(&thief.pubkey()), civnet_harness::svm::SOL);
    // An active device must name its sub-network.
    let ix = registry::retire_device_ix(&w.net, owner, &device, None, cnft, &proof);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::WrongSubNetwork);

    let ix = registry::retire_device_ix(&w.net, owner, &device, Some(w.iot.address), cnft, &proof);
    let retired = w.chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]);
    println!("retire_device: {} CU, {} bytes", retired.compute_units, retired.size);
    w.maker.record_burned(&device);
    assert!(w.chain.account_data(&record_address).is_none());
    assert_eq!(w.chain.lamports(&owner), before + rent);
    assert_eq!(registry::sub_network_devices(&w.chain, &w.iot.address).active_devices, 0);
    // The leaf is empty now: the on-chain root is the mirror's with that leaf zeroed.
    let tree = w.maker.tree.unwrap();
    let (after, _) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    assert_eq!(bubblegum::onchain_root(&w.chain, &tree), after.root);

    // Nothing more can be done with it.
    let ix = registry::set_device_active_ix(&w.net, w.iot.active_device_authority.pubkey(), &w.iot.address, device.device_key, false);
    w.chain
        .send_err(&[ix], &[&w.iot.active_device_authority])
        .assert_anchor_error(anchor_lang::error::ErrorCode::AccountNotInitialized);
    // Retiring twice: the device record is closed.
    let lamports = w.chain.lamports(&owner);
    let ix = registry::retire_device_ix(&w.net, owner, &device, Some(w.iot.address), cnft, &proof);
    w.chain
        .send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp])
        .assert_anchor_error(anchor_lang::error::ErrorCode::AccountNotInitialized);
    assert_eq!(w.chain.lamports(&owner), lamports);
    assert_eq!(bubblegum::onchain_root(&w.chain, &tree), after.root);
    let args = UpdateDeviceArgs { device_key: device.device_key, location: Some(LOCATION), elevation: None, gain: None, cnft };
    let ix = registry::update_device_ix(&w.net, owner, &w.iot.address, device.merkle_tree, args, &proof);
    w.chain.send_err(&[ix], &[&owner_kp]).assert_anchor_error(anchor_lang::error::ErrorCode::AccountNotInitialized);
}

#[test]
fn onboarding_with_someone_elses_dc_or_a_foreign_sub_network_is_refused() {
    let mut w = world(TREE);
    let owner_kp = w.owner.insecure_clone();
    let (device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner_kp.pubkey());
    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let args = OnboardDeviceArgs { device_key: device.device_key, location: 0, elevation: 0, gain: 0, cnft };

    // Paying the fee from another wallet's DC account.
    let rich = w.chain.funded_keypair(1);
    tokens::create_ata(&mut w.chain, &rich.pubkey(), &dc_mint_address(&w.net.network));
    let mut ix = registry::onboard_device_ix(&w.net, owner_kp.pubkey(), &w.iot.address, device.merkle_tree, args.clone(), &proof);
    let owner_dc = tokens::ata(&owner_kp.pubkey(), &dc_mint_address(&w.net.network));
    let rich_dc = tokens::ata(&rich.pubkey(), &dc_mint_address(&w.net.network));
    ix.accounts.iter_mut().filter(|m| m.pubkey == owner_dc).for_each(|m| m.pubkey = rich_dc);
    w.chain
        .send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp])
        .assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintTokenOwner);

    // A sub-network of another network.
    let (other, _) = scenario::initialize_network(&mut w.chain, net::short_epoch_network_args(EPOCH));
    let foreign = net::create_sub_network(&mut w.chain, &other, "IOT");
    let ix = registry::onboard_device_ix(&w.net, owner_kp.pubkey(), &foreign.address, device.merkle_tree, args, &proof);
    w.chain
        .send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp])
        .assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    assert_eq!(w.dc_balance(&owner_kp.pubkey()), 20_000_000);
}
