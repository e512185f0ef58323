//! `cargo xtask validator`: solana-test-validator from the crate registry, built once into
//! the tools cache. agave-validator 4.2.2 builds from the registry and runs SBPF v3 files of
//! our layout; 3.1.x cannot load them, 4.3.x does not build from the registry. Its pinned
//! agave crates do not share a Cargo graph with anchor-lang 1.x: a separate build with its
//! own lockfile (`--locked`), driven over RPC by the tests.
//!
//! The validator is a test tool, not a product: it is built with cheaper release settings
//! (`PROFILE`: no fat optimisation of the whole graph), which roughly halve its build and
//! still run our programs exactly as the default build does (the SBF programs are interpreted
//! or JIT-compiled by the validator; its own optimisation level changes only its speed).
//! The cache directory's name hashes the version, the toolchain and these settings.
use anyhow::{Context, Result};
use std::path::PathBuf;

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

fn cache_key() -> Result<cache::Key> {
    let mut key = cache::Key::new("civnet validator");
    key.text("crate", &format!("agave-validator@{AGAVE_VALIDATOR_VERSION} --locked --bin {BINARY}"))
        .text("toolchain", &crate::toolchain::rustc_version(HOST_TOOLCHAIN)?)
        .text("profile", &format!("{PROFILE:?}"));
    Ok(key)
}

/// `<tools cache>/validator-agave-<version>-<key>`: built on first use, checked on every use.
pub fn build() -> Result<PathBuf> {
    let key = cache_key()?;
    let root = paths::tools_cache().join(format!("validator-agave-{AGAVE_VALIDATOR_VERSION}-{}", &key.finish()[..12]));
    let binary = root.join("bin").join(BINARY);
    if cache::lookup(&root).is_some() {
        return Ok(binary);
    }
    system::ensure(system::VALIDATOR_BUILD, "building solana-test-validator")?;
    eprintln!(
        "xtask: building {BINARY} (agave-validator {AGAVE_VALIDATOR_VERSION}, opt-level 1) into {}; \
         once per machine (measured: see README \"Build times\")",
        root.display()
    );
    let staging = cache::staging_dir(&root);
    let _ = std::fs::remove_dir_all(&staging);
    let mut install = paths::cargo_of(HOST_TOOLCHAIN);
    install
        .args(["install", &format!("agave-validator@{AGAVE_VALIDATOR_VERSION}"), "--locked", "--bin", BINARY, "--root"])
        .arg(&staging);
    for (var, value) in PROFILE {
        install.env(var, value);
    }
    crate::run(&mut install).context("building solana-test-validator")?;
    // cargo install's own bookkeeping files are not part of the entry.
    for file in [".crates.toml", ".crates2.json"] {
        let _ = std::fs::remove_file(staging.join(file));
    }
    cache::seal(&staging, &root, &key)?;
    Ok(binary)
}
