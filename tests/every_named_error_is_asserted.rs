//! The rule of issue #17, kept for the future: every error a civnet program can name is
//! reached by some test that asserts it by name. For each variant of the `#[error_code]` enum
//! in programs/*/src/errors.rs (emissions, data_credits, device_registry), some test source (under
//! tests/ or app/*/tests/, comments left out) must say `<Enum>::<Variant>`, as
//! `.assert_anchor_error(<Enum>::<Variant>)` does. A variant no test reaches is either a
//! missing test or dead code: write the test, or delete the variant and its check.
use std::path::{Path, PathBuf};

/// `(enum name, variants)` of the `#[error_code]` enum in an errors.rs.
fn error_enum(source: &str) -> (String, Vec<String>) {
    let after = source.split("#[error_code]").nth(1).expect("an #[error_code] enum");
    let header = after.split('{').next().unwrap();
    let name = header.split_whitespace().skip_while(|w| *w != "enum").nth(1).expect("enum name").to_string();
    let body = after.split_once('{').unwrap().1.split_once('}').expect("the enum's closing brace").0;
    let variants = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .map(|l| l.trim_end_matches(',').to_string())
        .collect::<Vec<_>>();
    for v in &variants {
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "unexpected line in {name}: {v:?}");
    }
    (name, variants)
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The test sources with `//` comments removed (a mention in a comment asserts nothing).
fn test_sources(workspace: &Path) -> String {
    let mut files = Vec::new();
    rust_files(&workspace.join("tests"), &mut files);
    for app in std::fs::read_dir(workspace.join("app")).expect("app/") {
        rust_files(&app.expect("an app entry").path().join("tests"), &mut files);
    }
    let this_file = Path::new(file!()).file_name().unwrap();
    files
        .iter()
        .filter(|f| f.file_name() != Some(this_file))
        .map(|f| std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .flat_map(|source| source.lines().map(|l| l.split("//").next().unwrap().to_string()).collect::<Vec<_>>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `needle` followed by something that cannot continue an identifier.
fn mentions(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| !haystack[at + needle.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

#[test]
fn every_program_error_is_asserted_by_some_test() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
    let sources = test_sources(workspace);
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut programs: Vec<String> = std::fs::read_dir(workspace.join("programs"))
        .expect("programs/")
        .map(|e| e.expect("a programs/ entry").file_name().to_string_lossy().into_owned())
        .filter(|name| workspace.join("programs").join(name).join("src/errors.rs").exists())
        .collect();
    programs.sort();
    assert_eq!(programs, ["data_credits", "device_registry", "emissions"], "a new program's errors need tests too: extend this list");
    for program in programs {
        let path = workspace.join("programs").join(&program).join("src/errors.rs");
        let (name, variants) = error_enum(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
        assert!(!variants.is_empty(), "{}: no variants parsed", path.display());
        for variant in variants {
            checked += 1;
            let named = format!("{name}::{variant}");
            if !mentions(&sources, &named) {
                missing.push(named);
            }
        }
    }
    assert!(checked > 60, "only {checked} variants parsed: is the parser still right?");
    assert!(missing.is_empty(), "program errors no test asserts by name (write the test, or delete the dead variant):\n{}", missing.join("\n"));
}

#[test]
fn the_parser_reads_an_error_code_enum() {
    let source = "use x;\n#[error_code]\npub enum SomeError {\n    #[msg(\"a, b\")]\n    First,\n    // note\n    #[msg(\"c\")]\n    Second,\n}\nimpl From<u8> for SomeError { }\n";
    assert_eq!(error_enum(source), ("SomeError".to_string(), vec!["First".to_string(), "Second".to_string()]));
    assert!(mentions("x(SomeError::First)", "SomeError::First"));
    assert!(!mentions("x(SomeError::FirstOther)", "SomeError::First"));
}
