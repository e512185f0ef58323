//! The oracle's stories in one test binary (one link); each file `tests/<story>.rs` is a
//! module listed below, sharing `tests/common/mod.rs` as `crate::common`.
//! One story: `cargo test -p civnet-oracle -- attacks_oracle`.

#[path = "../common/mod.rs"]
mod common;

#[test]
fn every_story_file_is_listed() {
    let tests_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    civnet_harness::assert_every_story_file_is_listed(&tests_dir, include_str!("main.rs"));
}

#[path = "../a_killed_oracle_pays_each_epoch_once.rs"]
mod a_killed_oracle_pays_each_epoch_once;
#[path = "../an_owner_claims_what_the_oracle_computed.rs"]
mod an_owner_claims_what_the_oracle_computed;
#[path = "../attacks_oracle.rs"]
mod attacks_oracle;
#[path = "../devices_earn_for_coverage_and_data.rs"]
mod devices_earn_for_coverage_and_data;
