//! End to end on solana-test-validator, over HTTP: `civnet oracle` runs as its own process
//! (following the chain into its index), a device heartbeats every second of an epoch with
//! the oracle's entropy, a router reports the session it carried and the DC is burned from
//! its escrow; the epoch closes on chain, the oracle posts the root, and the owner claims
//! with the proof from `GET /v1/rewards/{device key}`, receiving exactly what the formula
//! (recomputed here) gives. The silent device is set inactive on chain.
use crate::common::*;
use std::time::{Duration, Instant};

#[test]
fn an_owner_claims_what_the_oracle_computed() {
    let mut live = Live::launch(2);
    let dir = tempfile::tempdir().unwrap();
    let oracle = OracleProcess::spawn(&live, &sqlite_url(&dir, "oracle.db"), free_addr());
    let url = oracle.url.clone();

    // An epoch in which the device was heard in at least the minimum presence (3 of 20 one-second
    // slices). On a loaded machine a 20-second epoch of wall clock can pass with fewer heartbeats
    // through; then the story moves to the next epoch (a new session), never to a weaker check.
    let mut attempts = 0u64;
    let (epoch, slices) = loop {
        attempts += 1;
        let epoch = live.next_epoch();
        let started = Instant::now();
        live.burn_from_escrow(60_000);
        // The receipt ends now by the oracle's clock, which must be in the epoch too.
        let now = entropy_in_epoch(&url, epoch).expect("the oracle's clock is still in the epoch")["now"].as_i64().unwrap();
        assert_eq!(post_reports(&url, &[live.receipt(&live.devices[0], attempts, 60_000, now)]), ["accepted"]);
        let mut slices = 0u64;
        while started.elapsed() < Duration::from_secs(u64::from(LIVE_EPOCH_SECS) - 6) && live.epoch() == epoch {
            let Some(verdict) = heartbeat_in_epoch(&url, &live.devices[0], live.iot.address, epoch) else { break };
            match verdict.as_str() {
                "accepted" => slices += 1,
                // Once a second by the oracle's clock: the same second twice is the same report.
                "duplicate_slice" | "replayed" => {}
                other => panic!("heartbeat rejected: {other}"),
            }
            std::thread::sleep(Duration::from_millis(1_000));
        }
        if slices >= 3 {
            break (epoch, slices);
        }
        assert!(attempts < 4, "{attempts} epochs in a row with fewer than 3 heartbeats through ({slices} in the last)");
        println!("epoch {epoch}: only {slices} heartbeats got through on this machine; the next epoch");
    };
    live.close_on_chain(epoch);
    let manifest_url = format!("{url}/v1/epochs/{epoch}/manifest");
    wait_until("the oracle to close the epoch", Duration::from_secs(90), || get(&manifest_url).is_some_and(|m| m["sub_networks"][0]["state"] == "done"));
    let manifest = get(&manifest_url).unwrap()["sub_networks"][0].clone();

    let issued = live.issued(epoch);
    let min_presence = manifest["min_presence"].as_u64().unwrap();
    let (shares, rest) = expected_split(issued, &[(slices, 60_000), (0, 0)], min_presence);
    assert_eq!(manifest["issued"].as_u64(), Some(issued));
    assert_eq!(manifest["unallocated"].as_u64(), Some(rest));
    let entries = manifest["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "only the working device has a leaf: {manifest:#}");
    assert_eq!((entries[0]["data_reward"].as_u64(), entries[0]["coverage_reward"].as_u64()), (Some(shares[0].0), Some(shares[0].1)));

    let proof: civnet_oracle::api::RewardProof = serde_json::from_value(get(&format!("{url}/v1/rewards/{}", live.devices[0].key())).expect("a proof")).unwrap();
    assert_eq!(proof.cumulative_amount, shares[0].0 + shares[0].1);
    assert_eq!(proof.root, manifest["root"].as_str().unwrap());
    assert_eq!(live.claim(&live.devices[0], &proof), proof.cumulative_amount);
    assert!(get(&format!("{url}/v1/rewards/{}", live.devices[1].key())).is_none(), "the silent device has nothing to claim");
    assert!(!live.device_active(&live.devices[1]), "silent for the epoch: set inactive");
    assert!(live.device_active(&live.devices[0]));
}
