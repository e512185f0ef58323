//! Runs the workspace's test binaries, side by side where there are cores to spare.
//!
//! `cargo test` runs one test binary after the other. civnet's slow binaries (the CLI's, the
//! indexer's and the oracle's stories against solana-test-validator) wait for validators'
//! slots and epochs; with cores to spare, running them at once divides the tests' wall time.
//! Those three run one process per story, scheduled longest first across binaries
//! ([`ONE_PROCESS_PER_TEST`]; [`default_jobs`] says how many at once). The list of binaries
//! comes from cargo itself (`cargo test --no-run --message-format=json`, the `executable` of
//! each test artifact), a binary's tests from `--list`; each process runs in its package's
//! directory with the environment the tests read, as `cargo test` would run it. Each process's
//! output is kept apart and printed whole when it ends, so lines of different processes never
//! interleave.
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

/// Processes that run at once unless `CIVNET_TEST_JOBS` says otherwise.
///
/// One test each (`per_test`): twice the cores, the four stories at a time that two whole
/// binaries on two threads each ran before. Measured on 2 cores (2026-12-02, nothing else
/// running, longest first): 4 at a time 151-161 s; 5 at a time 125-150 s (four runs); 6 at a
/// time once 137 s and once the README walkthrough failed (its device was never paid within
/// 300 s; not understood). So the default keeps a margin below that.
///
/// Whole binaries (a filtered run): half the cores and at least two. Each binary's harness
/// already runs its tests on as many threads as there are cores; two binaries share 2 cores:
/// 246 s against 394 s one at a time (2026-12-02, the CLI's beside the oracle's first:
/// [`paired_order`]), and four at once took 212 s against 161-170 s.
fn default_jobs(per_test: bool) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if per_test {
        2 * cores
    } else {
        (cores / 2).max(2)
    }
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

/// Whether passes are remembered and skipped: not under CI (CI runs every test on every
/// submission), not with `CIVNET_TEST_CACHE=off`.
fn pass_cache_enabled() -> bool {
    std::env::var_os("CI").is_none_or(|v| v.is_empty() || v == "false") && std::env::var("CIVNET_TEST_CACHE").map_or(true, |v| v != "off")
}

/// Everything a test binary's outcome depends on besides the binary itself, hashed: its
/// arguments; the files and directories its environment names (the deployed programs and
/// fixtures, the validator binary); the environment variables tests read (`CIVNET_*` but
/// `CIVNET_TEST_JOBS` and `CIVNET_TEST_CACHE`, `PROPTEST_*`, `RUST_*`, `CI`,
/// `DATABASE_URL`); every file of the checkout that git tracks or would track (sources,
/// README, migrations, budgets: what tests read at run time), by content; the built web app; and the size and modification time of the system tools
/// tests start (Chromium, PostgreSQL, Node.js).
pub fn run_inputs_digest(test_args: &[String], env: &[(&str, &Path)], workspace: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut field = |label: &str, bytes: &[u8]| {
        hasher.update((label.len() as u64).to_le_bytes());
        hasher.update(label.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    for arg in test_args {
        field("arg", arg.as_bytes());
    }
    for (key, path) in env {
        field("env", key.as_bytes());
        for file in files_under(path) {
            field(&file.display().to_string(), &std::fs::read(&file).unwrap_or_default());
        }
    }
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| ["CIVNET_", "PROPTEST_", "RUST_"].iter().any(|p| k.starts_with(p)) || k == "CI" || k == "DATABASE_URL")
        // How many binaries run at once, and whether passes are remembered, change no outcome.
        .filter(|(k, _)| k != "CIVNET_TEST_JOBS" && k != "CIVNET_TEST_CACHE")
        .collect();
    vars.sort();
    for (key, value) in vars {
        field(&format!("var {key}"), value.as_bytes());
    }
    let listed = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(workspace)
        .output()
        .context("git ls-files (the checkout's files are part of a test run's inputs)")?;
    if !listed.status.success() {
        bail!("git ls-files failed in {}", workspace.display());
    }
    let mut files: Vec<&[u8]> = listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()).collect();
    files.sort_unstable();
    for name in files {
        let name = String::from_utf8_lossy(name);
        // A deleted file still listed by the index reads as empty: its deletion is a change.
        field(&name, &std::fs::read(workspace.join(&*name)).unwrap_or_default());
    }
    for file in files_under(&workspace.join("app/web/dist")) {
        field(&file.display().to_string(), &std::fs::read(&file).unwrap_or_default());
    }
    let tools = ["/usr/bin/chromium", "/usr/bin/node", "/usr/bin/psql"];
    let postgres = std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|e| e.path().join("bin/postgres"));
    for tool in tools.iter().map(PathBuf::from).chain(postgres) {
        if let Ok(meta) = std::fs::metadata(&tool) {
            let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            field(&tool.display().to_string(), format!("{} {modified}", meta.len()).as_bytes());
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

/// `path` itself if it is a file, else every file below it, sorted.
pub fn files_under(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Where a binary's last pass is remembered: the key (SHA-256 of the binary and of its run's
/// inputs) in `<target>/<profile>/civnet-test-passes/<name>`.
fn pass_record(binary: &TestBinary) -> PathBuf {
    profile_dir(binary).join("civnet-test-passes").join(binary.name.replace("::", "-"))
}

/// `<target>/<profile>` of a test binary (`<target>/<profile>/deps/<binary>`).
fn profile_dir(binary: &TestBinary) -> &Path {
    binary.executable.parent().and_then(Path::parent).unwrap_or(Path::new("."))
}

/// A directory on the machine's memory file system (`/dev/shm`) for the tests' scratch files
/// (validator ledgers, databases, browser profiles), unless `TMPDIR` is set or `/dev/shm`
/// has less than 4 GiB free. Each validator syncs its ledger to disk; on a disk that another
/// job was writing back gigabytes to, transactions went unconfirmed for 90 s and validators
/// did not start within 120 s (measured 2026-12-02, after a 100,000-device demo).
fn memory_scratch() -> Option<PathBuf> {
    const MIN_FREE: u64 = 4 << 30;
    if std::env::var_os("TMPDIR").is_some() {
        return None;
    }
    const SHM: &str = "/dev/shm";
    let path = std::ffi::CString::new(SHM).ok()?;
    // SAFETY: statvfs writes only into the struct it is given.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 || (stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64) < MIN_FREE {
        return None;
    }
    let dir = Path::new(SHM).join(format!("civnet-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// With several binaries at a time, these start first, side by side (in a per-story run, this
/// is the order of the stories never timed on this machine, [`longest_first`]): the CLI's stories
/// (the longest, CPU-heavy: Chromium, the demo, many CLI processes) beside the oracle's (which
/// mostly wait for 20-second epochs); the indexer's (CPU-heavy too) follow. Measured on 2
/// cores (2026-12-02): that pairing ran all tests in 246-265 s; the CLI beside the indexer
/// took 420 s and once timed out.
const START_FIRST: &[&str] = &["civnet-cli::cli", "civnet-oracle::oracle"];

/// `binaries` with [`START_FIRST`] moved to the front, in that order; the rest keep theirs.
pub fn paired_order(binaries: &mut Vec<&TestBinary>) {
    let rank = |b: &TestBinary| START_FIRST.iter().position(|name| *name == b.name).unwrap_or(START_FIRST.len());
    binaries.sort_by_key(|b| rank(b));
}

fn pass_key(binary: &TestBinary, inputs: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(&binary.executable).with_context(|| format!("reading {}", binary.executable.display()))?;
    Ok(hex::encode(Sha256::new().chain_update(&bytes).chain_update(inputs.as_bytes()).finalize()))
}

/// Test binaries whose tests run one process each, so that their stories are scheduled
/// one by one, longest first, across binaries: inside one binary libtest starts its tests in
/// name order on as many threads as there are cores, so the CLI's two longest stories (the
/// README walkthrough, about 100 s of 30-second epochs, and the browser story) started last and
/// the binary ran 130-170 s while cores idled. Every story already keeps its own validator,
/// ports and files, so a process each changes nothing it sees.
const ONE_PROCESS_PER_TEST: &[&str] = &["civnet-cli::cli", "civnet-oracle::oracle", "civnet-indexer::indexer"];

/// One process the runner starts: a whole test binary, or one test of a binary in
/// [`ONE_PROCESS_PER_TEST`].
struct Unit<'a> {
    binary: &'a TestBinary,
    test: Option<String>,
    /// How long it ran last time on this machine (seconds); unknown ones go first.
    estimate: Option<f64>,
}

impl Unit<'_> {
    fn name(&self) -> String {
        match &self.test {
            Some(test) => format!("{}::{test}", self.binary.name),
            None => self.binary.name.clone(),
        }
    }
}

/// The tests of `binary` that run by default (`--list` without the `#[ignore]`d ones, which
/// are helpers a story starts as its child process).
fn listed_tests(binary: &TestBinary) -> Result<Vec<String>> {
    let list = |extra: &[&str]| -> Result<Vec<String>> {
        let out = Command::new(&binary.executable)
            .args(["--list", "--format", "terse"])
            .args(extra)
            .current_dir(&binary.package_dir)
            .env("CARGO_MANIFEST_DIR", &binary.package_dir)
            .output()
            .with_context(|| format!("listing the tests of {}", binary.executable.display()))?;
        if !out.status.success() {
            bail!("{} --list failed: {}", binary.name, String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.strip_suffix(": test")).map(str::to_string).collect())
    };
    let ignored = list(&["--ignored"])?;
    Ok(list(&[])?.into_iter().filter(|t| !ignored.contains(t)).collect())
}

/// Where the runner keeps each unit's last duration: `<target>/<profile>/civnet-test-durations.json`.
fn durations_file(binaries: &[&TestBinary]) -> Option<PathBuf> {
    Some(profile_dir(binaries.first()?).join("civnet-test-durations.json"))
}

/// `units` longest first by their last duration; unknown ones (a new test, a new machine)
/// first of all, in the order given.
fn longest_first(units: &mut [Unit<'_>]) {
    units.sort_by(|a, b| match (a.estimate, b.estimate) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) => b.total_cmp(&a),
    });
}

/// Runs every binary with `test_args`, in the given order. Fails naming each test binary (or
/// test) that failed.
///
/// Without test arguments (the whole suite, as CI runs it) the binaries of
/// [`ONE_PROCESS_PER_TEST`] run one process per test, the others whole, longest first by their
/// last run on this machine. With test arguments (a filter, `--nocapture`) each binary runs
/// whole. [`default_jobs`] processes at a time (`CIVNET_TEST_JOBS`).
///
/// Outside CI, a binary that passed before with the same key (the same bytes and the same
/// [`run_inputs_digest`]) is not run again: the same program on the same inputs. Every other
/// binary runs, and a failure forgets the binary's pass. `CIVNET_TEST_CACHE=off` runs all.
pub fn run_all(binaries: &[TestBinary], test_args: &[String], env: &[(&str, &Path)], workspace: &Path) -> Result<()> {
    let per_test = test_args.is_empty();
    let jobs = std::env::var("CIVNET_TEST_JOBS").ok().and_then(|j| j.parse().ok()).unwrap_or_else(|| default_jobs(per_test)).max(1);
    let inputs = if pass_cache_enabled() { Some(run_inputs_digest(test_args, env, workspace)?) } else { None };
    let mut to_run = Vec::new();
    let mut keys = std::collections::HashMap::new();
    for binary in binaries {
        if let Some(inputs) = &inputs {
            let key = pass_key(binary, inputs)?;
            if std::fs::read_to_string(pass_record(binary)).is_ok_and(|recorded| recorded.trim() == key) {
                println!("xtask: {} passed before with this binary and these inputs: not run again (CIVNET_TEST_CACHE=off runs it)", binary.name);
                continue;
            }
            keys.insert(binary.name.clone(), key);
        }
        to_run.push(binary);
    }
    let mut binaries = to_run;
    if binaries.is_empty() {
        return Ok(());
    }
    paired_order(&mut binaries);
    let durations_path = durations_file(&binaries);
    let mut durations: std::collections::BTreeMap<String, f64> =
        durations_path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    let mut units = Vec::new();
    for binary in &binaries {
        let tests = if per_test && ONE_PROCESS_PER_TEST.contains(&binary.name.as_str()) { listed_tests(binary)?.into_iter().map(Some).collect() } else { vec![None] };
        for test in tests {
            let mut unit = Unit { binary, test, estimate: None };
            unit.estimate = durations.get(&unit.name()).copied();
            units.push(unit);
        }
    }
    if per_test {
        longest_first(&mut units);
    }
    let queue = Mutex::new(units.iter().collect::<VecDeque<_>>());
    let failed = Mutex::new(Vec::new());
    let finished = Mutex::new(Vec::new());
    let print = Mutex::new(());
    let logs = std::env::temp_dir().join(format!("civnet-xtask-tests-{}", std::process::id()));
    let scratch = memory_scratch();
    if let Some(dir) = &scratch {
        eprintln!("xtask: test scratch (TMPDIR) in memory: {}", dir.display());
    }
    std::fs::create_dir_all(&logs)?;
    eprintln!("xtask: {} test binaries as {} processes, {jobs} at a time (CIVNET_TEST_JOBS)", binaries.len(), units.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(units.len()) {
            scope.spawn(|| loop {
                let Some(unit) = queue.lock().unwrap().pop_front() else { break };
                let binary = unit.binary;
                let name = unit.name();
                let log = logs.join(name.replace("::", "-"));
                let started = Instant::now();
                let status = std::fs::File::create(&log).and_then(|file| {
                    let mut cmd = Command::new(&binary.executable);
                    match &unit.test {
                        Some(test) => cmd.args(["--exact", test]),
                        None => cmd.args(test_args),
                    };
                    cmd.current_dir(&binary.package_dir)
                        .env("CARGO_MANIFEST_DIR", &binary.package_dir)
                        .stdin(Stdio::null())
                        .stdout(file.try_clone()?)
                        .stderr(file);
                    for (key, value) in env {
                        cmd.env(key, value);
                    }
                    if let Some(dir) = &scratch {
                        cmd.env("TMPDIR", dir);
                    }
                    cmd.status()
                });
                let output = std::fs::read_to_string(&log).unwrap_or_default();
                let _printing = print.lock().unwrap();
                println!("\n     Running {name} ({})", binary.executable.display());
                print!("{output}");
                let secs = started.elapsed().as_secs_f64();
                match status {
                    Ok(status) if status.success() => {
                        println!("xtask: {name} passed in {secs:.1} s");
                        finished.lock().unwrap().push((name, secs));
                    }
                    Ok(status) => {
                        println!("xtask: {name} FAILED ({status}) in {secs:.1} s");
                        failed.lock().unwrap().push((binary.name.clone(), name));
                    }
                    Err(e) => {
                        println!("xtask: {name} could not run: {e}");
                        failed.lock().unwrap().push((binary.name.clone(), name));
                    }
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&logs);
    if let Some(dir) = &scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    durations.extend(finished.into_inner().unwrap());
    if let Some(path) = &durations_path {
        if let Err(e) = serde_json::to_string_pretty(&durations).map_err(std::io::Error::other).and_then(|text| std::fs::write(path, text)) {
            println!("xtask: could not keep the tests' durations in {} ({e})", path.display());
        }
    }
    let failed = failed.into_inner().unwrap();
    for binary in &binaries {
        if failed.iter().any(|(failed_binary, _)| *failed_binary == binary.name) {
            let _ = std::fs::remove_file(pass_record(binary));
        } else if let Some(key) = keys.get(&binary.name) {
            let record = pass_record(binary);
            let written = record.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&record, key));
            if let Err(e) = written {
                println!("xtask: could not remember the pass of {} ({e})", binary.name);
            }
        }
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|(_, name)| name.as_str()).collect();
        bail!("tests failed: {}", names.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remembered pass is only as good as its key: the same inputs give the same digest,
    /// and changing a tracked file, adding an untracked one, changing a file the environment
    /// names or the arguments each give another.
    #[test]
    fn a_test_runs_again_when_any_input_changes() {
        let checkout = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| assert!(Command::new("git").args(args).current_dir(checkout.path()).output().unwrap().status.success());
        git(&["init", "-q"]);
        std::fs::write(checkout.path().join("README.md"), "walkthrough").unwrap();
        std::fs::write(checkout.path().join(".gitignore"), "target\n").unwrap();
        git(&["add", "-A"]);
        let deploy = tempfile::tempdir().unwrap();
        std::fs::write(deploy.path().join("emissions.so"), [1u8, 2, 3]).unwrap();
        let env = [("CIVNET_DEPLOY_DIR", deploy.path())];
        let args = vec!["story".to_string()];
        let digest = || run_inputs_digest(&args, &env, checkout.path()).unwrap();
        let first = digest();
        assert_eq!(digest(), first, "the same inputs, the same key");
        std::fs::create_dir(checkout.path().join("target")).unwrap();
        std::fs::write(checkout.path().join("target/ignored"), "build output").unwrap();
        assert_eq!(digest(), first, "ignored files are not inputs");
        std::fs::write(checkout.path().join("README.md"), "walkthrough, edited").unwrap();
        let edited = digest();
        assert_ne!(edited, first, "a tracked file changed");
        std::fs::write(checkout.path().join("new_story.rs"), "fn story() {}").unwrap();
        let added = digest();
        assert_ne!(added, edited, "an untracked file appeared");
        std::fs::write(deploy.path().join("emissions.so"), [1u8, 2, 4]).unwrap();
        let redeployed = digest();
        assert_ne!(redeployed, added, "a program changed");
        assert_ne!(run_inputs_digest(&["other".to_string()], &env, checkout.path()).unwrap(), redeployed, "other arguments");
    }

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

    #[test]
    fn stories_never_timed_start_first_then_the_longest() {
        let binary = TestBinary { name: "civnet-cli::cli".into(), executable: PathBuf::from("cli"), package_dir: PathBuf::from("."), integration: true };
        let unit = |test: &str, estimate: Option<f64>| Unit { binary: &binary, test: Some(test.into()), estimate };
        let mut units = vec![unit("short", Some(0.2)), unit("new_a", None), unit("walkthrough", Some(100.0)), unit("new_b", None), unit("browser", Some(61.0))];
        longest_first(&mut units);
        let order: Vec<String> = units.iter().map(Unit::name).collect();
        assert_eq!(order, ["civnet-cli::cli::new_a", "civnet-cli::cli::new_b", "civnet-cli::cli::walkthrough", "civnet-cli::cli::browser", "civnet-cli::cli::short"]);
    }

    #[test]
    fn the_cli_and_oracle_stories_start_first_and_the_rest_keep_their_order() {
        let binary = |name: &str| TestBinary { name: name.into(), executable: PathBuf::from(name), package_dir: PathBuf::from("."), integration: true };
        let all: Vec<TestBinary> = ["civnet-cli::cli", "civnet-indexer::indexer", "civnet-oracle::oracle", "tests::stories", "xtask::xtask"].into_iter().map(binary).collect();
        let mut order: Vec<&TestBinary> = all.iter().collect();
        paired_order(&mut order);
        let names: Vec<&str> = order.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["civnet-cli::cli", "civnet-oracle::oracle", "civnet-indexer::indexer", "tests::stories", "xtask::xtask"]);
    }
}
