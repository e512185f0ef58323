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
    // Token mint, network, data credits, sub-network IOT, the network's lookup table, maker.
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
    if current == epoch {
        assert_one_line_error(&civnet.run(&operator, &["epoch", "close", "--epoch", &epoch.to_string()]), "has not ended");
    }
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
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
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
    let report = civnet.ok(&operator, &["demo", "--devices", "3", "--epochs", "1", "--sub-networks", "2", "--epoch-secs", "10"]);
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
