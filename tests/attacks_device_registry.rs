//! Every device_registry refusal reached by name: makers and their trees, issuance by the
//! wrong key or into the wrong tree, and cNFT ownership proofs (a sold device's old proof,
//! the wrong tree, the wrong nonce) on onboard, update and retire. Nothing moves when one fails.
use civnet_harness::bubblegum::{self, TreeShape};
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::registry::{self, IssuedDevice, MakerKeys};
use civnet_harness::scenario::{self, dc_mint_address, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{dc, tokens, Chain, Keypair, Pubkey, Signer};
use device_registry::errors::DeviceRegistryError;
use device_registry::instructions::{OnboardDeviceArgs, UpdateDeviceArgs};
use device_registry::state::{Device, Maker, NOT_ONBOARDED};
use emissions::cnft::CnftLeaf;

const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };
const LOCATION: u64 = 0x8c2830828052dff;

struct World {
    chain: Chain,
    net: NetworkKeys,
    iot: SubNetworkKeys,
    maker: MakerKeys,
    owner: Keypair,
}

fn world() -> World {
    let Launched { mut chain, net, customer: owner } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let mut maker = MakerKeys::create_approved(&mut chain, &net, "acme-sensors");
    maker.set_tree(&mut chain, &net, TREE).expect("set_maker_tree");
    dc::buy_dc(&mut chain, &net, &owner, 20_000_000);
    World { chain, net, iot, maker, owner }
}

impl World {
    fn device(&self, device: &IssuedDevice) -> Device {
        self.chain.anchor_account(&registry::device_address(&self.net.network, &device.device_key))
    }

    fn dc(&self) -> u64 {
        tokens::balance(&self.chain, &tokens::ata(&self.owner.pubkey(), &dc_mint_address(&self.net.network)))
    }

    fn onboard_ix(&self, device: &IssuedDevice, cnft: CnftLeaf, proof: &[[u8; 32]], tree: Pubkey) -> anchor_lang::solana_program::instruction::Instruction {
        let args = OnboardDeviceArgs { device_key: device.device_key, location: 0, elevation: 0, gain: 0, cnft };
        registry::onboard_device_ix(&self.net, self.owner.pubkey(), &self.iot.address, tree, args, proof)
    }

    fn update_ix(&self, device: &IssuedDevice, cnft: CnftLeaf, proof: &[[u8; 32]], tree: Pubkey) -> anchor_lang::solana_program::instruction::Instruction {
        let args = UpdateDeviceArgs { device_key: device.device_key, location: Some(LOCATION), elevation: None, gain: None, cnft };
        registry::update_device_ix(&self.net, self.owner.pubkey(), &self.iot.address, tree, args, proof)
    }
}

#[test]
fn only_the_makers_authority_issues_into_the_makers_own_tree() {
    let mut w = world();
    let payer = w.chain.payer.pubkey();
    let owner = w.owner.pubkey();
    let device = Keypair::new();
    // An impostor signing in place of the maker's authority.
    let impostor = w.chain.funded_keypair(1);
    let mut ix = w.maker.issue_device_ix(&w.net, payer, device.pubkey(), owner);
    let authority = w.maker.authority.pubkey();
    ix.accounts.iter_mut().filter(|m| m.pubkey == authority).for_each(|m| m.pubkey = impostor.pubkey());
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&impostor, &device]).assert_anchor_error(DeviceRegistryError::NotMakerAuthority);
    // Another tree than the maker's current one.
    let other = bubblegum::allocate_tree_account(&mut w.chain, TREE);
    let ix = registry::issue_device_ix(&w.net.network, &w.maker.address, authority, other, payer, device.pubkey(), owner);
    let maker_authority = w.maker.authority.insecure_clone();
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&maker_authority, &device]).assert_anchor_error(DeviceRegistryError::WrongTree);
    // A maker approved but without a tree yet.
    let treeless = MakerKeys::create_approved(&mut w.chain, &w.net, "no-tree-yet");
    let ix = registry::issue_device_ix(&w.net.network, &treeless.address, treeless.authority.pubkey(), other, payer, device.pubkey(), owner);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&treeless.authority, &device]).assert_anchor_error(DeviceRegistryError::MakerHasNoTree);
    assert!(w.chain.account_data(&registry::device_address(&w.net.network, &device.pubkey())).is_none());
    assert_eq!(w.chain.anchor_account::<Maker>(&w.maker.address).devices_issued, 0);
}

#[test]
fn a_makers_tree_is_set_by_its_authority_with_a_sane_shape() {
    let mut w = world();
    let mut fresh = MakerKeys::create_approved(&mut w.chain, &w.net, "fresh-maker");
    let payer = w.chain.payer.pubkey();
    let try_tree = |w: &mut World, signer: &Keypair, depth: u32, uri_base: &str| {
        let tree = bubblegum::allocate_tree_account(&mut w.chain, TREE);
        let shape = TreeShape { max_depth: depth, ..TREE };
        let ix = registry::set_maker_tree_ix(&w.net.network, payer, signer.pubkey(), &scenario::maker_address(&w.net.network, "fresh-maker"), tree, shape, uri_base);
        w.chain.send(&[bubblegum::compute_budget(400_000), ix], &[signer])
    };
    let stranger = w.chain.funded_keypair(1);
    try_tree(&mut w, &stranger, 14, registry::DEFAULT_URI_BASE).unwrap_err().assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    let authority = fresh.authority.insecure_clone();
    for depth in [2, 31] {
        try_tree(&mut w, &authority, depth, registry::DEFAULT_URI_BASE).unwrap_err().assert_anchor_error(DeviceRegistryError::InvalidTreeDepth);
    }
    try_tree(&mut w, &authority, 14, &"u".repeat(97)).unwrap_err().assert_anchor_error(DeviceRegistryError::UriBaseTooLong);
    let maker: Maker = w.chain.anchor_account(&fresh.address);
    assert_eq!((maker.merkle_tree, maker.tree_capacity), (Pubkey::default(), 0));
    // The current tree rotates only when full.
    fresh.set_tree(&mut w.chain, &w.net, TREE).expect("first tree");
    fresh.set_tree(&mut w.chain, &w.net, TREE).unwrap_err().assert_anchor_error(DeviceRegistryError::TreeNotFull);
}

#[test]
fn a_device_that_is_not_onboarded_cannot_be_updated_or_toggled() {
    let mut w = world();
    let owner = w.owner.pubkey();
    let (device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let owner_kp = w.owner.insecure_clone();
    let ix = w.update_ix(&device, cnft, &proof, device.merkle_tree);
    w.chain.send_err(&[ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::NotOnboarded);
    let authority = w.iot.active_device_authority.insecure_clone();
    let ix = registry::set_device_active_ix(&w.net, authority.pubkey(), &w.iot.address, device.device_key, true);
    w.chain.send_err(&[ix], &[&authority]).assert_anchor_error(DeviceRegistryError::NotOnboarded);
    let record = w.device(&device);
    assert_eq!((record.sub_network_index, record.active, record.location), (NOT_ONBOARDED, false, 0));
}

#[test]
fn onboard_update_and_retire_refuse_the_wrong_tree_and_nonce() {
    let mut w = world();
    let owner = w.owner.pubkey();
    let owner_kp = w.owner.insecure_clone();
    let (device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    let (_second, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let wrong_nonce = CnftLeaf { nonce: 1, index: 1, ..cnft };
    let not_a_tree = w.net.network;
    let other_tree = bubblegum::CnftCollection::new(&mut w.chain, TREE).tree.merkle_tree;

    // Onboarding.
    for (leaf, tree, error) in [
        (wrong_nonce, device.merkle_tree, DeviceRegistryError::AssetIdMismatch),
        (cnft, other_tree, DeviceRegistryError::AssetIdMismatch),
        (cnft, not_a_tree, DeviceRegistryError::InvalidMerkleTree),
    ] {
        let ix = w.onboard_ix(&device, leaf, &proof, tree);
        w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]).assert_anchor_error(error);
    }
    assert_eq!(w.device(&device).sub_network_index, NOT_ONBOARDED);
    let before = w.dc();
    registry::onboard(&mut w.chain, &w.net, &w.maker, &device, &owner_kp, &w.iot.address);
    assert_eq!(w.dc(), before - 4_000_000);

    // Updating.
    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let wrong_nonce = CnftLeaf { nonce: 1, index: 1, ..cnft };
    for (leaf, tree, error) in [
        (wrong_nonce, device.merkle_tree, DeviceRegistryError::AssetIdMismatch),
        (cnft, other_tree, DeviceRegistryError::AssetIdMismatch),
        (cnft, not_a_tree, DeviceRegistryError::InvalidMerkleTree),
    ] {
        let ix = w.update_ix(&device, leaf, &proof, tree);
        w.chain.send_err(&[ix], &[&owner_kp]).assert_anchor_error(error);
    }
    assert_eq!(w.device(&device).location, 0);

    // Retiring: the asset id binds the tree and the nonce before Bubblegum sees the burn.
    let mut ix = registry::retire_device_ix(&w.net, owner, &device, Some(w.iot.address), wrong_nonce, &proof);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix.clone()], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::AssetIdMismatch);
    ix = registry::retire_device_ix(&w.net, owner, &device, Some(w.iot.address), cnft, &proof);
    ix.accounts.iter_mut().filter(|m| m.pubkey == device.merkle_tree).for_each(|m| m.pubkey = other_tree);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::AssetIdMismatch);
    assert!(w.device(&device).active);
}

#[test]
fn a_sold_devices_old_proof_is_refused_by_name_and_the_buyer_takes_over() {
    let mut w = world();
    let seller = w.owner.insecure_clone();
    let (mut device, _) = w.maker.issue_device(&mut w.chain, &w.net, &seller.pubkey());
    registry::onboard(&mut w.chain, &w.net, &w.maker, &device, &seller, &w.iot.address);
    // The seller reads proofs, then sells the cNFT through a plain Bubblegum transfer.
    let (stale, stale_proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let buyer = w.chain.funded_keypair(1);
    w.maker.transfer(&mut w.chain, &w.net, &mut device, &seller, &buyer.pubkey());

    let ix = w.update_ix(&device, stale, &stale_proof, device.merkle_tree);
    w.chain.send_err(&[ix], &[&seller]).assert_anchor_error(DeviceRegistryError::CnftLeafModified);
    let ix = registry::retire_device_ix(&w.net, seller.pubkey(), &device, Some(w.iot.address), stale, &stale_proof);
    let failure = w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&seller]);
    // Bubblegum's own refusal, from account compression: the leaf with the seller as owner
    // was replaced (its ConcurrentMerkleTreeError, 6001, naming the leaf-contents check).
    assert_eq!(failure.custom_code(), Some(6001), "{:#?}", failure.logs);
    assert!(failure.logs.iter().any(|l| l.contains("current leaf value does not match the supplied proof's leaf value")), "{:#?}", failure.logs);
    assert!(w.device(&device).active);

    // The buyer updates (and would claim) with a fresh proof.
    tokens::create_ata(&mut w.chain, &buyer.pubkey(), &dc_mint_address(&w.net.network));
    let (cnft, proof) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    let args = UpdateDeviceArgs { device_key: device.device_key, location: None, elevation: Some(12), gain: None, cnft };
    let ix = registry::update_device_ix(&w.net, buyer.pubkey(), &w.iot.address, device.merkle_tree, args, &proof);
    w.chain.send_ok(&[ix], &[&buyer]);
    assert_eq!(w.device(&device).elevation, 12);
}
