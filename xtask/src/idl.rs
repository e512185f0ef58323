//! IDL JSON for every program: a host build with the `idl-build` feature (anchor's own
//! `anchor-lang-idl` builder, the code behind `anchor idl build`); no SBF toolchain involved.
use anyhow::{Context, Result};
use anchor_lang_idl::build::IdlBuilder;

use crate::paths;
use crate::sbf::program_names;
use crate::toolchain::SbfTools;

pub fn build_all(tools: &SbfTools) -> Result<()> {
    // anchor-lang-idl re-invokes `cargo` and would forward the outer rustup toolchain
    // variable verbatim; the workspace's rust-toolchain.toml picks the host toolchain.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    std::env::remove_var("CARGO");
    // It also sets RUSTFLAGS="-A warnings": different flags from the test build's in the same
    // target directory would rebuild the shared dependencies back and forth. An empty
    // CARGO_ENCODED_RUSTFLAGS takes precedence over RUSTFLAGS, so both builds use no flags and
    // share every unit they have in common (proc macros, build scripts, most dependencies).
    std::env::set_var("CARGO_ENCODED_RUSTFLAGS", "");
    if let Some(sccache) = &tools.sccache {
        let mut probe = std::process::Command::new("true");
        crate::sccache::wrap(&mut probe, Some(sccache));
        for (var, value) in probe.get_envs() {
            match value {
                Some(value) => std::env::set_var(var, value),
                None => std::env::remove_var(var),
            }
        }
    }
    let idl_dir = paths::target_dir().join("idl");
    std::fs::create_dir_all(&idl_dir)?;
    for name in program_names()? {
        let out = idl_dir.join(format!("{name}.json"));
        let program = paths::workspace_root().join("programs").join(&name);
        if is_fresh(&out, &program)? {
            continue;
        }
        eprintln!("xtask: building IDL of {name}");
        let idl = IdlBuilder::new()
            .program_path(program)
            .skip_lint(true)
            .build()
            .with_context(|| format!("IDL build of {name}"))?;
        std::fs::write(&out, serde_json::to_string_pretty(&idl)?)?;
    }
    Ok(())
}

/// The IDL is newer than every file it is built from: the program's directory, the programs
/// it depends on (named in its Cargo.toml), `crates/` and `Cargo.lock`. A change in one
/// program rebuilds its IDL and its dependents', not every IDL.
fn is_fresh(out: &std::path::Path, program: &std::path::Path) -> Result<bool> {
    let Ok(built) = std::fs::metadata(out).and_then(|m| m.modified()) else { return Ok(false) };
    let root = paths::workspace_root();
    let manifest = std::fs::read_to_string(program.join("Cargo.toml"))?;
    let mut stack = vec![program.to_path_buf(), root.join("crates"), root.join("Cargo.lock")];
    for other in program_names()? {
        if manifest.lines().any(|line| line.trim_start().starts_with(&format!("{other} ")) || line.trim_start().starts_with(&format!("{other}="))) {
            stack.push(root.join("programs").join(other));
        }
    }
    while let Some(path) = stack.pop() {
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        } else if meta.modified()? > built {
            return Ok(false);
        }
    }
    Ok(true)
}
