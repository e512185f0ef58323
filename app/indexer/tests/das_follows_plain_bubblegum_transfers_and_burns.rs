//! The DAS API follows what wallets do with a device cNFT outside civnet, on
//! solana-test-validator with `civnet index --serve` running as its own process:
//!
//! - a device issued by civnet is listed by `getAssetsByOwner` for its owner, with the leaf and
//!   proof civnet's own tree mirror gives;
//! - its owner sells it with a plain Bubblegum `transfer` (proof from `getAssetProof`): the
//!   buyer is listed as its owner and the seller no longer is;
//! - the seller cannot onboard it any more: the DAS client refuses (it does not hold it) and the
//!   chain names `CnftLeafModified` for the proof it read before the sale;
//! - the buyer onboards it with `getAssetProof` from the indexer;
//! - the buyer burns it with a plain Bubblegum `burn`: it leaves every list, `getAsset` says
//!   `burnt`, `getAssetProof` refuses.
//!
//! Finality: the indexer follows trees at `finalized` (no rollback to handle). Every time the
//! endpoint shows a change here, the cluster's finalized slot has reached the change's slot.

use crate::common::*;
use civnet_client::{bubblegum, das, registry, Pubkey, Signer};
use device_registry::errors::DeviceRegistryError;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn owned(url: &str, owner: &Pubkey) -> Vec<String> {
    let list = das::call(url, "getAssetsByOwner", json!({"ownerAddress": owner.to_string(), "page": 1, "limit": 1000})).expect("getAssetsByOwner");
    list["items"].as_array().expect("items").iter().map(|asset| asset["id"].as_str().unwrap().to_string()).collect()
}

fn slot_of(w: &World, signature: &str) -> u64 {
    w.validator.cluster.rpc.transaction(signature).expect("getTransaction")["slot"].as_u64().expect("slot")
}

/// Waits until the DAS endpoint shows what `shows` looks for, a change made at `slot`;
/// whenever it shows it, the cluster must have finalized `slot` (read after the answer).
fn wait_for_finalized_view(w: &World, what: &str, slot: u64, mut shows: impl FnMut() -> bool) {
    let started = Instant::now();
    let mut looks = 0;
    wait_until(what, Duration::from_secs(120), || {
        looks += 1;
        if !shows() {
            return false;
        }
        let finalized = w.validator.cluster.rpc.get_slot_at("finalized").expect("getSlot");
        assert!(finalized >= slot, "DAS showed {what} (slot {slot}) while the cluster had finalized only slot {finalized}");
        true
    });
    println!("DAS shows {what} after {:.1?} ({looks} looks)", started.elapsed());
}

#[test]
fn das_follows_plain_bubblegum_transfers_and_burns() {
    assert_eq!(civnet_indexer::das::COMMITMENT, "finalized");
    let mut w = World::launch();
    let seller = w.owners[0].insecure_clone();
    let buyer = w.owners[1].insecure_clone();
    let (device, issued) = w.acme.issue_device(&mut w.validator, &w.net, &seller.pubkey());
    let issued_slot = slot_of(&w, &issued.signature);
    let tree = w.acme.tree.expect("acme has a tree");
    let id = device.asset_id.to_string();

    let dir = tempfile::tempdir().unwrap();
    let addr = free_addr();
    let _indexer = IndexerProcess::spawn(&w.url(), &sqlite_url(&dir, "index.db"), Some(addr));
    let url = format!("http://{addr}/das");
    wait_until("the API to answer", Duration::from_secs(60), || ureq::get(&format!("http://{addr}/status")).call().is_ok());

    // Issued through civnet: the owner's device, with the leaf and proof civnet's mirror has.
    wait_for_finalized_view(&w, "the issued device", issued_slot, || owned(&url, &seller.pubkey()).contains(&id));
    let asset = das::get_asset(&url, &device.asset_id).expect("getAsset");
    assert_eq!((asset.owner, asset.tree, u64::from(asset.leaf_id), asset.burnt), (seller.pubkey(), device.merkle_tree, device.nonce, false));
    let proof = das::get_asset_proof(&url, &device.asset_id).expect("getAssetProof");
    let (stale_leaf, stale_nodes) = das::ownership(&asset, &proof, &seller.pubkey(), TREE.canopy_depth).expect("the seller holds it");
    let (mirror_leaf, mirror_nodes) = w.acme.ownership_proof(&w.validator, &w.net, &device);
    assert_eq!((stale_leaf.root, stale_leaf.data_hash, stale_leaf.creator_hash, &stale_nodes), (mirror_leaf.root, mirror_leaf.data_hash, mirror_leaf.creator_hash, &mirror_nodes));

    // A plain Bubblegum transfer (a wallet or a marketplace; civnet is not involved).
    let transfer = bubblegum::transfer_ix(&tree, &stale_leaf, &seller.pubkey(), &buyer.pubkey(), &stale_nodes);
    let sent = w.send_ok(&[bubblegum::compute_budget(400_000), transfer], Some(&seller), &[]);
    let transfer_slot = slot_of(&w, &sent.signature);
    wait_for_finalized_view(&w, "the buyer as owner", transfer_slot, || owned(&url, &buyer.pubkey()).contains(&id));
    assert!(!owned(&url, &seller.pubkey()).contains(&id), "the seller no longer lists the device");
    let asset = das::get_asset(&url, &device.asset_id).expect("getAsset");
    let raw = das::call(&url, "getAsset", json!({"id": id})).unwrap();
    assert_eq!((&raw["ownership"]["owner"], &raw["ownership"]["delegate"]), (&json!(buyer.pubkey().to_string()), &Value::Null), "{raw:#}");
    let proof = das::get_asset_proof(&url, &device.asset_id).expect("getAssetProof");
    // The same endpoint at `POST /`, next to the web app's `GET /`.
    assert_eq!(das::call(&format!("http://{addr}/"), "getAsset", json!({"id": id})).unwrap(), raw);
    let root_page = match ureq::get(&format!("http://{addr}/")).call() {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("GET /: {e}"),
    };
    assert!(root_page == 200 || root_page == 503, "GET / is the web app (or how to build it), not {root_page}");

    // The seller: the DAS client says it does not hold the device, and the chain names the
    // proof it read before the sale as out of date.
    let refused = das::ownership(&asset, &proof, &seller.pubkey(), TREE.canopy_depth).unwrap_err();
    assert!(refused.contains("does not hold"), "{refused}");
    let onboard = |owner: Pubkey, cnft, nodes: &[[u8; 32]]| {
        let args = device_registry::instructions::OnboardDeviceArgs { device_key: device.device_key, location: 0, elevation: 12, gain: 30, cnft };
        [bubblegum::compute_budget(400_000), registry::onboard_device_ix(&w.net, owner, &w.iot.address, device.merkle_tree, args, nodes)]
    };
    let failure = w.send(&onboard(seller.pubkey(), stale_leaf, &stale_nodes), Some(&seller), &[]).expect_err("the seller cannot onboard a sold device");
    failure.assert_anchor_error(DeviceRegistryError::CnftLeafModified);

    // The buyer onboards with the indexer's proof.
    let (leaf, nodes) = das::ownership(&asset, &proof, &buyer.pubkey(), TREE.canopy_depth).expect("the buyer holds it");
    w.send_ok(&onboard(buyer.pubkey(), leaf, &nodes), Some(&buyer), &[]);
    let onchain = w.validator.anchor_account::<device_registry::state::Device>(&registry::device_address(&w.net.network, &device.device_key));
    assert_ne!(onchain.sub_network_index, device_registry::state::NOT_ONBOARDED, "the buyer onboarded the device");

    // A plain Bubblegum burn by the buyer: the asset leaves the lists, stays readable as burnt.
    let asset = das::get_asset(&url, &device.asset_id).expect("getAsset");
    let proof = das::get_asset_proof(&url, &device.asset_id).expect("getAssetProof");
    let (leaf, nodes) = das::ownership(&asset, &proof, &buyer.pubkey(), TREE.canopy_depth).expect("the buyer holds it");
    let sent = w.send_ok(&[bubblegum::compute_budget(400_000), bubblegum::burn_ix(&tree, &leaf, &buyer.pubkey(), &nodes)], Some(&buyer), &[]);
    let burn_slot = slot_of(&w, &sent.signature);
    wait_for_finalized_view(&w, "the burn", burn_slot, || !owned(&url, &buyer.pubkey()).contains(&id));
    let raw = das::call(&url, "getAsset", json!({"id": id})).unwrap();
    assert_eq!(raw["burnt"], true, "{raw:#}");
    assert!(das::get_asset(&url, &device.asset_id).unwrap().burnt);
    let refused = das::get_asset_proof(&url, &device.asset_id).unwrap_err();
    assert!(refused.contains("DAS error -32000"), "{refused}");
    let by_creator = das::call(&url, "getAssetsByGroup", json!({"groupKey": "maker", "groupValue": w.acme.address.to_string()})).unwrap();
    assert!(!by_creator["items"].as_array().unwrap().iter().any(|a| a["id"] == json!(id)), "{by_creator:#}");
}
