//! The indexer's stories in one test binary (one link); each file `tests/<story>.rs` is a
//! module listed below, sharing `tests/common/mod.rs` as `crate::common`, and
//! `every_story_file_is_listed` fails naming one that is missing.
//! One story: `cargo xtask test -p civnet-indexer -- postgres_holds_the_same_index_as_sqlite`.

#[path = "../common/mod.rs"]
mod common;

#[test]
fn every_story_file_is_listed() {
    let tests_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    civnet_harness::assert_every_story_file_is_listed(&tests_dir, include_str!("main.rs"));
}

#[path = "../a_killed_indexer_resumes_without_gaps_or_doubles.rs"]
mod a_killed_indexer_resumes_without_gaps_or_doubles;
#[path = "../an_explorer_indexes_the_network_and_reads_it_over_http.rs"]
mod an_explorer_indexes_the_network_and_reads_it_over_http;
#[path = "../das_follows_plain_bubblegum_transfers_and_burns.rs"]
mod das_follows_plain_bubblegum_transfers_and_burns;
#[path = "../every_route_answers_from_the_index.rs"]
mod every_route_answers_from_the_index;
#[path = "../indexing_throughput.rs"]
mod indexing_throughput;
#[path = "../postgres_holds_the_same_index_as_sqlite.rs"]
mod postgres_holds_the_same_index_as_sqlite;
