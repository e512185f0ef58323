//! `cargo xtask <command>`: civnet's build pipeline. Solana's platform-tools cannot be
//! downloaded on our machines, so the SBF programs are built with an upstream nightly,
//! a patched copy of std and sbpf-linker (SBPF v3); see README "How the SBF build works".
//!
//! Commands: setup, build-sbf, fixtures, validator, web, test, bench, env.

mod cache;
mod fixtures;
mod idl;
mod paths;
mod phases;
mod sbf;
mod sccache;
mod stdpatch;
mod system;
mod testrun;
mod toolchain;
mod validator;
mod web;

use anyhow::{bail, Result};
use phases::Phases;
use std::process::Command;

const USAGE: &str = "usage: cargo xtask <command>
  setup       install the pinned SBF nightly, sbpf-linker and the patched std (idempotent)
  build-sbf   programs/* -> target/deploy/<name>.so (SBPF v3) and target/idl/<name>.json
  fixtures    Bubblegum, SPL account compression and SPL noop from the crate registry
              -> target/deploy/fixtures/*.so
  validator   build solana-test-validator (agave-validator 4.2.2) into the tools cache
  web         the IDLs, then the web app: npm ci + npm run build in app/web -> app/web/dist
  test        all of the above, then every test of the workspace; `cargo xtask test [cargo
              args] [-- test args]`, e.g. `cargo xtask test -- wallet_onboards_device` runs
              one story; prints each phase's time at the end
  bench       build the programs, then measure compute units, tx sizes, cost per device and
              the demo's wall time in litesvm -> target/bench/bench.{md,json}
              (extra args go to `civnet bench`)
  env         print the paths the pipeline uses
  clear-cache [fixtures|validator|sccache|ci-target|all]
              delete entries of the per-machine tools cache (the next run rebuilds them)";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let rest = &args[1..];
    let mut phases = Phases::new(command);
    let result = run_command(command, rest, &mut phases);
    phases.print(result.is_ok());
    result
}

fn run_command(command: &str, rest: &[String], phases: &mut Phases) -> Result<()> {
    match command {
        "setup" => {
            let tools = phases.run("setup (toolchain, sbpf-linker, std, sccache)", toolchain::setup)?;
            phases.set_sccache(tools.sccache);
        }
        "build-sbf" => {
            let tools = phases.run("setup (toolchain, sbpf-linker, std, sccache)", toolchain::setup)?;
            phases.set_sccache(tools.sccache.clone());
            phases.run("SBF programs", || sbf::build_programs(&tools))?;
            phases.run("IDL", || idl::build_all(&tools))?;
        }
        "fixtures" => {
            let tools = phases.run("setup (toolchain, sbpf-linker, std, sccache)", toolchain::setup)?;
            phases.set_sccache(tools.sccache.clone());
            phases.run("fixtures", || fixtures::build(&tools))?;
        }
        "validator" => {
            phases.run("validator", validator::build)?;
        }
        "web" => {
            let tools = phases.run("setup (toolchain, sbpf-linker, std, sccache)", toolchain::setup)?;
            phases.set_sccache(tools.sccache.clone());
            phases.run("IDL", || idl::build_all(&tools))?;
            phases.run("web app", web::build)?;
        }
        "test" => {
            let (cargo_args, test_args) = split_test_args(rest);
            let phases = &*phases;
            // Three lanes at once. The validator's build, when it is not cached yet (a cold
            // machine: about half an hour on 2 cores, the longest build), starts at once and
            // needs nothing of the others; the rest yields the CPU to it (nice 10) and fills
            // the cores it leaves idle (its crates' dependency chains, its last crates alone).
            // After setup, the SBF builds (nightly, target/sbf; their fat-LTO links run on one
            // core) and the host builds (stable, target/debug) need none of each other's
            // output until the tests run.
            let (validator, validator_built) = validator::lookup()?;
            let (tools, binaries) = std::thread::scope(|lanes| -> Result<(toolchain::SbfTools, Vec<testrun::TestBinary>)> {
                let validator_lane = lanes.spawn(|| {
                    if validator_built {
                        return Ok(());
                    }
                    phases.run_on("validator", "validator", validator::build).map(drop)
                });
                let rest = lanes.spawn(|| -> Result<(toolchain::SbfTools, Vec<testrun::TestBinary>)> {
                    if !validator_built {
                        system::yield_cpu_of_this_thread();
                    }
                    let tools = phases.run("setup (toolchain, sbpf-linker, std, sccache)", toolchain::setup)?;
                    phases.set_sccache(tools.sccache.clone());
                    let binaries = std::thread::scope(|inner| -> Result<Vec<testrun::TestBinary>> {
                        let sbf = inner.spawn(|| -> Result<()> {
                            phases.run_on("sbf", "SBF programs", || sbf::build_programs(&tools))?;
                            phases.run_on("sbf", "fixtures", || fixtures::build(&tools))
                        });
                        let host = (|| -> Result<Vec<testrun::TestBinary>> {
                            phases.run_on("host", "IDL", || idl::build_all(&tools))?;
                            phases.run_on("host", "web app", web::build)?;
                            phases.run_on("host", "system packages for tests", || system::ensure(system::HOST_TESTS, "the services' PostgreSQL tests and the web app's browser test"))?;
                            phases.run_on("host", "host test build", || host_tests(&tools, &validator, &cargo_args, None))
                        })();
                        let sbf = sbf.join().map_err(|_| anyhow::anyhow!("the SBF build lane panicked"))?;
                        let built = host?;
                        sbf?;
                        Ok(built)
                    })?;
                    Ok((tools, binaries))
                });
                let rest = rest.join().map_err(|_| anyhow::anyhow!("the build lanes panicked"))?;
                if let (Err(error), false) = (&rest, validator_built) {
                    eprintln!("xtask: {error:#}\nxtask: waiting for the validator's build to finish (it is kept for the next run)");
                }
                validator_lane.join().map_err(|_| anyhow::anyhow!("the validator build lane panicked"))??;
                rest
            })?;
            // Doctests have no executable: `--doc` runs through cargo, one binary after another.
            if cargo_args.iter().any(|a| a == "--doc") {
                phases.run("tests", || host_tests(&tools, &validator, &cargo_args, Some(&test_args)).map(drop))?;
            } else {
                let deploy = paths::deploy_dir();
                let env = [("CIVNET_DEPLOY_DIR", deploy.as_path()), ("CIVNET_TEST_VALIDATOR", validator.as_path())];
                phases.run("tests", || testrun::run_all(&binaries, &test_args, &env, &paths::workspace_root()))?;
            }
        }
        "bench" => {
            let tools = phases.run("setup (toolchain, sbpf-linker, std, sccache)", toolchain::setup)?;
            phases.set_sccache(tools.sccache.clone());
            phases.run("SBF programs", || sbf::build_programs(&tools))?;
            phases.run("IDL", || idl::build_all(&tools))?;
            phases.run("fixtures", || fixtures::build(&tools))?;
            // The scale run loads its network into solana-test-validator for the indexer.
            let validator = phases.run("validator", validator::build)?;
            phases.run("bench", || run_bench(&tools, &validator, rest))?;
        }
        "env" => paths::print()?,
        "clear-cache" => clear_cache(rest)?,
        "help" | "--help" | "-h" => println!("{USAGE}"),
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
    Ok(())
}

/// `cargo xtask test [cargo args] [-- test args]`: cargo's arguments go to both the build and
/// the run, the test binaries' arguments (a story name, `--nocapture`) only to the run.
fn split_test_args(rest: &[String]) -> (Vec<String>, Vec<String>) {
    match rest.iter().position(|a| a == "--") {
        Some(i) => (rest[..i].to_vec(), rest[i + 1..].to_vec()),
        None => (rest.to_vec(), Vec::new()),
    }
}

/// Target selection when the caller gives none: every target with `test = true` (unit tests
/// of libraries and binaries, integration tests), not doctests: no crate has doc examples
/// (only `text` blocks), so the rustdoc pass per library is skipped.
const DEFAULT_TARGETS: &[&str] = &["--tests"];
const TARGET_FLAGS: &[&str] = &["--doc", "--lib", "--bins", "--bin", "--tests", "--test", "--examples", "--example", "--benches", "--bench", "--all-targets"];

/// Every test of the workspace on the host toolchain, with the paths the harness needs:
/// `run: None` builds the test binaries (`--no-run`) and returns them (from cargo's JSON
/// messages), `Some(args)` runs them through cargo.
fn host_tests(tools: &toolchain::SbfTools, validator: &std::path::Path, cargo_args: &[String], run: Option<&[String]>) -> Result<Vec<testrun::TestBinary>> {
    let root = paths::workspace_root();
    let mut cargo = paths::host_cargo();
    sccache::wrap(&mut cargo, tools.sccache.as_deref());
    cargo.current_dir(&root).arg("test");
    // The whole workspace unless the caller picked packages (`-p civnet-cli`).
    if !cargo_args.iter().any(|a| a == "-p" || a.starts_with("--package") || a.starts_with("-p")) {
        cargo.arg("--workspace");
        // A program without unit tests is no test binary of its own: compiling each program
        // again in test mode and linking it with the runtime was three binaries of 0 tests
        // (the stories test the programs). One that gains a `#[test]` is built and run again.
        for program in sbf::program_names()? {
            if !has_unit_tests(&root.join("programs").join(&program).join("src"))? {
                cargo.args(["--exclude", &program]);
            }
        }
    }
    if !cargo_args.iter().any(|a| TARGET_FLAGS.contains(&a.split('=').next().unwrap_or(a))) {
        cargo.args(DEFAULT_TARGETS);
    }
    cargo.args(cargo_args);
    cargo.env("CIVNET_DEPLOY_DIR", paths::deploy_dir()).env("CIVNET_TEST_VALIDATOR", validator);
    match run {
        None => {
            // Diagnostics still reach the terminal (rendered on stderr); stdout carries the
            // artifact messages.
            let out = cargo.args(["--no-run", "--message-format=json-render-diagnostics"]).stderr(std::process::Stdio::inherit()).output()?;
            if !out.status.success() {
                bail!("cargo test --no-run failed ({})", out.status);
            }
            testrun::binaries_from_messages(&String::from_utf8_lossy(&out.stdout))
        }
        Some(test_args) => {
            let status = cargo.arg("--").args(test_args).status()?;
            if !status.success() {
                bail!("cargo test failed ({status})");
            }
            Ok(Vec::new())
        }
    }
}

/// Whether any Rust file under `dir` has a `#[test]` or `#[cfg(test)]`.
fn has_unit_tests(dir: &std::path::Path) -> Result<bool> {
    for file in testrun::files_under(dir).into_iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let text = std::fs::read_to_string(&file)?;
        if text.contains("#[test]") || text.contains("#[cfg(test)]") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Deletes tools-cache entries by kind; `all` deletes the whole cache (a cold machine).
fn clear_cache(what: &[String]) -> Result<()> {
    let cache = paths::tools_cache();
    let kind = what.first().map(String::as_str).unwrap_or("");
    let prefixes: &[&str] = match kind {
        "fixtures" => &["fixtures-"],
        "validator" => &["validator-"],
        "sccache" => &["sccache"],
        "ci-target" => &["ci-target"],
        "all" => &[""],
        _ => bail!("usage: cargo xtask clear-cache fixtures|validator|sccache|ci-target|all"),
    };
    if matches!(kind, "sccache" | "all") {
        sccache::stop_server();
    }
    let Ok(entries) = std::fs::read_dir(&cache) else { return Ok(()) };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| name.starts_with(p)) || prefixes.iter().any(|p| name.starts_with(&format!(".{p}"))) {
            eprintln!("xtask: removing {}", entry.path().display());
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// `civnet bench` on the host toolchain against the programs just built.
fn run_bench(tools: &toolchain::SbfTools, validator: &std::path::Path, extra: &[String]) -> Result<()> {
    let root = paths::workspace_root();
    let out = root.join("target/bench");
    let mut cargo = paths::host_cargo();
    sccache::wrap(&mut cargo, tools.sccache.as_deref());
    let status = cargo
        .current_dir(&root)
        .args(["run", "--quiet", "--package", "civnet-cli", "--", "bench", "--out"])
        .arg(&out)
        .args(extra)
        .env("CIVNET_DEPLOY_DIR", paths::deploy_dir())
        .env("CIVNET_TEST_VALIDATOR", validator)
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
