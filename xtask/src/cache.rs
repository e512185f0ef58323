//! Per-machine cache entries in the tools cache, for artefacts that depend only on pinned
//! inputs (the fixture programs, the validator). An entry is a directory named by a SHA-256
//! of every input (`Key`), so a changed input is a different entry. It is written under a
//! temporary name and renamed into place when complete, with a manifest of each file's
//! SHA-256; an entry whose files do not match its manifest is deleted and rebuilt, never used.
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const MANIFEST: &str = "civnet-cache-manifest.txt";

/// The inputs of one cache entry, hashed in order; `describe` lists them for the manifest.
pub struct Key {
    hasher: Sha256,
    described: String,
}

impl Key {
    pub fn new(kind: &str) -> Key {
        let mut key = Key { hasher: Sha256::new(), described: String::new() };
        key.text("kind", kind);
        key
    }

    pub fn text(&mut self, label: &str, value: &str) -> &mut Key {
        for part in [label.as_bytes(), value.as_bytes()] {
            self.hasher.update((part.len() as u64).to_le_bytes());
            self.hasher.update(part);
        }
        let shown = if value.len() > 120 { format!("{} bytes, sha256 {}", value.len(), sha256_hex(value.as_bytes())) } else { value.to_string() };
        self.described.push_str(&format!("# {label}: {shown}\n"));
        self
    }

    pub fn file(&mut self, label: &str, path: &Path) -> Result<&mut Key> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {} for a cache key", path.display()))?;
        self.text(label, &format!("{} bytes, sha256 {}", bytes.len(), sha256_hex(&bytes)));
        Ok(self)
    }

    /// The first 16 bytes of the hash, as hex: the entry's directory suffix.
    pub fn finish(&self) -> String {
        hex::encode(&self.hasher.clone().finalize()[..16])
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A complete, verified entry: `Some(dir)`; a partial or corrupt one is deleted: `None`.
pub fn lookup(dir: &Path) -> Option<PathBuf> {
    if !dir.exists() {
        return None;
    }
    match verify(dir) {
        Ok(()) => Some(dir.to_path_buf()),
        Err(problem) => {
            eprintln!("xtask: cache entry {} is unusable ({problem:#}); rebuilding it", dir.display());
            let _ = std::fs::remove_dir_all(dir);
            None
        }
    }
}

/// Every file listed in the manifest has its recorded size and SHA-256.
fn verify(dir: &Path) -> Result<()> {
    let manifest = std::fs::read_to_string(dir.join(MANIFEST)).context("no manifest")?;
    let mut files = 0;
    for line in manifest.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut parts = line.splitn(2, "  ");
        let (Some(expected), Some(name)) = (parts.next(), parts.next()) else { bail!("bad manifest line {line:?}") };
        let bytes = std::fs::read(dir.join(name)).with_context(|| format!("{name} is missing"))?;
        if sha256_hex(&bytes) != expected {
            bail!("{name} does not match its checksum");
        }
        files += 1;
    }
    if files == 0 {
        bail!("empty manifest");
    }
    Ok(())
}

/// Installs `files` (name in the entry, source path) as the entry `dir`, atomically.
pub fn store(dir: &Path, key: &Key, files: &[(String, PathBuf)]) -> Result<()> {
    let staging = staging_dir(dir);
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    let mut manifest = format!("# civnet tools cache entry, written by xtask\n{}", key.described);
    for (name, source) in files {
        let bytes = std::fs::read(source).with_context(|| format!("reading {}", source.display()))?;
        let target = staging.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, &bytes)?;
        manifest.push_str(&format!("{}  {name}\n", sha256_hex(&bytes)));
    }
    std::fs::write(staging.join(MANIFEST), manifest)?;
    publish(&staging, dir)
}

/// Seals a directory that a tool filled (e.g. `cargo install --root staging`): checksums every
/// file under it into the manifest, then renames it to `dir`.
pub fn seal(staging: &Path, dir: &Path, key: &Key) -> Result<()> {
    let mut manifest = format!("# civnet tools cache entry, written by xtask\n{}", key.described);
    let mut stack = vec![staging.to_path_buf()];
    let mut names = Vec::new();
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                names.push(path.strip_prefix(staging)?.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    for name in names {
        manifest.push_str(&format!("{}  {name}\n", sha256_hex(&std::fs::read(staging.join(&name))?)));
    }
    std::fs::write(staging.join(MANIFEST), manifest)?;
    publish(staging, dir)
}

/// Where an entry is assembled before it is renamed into place (same filesystem).
pub fn staging_dir(dir: &Path) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dir.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

fn publish(staging: &Path, dir: &Path) -> Result<()> {
    // Another process may have published the same entry meanwhile: same inputs, same bytes.
    if lookup(dir).is_some() {
        let _ = std::fs::remove_dir_all(staging);
        return Ok(());
    }
    std::fs::rename(staging, dir).with_context(|| format!("moving {} to {}", staging.display(), dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf, Key) {
        let dir = tempfile::tempdir().unwrap();
        let mut key = Key::new("test");
        key.text("input", "a");
        let entry = dir.path().join(format!("entry-{}", key.finish()));
        let mut sources = Vec::new();
        for (name, bytes) in files {
            let source = dir.path().join(format!("src-{name}"));
            std::fs::write(&source, bytes).unwrap();
            sources.push((name.to_string(), source));
        }
        store(&entry, &key, &sources).unwrap();
        (dir, entry, key)
    }

    #[test]
    fn a_stored_entry_is_found_with_its_files() {
        let (_dir, entry, _) = entry_with(&[("a.so", b"program a"), ("b.so", b"program b")]);
        assert_eq!(lookup(&entry), Some(entry.clone()));
        assert_eq!(std::fs::read(entry.join("b.so")).unwrap(), b"program b");
        let manifest = std::fs::read_to_string(entry.join(MANIFEST)).unwrap();
        assert!(manifest.contains("# input: a"), "the manifest lists the key's inputs: {manifest}");
    }

    #[test]
    fn a_corrupt_or_partial_entry_is_deleted_not_used() {
        let (_dir, entry, _) = entry_with(&[("a.so", b"program a")]);
        std::fs::write(entry.join("a.so"), b"program A").unwrap();
        assert_eq!(lookup(&entry), None, "a file that does not match its checksum");
        assert!(!entry.exists(), "the corrupt entry is removed so it is rebuilt");

        let (_dir, entry, _) = entry_with(&[("a.so", b"program a")]);
        std::fs::remove_file(entry.join("a.so")).unwrap();
        assert_eq!(lookup(&entry), None, "a missing file");

        let (_dir, entry, _) = entry_with(&[("a.so", b"program a")]);
        std::fs::remove_file(entry.join(MANIFEST)).unwrap();
        assert_eq!(lookup(&entry), None, "no manifest: an entry whose writer died before sealing it");
    }

    #[test]
    fn every_input_changes_the_key() {
        let base = || {
            let mut key = Key::new("fixtures");
            key.text("lockfile", "1").text("toolchain", "nightly-1");
            key
        };
        let mut other_lock = Key::new("fixtures");
        other_lock.text("lockfile", "2").text("toolchain", "nightly-1");
        let mut other_toolchain = Key::new("fixtures");
        other_toolchain.text("lockfile", "1").text("toolchain", "nightly-2");
        // Length-prefixed parts: moving bytes between label and value is a different key.
        let mut shifted = Key::new("fixtures");
        shifted.text("lockfile1", "").text("toolchain", "nightly-1");
        assert_eq!(base().finish(), base().finish());
        for other in [other_lock, other_toolchain, shifted] {
            assert_ne!(base().finish(), other.finish());
        }
    }

    #[test]
    fn a_sealed_directory_is_checked_like_a_stored_one() {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join("staging");
        std::fs::create_dir_all(staging.join("bin")).unwrap();
        std::fs::write(staging.join("bin/tool"), b"binary").unwrap();
        let entry = dir.path().join("tool-entry");
        seal(&staging, &entry, &Key::new("tool")).unwrap();
        assert!(!staging.exists());
        assert_eq!(lookup(&entry), Some(entry.clone()));
        std::fs::write(entry.join("bin/tool"), b"truncat").unwrap();
        assert_eq!(lookup(&entry), None);
    }
}
