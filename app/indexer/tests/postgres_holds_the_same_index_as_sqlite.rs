//! A wallet backend runs the index on PostgreSQL: a real server (the Debian package's
//! binaries, started on a temporary data directory) takes the migrations, the story indexed
//! part way, a follower killed mid-stream and a restart; every table equals the chain, and
//! row for row the same chain indexed into SQLite. Skipped, saying so, only where no
//! PostgreSQL server binaries are installed.

use civnet_indexer::Store;
use crate::common::*;
use std::time::Duration;

#[test]
fn postgres_holds_the_same_index_as_sqlite() {
    let Some(postgres) = Postgres::start() else { return };
    let mut w = World::launch();
    w.first_part();

    index_once(&w.url(), &postgres.url);
    let pg = block_on(Store::open(&postgres.url)).unwrap();
    assert_eq!(pg.backend, civnet_indexer::store::Backend::Postgres);
    assert_accounts_match_chain(&w, &pg);
    assert_events_match_chain(&w, &pg);
    let before = dump(&pg);
    assert_eq!(index_once(&w.url(), &postgres.url)["run"]["transactions"], 0);
    assert_eq!(dump(&pg), before, "the same index run twice");

    let url = w.url();
    let seen = block_on(pg.count("transactions")).unwrap();
    let mut follower = Some(IndexerProcess::spawn(&url, &postgres.url, None));
    w.second_part(6, |n, _| {
        if n == 3 {
            wait_until("the follower to index new transactions", Duration::from_secs(60), || block_on(pg.count("transactions")).unwrap() > seen);
            follower.take().unwrap().kill();
        }
    });
    let resumed = index_once(&url, &postgres.url);
    assert!(resumed["run"]["transactions"].as_u64().unwrap() > 0, "the restart indexed what was missed");
    assert_accounts_match_chain(&w, &pg);
    assert_events_match_chain(&w, &pg);

    let dir = tempfile::tempdir().unwrap();
    let sqlite_db = sqlite_url(&dir, "index.db");
    index_once(&url, &sqlite_db);
    let sqlite = block_on(Store::open(&sqlite_db)).unwrap();
    let (pg_rows, sqlite_rows) = (dump(&pg), dump(&sqlite));
    for (table, rows) in &pg_rows {
        assert_eq!(rows, &sqlite_rows[table], "table {table} differs between PostgreSQL and SQLite");
    }
}
