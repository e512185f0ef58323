//! `cargo xtask validator`: solana-test-validator from the crate registry, built once into
//! the tools cache. agave-validator 4.2.2 builds from the registry and runs SBPF v3 files of
//! our layout; 3.1.x cannot load them, 4.3.x does not build from the registry. Its pinned
//! agave crates do not share a Cargo graph with anchor-lang 1.x: a separate build with its
//! own lockfile (the crate's packaged `Cargo.lock`, `--locked`), driven over RPC by the tests.
//!
//! The validator is a test tool, not a product: it is built with cheaper release settings
//! (`PROFILE`: no fat optimisation of the whole graph), which roughly halve its build and
//! still run our programs exactly as the default build does (the SBF programs are interpreted
//! or JIT-compiled by the validator; its own optimisation level changes only its speed).
//!
//! Three edits to solana-core (`EDITS`), each anchored on upstream's exact text (a changed
//! solana-core fails loudly), so that an idle validator waits instead of polling:
//! - the banking scheduler thread: upstream waits (10 ms at most) for transactions only when
//!   another validator is leader; a single-node test validator leads every slot, so its
//!   `solBnkTxSched` thread spun a whole core while nothing happened. A transaction that
//!   arrives wakes the wait at once; only the scheduler's housekeeping waits up to 10 ms longer.
//! - the vote banking thread: with a vote buffered (ours, every slot) it polled its two
//!   channels with a 0 ms timeout until the vote landed (`solBanknStgVote`, 17% of a core
//!   idle); now 1 ms, a vote lands at most a few ms later in a 100 ms slot.
//! - the repair thread looked for missing shreds every 1 ms (`solRepairSvc`, 7% of a core); a
//!   single-node validator has no peer to repair from: every 10 ms.
//!
//! The tests run concurrent validators on 2 cores, so every idle core-percent a validator
//! burns is taken from the real work of the tests beside it.
//!
//! The two crates are the registry's own files, checked against their pinned SHA-256 (the
//! index's checksums): agave-validator unpacked, solana-core unpacked beside it and patched in
//! (`[patch.crates-io]`), its entry in the packaged lockfile turned into a path entry; every
//! other package stays exactly as locked (`--locked` fails otherwise).
//! The cache directory's name hashes the version, the toolchain, these settings and the edit.
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cache;
use crate::paths::{self, AGAVE_VALIDATOR_VERSION, HOST_TOOLCHAIN};
use crate::system;

/// Release-profile overrides for `cargo install` (as `CARGO_PROFILE_RELEASE_*` variables).
/// opt-level 1 for the validator's crates and for rocksdb's C++ (the cc crate follows it);
/// build scripts and proc macros unoptimised; no debug info.
const PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false"),
    ("CARGO_PROFILE_RELEASE_BUILD_OVERRIDE_OPT_LEVEL", "0"),
];
/// Only the binary the tests start.
const BINARY: &str = "solana-test-validator";

/// (crate, SHA-256 of its `.crate` file as the registry index lists it).
const AGAVE_VALIDATOR_CRATE: (&str, &str) = ("agave-validator", "0e0697892622017c1932741673602855b83d599f88feaa9a9f4038b16e29a04f");
const SOLANA_CORE_CRATE: (&str, &str) = ("solana-core", "c8f1fb3f3a70066847b5e7a64d42dcd5e13f2e3afb27f98ce803336efa22890f");

/// (file in solana-core, upstream text, replacement): each replaces exactly one occurrence
/// (module docs say why).
const EDITS: &[(&str, &str, &str)] = &[
    (
        "src/banking_stage/transaction_scheduler/receive_and_buffer.rs",
        "        if container.is_empty()\n            && matches!(\n                decision,\n                BufferedPacketsDecision::Forward | BufferedPacketsDecision::ForwardAndHold\n            )\n        {\n",
        "        // civnet: the leader waits too (a single-node test validator leads every slot).\n        if container.is_empty() {\n",
    ),
    (
        "src/banking_stage/vote_packet_receiver.rs",
        "            // the current bank.\n            Duration::from_millis(0)\n",
        "            // the current bank.\n            // civnet: 1 ms, not a busy poll while our own vote waits for its slot.\n            Duration::from_millis(1)\n",
    ),
    (
        "src/repair/repair_service.rs",
        "pub const REPAIR_MS: u64 = 1;\n",
        "// civnet: a single-node validator has no peer to repair from; look every 10 ms, not 1.\npub const REPAIR_MS: u64 = 10;\n",
    ),
];

fn cache_key() -> Result<cache::Key> {
    let mut key = cache::Key::new("civnet validator");
    key.text("crate", &format!("agave-validator@{AGAVE_VALIDATOR_VERSION} --locked --bin {BINARY}"))
        .text("toolchain", &crate::toolchain::rustc_version(HOST_TOOLCHAIN)?)
        .text("profile", &format!("{PROFILE:?}"))
        .text("crates", &format!("{AGAVE_VALIDATOR_CRATE:?} {SOLANA_CORE_CRATE:?}"))
        .text("solana-core edits", &format!("{EDITS:?}"));
    Ok(key)
}

/// `<tools cache>/validator-agave-<version>-<key>`.
fn entry() -> Result<(PathBuf, cache::Key)> {
    let key = cache_key()?;
    let root = paths::tools_cache().join(format!("validator-agave-{AGAVE_VALIDATOR_VERSION}-{}", &key.finish()[..12]));
    Ok((root, key))
}

/// Where [`build`] puts the binary (whether or not it is built yet), and whether the cache
/// holds a complete, intact entry for the current inputs.
pub fn lookup() -> Result<(PathBuf, bool)> {
    let (root, _) = entry()?;
    let built = cache::lookup(&root).is_some();
    Ok((root.join("bin").join(BINARY), built))
}

/// The validator's cache entry: built on first use, checked on every use.
pub fn build() -> Result<PathBuf> {
    let (root, key) = entry()?;
    let binary = root.join("bin").join(BINARY);
    if cache::lookup(&root).is_some() {
        return Ok(binary);
    }
    system::ensure(system::VALIDATOR_BUILD, "building solana-test-validator")?;
    eprintln!(
        "xtask: building {BINARY} (agave-validator {AGAVE_VALIDATOR_VERSION}, opt-level 1, {} solana-core edits) into {}; \
         once per machine (measured: see README \"Build times\")",
        EDITS.len(),
        root.display()
    );
    let staging = cache::staging_dir(&root);
    let _ = std::fs::remove_dir_all(&staging);
    // Kept until the build succeeds: an interrupted build resumes where it stopped.
    let work = root.with_file_name(format!(".validator-build-{}", &key.finish()[..12]));
    let source = patched_source(&work)?;
    let mut install = paths::cargo_of(HOST_TOOLCHAIN);
    install
        .args(["install", "--locked", "--bin", BINARY, "--path"])
        .arg(&source)
        .arg("--root")
        .arg(&staging)
        .arg("--target-dir")
        .arg(work.join("target"));
    for (var, value) in PROFILE {
        install.env(var, value);
    }
    crate::run(&mut install).context("building solana-test-validator")?;
    // cargo install's own bookkeeping files are not part of the entry.
    for file in [".crates.toml", ".crates2.json"] {
        let _ = std::fs::remove_file(staging.join(file));
    }
    cache::seal(&staging, &root, &key)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(binary)
}

/// agave-validator's sources in `work/src`, with solana-core beside them, edited and patched
/// in; unpacked once per `work` (a marker file says the edits are done).
fn patched_source(work: &Path) -> Result<PathBuf> {
    let sources = work.join("src");
    let validator = sources.join(format!("{}-{AGAVE_VALIDATOR_VERSION}", AGAVE_VALIDATOR_CRATE.0));
    let marker = sources.join(".civnet-patched");
    if marker.exists() {
        return Ok(validator);
    }
    let _ = std::fs::remove_dir_all(&sources);
    std::fs::create_dir_all(&sources)?;
    let validator = unpack(work, AGAVE_VALIDATOR_CRATE, &sources)?;
    let core = unpack(work, SOLANA_CORE_CRATE, &validator)?;
    for (file, upstream, replacement) in EDITS {
        replace_once(&core.join(file), upstream, replacement)?;
    }
    let core_name = core.file_name().unwrap().to_string_lossy();
    let manifest = validator.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest)?;
    text.push_str(&format!("\n# civnet: solana-core with civnet's edits (xtask/src/validator.rs)\n[patch.crates-io]\nsolana-core = {{ path = \"{core_name}\" }}\n"));
    std::fs::write(&manifest, text)?;
    // The lockfile's solana-core becomes the path package; nothing else changes.
    let (name, checksum) = SOLANA_CORE_CRATE;
    let locked = format!("name = \"{name}\"\nversion = \"{AGAVE_VALIDATOR_VERSION}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{checksum}\"\n");
    replace_once(&validator.join("Cargo.lock"), &locked, &format!("name = \"{name}\"\nversion = \"{AGAVE_VALIDATOR_VERSION}\"\n"))?;
    std::fs::write(marker, "")?;
    Ok(validator)
}

/// Unpacks `<name>-<version>.crate` into `into` and returns the unpacked directory. The file
/// comes from cargo's registry cache when a build already downloaded it, else from the
/// registry's download host; either way its SHA-256 must be the pinned one.
fn unpack(work: &Path, (name, sha256): (&str, &str), into: &Path) -> Result<PathBuf> {
    let file_name = format!("{name}-{AGAVE_VALIDATOR_VERSION}.crate");
    let cached = paths::cargo_home().join("registry/cache");
    let mut file = std::fs::read_dir(&cached).into_iter().flatten().flatten().map(|e| e.path().join(&file_name)).find(|p| p.exists());
    if file.as_deref().is_none_or(|f| !has_sha256(f, sha256)) {
        let download = work.join(&file_name);
        let url = format!("https://static.crates.io/crates/{name}/{file_name}");
        crate::run(Command::new("curl").args(["--fail", "--silent", "--show-error", "--location", "--retry", "3", "--output"]).arg(&download).arg(&url))
            .with_context(|| format!("downloading {url}"))?;
        if !has_sha256(&download, sha256) {
            bail!("{url} does not have the pinned SHA-256 {sha256}");
        }
        file = Some(download);
    }
    crate::run(Command::new("tar").arg("xzf").arg(file.unwrap()).arg("-C").arg(into))?;
    Ok(into.join(format!("{name}-{AGAVE_VALIDATOR_VERSION}")))
}

fn has_sha256(file: &Path, sha256: &str) -> bool {
    std::fs::read(file).is_ok_and(|bytes| cache::sha256_hex(&bytes) == sha256)
}

/// Replaces the one occurrence of `upstream` in `path`; any other count is an error.
fn replace_once(path: &Path, upstream: &str, replacement: &str) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let found = text.matches(upstream).count();
    if found != 1 {
        bail!("validator edit no longer applies: {} has {found} occurrence(s) of {upstream:?}, expected 1", path.display());
    }
    std::fs::write(path, text.replacen(upstream, replacement, 1))?;
    Ok(())
}
