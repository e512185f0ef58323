//! civnet's one test harness. The engines (litesvm [`Chain`] with the real SBF programs,
//! [`TestValidator`] over RPC), instruction builders and bootstrap steps are the client
//! crate's (`civnet-client`, the same code the CLI runs); the harness adds the story
//! openings tests share. Tests never copy setup code: what two tests need lives here or in
//! the client crate.

pub mod postgres;
pub mod stories;

pub use civnet_client::{
    anchor_ix, bubblegum, cluster, dc, deploy, errors, event_authority, features, lookup, network, pda, programs, registry, rpc, scenario, svm, tokens, validator,
};
pub use civnet_client::{Chain, Cluster, Keypair, Pubkey, Signer, TestValidator, TxFailure, TxSuccess};

/// Each crate's integration tests are one test binary (`tests/<binary>/main.rs`) whose
/// modules are the story files `tests/*.rs`: one link instead of one per file. A story file
/// runs only once `main.rs` lists it (`#[path = "../<story>.rs"] mod <story>;`), so each such
/// binary has a test calling this, which fails naming every story file `main.rs` leaves out.
pub fn assert_every_story_file_is_listed(tests_dir: &std::path::Path, main_rs: &str) {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(tests_dir).expect("reading the tests directory") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let story = path.file_stem().unwrap().to_string_lossy().into_owned();
            let listed = format!("#[path = \"../{story}.rs\"]\nmod {story};");
            if !main_rs.contains(&listed) {
                missing.push(format!("{listed}\n"));
            }
        }
    }
    assert!(missing.is_empty(), "story files that no test binary runs; add to {}/<binary>/main.rs:\n{}", tests_dir.display(), missing.concat());
}

// The seed rule of every property test (fixed under CI, printed always): one file, shared
// with civnet-common's unit tests.
#[path = "../../crates/common/src/proptest_seed.rs"]
mod proptest_seed;
pub use proptest_seed::{config as proptest_config, CI_SEED as CI_PROPTEST_SEED};
