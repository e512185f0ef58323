//! Debian packages the pipeline needs. Run as root, xtask installs the missing ones itself
//! (as `playwright install-deps` does); otherwise it stops with the one complete apt line.
use anyhow::{bail, Result};
use std::process::Command;

/// C compiler and linker for build scripts and the host crates; pkg-config and OpenSSL's
/// headers for `openssl-sys` (litesvm's precompiles); the indexer tests' PostgreSQL server.
pub const HOST_BUILD: &[&str] = &["gcc", "g++", "make", "pkg-config", "libssl-dev"];
/// The tests' servers and browser: PostgreSQL for the services' PostgreSQL tests, Debian's
/// Chromium for the web app's browser test (Playwright's own browser cannot be downloaded).
pub const HOST_TESTS: &[&str] = &["postgresql", "chromium"];
/// Node.js and npm build the web app (Debian's when the machine has none).
pub const WEB_BUILD: &[&str] = &["nodejs", "npm"];
/// The validator build: rocksdb's C++ (clang/libclang for bindgen), protobuf, hidapi's udev,
/// curl for two registry crates (validator.rs).
pub const VALIDATOR_BUILD: &[&str] = &["gcc", "g++", "make", "clang", "libclang-dev", "pkg-config", "libssl-dev", "libudev-dev", "protobuf-compiler", "curl", "ca-certificates"];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Lanes that install packages at the same time take turns (apt-get holds dpkg's lock).
static APT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Installs (as root) or names the packages of `packages` that are missing, for `purpose`.
pub fn ensure(packages: &[&str], purpose: &str) -> Result<()> {
    let _turn = APT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Not Debian (no dpkg): the build itself will say what is missing.
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        return Ok(());
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let line = format!("apt-get install -y --no-install-recommends {}", missing.join(" "));
    if !is_root() {
        bail!("{purpose} needs Debian packages that are missing: {}\ninstall them with:\n  sudo apt-get update && sudo {line}", missing.join(" "));
    }
    eprintln!("xtask: {purpose} needs {}: installing them (apt-get, as root)", missing.join(" "));
    let apt = |args: &[&str]| -> Result<()> {
        crate::run(Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive"))
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

/// Lowers this thread's CPU priority to nice 10, for itself and every thread and process it
/// starts after this (Linux keeps the nice value per thread, and both inherit it): builds
/// started here run on what a nice-0 build beside them leaves idle. A failure changes nothing.
pub fn yield_cpu_of_this_thread() {
    // SAFETY: gettid and setpriority only read their integer arguments.
    unsafe {
        let thread = libc::gettid() as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, 10);
    }
}
