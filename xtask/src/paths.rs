//! Where things live: the workspace's `target/` and the per-user tools cache.
use anyhow::Result;
use std::path::PathBuf;
use std::process::Command;

/// The nightly that builds the SBF programs (LLVM 23, which sbpf-linker 0.2.6 loads).
pub const SBF_NIGHTLY: &str = "nightly-2026-10-30";
/// The host toolchain (rust-toolchain.toml): litesvm 0.17 and agave 4.3 crates need it.
pub const HOST_TOOLCHAIN: &str = "1.97.1";
pub const SBPF_LINKER_VERSION: &str = "0.2.6";
/// 4.2.x is the line that builds from the registry and loads our SBPF v3 files.
pub const AGAVE_VALIDATOR_VERSION: &str = "4.2.2";

pub fn workspace_root() -> PathBuf {
    // `cargo xtask` (cargo run) names the package directory at run time; the one compiled in
    // is stale when a shared target directory holds an xtask built from another checkout.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().expect("xtask lives in the workspace").to_path_buf()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

/// Cargo's home (`$CARGO_HOME`, else `~/.cargo`): its `registry/cache` keeps downloaded crates.
pub fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"))
}

pub fn deploy_dir() -> PathBuf {
    target_dir().join("deploy")
}

/// Expensive, version-pinned tools live outside the clone, per user:
/// `$CIVNET_TOOLS_CACHE`, else `$XDG_CACHE_HOME/civnet`, else `~/.cache/civnet`.
pub fn tools_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("CIVNET_TOOLS_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("civnet")
}

pub fn sbf_tools_dir() -> PathBuf {
    tools_cache().join(format!("sbf-{SBF_NIGHTLY}"))
}

pub fn validator_dir() -> PathBuf {
    tools_cache().join(format!("validator-agave-{AGAVE_VALIDATOR_VERSION}"))
}

/// A cargo of the given rustup toolchain, with the variables the outer `cargo xtask`
/// invocation set removed so they do not leak into the inner build (sccache hashes every
/// `CARGO_*` variable rustc sees: a leaked path would make each clone's keys different).
pub fn cargo_of(toolchain: &str) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", toolchain, "cargo"]);
    for var in ["RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC", "CARGO", "RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER"] {
        cmd.env_remove(var);
    }
    for (var, _) in std::env::vars_os() {
        let var = var.to_string_lossy();
        let set_by_cargo_run = ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_CRATE_NAME", "CARGO_BIN_NAME", "CARGO_PRIMARY_PACKAGE", "CARGO_RUSTC_CURRENT_DIR"];
        if set_by_cargo_run.iter().any(|prefix| var.starts_with(prefix)) {
            cmd.env_remove(&*var);
        }
    }
    cmd
}

pub fn host_cargo() -> Command {
    cargo_of(HOST_TOOLCHAIN)
}

pub fn print() -> Result<()> {
    println!("workspace     {}", workspace_root().display());
    println!("deploy        {}", deploy_dir().display());
    println!("tools cache   {}", tools_cache().display());
    println!("sbf tools     {}", sbf_tools_dir().display());
    println!("validator     {}", validator_dir().display());
    Ok(())
}
