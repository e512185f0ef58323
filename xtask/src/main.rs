//! `cargo xtask <command>`: civnet's build pipeline. Solana's platform-tools cannot be
//! downloaded on our machines, so the SBF programs are built with an upstream nightly,
//! a patched copy of std and sbpf-linker (SBPF v3); see README "How the SBF build works".
//!
//! Commands: setup, build-sbf, fixtures, validator, web, test, bench, env.

mod fixtures;
mod idl;
mod paths;
mod sbf;
mod stdpatch;
mod toolchain;
mod validator;
mod web;

use anyhow::{bail, Result};
use std::process::Command;

const USAGE: &str = "usage: cargo xtask <command>
  setup       install the pinned SBF nightly, sbpf-linker and the patched std (idempotent)
  build-sbf   programs/* -> target/deploy/<name>.so (SBPF v3) and target/idl/<name>.json
  fixtures    Bubblegum, SPL account compression and SPL noop from the crate registry
              -> target/deploy/fixtures/*.so
  validator   build solana-test-validator (agave-validator 4.2.2) into the tools cache
  web         the IDLs, then the web app: npm ci + npm run build in app/web -> app/web/dist
  test        all of the above, then every test of the workspace (extra args go to cargo test)
  bench       build the programs, then measure compute units, tx sizes, cost per device and
              the demo's wall time in litesvm -> target/bench/bench.{md,json}
              (extra args go to `civnet bench`)
  env         print the paths the pipeline uses";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let rest = &args[1..];
    let started = std::time::Instant::now();
    match command.as_str() {
        "setup" => {
            toolchain::setup()?;
        }
        "build-sbf" => {
            let tools = toolchain::setup()?;
            sbf::build_programs(&tools)?;
            idl::build_all()?;
        }
        "fixtures" => {
            let tools = toolchain::setup()?;
            fixtures::build(&tools)?;
        }
        "validator" => {
            validator::build()?;
        }
        "web" => {
            idl::build_all()?;
            web::build()?;
        }
        "test" => {
            let tools = toolchain::setup()?;
            sbf::build_programs(&tools)?;
            idl::build_all()?;
            fixtures::build(&tools)?;
            web::build()?;
            let validator = validator::build()?;
            run_tests(&validator, rest)?;
        }
        "bench" => {
            let tools = toolchain::setup()?;
            sbf::build_programs(&tools)?;
            idl::build_all()?;
            fixtures::build(&tools)?;
            run_bench(rest)?;
        }
        "env" => paths::print()?,
        "help" | "--help" | "-h" => println!("{USAGE}"),
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
    eprintln!("xtask {command}: done in {:.0?}", started.elapsed());
    Ok(())
}

/// Every test of the workspace on the host toolchain, with the paths the harness needs.
fn run_tests(validator: &std::path::Path, extra: &[String]) -> Result<()> {
    let root = paths::workspace_root();
    let status = paths::host_cargo()
        .current_dir(&root)
        .args(["test", "--workspace", "--exclude", "xtask"])
        .args(extra)
        .env("CIVNET_DEPLOY_DIR", paths::deploy_dir())
        .env("CIVNET_TEST_VALIDATOR", validator)
        .status()?;
    if !status.success() {
        bail!("cargo test failed ({status})");
    }
    Ok(())
}

/// `civnet bench` on the host toolchain against the programs just built.
fn run_bench(extra: &[String]) -> Result<()> {
    let root = paths::workspace_root();
    let out = root.join("target/bench");
    let status = paths::host_cargo()
        .current_dir(&root)
        .args(["run", "--quiet", "--package", "civnet-cli", "--", "bench", "--out"])
        .arg(&out)
        .args(extra)
        .env("CIVNET_DEPLOY_DIR", paths::deploy_dir())
        .status()?;
    if !status.success() {
        bail!("civnet bench failed ({status})");
    }
    Ok(())
}

/// Runs a command, failing with its command line when it does not succeed.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status()?;
    if !status.success() {
        bail!("command failed ({status}): {cmd:?}");
    }
    Ok(())
}
