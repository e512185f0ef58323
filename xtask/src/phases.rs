//! Each phase's wall time (and sccache's hits in it), printed as a table when xtask ends,
//! also when it fails: a slow phase is visible on every run.
use anyhow::Result;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::sccache::{self, Stats};

pub struct Phases {
    command: String,
    started: Instant,
    rows: Vec<(String, Duration, Option<Stats>)>,
    /// Set once setup has installed it; phases after that show their compiler-cache hits.
    pub sccache: Option<PathBuf>,
}

impl Phases {
    pub fn new(command: &str) -> Phases {
        Phases { command: command.to_string(), started: Instant::now(), rows: Vec::new(), sccache: None }
    }

    pub fn run<T>(&mut self, name: &str, phase: impl FnOnce() -> Result<T>) -> Result<T> {
        let before = sccache::stats(self.sccache.as_deref());
        let started = Instant::now();
        let result = phase();
        let elapsed = started.elapsed();
        let compiled = match (before, sccache::stats(self.sccache.as_deref())) {
            (Some(before), Some(after)) => Some(after.since(before)),
            _ => None,
        };
        let name = if result.is_ok() { name.to_string() } else { format!("{name} (failed)") };
        self.rows.push((name, elapsed, compiled));
        result
    }

    pub fn print(&self, succeeded: bool) {
        if self.rows.is_empty() {
            return;
        }
        let outcome = if succeeded { "done" } else { "failed" };
        eprintln!("\nxtask {}: {outcome} in {:.1} s", self.command, self.started.elapsed().as_secs_f64());
        eprintln!("  {:<46} {:>8}   {}", "phase", "seconds", "sccache (hits / misses / not cacheable)");
        for (name, elapsed, compiled) in &self.rows {
            let cache = match compiled {
                Some(s) if s.requests > 0 => format!("{} / {} / {}", s.hits, s.misses, s.not_cacheable),
                _ => String::new(),
            };
            eprintln!("  {name:<46} {:>8.1}   {cache}", elapsed.as_secs_f64());
        }
    }
}
