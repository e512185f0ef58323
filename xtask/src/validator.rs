//! `cargo xtask validator`: solana-test-validator from the crate registry, built once into
//! the tools cache. agave-validator 4.2.2 builds from the registry and runs SBPF v3 files of
//! our layout; 3.1.x cannot load them, 4.3.x does not build from the registry. Its pinned
//! agave crates do not share a Cargo graph with anchor-lang 1.x: a separate build with its
//! own lockfile (`--locked`), driven over RPC by the tests.
use anyhow::{Context, Result};
use std::path::PathBuf;

use crate::paths::{self, AGAVE_VALIDATOR_VERSION, HOST_TOOLCHAIN};
use crate::toolchain::require_system_command;

pub fn build() -> Result<PathBuf> {
    let root = paths::validator_dir();
    let binary = root.join("bin/solana-test-validator");
    if binary.exists() {
        return Ok(binary);
    }
    require_system_command("clang", "clang (Debian: apt-get install clang libclang-dev)")?;
    require_system_command("protoc", "protobuf-compiler (Debian: apt-get install protobuf-compiler)")?;
    require_system_command("pkg-config", "pkg-config (Debian: apt-get install pkg-config libssl-dev libudev-dev)")?;
    eprintln!(
        "xtask: building solana-test-validator (agave-validator {AGAVE_VALIDATOR_VERSION}) into {}; \
         about 20 minutes on 2 cores, once per machine",
        root.display()
    );
    crate::run(
        paths::cargo_of(HOST_TOOLCHAIN)
            .args(["install", &format!("agave-validator@{AGAVE_VALIDATOR_VERSION}"), "--locked"])
            .args(["--bin", "solana-test-validator", "--root"])
            .arg(&root),
    )
    .context("building solana-test-validator")?;
    Ok(binary)
}
