//! A reward oracle's indexer dies and comes back: the story is indexed part way, indexed again
//! (nothing doubles), then followed by an indexer process that is killed (SIGKILL) twice
//! while transactions keep landing, and restarted: every transaction and event is in the
//! index exactly once and every table equals the chain.

use civnet_indexer::Store;
use crate::common::*;
use std::time::Duration;

#[test]
fn a_killed_indexer_resumes_without_gaps_or_doubles() {
    let mut w = World::launch();
    w.first_part();

    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir, "index.db");
    let first = index_once(&w.url(), &db);
    let store = block_on(Store::open(&db)).unwrap();
    assert_accounts_match_chain(&w, &store);
    assert_events_match_chain(&w, &store);
    let before = dump(&store);
    assert_eq!(index_once(&w.url(), &db)["run"]["transactions"], 0);
    assert_eq!(dump(&store), before, "the same index run twice");

    // A follower runs while the story goes on; it is killed after burn 3 and after burn 8,
    // each time once it has caught some but not all of the stream.
    let transactions = || block_on(store.count("transactions")).unwrap();
    let url = w.url();
    let mut follower = Some(IndexerProcess::spawn(&url, &db, None));
    let mut at_kill = Vec::new();
    w.second_part(12, |n, _| {
        if n == 3 || n == 8 {
            let seen = at_kill.last().copied().unwrap_or(first["transactions"].as_u64().unwrap());
            wait_until("the follower to index new transactions", Duration::from_secs(60), || transactions() > seen);
            follower.take().expect("a running follower").kill();
            at_kill.push(transactions());
            if n == 3 {
                follower = Some(IndexerProcess::spawn(&url, &db, None));
            }
        }
    });
    assert!(follower.is_none());

    // Restarted: it picks up after the last committed slot.
    let resumed = index_once(&w.url(), &db);
    println!("kills at {at_kill:?} transactions; after restart {resumed:#}");
    let last = resumed["transactions"].as_u64().unwrap();
    assert!(at_kill.iter().all(|&n| n < last), "each kill left work behind: {at_kill:?} < {last}");
    assert!(resumed["run"]["transactions"].as_u64().unwrap() > 0, "the restart indexed what was missed");
    assert_accounts_match_chain(&w, &store);
    assert_events_match_chain(&w, &store);
}
