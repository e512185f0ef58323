//! An explorer indexes a running network: `civnet index --once` into SQLite after a story with
//! every kind of civnet activity leaves each table equal to the chain (accounts field by
//! field, events adding up to the accounts' totals); indexing again changes nothing; then
//! `civnet index --serve` answers devices by key and by asset id, makers, sub-networks with
//! their activity records, a sub-network's epochs, an epoch, burns and device changes,
//! paginated, and follows new transactions while it serves.

use civnet_client::Signer;
use civnet_indexer::Store;
use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

fn get(addr: &std::net::SocketAddr, path: &str) -> (u16, Value) {
    match ureq::get(&format!("http://{addr}{path}")).call() {
        Ok(response) => (response.status(), response.into_json().unwrap()),
        Err(ureq::Error::Status(code, response)) => (code, response.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("GET {path}: {e}"),
    }
}

#[test]
fn an_explorer_indexes_the_network_and_reads_it_over_http() {
    let mut w = World::launch();
    w.first_part();
    w.second_part(4, |_, _| {});

    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir, "index.db");
    let first = index_once(&w.url(), &db);
    println!("civnet index --once: {first:#}");
    let store = block_on(Store::open(&db)).unwrap();
    assert_accounts_match_chain(&w, &store);
    assert_events_match_chain(&w, &store);
    let t = w.tally;
    assert_eq!(first["devices"], 3, "four issued, one retired");
    assert_eq!((first["makers"].as_u64(), first["sub_networks"].as_u64(), first["epochs"].as_u64()), (Some(2), Some(2), Some(1)));
    assert_eq!(first["burns"], t.usage_burns + t.delegated_burns);
    assert_eq!(first["device_changes"], t.onboardings + t.updates + t.activity_changes + t.devices_retired);
    assert_eq!((first["sub_network_burns"].as_u64(), first["sub_network_devices"].as_u64()), (Some(2), Some(2)));
    assert!(first["run"]["failed_transactions"].as_u64().unwrap() >= 1, "the replayed router report was passed over");
    println!(
        "throughput (scenario): backfill {} accounts/s ({} accounts), follow {} transactions/s ({} transactions)",
        first["run"]["accounts_per_sec"], first["run"]["accounts"], first["run"]["transactions_per_sec"], first["run"]["transactions"]
    );

    // Indexing the same chain again finds nothing new and changes nothing.
    let before = dump(&store);
    let again = index_once(&w.url(), &db);
    assert_eq!(again["run"]["transactions"], 0);
    assert_eq!(dump(&store), before);

    // The API, served by the indexer process while it follows the chain.
    let addr = free_addr();
    let _server = IndexerProcess::spawn(&w.url(), &db, Some(addr));
    wait_until("the API to answer", Duration::from_secs(60), || ureq::get(&format!("http://{addr}/status")).call().is_ok());

    let d0 = &w.devices[0].device;
    let (code, device) = get(&addr, &format!("/devices/{}", d0.device_key));
    assert_eq!(code, 200, "{device}");
    assert_eq!(device["asset_id"], d0.asset_id.to_string());
    assert_eq!(device["sub_network_name"], "IOT");
    assert_eq!(device["maker_name"], "acme");
    assert_eq!(device["location"], format!("{OTHER_LOCATION:x}"));
    assert_eq!(device["active"], true);
    assert_eq!(device["owner"], w.owners[0].pubkey().to_string());
    let d1 = &w.devices[1].device;
    let (code, device) = get(&addr, &format!("/devices/{}", d1.asset_id));
    assert_eq!(code, 200);
    assert_eq!(device["device_key"], d1.device_key.to_string(), "found by asset id");
    assert_eq!(device["sub_network_name"], "MOBILE");
    assert_eq!(device["location"], Value::Null);
    let (code, gone) = get(&addr, &format!("/devices/{}", w.devices[2].device.device_key));
    assert_eq!(code, 404, "a retired device is gone: {gone}");
    assert!(gone["error"].as_str().unwrap().contains("unknown device"));

    let (_, page) = get(&addr, "/makers?limit=1");
    assert_eq!((page["total"].as_u64(), page["items"].as_array().unwrap().len()), (Some(2), 1));
    assert_eq!(page["items"][0]["name"], "acme");
    let (_, page) = get(&addr, "/makers?limit=1&offset=1");
    assert_eq!((page["items"][0]["name"].as_str(), page["items"][0]["approved"].as_bool()), (Some("bolt"), Some(false)));

    let (_, epochs) = get(&addr, "/sub-networks/IOT/epochs");
    let items = epochs["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|e| e["sub_network_name"] == "IOT"));
    let numbers: Vec<u64> = items.iter().map(|e| e["epoch"].as_u64().unwrap()).collect();
    assert!(numbers.windows(2).all(|p| p[0] > p[1]), "newest first: {numbers:?}");
    let closed = items.iter().find(|e| e["rewards_issued"] == true).expect("the closed epoch");
    let epoch = closed["epoch"].as_u64().unwrap();
    let (code, whole) = get(&addr, &format!("/epochs/{epoch}"));
    assert_eq!(code, 200);
    let info: emissions::state::EpochInfo = w.validator.anchor_account(&civnet_client::network::epoch_info_address(&w.net.network, epoch));
    assert_eq!(whole["networks"][0]["emission"], info.emission);
    assert_eq!(whole["networks"][0]["total_issued"], info.total_issued);
    assert_eq!(whole["sub_networks"].as_array().unwrap().len(), 2);
    assert_eq!(get(&addr, "/sub-networks/NOPE/epochs").0, 404);
    assert_eq!(get(&addr, "/epochs/1").0, 404);

    // Burns of IOT, two per page: the pages cover every burn once.
    let (_, page) = get(&addr, "/burns?sub_network=IOT&limit=2");
    let total = page["total"].as_u64().unwrap();
    let mut seen = BTreeSet::new();
    let mut offset = 0;
    while offset < total {
        let (_, page) = get(&addr, &format!("/burns?sub_network=IOT&limit=2&offset={offset}"));
        for burn in page["items"].as_array().unwrap() {
            assert_eq!(burn["sub_network_name"], "IOT");
            assert!(seen.insert((burn["signature"].to_string(), burn["inner_ix"].to_string())), "a burn on two pages");
        }
        offset += 2;
    }
    assert_eq!(seen.len() as u64, total);
    let iot_burns: data_credits::state::SubNetworkBurns = w.validator.anchor_account(&civnet_client::pda::sub_network_burns(&w.iot.address));
    let (_, all) = get(&addr, &format!("/burns?sub_network={}&limit=1000", w.iot.address));
    let burned: u64 = all["items"].as_array().unwrap().iter().map(|b| b["amount"].as_u64().unwrap()).sum();
    assert_eq!((all["total"].as_u64(), burned), (Some(total), iot_burns.total_burned), "by address as by name; usage + delegated = recorded");
    assert_eq!(get(&addr, "/burns?limit=0").0, 400);

    // Sub-networks with their records' totals, and the records themselves.
    let iot_devices: device_registry::state::SubNetworkDevices =
        w.validator.anchor_account(&civnet_client::registry::sub_network_devices_address(&w.iot.address));
    let (_, subs) = get(&addr, "/sub-networks");
    let iot = subs["items"].as_array().unwrap().iter().find(|s| s["name"] == "IOT").expect("IOT");
    assert_eq!(
        (&iot["total_dc_burned"], &iot["active_devices"], &iot["fees_dc_burned"], &iot["devices_onboarded"]),
        (&Value::from(iot_burns.total_burned), &Value::from(iot_devices.active_devices), &Value::from(iot_devices.fees_dc_burned), &Value::from(iot_devices.devices_onboarded))
    );
    let (code, activity) = get(&addr, "/sub-networks/IOT/activity");
    assert_eq!(code, 200, "{activity}");
    assert_eq!(activity["sub_network"], w.iot.address.to_string());
    assert_eq!(activity["burns"]["total_burned"], iot_burns.total_burned);
    assert_eq!(activity["devices"]["active_devices"], iot_devices.active_devices);
    let epochs = activity["burns"]["epochs"].as_array().unwrap();
    assert_eq!((epochs.len(), activity["burns"]["burned"].as_array().unwrap().len()), (iot_burns.entries_written.min(64) as usize, epochs.len()));
    assert_eq!(get(&addr, "/sub-networks/NOPE/activity").0, 404);

    // Device changes: device 0's history, newest first; the retired device left MOBILE.
    let d0_address = civnet_client::registry::device_address(&w.net.network, &d0.device_key).to_string();
    let (_, history) = get(&addr, &format!("/device-changes?device={d0_address}"));
    let kinds: Vec<&str> = history["items"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["activated", "deactivated", "updated", "onboarded"], "{history}");
    let iot_account: emissions::state::SubNetwork = w.validator.anchor_account(&w.iot.address);
    assert_eq!(history["items"][3]["fee_dc"], iot_account.onboarding_fee_dc + iot_account.location_fee_dc, "onboarding with a location: both fees");
    assert_eq!(history["items"][2]["fee_dc"], iot_account.location_fee_dc, "moved: the location fee");
    assert_eq!(history["items"][3]["sub_network_name"], "IOT");
    let (_, retired) = get(&addr, "/device-changes?kind=retired&sub_network=MOBILE");
    assert_eq!(retired["total"], 1, "{retired}");
    assert_eq!(retired["items"][0]["active_devices"], 1, "d1 stays active in MOBILE");
    assert_eq!(get(&addr, "/nowhere").0, 404);

    // The served index follows the chain: a new burn shows up.
    w.burn(w.mobile.address, 777);
    wait_until("the new burn in the API", Duration::from_secs(60), || {
        let (_, page) = get(&addr, "/burns?sub_network=MOBILE&limit=1");
        page["items"][0]["amount"] == 777
    });
}
