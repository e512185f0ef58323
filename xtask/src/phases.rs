//! Each phase's wall time (and sccache's hits in it), printed as a table when xtask ends,
//! also when it fails: a slow phase is visible on every run. Phases may run at the same time
//! on lanes (the validator's build, SBF and host builds); their sccache counts then overlap
//! and are shown only in the total.
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sccache::{self, Stats};

struct Row {
    name: String,
    lane: &'static str,
    elapsed: Duration,
    compiled: Option<Stats>,
}

pub struct Phases {
    command: String,
    started: Instant,
    rows: Mutex<Vec<Row>>,
    /// Phases running now, and whether each overlapped with another.
    running: Mutex<Vec<(u64, bool)>>,
    next_id: Mutex<u64>,
    /// Set once setup has installed it; phases after that show their compiler-cache hits.
    sccache: Mutex<Option<PathBuf>>,
    first_stats: Mutex<Option<Stats>>,
}

impl Phases {
    pub fn new(command: &str) -> Phases {
        Phases {
            command: command.to_string(),
            started: Instant::now(),
            rows: Mutex::new(Vec::new()),
            running: Mutex::new(Vec::new()),
            next_id: Mutex::new(0),
            sccache: Mutex::new(None),
            first_stats: Mutex::new(None),
        }
    }

    pub fn set_sccache(&self, sccache: Option<PathBuf>) {
        *self.sccache.lock().unwrap() = sccache;
    }

    fn sccache_stats(&self) -> Option<Stats> {
        sccache::stats(self.sccache.lock().unwrap().as_deref())
    }

    pub fn run<T>(&self, name: &str, phase: impl FnOnce() -> Result<T>) -> Result<T> {
        self.run_on("", name, phase)
    }

    /// A phase on a named lane (shown in the table), possibly concurrent with another lane's.
    pub fn run_on<T>(&self, lane: &'static str, name: &str, phase: impl FnOnce() -> Result<T>) -> Result<T> {
        let before = self.sccache_stats();
        if let Some(before) = before {
            self.first_stats.lock().unwrap().get_or_insert(before);
        }
        let id = {
            let mut next = self.next_id.lock().unwrap();
            *next += 1;
            *next
        };
        {
            let mut running = self.running.lock().unwrap();
            let overlapped = !running.is_empty();
            for other in running.iter_mut() {
                other.1 = true;
            }
            running.push((id, overlapped));
        }
        let started = Instant::now();
        let result = phase();
        let elapsed = started.elapsed();
        let overlapped = {
            let mut running = self.running.lock().unwrap();
            let position = running.iter().position(|(other, _)| *other == id).expect("a running phase");
            running.remove(position).1
        };
        let compiled = match (overlapped, before, self.sccache_stats()) {
            (false, Some(before), Some(after)) => Some(after.since(before)),
            _ => None,
        };
        let name = if result.is_ok() { name.to_string() } else { format!("{name} (failed)") };
        self.rows.lock().unwrap().push(Row { name, lane, elapsed, compiled });
        result
    }

    pub fn print(&self, succeeded: bool) {
        let rows = self.rows.lock().unwrap();
        if rows.is_empty() {
            return;
        }
        let outcome = if succeeded { "done" } else { "failed" };
        eprintln!("\nxtask {}: {outcome} in {:.1} s", self.command, self.started.elapsed().as_secs_f64());
        eprintln!("  {:<52} {:>8}   {}", "phase", "seconds", "sccache (hits / misses / not cacheable)");
        let cache = |s: &Stats| format!("{} / {} / {}", s.hits, s.misses, s.not_cacheable);
        for row in rows.iter() {
            let name = if row.lane.is_empty() { row.name.clone() } else { format!("[{}] {}", row.lane, row.name) };
            let stats = row.compiled.filter(|s| s.requests > 0).map(|s| cache(&s)).unwrap_or_default();
            eprintln!("  {name:<52} {:>8.1}   {stats}", row.elapsed.as_secs_f64());
        }
        let first = *self.first_stats.lock().unwrap();
        if let (Some(first), Some(now)) = (first, self.sccache_stats()) {
            let total = now.since(first);
            if total.requests > 0 {
                eprintln!("  {:<52} {:>8}   {}", "all compilations", "", cache(&total));
            }
        }
        if rows.iter().any(|r| !r.lane.is_empty()) {
            eprintln!("  (phases on different [lanes] run at the same time)");
        }
    }
}
