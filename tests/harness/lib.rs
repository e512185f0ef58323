//! civnet's one test harness. The engines (litesvm [`Chain`] with the real SBF programs,
//! [`TestValidator`] over RPC), instruction builders and bootstrap steps are the client
//! crate's (`civnet-client`, the same code the CLI runs); the harness adds the story
//! openings tests share. Tests never copy setup code: what two tests need lives here or in
//! the client crate.

pub mod postgres;
pub mod stories;

pub use civnet_client::{
    anchor_ix, bubblegum, cluster, dc, deploy, errors, event_authority, features, network, pda, programs, registry, rpc, scenario, svm, tokens, validator,
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

/// The seed CI runs every property test with, unless `PROPTEST_RNG_SEED` says otherwise
/// (.ci/run exports it too; civnet-common's unit tests use the same seed and rule in
/// crates/common/src/proptest_seed.rs).
pub const CI_PROPTEST_SEED: u64 = 20_261_201;

/// The config of a story's property test running `cases` cases, with a known seed so that a
/// failure can be replayed:
/// - `PROPTEST_RNG_SEED=<n>` set: that seed (replay a failure with the seed it printed);
/// - else, `CI` set: [`CI_PROPTEST_SEED`], so CI runs the same cases every time;
/// - else: a fresh random seed.
///
/// The seed is printed (`cargo test` shows it with a failing test's output):
/// `PROPTEST_RNG_SEED=<n> cargo xtask test -- <test name>` reruns the same cases.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let seed = match std::env::var("PROPTEST_RNG_SEED") {
        Ok(value) => value.parse::<u64>().unwrap_or_else(|_| panic!("PROPTEST_RNG_SEED={value:?} is not a u64")),
        Err(_) if std::env::var_os("CI").is_some() => CI_PROPTEST_SEED,
        Err(_) => {
            use std::hash::{BuildHasher, Hasher};
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
            hasher.finish()
        }
    };
    println!("proptest seed {seed}: replay with PROPTEST_RNG_SEED={seed}");
    Config { cases, rng_seed: RngSeed::Fixed(seed), ..Config::default() }
}
