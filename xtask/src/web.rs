//! The web app (`app/web`): `npm ci` when its lockfile changed, then `npm run build` (type
//! check + Vite) against the IDLs just written to target/idl, into `app/web/dist`, which
//! `civnet index --serve` serves. Needs Node.js >= 20 and npm (`.ci/run` installs them); where
//! they are missing outside CI, the step is skipped with a message (the browser test then
//! skips too); under CI (`CI` set) it fails.
use anyhow::{bail, Context, Result};
use std::process::Command;

use crate::paths;

pub fn build() -> Result<()> {
    let dir = paths::workspace_root().join("app/web");
    if Command::new("node").arg("--version").output().is_err() {
        crate::system::ensure(crate::system::WEB_BUILD, "building the web app")?;
    }
    let node = Command::new("node").arg("--version").output();
    let major = node.as_ref().ok().filter(|o| o.status.success()).and_then(|o| String::from_utf8_lossy(&o.stdout).trim().trim_start_matches('v').split('.').next()?.parse::<u32>().ok());
    match major {
        Some(major) if major >= 20 => {}
        found => {
            let why = match found {
                Some(major) => format!("Node.js {major} is too old (the web app needs 20 or newer)"),
                None => "node is not installed".to_string(),
            };
            if std::env::var_os("CI").is_some() {
                bail!("{why}: .ci/run installs Node.js and npm");
            }
            eprintln!("xtask: SKIPPED the web app build: {why} (Debian: apt-get install nodejs npm; see README \"The web app\")");
            return Ok(());
        }
    }
    // npm ci again only when the lockfile is newer than what it installed.
    let installed = dir.join("node_modules/.package-lock.json");
    let stale = match (std::fs::metadata(dir.join("package-lock.json")).and_then(|m| m.modified()), std::fs::metadata(&installed).and_then(|m| m.modified())) {
        (Ok(lock), Ok(done)) => lock > done,
        _ => true,
    };
    if stale {
        eprintln!("xtask: npm ci in app/web");
        crate::run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir)).context("npm ci in app/web")?;
    }
    eprintln!("xtask: building the web app (app/web/dist)");
    crate::run(Command::new("npm").args(["run", "build", "--silent"]).env("CIVNET_IDL_DIR", paths::target_dir().join("idl")).current_dir(&dir)).context("npm run build in app/web")?;
    Ok(())
}
