//! The oracle dies while closing epochs and comes back: on solana-test-validator, the oracle
//! process is SIGKILLed right after each stage of a close (rewards computed, root being
//! posted, root on chain and device activity being set), one stage per epoch, and
//! restarted on the same database. Every epoch ends up closed exactly once: the root on
//! chain is the last manifest's, each epoch's shares and unallocated rest add up to what the
//! chain issued, cumulative amounts grow by exactly each epoch's reward, device activity
//! follows the heartbeats, and the owner's claims pay exactly the final amounts.
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

#[test]
fn a_killed_oracle_pays_each_epoch_once() {
    let mut live = Live::launch(3);
    let dir = tempfile::tempdir().unwrap();
    let database = sqlite_url(&dir, "oracle.db");
    let addr = free_addr();
    let mut oracle = Some(OracleProcess::spawn(&live, &database, addr));
    let url = format!("http://{addr}");

    let mut manifests: Vec<(u64, Value)> = Vec::new();
    for (round, kill_after) in ["rewards computed", "posting root", "root on chain"].into_iter().enumerate() {
        // The first round starts with an epoch (the new oracle meanwhile follows the chain to
        // the devices' onboarding); later ones in the epoch the previous round finished in, if
        // enough of it is left for 8 s of heartbeats and a margin (an epoch saved per round).
        let epoch = if round == 0 { live.next_epoch() } else { live.epoch_with(Duration::from_secs(11)) };
        let started = Instant::now();
        // Devices 0 and 1 always heartbeat; device 2 only in the middle round.
        let speaking: Vec<usize> = if round == 1 { vec![0, 1, 2] } else { vec![0, 1] };
        'heartbeats: while started.elapsed() < Duration::from_secs(8) {
            for &i in &speaking {
                let Some(verdict) = heartbeat_in_epoch(&url, &live.devices[i], live.iot.address, epoch) else { break 'heartbeats };
                // Once a second by the oracle's clock: the same second twice is the same report.
                assert!(["accepted", "duplicate_slice", "replayed"].contains(&verdict.as_str()), "{verdict}");
            }
            std::thread::sleep(Duration::from_millis(1_000));
        }
        live.close_on_chain(epoch);
        // SIGKILL right after the stage's log line, then a new process on the same database.
        oracle.take().unwrap().kill_after(&format!("epoch {epoch}: {kill_after}"), Duration::from_secs(90));
        oracle = Some(OracleProcess::spawn(&live, &database, addr));
        let manifest_url = format!("{url}/v1/epochs/{epoch}/manifest");
        wait_until("the restarted oracle to finish the epoch", Duration::from_secs(90), || get(&manifest_url).is_some_and(|m| m["sub_networks"][0]["state"] == "done"));
        let manifest = get(&manifest_url).unwrap()["sub_networks"][0].clone();
        assert_eq!(live.device_active(&live.devices[2]), round == 1, "round {round}: device 2's activity follows its heartbeats");
        manifests.push((epoch, manifest));
    }

    let cumulative = |m: &Value, i: usize| m["entries"].as_array().unwrap().iter().find(|e| e["device_key"] == live.devices[i].key().to_string()).map_or(0, |e| e["cumulative"].as_u64().unwrap());
    let reward = |m: &Value, i: usize| m["entries"].as_array().unwrap().iter().find(|e| e["device_key"] == live.devices[i].key().to_string()).map_or(0, |e| e["reward"].as_u64().unwrap());
    for (n, (epoch, m)) in manifests.iter().enumerate() {
        let issued = live.issued(*epoch);
        let shares: u64 = m["entries"].as_array().unwrap().iter().map(|e| e["reward"].as_u64().unwrap()).sum();
        assert_eq!(shares + m["unallocated"].as_u64().unwrap(), issued, "epoch {epoch}: paid once, all of it accounted");
        let slices: Vec<(u64, u64)> = (0..3).map(|i| (m["entries"].as_array().unwrap().iter().find(|e| e["device_key"] == live.devices[i].key().to_string()).map_or(0, |e| e["heartbeat_slices"].as_u64().unwrap()), 0)).collect();
        let (expected, rest) = expected_split(issued, &slices, m["min_presence"].as_u64().unwrap());
        assert_eq!(m["unallocated"].as_u64(), Some(rest));
        for i in 0..3 {
            assert_eq!(reward(m, i), expected[i].0 + expected[i].1, "epoch {epoch} device {i}");
            let before = if n == 0 { 0 } else { cumulative(&manifests[n - 1].1, i) };
            assert_eq!(cumulative(m, i), before + reward(m, i), "epoch {epoch} device {i}: cumulative grows by the reward, once");
        }
    }
    let (_, last) = manifests.last().unwrap();
    let on_chain: emissions::state::RewardsRoot = live.validator.anchor_account(&civnet_client::pda::rewards_root(&live.iot.address));
    assert_eq!((hex::encode(on_chain.root), on_chain.total_cumulative), (last["root"].as_str().unwrap().to_string(), last["total_cumulative"].as_u64().unwrap()));
    for (i, device) in live.devices.iter().enumerate() {
        if let Some(proof) = get(&format!("{url}/v1/rewards/{}", device.key())) {
            let proof: civnet_oracle::api::RewardProof = serde_json::from_value(proof).unwrap();
            assert_eq!(proof.cumulative_amount, cumulative(last, i));
            assert_eq!(live.claim(device, &proof), cumulative(last, i), "device {i} claims its final amount exactly");
        }
    }
}
