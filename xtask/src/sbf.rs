//! Cargo builds for the SBF target: our programs (`build-sbf`) and the fixtures.
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

use crate::paths::{self, SBF_NIGHTLY};
use crate::toolchain::SbfTools;

/// Where cargo puts SBF artefacts (separate from host builds: other toolchain, other flags).
/// Compiled units (std included) are shared in `build/`; each package's final `.so` is
/// uplifted into its own directory: a program is also built as another program's `cpi`
/// dependency (no entrypoint), and that variant must not land where this one is taken from.
pub fn sbf_build_dir() -> PathBuf {
    paths::target_dir().join("sbf/build")
}

pub fn sbf_uplift_dir(package: &str) -> PathBuf {
    paths::target_dir().join("sbf/out").join(package)
}

/// `rustflags` for the SBF target, passed through `CARGO_ENCODED_RUSTFLAGS` (with `--target`
/// they do not reach build scripts or proc macros).
pub fn rustflags(tools: &SbfTools) -> Vec<String> {
    let mut flags = vec![format!("-Clinker={}", tools.linker.display())];
    flags.extend(
        [
            "-Ctarget-cpu=v3",                                  // v4 emits bswap (0xd7), which v3 rejects
            "-Clink-arg=--arch=v3",                             // v0 puts 6th+ call args into its stack-frame gap
            "-Cpasses=lower-atomic",                            // SBPF has no atomics; programs are single-threaded
            "-Clink-arg=--llvm-args=--bpf-stack-size=4096",     // SBPF v3 frames are fixed 4 KiB
            "-Clink-arg=--llvm-args=--disable-movsx",
            "-Clink-arg=--llvm-args=--disable-ldsx",
            // sbpf-linker also copies every .so it links into ./target/deploy by default, so a
            // dependency's no-entrypoint (`cpi`) build would overwrite the program there.
            "-Clink-arg=--deploy=false",
            // sbpf-linker always reports that it cannot dlopen a shared LLVM; harmless noise.
            "-Alinker_messages",
        ]
        .map(String::from),
    );
    flags
}

/// `cargo build --release -p <package>` for SBF in `workspace`, returning the built `.so`.
pub fn cargo_build(tools: &SbfTools, workspace: &Path, package: &str, lib_name: &str, extra: &[&str]) -> Result<PathBuf> {
    let target_dir = sbf_uplift_dir(package);
    let mut cargo = paths::cargo_of(SBF_NIGHTLY);
    crate::sccache::wrap(&mut cargo, tools.sccache.as_deref());
    let output = cargo
        .current_dir(workspace)
        .args(["build", "--release", "-p", package, "--target"])
        .arg(&tools.target_spec)
        // Fine-grained locks on the shared build directory: the programs build side by side
        // (`build_programs`), each waiting only for the units another build is writing.
        .args(["-Zbuild-std=std,panic_abort", "-Zjson-target-spec", "-Zfine-grain-locking", "--target-dir"])
        .arg(&target_dir)
        .args(extra)
        // As a flag, not CARGO_BUILD_BUILD_DIR: rustc sees every CARGO_* variable, and sccache
        // hashes them; this clone-specific path would make every clone miss the cache.
        .arg("--config")
        .arg(format!("build.build-dir={:?}", sbf_build_dir().display().to_string()))
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags(tools).join("\x1f"))
        // std's build script: do not mark this unknown OS `restricted_std`.
        .env("RUSTC_BOOTSTRAP_SYNTHETIC_TARGET", "1")
        // cargo's hook for building std from another source tree: the patched copy.
        .env("__CARGO_TESTS_ONLY_SRC_ROOT", &tools.std_library)
        .status()?;
    if !output.success() {
        bail!("building {package} for SBF failed ({output})");
    }
    let so = uplifted_so(package, lib_name);
    eprintln!("xtask: {package} -> {} ({} bytes)", so.display(), std::fs::metadata(&so)?.len());
    check_sbpf_v3(&so)?;
    Ok(so)
}

/// Where [`cargo_build`] leaves `package`'s `.so`.
fn uplifted_so(package: &str, lib_name: &str) -> PathBuf {
    sbf_uplift_dir(package).join("sbpf-solana-solana/release").join(format!("lib{lib_name}.so"))
}

/// An SBPF v3 program is a 64-bit little-endian ELF with e_flags == 3.
pub fn check_sbpf_v3(so: &Path) -> Result<()> {
    let bytes = std::fs::read(so).with_context(|| format!("reading {}", so.display()))?;
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        bail!("{} is not a 64-bit little-endian ELF", so.display());
    }
    let e_flags = u32::from_le_bytes(bytes[48..52].try_into().unwrap());
    if e_flags != 3 {
        bail!("{} has e_flags {e_flags}, expected 3 (SBPF v3)", so.display());
    }
    Ok(())
}

/// Copies `from` to `to` only when the bytes differ (keeps mtimes stable for incremental work).
pub fn install_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let new = std::fs::read(from)?;
    if std::fs::read(to).ok().as_deref() != Some(&new[..]) {
        std::fs::write(to, new)?;
    }
    Ok(())
}

/// The civnet programs: every directory under `programs/` (package name == lib name).
pub fn program_names() -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(paths::workspace_root().join("programs"))? {
        let entry = entry?;
        if entry.path().join("Cargo.toml").exists() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Each program on its own (`-p`): built together, one program's `cpi` feature (no
/// entrypoint) would leak into the other's build through feature unification.
///
/// Once every program has been built in this target directory, they build side by side: each
/// build is a chain of single-threaded steps (a dependency program's `cpi` variant, then its
/// own crate and the fat-LTO link), so one at a time left a core idle (a one-line change in
/// emissions: 83 s one after another, 52 s side by side). Before that they build one after
/// another, stopping at the first failure: on an empty build directory, side by side builds
/// each compiled std, core, alloc and anchor-lang on their own (three times the work).
pub fn build_programs(tools: &SbfTools) -> Result<()> {
    let root = paths::workspace_root();
    let names = program_names()?;
    let built_before = names.iter().all(|name| uplifted_so(name, name).exists());
    let build = |name: &String| {
        eprintln!("xtask: building program {name} (SBF)");
        cargo_build(tools, &root, name, name, &[])
    };
    let built: Vec<PathBuf> = if built_before {
        std::thread::scope(|scope| {
            let builds: Vec<_> = names.iter().map(|name| scope.spawn(move || build(name))).collect();
            builds.into_iter().map(|b| b.join().unwrap_or_else(|_| bail!("a program build panicked"))).collect::<Result<_>>()
        })?
    } else {
        names.iter().map(build).collect::<Result<_>>()?
    };
    for (name, so) in names.iter().zip(built) {
        install_file(&so, &paths::deploy_dir().join(format!("{name}.so")))?;
        // The program's keypair next to it, where `solana program deploy` / anchor look for it.
        let keypair = root.join("keys").join(format!("{name}-keypair.json"));
        if keypair.exists() {
            install_file(&keypair, &paths::deploy_dir().join(format!("{name}-keypair.json")))?;
        }
    }
    Ok(())
}
