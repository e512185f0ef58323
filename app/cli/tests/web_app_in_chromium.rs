//! The web app in a real browser (Debian's Chromium, driven by playwright-core from
//! `app/web/tests/browser.mjs`), against solana-test-validator with `civnet index --serve`
//! and `civnet oracle --serve` running as the operator runs them, on a seeded network:
//! the explorer shows the chain's numbers, the map one hexagon per occupied H3 cell; a test
//! wallet registered through the Wallet Standard (it signs with a keypair this test holds)
//! connects, sees its devices, buys DC, onboards one (the fee shown before signing is what
//! the program burns; the device record changes on chain), and after an epoch closes claims
//! exactly the oracle's amount; claiming again shows the program's error in the page.
//!
//! The browser script reports what the page shows, step by step (`STEP name {json}` on its
//! stdout); this test checks each report against the chain and answers `OK {json}` on its
//! stdin. Screenshots of every page go to `target/web-screenshots/`.
//!
//! Needs Node.js (>= 20), `npm ci` and a build in app/web (`cargo xtask web`) and
//! /usr/bin/chromium (or `CIVNET_CHROMIUM`); without them it is skipped with a message,
//! except under CI (`CI` set), where it fails.
use anchor_lang::prelude::Pubkey;
use civnet_client::bubblegum::{compute_budget, TreeShape};
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry::{self, IssuedDevice, MakerKeys};
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::{dc, tokens, Cluster, Keypair, Signer, TestValidator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EPOCH_SECS: u32 = 20;
const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };
const ONBOARDING_FEE_DC: u64 = 40_000;
const LOCATION_FEE_DC: u64 = 10_000;
/// Two cells for the seeded devices (two devices in the first), valid H3 cells.
const CELL_A: u64 = 0x8c2830828052dff;
const CELL_B: u64 = 0x8928308280fffff;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

/// What the browser test needs on this machine; `Err` says what is missing.
fn prerequisites() -> Result<PathBuf, String> {
    let chromium = std::env::var_os("CIVNET_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Err(format!("no Chromium at {} (Debian: apt-get install chromium; or set CIVNET_CHROMIUM)", chromium.display()));
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => return Err("no node on PATH (Debian: apt-get install nodejs npm)".into()),
    }
    let web = web_dir();
    if !web.join("node_modules/playwright-core").is_dir() || !web.join("dist/index.html").is_file() {
        return Err(format!("app/web is not built: run `cargo xtask web` (npm ci + npm run build in {})", web.display()));
    }
    Ok(chromium)
}

struct Seeded {
    validator: TestValidator,
    net: NetworkKeys,
    iot: SubNetworkKeys,
    oracle_key: Keypair,
    wallet: Keypair,
    wallet_device: (Keypair, IssuedDevice),
    seeded_devices: Vec<(Keypair, IssuedDevice, u64)>,
}

/// A network with sub-network IOT (its rewards oracle and active-device authority: the
/// oracle's key), a maker, three devices of another owner onboarded in two H3 cells, a
/// customer who bought DC and burned some for usage, one closed epoch, and the test wallet
/// holding SOL, network tokens and one device cNFT not onboarded yet.
fn seed() -> Seeded {
    let mut validator = TestValidator::start();
    let (owner, customer, oracle_key, wallet) = (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    for key in [&owner, &customer, &oracle_key, &wallet] {
        validator.airdrop(&key.pubkey(), 10_000_000_000);
    }
    let genesis = [(owner.pubkey(), 1_000_000_000), (customer.pubkey(), 1_000_000_000_000), (wallet.pubkey(), 500_000_000)];
    // The schedule starts now and halves every 4 epochs: the page has a next halving to show.
    let start = net::current_epoch(&validator, EPOCH_SECS);
    let args = emissions::instructions::InitializeNetworkArgs {
        epoch_length_secs: EPOCH_SECS,
        max_issuance_per_epoch: 1_000_000_000,
        emission_schedule: scenario::halving_schedule_from(start, 1_000_000_000, 4, 8),
    };
    let net = scenario::initialize_network_with_genesis(&mut validator, args, &genesis);
    scenario::initialize_data_credits(&mut validator, &net, &net.authority, dc::fixed_price_args(150_000_000)).expect("data credits");
    let iot = SubNetworkKeys::new(&net.network, "IOT");
    let create = emissions::instructions::CreateSubNetworkArgs {
        rewards_oracle: oracle_key.pubkey(),
        active_device_authority: oracle_key.pubkey(),
        onboarding_fee_dc: ONBOARDING_FEE_DC,
        location_fee_dc: LOCATION_FEE_DC,
        ..iot.create_args()
    };
    let ix = net::create_sub_network_ix(&net, validator.payer(), net.authority.pubkey(), &iot, create);
    let [burns, records] = net::initialize_activity_records_ixs(validator.payer(), &net.network, &iot.address);
    validator.send_ok(&[ix, burns, records], &[&net.authority]);
    let mut maker = MakerKeys::create_approved(&mut validator, &net, "acme");
    maker.set_tree(&mut validator, &net, TREE).expect("set_maker_tree");
    dc::buy_dc(&mut validator, &net, &owner, 1_000_000);
    dc::buy_dc(&mut validator, &net, &customer, 5_000_000);
    validator.send_ok(&[dc::burn_data_credits_ix(&net, customer.pubkey(), &iot.address, 250_000)], &[&customer]);
    let mut seeded_devices = Vec::new();
    for location in [CELL_A, CELL_A, CELL_B] {
        let (key, issued) = issue(&mut validator, &net, &mut maker, &owner.pubkey());
        let (cnft, proof) = maker.ownership_proof(&validator, &net, &issued);
        let args = device_registry::instructions::OnboardDeviceArgs { device_key: key.pubkey(), location, elevation: 3, gain: 12, cnft };
        validator.send_ok(&[compute_budget(400_000), registry::onboard_device_ix(&net, owner.pubkey(), &iot.address, issued.merkle_tree, args, &proof)], &[&owner]);
        seeded_devices.push((key, issued, location));
    }
    let wallet_device = issue(&mut validator, &net, &mut maker, &wallet.pubkey());
    // One closed epoch: issuance, a flywheel row and a posted root to show.
    let epoch = net::current_epoch(&validator, EPOCH_SECS);
    wait_until("the seeded epoch's end", Duration::from_secs(60), || net::current_epoch(&validator, EPOCH_SECS) > epoch);
    net::close_epoch(&mut validator, &net, &[&iot], epoch);
    Seeded { validator, net, iot, oracle_key, wallet, wallet_device, seeded_devices }
}

fn issue(validator: &mut TestValidator, net: &NetworkKeys, maker: &mut MakerKeys, owner: &Pubkey) -> (Keypair, IssuedDevice) {
    let key = Keypair::new();
    let ix = maker.issue_device_ix(net, validator.payer(), key.pubkey(), *owner);
    let authority = maker.authority.insecure_clone();
    validator.send_ok(&[compute_budget(400_000), ix], &[&authority, &key]);
    let issued = maker.record_issued(validator, net, key.pubkey(), owner);
    (key, issued)
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn free_addr() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], civnet_harness::validator::reserved_port()))
}

fn get(url: &str) -> Option<Value> {
    ureq::get(url).call().ok().and_then(|r| r.into_json().ok())
}

/// A `civnet` subcommand running as its own process, killed on drop; its stderr is echoed.
struct Service(Child);

impl Service {
    fn spawn(name: &'static str, args: &[String]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_civnet")).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("civnet starts");
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).for_each(|l| eprintln!("  [{name}] {l}")));
        Service(child)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn u64_of(report: &Value, key: &str) -> u64 {
    match &report[key] {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("{key} = {s:?} is not a number")),
        Value::Number(n) => n.as_u64().unwrap(),
        other => panic!("{key} missing in {report}: {other}"),
    }
}

#[test]
fn a_wallet_owner_explores_onboards_and_claims_in_chromium() {
    let chromium = match prerequisites() {
        Ok(path) => path,
        Err(missing) if std::env::var_os("CI").is_some() => panic!("the browser test cannot run under CI: {missing}"),
        Err(missing) => {
            println!("SKIPPED: {missing}");
            return;
        }
    };
    let mut s = seed();
    let dir = tempfile::tempdir().unwrap();
    let url = s.validator.rpc_url().to_string();
    let oracle_file = dir.path().join("oracle.json");
    std::fs::write(&oracle_file, serde_json::to_string(&s.oracle_key.to_bytes().to_vec()).unwrap()).unwrap();
    let (oracle_addr, index_addr) = (free_addr(), free_addr());
    let oracle_url = format!("http://{oracle_addr}");
    let index_url = format!("http://{index_addr}");
    let db = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let network = s.net.network.to_string();
    let _oracle = Service::spawn("oracle", &[
        "--url".into(), url.clone(), "--keypair".into(), oracle_file.display().to_string(), "--network".into(), network.clone(),
        "oracle".into(), "--database".into(), db("oracle.db"), "--serve".into(), oracle_addr.to_string(), "--poll-ms".into(), "300".into(), "--close-grace-secs".into(), "0".into(),
    ]);
    let _index = Service::spawn("index", &[
        "--url".into(), url.clone(), "index".into(), "--database".into(), db("index.db"), "--serve".into(), index_addr.to_string(),
        "--poll-ms".into(), "300".into(), "--oracle".into(), oracle_url.clone(), "--web-dir".into(), web_dir().join("dist").display().to_string(),
    ]);
    // The index has caught up with the seeding when it shows the chain's issuance and devices.
    let chain_network: emissions::state::Network = s.validator.anchor_account(&s.net.network);
    wait_until("the indexer to catch up", Duration::from_secs(120), || {
        get(&format!("{index_url}/networks")).is_some_and(|n| n["items"][0]["totals"]["issued"].as_u64() == Some(chain_network.total_issued) && n["items"][0]["totals"]["devices"] == 4)
    });
    wait_until("the oracle to serve", Duration::from_secs(120), || get(&format!("{oracle_url}/v1/status")).is_some());
    // DAS follows trees at `finalized` (the civnet tables above at `confirmed`): the wallet's
    // device is listed once its issuance is finalized.
    let wallet_asset = s.wallet_device.1.asset_id.to_string();
    wait_until("DAS to list the wallet's device", Duration::from_secs(120), || {
        civnet_client::das::call(&format!("{index_url}/das"), "getAssetsByOwner", serde_json::json!({"ownerAddress": s.wallet.pubkey().to_string()}))
            .is_ok_and(|list| list["items"].as_array().is_some_and(|items| items.iter().any(|a| a["id"] == wallet_asset.as_str())))
    });

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/web-screenshots");
    std::fs::create_dir_all(&artifacts).unwrap();
    let (device_key, device) = (s.wallet_device.0.insecure_clone(), s.wallet_device.1.clone());
    let mut browser = Command::new("node")
        .arg(web_dir().join("tests/browser.mjs"))
        .env("CIVNET_WEB_URL", &index_url)
        .env("CIVNET_CHROMIUM", &chromium)
        .env("CIVNET_WALLET_SECRET", serde_json::to_string(&s.wallet.to_bytes().to_vec()).unwrap())
        .env("CIVNET_WALLET_ASSET", device.asset_id.to_string())
        .env("CIVNET_SEEDED_DEVICE", s.seeded_devices[0].0.pubkey().to_string())
        .env("CIVNET_SCREENSHOTS", &artifacts)
        .current_dir(web_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs the browser script");
    let mut answers = browser.stdin.take().unwrap();
    let reports = BufReader::new(browser.stdout.take().unwrap());
    let mut steps = Vec::new();
    let mut claimable = 0u64;
    for line in reports.lines().map_while(Result::ok) {
        let Some(rest) = line.strip_prefix("STEP ") else {
            println!("  [browser] {line}");
            continue;
        };
        let (step, report) = rest.split_once(' ').unwrap_or((rest, "{}"));
        let report: Value = serde_json::from_str(report).unwrap();
        println!("  [browser] {step}: {report}");
        let answer = check_step(&mut s, step, &report, &oracle_url, &device_key, &device, &mut claimable);
        steps.push(step.to_string());
        writeln!(answers, "OK {answer}").unwrap();
    }
    let status = browser.wait().unwrap();
    assert!(status.success(), "the browser script failed ({status}) after steps {steps:?}");
    let expected = ["explorer", "sub_network", "map", "device", "wallet", "bought", "fee", "onboarded", "rewards", "claimed", "refused"];
    assert_eq!(steps, expected, "every step of the story ran");
    for page in ["network", "sub-network", "map", "device", "wallet", "wallet-claimed", "wallet-refused"] {
        assert!(artifacts.join(format!("{page}.png")).is_file(), "screenshot {page}.png");
    }
}

/// Checks one report of the page against the chain (and the oracle); returns the answer.
fn check_step(s: &mut Seeded, step: &str, report: &Value, oracle: &str, device_key: &Keypair, device: &IssuedDevice, claimable: &mut u64) -> Value {
    let v = &s.validator;
    match step {
        "explorer" => {
            let network: emissions::state::Network = v.anchor_account(&s.net.network);
            let sub: emissions::state::SubNetwork = v.anchor_account(&s.iot.address);
            let dc: data_credits::state::DataCreditsConfig = v.anchor_account(&scenario::dc_config_address(&s.net.network));
            let devices = registry::sub_network_devices(v, &s.iot.address);
            let burns = dc::sub_network_burns(v, &s.iot.address);
            assert_eq!(u64_of(report, "total-issued"), network.total_issued);
            assert!(network.total_issued > 0, "the seeded epoch issued tokens");
            assert_eq!(u64_of(report, "total-claimed"), sub.total_claimed);
            assert_eq!(u64_of(report, "dc-minted"), dc.total_dc_minted);
            assert_eq!(u64_of(report, "tokens-burned-for-dc"), dc.total_tokens_burned);
            assert_eq!(u64_of(report, "dc-burned-usage"), burns.total_burned);
            assert_eq!(u64_of(report, "dc-burned-fees"), devices.fees_dc_burned);
            assert_eq!(u64_of(report, "dc-burned"), burns.total_burned + devices.fees_dc_burned);
            assert_eq!(u64_of(report, "active-devices"), devices.active_devices as u64);
            assert_eq!(u64_of(report, "devices"), 4);
            let epoch = net::current_epoch(v, EPOCH_SECS);
            assert!((epoch.saturating_sub(1)..=epoch).contains(&u64_of(report, "current-epoch")), "current epoch {} vs chain {epoch}", report["current-epoch"]);
            let next = network.emission_schedule.iter().find(|step| step.start_epoch > u64_of(report, "current-epoch")).unwrap();
            assert_eq!(u64_of(report, "next-halving-epoch"), next.start_epoch);
            assert_eq!(u64_of(report, "next-halving-emission"), next.tokens_per_epoch);
            json!({})
        }
        "sub_network" => {
            let devices = registry::sub_network_devices(v, &s.iot.address);
            assert_eq!(u64_of(report, "active-devices"), devices.active_devices as u64);
            assert_eq!(u64_of(report, "fees-burned"), devices.fees_dc_burned);
            assert_eq!(u64_of(report, "onboarding-fee"), ONBOARDING_FEE_DC);
            assert_eq!(u64_of(report, "location-fee"), LOCATION_FEE_DC);
            json!({})
        }
        "map" => {
            // One hexagon per distinct location among the chain's device records.
            let mut cells: Vec<String> = s
                .seeded_devices
                .iter()
                .map(|(key, _, _)| v.anchor_account::<device_registry::state::Device>(&registry::device_address(&s.net.network, &key.pubkey())).location)
                .map(|cell| format!("{cell:x}"))
                .collect();
            cells.sort();
            cells.dedup();
            let mut shown: Vec<String> = serde_json::from_value(report["cells"].clone()).unwrap();
            shown.sort();
            assert_eq!(shown, cells, "one hexagon per occupied cell");
            assert_eq!(report["devices"][format!("{CELL_A:x}")], 2);
            json!({})
        }
        "device" => {
            let (key, issued, location) = &s.seeded_devices[0];
            assert_eq!(report["device-key"], key.pubkey().to_string());
            assert_eq!(report["asset-id"], issued.asset_id.to_string());
            assert_eq!(report["owner"], issued.owner.to_string());
            assert_eq!(report["maker"], "acme");
            assert_eq!(report["location"], format!("{location:x}"));
            json!({})
        }
        "wallet" => {
            assert_eq!(report["address"], s.wallet.pubkey().to_string());
            assert_eq!(report["devices"], json!([device.asset_id.to_string()]), "the wallet's one device cNFT, through DAS");
            json!({})
        }
        "bought" => {
            let balance = tokens::balance(v, &tokens::ata(&s.wallet.pubkey(), &scenario::dc_mint_address(&s.net.network)));
            assert_eq!(u64_of(report, "dc-balance"), balance);
            assert_eq!(balance, 1_000_000, "bought the DC asked for");
            json!({})
        }
        "fee" => {
            assert_eq!(u64_of(report, "onboard-fee"), ONBOARDING_FEE_DC + LOCATION_FEE_DC, "the fee shown before signing");
            json!({})
        }
        "onboarded" => {
            let record: device_registry::state::Device = v.anchor_account(&registry::device_address(&s.net.network, &device_key.pubkey()));
            assert_eq!(record.location, CELL_B, "the location chosen in the page");
            assert_eq!(record.sub_network_index, 0);
            let balance = tokens::balance(v, &tokens::ata(&s.wallet.pubkey(), &scenario::dc_mint_address(&s.net.network)));
            assert_eq!(balance, 1_000_000 - ONBOARDING_FEE_DC - LOCATION_FEE_DC, "the fee shown is the fee burned");
            // The device works through the next epoch, which then closes on chain; the oracle
            // splits it and posts the root.
            // (On a loaded machine an epoch of wall clock can pass with fewer than the minimum
            // presence of 3 heartbeats through: then the device works through the next one.)
            let mut attempts = 0;
            let epoch = loop {
                attempts += 1;
                let epoch = {
                    let now = net::current_epoch(v, EPOCH_SECS);
                    wait_until("the next epoch", Duration::from_secs(60), || net::current_epoch(v, EPOCH_SECS) > now);
                    now + 1
                };
                let started = Instant::now();
                let mut heard = 0;
                while started.elapsed() < Duration::from_secs(u64::from(EPOCH_SECS) - 6) && net::current_epoch(v, EPOCH_SECS) == epoch {
                    match heartbeat(oracle, device_key, s.iot.address).as_str() {
                        "accepted" => heard += 1,
                        "duplicate_slice" | "replayed" => {}
                        // Made as the epoch ended by the oracle's clock (it follows the
                        // chain's, re-read each round, so it can cross the boundary a little
                        // apart from the chain's): the verdict is right and this round is over;
                        // a rejection inside the epoch fails.
                        "past_epoch" if oracle_epoch(oracle) > epoch => break,
                        other => panic!("heartbeat rejected: {other}"),
                    }
                    std::thread::sleep(Duration::from_millis(1_000));
                }
                if heard >= 3 {
                    break epoch;
                }
                assert!(attempts < 4, "{attempts} epochs in a row with fewer than 3 heartbeats through ({heard} in the last)");
            };
            wait_until("the epoch's end", Duration::from_secs(60), || net::current_epoch(v, EPOCH_SECS) > epoch);
            net::close_epoch(&mut s.validator, &s.net, &[&s.iot], epoch);
            let manifest = format!("{oracle}/v1/epochs/{epoch}/manifest");
            wait_until("the oracle to close the epoch", Duration::from_secs(120), || get(&manifest).is_some_and(|m| m["sub_networks"][0]["state"] == "done"));
            let proof = get(&format!("{oracle}/v1/rewards/{}", device.asset_id)).expect("a proof for the working device");
            *claimable = proof["cumulative_amount"].as_u64().unwrap();
            assert!(*claimable > 0);
            json!({"claimable": *claimable})
        }
        "rewards" => {
            assert_eq!(u64_of(report, "cumulative"), *claimable);
            assert_eq!(u64_of(report, "claimed"), 0);
            assert_eq!(u64_of(report, "claimable"), *claimable);
            json!({})
        }
        "claimed" => {
            assert_eq!(u64_of(report, "claimed-amount"), *claimable, "the page claimed exactly the oracle's amount");
            let recipient: emissions::state::Recipient = v.anchor_account(&civnet_client::pda::recipient(&s.iot.address, &device.asset_id));
            assert_eq!(recipient.total_claimed, *claimable);
            let balance = tokens::balance(v, &tokens::ata(&s.wallet.pubkey(), &s.net.token_mint));
            assert_eq!(balance, 500_000_000 - u64_of(report, "tokens-spent-on-dc") + *claimable, "genesis - DC bought + claimed");
            json!({})
        }
        "refused" => {
            let error = report["error"].as_str().unwrap();
            assert!(error.starts_with("NothingToClaim: "), "the program's error name and IDL message: {error}");
            assert!(error.contains("(error 6"), "{error}");
            json!({})
        }
        other => panic!("unknown step {other}"),
    }
}

/// The epoch the oracle's clock (`now` of `GET /v1/entropy`) is in.
fn oracle_epoch(oracle: &str) -> u64 {
    let now = get(&format!("{oracle}/v1/entropy")).expect("entropy")["now"].as_i64().unwrap();
    civnet_common::schedule::epoch_at(now, EPOCH_SECS)
}

/// A heartbeat of `device` now, with the oracle's entropy, posted to the oracle.
fn heartbeat(oracle: &str, device: &Keypair, sub: Pubkey) -> String {
    use base64::Engine;
    let answer = get(&format!("{oracle}/v1/entropy")).expect("entropy");
    let entropy: [u8; 32] = hex::decode(answer["entropy"].as_str().unwrap()).unwrap().try_into().unwrap();
    let beat = civnet_oracle::report::signed_heartbeat(device, sub.to_bytes(), answer["now"].as_i64().unwrap(), entropy).encode();
    let body = json!({"reports": [base64::engine::general_purpose::STANDARD.encode(beat)]});
    let answer: Value = ureq::post(&format!("{oracle}/v1/reports")).send_json(body).unwrap().into_json().unwrap();
    answer["results"][0]["reason"].as_str().unwrap_or("accepted").to_string()
}
