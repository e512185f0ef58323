//! The README's CLI walkthrough (the `sh` block under "CLI usage") run line by line, as a new
//! user would type it, against `civnet localnet` (solana-test-validator): localnet, migrate,
//! sub-network, maker, a device issued with `--sign-only` and sent by its owner, DC, onboarding,
//! epoch close, the oracle's heartbeats and root, claims from the oracle and from a file, and
//! the indexer. The README cannot drift from the program: a line that fails, or a `<...>`
//! value this test does not know how to fill in, fails the test.
//!
//! What the test adds to the text, and only that: it fills in each `<...>` from what the
//! earlier commands printed (as the reader does), uses free ports instead of 8899/8090, runs
//! the two long-running lines (`localnet`, `oracle`) in the background ("in its own
//! terminal"), writes `rewards.csv` (the reader's own file), and retries the lines that
//! say to wait ("once that epoch has ended", "once it has ended") until they succeed.
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The walkthrough's commands: the README's first `sh` block after "## CLI usage", without
/// comment lines and trailing comments.
fn walkthrough(readme: &str) -> Vec<String> {
    let usage = &readme[readme.find("## CLI usage").expect("README has a CLI usage section")..];
    let open = usage.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let close = open + usage[open..].find("```").expect("the block ends");
    usage[open..close]
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.find("  #") {
            Some(at) => line[..at].trim_end().to_string(),
            None => line.to_string(),
        })
        .collect()
}

struct Reader {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    /// What the previous line printed ("printed above").
    last_stdout: String,
    background: Vec<Child>,
    rpc_port: u16,
    oracle_port: u16,
    /// Heartbeat timestamps the device's loop printed.
    heartbeats: Vec<u64>,
    closed_epoch: Option<u64>,
    /// The localnet deployment's epoch length.
    epoch_secs: u64,
}

impl Drop for Reader {
    fn drop(&mut self) {
        for child in &mut self.background {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Reader {
    fn new(rpc_port: u16, oracle_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = Path::new(env!("CARGO_BIN_EXE_civnet")).parent().unwrap().to_path_buf();
        let mut env = BTreeMap::new();
        // A home of its own: ~/.config/solana/id.json and ~/.config/civnet/ are the reader's.
        env.insert("HOME".into(), dir.path().display().to_string());
        env.insert("PATH".into(), format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()));
        env.insert("CIVNET_URL".into(), format!("http://127.0.0.1:{rpc_port}"));
        // The checkout's deployment files, as in the README (run from the checkout).
        let migrations = dir.path().join("migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let deployment = std::fs::read_to_string(repo.join("migrations/localnet.toml")).unwrap();
        std::fs::write(migrations.join("localnet.toml"), &deployment).unwrap();
        let epoch_secs = deployment.lines().find_map(|l| l.strip_prefix("epoch_length_secs =")).and_then(|v| v.split('#').next()?.trim().parse().ok()).expect("localnet.toml names epoch_length_secs");
        Self { dir, env, last_stdout: String::new(), background: Vec::new(), rpc_port, oracle_port, heartbeats: Vec::new(), closed_epoch: None, epoch_secs }
    }

    fn command(&self, line: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.args(["-c", line]).current_dir(self.dir.path()).env_clear();
        for key in ["CIVNET_DEPLOY_DIR", "CIVNET_TEST_VALIDATOR", "TMPDIR", "LANG"] {
            if let Ok(value) = std::env::var(key) {
                cmd.env(key, value);
            }
        }
        // The README's commands as written, on the tests' 100 ms slots (`civnet localnet
        // --ticks-per-slot`, here through its environment variable): the same programs and
        // commands, a quarter of the waiting for confirmations.
        cmd.env("CIVNET_LOCALNET_TICKS_PER_SLOT", civnet_harness::validator::test_ticks_per_slot().to_string());
        cmd.envs(&self.env);
        cmd
    }

    /// A civnet query the reader makes to fill in a value (JSON output).
    fn query(&self, args: &str) -> Value {
        let out = self.command(&format!("civnet --output json {args}")).output().unwrap();
        assert!(out.status.success(), "civnet {args}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("civnet {args}: {e}"))
    }

    fn address(&self, keypair: &str) -> String {
        self.query(&format!("-k {keypair} address")).as_str().expect("a base58 address").to_string()
    }

    fn printed(&self, field: &str) -> String {
        self.last_stdout
            .lines()
            .find_map(|l| l.strip_prefix(field).filter(|rest| rest.starts_with(char::is_whitespace)).map(|rest| rest.trim().to_string()))
            .unwrap_or_else(|| panic!("no `{field}` in what the previous line printed:\n{}", self.last_stdout))
    }

    /// The line with its `<...>` values and ports filled in.
    fn fill_in(&self, line: &str) -> String {
        let mut line = line.replace("8899", &self.rpc_port.to_string()).replace("8090", &self.oracle_port.to_string());
        while let Some(start) = line.find('<') {
            let end = start + line[start..].find('>').expect("a closed <...>");
            let value = match &line[start + 1..end] {
                "network printed above" => self.printed("network"),
                "MAKER AUTHORITY" => self.query("maker show civnet-labs")["authority"].as_str().unwrap().to_string(),
                "OWNER" => self.address("owner.json"),
                "BASE64 printed above" => self.printed("transaction"),
                "KEY" | "KEY or ASSET ID" => self.address("device.json"),
                "WALLET" => self.address("customer.json"),
                "EPOCH closed above" => self.closed_epoch.expect("an epoch was closed").to_string(),
                "EPOCH of the heartbeats" => self.heartbeat_epoch().to_string(),
                "EPOCH after the heartbeats" => (self.heartbeat_epoch() + 1).to_string(),
                other => panic!("the README's walkthrough has a value this test cannot fill in: <{other}> in `{line}`"),
            };
            line.replace_range(start..=end, &value);
        }
        line
    }

    /// The epoch after the one it was onboarded in in which the device was heard most (the
    /// latest of equals), with at least the minimum presence and two to spare: the oracle
    /// places a heartbeat by its own receive time, which follows the chain's clock and may
    /// lag the device's by a second or two, so a heartbeat at an epoch's edge may count in
    /// the next.
    fn heartbeat_epoch(&self) -> u64 {
        let min_presence = civnet_oracle::rewards::Slices::of(self.epoch_secs as u32).min_presence;
        let mut per_epoch: BTreeMap<u64, u64> = BTreeMap::new();
        for t in &self.heartbeats {
            *per_epoch.entry(t / self.epoch_secs).or_default() += 1;
        }
        let first = *per_epoch.keys().next().expect("heartbeats were sent");
        let (epoch, heard) = per_epoch.iter().filter(|(epoch, _)| **epoch > first).max_by_key(|(epoch, n)| (**n, **epoch)).unwrap_or_else(|| panic!("no heartbeats after the first epoch: {per_epoch:?}"));
        assert!(*heard >= min_presence + 2, "epoch {epoch} heard the device {heard} times, the minimum presence is {min_presence}: {per_epoch:?}");
        *epoch
    }

    fn run(&mut self, line: &str) -> Output {
        let out = self.command(line).output().unwrap();
        self.last_stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        out
    }

    fn run_ok(&mut self, line: &str) {
        let out = self.run(line);
        assert!(out.status.success(), "README line failed: `{line}`\nstdout: {}\nstderr: {}", self.last_stdout, String::from_utf8_lossy(&out.stderr));
    }

    /// A line the README says to run once something has happened: retried until it succeeds.
    fn run_when_ready(&mut self, line: &str, within: Duration) {
        let started = Instant::now();
        loop {
            let out = self.run(line);
            if out.status.success() {
                return;
            }
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(started.elapsed() < within, "README line still failing after {within:?}: `{line}`\n{stderr}\n{}", self.background_logs());
            std::thread::sleep(Duration::from_secs(3));
        }
    }

    fn spawn(&mut self, line: &str, log: &str) {
        let file = std::fs::File::create(self.dir.path().join(log)).unwrap();
        let child = self.command(&format!("exec {line}")).stdout(file.try_clone().unwrap()).stderr(file).stdin(Stdio::null()).spawn().unwrap();
        self.background.push(child);
    }

    /// The last lines of the background commands' logs (what a reader would look at in the
    /// other terminals when a line keeps failing).
    fn background_logs(&self) -> String {
        ["localnet.log", "oracle.log"]
            .iter()
            .map(|name| {
                let text = self.log(name);
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                format!("--- {name} (last {} lines)\n{}", tail.len(), tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    fn wait_for(&mut self, what: &str, log: &str, ready: impl Fn(&Self) -> bool) {
        let started = Instant::now();
        while !ready(self) {
            if let Some(child) = self.background.last_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("{what} exited ({status}):\n{}", self.log(log));
                }
            }
            assert!(started.elapsed() < Duration::from_secs(180), "{what} did not come up:\n{}", self.log(log));
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn tokens_of(&self, wallet: &str) -> u64 {
        self.query(&format!("dc balance {wallet}"))["tokens"].as_u64().unwrap()
    }
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap();
    let lines = walkthrough(&readme);
    assert!(lines.len() >= 25 && lines[0].starts_with("civnet localnet"), "{lines:#?}");
    // Held for the whole test: no other test's validator or server takes these.
    let ports = civnet_harness::validator::PortBlock::reserve();
    let mut reader = Reader::new(ports.base, ports.base + civnet_harness::validator::PORTS_PER_VALIDATOR - 1);
    let mut claimed_from_oracle = None;
    for line in &lines {
        let filled = reader.fill_in(line);
        match line.as_str() {
            l if l.starts_with("civnet localnet") => {
                reader.spawn(&filled, "localnet.log");
                let rpc = civnet_harness::rpc::Rpc::new(format!("http://127.0.0.1:{}", reader.rpc_port));
                let keypair = reader.dir.path().join(".config/solana/id.json");
                reader.wait_for("civnet localnet", "localnet.log", |_| {
                    let Some(key) = std::fs::read_to_string(&keypair).ok().and_then(|t| serde_json::from_str::<Vec<u8>>(&t).ok()) else { return false };
                    let Ok(key) = civnet_harness::Keypair::try_from(key.as_slice()) else { return false };
                    rpc.account(&civnet_harness::Signer::pubkey(&key)).ok().flatten().is_some()
                });
                assert!(reader.log("localnet.log").contains("created one"), "localnet says it created the keypair: {}", reader.log("localnet.log"));
            }
            l if l.starts_with("export ") => {
                let (key, value) = filled.trim_start_matches("export ").split_once('=').unwrap();
                reader.env.insert(key.to_string(), value.to_string());
            }
            l if l.starts_with("civnet oracle") => {
                reader.spawn(&filled, "oracle.log");
                let entropy = format!("http://127.0.0.1:{}/v1/entropy", reader.oracle_port);
                reader.wait_for("civnet oracle", "oracle.log", |_| ureq::get(&entropy).call().is_ok());
            }
            l if l.starts_with("for ") && l.contains("heartbeat") => {
                let out = reader.run(&filled);
                let stderr = String::from_utf8_lossy(&out.stderr);
                // Each answered heartbeat was accepted (3 s apart: never two in one slice); the
                // epoch that holds the minimum presence must exist (`heartbeat_epoch`). A
                // heartbeat that got no answer (a loaded machine) is shown, not hidden.
                let statuses: Vec<&str> = reader.last_stdout.lines().filter_map(|l| l.strip_prefix("status")).map(str::trim).collect();
                assert!(statuses.iter().all(|s| *s == "accepted"), "the device's heartbeats: {}\n{stderr}", reader.last_stdout);
                let sent = filled.split("seq ").nth(1).and_then(|rest| rest.split(')').next()).and_then(|n| n.trim().parse::<usize>().ok()).expect("for i in $(seq N)");
                if statuses.len() < sent {
                    println!("{} of {sent} heartbeats answered; the others: {stderr}", statuses.len());
                }
                reader.heartbeats = reader.last_stdout.lines().filter_map(|l| l.strip_prefix("timestamp")).map(|t| t.trim().parse().unwrap()).collect();
                assert!(reader.heartbeats.len() >= 5, "heartbeats: {}\n{stderr}", reader.last_stdout);
            }
            l if l.starts_with("civnet epoch close --epoch") => {
                if claimed_from_oracle.is_some() {
                    // "Offline (stop the oracle first)".
                    let mut oracle = reader.background.pop().expect("the oracle runs");
                    oracle.kill().unwrap();
                    oracle.wait().unwrap();
                }
                reader.run_when_ready(&filled, Duration::from_secs(150));
            }
            l if l.starts_with("civnet epoch close") => {
                let current = reader.query("network show")["current_epoch"].as_u64().unwrap();
                reader.run_ok(&filled);
                reader.closed_epoch = Some(current - 1);
            }
            l if l.contains("rewards claim") && l.contains("--oracle") => {
                let owner = reader.address("owner.json");
                let before = reader.tokens_of(&owner);
                reader.run_when_ready(&filled, Duration::from_secs(300));
                let paid = reader.tokens_of(&owner) - before;
                assert!(paid > 0, "the oracle's claim paid the owner");
                claimed_from_oracle = Some(paid);
            }
            l if l.starts_with("civnet rewards post-root") => {
                // The reader writes the file: the device's cumulative amount raised by 1,000 base
                // units out of the newer epoch's issuance.
                let asset_id = reader.query(&format!("device show {}", reader.address("device.json")))["asset_id"].as_str().unwrap().to_string();
                let cumulative = claimed_from_oracle.expect("the oracle's claim ran first") + 1_000;
                std::fs::write(reader.dir.path().join("rewards.csv"), format!("{asset_id},{cumulative}\n")).unwrap();
                reader.run_ok(&filled);
            }
            l if l.contains("rewards claim") && l.contains("--file") => {
                let owner = reader.address("owner.json");
                let before = reader.tokens_of(&owner);
                reader.run_ok(&filled);
                assert_eq!(reader.tokens_of(&owner) - before, 1_000, "the file's claim pays the raise over what the oracle paid");
            }
            _ => reader.run_ok(&filled),
        }
    }
    // What the walkthrough did is on chain and in the index.
    let device = reader.query(&format!("device show {}", reader.address("device.json")));
    assert_eq!(device["active"], true, "{device}");
    assert!(reader.dir.path().join("civnet-index.db").exists(), "civnet index --once wrote civnet-index.db");
    assert!(claimed_from_oracle.is_some(), "the walkthrough claims from the oracle");
}

#[test]
fn the_walkthrough_parser_keeps_commands_and_drops_comments() {
    let readme = "## CLI usage\n\n```sh\n# a comment\ncivnet localnet --rpc-port 8899\n\ncivnet maker approve x --authority <A>   # refused if ...\n```\n";
    assert_eq!(walkthrough(readme), ["civnet localnet --rpc-port 8899", "civnet maker approve x --authority <A>"]);
}
