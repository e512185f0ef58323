//! A throwaway PostgreSQL server for the services' tests (indexer, oracle): the one code
//! path of sqlx's Any driver is checked against a real server, not only SQLite.
use std::path::PathBuf;
use std::process::Command;

/// A throwaway PostgreSQL server from the Debian package's binaries on a temporary data
/// directory and a free port; stopped (immediate mode) on drop. PostgreSQL refuses to run as
/// root, so under root (CI) it runs as the `postgres` user the package creates.
pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    as_postgres: bool,
    pub url: String,
    ports: civnet_client::validator::PortBlock,
}

impl Postgres {
    /// `None`, with a printed reason, when no PostgreSQL server binaries are installed.
    pub fn start() -> Option<Self> {
        let Some(bin) = postgres_bin() else {
            let missing = "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); install the Debian package `postgresql` to run this test";
            // Under CI a missing tool fails the test instead of passing it unrun.
            assert!(std::env::var_os("CI").is_none(), "{missing} (CI is set: cargo xtask test installs it)");
            println!("SKIPPED: {missing}");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap().trim() == "0";
        if as_postgres {
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
            assert!(status.success(), "chown of the data directory to postgres");
        }
        let mut server = Self { bin, dir, as_postgres, url: String::new(), ports: civnet_client::validator::PortBlock::reserve() };
        let data = server.dir.path().join("data");
        server.run("initdb", &["-D", data.to_str().unwrap(), "-U", "civnet", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        // Held until the server stops: no validator or other server of a parallel test takes it.
        let port = server.ports.base;
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", server.dir.path().display());
        let log = server.dir.path().join("postgres.log");
        server.run("pg_ctl", &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap(), "-o", &options, "-w", "-t", "60", "start"]);
        server.url = format!("postgres://civnet@127.0.0.1:{port}/postgres");
        Some(server)
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).current_dir(self.dir.path()).output().unwrap_or_else(|e| panic!("running {program}: {e}"));
        let log = std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default();
        assert!(out.status.success(), "{program} failed: {}{}\n{log}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.command("pg_ctl").args(["-D", data.to_str().unwrap(), "-m", "immediate", "-w", "stop"]).output();
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with initdb, pg_ctl and postgres.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin): &(u32, PathBuf)| ["initdb", "pg_ctl", "postgres"].iter().all(|b| bin.join(b).exists()))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
