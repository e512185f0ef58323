//! `civnet bench` (run by `cargo xtask bench`): compute units of every instruction, transaction
//! sizes, lamports per onboarded device at tree depths 14/17/20/24, and the demo's wall time,
//! all measured in litesvm with the real programs. Writes `bench.md` and `bench.json`.
//!
//! Compute units per instruction come from the runtime's own log lines ("Program X invoke",
//! "Instruction: Name", "Program X consumed N of M"), so an instruction's number includes
//! the CPIs it makes (Bubblegum, account compression, Token-2022).
use anyhow::{bail, Context as _, Result};
use civnet_client::bubblegum::{compute_budget, TreeShape};
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry::{self, IssuedDevice, MakerKeys};
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::{dc, lookup, tokens, Chain, Cluster, Keypair, Signer, TxSuccess};
use civnet_common::rewards::RewardTree;
use clap::Args;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::demo::{self, DemoArgs};

/// The wire limit of one transaction (IPv6 MTU minus headers), which litesvm does not enforce.
const PACKET_DATA_SIZE: usize = 1_232;

/// Tree shapes measured: the canopy keeps proofs at 6 nodes up to depth 20 (the 10 MiB
/// account limit caps depth 24's canopy at 17: 7 nodes).
const SHAPES: [TreeShape; 4] = [
    TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 },
    TreeShape { max_depth: 17, max_buffer_size: 64, canopy_depth: 11 },
    TreeShape { max_depth: 20, max_buffer_size: 64, canopy_depth: 14 },
    TreeShape { max_depth: 24, max_buffer_size: 64, canopy_depth: 17 },
];
const DEVICES_PER_SHAPE: usize = 4;
/// Base fee per signature (no priority fee).
const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Signatures a device costs: issue (owner as fee payer, maker authority, device key) and
/// onboard (owner, who pays).
const SIGNATURES_PER_DEVICE: u64 = 4;
const TOKEN: u64 = 1_000_000;

/// The issue's goals: (instruction, compute units at most).
const CU_GOALS: [(&str, u64); 6] = [
    ("issue_device", 80_000),
    ("onboard_device", 60_000),
    ("mint_data_credits", 25_000),
    ("burn_delegated_data_credits", 15_000),
    ("issue_rewards", 30_000),
    ("claim_rewards", 50_000),
];
const COST_GOAL_DEPTH_20: u64 = 1_500_000;

#[derive(Args)]
pub struct BenchArgs {
    /// Where bench.md and bench.json go.
    #[arg(long, default_value = "target/bench")]
    pub out: PathBuf,
    /// Devices of the demo run.
    #[arg(long, default_value_t = 1_000)]
    pub devices: usize,
    /// Epochs of the demo run.
    #[arg(long, default_value_t = 10)]
    pub epochs: u64,
    /// Compare each instruction's median and maximum compute units with this budget file
    /// (fails above +10%, or above a goal).
    #[arg(long)]
    pub check_budget: Option<PathBuf>,
    /// Write the measured medians and maxima as a new budget file.
    #[arg(long)]
    pub write_budget: Option<PathBuf>,
    /// Seed of every key the run creates (PDA bump searches depend on addresses, so compute
    /// units repeat exactly only with the same keys).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Devices of the oracle's epoch-close measurement (24 heartbeats each); 0 skips the
    /// oracle's measurements.
    #[arg(long, default_value_t = 100_000)]
    pub oracle_devices: usize,
    /// Signed reports of the oracle's ingest measurement.
    #[arg(long, default_value_t = 20_000)]
    pub oracle_reports: usize,
    /// Print (to stderr) the logs of one transaction running this instruction, with each
    /// program frame's compute units: where an instruction's units go.
    #[arg(long)]
    pub show_logs: Option<String>,
    /// The large demo run (`--epochs 3 --sub-networks 4`), measured next to the same run at
    /// 1,000 devices, each in its own process (wall time and peak memory are its own); 0
    /// skips both.
    #[arg(long, default_value_t = 100_000)]
    pub scale_devices: usize,
}

pub fn run(args: BenchArgs) -> Result<Value> {
    let mut transactions: Vec<TxSuccess> = Vec::new();
    let started = Instant::now();
    let demo_args = DemoArgs { devices: args.devices, epochs: args.epochs, sub_networks: 3, epoch_secs: None, seed: Some(args.seed), heartbeats: None, export_accounts: None };
    let demo = demo::run_embedded(demo_args)?;
    let demo_secs = started.elapsed().as_secs_f64();
    let demo_transactions = demo.transactions;
    transactions.extend(demo.examples);
    let mut units = demo.units;
    let coverage = coverage(&mut transactions)?;
    let coverage_transactions = transactions.len();
    units.extend(transactions.iter().flat_map(|tx| instruction_units(&tx.logs)));

    if let Some(wanted) = &args.show_logs {
        match transactions.iter().find(|tx| instruction_units(&tx.logs).iter().any(|(_, name, _)| name == wanted)) {
            Some(tx) => eprintln!("{} CU, {} bytes\n{}", tx.compute_units, tx.size, tx.logs.join("\n")),
            None => bail!("no transaction ran {wanted}"),
        }
    }
    let mut instructions: BTreeMap<String, (String, Vec<u64>)> = BTreeMap::new();
    for (program, name, cu) in units {
        instructions.entry(name).or_insert_with(|| (program, Vec::new())).1.push(cu);
    }
    let mut instructions_json = serde_json::Map::new();
    for (name, (program, units)) in &mut instructions {
        units.sort_unstable();
        instructions_json.insert(
            name.clone(),
            json!({"program": program, "samples": units.len(), "cu_min": units[0], "cu_median": units[units.len() / 2], "cu_max": units[units.len() - 1]}),
        );
    }
    let median = |name: &str| instructions_json.get(name).and_then(|i| i["cu_median"].as_u64());
    // A goal that was not measured is not met (it reports `measured: null`).
    let goal_json = |name: &str, goal: u64, measured: Option<u64>| match measured {
        Some(measured) => json!({"name": name, "goal": goal, "measured": measured, "ratio": ratio(measured, goal), "met": measured <= goal}),
        None => json!({"name": name, "goal": goal, "measured": null, "ratio": null, "met": false}),
    };
    let goals: Vec<Value> = CU_GOALS
        .iter()
        .map(|(name, goal)| goal_json(name, *goal, median(name)))
        .chain(std::iter::once(goal_json("lamports per onboarded device (depth 20)", COST_GOAL_DEPTH_20, coverage["cost_per_device_lamports"]["20"].as_u64())))
        .collect();
    // litesvm does not enforce the packet limit: every transaction the client built must fit.
    let oversized: Vec<String> = transactions
        .iter()
        .filter(|tx| tx.size > PACKET_DATA_SIZE)
        .map(|tx| format!("{} ({} bytes)", instruction_units(&tx.logs).into_iter().map(|(_, name, _)| name).collect::<Vec<_>>().join("+"), tx.size))
        .collect();
    if !oversized.is_empty() {
        bail!("{} transactions exceed {PACKET_DATA_SIZE} bytes: {}", oversized.len(), oversized.join(", "));
    }
    let largest_tx = transactions.iter().map(|tx| tx.size).max().unwrap_or(0);
    let oracle = if args.oracle_devices > 0 { civnet_oracle::bench::run(args.oracle_reports.max(1), args.oracle_devices, 24)? } else { Value::Null };
    let scale = scale_runs(&args)?;
    let report = json!({
        "oracle": oracle,
        "instructions": instructions_json,
        "tx_bytes": coverage["tx_bytes"],
        "claim_bytes": coverage["claim_bytes"],
        "cost_per_device_lamports": coverage["cost_per_device_lamports"],
        "cost_breakdown": coverage["cost_breakdown"],
        "demo": {"devices": args.devices, "epochs": args.epochs, "sub_networks": 3, "wall_time_secs": round2(demo_secs), "reconciled": demo.report["reconciled"], "transactions": demo_transactions + coverage_transactions},
        "largest_transaction_bytes": largest_tx,
        "scale": scale,
        "goals": goals,
    });
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    std::fs::write(args.out.join("bench.json"), serde_json::to_string_pretty(&report)?)?;
    let markdown = render(&report);
    std::fs::write(args.out.join("bench.md"), &markdown)?;

    if let Some(path) = &args.write_budget {
        let budget: BTreeMap<&String, Budget> = instructions.iter().map(|(name, (_, units))| (name, Budget { median: units[units.len() / 2], max: units[units.len() - 1] })).collect();
        std::fs::write(path, serde_json::to_string_pretty(&budget)? + "\n")?;
    }
    if let Some(path) = &args.check_budget {
        check_budget(path, &instructions_json)?;
    }
    let mut out = report.clone();
    out["report"] = Value::String(markdown);
    out["written"] = json!([args.out.join("bench.md"), args.out.join("bench.json")]);
    Ok(out)
}

/// Demo runs at 1,000 and `--scale-devices` devices (3 epochs, 4 sub-networks), each as
/// `civnet demo --output json` in a child process; their wall time, per-device time, stages
/// and peak memory.
fn scale_runs(args: &BenchArgs) -> Result<Value> {
    if args.scale_devices == 0 {
        return Ok(Value::Null);
    }
    let exe = std::env::current_exe().context("locating the civnet binary")?;
    let exported = tempfile::tempdir().context("a directory for the exported accounts")?;
    let mut runs = Vec::new();
    for devices in [1_000, args.scale_devices] {
        eprintln!("civnet bench: demo with {devices} devices, 3 epochs, 4 sub-networks (its own process)");
        let started = Instant::now();
        let accounts_dir = exported.path().join(devices.to_string());
        let out = std::process::Command::new(&exe)
            .args(["--output", "json", "demo", "--epochs", "3", "--sub-networks", "4", "--devices", &devices.to_string(), "--seed", &args.seed.to_string()])
            .arg("--export-accounts")
            .arg(&accounts_dir)
            .stderr(std::process::Stdio::inherit())
            .output()
            .context("running civnet demo")?;
        if !out.status.success() {
            bail!("civnet demo --devices {devices} failed ({})", out.status);
        }
        let report: Value = serde_json::from_slice(&out.stdout).context("civnet demo --output json printed no JSON")?;
        // The export (after the run) is not part of the demo's time.
        let wall = report["wall_time_secs"].as_f64().unwrap_or_else(|| started.elapsed().as_secs_f64());
        let index_backfill = index_backfill(&exe, &accounts_dir, devices)?;
        let _ = std::fs::remove_dir_all(&accounts_dir);
        runs.push(json!({
            "devices": devices, "epochs": 3, "sub_networks": 4,
            "wall_time_secs": round2(wall),
            "ms_per_device": round2(wall * 1000.0 / devices as f64),
            "peak_memory_mib": report["peak_memory_mib"],
            "phases_secs": report["phases_secs"],
            "heartbeats": report["heartbeats"],
            "reports_accepted": report["rewards"]["reports_accepted"],
            "reconciled": report["reconciled"],
            "claim_tx_bytes_max": report["instructions"]["emissions::claim_rewards"]["tx_bytes_max"],
            "index_backfill": index_backfill,
        }));
    }
    Ok(Value::Array(runs))
}

/// The indexer's backfill of a demo's network: the exported accounts put into the genesis of
/// solana-test-validator, then `civnet index --once` (its own process, a fresh SQLite file)
/// reads them back through `getProgramAccounts`. Its accounts per second and peak memory;
/// fails when the index does not hold every device.
fn index_backfill(exe: &std::path::Path, accounts_dir: &std::path::Path, devices: usize) -> Result<Value> {
    let exported = std::fs::read_dir(accounts_dir).with_context(|| format!("reading {}", accounts_dir.display()))?.count();
    eprintln!("civnet bench: {exported} accounts into solana-test-validator's genesis, then `civnet index --once`");
    let genesis_started = Instant::now();
    let validator = civnet_client::TestValidator::start_with_account_dir(accounts_dir).map_err(anyhow::Error::msg)?;
    let genesis_secs = genesis_started.elapsed().as_secs_f64();
    let db = tempfile::tempdir().context("a directory for the index")?;
    let out = std::process::Command::new(exe)
        .args(["--output", "json", "--url", validator.rpc_url(), "index", "--once", "--database"])
        .arg(format!("sqlite://{}", db.path().join("index.db").display()))
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running civnet index --once")?;
    if !out.status.success() {
        bail!("civnet index --once failed ({})", out.status);
    }
    let counts: Value = serde_json::from_slice(&out.stdout).context("civnet index --once printed no JSON")?;
    if counts["devices"].as_u64() != Some(devices as u64) {
        bail!("the index holds {} devices, the demo issued {devices}", counts["devices"]);
    }
    let run = &counts["run"];
    Ok(json!({
        "accounts": run["accounts"],
        "backfill_secs": run["backfill_secs"],
        "accounts_per_sec": run["accounts_per_sec"],
        "requests": run["backfill_requests"],
        "largest_response": run["largest_response"],
        "peak_memory_mib": run["peak_memory_mib"],
        "validator_genesis_secs": round2(genesis_secs),
        "exported_accounts": exported,
    }))
}

fn ratio(measured: u64, goal: u64) -> f64 {
    round2(measured as f64 / goal as f64)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One instruction's compute units in the budget file: the median and the maximum of the
/// seeded run.
#[derive(serde::Serialize, serde::Deserialize)]
struct Budget {
    median: u64,
    max: u64,
}

/// Fails when an instruction's median or maximum exceeds its budget by more than 10%, when a
/// budgeted instruction was not measured, when a goal's instruction has no budget or a budget
/// above its goal (the 10% never buys room over a goal), or when a measured median misses its
/// goal.
fn check_budget(path: &PathBuf, measured: &serde_json::Map<String, Value>) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let budget: BTreeMap<String, Budget> = serde_json::from_str(&text).with_context(|| format!("{}: {{name: {{median, max}}}} expected", path.display()))?;
    let mut over = Vec::new();
    let within = |units: u64, limit: u64| u128::from(units) * 10 <= u128::from(limit) * 11;
    for (name, limit) in &budget {
        let Some(m) = measured.get(name) else {
            over.push(format!("{name}: not measured"));
            continue;
        };
        let (median, max) = (m["cu_median"].as_u64().unwrap_or(u64::MAX), m["cu_max"].as_u64().unwrap_or(u64::MAX));
        if !within(median, limit.median) {
            over.push(format!("{name}: median {median} CU > budget {} + 10%", limit.median));
        }
        if !within(max, limit.max) {
            over.push(format!("{name}: max {max} CU > budget {} + 10%", limit.max));
        }
    }
    for (name, goal) in CU_GOALS {
        match (budget.get(name), measured.get(name).and_then(|m| m["cu_median"].as_u64())) {
            (None, _) => over.push(format!("{name}: goal {goal} CU has no budget")),
            (Some(limit), _) if limit.median > goal => over.push(format!("{name}: budget {} CU > goal {goal}", limit.median)),
            (_, Some(median)) if median > goal => over.push(format!("{name}: median {median} CU > goal {goal}")),
            (_, None) => over.push(format!("{name}: goal {goal} CU not measured")),
            _ => {}
        }
    }
    if !over.is_empty() {
        bail!("compute units over budget ({}): {}", path.display(), over.join("; "));
    }
    Ok(())
}

/// (program, instruction name as in the IDL, compute units) of every civnet instruction that
/// ran in a transaction, top-level or as a CPI, from the runtime's log lines.
pub fn instruction_units(logs: &[String]) -> Vec<(String, String, u64)> {
    // Base58 once per call rather than once per log line (the demo parses every transaction's logs).
    let ours = [(emissions::ID, "emissions"), (data_credits::ID, "data_credits"), (device_registry::ID, "device_registry")].map(|(id, label)| (id.to_string(), label));
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut out = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else { continue };
        if let Some(name) = rest.strip_prefix("log: Instruction: ") {
            if let Some(top) = stack.last_mut() {
                top.1.get_or_insert_with(|| snake_case(name));
            }
        } else if let Some((program, _)) = rest.split_once(" invoke [") {
            stack.push((program.to_string(), None));
        } else if let Some((program, tail)) = rest.split_once(" consumed ") {
            let units = tail.split(' ').next().and_then(|n| n.parse::<u64>().ok());
            if let Some((frame_program, name)) = stack.pop() {
                let known = ours.iter().find(|(id, _)| id == program && frame_program == program);
                if let (Some((_, label)), Some(name), Some(units)) = (known, name, units) {
                    out.push((label.to_string(), name, units));
                }
            }
        } else if rest.ends_with(" success") || rest.contains(" failed") {
            // A frame that ended without a "consumed" line (builtins) is popped here.
            if stack.last().is_some_and(|(p, _)| rest.starts_with(p.as_str()) && !ours.iter().any(|(id, _)| id == p)) {
                stack.pop();
            }
        }
    }
    out
}

fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.trim().chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Every instruction the demo does not send, and issuing, onboarding, updating, toggling,
/// claiming and retiring at each tree shape; returns tx sizes and cost per device by depth.
fn coverage(transactions: &mut Vec<TxSuccess>) -> Result<Value> {
    let mut chain = Chain::try_new().map_err(anyhow::Error::msg)?;
    let epoch_secs = 60;
    chain.warp_seconds(5 * epoch_secs as i64 + 7);
    let owner = chain.funded_keypair(1_000);
    let mut keep = |outcome: TxSuccess| -> TxSuccess {
        transactions.push(outcome.clone());
        outcome
    };

    // emissions administration
    let launcher = civnet_client::keys::new_keypair();
    let (token_mint, _, _) = scenario::create_network_mint_with_genesis(&mut chain, &launcher, &[(owner.pubkey(), 100_000 * TOKEN)]);
    let mut keys = NetworkKeys::for_mint(token_mint, civnet_client::keys::new_keypair());
    let payer = chain.payer.pubkey();
    let init = scenario::initialize_network_ix(&keys, payer, launcher.pubkey(), net::short_epoch_network_args(epoch_secs));
    keep(chain.send_ok(&[init], &[&keys.authority, &launcher]));
    let update = emissions::instructions::UpdateNetworkArgs { max_issuance_per_epoch: Some(1_000_000_000), emission_schedule: None };
    keep(chain.send_ok(&[net::update_network_ix(&keys, keys.authority.pubkey(), update)], &[&keys.authority]));
    let successor = chain.funded_keypair(1);
    keep(chain.send_ok(&[net::propose_authority_ix(&keys.network, keys.authority.pubkey(), successor.pubkey())], &[&keys.authority]));
    keep(chain.send_ok(&[net::accept_authority_ix(&keys.network, successor.pubkey())], &[&successor]));
    keys.authority = successor;
    let authority = keys.authority.insecure_clone();

    // data credits
    keep(scenario::initialize_data_credits(&mut chain, &keys, &authority, dc::fixed_price_args(150_000_000)).map_err(|f| anyhow::anyhow!("{f}"))?);
    let config = data_credits::instructions::UpdateConfigArgs { price_oracle: None, max_dc_minted_per_epoch: Some(10_000_000_000_000) };
    keep(chain.send_ok(&[dc::update_config_ix(&keys, authority.pubkey(), config)], &[&authority]));
    let sub = SubNetworkKeys::new(&keys.network, "IOT");
    keep(chain.send_ok(&[net::create_sub_network_ix(&keys, payer, authority.pubkey(), &sub, sub.create_args())], &[&authority]));
    for ix in net::initialize_activity_records_ixs(payer, &keys.network, &sub.address) {
        keep(chain.send_ok(&[ix], &[]));
    }
    let fees = emissions::instructions::UpdateSubNetworkArgs {
        dc_burn_authority: None,
        active_device_authority: None,
        rewards_oracle: None,
        onboarding_fee_dc: Some(400_000),
        location_fee_dc: Some(100_000),
    };
    keep(chain.send_ok(&[net::update_sub_network_ix(&keys, authority.pubkey(), &sub.address, fees)], &[&authority]));
    tokens::create_ata(&mut chain, &owner.pubkey(), &scenario::dc_mint_address(&keys.network));
    for _ in 0..3 {
        keep(dc::buy_dc(&mut chain, &keys, &owner, 20_000_000));
    }

    // makers
    keep(scenario::create_maker(&mut chain, &keys.network, "revoked-maker", civnet_client::keys::new_keypair().pubkey()).map_err(|f| anyhow::anyhow!("{f}"))?);
    let revoked = scenario::maker_address(&keys.network, "revoked-maker");
    let revoked_authority = chain.anchor_account::<device_registry::state::Maker>(&revoked).authority;
    keep(chain.send_ok(&[registry::approve_maker_ix(&keys, authority.pubkey(), &revoked, revoked_authority)], &[&authority]));
    keep(chain.send_ok(&[registry::revoke_maker_ix(&keys, authority.pubkey(), &revoked)], &[&authority]));

    // The network's lookup table (network and sub-network accounts), as `civnet migrate`
    // makes it: wallet transactions below are v0 through it.
    let mut addresses = lookup::network_addresses(&keys.network, &keys.token_mint);
    addresses.extend(lookup::sub_network_addresses(&sub.address));
    let (table, _) = lookup::ensure_table(&mut chain, &authority, None, &addresses).map_err(|f| anyhow::anyhow!("creating the lookup table: {f}"))?;
    let tables = [table];

    // devices at each tree shape
    let epoch = net::current_epoch(&chain, epoch_secs);
    let mut makers = Vec::new();
    let mut devices: Vec<(usize, IssuedDevice)> = Vec::new();
    let mut sizes = Sizes::default();
    let mut cost = serde_json::Map::new();
    let mut breakdown = serde_json::Map::new();
    for (m, shape) in SHAPES.iter().enumerate() {
        let depth = shape.max_depth.to_string();
        let mut maker = MakerKeys::create_approved(&mut chain, &keys, &format!("maker-depth-{}", shape.max_depth));
        keep(maker.set_tree(&mut chain, &keys, *shape).map_err(|f| anyhow::anyhow!("set_maker_tree at depth {depth}: {f}"))?);
        let tree = maker.tree.expect("a tree");
        for i in 0..DEVICES_PER_SHAPE {
            let (device, issued) = maker.issue_device(&mut chain, &keys, &owner.pubkey());
            sizes.note("issue_device", &depth, "legacy", issued.size);
            keep(issued);
            let ixs = registry::onboard_ixs(&chain, &keys, &maker, &device, owner.pubkey(), &sub.address);
            sizes.note("onboard_device", &depth, "legacy", legacy_size(&owner.pubkey(), &ixs));
            let onboarded = as_wallet(&mut chain, &owner, &ixs, &tables)?;
            sizes.note("onboard_device", &depth, "v0", onboarded.size);
            keep(onboarded);
            if i == 0 {
                // A new location (burns the location fee), then off and on again.
                let (cnft, proof) = maker.ownership_proof(&chain, &keys, &device);
                let args = device_registry::instructions::UpdateDeviceArgs { device_key: device.device_key, location: Some(0x8928308280fffff), elevation: Some(12), gain: Some(45), cnft };
                let ixs = [compute_budget(400_000), registry::update_device_ix(&keys, owner.pubkey(), &sub.address, device.merkle_tree, args, &proof)];
                sizes.note("update_device", &depth, "legacy", legacy_size(&owner.pubkey(), &ixs));
                let updated = as_wallet(&mut chain, &owner, &ixs, &tables)?;
                sizes.note("update_device", &depth, "v0", updated.size);
                keep(updated);
                for active in [false, true] {
                    let ix = registry::set_device_active_ix(&keys, sub.active_device_authority.pubkey(), &sub.address, device.device_key, active);
                    keep(chain.send_ok(&[ix], &[&sub.active_device_authority]));
                }
            }
            devices.push((m, device));
        }
        let capacity = 1u64 << shape.max_depth;
        let tree_rent = chain.lamports(&tree.merkle_tree);
        let config_rent = chain.lamports(&tree.tree_config);
        let device_rent = chain.lamports(&registry::device_address(&keys.network, &devices.last().expect("a device").1.device_key));
        let fees = SIGNATURES_PER_DEVICE * LAMPORTS_PER_SIGNATURE;
        let per_device = (tree_rent + config_rent).div_ceil(capacity) + device_rent + fees;
        cost.insert(depth.clone(), json!(per_device));
        breakdown.insert(
            depth,
            json!({
                "canopy_depth": shape.canopy_depth, "proof_nodes": shape.max_depth - shape.canopy_depth, "tree_account_bytes": shape.account_size(),
                "tree_rent_lamports": tree_rent, "tree_config_rent_lamports": config_rent, "capacity": capacity,
                "tree_rent_per_device": (tree_rent + config_rent).div_ceil(capacity), "device_record_rent": device_rent, "signature_fees": fees,
            }),
        );
        makers.push(maker);
    }

    // usage: own burns, first and later delegation, delegated burns
    keep(chain.send_ok(&[dc::burn_data_credits_ix(&keys, owner.pubkey(), &sub.address, 1_000_000)], &[&owner]));
    for sequence in 1..=2 {
        keep(chain.send_ok(&[dc::delegate_ix(&keys, owner.pubkey(), &sub.address, "router", 2_000_000)], &[&owner]));
        let burner = sub.dc_burn_authority.insecure_clone();
        chain.airdrop(&burner.pubkey(), 1_000_000_000);
        keep(chain.send_ok(&[dc::burn_delegated_ix(&keys, burner.pubkey(), &sub.address, "router", 1_000_000, sequence)], &[&burner]));
    }

    // The epoch closes. The oracle posts a root over 2^12, then 2^16, then 2^20 leaves (the
    // devices' and filler entries, built off-chain at full size; the chain sees the root),
    // each time raising every device's cumulative amount, and every device claims as a wallet
    // does. One device per shape retires.
    net::warp_to_next_epoch(&mut chain, epoch_secs);
    for outcome in net::close_epoch(&mut chain, &keys, &[&sub], epoch) {
        keep(outcome);
    }
    let info: emissions::state::SubNetworkEpochInfo = chain.anchor_account(&net::sub_network_epoch_info_address(&sub.address, epoch));
    let oracle = sub.rewards_oracle.insecure_clone();
    chain.airdrop(&oracle.pubkey(), 1_000_000_000);
    let destination = tokens::ata(&owner.pubkey(), &keys.token_mint);
    let rounds = REWARD_TREE_LEVELS.len() as u64;
    // Fillers get 1 base unit each; the devices share what is left, raised every round.
    let fillers = (1u64 << REWARD_TREE_LEVELS[rounds as usize - 1]) - devices.len() as u64;
    let unit = (info.issued - fillers) / (devices.len() as u64 * rounds);
    for (round, levels) in REWARD_TREE_LEVELS.iter().enumerate() {
        let leaves = 1usize << levels;
        let share = unit * (round as u64 + 1);
        let mut entries: Vec<([u8; 32], u64)> = devices.iter().map(|(_, d)| (d.asset_id.to_bytes(), share)).collect();
        entries.extend((entries.len()..leaves).map(|i| (filler_asset(i), 1)));
        let rewards = RewardTree::new(&entries);
        let total = share * devices.len() as u64 + (leaves - devices.len()) as u64;
        keep(chain.send_ok(&[net::set_rewards_root_ix(&sub.address, oracle.pubkey(), rewards.root(), total)], &[&oracle]));
        let column = format!("2^{levels}");
        for (i, (m, device)) in devices.iter().enumerate() {
            let depth = SHAPES[*m].max_depth.to_string();
            let (cnft, proof) = makers[*m].ownership_proof(&chain, &keys, device);
            let args = emissions::instructions::ClaimRewardsArgs { asset_id: device.asset_id, cumulative_amount: share, reward_proof: rewards.proof(i), cnft };
            let ix = net::claim_rewards_ix(&keys, &sub.address, owner.pubkey(), device.merkle_tree, destination, args, &proof);
            sizes.note_claim(&column, &depth, "legacy", legacy_size(&owner.pubkey(), std::slice::from_ref(&ix)));
            let plan = lookup::proof_table_transactions(&owner.pubkey(), chain.recent_slot(), std::slice::from_ref(&ix), &proof, &tables).map_err(anyhow::Error::msg)?;
            if let Some((proof_table, setup)) = &plan {
                let setup_size = setup.iter().map(|ixs| lookup::v0_size(&owner.pubkey(), ixs, &[])).collect::<Result<Vec<_>, _>>().map_err(anyhow::Error::msg)?;
                sizes.note_claim(&column, &depth, "proof_table_tx", setup_size.into_iter().max().unwrap_or(0));
                sizes.note_claim(&column, &depth, "proof_table_nodes", proof_table.addresses.len());
            }
            let (claimed, _) = lookup::send_as_wallet(&mut chain, &owner, std::slice::from_ref(&ix), &proof, &tables).map_err(|f| anyhow::anyhow!("claim at {column} leaves, depth {depth}: {f}"))?;
            sizes.note_claim(&column, &depth, "v0", claimed.size);
            keep(claimed);
        }
    }
    for m in 0..SHAPES.len() {
        let depth = SHAPES[m].max_depth.to_string();
        let (_, device) = devices.iter().rev().find(|(maker, _)| *maker == m).expect("a device per shape").clone();
        let (cnft, proof) = makers[m].ownership_proof(&chain, &keys, &device);
        let ixs = [compute_budget(400_000), registry::retire_device_ix(&keys, owner.pubkey(), &device, Some(sub.address), cnft, &proof)];
        sizes.note("retire_device", &depth, "legacy", legacy_size(&owner.pubkey(), &ixs));
        let retired = as_wallet(&mut chain, &owner, &ixs, &tables)?;
        sizes.note("retire_device", &depth, "v0", retired.size);
        keep(retired);
        makers[m].record_burned(&device);
    }
    let over = sizes.over_limit();
    if !over.is_empty() {
        bail!("transactions over the {}-byte packet limit: {}", lookup::PACKET_LIMIT, over.join("; "));
    }
    Ok(json!({"tx_bytes": sizes.by_transaction, "claim_bytes": sizes.claims, "cost_per_device_lamports": cost, "cost_breakdown": breakdown}))
}

/// Reward-tree sizes the claims are measured at (levels: 2^12, 2^16, 2^20 leaves).
const REWARD_TREE_LEVELS: [u32; 3] = [12, 16, 20];

/// The asset id of filler leaf `i` of the benchmark's reward trees (any 32 bytes do; these
/// never collide with a real asset id).
fn filler_asset(i: usize) -> [u8; 32] {
    let mut asset = [0xf1; 32];
    asset[..8].copy_from_slice(&(i as u64).to_le_bytes());
    asset
}

/// Transaction sizes as measured: per transaction, tree depth and form (`legacy`: every
/// account by its key, as before lookup tables; `v0`: through the network's table, as sent),
/// the largest seen; claims also per reward-tree size.
#[derive(Default)]
struct Sizes {
    by_transaction: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>>,
    claims: BTreeMap<String, BTreeMap<String, BTreeMap<String, usize>>>,
}

impl Sizes {
    fn note(&mut self, transaction: &str, depth: &str, form: &str, bytes: usize) {
        let slot = self.by_transaction.entry(transaction.into()).or_default().entry(depth.into()).or_default().entry(form.into()).or_default();
        *slot = (*slot).max(bytes);
    }

    fn note_claim(&mut self, leaves: &str, depth: &str, form: &str, bytes: usize) {
        let slot = self.claims.entry(leaves.into()).or_default().entry(depth.into()).or_default().entry(form.into()).or_default();
        *slot = (*slot).max(bytes);
    }

    /// Sent transactions (`v0`, the proof table's) over the packet limit; legacy forms are
    /// measured for comparison, not sent.
    fn over_limit(&self) -> Vec<String> {
        let mut over = Vec::new();
        for (what, table) in [("", &self.by_transaction), ("claim_rewards at ", &self.claims)] {
            for (name, by_depth) in table {
                for (depth, forms) in by_depth {
                    for form in ["v0", "proof_table_tx"] {
                        if forms.get(form).is_some_and(|b| *b > lookup::PACKET_LIMIT) {
                            over.push(format!("{what}{name} depth {depth} {form}: {} bytes", forms[form]));
                        }
                    }
                }
            }
        }
        over
    }
}

/// The size of `instructions` as one legacy transaction signed and paid by `payer` alone.
fn legacy_size(payer: &civnet_client::Pubkey, instructions: &[anchor_lang::solana_program::instruction::Instruction]) -> usize {
    let message = solana_transaction::Transaction::new_with_payer(instructions, Some(payer)).message;
    let tx = solana_transaction::Transaction { signatures: vec![Default::default(); message.header.num_required_signatures as usize], message };
    civnet_client::svm::bincode_size(&tx)
}

/// Sends as a wallet does: the owner signs and pays (one signature), a v0 transaction
/// through the network's table; what the 1,232-byte limit is measured against.
fn as_wallet(chain: &mut Chain, owner: &Keypair, instructions: &[anchor_lang::solana_program::instruction::Instruction], tables: &[lookup::AddressLookupTableAccount]) -> Result<TxSuccess> {
    chain.send_v0_paid_by(owner, instructions, &[], tables).map_err(|f| anyhow::anyhow!("{f}"))
}

fn render(report: &Value) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "# civnet benchmark\n");
    let _ = writeln!(out, "litesvm 0.17 with the real SBF programs; compute units from the runtime's per-instruction log lines (CPIs included).\n");
    let _ = writeln!(out, "## Goals\n\n| goal | at most | measured | ratio | met |\n|---|---:|---:|---:|---|");
    for goal in report["goals"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "| {} | {} | {} | {} | {} |", goal["name"].as_str().unwrap_or(""), thousands(&goal["goal"]), thousands(&goal["measured"]), goal["ratio"], if goal["met"] == true { "yes" } else { "no" });
    }
    let _ = writeln!(out, "\n## Compute units per instruction\n\n| program | instruction | samples | min | median | max |\n|---|---|---:|---:|---:|---:|");
    let mut rows: Vec<(&String, &Value)> = report["instructions"].as_object().into_iter().flatten().collect();
    rows.sort_by_key(|(name, v)| (v["program"].as_str().unwrap_or("").to_string(), (*name).clone()));
    for (name, v) in rows {
        let _ = writeln!(out, "| {} | {name} | {} | {} | {} | {} |", v["program"].as_str().unwrap_or(""), v["samples"], thousands(&v["cu_min"]), thousands(&v["cu_median"]), thousands(&v["cu_max"]));
    }
    let depths = ["14", "17", "20", "24"];
    let _ = writeln!(
        out,
        "\n## Transaction bytes by tree depth (limit 1,232)\n\nAs wallets send them (the owner signs and pays): v0 through the network's lookup table; legacy (every account by its key) for comparison, not sent. `issue_device` is signed by the maker and the device key and stays legacy.\n\n| transaction | {} |\n|---|{}",
        depths.map(|d| format!("depth {d}")).join(" | "),
        "---:|".repeat(depths.len())
    );
    for (name, by_depth) in report["tx_bytes"].as_object().into_iter().flatten() {
        let cells: Vec<String> = depths.iter().map(|d| size_cell(&by_depth[*d])).collect();
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    }
    let _ = writeln!(
        out,
        "\n## claim_rewards bytes by reward-tree leaves and cNFT tree depth (limit 1,232)\n\nv0 as sent (legacy in parentheses). The reward proof is 32 bytes per level of the reward tree, in instruction data; where the claim would not fit, the owner first puts its cNFT proof nodes in a lookup table of its own (`+ table tx N B`: that transaction's size).\n\n| reward-tree leaves | {} |\n|---|{}",
        depths.map(|d| format!("depth {d}")).join(" | "),
        "---:|".repeat(depths.len())
    );
    for (leaves, by_depth) in report["claim_bytes"].as_object().into_iter().flatten() {
        let cells: Vec<String> = depths
            .iter()
            .map(|d| {
                let forms = &by_depth[*d];
                let mut cell = size_cell(forms);
                if forms["proof_table_tx"].is_u64() {
                    cell.push_str(&format!(" + table tx {} B", thousands(&forms["proof_table_tx"])));
                }
                cell
            })
            .collect();
        let _ = writeln!(out, "| {leaves} | {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\nLargest transaction kept (the demo's examples and every coverage transaction): {} bytes (the run fails above 1,232, and the embedded engine refuses any transaction above it).", thousands(&report["largest_transaction_bytes"]));
    let _ = writeln!(out, "\n## Lamports per onboarded device\n\n| depth | canopy | proof nodes | tree account bytes | tree rent / capacity | device record rent | signature fees | total |\n|---:|---:|---:|---:|---:|---:|---:|---:|");
    for d in depths {
        let b = &report["cost_breakdown"][d];
        let _ = writeln!(
            out,
            "| {d} | {} | {} | {} | {} | {} | {} | **{}** |",
            b["canopy_depth"], b["proof_nodes"], thousands(&b["tree_account_bytes"]), thousands(&b["tree_rent_per_device"]), thousands(&b["device_record_rent"]), thousands(&b["signature_fees"]), thousands(&report["cost_per_device_lamports"][d])
        );
    }
    let demo = &report["demo"];
    let _ = writeln!(
        out,
        "\n## Demo\n\n`civnet demo --devices {} --epochs {} --sub-networks {}` on the embedded engine: {} s wall time, {} transactions, reconciled: {}.",
        demo["devices"], demo["epochs"], demo["sub_networks"], demo["wall_time_secs"], demo["transactions"], demo["reconciled"]
    );
    if let Some(runs) = report["scale"].as_array() {
        let _ = writeln!(
            out,
            "\n## Demo at scale\n\n`civnet demo --epochs 3 --sub-networks 4` on the embedded engine, each run in its own process (peak memory: its resident high-water mark).\n\n| devices | wall time | per device | peak memory | heartbeats | reports | claim tx bytes (max) | reconciled | stages |\n|---:|---:|---:|---:|---|---:|---:|---|---|"
        );
        for run in runs {
            let phases: Vec<String> = demo::STAGES.iter().filter_map(|name| run["phases_secs"].get(*name).map(|secs| format!("{name} {secs} s"))).collect();
            let _ = writeln!(
                out,
                "| {} | {} s | {} ms | {} MiB | {} | {} | {} | {} | {} |",
                thousands(&run["devices"]), run["wall_time_secs"], run["ms_per_device"], run["peak_memory_mib"], run["heartbeats"].as_str().unwrap_or(""),
                thousands(&run["reports_accepted"]), thousands(&run["claim_tx_bytes_max"]), run["reconciled"], phases.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "\nThe indexer's backfill of each run's network (its accounts in solana-test-validator's genesis, then `civnet index --once` in its own process on a fresh SQLite file; per-device types read in 256 pages by asset id):\n\n| devices | accounts | backfill | accounts per second | requests | largest response | peak memory |\n|---:|---:|---:|---:|---:|---:|---:|"
        );
        for run in runs {
            let b = &run["index_backfill"];
            let _ = writeln!(
                out,
                "| {} | {} | {} s | {} | {} | {} accounts | {} MiB |",
                thousands(&run["devices"]), thousands(&b["accounts"]), b["backfill_secs"], b["accounts_per_sec"], b["requests"], thousands(&b["largest_response"]), b["peak_memory_mib"]
            );
        }
    }
    let o = &report["oracle"];
    if o.is_object() {
        let _ = writeln!(
            out,
            "\n## Rewards oracle (SQLite)\n\n| measurement | value |\n|---|---:|\n| reports verified and stored per second ({} heartbeats, batches of {}) | {} |\n| epoch close: {} devices x 24 heartbeats ({} heartbeats) | {} s |\n| of which rewards, leaves and tree | {} s |\n| of which posting the root (`set_rewards_root`) | {} s |\n| loading the heartbeats beforehand (not part of the close) | {} s |\n| proof lookup by device key, median / p99 ({} lookups) | {} / {} ms |",
            o["ingest_reports"], o["ingest_batch"], thousands(&o["ingest_reports_per_sec"]), thousands(&o["close_devices"]), thousands(&o["close_heartbeats"]), o["close_secs"],
            o["close_compute_secs"], o["close_root_post_secs"], o["close_heartbeat_load_secs"], o["proof_lookups"], o["proof_lookup_ms_median"], o["proof_lookup_ms_p99"]
        );
    }
    out
}

/// `v0 (legacy)` of a measured size, or the one that was measured.
fn size_cell(forms: &Value) -> String {
    match (forms["v0"].is_u64(), forms["legacy"].is_u64()) {
        (true, true) => format!("{} ({})", thousands(&forms["v0"]), thousands(&forms["legacy"])),
        (true, false) => thousands(&forms["v0"]),
        (false, true) => thousands(&forms["legacy"]),
        (false, false) => "-".into(),
    }
}

fn thousands(value: &Value) -> String {
    let Some(n) = value.as_u64() else { return value.to_string() };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_per_instruction_including_cpis() {
        let e = emissions::ID.to_string();
        let d = data_credits::ID.to_string();
        let logs: Vec<String> = [
            "Program ComputeBudget111111111111111111111111111111 invoke [1]".to_string(),
            "Program ComputeBudget111111111111111111111111111111 success".to_string(),
            format!("Program {d} invoke [1]"),
            "Program log: Instruction: BurnDataCredits".to_string(),
            "Program TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb invoke [2]".to_string(),
            "Program log: Instruction: Burn".to_string(),
            "Program TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb consumed 3000 of 190000 compute units".to_string(),
            "Program TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb success".to_string(),
            format!("Program {e} invoke [2]"),
            "Program log: Instruction: CalculateUtilityScore".to_string(),
            format!("Program {e} invoke [3]"),
            format!("Program {e} consumed 1000 of 150000 compute units"),
            format!("Program {e} success"),
            format!("Program {e} consumed 20000 of 170000 compute units"),
            format!("Program {e} success"),
            format!("Program {d} consumed 55000 of 200000 compute units"),
            format!("Program {d} success"),
        ]
        .to_vec();
        let units = instruction_units(&logs);
        assert_eq!(
            units,
            vec![("emissions".to_string(), "calculate_utility_score".to_string(), 20_000), ("data_credits".to_string(), "burn_data_credits".to_string(), 55_000)]
        );
    }
}
