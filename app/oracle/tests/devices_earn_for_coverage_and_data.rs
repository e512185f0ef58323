//! Devices earn what their work is worth: over two epochs, devices heartbeat for more or
//! fewer hours (one never, one too rarely to qualify), a router reports the sessions they
//! carried, the chain issues the sub-network's share, and the oracle splits it. The test
//! recomputes every share from the formula with its own code, rebuilds the root from the
//! manifest, checks the root on chain, watches silent devices set inactive and returning ones
//! active, and has the owner claim exactly each device's cumulative amount with the oracle's
//! proof. The same story runs on PostgreSQL when its server binaries are installed.
use civnet_common::rewards::RewardTree;
use crate::common::*;
use serde_json::Value;

fn story(database: Option<&str>) -> Value {
    civnet_client::keys::seed(41);
    let mut w = match database {
        Some(url) => Net::launch_with(url, None),
        None => Net::launch(),
    };
    let devices: Vec<Device> = (0..5).map(|_| w.device_in(w.iot.address)).collect();
    // Hours each device heartbeats in epoch 1: all day, half the day, 3 hours (the minimum),
    // 2 hours (too few to share coverage), never.
    let hours = [24u64, 12, 3, 2, 0];
    w.burn_from_escrow(90_000);
    let receipts = [w.receipt(&devices[0], 1, 30_000), w.receipt(&devices[2], 2, 20_000), w.receipt(&devices[3], 3, 40_000)];
    assert!(w.ingest(&receipts).iter().all(|o| o.is_ok()));
    let start = w.epoch_start();
    for hour in 0..24i64 {
        w.warp_to((start + hour * HOUR).max(w.now()));
        let entropy = w.entropy();
        let beats: Vec<Vec<u8>> = devices.iter().zip(hours).filter(|(_, h)| (hour as u64) < *h).map(|(d, _)| w.heartbeat(d, w.iot.address, entropy)).collect();
        assert!(w.ingest(&beats).iter().all(|o| o.is_ok()), "hour {hour}");
    }
    let first = w.epoch();
    let closed = w.close_epoch();
    assert_eq!(closed.len(), 2, "IOT and MOBILE: {closed:?}");
    let issued = w.issued(&w.iot.address, first);
    let manifest = w.manifest(first, &w.iot.address);
    assert_eq!(manifest["state"], "done");
    assert_eq!((manifest["issued"].as_u64(), manifest["slice_secs"].as_u64(), manifest["min_presence"].as_u64()), (Some(issued), Some(3_600), Some(3)));

    // Recompute: entries are leaves in asset-id order; match them to devices by key.
    let entry = |m: &Value, d: &Device| m["entries"].as_array().unwrap().iter().find(|e| e["device_key"] == d.key().to_string()).cloned();
    let dc = [30_000u64, 0, 20_000, 40_000, 0];
    let (shares, rest) = expected_split(issued, &hours.iter().copied().zip(dc).collect::<Vec<_>>(), 3);
    for (i, device) in devices.iter().enumerate() {
        let (data, coverage) = shares[i];
        match entry(&manifest, device) {
            Some(e) => {
                assert_eq!((e["data_reward"].as_u64(), e["coverage_reward"].as_u64(), e["heartbeat_slices"].as_u64()), (Some(data), Some(coverage), Some(hours[i])), "device {i}");
                assert_eq!(e["cumulative"].as_u64(), Some(data + coverage));
            }
            None => assert_eq!(data + coverage, 0, "device {i} earned but has no leaf"),
        }
    }
    assert_eq!(manifest["unallocated"].as_u64(), Some(rest));
    assert!(shares[3].1 == 0 && shares[3].0 > 0, "2 hours: data but no coverage");
    assert!(entry(&manifest, &devices[4]).is_none(), "the silent device earns nothing");
    let total: u64 = manifest["entries"].as_array().unwrap().iter().map(|e| e["reward"].as_u64().unwrap()).sum();
    assert_eq!(total + rest, issued);

    // The root rebuilt from the manifest is the root on chain.
    let leaves: Vec<([u8; 32], u64)> = manifest["entries"].as_array().unwrap().iter().map(|e| (e["asset_id"].as_str().unwrap().parse::<anchor_lang::prelude::Pubkey>().unwrap().to_bytes(), e["cumulative"].as_u64().unwrap())).collect();
    let root = RewardTree::new(&leaves).root();
    assert_eq!(hex::encode(root), manifest["root"].as_str().unwrap());
    let on_chain: emissions::state::RewardsRoot = w.chain.anchor_account(&civnet_client::pda::rewards_root(&w.iot.address));
    assert_eq!((on_chain.root, on_chain.total_cumulative), (root, total));
    // The silent device was set inactive; the others stay active.
    assert!(!w.device_active(&devices[4]));
    assert!(devices[..4].iter().all(|d| w.device_active(d)));

    // Epoch 2: the silent device comes back, device 0 goes quiet.
    let start = w.epoch_start();
    for hour in 0..4i64 {
        w.warp_to((start + hour * HOUR).max(w.now()));
        let entropy = w.entropy();
        let beats: Vec<Vec<u8>> = devices[1..].iter().map(|d| w.heartbeat(d, w.iot.address, entropy)).collect();
        assert!(w.ingest(&beats).iter().all(|o| o.is_ok()));
    }
    let second = w.epoch();
    w.close_epoch();
    let issued_2 = w.issued(&w.iot.address, second);
    let manifest_2 = w.manifest(second, &w.iot.address);
    assert!(w.device_active(&devices[4]), "heard again: active");
    assert!(!w.device_active(&devices[0]), "silent for the epoch: inactive");
    let (shares_2, rest_2) = expected_split(issued_2, &[(0, 0), (4, 0), (4, 0), (4, 0), (4, 0)], 3);
    for (i, device) in devices.iter().enumerate() {
        let before = entry(&manifest, device).map_or(0, |e| e["cumulative"].as_u64().unwrap());
        let cumulative = entry(&manifest_2, device).map_or(0, |e| e["cumulative"].as_u64().unwrap());
        assert_eq!(cumulative, before + shares_2[i].0 + shares_2[i].1, "device {i} cumulative");
    }
    assert_eq!(manifest_2["unallocated"].as_u64(), Some(rest_2));

    // Owners claim exactly the oracle's cumulative amounts.
    let iot = w.iot.address;
    for device in &devices {
        let expected_total = entry(&manifest_2, device).map_or(0, |e| e["cumulative"].as_u64().unwrap());
        if expected_total > 0 {
            assert_eq!(w.claim(device, &iot), expected_total);
        }
    }
    let proof = block_on(w.oracle.reward_proof(&devices[1].issued.asset_id.to_string(), None)).unwrap().unwrap();
    assert_eq!((proof.epoch, proof.root.as_str()), (second, manifest_2["root"].as_str().unwrap()));
    manifest_2
}

#[test]
fn devices_earn_for_coverage_and_data() {
    story(None);
}

#[test]
fn the_same_story_on_postgresql_gives_the_same_manifest() {
    let Some(server) = Postgres::start() else { return };
    let on_postgres = story(Some(&server.url));
    let on_sqlite = story(None);
    // The same seeded keys make the same network: every share, root and cumulative matches.
    let strip = |m: &Value| {
        let mut m = m.clone();
        m["root_signature"] = Value::Null;
        m["activity"].as_array_mut().unwrap().iter_mut().for_each(|a| a["signature"] = Value::Null);
        m
    };
    assert_eq!(strip(&on_postgres), strip(&on_sqlite));
}

#[test]
fn a_device_onboarded_after_the_epoch_is_not_judged_by_it() {
    let mut w = Net::launch();
    let silent = w.device_in(w.iot.address);
    let epoch = w.epoch();
    // The epoch ends; a device is onboarded in the next one before the oracle closes it.
    w.warp_to((epoch as i64 + 1) * i64::from(DAY) + 60);
    let newcomer = w.device_in(w.iot.address);
    w.close(epoch);
    assert_eq!(w.manifest(epoch, &w.iot.address)["state"], "done");
    assert!(!w.device_active(&silent), "silent for the whole epoch: inactive");
    assert!(w.device_active(&newcomer), "not onboarded yet in that epoch: left active");
}
