//! `cargo xtask setup`: the pinned nightly with rust-src, sbpf-linker, and the patched std.
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths::{self, SBF_NIGHTLY, SBPF_LINKER_VERSION};
use crate::{run, stdpatch, system};

/// What an SBF build needs.
pub struct SbfTools {
    pub linker: PathBuf,
    /// `library/` of the patched rust-src, for `__CARGO_TESTS_ONLY_SRC_ROOT`.
    pub std_library: PathBuf,
    /// The target spec, copied into the tools cache under a name that hashes its contents:
    /// its path is an argument of every SBF rustc call, so it must be the same in every clone
    /// for sccache to share compilations, and change whenever the spec does.
    pub target_spec: PathBuf,
    /// The compiler wrapper (None with `CIVNET_SCCACHE=0`).
    pub sccache: Option<PathBuf>,
}

pub fn setup() -> Result<SbfTools> {
    system::ensure(system::HOST_BUILD, "building civnet")?;
    require_system_command("cc", "gcc (Debian: apt-get install gcc)")?;
    install_nightly()?;
    let linker = install_sbpf_linker()?;
    let std_library = stdpatch::patched_std()?;
    let target_spec = cached_target_spec()?;
    let sccache = crate::sccache::setup()?;
    Ok(SbfTools { linker, std_library, target_spec, sccache })
}

fn cached_target_spec() -> Result<PathBuf> {
    let source = paths::workspace_root().join("sbf/sbpf-solana-solana.json");
    let bytes = std::fs::read(&source).with_context(|| format!("reading {}", source.display()))?;
    let dir = paths::sbf_tools_dir().join(format!("target-spec-{}", &crate::cache::sha256_hex(&bytes)[..16]));
    let spec = dir.join("sbpf-solana-solana.json");
    if std::fs::read(&spec).ok().as_deref() != Some(&bytes[..]) {
        let staging = crate::cache::staging_dir(&dir);
        std::fs::create_dir_all(&staging)?;
        std::fs::write(staging.join("sbpf-solana-solana.json"), &bytes)?;
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&staging, &dir)?;
    }
    Ok(spec)
}

/// Fails with the package to install when a system command is missing.
pub fn require_system_command(command: &str, package_hint: &str) -> Result<()> {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {command}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        bail!("`{command}` is missing: install {package_hint}");
    }
    Ok(())
}

/// `rustc -vV` of a toolchain: its version, commit and LLVM, for cache keys.
pub fn rustc_version(toolchain: &str) -> Result<String> {
    let out = Command::new("rustup").args(["run", toolchain, "rustc", "-vV"]).output()?;
    if !out.status.success() {
        bail!("{toolchain} is not installed");
    }
    Ok(String::from_utf8(out.stdout)?)
}

pub fn nightly_sysroot() -> Result<PathBuf> {
    let out = Command::new("rustup").args(["run", SBF_NIGHTLY, "rustc", "--print", "sysroot"]).output()?;
    if !out.status.success() {
        bail!("{SBF_NIGHTLY} is not installed");
    }
    Ok(PathBuf::from(String::from_utf8(out.stdout)?.trim()))
}

fn install_nightly() -> Result<()> {
    let ready = nightly_sysroot().map(|s| rust_src(&s).join("library/std/src/lib.rs").exists()).unwrap_or(false);
    if ready {
        return Ok(());
    }
    eprintln!("xtask: installing {SBF_NIGHTLY} with rust-src (rustup)");
    run(Command::new("rustup").args(["toolchain", "install", SBF_NIGHTLY, "--profile", "minimal", "--component", "rust-src"]))
}

pub fn rust_src(sysroot: &Path) -> PathBuf {
    sysroot.join("lib/rustlib/src/rust")
}

fn install_sbpf_linker() -> Result<PathBuf> {
    let root = paths::sbf_tools_dir().join(format!("sbpf-linker-{SBPF_LINKER_VERSION}"));
    let linker = root.join("bin/sbpf-linker");
    if linker.exists() {
        return Ok(linker);
    }
    eprintln!("xtask: installing sbpf-linker {SBPF_LINKER_VERSION} into {}", root.display());
    // Built with the nightly whose LLVM 23 it links against at run time.
    run(paths::cargo_of(SBF_NIGHTLY)
        .args(["install", &format!("sbpf-linker@{SBPF_LINKER_VERSION}"), "--locked", "--root"])
        .arg(&root))
    .context("installing sbpf-linker")?;
    Ok(linker)
}
