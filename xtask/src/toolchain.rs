//! `cargo xtask setup`: the pinned nightly with rust-src, sbpf-linker, and the patched std.
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::paths::{self, SBF_NIGHTLY, SBPF_LINKER_VERSION};
use crate::{run, stdpatch};

/// What an SBF build needs.
pub struct SbfTools {
    pub linker: PathBuf,
    /// `library/` of the patched rust-src, for `__CARGO_TESTS_ONLY_SRC_ROOT`.
    pub std_library: PathBuf,
}

pub fn setup() -> Result<SbfTools> {
    require_system_command("cc", "gcc (Debian: apt-get install gcc)")?;
    install_nightly()?;
    let linker = install_sbpf_linker()?;
    let std_library = stdpatch::patched_std()?;
    Ok(SbfTools { linker, std_library })
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
