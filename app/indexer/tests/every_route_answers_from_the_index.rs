//! Every route of the JSON API, every filter and every 400 answer, over an index of two
//! networks built on the embedded engine (no validator): a fixed-price network with two
//! sub-networks, devices (two located), DC minted, burned and delegated, an epoch closed and a
//! claim; and a Pyth-priced network whose sub-network is also named IOT (so the name is
//! ambiguous) and whose DC was bought with a Pyth price update (stored with the purchase). The same transactions are
//! indexed into SQLite and into PostgreSQL, and both answer every route the same.

use crate::common::*;
use civnet_client::dc::{self, PythPrice};
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry::{self, IssuedDevice, MakerKeys};
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::{tokens, Chain, Keypair, Pubkey, Signer};
use civnet_indexer::Store;
use data_credits::state::PriceOracle;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const EPOCH: u32 = 60;
const FEED: [u8; 32] = [7; 32];
const LIMIT_ERROR: &str = "limit must be 1..=1000 and offset >= 0";

/// What the story did, for the routes' expected answers.
struct Story {
    chain: Chain,
    transactions: Vec<(String, Value)>,
    fixed: NetworkKeys,
    pyth: NetworkKeys,
    iot: SubNetworkKeys,
    mobile: SubNetworkKeys,
    pyth_iot: SubNetworkKeys,
    devices: Vec<IssuedDevice>,
    owner: Keypair,
    epoch: u64,
    claimed: u64,
    mints_fixed: u64,
    pyth_update: Pubkey,
}

fn story() -> Story {
    let mut chain = Chain::new();
    chain.record_transactions();
    chain.warp_seconds(5 * EPOCH as i64 + 7);
    let (customer, owner, pyth_customer) = (chain.funded_keypair(10), chain.funded_keypair(10), chain.funded_keypair(10));

    // The fixed-price network: IOT (two devices) and MOBILE (one).
    let fixed = scenario::initialize_network_with_genesis(&mut chain, net::short_epoch_network_args(EPOCH), &[(customer.pubkey(), 1_000_000_000), (owner.pubkey(), 500_000_000)]);
    scenario::initialize_data_credits(&mut chain, &fixed, &fixed.authority, dc::fixed_price_args(150_000_000)).expect("data credits");
    let iot = net::create_sub_network(&mut chain, &fixed, "IOT");
    let mobile = net::create_sub_network(&mut chain, &fixed, "MOBILE");
    let (maker, devices) = civnet_harness::stories::onboard_device_counts(&mut chain, &fixed, &owner, &[&iot, &mobile], &[2, 1]);
    // onboard_device_counts bought the onboarding fees, once per sub-network.
    let mut mints_fixed = 2;
    // Two devices get a location (one cell each); the third has none.
    dc::buy_dc(&mut chain, &fixed, &owner, 10_000_000);
    mints_fixed += 1;
    for (device, sub, location) in [(&devices[0], &iot, LOCATION), (&devices[2], &mobile, OTHER_LOCATION)] {
        locate(&mut chain, &fixed, &maker, device, &owner, &sub.address, location);
    }
    dc::buy_dc(&mut chain, &fixed, &customer, 5_000_000);
    mints_fixed += 1;
    let epoch = net::current_epoch(&chain, EPOCH);
    for (sub, amount) in [(&iot, 1_000_000), (&mobile, 400_000), (&iot, 250_000)] {
        chain.send_ok(&[dc::burn_data_credits_ix(&fixed, customer.pubkey(), &sub.address, amount)], &[&customer]);
    }
    chain.send_ok(&[dc::delegate_ix(&fixed, customer.pubkey(), &iot.address, "router-1", 100_000)], &[&customer]);
    assert_eq!(net::warp_to_next_epoch(&mut chain, EPOCH), epoch + 1);
    net::close_epoch(&mut chain, &fixed, &[&iot, &mobile], epoch);
    let issued = chain.anchor_account::<emissions::state::SubNetwork>(&iot.address).total_issued;
    let claimed = civnet_harness::stories::publish_and_claim(&mut chain, &fixed, &iot, &maker, &devices[0], &owner, issued / 3);
    assert!(claimed > 0);

    // The Pyth-priced network, with its own IOT; DC bought with a fresh price update.
    let pyth = scenario::initialize_network_with_genesis(&mut chain, net::short_epoch_network_args(EPOCH), &[(pyth_customer.pubkey(), 10_000_000)]);
    let args = data_credits::instructions::InitializeArgs { price_oracle: PriceOracle::Pyth { feed_id: FEED, max_age_secs: 600 }, max_dc_minted_per_epoch: 1_000_000_000_000 };
    scenario::initialize_data_credits(&mut chain, &pyth, &pyth.authority, args).expect("pyth data credits");
    let pyth_iot = net::create_sub_network(&mut chain, &pyth, "IOT");
    let now = chain.clock().unix_timestamp;
    let pyth_update = dc::write_price_update(&mut chain, &PythPrice { feed_id: FEED, price: 150_000_000, conf: 1_000_000, exponent: -8, publish_time: now - 10, fully_verified: true }, None);
    tokens::create_ata(&mut chain, &pyth_customer.pubkey(), &scenario::dc_mint_address(&pyth.network));
    let one_token = data_credits::instructions::MintDataCreditsArgs { token_amount: Some(1_000_000), dc_amount: None };
    chain.send_ok(&[dc::mint_with_pyth_ix(&pyth, pyth_customer.pubkey(), pyth_update, one_token)], &[&pyth_customer]);

    let transactions = chain.take_recorded();
    Story { chain, transactions, fixed, pyth, iot, mobile, pyth_iot, devices, owner, epoch, claimed, mints_fixed, pyth_update }
}

/// The owner gives the onboarded `device` a location (paying the location fee).
fn locate(chain: &mut Chain, net: &NetworkKeys, maker: &MakerKeys, device: &IssuedDevice, owner: &Keypair, sub: &Pubkey, location: u64) {
    let (cnft, proof) = maker.ownership_proof(chain, net, device);
    let args = device_registry::instructions::UpdateDeviceArgs { device_key: device.device_key, location: Some(location), elevation: Some(5), gain: Some(20), cnft };
    let ix = registry::update_device_ix(net, owner.pubkey(), sub, device.merkle_tree, args, &proof);
    chain.send_ok(&[civnet_client::bubblegum::compute_budget(400_000), ix], &[owner]);
}

/// Indexes the story's transactions into `database` and serves the API on a free port.
fn index_and_serve(story: &Story, database: &str) -> std::net::SocketAddr {
    let store = block_on(Store::open(database)).unwrap();
    let chain = &story.chain;
    let stats = block_on(civnet_indexer::follow::index_transactions(&store, &story.transactions, |keys| Ok(keys.iter().map(|k| chain.account_owner_and_data(k)).collect())));
    stats.expect("indexing the story");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let router = civnet_indexer::api::router(store);
    block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    });
    addr
}

fn get(addr: &std::net::SocketAddr, path: &str) -> (u16, Value) {
    match ureq::get(&format!("http://{addr}{path}")).call() {
        Ok(response) => (response.status(), response.into_json().unwrap()),
        Err(ureq::Error::Status(code, response)) => (code, response.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("GET {path}: {e}"),
    }
}

fn ok(addr: &std::net::SocketAddr, path: &str) -> Value {
    let (code, body) = get(addr, path);
    assert_eq!(code, 200, "GET {path}: {body}");
    body
}

fn error(addr: &std::net::SocketAddr, path: &str, status: u16, message: &str) {
    assert_eq!(get(addr, path), (status, json!({ "error": message })), "GET {path}");
}

fn total(page: &Value) -> u64 {
    page["total"].as_u64().unwrap_or_else(|| panic!("no total in {page}"))
}

/// Checks every route against the story; returns the answers (for comparing backends).
fn check_routes(addr: &std::net::SocketAddr, s: &Story) -> BTreeMap<String, Value> {
    let mut answers = BTreeMap::new();
    let mut keep = |path: String, body: Value| {
        answers.insert(path, body);
    };
    let (a, b) = (s.fixed.network.to_string(), s.pyth.network.to_string());

    // `/`: row counts, the same as `/status`.
    let status = ok(addr, "/");
    assert_eq!(status, ok(addr, "/status"));
    let counts = &status["counts"];
    assert_eq!((counts["networks"].as_u64(), counts["devices"].as_u64(), counts["sub_networks"].as_u64(), counts["makers"].as_u64()), (Some(2), Some(3), Some(3), Some(1)), "{status:#}");
    assert_eq!((counts["mints"].as_u64(), counts["claims"].as_u64(), counts["issuance"].as_u64(), counts["dc_configs"].as_u64()), (Some(s.mints_fixed + 1), Some(1), Some(2), Some(2)));
    assert_eq!(status["cursors"], json!([]), "transactions indexed without RPC leave the cursors alone");
    keep("/".into(), status);

    // `/devices`: pages cover every device once, ordered by address.
    let all = ok(addr, "/devices");
    assert_eq!((total(&all), all["limit"].as_u64(), all["offset"].as_u64()), (3, Some(100), Some(0)));
    let addresses: Vec<&str> = all["items"].as_array().unwrap().iter().map(|d| d["address"].as_str().unwrap()).collect();
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(addresses, sorted);
    for offset in 0..3 {
        let page = ok(addr, &format!("/devices?limit=1&offset={offset}"));
        assert_eq!((total(&page), page["items"].as_array().unwrap().len()), (3, 1));
        assert_eq!(page["items"][0]["address"], addresses[offset]);
    }
    assert_eq!(ok(addr, "/devices?offset=3")["items"], json!([]), "past the end: an empty page");
    assert_eq!(ok(addr, "/devices?limit=1000")["limit"], 1000);
    keep("/devices".into(), all);

    // `/devices/{id}`: by device address, device key and asset id, the same row.
    let d0 = &s.devices[0];
    let d0_address = registry::device_address(&s.fixed.network, &d0.device_key).to_string();
    let by_address = ok(addr, &format!("/devices/{d0_address}"));
    assert_eq!(by_address, ok(addr, &format!("/devices/{}", d0.device_key)));
    assert_eq!(by_address, ok(addr, &format!("/devices/{}", d0.asset_id)));
    assert_eq!((by_address["sub_network_name"].as_str(), by_address["maker_name"].as_str()), (Some("IOT"), Some("story-maker")), "{by_address:#}");
    assert_eq!((by_address["location"].as_str(), by_address["elevation"].as_i64(), by_address["gain"].as_u64()), (Some(format!("{LOCATION:x}").as_str()), Some(5), Some(20)));
    assert_eq!((by_address["owner"].as_str(), by_address["total_claimed"].as_u64()), (Some(s.owner.pubkey().to_string().as_str()), Some(s.claimed)));
    assert_eq!(by_address["sub_network"], s.iot.address.to_string());
    let d1 = ok(addr, &format!("/devices/{}", s.devices[1].device_key));
    assert_eq!((d1["location"].clone(), d1["total_claimed"].clone()), (Value::Null, Value::Null), "no location, never claimed");
    keep("/devices/{id}".into(), by_address);
    let unknown = Pubkey::new_unique();
    error(addr, &format!("/devices/{unknown}"), 404, &format!("unknown device {unknown}"));
    error(addr, "/devices/not-an-address", 400, "not-an-address is not a base58 address");

    // Paging errors, on every list: limit 0 or over 1,000, a negative offset, not a number.
    for list in ["/devices", "/mints", "/claims", "/issuance", "/makers", "/sub-networks", "/burns", "/device-changes"] {
        for query in ["limit=0", "limit=1001", "offset=-1", "limit=5&offset=-7"] {
            error(addr, &format!("{list}?{query}"), 400, LIMIT_ERROR);
        }
        let (code, body) = get(addr, &format!("{list}?limit=ten"));
        assert_eq!(code, 400, "{list}?limit=ten: {body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("limit")), "{list}?limit=ten: {body}");
    }
    let (code, body) = get(addr, "/issuance?epoch=soon");
    assert!(code == 400 && body["error"].as_str().is_some_and(|e| e.contains("epoch")), "{code} {body}");

    // `/mints`, all and per network: the fixed price and the Pyth price (lowered by 2 * conf).
    let mints = ok(addr, "/mints");
    assert_eq!(total(&mints), s.mints_fixed + 1);
    let fixed_mints = ok(addr, &format!("/mints?network={a}"));
    assert_eq!(total(&fixed_mints), s.mints_fixed);
    assert!(fixed_mints["items"].as_array().unwrap().iter().all(|m| m["price_mantissa"] == 150_000_000 && m["price_exponent"] == -8 && m["confidence"] == 0), "{fixed_mints:#}");
    let config: data_credits::state::DataCreditsConfig = s.chain.anchor_account(&scenario::dc_config_address(&s.fixed.network));
    let minted: u64 = fixed_mints["items"].as_array().unwrap().iter().map(|m| m["dc_minted"].as_u64().unwrap()).sum();
    assert_eq!(minted, config.total_dc_minted);
    let pyth_mints = ok(addr, &format!("/mints?network={b}"));
    assert_eq!(total(&pyth_mints), 1);
    let m = &pyth_mints["items"][0];
    assert_eq!((m["price_mantissa"].as_u64(), m["price_exponent"].as_i64(), m["confidence"].as_u64()), (Some(148_000_000), Some(-8), Some(1_000_000)), "{m}");
    assert_eq!((m["tokens_burned"].as_u64(), m["dc_minted"].as_u64()), (Some(1_000_000), Some(148_000)));
    assert_eq!(m["price_update"], s.pyth_update.to_string(), "the Pyth price update that priced the purchase");
    assert!(fixed_mints["items"].as_array().unwrap().iter().all(|m| m["price_update"].is_null()), "a fixed price names no price update");
    assert_eq!(total(&ok(addr, &format!("/mints?network={}", Pubkey::new_unique()))), 0);
    let slots: Vec<u64> = mints["items"].as_array().unwrap().iter().map(|m| m["slot"].as_u64().unwrap()).collect();
    assert!(slots.windows(2).all(|p| p[0] >= p[1]), "newest first: {slots:?}");
    keep("/mints".into(), mints);

    // `/claims`, by sub-network name and address.
    let claims = ok(addr, "/claims");
    assert_eq!(total(&claims), 1);
    assert_eq!((claims["items"][0]["amount"].as_u64(), claims["items"][0]["sub_network_name"].as_str()), (Some(s.claimed), Some("IOT")));
    assert_eq!(claims["items"][0]["asset_id"], d0.asset_id.to_string());
    assert_eq!(ok(addr, &format!("/claims?sub_network={}", s.iot.address))["items"], claims["items"]);
    assert_eq!(total(&ok(addr, "/claims?sub_network=IOT")), 1);
    assert_eq!(total(&ok(addr, "/claims?sub_network=MOBILE")), 0);
    assert_eq!(total(&ok(addr, &format!("/claims?sub_network={}", s.pyth_iot.address))), 0);
    keep("/claims".into(), claims);

    // `/issuance`, by epoch and sub-network.
    let issuance = ok(addr, "/issuance");
    assert_eq!(total(&issuance), 2);
    assert_eq!(ok(addr, &format!("/issuance?epoch={}", s.epoch))["items"], issuance["items"]);
    assert_eq!(total(&ok(addr, &format!("/issuance?epoch={}", s.epoch + 1))), 0);
    let mobile = ok(addr, "/issuance?sub_network=MOBILE");
    let mobile_issued = s.chain.anchor_account::<emissions::state::SubNetwork>(&s.mobile.address).total_issued;
    assert_eq!((total(&mobile), mobile["items"][0]["amount"].as_u64()), (1, Some(mobile_issued)));
    assert_eq!(ok(addr, &format!("/issuance?sub_network={}&epoch={}", s.iot.address, s.epoch))["items"][0]["sub_network_name"], "IOT");
    assert_eq!(total(&ok(addr, &format!("/issuance?sub_network=MOBILE&epoch={}", s.epoch + 5))), 0);
    keep("/issuance".into(), issuance);

    // `/networks`: both, each with its price source; the Pyth feed id in hex.
    let networks = ok(addr, "/networks");
    let items = networks["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let of = |address: &str| items.iter().find(|n| n["address"] == address).unwrap_or_else(|| panic!("network {address} in {networks:#}"));
    let (na, nb) = (of(&a), of(&b));
    assert_eq!(na["dc_config"]["price_oracle"], json!({"fixed": {"usd_per_token_e8": 150_000_000}}));
    assert_eq!(nb["dc_config"]["price_oracle"], json!({"pyth": {"feed_id": hex::encode(FEED), "max_age_secs": 600}}));
    assert_eq!(nb["dc_config"]["dc_mint"], scenario::dc_mint_address(&s.pyth.network).to_string());
    let network: emissions::state::Network = s.chain.anchor_account(&s.fixed.network);
    assert_eq!((na["totals"]["issued"].as_u64(), na["totals"]["claimed"].as_u64(), na["totals"]["devices"].as_u64()), (Some(network.total_issued), Some(s.claimed), Some(3)));
    assert_eq!((na["totals"]["dc_minted"].as_u64(), na["totals"]["tokens_burned_for_dc"].as_u64()), (Some(config.total_dc_minted), Some(config.total_tokens_burned)));
    assert_eq!((na["totals"]["dc_burned_for_usage"].as_u64(), na["totals"]["sub_networks"].as_u64(), na["totals"]["active_devices"].as_u64()), (Some(1_650_000), Some(2), Some(3)));
    assert_eq!((nb["totals"]["dc_minted"].as_u64(), nb["totals"]["devices"].as_u64(), nb["totals"]["sub_networks"].as_u64()), (Some(148_000), Some(0), Some(1)));
    let pyth_config: data_credits::state::DataCreditsConfig = s.chain.anchor_account(&scenario::dc_config_address(&s.pyth.network));
    assert_eq!(pyth_config.last_price_publish_time, s.chain.clock().unix_timestamp - 10, "the Pyth update {} priced the mint", s.pyth_update);

    // `/networks/{address}/epochs`: the closed epoch with what it issued and burned.
    let flywheel = ok(addr, &format!("/networks/{a}/epochs"));
    assert_eq!(flywheel["epoch_length_secs"], EPOCH);
    let info: emissions::state::EpochInfo = s.chain.anchor_account(&net::epoch_info_address(&s.fixed.network, s.epoch));
    let closed = flywheel["items"].as_array().unwrap().iter().find(|e| e["epoch"] == s.epoch).unwrap_or_else(|| panic!("epoch {} in {flywheel:#}", s.epoch));
    assert_eq!((closed["scored"].as_bool(), closed["tokens_issued"].as_u64(), closed["emission"].as_u64()), (Some(true), Some(info.total_issued), Some(info.emission)));
    assert_eq!((closed["dc_burned"].as_u64(), closed["devices_added"].as_u64()), (Some(1_650_000), Some(3)), "{closed}");
    keep("/networks/{a}/epochs".into(), flywheel);
    assert_eq!(ok(addr, &format!("/networks/{b}/epochs"))["items"].as_array().unwrap().iter().map(|e| e["dc_minted"].as_u64().unwrap()).sum::<u64>(), 148_000);
    let nowhere = Pubkey::new_unique();
    error(addr, &format!("/networks/{nowhere}/epochs"), 404, &format!("unknown network {nowhere}"));
    error(addr, "/networks/0xdeadbeef/epochs", 400, "0xdeadbeef is not a base58 address");

    // `/cells`: the two located devices' cells, filtered by network and sub-network.
    let cells = ok(addr, "/cells");
    let expected = |cells: &[(u64, u64)]| Value::from(cells.iter().map(|(l, n)| json!({"location": format!("{l:x}"), "devices": n, "active_devices": n})).collect::<Vec<_>>());
    let mut both = [(LOCATION, 1), (OTHER_LOCATION, 1)];
    both.sort_by_key(|(l, _)| format!("{l:x}"));
    assert_eq!((cells["items"].clone(), total(&cells)), (expected(&both), 2), "{cells:#}");
    assert_eq!(ok(addr, &format!("/cells?network={a}"))["items"], cells["items"]);
    assert_eq!(ok(addr, &format!("/cells?network={b}"))["items"], json!([]));
    assert_eq!(ok(addr, "/cells?sub_network=MOBILE")["items"], expected(&[(OTHER_LOCATION, 1)]));
    assert_eq!(ok(addr, &format!("/cells?sub_network={}", s.iot.address))["items"], expected(&[(LOCATION, 1)]));
    assert_eq!(ok(addr, &format!("/cells?network={a}&sub_network=IOT"))["items"], expected(&[(LOCATION, 1)]));
    keep("/cells".into(), cells);

    // The other lists' filters.
    assert_eq!(total(&ok(addr, &format!("/makers?network={a}"))), 1);
    assert_eq!(total(&ok(addr, &format!("/makers?network={b}"))), 0);
    assert_eq!(total(&ok(addr, "/sub-networks")), 3);
    assert_eq!(total(&ok(addr, &format!("/sub-networks?network={b}"))), 1);
    let burns = ok(addr, &format!("/burns?network={a}&epoch={}&kind=usage", s.epoch));
    assert_eq!(burns["items"].as_array().unwrap().iter().map(|b| b["amount"].as_u64().unwrap()).sum::<u64>(), 1_650_000);
    assert_eq!(total(&ok(addr, "/burns?sub_network=IOT&kind=usage")), 2);
    assert_eq!(total(&ok(addr, "/burns?kind=delegated")), 0, "delegating burns nothing");
    assert_eq!(total(&ok(addr, &format!("/burns?epoch={}", s.epoch + 1))), 0);
    assert_eq!(total(&ok(addr, "/device-changes?kind=onboarded")), 3);
    assert_eq!(total(&ok(addr, "/device-changes?kind=updated")), 2);
    assert_eq!(total(&ok(addr, &format!("/device-changes?kind=onboarded&sub_network=MOBILE&network={a}"))), 1);
    assert_eq!(total(&ok(addr, &format!("/device-changes?kind=onboarded&network={b}"))), 0);
    assert_eq!(total(&ok(addr, &format!("/device-changes?device={d0_address}"))), 2);
    assert_eq!(total(&ok(addr, &format!("/device-changes?epoch={}", s.epoch + 1))), 0);

    // A name two networks use is ambiguous until `?network=` says which.
    error(addr, "/sub-networks/IOT/activity", 400, "IOT names a sub-network in several networks: add ?network=");
    let activity = ok(addr, &format!("/sub-networks/IOT/activity?network={b}"));
    assert_eq!((activity["sub_network"].as_str(), activity["network"].as_str()), (Some(s.pyth_iot.address.to_string().as_str()), Some(b.as_str())));
    assert_eq!(ok(addr, &format!("/sub-networks/IOT/activity?network={a}"))["burns"]["total_burned"], 1_250_000);
    assert_eq!(ok(addr, &format!("/sub-networks/{}/activity", s.iot.address))["sub_network"], s.iot.address.to_string());
    assert_eq!(total(&ok(addr, &format!("/sub-networks/IOT/epochs?network={a}"))), 1);
    assert_eq!(total(&ok(addr, &format!("/sub-networks/IOT/epochs?network={b}"))), 0);
    error(addr, "/sub-networks/IOT/epochs", 400, "IOT names a sub-network in several networks: add ?network=");
    assert_eq!(ok(addr, "/sub-networks/MOBILE/epochs")["items"][0]["epoch"], s.epoch, "a name one network uses needs no ?network=");
    assert_eq!(total(&ok(addr, &format!("/sub-networks/{}/epochs", s.iot.address))), 1);
    error(addr, &format!("/sub-networks/MOBILE/epochs?network={b}"), 404, "unknown sub-network MOBILE");
    error(addr, &format!("/sub-networks/MOBILE/activity?network={b}"), 404, "unknown sub-network MOBILE");

    // `/epochs/{n}`: out of range and not a number are 400s; an epoch with nothing, 404.
    let whole = ok(addr, &format!("/epochs/{}", s.epoch));
    assert_eq!((whole["networks"][0]["total_issued"].as_u64(), whole["sub_networks"].as_array().unwrap().len()), (Some(info.total_issued), 2));
    keep("/epochs/{n}".into(), whole);
    error(addr, "/epochs/18446744073709551615", 400, "epoch out of range");
    error(addr, "/epochs/99999999999999999999999", 400, "epoch out of range");
    error(addr, "/epochs/-1", 400, "epoch -1 is not a number");
    error(addr, "/epochs/three", 400, "epoch three is not a number");
    error(addr, &format!("/epochs/{}", s.epoch + 100), 404, &format!("nothing indexed for epoch {}", s.epoch + 100));
    error(addr, "/nowhere", 404, "no such route");
    answers
}

#[test]
fn every_route_answers_from_the_index_on_sqlite_and_on_postgres() {
    let story = story();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = index_and_serve(&story, &sqlite_url(&dir, "index.db"));
    let on_sqlite = check_routes(&sqlite, &story);
    let Some(postgres) = Postgres::start() else { return };
    let pg = index_and_serve(&story, &postgres.url);
    let on_postgres = check_routes(&pg, &story);
    for (route, answer) in &on_sqlite {
        assert_eq!(answer, &on_postgres[route], "{route}: SQLite and PostgreSQL answer differently");
    }
}
