//! Every way to get paid for work not done, each refused with its named reason and stored
//! for audit: forged and borrowed signatures, devices that do not count (unknown, not
//! onboarded, retired, of another sub-network), replays and duplicates, routers that may not
//! report or vouch for what a device did not sign, receipts above the DC burned on chain,
//! reports outside their epoch, stale entropy, malformed and oversized batches. Runs on the
//! embedded engine with the real programs; the oracle reads them through its index.
use civnet_client::{Keypair, Signer};
use civnet_oracle::report::{self, SignedReport, MAX_BATCH_REPORTS, MAX_REPORT_BYTES};
use crate::common::*;
use serde_json::{json, Value};

#[test]
fn a_forged_signature_is_rejected() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let beat = w.heartbeat(&device, w.iot.address, w.entropy());
    let forged = tampered(&beat, |r| {
        if let SignedReport::Heartbeat { signature, .. } = r {
            signature[40] ^= 1;
        }
    });
    assert_eq!(w.verdict(forged), "bad_signature");
    // A changed body under the old signature is just as forged.
    let moved = tampered(&beat, |r| {
        if let SignedReport::Heartbeat { body, .. } = r {
            body.timestamp -= 1;
        }
    });
    assert_eq!(w.verdict(moved), "bad_signature");
    assert_eq!(w.stored_rejections("bad_signature"), 2);
    assert_eq!(w.verdict(beat), "accepted");
}

#[test]
fn a_valid_signature_by_another_key_is_rejected() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let other = Keypair::new();
    let mut report = report::signed_heartbeat(&other, w.iot.address.to_bytes(), w.now(), w.entropy());
    if let SignedReport::Heartbeat { body, signature } = &mut report {
        // The other key signs a heartbeat in the device's name.
        body.device_key = device.key().to_bytes();
        *signature = *other.sign_message(&report::heartbeat_message(body)).as_array();
    }
    assert_eq!(w.verdict(report.encode()), "bad_signature");
}

#[test]
fn unknown_not_onboarded_retired_and_foreign_devices_are_rejected() {
    let mut w = Net::launch();
    let entropy = w.entropy();
    let stranger = report::signed_heartbeat(&Keypair::new(), w.iot.address.to_bytes(), w.now(), entropy).encode();
    assert_eq!(w.verdict(stranger), "unknown_device");

    let idle = w.issue();
    assert_eq!(w.verdict(w.heartbeat(&idle, w.iot.address, entropy)), "not_onboarded");

    let gone = w.device_in(w.iot.address);
    w.retire(&gone, w.iot.address);
    assert_eq!(w.verdict(w.heartbeat(&gone, w.iot.address, entropy)), "retired_device");

    let mobile = w.device_in(w.mobile.address);
    assert_eq!(w.verdict(w.heartbeat(&mobile, w.iot.address, entropy)), "wrong_sub_network");
    assert_eq!(w.verdict(w.heartbeat(&mobile, w.mobile.address, entropy)), "accepted");

    // A sub-network that does not exist, and one whose rewards oracle is someone else.
    assert_eq!(w.verdict(w.heartbeat(&mobile, Keypair::new().pubkey(), entropy)), "unknown_sub_network");
    let other = civnet_client::network::create_sub_network(&mut w.chain, &w.net, "AIR");
    w.sync();
    assert_eq!(w.verdict(w.heartbeat(&mobile, other.address, entropy)), "sub_network_not_served");
}

#[test]
fn a_replayed_heartbeat_and_a_second_one_in_the_same_slice_are_rejected() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let entropy = w.entropy();
    let beat = w.heartbeat(&device, w.iot.address, entropy);
    let outcomes = w.ingest(&[beat.clone(), beat.clone()]);
    assert!(outcomes[0].is_ok());
    assert_eq!(outcomes[1].as_ref().unwrap_err().reason.as_str(), "replayed", "the same report twice in one batch");
    assert_eq!(w.verdict(beat.clone()), "replayed", "the same report in a later batch");
    w.warp_to(w.now() + 5);
    assert_eq!(w.verdict(w.heartbeat(&device, w.iot.address, entropy)), "duplicate_slice");
    // An hour later the old heartbeat is a replay out of time; a new one counts.
    w.warp_to(w.now() + HOUR);
    assert_eq!(w.verdict(beat), "clock_skew");
    let fresh = w.entropy();
    assert_eq!(w.verdict(w.heartbeat(&device, w.iot.address, fresh)), "accepted");
}

#[test]
fn a_duplicate_session_id_is_rejected_also_from_another_router() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let receipt = w.receipt(&device, 7, 100);
    assert_eq!(w.verdict(receipt.clone()), "accepted");
    assert_eq!(w.verdict(receipt), "replayed");
    // A second router with its own escrow reports the same session.
    let second = Keypair::new();
    let customer = w.customer.insecure_clone();
    w.chain.send_ok(&[civnet_client::dc::delegate_ix(&w.net, customer.pubkey(), &w.iot.address, &second.pubkey().to_string(), 1_000)], &[&customer]);
    w.sync();
    let again = report::signed_usage(&device.key, &second, w.receipt_body(&device, &second, 7, 50)).encode();
    assert_eq!(w.verdict(again), "duplicate_session");
    let other_session = report::signed_usage(&device.key, &second, w.receipt_body(&device, &second, 8, 50)).encode();
    assert_eq!(w.verdict(other_session), "accepted");
}

#[test]
fn a_router_without_an_escrow_or_paying_from_another_is_not_allowed() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let rogue = Keypair::new();
    let receipt = report::signed_usage(&device.key, &rogue, w.receipt_body(&device, &rogue, 1, 10)).encode();
    assert_eq!(w.verdict(receipt), "router_not_allowed");
    // The real router naming a payer other than its escrow.
    let mut body = w.receipt_body(&device, &w.router, 2, 10);
    body.payer = w.customer.pubkey().to_bytes();
    assert_eq!(w.verdict(report::signed_usage(&device.key, &w.router, body).encode()), "wrong_payer");
    // An escrow in another sub-network does not make a router of this one.
    let customer = w.customer.insecure_clone();
    w.chain.send_ok(&[civnet_client::dc::delegate_ix(&w.net, customer.pubkey(), &w.mobile.address, &rogue.pubkey().to_string(), 1_000)], &[&customer]);
    w.sync();
    let receipt = report::signed_usage(&device.key, &rogue, w.receipt_body(&device, &rogue, 3, 10)).encode();
    assert_eq!(w.verdict(receipt), "router_not_allowed");
    // A receipt carrying no DC or ending before it starts.
    let mut empty = w.receipt_body(&device, &w.router, 4, 0);
    empty.dc = 0;
    assert_eq!(w.verdict(report::signed_usage(&device.key, &w.router, empty).encode()), "invalid_usage");
}

#[test]
fn a_router_with_a_weak_key_is_refused() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    // The identity point: anyone can "sign" for it. Its base58 text can still get an escrow.
    let mut weak = [0u8; 32];
    weak[0] = 1;
    let weak_key = anchor_lang::prelude::Pubkey::new_from_array(weak).to_string();
    let customer = w.customer.insecure_clone();
    w.chain.send_ok(&[civnet_client::dc::delegate_ix(&w.net, customer.pubkey(), &w.iot.address, &weak_key, 1_000)], &[&customer]);
    w.sync();
    let mut body = w.receipt_body(&device, &w.router, 1, 10);
    body.router_key = weak;
    body.payer = civnet_client::dc::escrow_address(&w.iot.address, &weak_key).to_bytes();
    let device_signature = *device.key.sign_message(&report::usage_device_message(&body)).as_array();
    let receipt = SignedReport::Usage { body, device_signature, router_signature: [0; 64] };
    assert_eq!(w.verdict(receipt.encode()), "weak_key");
}

#[test]
fn a_router_countersigning_for_a_device_that_did_not_sign_is_rejected() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let body = w.receipt_body(&device, &w.router, 1, 500);
    // The router makes up the device's signature and countersigns it properly.
    let device_signature = *Keypair::new().sign_message(&report::usage_device_message(&body)).as_array();
    let router_signature = *w.router.sign_message(&report::usage_router_message(&body, &device_signature)).as_array();
    let receipt = SignedReport::Usage { body, device_signature, router_signature };
    assert_eq!(w.verdict(receipt.encode()), "bad_signature");
    // A device's real receipt with a countersignature over another device signature.
    let honest = report::signed_usage(&device.key, &w.router, w.receipt_body(&device, &w.router, 2, 500));
    let SignedReport::Usage { body, device_signature, .. } = honest else { unreachable!() };
    let router_signature = *w.router.sign_message(&report::usage_router_message(&body, &[7; 64])).as_array();
    assert_eq!(w.verdict(SignedReport::Usage { body, device_signature, router_signature }.encode()), "bad_router_signature");
}

#[test]
fn receipts_claiming_more_dc_than_burned_on_chain_are_scaled_down() {
    let mut w = Net::launch();
    let (a, b) = (w.device_in(w.iot.address), w.device_in(w.iot.address));
    w.burn_from_escrow(300);
    // The router's receipts claim 600 DC; the chain shows 300 burned from its escrow.
    assert_eq!(w.verdict(w.receipt(&a, 1, 400)), "accepted");
    assert_eq!(w.verdict(w.receipt(&b, 2, 200)), "accepted");
    let epoch = w.epoch();
    w.close_epoch();
    let manifest = w.manifest(epoch, &w.iot.address);
    let payer = &manifest["payers"][0];
    assert_eq!(payer["payer"], w.escrow().to_string());
    assert_eq!((payer["claimed_dc"].as_u64(), payer["burned_dc"].as_u64(), payer["counted_dc"].as_u64()), (Some(600), Some(300), Some(300)));
    let entry = |d: &Device| manifest["entries"].as_array().unwrap().iter().find(|e| e["device_key"] == d.key().to_string()).cloned().unwrap();
    assert_eq!((entry(&a)["dc_carried"].as_u64(), entry(&a)["dc_counted"].as_u64()), (Some(400), Some(200)));
    assert_eq!((entry(&b)["dc_carried"].as_u64(), entry(&b)["dc_counted"].as_u64()), (Some(200), Some(100)));
    // Paid at the fixed price: 200 DC = floor(200 * 10^14 / 1.5 * 10^13) = 1,333 base units.
    assert_eq!(entry(&a)["data_reward"].as_u64(), Some(1_333));
    assert_eq!(entry(&b)["data_reward"].as_u64(), Some(666));
}

#[test]
fn reports_for_a_past_closed_or_future_epoch_are_rejected() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let end = w.epoch_start() + i64::from(DAY);
    w.warp_to(end - 30);
    let entropy = w.entropy();
    // Made in the next epoch by a device clock running ahead, received in this one.
    let ahead = civnet_oracle::report::signed_heartbeat(&device.key, w.iot.address.to_bytes(), end + 10, entropy).encode();
    assert_eq!(w.verdict(ahead), "future_epoch");
    let late = w.heartbeat(&device, w.iot.address, entropy);
    let receipt = w.receipt(&device, 9, 10);
    // Received after the epoch ended.
    w.warp_to(end + 5);
    assert_eq!(w.verdict(late.clone()), "past_epoch");
    assert_eq!(w.verdict(receipt), "past_epoch");
    // The oracle closes the epoch; a report stamped in it by a lagging clock finds it closed.
    let epoch = w.epoch() - 1;
    let closed = w.close(epoch);
    assert!(closed.iter().any(|c| c.epoch == epoch && c.sub_network == w.iot.address.to_string()));
    assert_eq!(w.manifest(epoch, &w.iot.address)["state"], "done");
    let outcomes = block_on(w.oracle.ingest(&[late], end - 20)).unwrap();
    assert_eq!(outcomes[0].as_ref().unwrap_err().reason.as_str(), "epoch_closed");
}

#[test]
fn stale_and_unknown_entropy_is_rejected() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let entropy = w.entropy();
    w.warp_to(w.now() + civnet_oracle::verify::ENTROPY_LIFETIME_SECS + 1);
    assert_eq!(w.verdict(w.heartbeat(&device, w.iot.address, entropy)), "stale_entropy");
    assert_eq!(w.verdict(w.heartbeat(&device, w.iot.address, [3; 32])), "unknown_entropy");
    assert_eq!(w.stored_rejections("stale_entropy") + w.stored_rejections("unknown_entropy"), 2);
}

#[test]
fn malformed_and_oversized_reports_and_batches_are_rejected_over_http() {
    let mut w = Net::launch();
    let device = w.device_in(w.iot.address);
    let good = w.heartbeat(&device, w.iot.address, w.entropy());
    let oracle = w.oracle.clone();
    let listener = block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = civnet_oracle::api::router(oracle.clone());
    std::thread::spawn(move || block_on(async move { axum::serve(listener, app).await.unwrap() }));
    let post = |body: &[u8]| -> (u16, Value) {
        match ureq::post(&format!("{url}/v1/reports")).set("content-type", "application/json").send_bytes(body) {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap()),
            Err(e) => panic!("{e}"),
        }
    };
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut wrong_version = report::decode(&good).unwrap();
    if let SignedReport::Heartbeat { body, .. } = &mut wrong_version {
        body.version = 9;
    }
    let batch = json!({"reports": [b64(&good), "not base64 at all", b64(&[good.as_slice(), &[0]].concat()), b64(&vec![1u8; MAX_REPORT_BYTES + 1]), b64(&wrong_version.encode()), b64(&good[..10])]});
    let (status, answer) = post(batch.to_string().as_bytes());
    assert_eq!(status, 200);
    let reasons: Vec<&str> = answer["results"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap_or("accepted")).collect();
    assert_eq!(reasons, ["accepted", "malformed", "malformed", "oversized", "unsupported_version", "malformed"]);
    assert_eq!((answer["accepted"].as_u64(), answer["rejected"].as_u64()), (Some(1), Some(5)));

    let (status, answer) = post(b"{\"reports\": [");
    assert_eq!((status, answer["reason"].as_str()), (400, Some("malformed")));
    let (status, answer) = post(br#"{"heartbeats": []}"#);
    assert_eq!((status, answer["reason"].as_str()), (400, Some("malformed")));
    let too_many = json!({"reports": vec![b64(&good); MAX_BATCH_REPORTS + 1]});
    let (status, answer) = post(too_many.to_string().as_bytes());
    assert_eq!((status, answer["reason"].as_str()), (413, Some("oversized")));
    let huge = vec![b' '; report::MAX_BATCH_BYTES + 1];
    let (status, answer) = post(&huge);
    assert_eq!((status, answer["reason"].as_str()), (413, Some("oversized")));
    // Nothing was dropped: every rejection is on record, whole batches at position -1.
    let count = |sql: &str| block_on(sqlx::query_scalar::<_, i64>(sql).fetch_one(oracle.store.pool())).unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM oracle_rejected WHERE position = -1"), 4);
    assert_eq!(count("SELECT COUNT(*) FROM oracle_rejected WHERE position >= 0"), 5);
    assert_eq!(count("SELECT COUNT(*) FROM oracle_heartbeats"), 1);
}
