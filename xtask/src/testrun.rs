//! Runs the workspace's test binaries, side by side where there are cores to spare.
//!
//! `cargo test` runs one test binary after the other. civnet's slow binaries (the CLI's, the
//! indexer's and the oracle's stories against solana-test-validator) wait for validators'
//! slots and epochs; with cores to spare, running them at once divides the tests' wall time
//! ([`default_jobs`] says how many). The list of binaries comes from cargo itself (`cargo test --no-run --message-format=json`, the `executable` of each test
//! artifact); each runs in its package's directory with the environment the tests read, as
//! `cargo test` would run it. Each binary's output is kept apart and printed whole when it
//! ends, so lines of different binaries never interleave.
use anyhow::{bail, Context, Result};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

/// One test binary cargo built.
#[derive(Debug, Clone)]
pub struct TestBinary {
    /// `package::target`, e.g. `civnet-cli::cli`.
    pub name: String,
    pub executable: PathBuf,
    pub package_dir: PathBuf,
    /// An integration test target (`tests/`), not a library's or binary's unit tests.
    pub integration: bool,
}

/// Binaries that run at once unless `CIVNET_TEST_JOBS` says otherwise: half the cores (one on
/// a 2-core machine). Each binary's harness already runs its tests on as many threads as there
/// are cores, and every solana-test-validator keeps producing slots (about 40% of a core each
/// when several share 2 cores). On 2 cores, 3 binaries at once finished sooner (713 s against
/// about 900 s one at a time) but ran up to 6 validators (load average 60), and with any other
/// load their stories timed out waiting for epochs: CI takes the slower, steady setting.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get() / 2).max(1)
}

/// The test executables in cargo's JSON messages (`cargo test --no-run --message-format=json`).
pub fn binaries_from_messages(stdout: &str) -> Result<Vec<TestBinary>> {
    let mut out = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let message: serde_json::Value = serde_json::from_str(line).with_context(|| format!("cargo message: {line}"))?;
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            continue;
        }
        let Some(executable) = message["executable"].as_str() else { continue };
        let manifest = PathBuf::from(message["manifest_path"].as_str().context("manifest_path")?);
        let package = manifest.parent().context("package directory")?.to_path_buf();
        let package_name = message["package_id"].as_str().map(package_name).unwrap_or_default();
        let target = message["target"]["name"].as_str().unwrap_or("?");
        let integration = message["target"]["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|k| k == "test"));
        out.push(TestBinary { name: format!("{package_name}::{target}"), executable: executable.into(), package_dir: package, integration });
    }
    // Integration tests first: they are the slow ones (stories against a validator).
    out.sort_by(|a, b| (!a.integration, &a.name).cmp(&(!b.integration, &b.name)));
    out.dedup_by(|a, b| a.executable == b.executable);
    Ok(out)
}

/// `path+file:///work/app/cli#civnet-cli@0.1.0` or `registry+...#name@version` -> `civnet-cli`.
fn package_name(package_id: &str) -> String {
    let fragment = package_id.rsplit('#').next().unwrap_or(package_id);
    let name = fragment.split('@').next().unwrap_or(fragment);
    // `path+file:///work/tests#0.1.0` (name equals the directory): the last path segment.
    if name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return package_id.split('#').next().unwrap_or("").rsplit('/').next().unwrap_or("").to_string();
    }
    name.to_string()
}

/// Runs every binary with `test_args`, `jobs` at a time, in the given order. Fails naming
/// each binary that failed.
pub fn run_all(binaries: &[TestBinary], test_args: &[String], env: &[(&str, &Path)]) -> Result<()> {
    let jobs = std::env::var("CIVNET_TEST_JOBS").ok().and_then(|j| j.parse().ok()).unwrap_or_else(default_jobs).max(1);
    let queue = Mutex::new(binaries.iter().collect::<VecDeque<_>>());
    let failed = Mutex::new(Vec::new());
    let print = Mutex::new(());
    let logs = std::env::temp_dir().join(format!("civnet-xtask-tests-{}", std::process::id()));
    std::fs::create_dir_all(&logs)?;
    eprintln!("xtask: {} test binaries, {jobs} at a time (CIVNET_TEST_JOBS)", binaries.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(binaries.len()) {
            scope.spawn(|| loop {
                let Some(binary) = queue.lock().unwrap().pop_front() else { break };
                let log = logs.join(binary.name.replace("::", "-"));
                let started = Instant::now();
                let status = std::fs::File::create(&log).and_then(|file| {
                    let mut cmd = Command::new(&binary.executable);
                    cmd.args(test_args)
                        .current_dir(&binary.package_dir)
                        .env("CARGO_MANIFEST_DIR", &binary.package_dir)
                        .stdin(Stdio::null())
                        .stdout(file.try_clone()?)
                        .stderr(file);
                    for (key, value) in env {
                        cmd.env(key, value);
                    }
                    cmd.status()
                });
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                let _printing = print.lock().unwrap();
                println!("\n     Running {} ({})", binary.name, binary.executable.display());
                print!("{output}");
                let secs = started.elapsed().as_secs_f64();
                match status {
                    Ok(status) if status.success() => println!("xtask: {} passed in {secs:.1} s", binary.name),
                    Ok(status) => {
                        println!("xtask: {} FAILED ({status}) in {secs:.1} s", binary.name);
                        failed.lock().unwrap().push(binary.name.clone());
                    }
                    Err(e) => {
                        println!("xtask: {} could not run: {e}", binary.name);
                        failed.lock().unwrap().push(binary.name.clone());
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&logs);
    let failed = failed.into_inner().unwrap();
    if !failed.is_empty() {
        bail!("test binaries failed: {}", failed.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_executables_are_read_from_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/app/cli#civnet-cli@0.1.0","manifest_path":"/w/app/cli/Cargo.toml","target":{"name":"cli","kind":["test"]},"profile":{"test":true},"executable":"/w/target/debug/deps/cli-abc"}
{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.0","manifest_path":"/r/serde/Cargo.toml","target":{"name":"serde","kind":["lib"]},"profile":{"test":false},"executable":null}
{"reason":"compiler-artifact","package_id":"path+file:///w/tests#0.1.0","manifest_path":"/w/tests/Cargo.toml","target":{"name":"stories","kind":["test"]},"profile":{"test":true},"executable":"/w/target/debug/deps/stories-def"}
{"reason":"build-finished","success":true}"#;
        let binaries = binaries_from_messages(messages).unwrap();
        let names: Vec<&str> = binaries.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["civnet-cli::cli", "tests::stories"]);
        assert_eq!(binaries[0].package_dir, PathBuf::from("/w/app/cli"));
        assert_eq!(binaries[1].executable, PathBuf::from("/w/target/debug/deps/stories-def"));
    }
}
