//! Every story of the `civnet-tests` crate in one test binary: litesvm, the client and the
//! programs are linked once instead of once per story file.
//!
//! A story is a file `tests/<story>.rs`, listed below as a module (keep the list sorted);
//! `every_story_file_is_listed` fails naming a file that is missing here.
//! One story: `cargo xtask test -- wallet_onboards_device` (a filter on the test path, which
//! starts with the module name); one test: `cargo xtask test -- wallet_onboards_device::<name>`.

#[test]
fn every_story_file_is_listed() {
    let tests_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    civnet_harness::assert_every_story_file_is_listed(tests_dir, include_str!("main.rs"));
}

#[path = "../attacks_data_credits.rs"]
mod attacks_data_credits;
#[path = "../attacks_device_registry.rs"]
mod attacks_device_registry;
#[path = "../attacks_emissions.rs"]
mod attacks_emissions;
#[path = "../bubblegum_fixture.rs"]
mod bubblegum_fixture;
#[path = "../customer_buys_and_burns_dc.rs"]
mod customer_buys_and_burns_dc;
#[path = "../device_lifecycle.rs"]
mod device_lifecycle;
#[path = "../epoch_closes_and_owners_claim.rs"]
mod epoch_closes_and_owners_claim;
#[path = "../every_named_error_is_asserted.rs"]
mod every_named_error_is_asserted;
#[path = "../issuance_properties.rs"]
mod issuance_properties;
#[path = "../lookup_tables_stay_apart.rs"]
mod lookup_tables_stay_apart;
#[path = "../pipeline_is_real.rs"]
mod pipeline_is_real;
#[path = "../security_review.rs"]
mod security_review;
#[path = "../signed_ahead_transactions.rs"]
mod signed_ahead_transactions;
#[path = "../wallet_onboards_device.rs"]
mod wallet_onboards_device;
