//! What the indexer stories share: a network driven over RPC in solana-test-validator (with a
//! tally of what it did), checks that compare the index with the chain, the indexer run as a
//! separate process (so it can be killed), and a throwaway PostgreSQL server.
#![allow(dead_code)]
use anchor_lang::{AccountDeserialize, Discriminator};
use civnet_client::bubblegum::TreeShape;
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry::{self, IssuedDevice, MakerKeys};
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::{dc, tokens, Keypair, Pubkey, Signer, TestValidator, TxSuccess};
use civnet_common::rewards::RewardTree;
use civnet_indexer::{IndexArgs, Store};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };
/// Valid H3 cells (resolution 12 and 9).
pub const LOCATION: u64 = 0x8c2830828052dff;
pub const OTHER_LOCATION: u64 = 0x8928308280fffff;
/// Epochs short enough to close one within a test, long enough that most transactions land
/// in the epoch they were built for (the rest are rebuilt).
pub const EPOCH_SECS: u32 = 8;

/// Runs `future` on the tests' one runtime (a pool's connections belong to the runtime that
/// opened them, so every call shares it).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()).block_on(future)
}

/// What the scenario did, counted as it went: the index must hold exactly this many events.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub mints: u64,
    pub usage_burns: u64,
    pub delegated_burns: u64,
    pub onboardings: u64,
    /// Location / elevation / gain updates (a moved device pays the location fee).
    pub updates: u64,
    pub activity_changes: u64,
    pub issuance: u64,
    pub root_updates: u64,
    pub claims: u64,
    pub devices_issued: u64,
    pub devices_retired: u64,
    pub failed: u64,
}

pub struct Issued {
    pub device: IssuedDevice,
    pub owner: usize,
    pub retired: bool,
}

/// A network on solana-test-validator: IOT and MOBILE, maker "acme" with a tree, maker
/// "bolt" approved and revoked, a customer with DC and three device owners.
pub struct World {
    pub validator: TestValidator,
    pub net: NetworkKeys,
    pub iot: SubNetworkKeys,
    pub mobile: SubNetworkKeys,
    pub acme: MakerKeys,
    pub customer: Keypair,
    pub owners: Vec<Keypair>,
    pub devices: Vec<Issued>,
    pub tally: Tally,
    sequence: u64,
}

impl World {
    pub fn launch() -> Self {
        let mut validator = TestValidator::start();
        let customer = Keypair::new();
        let owners: Vec<Keypair> = (0..3).map(|_| Keypair::new()).collect();
        for key in std::iter::once(&customer).chain(&owners) {
            validator.airdrop(&key.pubkey(), 5_000_000_000);
        }
        let mut genesis = vec![(customer.pubkey(), 1_000_000_000)];
        genesis.extend(owners.iter().map(|o| (o.pubkey(), 100_000_000)));
        let net = scenario::initialize_network_with_genesis(&mut validator, net::short_epoch_network_args(EPOCH_SECS), &genesis);
        scenario::initialize_data_credits(&mut validator, &net, &net.authority, dc::fixed_price_args(150_000_000)).expect("data credits");
        let iot = net::create_sub_network(&mut validator, &net, "IOT");
        let mobile = net::create_sub_network(&mut validator, &net, "MOBILE");
        let mut acme = MakerKeys::create_approved(&mut validator, &net, "acme");
        acme.set_tree(&mut validator, &net, TREE).expect("set_maker_tree");
        let bolt = MakerKeys::create_approved(&mut validator, &net, "bolt");
        validator.send_ok(&[registry::revoke_maker_ix(&net, net.authority.pubkey(), &bolt.address)], &[&net.authority]);
        let mut tally = Tally::default();
        dc::buy_dc(&mut validator, &net, &customer, 50_000_000);
        for owner in &owners {
            dc::buy_dc(&mut validator, &net, owner, 12_000_000);
        }
        tally.mints += 1 + owners.len() as u64;
        Self { validator, net, iot, mobile, acme, customer, owners, devices: Vec::new(), tally, sequence: 0 }
    }

    pub fn url(&self) -> String {
        self.validator.rpc_url().to_string()
    }

    pub fn epoch(&self) -> u64 {
        net::current_epoch(&self.validator, EPOCH_SECS)
    }

    /// Sends `instructions` paid by `payer` (a wallet paying for itself keeps the
    /// transaction small enough for onboarding's proof) or by the validator's payer.
    pub fn send(&self, instructions: &[anchor_lang::solana_program::instruction::Instruction], payer: Option<&Keypair>, signers: &[&Keypair]) -> Result<TxSuccess, civnet_client::TxFailure> {
        let Some(payer) = payer else { return self.validator.send(instructions, signers) };
        let rpc = &self.validator.cluster.rpc;
        let mut all = vec![payer];
        all.extend(signers.iter().copied().filter(|s| s.pubkey() != payer.pubkey()));
        let tx = solana_transaction::Transaction::new_signed_with_payer(instructions, Some(&payer.pubkey()), &all, rpc.latest_blockhash().expect("blockhash"));
        self.validator.cluster.send_signed(&tx).map_err(|e| match e {
            civnet_client::rpc::SendError::Failed(failure) => failure,
            civnet_client::rpc::SendError::Rpc(error) => panic!("RPC: {error}"),
        })
    }

    pub fn send_ok(&self, instructions: &[anchor_lang::solana_program::instruction::Instruction], payer: Option<&Keypair>, signers: &[&Keypair]) -> TxSuccess {
        self.send(instructions, payer, signers).unwrap_or_else(|f| panic!("transaction failed: {f}\nlogs: {:#?}", f.logs))
    }

    pub fn issue(&mut self, owner: usize) -> usize {
        let owner_key = self.owners[owner].pubkey();
        let (device, _) = self.acme.issue_device(&mut self.validator, &self.net, &owner_key);
        self.devices.push(Issued { device, owner, retired: false });
        self.tally.devices_issued += 1;
        self.devices.len() - 1
    }

    pub fn onboard(&mut self, i: usize, sub: Pubkey, location: u64) {
        let device = &self.devices[i].device;
        let owner = &self.owners[self.devices[i].owner];
        let (cnft, proof) = self.acme.ownership_proof(&self.validator, &self.net, device);
        let args = device_registry::instructions::OnboardDeviceArgs { device_key: device.device_key, location, elevation: 12, gain: 30, cnft };
        let ix = registry::onboard_device_ix(&self.net, owner.pubkey(), &sub, device.merkle_tree, args, &proof);
        self.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], Some(owner), &[]);
        self.tally.onboardings += 1;
    }

    pub fn update_location(&mut self, i: usize, sub: Pubkey, location: u64) {
        let device = &self.devices[i].device;
        let owner = &self.owners[self.devices[i].owner];
        let (cnft, proof) = self.acme.ownership_proof(&self.validator, &self.net, device);
        let args = device_registry::instructions::UpdateDeviceArgs { device_key: device.device_key, location: Some(location), elevation: Some(40), gain: Some(55), cnft };
        let ix = registry::update_device_ix(&self.net, owner.pubkey(), &sub, device.merkle_tree, args, &proof);
        self.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], Some(owner), &[]);
        self.tally.updates += 1;
    }

    /// Marks device `i` active or inactive (a change: the device is in the other state).
    pub fn set_active(&mut self, i: usize, sub: &SubNetworkKeys, active: bool) {
        let key = self.devices[i].device.device_key;
        let authority = &sub.active_device_authority;
        self.send_ok(&[registry::set_device_active_ix(&self.net, authority.pubkey(), &sub.address, key, active)], None, &[authority]);
        self.tally.activity_changes += 1;
    }

    /// Retires device `i` (its account closes); `active_in`: the sub-network an active
    /// device leaves.
    pub fn retire(&mut self, i: usize, active_in: Option<Pubkey>) {
        let device = self.devices[i].device.clone();
        let owner = &self.owners[self.devices[i].owner];
        let (cnft, proof) = self.acme.ownership_proof(&self.validator, &self.net, &device);
        let ix = registry::retire_device_ix(&self.net, owner.pubkey(), &device, active_in, cnft, &proof);
        self.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], Some(owner), &[]);
        self.acme.record_burned(&device);
        self.devices[i].retired = true;
        self.tally.devices_retired += 1;
    }

    pub fn burn(&mut self, sub: Pubkey, amount: u64) {
        let customer = &self.customer;
        self.send_ok(&[dc::burn_data_credits_ix(&self.net, customer.pubkey(), &sub, amount)], None, &[customer]);
        self.tally.usage_burns += 1;
    }

    pub fn delegate(&mut self, sub: Pubkey, router: &str, amount: u64) {
        self.validator.send_ok(&[dc::delegate_ix(&self.net, self.customer.pubkey(), &sub, router, amount)], &[&self.customer]);
    }

    pub fn burn_delegated(&mut self, sub: &SubNetworkKeys, router: &str, amount: u64) {
        self.sequence += 1;
        let authority = &sub.dc_burn_authority;
        self.send_ok(&[dc::burn_delegated_ix(&self.net, authority.pubkey(), &sub.address, router, amount, self.sequence)], None, &[authority]);
        self.tally.delegated_burns += 1;
    }

    /// A router report replayed with its old sequence number, sent without preflight so it
    /// lands on chain and fails: the index must pass over it.
    pub fn replay_delegated_burn(&mut self, sub: &SubNetworkKeys, router: &str, amount: u64) {
        let payer = &self.validator.cluster.payer;
        let ix = dc::burn_delegated_ix(&self.net, sub.dc_burn_authority.pubkey(), &sub.address, router, amount, self.sequence);
        let rpc = &self.validator.cluster.rpc;
        let tx = solana_transaction::Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer, &sub.dc_burn_authority], rpc.latest_blockhash().unwrap());
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap());
        let signature = rpc.call("sendTransaction", json!([encoded, {"encoding": "base64", "skipPreflight": true}])).expect("sendTransaction");
        let err = rpc.wait_confirmed(signature.as_str().unwrap(), Duration::from_secs(60)).expect("confirmation");
        assert!(err.is_some(), "the replayed burn must fail on chain");
        self.tally.failed += 1;
    }

    pub fn wait_for_epoch_after(&self, epoch: u64) {
        let started = Instant::now();
        while self.epoch() <= epoch {
            assert!(started.elapsed() < Duration::from_secs(120), "the validator's clock did not pass epoch {epoch}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Scores both sub-networks for ended `epoch` and issues their rewards.
    pub fn close_epoch(&mut self, epoch: u64) {
        self.wait_for_epoch_after(epoch);
        let payer = self.validator.cluster.payer.pubkey();
        for sub in [&self.iot, &self.mobile] {
            self.validator.send_ok(&[net::calculate_utility_score_ix(&self.net.network, &sub.address, payer, epoch)], &[]);
        }
        for sub in [&self.iot, &self.mobile] {
            self.validator.send_ok(&[net::issue_rewards_ix(&self.net, &sub.address, epoch)], &[]);
        }
        self.tally.issuance += 2;
    }

    /// The IOT oracle publishes a root giving device `i` `amount` (cumulative) and its owner claims it.
    pub fn root_and_claim(&mut self, i: usize, amount: u64) {
        let device = self.devices[i].device.clone();
        let owner = &self.owners[self.devices[i].owner];
        let tree = RewardTree::new(&[(device.asset_id.to_bytes(), amount), (Pubkey::new_unique().to_bytes(), 1)]);
        let oracle = &self.iot.rewards_oracle;
        self.validator.send_ok(&[net::set_rewards_root_ix(&self.iot.address, oracle.pubkey(), tree.root(), amount + 1)], &[oracle]);
        self.tally.root_updates += 1;
        let (cnft, proof) = self.acme.ownership_proof(&self.validator, &self.net, &device);
        let args = emissions::instructions::ClaimRewardsArgs { asset_id: device.asset_id, cumulative_amount: amount, reward_proof: tree.proof(0), cnft };
        let destination = tokens::ata(&owner.pubkey(), &self.net.token_mint);
        let ix = net::claim_rewards_ix(&self.net, &self.iot.address, owner.pubkey(), device.merkle_tree, destination, args, &proof);
        self.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], Some(owner), &[]);
        self.tally.claims += 1;
    }

    /// The first part of the story: devices issued and onboarded, DC burned every way, an
    /// epoch closed with issuance, a root posted and a claim; one failed transaction.
    pub fn first_part(&mut self) {
        let d0 = self.issue(0);
        let d1 = self.issue(1);
        let d2 = self.issue(2);
        self.onboard(d0, self.iot.address, LOCATION);
        self.onboard(d1, self.mobile.address, 0);
        self.onboard(d2, self.mobile.address, 0);
        self.burn(self.iot.address, 1_000_000);
        self.burn(self.mobile.address, 2_000_000);
        self.delegate(self.iot.address, "router-1", 500_000);
        let iot = self.iot.insecure_clone();
        self.burn_delegated(&iot, "router-1", 200_000);
        self.replay_delegated_burn(&iot, "router-1", 200_000);
        self.burn(self.iot.address, 300_000);
        let epoch = self.epoch();
        self.close_epoch(epoch);
        let issued = self.validator.anchor_account::<emissions::state::SubNetwork>(&self.iot.address).total_issued;
        self.root_and_claim(d0, issued / 2);
    }

    /// More of everything: new devices, a retirement (of an active device), a location
    /// change, activity changes and `burns` usage burns (the stream a follower is killed in).
    pub fn second_part(&mut self, burns: u64, mut between: impl FnMut(u64, &World)) {
        let d3 = self.issue(0);
        self.onboard(d3, self.iot.address, 0);
        self.retire(2, Some(self.mobile.address));
        self.update_location(0, self.iot.address, OTHER_LOCATION);
        let iot = self.iot.insecure_clone();
        self.set_active(0, &iot, false);
        for n in 0..burns {
            let sub = if n % 2 == 0 { self.iot.address } else { self.mobile.address };
            self.burn(sub, 10_000 + n);
            between(n, self);
        }
        self.set_active(0, &iot, true);
        self.burn_delegated(&iot, "router-1", 50_000);
    }
}

/// `SubNetworkKeys` has no Clone; tests sign with copies of its keys.
pub trait InsecureClone {
    fn insecure_clone(&self) -> Self;
}

impl InsecureClone for SubNetworkKeys {
    fn insecure_clone(&self) -> Self {
        SubNetworkKeys {
            name: self.name.clone(),
            address: self.address,
            rewards_escrow: self.rewards_escrow,
            dc_burn_authority: self.dc_burn_authority.insecure_clone(),
            active_device_authority: self.active_device_authority.insecure_clone(),
            rewards_oracle: self.rewards_oracle.insecure_clone(),
        }
    }
}

/// `civnet index --once`, as the CLI runs it.
pub fn index_once(url: &str, database: &str) -> Value {
    civnet_indexer::run(url, IndexArgs { database: database.to_string(), once: true, poll_ms: 100, ..Default::default() }).expect("civnet index --once")
}

pub fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

/// Every row of `table`, ordered, as the API would serve it.
pub fn rows(store: &Store, table: &str, order: &str) -> Vec<Value> {
    block_on(store.select(&format!("SELECT * FROM {table} ORDER BY {order}"), &[])).unwrap()
}

fn onchain<T: AccountDeserialize + Discriminator>(w: &World, program: &Pubkey) -> BTreeMap<String, T> {
    let found = w.validator.cluster.rpc.program_accounts(program, T::DISCRIMINATOR).expect("getProgramAccounts");
    found.into_iter().map(|(key, _)| (key.to_string(), w.validator.anchor_account::<T>(&key))).collect()
}

/// Compares each account table with the accounts on chain, field by field: the same
/// addresses, and each column as the API documents it (amounts as numbers, u128 as strings,
/// unset keys and locations as null).
pub fn assert_accounts_match_chain(w: &World, store: &Store) {
    use data_credits::state::*;
    use device_registry::state::*;
    use emissions::state::*;
    let key = |k: &Pubkey| if *k == Pubkey::default() { Value::Null } else { json!(k.to_string()) };
    let loc = |c: u64| if c == 0 { Value::Null } else { json!(format!("{c:x}")) };
    let mut tables: Vec<(&str, BTreeMap<String, Value>)> = Vec::new();
    tables.push(("networks", onchain::<Network>(w, &emissions::ID).into_iter().map(|(a, n)| (a, json!({
        "authority": n.authority.to_string(), "pending_authority": key(&n.pending_authority), "token_mint": n.token_mint.to_string(),
        "epoch_length_secs": n.epoch_length_secs, "start_epoch": n.start_epoch, "max_issuance_per_epoch": n.max_issuance_per_epoch,
        "total_issued": n.total_issued, "sub_network_created_epochs": n.sub_network_created_epochs,
        "emission_schedule": n.emission_schedule.iter().map(|s| json!({"start_epoch": s.start_epoch, "tokens_per_epoch": s.tokens_per_epoch})).collect::<Vec<_>>(),
    }))).collect()));
    tables.push(("sub_networks", onchain::<SubNetwork>(w, &emissions::ID).into_iter().map(|(a, s)| (a, json!({
        "network": s.network.to_string(), "idx": s.index, "name": s.name, "dc_burn_authority": s.dc_burn_authority.to_string(),
        "active_device_authority": s.active_device_authority.to_string(), "rewards_oracle": s.rewards_oracle.to_string(),
        "rewards_escrow": s.rewards_escrow.to_string(), "onboarding_fee_dc": s.onboarding_fee_dc, "location_fee_dc": s.location_fee_dc,
        "created_epoch": s.created_epoch, "total_issued": s.total_issued, "total_claimed": s.total_claimed,
    }))).collect()));
    tables.push(("epochs", onchain::<EpochInfo>(w, &emissions::ID).into_iter().map(|(a, e)| (a, json!({
        "network": e.network.to_string(), "epoch": e.epoch, "sub_networks_expected": e.sub_networks_expected,
        "sub_networks_scored": e.sub_networks_scored, "sub_networks_issued": e.sub_networks_issued,
        "total_utility_score": e.total_utility_score.to_string(), "dc_burned": e.dc_burned, "emission": e.emission, "total_issued": e.total_issued,
    }))).collect()));
    tables.push(("sub_network_epochs", onchain::<SubNetworkEpochInfo>(w, &emissions::ID).into_iter().map(|(a, e)| (a, json!({
        "sub_network": e.sub_network.to_string(), "epoch": e.epoch, "active_devices": e.active_devices, "dc_burned": e.dc_burned,
        "utility_score": e.utility_score.to_string(), "issued": e.issued, "score_done": e.score_done, "rewards_issued": e.rewards_issued,
    }))).collect()));
    tables.push(("reward_roots", onchain::<RewardsRoot>(w, &emissions::ID).into_iter().map(|(a, r)| (a, json!({
        "sub_network": r.sub_network.to_string(), "root": hex::encode(r.root), "total_cumulative": r.total_cumulative, "version": r.version, "updated_at": r.updated_at,
    }))).collect()));
    tables.push(("recipients", onchain::<Recipient>(w, &emissions::ID).into_iter().map(|(a, r)| (a, json!({
        "sub_network": r.sub_network.to_string(), "asset_id": r.asset_id.to_string(), "total_claimed": r.total_claimed,
    }))).collect()));
    tables.push(("dc_configs", onchain::<DataCreditsConfig>(w, &data_credits::ID).into_iter().map(|(a, c)| (a, json!({
        "network": c.network.to_string(), "network_mint": c.network_mint.to_string(), "dc_mint": c.dc_mint.to_string(),
        "price_oracle": match c.price_oracle { PriceOracle::Fixed { usd_per_token_e8 } => json!({"fixed": {"usd_per_token_e8": usd_per_token_e8}}), PriceOracle::Pyth { .. } => unreachable!() },
        "max_dc_minted_per_epoch": c.max_dc_minted_per_epoch, "mint_window_epoch": c.mint_window_epoch, "minted_this_epoch": c.minted_this_epoch,
        "total_dc_minted": c.total_dc_minted, "total_tokens_burned": c.total_tokens_burned,
        "epoch_length_secs": c.epoch_length_secs, "network_mint_decimals": c.network_mint_decimals,
        "last_price_publish_time": c.last_price_publish_time,
    }))).collect()));
    tables.push(("dc_escrows", onchain::<DelegatedEscrow>(w, &data_credits::ID).into_iter().map(|(a, e)| (a, json!({
        "sub_network": e.sub_network.to_string(), "router_key": e.router_key, "last_sequence": e.last_sequence,
        "total_delegated": e.total_delegated, "total_burned": e.total_burned,
    }))).collect()));
    tables.push(("sub_network_burns", onchain::<SubNetworkBurns>(w, &data_credits::ID).into_iter().map(|(a, b)| {
        let (epochs, burned) = live_entries(b.entries_written, &b.epochs, &b.burned);
        (a, json!({
            "sub_network": b.sub_network.to_string(), "total_burned": b.total_burned, "entries_written": b.entries_written,
            "epochs": epochs, "burned": burned, "network": b.network.to_string(), "dc_mint": b.dc_mint.to_string(),
            "epoch_length_secs": b.epoch_length_secs,
        }))
    }).collect()));
    tables.push(("sub_network_devices", onchain::<SubNetworkDevices>(w, &device_registry::ID).into_iter().map(|(a, d)| {
        let (epochs, active_at_end) = live_entries(d.entries_written, &d.epochs, &d.active_at_end);
        (a, json!({
            "sub_network": d.sub_network.to_string(), "active_devices": d.active_devices, "entries_written": d.entries_written,
            "epochs": epochs, "active_at_end": active_at_end, "fees_dc_burned": d.fees_dc_burned, "devices_onboarded": d.devices_onboarded,
        }))
    }).collect()));
    tables.push(("makers", onchain::<Maker>(w, &device_registry::ID).into_iter().map(|(a, m)| (a, json!({
        "network": m.network.to_string(), "name": m.name, "authority": m.authority.to_string(), "approved": m.approved,
        "merkle_tree": key(&m.merkle_tree), "tree_capacity": m.tree_capacity, "tree_devices": m.tree_devices,
        "devices_issued": m.devices_issued, "uri_base": m.uri_base, "device_creator": key(&m.device_creator),
    }))).collect()));
    // Devices: the account's fields, plus who the device is (from the scenario, which knows).
    let issued: BTreeMap<String, &Issued> = w.devices.iter().map(|d| (registry::device_address(&w.net.network, &d.device.device_key).to_string(), d)).collect();
    tables.push(("devices", onchain::<Device>(w, &device_registry::ID).into_iter().map(|(a, d)| {
        let who = issued.get(&a).unwrap_or_else(|| panic!("device {a} on chain was not issued by the scenario"));
        (a, json!({
            "asset_id": d.asset_id.to_string(), "sub_network_index": (d.sub_network_index != NOT_ONBOARDED).then_some(d.sub_network_index),
            "active": d.active, "location": loc(d.location), "elevation": d.elevation, "gain": d.gain,
            "device_key": who.device.device_key.to_string(), "network": w.net.network.to_string(), "maker": w.acme.address.to_string(),
            "owner": w.owners[who.owner].pubkey().to_string(), "merkle_tree": who.device.merkle_tree.to_string(), "leaf_index": who.device.nonce,
        }))
    }).collect()));

    for (table, expected) in tables {
        let stored: BTreeMap<String, Value> = rows(store, table, "address").into_iter().map(|r| (r["address"].as_str().unwrap().to_string(), r)).collect();
        assert_eq!(stored.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "{table}: the index holds other accounts than the chain");
        for (address, want) in &expected {
            let row = &stored[address];
            for (column, value) in want.as_object().unwrap() {
                assert_eq!(&row[column], value, "{table} {address} column {column}: index {row:#}");
            }
            assert_eq!(row.as_object().unwrap().len(), want.as_object().unwrap().len() + 1, "{table}: a column the test does not check: {row:#}");
        }
    }
    assert_eq!(w.devices.iter().filter(|d| !d.retired).count(), rows(store, "devices", "address").len());
    // Every sub-network has both activity records (the scenario opens them with the sub-network).
    assert_eq!(rows(store, "sub_network_burns", "address").len(), 2);
    assert_eq!(rows(store, "sub_network_devices", "address").len(), 2);
}

/// An activity record's ring (`civnet_common::history`) as (epoch, value) pairs, oldest
/// first: walked back from the newest slot.
fn live_entries(entries_written: u64, epochs: &[u64; 64], values: &[u64; 64]) -> (Vec<u64>, Vec<u64>) {
    let mut pairs: Vec<(u64, u64)> = (0..entries_written.min(64)).map(|back| ((entries_written - 1 - back) % 64) as usize).map(|slot| (epochs[slot], values[slot])).collect();
    pairs.reverse();
    pairs.into_iter().unzip()
}

fn sum(rows: &[Value], column: &str) -> u64 {
    rows.iter().map(|r| r[column].as_u64().unwrap_or_else(|| panic!("{column} not a u64 in {r}"))).try_fold(0u64, |acc, v| acc.checked_add(v)).expect("sum overflows u64")
}

fn count_where(rows: &[Value], column: &str, value: &str) -> u64 {
    rows.iter().filter(|r| r[column] == value).count() as u64
}

/// The event tables hold exactly what the scenario did, once, and add up to the accounts'
/// totals; every successful transaction of the three programs is recorded, none twice.
pub fn assert_events_match_chain(w: &World, store: &Store) {
    let burns = rows(store, "dc_burns", "signature, ix, inner_ix");
    let t = &w.tally;
    assert_eq!(count_where(&burns, "kind", "usage"), t.usage_burns, "usage burns");
    assert_eq!(count_where(&burns, "kind", "delegated"), t.delegated_burns, "delegated burns");
    assert_eq!(burns.len() as u64, t.usage_burns + t.delegated_burns, "dc_burns holds usage burns only");
    let changes = rows(store, "device_changes", "slot, signature, ix, inner_ix");
    assert_eq!(count_where(&changes, "kind", "onboarded"), t.onboardings, "onboardings");
    assert_eq!(count_where(&changes, "kind", "updated"), t.updates, "updates");
    assert_eq!(count_where(&changes, "kind", "activated") + count_where(&changes, "kind", "deactivated"), t.activity_changes, "activity changes");
    assert_eq!(count_where(&changes, "kind", "retired"), t.devices_retired, "retirements");
    assert_eq!(changes.len() as u64, t.onboardings + t.updates + t.activity_changes + t.devices_retired);
    let mints = rows(store, "dc_mints", "signature, ix, inner_ix");
    assert_eq!(mints.len() as u64, t.mints);
    let issuance = rows(store, "issuance", "signature, ix, inner_ix");
    assert_eq!(issuance.len() as u64, t.issuance);
    let roots = rows(store, "reward_root_updates", "signature, ix, inner_ix");
    assert_eq!(roots.len() as u64, t.root_updates);
    let claims = rows(store, "claims", "signature, ix, inner_ix");
    assert_eq!(claims.len() as u64, t.claims);
    let events = rows(store, "events", "signature, ix, inner_ix");
    assert_eq!(count_where(&events, "name", "DeviceIssued"), t.devices_issued);
    assert_eq!(count_where(&events, "name", "DeviceRetired"), t.devices_retired);
    assert_eq!(count_where(&events, "name", "MakerCreated"), 2);
    assert_eq!(count_where(&events, "name", "SubNetworkCreated"), 2);
    assert_eq!(count_where(&events, "name", "NetworkInitialized"), 1);

    // Totals: DC minted and burned for usage; per sub-network and scored epoch, usage burns,
    // the active devices at its end and issuance.
    let config: data_credits::state::DataCreditsConfig = w.validator.anchor_account(&scenario::dc_config_address(&w.net.network));
    assert_eq!(sum(&mints, "dc_minted"), config.total_dc_minted);
    let usage: u64 = [&w.iot, &w.mobile].iter().map(|sub| dc::sub_network_burns(&w.validator, &sub.address).total_burned).sum();
    assert_eq!(sum(&burns, "amount"), usage);
    // The sub-network's active devices after its latest change up to `epoch` (0 before any).
    let active_at_end = |sub: &Value, epoch: Option<u64>| -> u64 {
        changes
            .iter()
            .filter(|c| &c["sub_network"] == sub && !c["active_devices"].is_null() && epoch.is_none_or(|e| c["epoch"].as_u64().unwrap() <= e))
            .last()
            .map_or(0, |c| c["active_devices"].as_u64().unwrap())
    };
    for info in rows(store, "sub_network_epochs", "address") {
        let of_epoch = |r: &&Value| r["sub_network"] == info["sub_network"] && r["epoch"] == info["epoch"];
        let burned: Vec<Value> = burns.iter().filter(of_epoch).cloned().collect();
        assert_eq!(sum(&burned, "amount"), info["dc_burned"].as_u64().unwrap(), "burns of {info}");
        assert_eq!(active_at_end(&info["sub_network"], info["epoch"].as_u64()), info["active_devices"].as_u64().unwrap(), "active devices of {info}");
        let issued: Vec<Value> = issuance.iter().filter(of_epoch).cloned().collect();
        assert_eq!(sum(&issued, "amount"), info["issued"].as_u64().unwrap(), "issuance of {info}");
    }

    // The activity records: usage burns add up to SubNetworkBurns (in total, per epoch, and
    // each burn's running sum of its epoch); device changes to SubNetworkDevices.
    let burns_by_slot = rows(store, "dc_burns", "slot, signature, ix, inner_ix");
    for record in rows(store, "sub_network_burns", "address") {
        let sub = &record["sub_network"];
        let of_sub: Vec<Value> = burns_by_slot.iter().filter(|b| &b["sub_network"] == sub).cloned().collect();
        assert_eq!(sum(&of_sub, "amount"), record["total_burned"].as_u64().unwrap(), "burns of {record}");
        let mut running: BTreeMap<u64, u64> = BTreeMap::new();
        for burn in &of_sub {
            let so_far = running.entry(burn["epoch"].as_u64().unwrap()).or_default();
            *so_far += burn["amount"].as_u64().unwrap();
            assert_eq!(burn["epoch_dc_burned"].as_u64(), Some(*so_far), "running sum of {burn}");
        }
        let ring: BTreeMap<u64, u64> =
            record["epochs"].as_array().unwrap().iter().zip(record["burned"].as_array().unwrap()).map(|(e, b)| (e.as_u64().unwrap(), b.as_u64().unwrap())).collect();
        assert_eq!(ring, running, "per-epoch burns of {record}");
    }
    let onboarded_to: BTreeMap<&str, &Value> = changes.iter().filter(|c| c["kind"] == "onboarded").map(|c| (c["device"].as_str().unwrap(), &c["sub_network"])).collect();
    let mut all_fees = 0;
    for record in rows(store, "sub_network_devices", "address") {
        let sub = &record["sub_network"];
        assert_eq!(active_at_end(sub, None), record["active_devices"].as_u64().unwrap(), "active devices of {record}");
        for (epoch, active) in record["epochs"].as_array().unwrap().iter().zip(record["active_at_end"].as_array().unwrap()) {
            assert_eq!(active_at_end(sub, epoch.as_u64()), active.as_u64().unwrap(), "epoch {epoch} of {record}");
        }
        let onboardings = changes.iter().filter(|c| c["kind"] == "onboarded" && &c["sub_network"] == sub).count() as u64;
        assert_eq!(onboardings, record["devices_onboarded"].as_u64().unwrap(), "onboardings of {record}");
        // Fees: its onboardings, and the updates of devices onboarded to it.
        let fees: Vec<Value> = changes.iter().filter(|c| &c["sub_network"] == sub || (c["kind"] == "updated" && onboarded_to.get(c["device"].as_str().unwrap()) == Some(&sub))).cloned().collect();
        assert_eq!(sum(&fees, "fee_dc"), record["fees_dc_burned"].as_u64().unwrap(), "fees of {record}");
        all_fees += record["fees_dc_burned"].as_u64().unwrap();
    }
    assert_eq!(sum(&changes, "fee_dc"), all_fees, "every fee counted in a sub-network's record");
    for sub in rows(store, "sub_networks", "address") {
        let of_sub = |r: &&Value| r["sub_network"] == sub["address"];
        assert_eq!(sum(&claims.iter().filter(of_sub).cloned().collect::<Vec<_>>(), "amount"), sub["total_claimed"].as_u64().unwrap());
        assert_eq!(sum(&issuance.iter().filter(of_sub).cloned().collect::<Vec<_>>(), "amount"), sub["total_issued"].as_u64().unwrap());
    }

    // Every successful transaction of the three programs, each once.
    let mut successful = BTreeSet::new();
    let mut failed = BTreeSet::new();
    for program in [emissions::ID, data_credits::ID, device_registry::ID] {
        for entry in civnet_indexer::chain::signatures_since(&w.validator.cluster.rpc, &program, None).unwrap() {
            if entry.failed { failed.insert(entry.signature) } else { successful.insert(entry.signature) };
        }
    }
    let stored: BTreeSet<String> = rows(store, "transactions", "signature").iter().map(|r| r["signature"].as_str().unwrap().to_string()).collect();
    assert_eq!(stored, successful, "the index must hold every successful transaction exactly once");
    // Exactly the scenario's deliberate failures (everything else is sent with preflight).
    assert_eq!(failed.len() as u64, t.failed, "failed transactions on chain");
    assert!(failed.is_disjoint(&stored));
}

/// The whole index as JSON, table by table, for comparing two databases.
pub fn dump(store: &Store) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::new();
    for table in civnet_indexer::schema::ACCOUNT_TABLES {
        out.insert(table.to_string(), rows(store, table, "address"));
    }
    for table in civnet_indexer::schema::EVENT_TABLES {
        out.insert(table.to_string(), rows(store, table, "signature, ix, inner_ix"));
    }
    out.insert("transactions".into(), rows(store, "transactions", "signature"));
    out.insert("cursors".into(), rows(store, "cursors", "program"));
    out
}

/// The indexer as a separate process (this test binary re-run as [`indexer_child_process`]),
/// following the chain until killed.
pub struct IndexerProcess(std::process::Child);

impl IndexerProcess {
    pub fn spawn(url: &str, database: &str, serve: Option<std::net::SocketAddr>) -> Self {
        let spec = json!({"url": url, "database": database, "serve": serve.map(|a| a.to_string()), "poll_ms": 100});
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "common::indexer_child_process", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, spec.to_string())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawning the indexer process");
        Self(child)
    }

    /// SIGKILL: no cleanup, no flush; whatever was not committed is lost.
    pub fn kill(mut self) {
        self.0.kill().expect("kill");
        self.0.wait().expect("wait");
    }

    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().unwrap()
    }
}

impl Drop for IndexerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CHILD_ENV: &str = "CIVNET_INDEXER_CHILD";

#[test]
#[ignore = "the indexer process of IndexerProcess::spawn; does nothing when run directly"]
fn indexer_child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let args = IndexArgs {
        database: spec["database"].as_str().unwrap().to_string(),
        once: false,
        serve: spec["serve"].as_str().map(|a| a.parse().unwrap()),
        poll_ms: spec["poll_ms"].as_u64().unwrap(),
        ..Default::default()
    };
    civnet_indexer::run(spec["url"].as_str().unwrap(), args).expect("civnet index");
}

pub fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// Waits until `done` holds, polling.
pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A throwaway PostgreSQL server (the harness's).
#[allow(unused_imports)]
pub use civnet_harness::postgres::Postgres;
