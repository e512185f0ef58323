//! How fast the index fills: a network with a few hundred devices and burns sent as fast as
//! solana-test-validator takes them, then `civnet index --once` into SQLite from scratch
//! (backfill accounts/s, then every transaction: transactions/s). Printed; run with
//! `--nocapture` to read the numbers.

use civnet_client::network as net;
use civnet_client::registry::MakerKeys;
use civnet_client::scenario;
use civnet_client::{dc, Keypair, Signer, TestValidator};
use civnet_indexer::Store;
use crate::common::*;
use std::time::{Duration, Instant};

const DEVICES: usize = 1000;
const BURNS: usize = 1000;

#[test]
fn indexing_throughput_is_measured() {
    let mut validator = TestValidator::start();
    let customer = Keypair::new();
    validator.airdrop(&customer.pubkey(), 5_000_000_000);
    // Day-long epochs: the whole load lands in one epoch.
    let network = scenario::initialize_network_with_genesis(&mut validator, net::short_epoch_network_args(86_400), &[(customer.pubkey(), 10_000_000_000)]);
    scenario::initialize_data_credits(&mut validator, &network, &network.authority, dc::fixed_price_args(150_000_000)).unwrap();
    let iot = net::create_sub_network(&mut validator, &network, "IOT");
    let mut maker = MakerKeys::create_approved(&mut validator, &network, "acme");
    maker.set_tree(&mut validator, &network, TREE).unwrap();
    dc::buy_dc(&mut validator, &network, &customer, 100_000_000);

    // Sent without waiting for each; confirmed at the end.
    let rpc = validator.cluster.rpc.clone();
    let payer = validator.cluster.payer.insecure_clone();
    let started = Instant::now();
    let mut signatures = Vec::new();
    let mut blockhash = rpc.latest_blockhash().unwrap();
    for i in 0..DEVICES + BURNS {
        if i % 100 == 0 {
            blockhash = rpc.latest_blockhash().unwrap();
        }
        let tx = if i < DEVICES {
            let device = Keypair::new();
            let ix = maker.issue_device_ix(&network, payer.pubkey(), device.pubkey(), customer.pubkey());
            let signers: [&Keypair; 3] = [&payer, &maker.authority, &device];
            solana_transaction::Transaction::new_signed_with_payer(&[civnet_client::bubblegum::compute_budget(400_000), ix], Some(&payer.pubkey()), &signers, blockhash)
        } else {
            let ix = dc::burn_data_credits_ix(&network, customer.pubkey(), &iot.address, 1_000 + i as u64);
            solana_transaction::Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer, &customer], blockhash)
        };
        signatures.push(rpc.send_transaction(&tx).unwrap_or_else(|e| panic!("transaction {i}: {e}")));
    }
    for signature in &signatures {
        assert!(rpc.wait_confirmed(signature, Duration::from_secs(120)).unwrap().is_none(), "{signature} failed");
    }
    println!("load: {} transactions confirmed in {:.1?}", signatures.len(), started.elapsed());

    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir, "index.db");
    let counts = index_once(validator.rpc_url(), &db);
    assert_eq!(counts["devices"], DEVICES as u64);
    assert_eq!(counts["burns"], BURNS as u64);
    let run = &counts["run"];
    println!(
        "throughput (SQLite, from scratch): backfill {} accounts in {:.2} s = {} accounts/s; follow {} transactions ({} events) in {:.2} s = {} transactions/s (RPC {:.2} s, database {:.2} s)",
        run["accounts"],
        run["backfill_secs"].as_f64().unwrap(),
        run["accounts_per_sec"],
        run["transactions"],
        run["events"],
        run["follow_secs"].as_f64().unwrap(),
        run["transactions_per_sec"],
        run["follow_rpc_secs"].as_f64().unwrap(),
        run["follow_db_secs"].as_f64().unwrap()
    );
    let store = block_on(Store::open(&db)).unwrap();
    assert_eq!(block_on(store.count("transactions")).unwrap(), run["transactions"].as_u64().unwrap());

    if let Some(postgres) = Postgres::start() {
        let counts = index_once(validator.rpc_url(), &postgres.url);
        let run = &counts["run"];
        println!(
            "throughput (PostgreSQL, from scratch): backfill {} accounts/s; follow {} transactions/s ({} transactions in {:.2} s: RPC {:.2} s, database {:.2} s)",
            run["accounts_per_sec"],
            run["transactions_per_sec"],
            run["transactions"],
            run["follow_secs"].as_f64().unwrap(),
            run["follow_rpc_secs"].as_f64().unwrap(),
            run["follow_db_secs"].as_f64().unwrap()
        );
    }
}
