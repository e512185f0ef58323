//! Compute-unit regressions fail CI: `civnet bench` (seeded keys, so every run measures the
//! same numbers) must keep each instruction's median within 10% of `bench/cu-budget.json`.
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
    // Every instruction of the three IDLs was measured (including the CPI-only trackers).
    let budget: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&budget).unwrap()).unwrap();
    for idl in ["emissions", "data_credits", "device_registry"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/idl/{idl}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
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
fn a_budget_exceeded_by_more_than_ten_percent_fails() {
    let dir = tempfile::tempdir().unwrap();
    let tight = dir.path().join("tight.json");
    std::fs::write(&tight, r#"{"mint_data_credits": 15000, "issue_rewards": 40000}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_civnet"))
        .args(["bench", "--devices", "4", "--epochs", "1", "--oracle-devices", "0", "--scale-devices", "0", "--out"])
        .arg(dir.path())
        .arg("--check-budget")
        .arg(&tight)
        .output()
        .expect("civnet bench runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mint_data_credits") && stderr.contains("> budget 15000"), "{stderr}");
    assert!(!stderr.contains("issue_rewards"), "within budget: {stderr}");
}
