//! sccache (crates.io, installed into the tools cache like sbpf-linker) as the compiler
//! wrapper of every build xtask runs: the SBF builds (patched std, Anchor and the programs'
//! dependencies) and the host test build. One cache per machine, so a fresh clone gets the
//! third-party crates from it instead of compiling them again.
//!
//! sccache keys each compilation by the compiler, the arguments, the contents of every source
//! file and extern crate, the target spec file's contents, the `CARGO_*` variables and the
//! working directory. Cargo runs rustc for our own crates in the clone's directory, so a
//! fresh clone always compiles them (and host builds of our crates are incremental, which
//! sccache does not cache at all); only registry crates and the patched std, whose working
//! directories are the same for every clone, are shared.
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::paths::{self, HOST_TOOLCHAIN};

pub const SCCACHE_VERSION: &str = "0.19.0";

/// The compiler cache directory and its size limit.
fn cache_dir() -> PathBuf {
    paths::tools_cache().join("sccache")
}
const CACHE_SIZE: &str = "20G";
/// The server stops by itself after this many idle seconds.
const IDLE_TIMEOUT_SECS: &str = "600";

/// `CIVNET_SCCACHE=0` builds without the wrapper (to measure it, or to rule it out).
pub fn enabled() -> bool {
    std::env::var("CIVNET_SCCACHE").map(|v| v != "0").unwrap_or(true)
}

/// Installs sccache into the tools cache (once per machine) and starts its server.
pub fn setup() -> Result<Option<PathBuf>> {
    if !enabled() {
        return Ok(None);
    }
    let root = paths::tools_cache().join(format!("sccache-{SCCACHE_VERSION}"));
    let binary = root.join("bin/sccache");
    if !binary.exists() {
        eprintln!("xtask: installing sccache {SCCACHE_VERSION} into {} (once per machine)", root.display());
        let staging = crate::cache::staging_dir(&root);
        let _ = std::fs::remove_dir_all(&staging);
        // Local disk cache only: none of the cloud storage backends.
        crate::run(
            paths::cargo_of(HOST_TOOLCHAIN)
                .args(["install", &format!("sccache@{SCCACHE_VERSION}"), "--locked", "--no-default-features", "--root"])
                .arg(&staging),
        )
        .context("installing sccache")?;
        std::fs::create_dir_all(root.parent().unwrap())?;
        std::fs::rename(&staging, &root)?;
    }
    start_server(&binary)?;
    Ok(Some(binary))
}

/// The server's port, derived from the cache directory: one server per tools cache, and none
/// shared with a user's own sccache on the default port.
fn port() -> u16 {
    let hash = crate::cache::sha256_hex(cache_dir().to_string_lossy().as_bytes());
    20_000 + (u16::from_str_radix(&hash[..4], 16).unwrap_or(0) % 20_000)
}

fn configure(cmd: &mut Command) {
    cmd.env("SCCACHE_DIR", cache_dir())
        .env("SCCACHE_CACHE_SIZE", CACHE_SIZE)
        .env("SCCACHE_IDLE_TIMEOUT", IDLE_TIMEOUT_SECS)
        .env("SCCACHE_SERVER_PORT", port().to_string())
        .env_remove("SCCACHE_SERVER_UDS");
}

/// Starts the server with no inherited output, so that it never holds a caller's pipe open
/// (CI reads our output to the end); an already running one is reused.
fn start_server(binary: &Path) -> Result<()> {
    let mut probe = Command::new(binary);
    configure(&mut probe);
    if probe.arg("--show-stats").stdout(Stdio::null()).stderr(Stdio::null()).status().map(|s| s.success()).unwrap_or(false) {
        return Ok(());
    }
    let mut start = Command::new(binary);
    configure(&mut start);
    start.arg("--start-server").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    crate::run(&mut start).context("starting the sccache server")
}

/// Makes `cmd` (a cargo) compile through sccache.
pub fn wrap(cmd: &mut Command, sccache: Option<&Path>) {
    if let Some(binary) = sccache {
        configure(cmd);
        cmd.env("RUSTC_WRAPPER", binary);
    }
}

/// Compile requests, hits and misses so far, for the phase table.
#[derive(Clone, Copy, Default)]
pub struct Stats {
    pub requests: u64,
    pub hits: u64,
    pub misses: u64,
    pub not_cacheable: u64,
}

impl Stats {
    pub fn since(self, earlier: Stats) -> Stats {
        Stats {
            requests: self.requests.saturating_sub(earlier.requests),
            hits: self.hits.saturating_sub(earlier.hits),
            misses: self.misses.saturating_sub(earlier.misses),
            not_cacheable: self.not_cacheable.saturating_sub(earlier.not_cacheable),
        }
    }
}

pub fn stats(sccache: Option<&Path>) -> Option<Stats> {
    let binary = sccache?;
    let mut cmd = Command::new(binary);
    configure(&mut cmd);
    let out = cmd.args(["--show-stats", "--stats-format", "json"]).stderr(Stdio::null()).output().ok()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let stats = &json["stats"];
    let sum = |v: &serde_json::Value| -> u64 {
        match v {
            serde_json::Value::Number(n) => n.as_u64().unwrap_or(0),
            serde_json::Value::Object(map) => map.values().map(|c| c.as_u64().or_else(|| c["num"].as_u64()).unwrap_or(0)).sum(),
            _ => 0,
        }
    };
    Some(Stats {
        requests: sum(&stats["compile_requests"]),
        hits: sum(&stats["cache_hits"]["counts"]),
        misses: sum(&stats["cache_misses"]["counts"]),
        not_cacheable: sum(&stats["not_cached"]),
    })
}

/// Stops the server (before its cache directory is deleted).
pub fn stop_server() {
    let binary = paths::tools_cache().join(format!("sccache-{SCCACHE_VERSION}/bin/sccache"));
    if binary.exists() {
        let mut stop = Command::new(binary);
        configure(&mut stop);
        let _ = stop.arg("--stop-server").stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}
