//! Which programs exist, where their `.so` files are, and their ids.
use anchor_lang::prelude::Pubkey;
use std::path::PathBuf;

pub const SPL_ACCOUNT_COMPRESSION_ID: Pubkey = anchor_lang::pubkey!("cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK");
pub const SPL_NOOP_ID: Pubkey = anchor_lang::pubkey!("noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV");
pub const BUBBLEGUM_ID: Pubkey = mpl_bubblegum::ID;

/// A program the harness deploys: id and `.so` path.
#[derive(Debug, Clone)]
pub struct ProgramFile {
    pub name: &'static str,
    pub id: Pubkey,
    pub path: PathBuf,
}

/// `$CIVNET_DEPLOY_DIR` (set by `cargo xtask test`), else `<workspace>/target/deploy`.
pub fn deploy_dir() -> PathBuf {
    std::env::var_os("CIVNET_DEPLOY_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/deploy"))
}

/// civnet's programs and the third-party fixtures, at their program ids.
pub fn all() -> Vec<ProgramFile> {
    let dir = deploy_dir();
    let ours = [("emissions", emissions::ID), ("data_credits", data_credits::ID), ("device_registry", device_registry::ID)]
        .map(|(name, id)| ProgramFile { name, id, path: dir.join(format!("{name}.so")) });
    let fixtures = [
        ("mpl_bubblegum", BUBBLEGUM_ID),
        ("spl_account_compression", SPL_ACCOUNT_COMPRESSION_ID),
        ("spl_noop", SPL_NOOP_ID),
    ]
    .map(|(name, id)| ProgramFile { name, id, path: dir.join("fixtures").join(format!("{name}.so")) });
    ours.into_iter().chain(fixtures).collect()
}

/// What to tell someone whose program file is missing.
pub fn missing_message(program: &ProgramFile) -> String {
    format!(
        "{} is missing ({}); build it with `cargo xtask build-sbf` and `cargo xtask fixtures` (or set CIVNET_DEPLOY_DIR)",
        program.name,
        program.path.display()
    )
}

/// The bytes of a program file, or what builds it when it is missing.
pub fn try_read(program: &ProgramFile) -> Result<Vec<u8>, String> {
    std::fs::read(&program.path).map_err(|e| format!("{}: {e}", missing_message(program)))
}

/// The bytes of a program file; panics with the command that builds it when it is missing.
pub fn read(program: &ProgramFile) -> Vec<u8> {
    try_read(program).unwrap_or_else(|e| panic!("{e}"))
}

/// Whether every program file exists.
pub fn all_present() -> bool {
    all().iter().all(|p| p.path.exists())
}
