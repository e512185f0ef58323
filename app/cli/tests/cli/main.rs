//! The CLI's integration tests in one test binary (one link); each file `tests/<story>.rs` is
//! a module listed below, and `every_story_file_is_listed` fails naming one that is missing.
//! One story: `cargo xtask test -p civnet-cli -- cli_end_to_end`.

#[test]
fn every_story_file_is_listed() {
    let tests_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    civnet_harness::assert_every_story_file_is_listed(&tests_dir, include_str!("main.rs"));
}

#[path = "../a_new_user_gets_started.rs"]
mod a_new_user_gets_started;
#[path = "../cli_end_to_end.rs"]
mod cli_end_to_end;
#[path = "../compute_unit_budget.rs"]
mod compute_unit_budget;
#[path = "../web_app_in_chromium.rs"]
mod web_app_in_chromium;
