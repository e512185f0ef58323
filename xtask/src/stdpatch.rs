//! A patched copy of the nightly's std/core sources for our `os = "solana"` BPF target.
//!
//! Each edit is anchored on exact upstream text and asserts how often that text occurs, so a
//! moved std fails loudly instead of building something else. The edits only add
//! `target_os = "solana"` to std's existing "unsupported / no threads" fallbacks, route panics
//! to the Solana syscalls, and avoid writable statics and >4 KiB stack frames (SBPF has neither).
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

use crate::paths;
use crate::toolchain::{nightly_sysroot, rust_src};

struct Edit {
    file: &'static str,
    anchor: &'static str,
    replacement: &'static str,
    /// How many times `anchor` must occur (all are replaced).
    occurrences: usize,
}

const EDITS: &[Edit] = &[
    // bpf is a 64-bit arch: 16-byte minimum allocation alignment like its peers.
    Edit {
        file: "std/src/sys/alloc/mod.rs",
        anchor: "    target_arch = \"wasm64\",\n",
        replacement: "    target_arch = \"wasm64\",\n    target_arch = \"bpf\",\n",
        occurrences: 1,
    },
    // The System allocator is never used: programs install their own #[global_allocator].
    Edit {
        file: "std/src/sys/alloc/mod.rs",
        anchor: "    target_os = \"zkvm\" => {\n        mod zkvm;\n        use zkvm as imp;\n    }\n}",
        replacement: "    target_os = \"zkvm\" => {\n        mod zkvm;\n        use zkvm as imp;\n    }\n    target_os = \"solana\" => {\n        mod imp {\n            use crate::alloc::Layout;\n            #[inline] pub unsafe fn alloc(_l: Layout) -> *mut u8 { crate::ptr::null_mut() }\n            #[inline] pub unsafe fn alloc_zeroed(_l: Layout) -> *mut u8 { crate::ptr::null_mut() }\n            #[inline] pub unsafe fn dealloc(_p: *mut u8, _l: Layout) {}\n            #[inline] pub unsafe fn realloc(_p: *mut u8, _l: Layout, _n: usize) -> *mut u8 { crate::ptr::null_mut() }\n        }\n    }\n}",
        occurrences: 1,
    },
    Edit {
        file: "std/src/sys/io/error/mod.rs",
        anchor: "target_os = \"zkvm\", target_os = \"trusty\")",
        replacement: "target_os = \"zkvm\", target_os = \"trusty\", target_os = \"solana\")",
        occurrences: 1,
    },
    Edit {
        file: "std/src/sys/thread_local/mod.rs",
        anchor: "        target_os = \"vexos\",\n",
        replacement: "        target_os = \"vexos\",\n        target_os = \"solana\",\n",
        occurrences: 2,
    },
    Edit {
        file: "std/src/sys/random/mod.rs",
        anchor: "    target_os = \"vexos\",\n",
        replacement: "    target_os = \"vexos\",\n    target_os = \"solana\",\n",
        occurrences: 2,
    },
    // Panics: std's panic counters and hook are writable statics. Log "panicked at
    // <location>: <message>" from a stack buffer, then the `abort` syscall. (Solana's std
    // fork calls the program's `custom_panic` instead; a program built with `no-entrypoint`
    // as another program's dependency has none, and its throwaway cdylib would not link.)
    Edit {
        file: "std/src/panicking.rs",
        anchor: "#[cfg(not(any(test, doctest)))]\n#[panic_handler]\npub(crate) fn panic_handler(",
        replacement: r#"#[cfg(all(not(any(test, doctest)), target_os = "solana"))]
#[panic_handler]
pub(crate) fn panic_handler(info: &core::panic::PanicInfo<'_>) -> ! {
    struct StackWriter { buf: [u8; 256], len: usize }
    impl core::fmt::Write for StackWriter {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let n = s.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }
    unsafe extern "C" { fn sol_log_(m: *const u8, l: u64); fn abort() -> !; }
    let mut writer = StackWriter { buf: [0; 256], len: 0 };
    let _ = core::fmt::write(&mut writer, format_args!("{info}"));
    unsafe { sol_log_(writer.buf.as_ptr(), writer.len as u64); abort() }
}

#[cfg(not(any(test, doctest, target_os = "solana")))]
#[panic_handler]
pub(crate) fn panic_handler_upstream("#,
        occurrences: 1,
    },
    Edit {
        file: "std/src/panicking.rs",
        anchor: "    force_no_backtrace: bool,\n) -> ! {\n    let must_abort = panic_count::increase(true);\n",
        replacement: "    force_no_backtrace: bool,\n) -> ! {\n    #[cfg(target_os = \"solana\")]\n    {\n        unsafe extern \"C\" { fn sol_panic_(f: *const u8, l: u64, line: u64, col: u64) -> !; }\n        let _ = (payload, can_unwind, force_no_backtrace);\n        unsafe { sol_panic_(location.file().as_ptr(), location.file().len() as u64, location.line() as u64, location.column() as u64) }\n    }\n    #[allow(unreachable_code)]\n    let must_abort = panic_count::increase(true);\n",
        occurrences: 1,
    },
    Edit {
        file: "std/src/alloc.rs",
        anchor: "pub fn rust_oom(layout: Layout) -> ! {\n",
        replacement: "pub fn rust_oom(layout: Layout) -> ! {\n    #[cfg(target_os = \"solana\")]\n    {\n        unsafe extern \"C\" { fn sol_log_(m: *const u8, l: u64); fn abort() -> !; }\n        let _ = layout;\n        let m = \"Error: memory allocation failed, out of memory\";\n        unsafe { sol_log_(m.as_ptr(), m.len() as u64); abort() }\n    }\n    #[allow(unreachable_code)]\n",
        occurrences: 1,
    },
    // RandomState's per-thread KEYS is a writable static: fixed keys, as Solana's std fork
    // does (Bubblegum's mint_v1 builds a HashSet).
    Edit {
        file: "std/src/hash/random.rs",
        anchor: "    pub fn new() -> RandomState {\n",
        replacement: "    pub fn new() -> RandomState {\n        #[cfg(target_os = \"solana\")]\n        {\n            return RandomState { k0: 0, k1: 0 };\n        }\n        #[allow(unreachable_code)]\n",
        occurrences: 1,
    },
    // The stable sort's 4 KiB stack scratch buffer cannot fit into a 4 KiB SBPF frame.
    Edit {
        file: "core/src/slice/sort/stable/mod.rs",
        anchor: "AlignedStorage::<T, 4096>::new()",
        replacement: "AlignedStorage::<T, STACK_SCRATCH_BYTES>::new()",
        occurrences: 2,
    },
    Edit {
        file: "core/src/slice/sort/stable/mod.rs",
        anchor: "#[repr(C)]\nstruct AlignedStorage<T, const N: usize> {",
        replacement: "// SBPF frames are 4 KiB: a small stack scratch buffer, then the heap.\n#[cfg(target_arch = \"bpf\")]\nconst STACK_SCRATCH_BYTES: usize = 256;\n#[cfg(not(target_arch = \"bpf\"))]\nconst STACK_SCRATCH_BYTES: usize = 4096;\n\n#[repr(C)]\nstruct AlignedStorage<T, const N: usize> {",
        occurrences: 1,
    },
];

/// FNV-1a over the edits: a new edit set gets a new cache directory.
fn edits_fingerprint() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for edit in EDITS {
        for part in [edit.file, edit.anchor, edit.replacement] {
            for byte in part.bytes().chain([0]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    hash
}

/// Returns `library/` of the patched copy, creating it on first use.
pub fn patched_std() -> Result<PathBuf> {
    let dir = paths::sbf_tools_dir().join(format!("rust-src-patched-{:016x}", edits_fingerprint()));
    let library = dir.join("library");
    if library.join("std/src/lib.rs").exists() {
        return Ok(library);
    }
    let upstream = rust_src(&nightly_sysroot()?);
    let staging = dir.with_extension("tmp");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    eprintln!("xtask: patching std for os=solana into {}", dir.display());
    crate::run(Command::new("cp").arg("-r").arg(upstream.join("library")).arg(&staging))?;
    for edit in EDITS {
        let path = staging.join("library").join(edit.file);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let found = text.matches(edit.anchor).count();
        if found != edit.occurrences {
            bail!(
                "std patch no longer applies: {} has {found} occurrence(s) of {:?}, expected {} (is {} still the pinned nightly?)",
                edit.file, edit.anchor, edit.occurrences, paths::SBF_NIGHTLY
            );
        }
        std::fs::write(&path, text.replace(edit.anchor, edit.replacement))?;
    }
    std::fs::rename(&staging, &dir)?;
    Ok(library)
}
