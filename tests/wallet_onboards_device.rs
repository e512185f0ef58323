//! A wallet onboards a device: an approved maker issues the device identity (a Bubblegum cNFT
//! minted by device_registry to the owner's wallet, the device signing for its key), the owner
//! proves ownership and pays the onboarding fee in DC, and the sub-network counts the device.
use civnet_harness::bubblegum::{self, TreeShape};
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::registry::{self, IssuedDevice, MakerKeys};
use civnet_harness::scenario::{self, dc_mint_address, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{dc, tokens, Chain, Keypair, Signer};
use device_registry::errors::DeviceRegistryError;
use device_registry::instructions::OnboardDeviceArgs;
use device_registry::state::{Device, Maker, NOT_ONBOARDED};

const EPOCH: u32 = stories::EPOCH_SECS;
const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };
/// A valid H3 cell (San Francisco, resolution 12).
const LOCATION: u64 = 0x8c2830828052dff;

struct World {
    chain: Chain,
    net: NetworkKeys,
    iot: SubNetworkKeys,
    maker: MakerKeys,
    owner: Keypair,
}

/// A network with IOT (fees 4,000,000 DC + 1,000,000 DC for a location), an approved maker
/// with a tree, and an owner wallet holding 100 genesis tokens and 10,000,000 DC.
fn world() -> World {
    let Launched { mut chain, net, customer: owner } = stories::launch(100_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let mut maker = MakerKeys::create_approved(&mut chain, &net, "acme-sensors");
    maker.set_tree(&mut chain, &net, TREE).expect("set_maker_tree");
    dc::buy_dc(&mut chain, &net, &owner, 10_000_000);
    World { chain, net, iot, maker, owner }
}

impl World {
    fn onboard_ix(&self, device: &IssuedDevice, signer: &Keypair, location: u64, elevation: i16, gain: u8) -> anchor_lang::solana_program::instruction::Instruction {
        let (cnft, proof) = self.maker.ownership_proof(&self.chain, &self.net, device);
        let args = OnboardDeviceArgs { device_key: device.device_key, location, elevation, gain, cnft };
        registry::onboard_device_ix(&self.net, signer.pubkey(), &self.iot.address, device.merkle_tree, args, &proof)
    }

    fn dc_balance(&self, who: &Keypair) -> u64 {
        tokens::balance(&self.chain, &tokens::ata(&who.pubkey(), &dc_mint_address(&self.net.network)))
    }
}

#[test]
fn a_wallet_onboards_a_device_end_to_end() {
    let mut w = world();
    let owner = w.owner.pubkey();
    let (device, issued) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    println!("issue_device: {} CU, {} bytes", issued.compute_units, issued.size);

    // The record holds the asset id recomputed here; the tree root matches the off-chain tree.
    let record: Device = w.chain.anchor_account(&registry::device_address(&w.net.network, &device.device_key));
    assert_eq!(record.asset_id, mpl_bubblegum::utils::get_asset_id(&device.merkle_tree, 0));
    assert_eq!(record.asset_id, device.asset_id);
    assert_eq!(record.sub_network_index, NOT_ONBOARDED);
    let tree = w.maker.tree.unwrap();
    assert_eq!(bubblegum::tree_config(&w.chain, &tree).num_minted, 1);
    let (cnft, _) = w.maker.ownership_proof(&w.chain, &w.net, &device);
    assert_eq!(bubblegum::onchain_root(&w.chain, &tree), cnft.root);
    let maker: Maker = w.chain.anchor_account(&w.maker.address);
    assert_eq!((maker.devices_issued, maker.tree_devices), (1, 1));
    let rent = w.chain.lamports(&registry::device_address(&w.net.network, &device.device_key));
    println!("device record: {} bytes, {rent} lamports", 8 + std::mem::size_of::<Device>());

    let supply_before = tokens::supply(&w.chain, &dc_mint_address(&w.net.network));
    let ix = w.onboard_ix(&device, &w.owner, LOCATION, 12, 50);
    let owner_kp = w.owner.insecure_clone();
    let onboarded = w.chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]);
    println!("onboard_device: {} CU, {} bytes", onboarded.compute_units, onboarded.size);

    let record: Device = w.chain.anchor_account(&registry::device_address(&w.net.network, &device.device_key));
    assert_eq!((record.sub_network_index, record.active, record.location, record.elevation, record.gain), (0, true, LOCATION, 12, 50));
    // Onboarding fee + location fee burned: 5,000,000 DC, untracked (a fee is not usage).
    assert_eq!(w.dc_balance(&w.owner), 5_000_000);
    assert_eq!(tokens::supply(&w.chain, &dc_mint_address(&w.net.network)), supply_before - 5_000_000);
    // The sub-network's device record counts it (and the fee); no usage burn is recorded.
    let devices = registry::sub_network_devices(&w.chain, &w.iot.address);
    assert_eq!((devices.active_devices, devices.devices_onboarded, devices.fees_dc_burned), (1, 1, 5_000_000));
    let epoch = net::current_epoch(&w.chain, EPOCH);
    assert_eq!((devices.entries_written, devices.epochs[0], devices.active_at_end[0]), (1, epoch, 1));
    assert_eq!(dc::sub_network_burns(&w.chain, &w.iot.address).total_burned, 0);

    // Onboarding twice is refused.
    let ix = w.onboard_ix(&device, &w.owner, 0, 0, 0);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::AlreadyOnboarded);

    // The active-device authority takes it offline and back; repeating a flag changes nothing.
    let authority = w.iot.active_device_authority.insecure_clone();
    for (active, expected) in [(false, 0), (false, 0), (true, 1), (true, 1)] {
        let ix = registry::set_device_active_ix(&w.net, authority.pubkey(), &w.iot.address, device.device_key, active);
        w.chain.send_ok(&[ix], &[&authority]);
        assert_eq!(registry::sub_network_devices(&w.chain, &w.iot.address).active_devices, expected);
    }
    let stranger = Keypair::new();
    let ix = registry::set_device_active_ix(&w.net, stranger.pubkey(), &w.iot.address, device.device_key, false);
    w.chain.send_err(&[ix], &[&stranger]).assert_anchor_error(DeviceRegistryError::NotActiveDeviceAuthority);
    // Another sub-network's device record.
    let mobile = net::create_sub_network(&mut w.chain, &w.net, "MOBILE");
    let mut ix = registry::set_device_active_ix(&w.net, authority.pubkey(), &w.iot.address, device.device_key, false);
    let (iot_record, mobile_record) = (registry::sub_network_devices_address(&w.iot.address), registry::sub_network_devices_address(&mobile.address));
    ix.accounts.iter_mut().filter(|m| m.pubkey == iot_record).for_each(|m| m.pubkey = mobile_record);
    w.chain.send_err(&[ix], &[&authority]).assert_anchor_error(DeviceRegistryError::WrongDeviceRecord);
    // Opening a record twice (a replay) is refused by name.
    let [_, devices_ix] = net::initialize_activity_records_ixs(w.chain.payer.pubkey(), &w.net.network, &w.iot.address);
    w.chain.send_err(&[devices_ix], &[]).assert_anchor_error(DeviceRegistryError::DeviceRecordExists);
    assert_eq!(registry::sub_network_devices(&w.chain, &w.iot.address).active_devices, 1);
}

#[test]
fn onboarding_refuses_strangers_bad_data_and_empty_wallets() {
    let mut w = world();
    let owner = w.owner.pubkey();
    let (device, _) = w.maker.issue_device(&mut w.chain, &w.net, &owner);
    let owner_kp = w.owner.insecure_clone();
    let cases: [(u64, i16, u8, DeviceRegistryError); 4] = [
        (0x8928308280ffffe, 0, 0, DeviceRegistryError::InvalidLocation),
        (LOCATION, 1_001, 0, DeviceRegistryError::ElevationOutOfRange),
        (LOCATION, -101, 0, DeviceRegistryError::ElevationOutOfRange),
        (LOCATION, 0, 201, DeviceRegistryError::GainOutOfRange),
    ];
    for (location, elevation, gain, error) in cases {
        let ix = w.onboard_ix(&device, &w.owner, location, elevation, gain);
        w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]).assert_anchor_error(error);
    }
    // A stranger with DC cannot onboard someone else's device: the leaf names the owner.
    let thief = w.chain.funded_keypair(1);
    tokens::create_ata(&mut w.chain, &thief.pubkey(), &dc_mint_address(&w.net.network));
    let ix = w.onboard_ix(&device, &thief, 0, 0, 0);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&thief]).assert_anchor_error(DeviceRegistryError::InvalidCnftProof);

    // Forged proof nodes.
    let mut ix = w.onboard_ix(&device, &w.owner, 0, 0, 0);
    let last = ix.accounts.len() - 1;
    ix.accounts[last].pubkey = anchor_lang::prelude::Pubkey::new_unique();
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&owner_kp]).assert_anchor_error(DeviceRegistryError::InvalidCnftProof);

    // An owner without enough DC is told so.
    let poor = w.chain.funded_keypair(1);
    let (poor_device, _) = w.maker.issue_device(&mut w.chain, &w.net, &poor.pubkey());
    tokens::create_ata(&mut w.chain, &poor.pubkey(), &dc_mint_address(&w.net.network));
    let ix = w.onboard_ix(&poor_device, &poor, 0, 0, 0);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&poor]).assert_anchor_error(DeviceRegistryError::InsufficientDataCredits);
    assert_eq!(registry::sub_network_devices(&w.chain, &w.iot.address).active_devices, 0);
    assert_eq!(w.dc_balance(&w.owner), 10_000_000);
}

#[test]
fn only_approved_makers_issue_and_a_device_key_only_once() {
    let mut w = world();
    let owner = w.owner.pubkey();
    let device = Keypair::new();
    let payer = w.chain.payer.pubkey();
    let authority = w.maker.authority.insecure_clone();
    let ix = w.maker.issue_device_ix(&w.net, payer, device.pubkey(), owner);
    w.chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&authority, &device]);
    w.maker.record_issued(&w.chain, &w.net, device.pubkey(), &owner);
    // The same device key again: its record already exists.
    let ix = w.maker.issue_device_ix(&w.net, payer, device.pubkey(), owner);
    w.chain
        .send_err(&[bubblegum::compute_budget(400_000), ix], &[&authority, &device])
        .assert_anchor_error(DeviceRegistryError::DeviceAlreadyIssued);
    assert_eq!(bubblegum::tree_config(&w.chain, &w.maker.tree.unwrap()).num_minted, 1);

    // Revoked: no more devices.
    let ix = registry::revoke_maker_ix(&w.net, w.net.authority.pubkey(), &w.maker.address);
    let net_authority = w.net.authority.insecure_clone();
    w.chain.send_ok(&[ix], &[&net_authority]);
    let other = Keypair::new();
    let ix = w.maker.issue_device_ix(&w.net, payer, other.pubkey(), owner);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&authority, &other]).assert_anchor_error(DeviceRegistryError::MakerNotApproved);
    // Only the network authority approves.
    let ix = registry::approve_maker_ix(&w.net, authority.pubkey(), &w.maker.address, authority.pubkey());
    w.chain.send_err(&[ix], &[&authority]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    // A maker that was never approved.
    let mut fresh = MakerKeys::create_approved(&mut w.chain, &w.net, "fresh-maker");
    let ix = registry::revoke_maker_ix(&w.net, w.net.authority.pubkey(), &fresh.address);
    w.chain.send_ok(&[ix], &[&net_authority]);
    fresh.set_tree(&mut w.chain, &w.net, TREE).expect("tree");
    let fresh_authority = fresh.authority.insecure_clone();
    let ix = fresh.issue_device_ix(&w.net, payer, other.pubkey(), owner);
    w.chain.send_err(&[bubblegum::compute_budget(400_000), ix], &[&fresh_authority, &other]).assert_anchor_error(DeviceRegistryError::MakerNotApproved);
    assert_eq!(w.chain.anchor_account::<Maker>(&w.maker.address).devices_issued, 1);
}

/// The same story end to end over RPC: solana-test-validator with every program preloaded;
/// the maker, the device and the owner each sign their own part.
#[test]
fn a_wallet_onboards_a_device_over_rpc() {
    use civnet_harness::TestValidator;
    let mut validator = TestValidator::start();
    let owner = Keypair::new();
    validator.airdrop(&owner.pubkey(), 2_000_000_000);
    // Day-long epochs: the epoch read before sending is still current when the transaction lands.
    let net = scenario::initialize_network_with_genesis(&mut validator, net::short_epoch_network_args(86_400), &[(owner.pubkey(), 100_000_000)]);
    scenario::initialize_data_credits(&mut validator, &net, &net.authority, dc::fixed_price_args(150_000_000)).expect("data credits");
    let iot = net::create_sub_network(&mut validator, &net, "IOT");
    let mut maker = MakerKeys::create_approved(&mut validator, &net, "acme-sensors");
    maker.set_tree(&mut validator, &net, TREE).expect("set_maker_tree");
    dc::buy_dc(&mut validator, &net, &owner, 10_000_000);

    let (device, _) = maker.issue_device(&mut validator, &net, &owner.pubkey());
    let record: Device = validator.anchor_account(&registry::device_address(&net.network, &device.device_key));
    assert_eq!(record.asset_id, mpl_bubblegum::utils::get_asset_id(&device.merkle_tree, 0));
    let tree = maker.tree.unwrap();
    let (cnft, _) = maker.ownership_proof(&validator, &net, &device);
    assert_eq!(bubblegum::onchain_root(&validator, &tree), cnft.root);
    assert_eq!(bubblegum::tree_config(&validator, &tree).num_minted, 1);

    registry::onboard(&mut validator, &net, &maker, &device, &owner, &iot.address);
    let record: Device = validator.anchor_account(&registry::device_address(&net.network, &device.device_key));
    assert_eq!((record.sub_network_index, record.active), (0, true));
    assert_eq!(registry::sub_network_devices(&validator, &iot.address).active_devices, 1);
    assert_eq!(tokens::balance(&validator, &tokens::ata(&owner.pubkey(), &dc_mint_address(&net.network))), 6_000_000);
}
