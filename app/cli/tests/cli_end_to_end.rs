//! The `civnet` binary end to end, as operators, makers, wallets and customers use it: against
//! solana-test-validator with the real programs (bootstrap with `migrate`, issue with
//! `--sign-only` completed by the owner's wallet, onboard, DC, epoch close, root, claim), the
//! demo's reconciliation on the embedded engine, and one-line errors for bad input.
use civnet_harness::{tokens, Keypair, Pubkey, Signer, TestValidator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Civnet {
    url: String,
    dir: tempfile::TempDir,
    network: Option<String>,
}

struct Run {
    ok: bool,
    json: Value,
    stderr: String,
}

impl Civnet {
    fn keypair_file(&self, name: &str, keypair: &Keypair) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string(&keypair.to_bytes().to_vec()).unwrap()).unwrap();
        path
    }

    fn run(&self, keypair: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_civnet"));
        cmd.args(["--url", &self.url, "--keypair"]).arg(keypair).args(["--output", "json"]).args(args);
        if let Some(network) = &self.network {
            cmd.args(["--network", network]);
        }
        let out = cmd.output().expect("civnet runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        Run {
            ok: out.status.success(),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    fn ok(&self, keypair: &Path, args: &[&str]) -> Value {
        let run = self.run(keypair, args);
        assert!(run.ok, "civnet {args:?} failed: {}", run.stderr);
        run.json
    }
}

fn assert_one_line_error(run: &Run, contains: &str) {
    assert!(!run.ok, "expected a failure");
    let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line of error, got {:?}", run.stderr);
    assert!(lines[0].starts_with("error: ") && lines[0].contains(contains), "error {:?} does not mention {contains:?}", lines[0]);
}

const EPOCH_SECS: u64 = 10;

#[test]
fn an_operator_bootstraps_and_the_flywheel_turns_through_the_cli() {
    let validator = TestValidator::start();
    let mut civnet = Civnet { url: validator.rpc_url().to_string(), dir: tempfile::tempdir().unwrap(), network: None };
    let operator = civnet.keypair_file("operator", &validator.cluster.payer);
    let (maker, owner, device) = (Keypair::new(), Keypair::new(), Keypair::new());
    for key in [maker.pubkey(), owner.pubkey()] {
        validator.airdrop(&key, 10_000_000_000);
    }
    let maker_file = civnet.keypair_file("maker", &maker);
    let owner_file = civnet.keypair_file("owner", &owner);
    let device_file = civnet.keypair_file("device", &device);

    // Bootstrap from a deployment file; the second run changes nothing and says so.
    let config = deployment_file(&civnet, &owner, &maker);
    let first = civnet.ok(&operator, &["migrate", "--config", config.to_str().unwrap()]);
    // Token mint, network, data credits, sub-network, maker, and the network's lookup table.
    assert_eq!(first["changed"], 6, "{first:#}");
    assert!(first["steps"].as_array().unwrap().iter().any(|s| s["step"].as_str().unwrap().starts_with("lookup table ")), "{first:#}");
    let second = civnet.ok(&operator, &["migrate", "--config", config.to_str().unwrap()]);
    assert_eq!(second["changed"], 0, "{second:#}");
    assert!(second["summary"].as_str().unwrap().contains("nothing to do"));
    assert!(second["steps"].as_array().unwrap().iter().all(|s| s["status"] == "unchanged"));
    civnet.network = Some(first["network"].as_str().unwrap().to_string());
    let shown = civnet.ok(&operator, &["network", "show"]);
    assert_eq!(shown["sub_networks"][0]["name"], "IOT");
    assert_eq!(shown["token_supply"], 50_000_000);

    // The maker gets a tree and issues a device; the owner's wallet completes and pays.
    civnet.ok(&maker_file, &["maker", "set-tree", "acme", "--max-depth", "14", "--canopy-depth", "8"]);
    let partial = civnet.ok(&maker_file, &["device", "issue", "--maker", "acme", "--owner", &owner.pubkey().to_string(), "--device-keypair", device_file.to_str().unwrap(), "--sign-only"]);
    assert_eq!(partial["missing_signer"], owner.pubkey().to_string());
    // Only the missing signer can complete it.
    assert_one_line_error(&civnet.run(&operator, &["tx", "send", partial["transaction"].as_str().unwrap()]), "not one of its signers");
    let owner_lamports = validator.cluster.rpc.account(&owner.pubkey()).unwrap().unwrap().1;
    civnet.ok(&owner_file, &["tx", "send", partial["transaction"].as_str().unwrap()]);
    assert!(validator.cluster.rpc.account(&owner.pubkey()).unwrap().unwrap().1 < owner_lamports, "the owner paid");
    let device_key = device.pubkey().to_string();
    let shown = civnet.ok(&operator, &["device", "show", &device_key]);
    let asset_id = shown["asset_id"].as_str().unwrap().to_string();
    assert_eq!(civnet.ok(&operator, &["device", "show", &asset_id])["device_key"], Value::Null, "found by asset id");

    // The owner buys DC, onboards (proof rebuilt from the tree's history) and uses the network.
    let minted = civnet.ok(&owner_file, &["dc", "mint", "--dc", "1000000"]);
    assert_eq!(minted["dc_minted"], 1_000_000);
    let onboarded = civnet.ok(&owner_file, &["device", "onboard", "--device-key", &device_key, "--sub-network", "IOT", "--location", "8928308280fffff"]);
    assert!(onboarded["tx_bytes"].as_u64().unwrap() <= 1232);
    let burned = civnet.ok(&owner_file, &["dc", "burn", "--sub-network", "IOT", "--amount", "250000"]);
    assert_eq!(burned["dc_balance"], 1_000_000 - 400_000 - 100_000 - 250_000);
    let shown = civnet.ok(&operator, &["device", "show", &device_key]);
    assert_eq!(shown["sub_network"], "IOT");
    assert_eq!(shown["location"], "8928308280fffff");
    assert_eq!(shown["active"], true);

    // Anyone closes the epoch once it has ended.
    let epoch = burned["epoch"].as_u64().unwrap();
    let current = civnet.ok(&operator, &["epoch", "show"])["current_epoch"].as_u64().unwrap();
    // An epoch that has not ended is refused, always checked (an epoch far ahead, so no clock
    // can pass it while the command runs).
    let future = current + 100;
    assert_one_line_error(&civnet.run(&operator, &["epoch", "close", "--epoch", &future.to_string()]), "has not ended");
    wait_for_epoch_after(&civnet, &operator, epoch);
    let closed = civnet.ok(&operator, &["epoch", "close", "--epoch", &epoch.to_string()]);
    let row = &closed["sub_networks"][0];
    assert_eq!(row["dc_burned"], 250_000, "usage only: onboarding and location fees are burned untracked; {closed:#}");
    assert_eq!(row["active_devices"], 1);
    let issued = row["tokens_issued"].as_u64().unwrap();
    assert_eq!(issued, 1_000_000_000, "the only sub-network gets the whole emission");
    // Closing again changes nothing.
    assert_eq!(civnet.ok(&operator, &["epoch", "close", "--epoch", &epoch.to_string()])["sub_networks"][0]["tokens_issued"], issued);

    // The oracle posts the root; the owner claims.
    let rewards = civnet.dir.path().join("rewards.csv");
    std::fs::write(&rewards, format!("asset_id,cumulative_amount\n{asset_id},{issued}\n")).unwrap();
    civnet.ok(&operator, &["rewards", "post-root", "--sub-network", "IOT", "--file", rewards.to_str().unwrap()]);
    let before = civnet.ok(&owner_file, &["dc", "balance"])["tokens"].as_u64().unwrap();
    let claimed = civnet.ok(&owner_file, &["rewards", "claim", "--sub-network", "IOT", "--device-key", &device_key, "--file", rewards.to_str().unwrap()]);
    assert_eq!(claimed["claimed"], issued);
    let network: Pubkey = civnet.network.as_ref().unwrap().parse().unwrap();
    let mint = validator.anchor_account::<emissions::state::Network>(&network).token_mint;
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &mint)), before + issued);
    // $10 of DC cost 6.666667 tokens (rounded up): the rest of the genesis allocation is left.
    assert_eq!(before, 50_000_000 - 6_666_667);
    // A second claim of the same cumulative amount pays nothing and fails by name.
    let again = civnet.run(&owner_file, &["rewards", "claim", "--sub-network", "IOT", "--device-key", &device_key, "--file", rewards.to_str().unwrap()]);
    assert_one_line_error(&again, "NothingToClaim");

    // An indexer reads it all back into SQLite.
    let database = format!("sqlite://{}", civnet.dir.path().join("index.db").display());
    let counts = civnet.ok(&operator, &["index", "--once", "--database", &database]);
    for (table, expected) in [("devices", 1), ("makers", 1), ("sub_networks", 1)] {
        assert_eq!(counts[table], expected, "{table}: {counts:#}");
    }
    assert!(counts["epochs"].as_u64().unwrap() >= 1 && counts["burns"].as_u64().unwrap() >= 1, "{counts:#}");

    // Bad input: one line, exit code 1.
    assert_one_line_error(&civnet.run(Path::new("/nonexistent/id.json"), &["network", "show"]), "cannot read keypair");
    assert_one_line_error(&civnet.run(&operator, &["device", "show", &Pubkey::new_unique().to_string()]), "unknown device");
    assert_one_line_error(&civnet.run(&owner_file, &["device", "onboard", "--device-key", &Pubkey::new_unique().to_string(), "--sub-network", "IOT"]), "unknown device");
    // Only the network authority approves; and it names the maker authority it expects.
    assert_one_line_error(&civnet.run(&maker_file, &["maker", "approve", "acme", "--authority", &maker.pubkey().to_string()]), "transaction failed: ConstraintHasOne");
    assert_one_line_error(&civnet.run(&operator, &["maker", "approve", "acme", "--authority", &Pubkey::new_unique().to_string()]), "is registered with authority");
    let offline = Civnet { url: "http://127.0.0.1:9".into(), dir: tempfile::tempdir().unwrap(), network: civnet.network.clone() };
    assert_one_line_error(&offline.run(&operator, &["network", "show"]), "cannot reach the cluster");
}

/// Waits (wall clock: the validator's clock follows it) until the cluster is past `epoch`.
fn wait_for_epoch_after(civnet: &Civnet, keypair: &Path, epoch: u64) {
    let started = std::time::Instant::now();
    loop {
        let current = civnet.ok(keypair, &["epoch", "show"])["current_epoch"].as_u64().unwrap();
        if current > epoch {
            return;
        }
        assert!(started.elapsed().as_secs() < 120, "the validator's clock did not pass epoch {epoch}");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// A deployment file: one network (EPOCH_SECS-long epochs, a genesis allocation to `owner`),
/// fixed-price DC, sub-network IOT (the signer of `migrate` is its rewards oracle and
/// active-device authority), maker "acme" with `maker` as its authority.
fn deployment_file(civnet: &Civnet, owner: &Keypair, maker: &Keypair) -> PathBuf {
    let config = civnet.dir.path().join("deploy.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[network]
token_mint_keypair = "keys/mint.json"
epoch_length_secs = {EPOCH_SECS}
max_issuance_per_epoch = 1000000000
tokens_per_epoch = 1000000000
halving_every_epochs = 1000
halvings = 4
genesis = [{{ owner = "{owner}", amount = 50000000 }}]

[data_credits]
usd_per_token_e8 = 150000000
max_dc_minted_per_epoch = 1000000000000

[[sub_networks]]
name = "IOT"
onboarding_fee_dc = 400000
location_fee_dc = 100000

[[makers]]
name = "acme"
authority = "{maker}"
"#,
            owner = owner.pubkey(),
            maker = maker.pubkey()
        ),
    )
    .unwrap();
    config
}

/// The loop through the CLI: a device heartbeats to `civnet oracle` (its own process, the
/// operator's key as rewards oracle), anyone closes the epoch, the oracle posts the root, and
/// the owner claims with nothing but the oracle's URL, receiving the device's total.
#[test]
fn a_device_heartbeats_to_the_oracle_and_its_owner_claims_through_it() {
    let validator = TestValidator::start();
    let mut civnet = Civnet { url: validator.rpc_url().to_string(), dir: tempfile::tempdir().unwrap(), network: None };
    let operator = civnet.keypair_file("operator", &validator.cluster.payer);
    let (maker, owner, device) = (Keypair::new(), Keypair::new(), Keypair::new());
    for key in [maker.pubkey(), owner.pubkey()] {
        validator.airdrop(&key, 10_000_000_000);
    }
    let (maker_file, owner_file, device_file) = (civnet.keypair_file("maker", &maker), civnet.keypair_file("owner", &owner), civnet.keypair_file("device", &device));
    let config = deployment_file(&civnet, &owner, &maker);
    civnet.network = Some(civnet.ok(&operator, &["migrate", "--config", config.to_str().unwrap()])["network"].as_str().unwrap().to_string());
    civnet.ok(&maker_file, &["maker", "set-tree", "acme", "--max-depth", "14", "--canopy-depth", "8"]);
    let device_key = device.pubkey().to_string();
    let partial = civnet.ok(&maker_file, &["device", "issue", "--maker", "acme", "--owner", &owner.pubkey().to_string(), "--device-keypair", device_file.to_str().unwrap(), "--sign-only"]);
    civnet.ok(&owner_file, &["tx", "send", partial["transaction"].as_str().unwrap()]);
    civnet.ok(&owner_file, &["dc", "mint", "--dc", "1000000"]);
    civnet.ok(&owner_file, &["device", "onboard", "--device-key", &device_key, "--sub-network", "IOT"]);

    // The oracle: follows the chain, serves its API, closes epochs as soon as they are issued.
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], civnet_harness::validator::reserved_port()));
    let oracle_url = format!("http://{addr}");
    let database = format!("sqlite://{}", civnet.dir.path().join("oracle.db").display());
    let mut oracle = Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["--url", &civnet.url, "--keypair"])
        .arg(&operator)
        .args(["--network", civnet.network.as_deref().unwrap(), "oracle", "--database", &database, "--serve", &addr.to_string(), "--poll-ms", "200", "--close-grace-secs", "0"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("civnet oracle starts");
    let started = std::time::Instant::now();
    while ureq::get(&format!("{oracle_url}/v1/entropy")).call().is_err() {
        assert!(started.elapsed().as_secs() < 120, "the oracle did not serve entropy");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }

    // The device heartbeats once a second until three land in one epoch (one-second slices;
    // two make the minimum presence); a second one in the same second is refused.
    let mut heard: std::collections::BTreeMap<u64, u64> = std::collections::BTreeMap::new();
    let started = std::time::Instant::now();
    let epoch = loop {
        let run = civnet.run(&operator, &["device", "heartbeat", "--device-keypair", device_file.to_str().unwrap(), "--sub-network", "IOT", "--oracle", &oracle_url]);
        if run.ok && run.json["status"] == "accepted" {
            *heard.entry(run.json["timestamp"].as_u64().unwrap() / EPOCH_SECS).or_default() += 1;
        }
        if let Some((epoch, _)) = heard.iter().find(|(_, n)| **n >= 3) {
            break *epoch;
        }
        assert!(started.elapsed().as_secs() < 90, "heartbeats: {heard:?}");
        std::thread::sleep(std::time::Duration::from_millis(1_100));
    };
    let forged = civnet.run(&operator, &["device", "heartbeat", "--device-keypair", owner_file.to_str().unwrap(), "--sub-network", "IOT", "--oracle", &oracle_url]);
    assert_one_line_error(&forged, "unknown_device");

    wait_for_epoch_after(&civnet, &operator, epoch);
    civnet.ok(&operator, &["epoch", "close", "--epoch", &epoch.to_string()]);
    let manifest_url = format!("{oracle_url}/v1/epochs/{epoch}/manifest");
    let started = std::time::Instant::now();
    let manifest = loop {
        let answer: Option<Value> = ureq::get(&manifest_url).call().ok().map(|r| r.into_json().unwrap());
        if let Some(m) = answer.filter(|m| m["sub_networks"][0]["state"] == "done") {
            break m["sub_networks"][0].clone();
        }
        assert!(started.elapsed().as_secs() < 120, "the oracle did not close epoch {epoch}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    let total = manifest["entries"][0]["cumulative"].as_u64().unwrap();
    assert_eq!(manifest["entries"][0]["device_key"], device_key);
    assert_eq!(total + manifest["unallocated"].as_u64().unwrap(), manifest["issued"].as_u64().unwrap());
    let claimed = civnet.ok(&owner_file, &["rewards", "claim", "--device-key", &device_key, "--oracle", &oracle_url]);
    assert_eq!(claimed["claimed"].as_u64(), Some(total));
    let _ = oracle.kill();
    let _ = oracle.wait();
}

#[test]
fn the_demo_reconciles_on_the_embedded_engine() {
    let out = Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["demo", "--devices", "12", "--epochs", "3", "--sub-networks", "3", "--output", "json"])
        .output()
        .expect("civnet demo runs");
    assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["devices_onboarded"], 12);
    assert_eq!(report["epochs_closed"], 3);
    assert_eq!(report["reconciled"], true);
    let n = |k: &str| report[k].as_u64().unwrap_or_else(|| panic!("{k} missing: {report:#}"));
    assert_eq!(n("dc_supply"), n("dc_minted") - n("dc_burned"));
    assert_eq!(n("tokens_issued"), n("tokens_claimed") + n("tokens_in_escrow"));
    assert!(n("tokens_claimed") > 0 && n("dc_burned") > 0);
    // Every sub-network and epoch has a row; busier sub-networks score higher.
    let rows = report["epochs"].as_array().unwrap();
    assert_eq!(rows.len(), 9);
    let score = |sub: &str| rows.iter().filter(|r| r["sub_network"] == sub).map(|r| r["utility_score"].as_str().unwrap().parse::<u128>().unwrap()).sum::<u128>();
    assert!(score("IOT") < score("MOBILE") && score("MOBILE") < score("ENERGY"));
    for name in ["device_registry::issue_device", "device_registry::onboard_device"] {
        assert_eq!(report["instructions"][name]["count"], 12, "{name}");
    }
    // The oracle paid for work: device 9 never heartbeats and device 8 only two hours an epoch
    // (below the minimum presence, and it carries no traffic): neither earns, neither claims;
    // the others claim exactly their oracle totals; shares + unallocated = issued every epoch.
    let rewards = &report["rewards"];
    assert_eq!((rewards["offline_devices"].as_u64(), rewards["offline_rewards"].as_u64()), (Some(1), Some(0)), "{rewards:#}");
    assert_eq!(rewards["devices_rewarded"], 10);
    assert_eq!(report["instructions"]["emissions::claim_rewards"]["count"], 10);
    assert_eq!((rewards["claims_match_oracle"].as_bool(), rewards["shares_plus_unallocated_equal_issued"].as_bool()), (Some(true), Some(true)));
    assert!(rewards["reward_min"].as_u64() == Some(0) && rewards["reward_median"].as_u64() < rewards["reward_max"].as_u64());
    assert_eq!(rewards["devices_set_inactive"], 1);
}

#[test]
fn the_demo_runs_against_a_validator() {
    let validator = TestValidator::start();
    let civnet = Civnet { url: validator.rpc_url().to_string(), dir: tempfile::tempdir().unwrap(), network: None };
    let operator = civnet.keypair_file("operator", &validator.cluster.payer);
    let report = civnet.ok(&operator, &["demo", "--devices", "3", "--epochs", "1", "--sub-networks", "2", "--epoch-secs", "20"]);
    assert_eq!(report["engine"], "cluster");
    assert_eq!(report["devices_onboarded"], 3);
    assert_eq!(report["reconciled"], true, "{report:#}");
}

#[test]
fn localnet_serves_every_program_and_creates_and_funds_a_missing_keypair() {
    let dir = tempfile::tempdir().unwrap();
    // A new user has no keypair yet: localnet creates one there (and says so), then funds it.
    let keypair = dir.path().join("config/me.json");
    // Held until the test ends: no other test's validator can take these ports meanwhile.
    let ports = civnet_harness::validator::PortBlock::reserve();
    let port = ports.base;
    let mut child = Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["--keypair"])
        .arg(&keypair)
        .args(["localnet", "--reset", "--rpc-port", &port.to_string(), "--ledger"])
        .arg(dir.path().join("ledger"))
        .stderr(std::fs::File::create(dir.path().join("localnet.stderr")).unwrap())
        .spawn()
        .expect("civnet localnet starts");
    let rpc = civnet_harness::rpc::Rpc::new(format!("http://127.0.0.1:{port}"));
    let started = std::time::Instant::now();
    let me = loop {
        if let Some(bytes) = std::fs::read_to_string(&keypair).ok().and_then(|text| serde_json::from_str::<Vec<u8>>(&text).ok()) {
            break Keypair::try_from(bytes.as_slice()).expect("localnet wrote a Solana JSON keypair");
        }
        assert!(started.elapsed().as_secs() < 120, "localnet did not create the missing keypair");
        if let Ok(Some(status)) = child.try_wait() {
            panic!("localnet exited: {status}: {}", std::fs::read_to_string(dir.path().join("localnet.stderr")).unwrap_or_default());
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    // Ready once the keypair is funded (localnet airdrops to it after the validator answers).
    while rpc.account(&me.pubkey()).ok().flatten().is_none() {
        assert!(started.elapsed().as_secs() < 120, "localnet did not come up");
        if let Ok(Some(status)) = child.try_wait() {
            panic!("localnet exited: {status}: {}", std::fs::read_to_string(dir.path().join("localnet.stderr")).unwrap_or_default());
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    for program in civnet_harness::programs::all() {
        let (_, _, owner) = rpc.account(&program.id).unwrap().unwrap_or_else(|| panic!("{} is not deployed", program.name));
        assert!(owner.to_string().starts_with("BPFLoader"), "{} is owned by {owner}", program.name);
    }
    // Killing civnet alone (no chance to clean up) still stops its validator.
    child.kill().unwrap();
    child.wait().unwrap();
    let stopped = std::time::Instant::now();
    while rpc.get_slot().is_ok() {
        assert!(stopped.elapsed().as_secs() < 30, "the validator outlived Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The commands the flywheel story does not run, each checked in its JSON answer and in the
/// chain state it changed: `network init`, `sub-network create|show`, `maker
/// create|approve|revoke|show`, `device issue` paid by the maker, `device update`, `dc mint
/// --tokens --recipient`, `dc delegate`, `migrate` updating what differs, and the named
/// one-line errors of `dc mint --price-update`, `rewards post-root` and `tx send`.
#[test]
fn every_operator_maker_and_wallet_command_changes_the_chain() {
    use civnet_harness::{dc, network as net, registry, scenario};
    // A Pyth price update in the validator's genesis ($1.50 +- $0.01, published just now).
    const FEED: [u8; 32] = [7; 32];
    let publish_time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 - 5;
    let price = dc::PythPrice { feed_id: FEED, price: 150_000_000, conf: 1_000_000, exponent: -8, publish_time, fully_verified: true };
    let price_update = Pubkey::new_unique();
    let validator = TestValidator::start_with_accounts(&[(price_update, dc::price_update_account(&price))]);
    let mut civnet = Civnet { url: validator.rpc_url().to_string(), dir: tempfile::tempdir().unwrap(), network: None };
    let operator_key = validator.cluster.payer.pubkey();
    let operator = civnet.keypair_file("operator", &validator.cluster.payer);
    let (maker, owner, device, other, stranger) = (Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new(), Keypair::new());
    for key in [maker.pubkey(), owner.pubkey(), stranger.pubkey()] {
        validator.airdrop(&key, 10_000_000_000);
    }
    let (maker_file, owner_file, device_file) = (civnet.keypair_file("maker", &maker), civnet.keypair_file("owner", &owner), civnet.keypair_file("device", &device));
    let stranger_file = civnet.keypair_file("stranger", &stranger);

    // network init: a token, the network and fixed-price DC, as the flags say.
    let init = civnet.ok(
        &operator,
        &["network", "init", "--epoch-length-secs", "60", "--tokens-per-epoch", "8000000", "--halving-every", "10", "--halvings", "3", "--usd-per-token-e8", "200000000", "--max-dc-minted-per-epoch", "5000000000"],
    );
    let network: Pubkey = init["network"].as_str().unwrap().parse().unwrap();
    let token_mint: Pubkey = init["token_mint"].as_str().unwrap().parse().unwrap();
    assert_eq!(network, scenario::network_address(&token_mint), "{init:#}");
    assert_eq!(init["dc_mint"], scenario::dc_mint_address(&network).to_string());
    assert_eq!(init["authority"], operator_key.to_string());
    let account: emissions::state::Network = validator.anchor_account(&network);
    assert_eq!((account.authority, account.token_mint, account.epoch_length_secs, account.max_issuance_per_epoch), (operator_key, token_mint, 60, 8_000_000));
    let steps: Vec<(u64, u64)> = account.emission_schedule.iter().map(|s| (s.start_epoch - account.emission_schedule[0].start_epoch, s.tokens_per_epoch)).collect();
    assert_eq!(steps, [(0, 8_000_000), (10, 4_000_000), (20, 2_000_000)]);
    let config: data_credits::state::DataCreditsConfig = validator.anchor_account(&scenario::dc_config_address(&network));
    assert_eq!(config.price_oracle, data_credits::state::PriceOracle::Fixed { usd_per_token_e8: 200_000_000 });
    assert_eq!((config.max_dc_minted_per_epoch, config.dc_mint), (5_000_000_000, scenario::dc_mint_address(&network)));
    civnet.network = Some(network.to_string());

    // sub-network create with its own authorities and fees; show reads them back.
    let (burner, activator, oracle) = (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
    let created = civnet.ok(
        &operator,
        &[
            "sub-network", "create", "IOT", "--dc-burn-authority", &burner.to_string(), "--active-device-authority", &activator.to_string(),
            "--rewards-oracle", &oracle.to_string(), "--onboarding-fee-dc", "123000", "--location-fee-dc", "45000",
        ],
    );
    let iot = net::sub_network_address(&network, "IOT");
    assert_eq!((created["sub_network"].as_str(), created["name"].as_str()), (Some(iot.to_string().as_str()), Some("IOT")), "{created:#}");
    assert_eq!(created["rewards_escrow"], net::rewards_escrow_address(&iot).to_string());
    let sub: emissions::state::SubNetwork = validator.anchor_account(&iot);
    assert_eq!((sub.dc_burn_authority, sub.active_device_authority, sub.rewards_oracle), (burner, activator, oracle));
    assert_eq!((sub.onboarding_fee_dc, sub.location_fee_dc, sub.network, sub.index), (123_000, 45_000, network, 0));
    assert!(validator.account_data(&dc::sub_network_burns_address(&iot)).is_some() && validator.account_data(&registry::sub_network_devices_address(&iot)).is_some(), "activity records opened");
    let shown = civnet.ok(&operator, &["sub-network", "show", "IOT"]);
    for (field, value) in [("dc_burn_authority", burner), ("active_device_authority", activator), ("rewards_oracle", oracle), ("address", iot)] {
        assert_eq!(shown[field], value.to_string(), "{field}: {shown:#}");
    }
    assert_eq!((shown["onboarding_fee_dc"].as_u64(), shown["location_fee_dc"].as_u64(), shown["index"].as_u64()), (Some(123_000), Some(45_000), Some(0)));
    assert_eq!((shown["active_devices"].as_u64(), shown["devices_onboarded"].as_u64(), shown["dc_burned_for_usage"].as_u64()), (Some(0), Some(0), Some(0)));
    assert_eq!((shown["total_issued"].as_u64(), shown["rewards_escrow_balance"].as_u64()), (Some(0), Some(0)));
    // Defaults: the signer holds every role.
    civnet.ok(&operator, &["sub-network", "create", "MOBILE"]);
    let mobile: emissions::state::SubNetwork = validator.anchor_account(&net::sub_network_address(&network, "MOBILE"));
    assert_eq!((mobile.dc_burn_authority, mobile.rewards_oracle, mobile.onboarding_fee_dc, mobile.location_fee_dc, mobile.index), (operator_key, operator_key, 4_000_000, 1_000_000, 1));
    let listed = civnet.ok(&operator, &["network", "show"]);
    let names: Vec<&str> = listed["sub_networks"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["IOT", "MOBILE"]);
    assert_eq!((listed["epoch_length_secs"].as_u64(), listed["token_supply"].as_u64(), listed["dc_minted"].as_u64()), (Some(60), Some(0), Some(0)));
    // Only the network authority creates one; a name is taken once; an unknown one is named.
    assert_one_line_error(&civnet.run(&stranger_file, &["sub-network", "create", "ENERGY"]), "transaction failed");
    assert!(validator.account_data(&net::sub_network_address(&network, "ENERGY")).is_none());
    assert_one_line_error(&civnet.run(&operator, &["sub-network", "create", "IOT"]), "transaction failed");
    assert_one_line_error(&civnet.run(&operator, &["sub-network", "show", "NOPE"]), "sub-network NOPE");

    // maker create (anyone), approve and revoke (the network authority), show.
    let zeta = scenario::maker_address(&network, "zeta");
    let made = civnet.ok(&stranger_file, &["maker", "create", "zeta", "--authority", &maker.pubkey().to_string()]);
    assert_eq!((made["maker"].as_str(), made["authority"].as_str()), (Some(zeta.to_string().as_str()), Some(maker.pubkey().to_string().as_str())), "{made:#}");
    let m: device_registry::state::Maker = validator.anchor_account(&zeta);
    assert_eq!((m.authority, m.approved, m.network, m.name.as_str()), (maker.pubkey(), false, network, "zeta"));
    let shown = civnet.ok(&operator, &["maker", "show", "zeta"]);
    assert_eq!((shown["approved"].as_bool(), shown["devices_issued"].as_u64(), shown["authority"].as_str()), (Some(false), Some(0), Some(maker.pubkey().to_string().as_str())));
    assert_eq!(civnet.ok(&operator, &["maker", "approve", "zeta", "--authority", &maker.pubkey().to_string()])["approved"], true);
    assert!(validator.anchor_account::<device_registry::state::Maker>(&zeta).approved);
    assert_one_line_error(&civnet.run(&stranger_file, &["maker", "revoke", "zeta"]), "ConstraintHasOne");
    assert!(validator.anchor_account::<device_registry::state::Maker>(&zeta).approved, "a stranger's revoke changed nothing");
    let revoked = civnet.ok(&operator, &["maker", "revoke", "zeta"]);
    assert_eq!((revoked["maker"].as_str(), revoked["approved"].as_bool()), (Some(zeta.to_string().as_str()), Some(false)));
    assert!(!validator.anchor_account::<device_registry::state::Maker>(&zeta).approved);
    assert_eq!(civnet.ok(&operator, &["maker", "show", "zeta"])["approved"], false);
    assert_one_line_error(&civnet.run(&operator, &["maker", "show", "nobody"]), "maker nobody");
    assert_one_line_error(&civnet.run(&operator, &["maker", "revoke", "nobody"]), "maker nobody");

    // A network with tokens (migrate's genesis): devices and DC.
    let config = deployment_file(&civnet, &owner, &maker);
    civnet.network = None;
    let migrated = civnet.ok(&operator, &["migrate", "--config", config.to_str().unwrap()]);
    let network: Pubkey = migrated["network"].as_str().unwrap().parse().unwrap();
    civnet.network = Some(network.to_string());
    let keys = scenario::NetworkKeys::for_mint(migrated["token_mint"].as_str().unwrap().parse().unwrap(), Keypair::new());
    let dc_mint = scenario::dc_mint_address(&network);
    let iot = net::sub_network_address(&network, "IOT");
    let acme = scenario::maker_address(&network, "acme");
    civnet.ok(&maker_file, &["maker", "set-tree", "acme", "--max-depth", "14", "--canopy-depth", "8"]);

    // device issue without --sign-only: the maker signs and pays.
    let maker_lamports = validator.cluster.rpc.account(&maker.pubkey()).unwrap().unwrap().1;
    let issued = civnet.ok(&maker_file, &["device", "issue", "--maker", "acme", "--owner", &owner.pubkey().to_string(), "--device-keypair", device_file.to_str().unwrap()]);
    let device_key = device.pubkey().to_string();
    let record: device_registry::state::Device = validator.anchor_account(&registry::device_address(&network, &device.pubkey()));
    assert_eq!((issued["device_key"].as_str(), issued["owner"].as_str()), (Some(device_key.as_str()), Some(owner.pubkey().to_string().as_str())), "{issued:#}");
    assert_eq!(issued["asset_id"], record.asset_id.to_string());
    assert_eq!(record.sub_network_index, device_registry::state::NOT_ONBOARDED);
    assert_eq!(validator.anchor_account::<device_registry::state::Maker>(&acme).devices_issued, 1);
    assert!(validator.cluster.rpc.account(&maker.pubkey()).unwrap().unwrap().1 < maker_lamports, "the maker paid");
    // Only the maker authority issues.
    let second = Keypair::new();
    let other_device = civnet.keypair_file("other-device", &second);
    assert_one_line_error(&civnet.run(&owner_file, &["device", "issue", "--maker", "acme", "--owner", &owner.pubkey().to_string(), "--device-keypair", other_device.to_str().unwrap()]), "the maker authority is");
    assert!(validator.account_data(&registry::device_address(&network, &second.pubkey())).is_none());
    // A device issued but not onboarded cannot be updated; a tree's canopy fits in it.
    civnet.ok(&maker_file, &["device", "issue", "--maker", "acme", "--owner", &owner.pubkey().to_string(), "--device-keypair", other_device.to_str().unwrap()]);
    assert_eq!(validator.anchor_account::<device_registry::state::Maker>(&acme).devices_issued, 2);
    assert_one_line_error(&civnet.run(&owner_file, &["device", "update", "--device-key", &second.pubkey().to_string(), "--gain", "1"]), "is not onboarded");
    assert_one_line_error(&civnet.run(&maker_file, &["maker", "set-tree", "acme", "--max-depth", "5", "--canopy-depth", "6"]), "--canopy-depth (6) cannot exceed --max-depth (5)");

    // dc mint --tokens for another wallet: 3 tokens at $1.50 = $4.50 = 450,000 DC.
    let token_account = tokens::ata(&owner.pubkey(), &keys.token_mint);
    let tokens_before = tokens::balance(&validator.cluster, &token_account);
    let minted = civnet.ok(&owner_file, &["dc", "mint", "--tokens", "3000000", "--recipient", &other.pubkey().to_string()]);
    assert_eq!((minted["recipient"].as_str(), minted["dc_minted"].as_u64(), minted["dc_balance"].as_u64()), (Some(other.pubkey().to_string().as_str()), Some(450_000), Some(450_000)), "{minted:#}");
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&other.pubkey(), &dc_mint)), 450_000);
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint)), 0, "the signer paid, the recipient got the DC");
    assert_eq!(tokens::balance(&validator.cluster, &token_account), tokens_before - 3_000_000);
    let dc_config: data_credits::state::DataCreditsConfig = validator.anchor_account(&scenario::dc_config_address(&network));
    assert_eq!((dc_config.total_dc_minted, dc_config.total_tokens_burned), (450_000, 3_000_000));
    // A price update is passed through to the program, which checks its owner.
    assert_one_line_error(&civnet.run(&owner_file, &["dc", "mint", "--dc", "1000", "--price-update", &network.to_string()]), "AccountOwnedByWrongProgram");
    assert_one_line_error(&civnet.run(&owner_file, &["dc", "mint", "--dc", "1000", "--price-update", "not-a-key"]), "is not a base58 public key");
    // Exactly one of --dc and --tokens: neither is the program's named error, both clap's.
    assert_one_line_error(&civnet.run(&owner_file, &["dc", "mint"]), "AmountChoice");
    let both = civnet.run(&owner_file, &["dc", "mint", "--dc", "1", "--tokens", "1"]);
    assert!(!both.ok && both.stderr.contains("cannot be used with"), "{}", both.stderr);
    assert_eq!(validator.anchor_account::<data_credits::state::DataCreditsConfig>(&scenario::dc_config_address(&network)).total_dc_minted, 450_000);

    // The owner onboards, then moves the device: device update burns the location fee.
    civnet.ok(&owner_file, &["dc", "mint", "--dc", "2000000"]);
    civnet.ok(&owner_file, &["device", "onboard", "--device-key", &device_key, "--sub-network", "IOT"]);
    let dc_before = tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint));
    let updated = civnet.ok(&owner_file, &["device", "update", "--device-key", &device_key, "--location", "8928308280fffff", "--elevation", "12", "--gain", "30"]);
    assert_eq!(updated["device_key"], device_key);
    let record: device_registry::state::Device = validator.anchor_account(&registry::device_address(&network, &device.pubkey()));
    assert_eq!((record.location, record.elevation, record.gain), (0x8928308280fffff, 12, 30));
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint)), dc_before - 100_000, "the location fee");
    let shown = civnet.ok(&operator, &["device", "show", &device_key]);
    assert_eq!((shown["location"].as_str(), shown["elevation"].as_i64(), shown["gain"].as_u64()), (Some("8928308280fffff"), Some(12), Some(30)));
    // Elevation only: no fee.
    civnet.ok(&owner_file, &["device", "update", "--device-key", &device_key, "--elevation", "-3"]);
    let record: device_registry::state::Device = validator.anchor_account(&registry::device_address(&network, &device.pubkey()));
    assert_eq!((record.location, record.elevation, record.gain), (0x8928308280fffff, -3, 30));
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint)), dc_before - 100_000);
    assert_one_line_error(&civnet.run(&maker_file, &["device", "update", "--device-key", &device_key, "--gain", "1"]), "does not hold the cNFT");
    assert_one_line_error(&civnet.run(&owner_file, &["device", "update", "--device-key", &device_key, "--location", "zz"]), "is not an H3 cell");

    // dc delegate: DC moves into the router's escrow.
    let dc_before = tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint));
    let delegated = civnet.ok(&owner_file, &["dc", "delegate", "--sub-network", "IOT", "--router-key", "router-1", "--amount", "200000"]);
    let escrow = dc::escrow_address(&iot, "router-1");
    assert_eq!((delegated["escrow"].as_str(), delegated["escrow_dc"].as_u64()), (Some(escrow.to_string().as_str()), Some(200_000)), "{delegated:#}");
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&escrow, &dc_mint)), 200_000);
    assert_eq!(tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint)), dc_before - 200_000);
    assert_one_line_error(&civnet.run(&owner_file, &["dc", "delegate", "--sub-network", "NOPE", "--router-key", "router-1", "--amount", "1"]), "sub-network NOPE");
    // sub-network show counts what happened: one onboarding, its fees, no usage yet.
    let shown = civnet.ok(&operator, &["sub-network", "show", "IOT"]);
    let devices = registry::sub_network_devices(&validator, &iot);
    assert_eq!((devices.devices_onboarded, devices.active_devices, devices.fees_dc_burned), (1, 1, 400_000 + 100_000));
    assert_eq!((shown["devices_onboarded"].as_u64(), shown["active_devices"].as_u64(), shown["fees_dc_burned"].as_u64()), (Some(1), Some(1), Some(500_000)), "{shown:#}");
    assert_eq!(shown["dc_burned_for_usage"], 0, "delegated DC is not burned yet");

    // rewards post-root: only the rewards oracle, only a well-formed file; nothing posted.
    let asset_id = record.asset_id.to_string();
    let rewards = |name: &str, text: &str| {
        let path = civnet.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let good = rewards("good.csv", &format!("asset_id,cumulative_amount\n{asset_id},5\n"));
    assert_one_line_error(&civnet.run(&maker_file, &["rewards", "post-root", "--sub-network", "IOT", "--file", good.to_str().unwrap()]), "the rewards oracle is");
    for (name, text, error) in [
        ("no-comma.csv", format!("{asset_id} 5\n"), "expected asset_id,cumulative_amount"),
        ("bad-amount.csv", format!("{asset_id},five\n"), "is not an amount"),
        ("bad-key.csv", "nonsense,5\n".to_string(), "is not a base58 public key"),
        ("bad.json", "[{\"asset_id\": 5}]".to_string(), "is not a JSON list"),
        ("overflow.csv", format!("{asset_id},18446744073709551615\n{},1\n", Pubkey::new_unique()), "overflow"),
    ] {
        let file = rewards(name, &text);
        assert_one_line_error(&civnet.run(&operator, &["rewards", "post-root", "--sub-network", "IOT", "--file", file.to_str().unwrap()]), error);
    }
    assert_one_line_error(&civnet.run(&operator, &["rewards", "post-root", "--sub-network", "IOT", "--file", "/nonexistent/rewards.csv"]), "reading /nonexistent/rewards.csv");
    // rewards claim from a file: it needs the sub-network, and the device's asset in the file.
    let claim = |file: &Path, sub: Option<&str>| {
        let mut args = vec!["rewards", "claim", "--device-key", device_key.as_str(), "--file", file.to_str().unwrap()];
        args.extend(sub.iter().flat_map(|s| ["--sub-network", *s]));
        civnet.run(&owner_file, &args)
    };
    assert_one_line_error(&claim(&good, None), "--file needs --sub-network");
    let elsewhere = rewards("elsewhere.csv", &format!("{},5\n", Pubkey::new_unique()));
    assert_one_line_error(&claim(&elsewhere, Some("IOT")), &format!("asset {asset_id} is not in"));
    assert_one_line_error(&claim(&good, Some("NOPE")), "sub-network NOPE");
    assert!(validator.account_data(&net::rewards_root_address(&iot)).is_none_or(|_| validator.anchor_account::<emissions::state::RewardsRoot>(&net::rewards_root_address(&iot)).version == 0), "no root posted");

    // tx send with bad input: not base64, not a transaction, signed by the wrong key.
    assert_one_line_error(&civnet.run(&owner_file, &["tx", "send", "!!not base64!!"]), "the transaction is not base64");
    assert_one_line_error(&civnet.run(&owner_file, &["tx", "send", "aGVsbG8gd29ybGQ="]), "the bytes are not a transaction");
    use base64::Engine;
    let transfer = anchor_lang::solana_program::system_instruction::transfer(&owner.pubkey(), &stranger.pubkey(), 1_000);
    let blockhash = validator.cluster.rpc.latest_blockhash().unwrap();
    let mut forged = solana_transaction::Transaction::new_with_payer(&[transfer], Some(&owner.pubkey()));
    forged.message.recent_blockhash = blockhash;
    forged.signatures[0] = stranger.sign_message(&forged.message_data());
    let forged = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&forged).unwrap());
    let stranger_lamports = validator.cluster.rpc.account(&stranger.pubkey()).unwrap().unwrap().1;
    let run = civnet.run(&stranger_file, &["tx", "send", &forged]);
    assert!(!run.ok && run.stderr.to_lowercase().contains("signature"), "a forged signature: {}", run.stderr);
    assert_eq!(validator.cluster.rpc.account(&stranger.pubkey()).unwrap().unwrap().1, stranger_lamports, "nothing moved");

    // dc mint --price-update: once the network prices DC by a Pyth feed, a purchase needs a
    // price update, and the one given prices it ($1.50 lowered by twice the $0.01 confidence).
    let pyth = data_credits::state::PriceOracle::Pyth { feed_id: FEED, max_age_secs: 3_600 };
    let args = data_credits::instructions::UpdateConfigArgs { price_oracle: Some(pyth), max_dc_minted_per_epoch: None };
    validator.send_ok(&[dc::update_config_ix(&keys, operator_key, args)], &[]);
    assert_one_line_error(&civnet.run(&owner_file, &["dc", "mint", "--dc", "1000"]), "PriceUpdateRequired");
    let dc_before = tokens::balance(&validator.cluster, &tokens::ata(&owner.pubkey(), &dc_mint));
    let burned_before = validator.anchor_account::<data_credits::state::DataCreditsConfig>(&scenario::dc_config_address(&network)).total_tokens_burned;
    let bought = civnet.ok(&owner_file, &["dc", "mint", "--tokens", "1000000", "--price-update", &price_update.to_string()]);
    assert_eq!((bought["dc_minted"].as_u64(), bought["dc_balance"].as_u64()), (Some(148_000), Some(dc_before + 148_000)), "{bought:#}");
    let dc_config: data_credits::state::DataCreditsConfig = validator.anchor_account(&scenario::dc_config_address(&network));
    assert_eq!((dc_config.last_price_publish_time, dc_config.total_tokens_burned), (publish_time, burned_before + 1_000_000), "the update's price was used");

    // migrate updates what differs: the network's cap, the DC price, IOT's fee, acme's approval.
    let text = std::fs::read_to_string(&config).unwrap();
    let changed = text
        .replace("max_issuance_per_epoch = 1000000000", "max_issuance_per_epoch = 1200000000")
        .replace("usd_per_token_e8 = 150000000", "usd_per_token_e8 = 175000000")
        .replace("onboarding_fee_dc = 400000", "onboarding_fee_dc = 500000")
        .replace("authority = \"", "approved = false\nauthority = \"");
    assert_ne!(changed, text);
    std::fs::write(&config, &changed).unwrap();
    let updated = civnet.ok(&operator, &["migrate", "--config", config.to_str().unwrap()]);
    // The four edits; the lookup table is the one the first run made (found again, though
    // another network's table of the same operator was made a moment before it) and already
    // holds every address.
    assert_eq!(updated["changed"], 4, "{updated:#}");
    assert_eq!(updated["lookup_table"], migrated["lookup_table"], "{updated:#}");
    let status = |step: &str| updated["steps"].as_array().unwrap().iter().find(|s| s["step"].as_str().unwrap().starts_with(step)).map(|s| s["status"].as_str().unwrap().to_string());
    for (step, expected) in [("token mint", "unchanged"), ("network", "updated"), ("data credits", "updated"), ("sub-network IOT", "updated"), ("lookup table", "unchanged"), ("maker acme", "updated")] {
        assert_eq!(status(step).as_deref(), Some(expected), "{step}: {updated:#}");
    }
    assert_eq!(validator.anchor_account::<emissions::state::Network>(&network).max_issuance_per_epoch, 1_200_000_000);
    assert_eq!(validator.anchor_account::<data_credits::state::DataCreditsConfig>(&scenario::dc_config_address(&network)).price_oracle, data_credits::state::PriceOracle::Fixed { usd_per_token_e8: 175_000_000 });
    let sub: emissions::state::SubNetwork = validator.anchor_account(&iot);
    assert_eq!((sub.onboarding_fee_dc, sub.location_fee_dc), (500_000, 100_000));
    assert!(!validator.anchor_account::<device_registry::state::Maker>(&acme).approved);
    assert_eq!(civnet.ok(&operator, &["migrate", "--config", config.to_str().unwrap()])["changed"], 0, "then nothing differs");
    // What cannot change after launch is refused, naming it; nothing is sent.
    std::fs::write(&config, changed.replace(&format!("epoch_length_secs = {EPOCH_SECS}"), "epoch_length_secs = 99")).unwrap();
    assert_one_line_error(&civnet.run(&operator, &["migrate", "--config", config.to_str().unwrap()]), "epoch length cannot change after launch");
    assert_eq!(validator.anchor_account::<emissions::state::Network>(&network).epoch_length_secs, EPOCH_SECS as u32);
    std::fs::write(&config, "[network]\nnonsense = 1\n").unwrap();
    assert_one_line_error(&civnet.run(&operator, &["migrate", "--config", config.to_str().unwrap()]), "is not a civnet deployment file");

    // `civnet index` names the price update that priced the Pyth purchase (read from the
    // validator's transactions), and none for the fixed-price ones.
    struct Stopped(std::process::Child);
    impl Drop for Stopped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let database = format!("sqlite://{}", civnet.dir.path().join("index.db").display());
    let _indexer = Stopped(
        Command::new(env!("CARGO_BIN_EXE_civnet"))
            .args(["--url", &civnet.url, "--keypair"])
            .arg(&operator)
            .args(["index", "--database", &database, "--serve", &addr.to_string(), "--poll-ms", "200"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("civnet index starts"),
    );
    let started = std::time::Instant::now();
    let mints = loop {
        let page: Option<Value> = ureq::get(&format!("http://{addr}/mints?network={network}")).call().ok().and_then(|r| r.into_json().ok());
        if let Some(page) = page.filter(|p| p["total"] == 3) {
            break page;
        }
        assert!(started.elapsed().as_secs() < 120, "the index did not get the three purchases");
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    let priced: Vec<&Value> = mints["items"].as_array().unwrap().iter().filter(|m| !m["price_update"].is_null()).collect();
    assert_eq!(priced.len(), 1, "{mints:#}");
    assert_eq!((priced[0]["price_update"].as_str(), priced[0]["price_mantissa"].as_u64(), priced[0]["dc_minted"].as_u64()), (Some(price_update.to_string().as_str()), Some(148_000_000), Some(148_000)));
}

/// The demo refuses impossible sizes before doing anything, naming the flags.
#[test]
fn the_demo_names_its_bad_arguments() {
    for (args, error) in [
        (&["--devices", "0"][..], "--devices and --epochs must be at least 1 and --sub-networks 1 to 8"),
        (&["--epochs", "0"][..], "--devices and --epochs must be at least 1"),
        (&["--sub-networks", "0"][..], "--sub-networks 1 to 8"),
        (&["--sub-networks", "9"][..], "--sub-networks 1 to 8"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_civnet")).arg("demo").args(args).args(["--output", "json"]).output().expect("civnet demo runs");
        let run = Run { ok: out.status.success(), json: Value::Null, stderr: String::from_utf8_lossy(&out.stderr).to_string() };
        assert_eq!(out.status.code(), Some(1), "demo {args:?}: {}", run.stderr);
        assert!(out.stdout.is_empty(), "demo {args:?} printed {:?}", String::from_utf8_lossy(&out.stdout));
        assert_one_line_error(&run, error);
    }
    // Not a number: clap's usage error (exit code 2).
    let out = Command::new(env!("CARGO_BIN_EXE_civnet")).args(["demo", "--devices", "-1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}
