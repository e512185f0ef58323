//! Compute-unit regressions fail CI: `civnet bench` (seeded keys, so every run measures the
//! same numbers) must keep each instruction's median and maximum within 10% of
//! `bench/cu-budget.json`, and every goal's instruction at or under its goal (a budget may
//! never exceed a goal). Every transaction of the run must fit the 1,232-byte packet.
//! Not a timing test: compute units are deterministic for the same inputs.
//!
//! After an intended change, rewrite the budget with
//! `cargo run -p civnet-cli -- bench --devices 30 --epochs 2 --write-budget bench/cu-budget.json`.
use std::path::Path;
use std::process::Command;

#[test]
fn every_instruction_stays_within_its_compute_unit_budget() {
    let budget = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/cu-budget.json");
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["--output", "json", "bench", "--devices", "30", "--epochs", "2", "--oracle-devices", "2000", "--oracle-reports", "2000", "--scale-devices", "0", "--out"])
        .arg(out_dir.path())
        .arg("--check-budget")
        .arg(&budget)
        .output()
        .expect("civnet bench runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The oracle's measurements ran: every close device got a leaf (the rates are not asserted).
    assert_eq!(report["oracle"]["close_leaves"], 2000, "{:#}", report["oracle"]);
    assert!(report["oracle"]["ingest_reports_per_sec"].as_f64().is_some_and(|r| r > 0.0));
    for goal in report["goals"].as_array().unwrap() {
        assert_eq!(goal["met"], true, "goal missed: {goal}");
    }
    assert!(report["largest_transaction_bytes"].as_u64().is_some_and(|b| (1..=1_232).contains(&b)), "{}", report["largest_transaction_bytes"]);
    // Every instruction of the three IDLs was measured (including the CPI-only trackers).
    let budget: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&budget).unwrap()).unwrap();
    for idl in ["emissions", "data_credits", "device_registry"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/idl/{idl}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (cargo xtask build-sbf writes the IDLs)", path.display()));
        let idl_json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for ix in idl_json["instructions"].as_array().unwrap() {
            let name = ix["name"].as_str().unwrap();
            assert!(report["instructions"].get(name).is_some(), "{name} was not measured");
            assert!(budget.contains_key(name), "{name} has no budget");
        }
    }
    assert!(out_dir.path().join("bench.md").exists() && out_dir.path().join("bench.json").exists());
}

#[test]
fn a_budget_guards_medians_maxima_goals_and_unmeasured_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let budget = dir.path().join("budget.json");
    std::fs::write(
        &budget,
        r#"{
            "mint_data_credits": {"median": 15000, "max": 60000},
            "issue_rewards": {"median": 29000, "max": 100},
            "claim_rewards": {"median": 60000, "max": 90000},
            "set_rewards_root": {"median": 60000, "max": 90000},
            "no_such_instruction": {"median": 1, "max": 1}
        }"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["bench", "--devices", "4", "--epochs", "1", "--oracle-devices", "0", "--scale-devices", "0", "--out"])
        .arg(dir.path())
        .arg("--check-budget")
        .arg(&budget)
        .output()
        .expect("civnet bench runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A median more than 10% over its budget.
    assert!(stderr.contains("mint_data_credits: median") && stderr.contains("> budget 15000 + 10%"), "{stderr}");
    // A maximum more than 10% over its budget, while the median is within.
    assert!(stderr.contains("issue_rewards: max") && stderr.contains("> budget 100 + 10%"), "{stderr}");
    assert!(!stderr.contains("issue_rewards: median"), "{stderr}");
    // A budget above the goal fails even when the measurement meets the budget.
    assert!(stderr.contains("claim_rewards: budget 60000 CU > goal 50000"), "{stderr}");
    // Budgeted but never run, and a goal with no budget at all.
    assert!(stderr.contains("no_such_instruction: not measured"), "{stderr}");
    assert!(stderr.contains("issue_device: goal 80000 CU has no budget"), "{stderr}");
    // Within budget and no goal: not named.
    assert!(!stderr.contains("set_rewards_root"), "{stderr}");
}
