//! The database: SQLite (a file, zero setup) or PostgreSQL, chosen by URL, behind sqlx's Any
//! driver so every statement is written once. Rows are written by generic upserts built from
//! [`Row`]s; reads come back as JSON through [`crate::schema::column_json`].
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Column, Row as _};
use std::collections::HashSet;

use crate::rows::{Row, Val};
use crate::schema::{self, ACCOUNT_TABLES, EVENT_TABLES};

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// On disk when the commit returns (SQLite's default for WAL: the log synced at each
    /// commit): services.
    Durable,
    /// A database thrown away after the run (the demo's): SQLite does not wait for the disk
    /// at commits; a crash of the process still loses nothing committed, a crash of the
    /// machine may. No effect on PostgreSQL.
    Scratch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// Binds per multi-row INSERT on PostgreSQL (within its bind-parameter limit; SQLite's rows
/// are one JSON parameter, see [`Store::json_insert`]).
const MAX_BINDS_PER_STATEMENT: usize = 1_000;
/// Rows per statement: SQLite's all go in one JSON parameter ([`Store::json_insert`]).
const MAX_ROWS_PER_STATEMENT: usize = 500;
/// Each SQLite connection's page cache: 64 MiB (SQLite's default is 2 MiB, which at 100,000
/// devices sends most B-tree pages of an insert through a `pread`).
const SQLITE_CONNECTION_PRAGMAS: &str = "PRAGMA cache_size = -65536";

impl Store {
    /// Connects (creating a missing SQLite file) and runs pending migrations.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, Durability::Durable).await
    }

    /// [`Store::open`], saying how durable a commit must be.
    pub async fn open_with(url: &str, durability: Durability) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            // sqlx opens an existing SQLite file only, unless told "rwc".
            let url = if url.contains("mode=") { url.to_string() } else { format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' }) };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else {
            bail!("--database must be a sqlite:// or postgres:// URL, not {url:?}");
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::Executor::execute(&mut *conn, SQLITE_CONNECTION_PRAGMAS).await?;
                        if durability == Durability::Scratch {
                            sqlx::Executor::execute(&mut *conn, "PRAGMA synchronous = OFF").await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("connecting to {}", redact(&url)))?;
        if backend == Backend::Sqlite {
            // WAL: the API reads while the follower writes. A property of the file, set once.
            sqlx::query("PRAGMA journal_mode=WAL").execute(&pool).await.context("enabling WAL")?;
        }
        schema::migrator().run(&pool).await.context("running the index's migrations")?;
        schema::check_versions(&pool).await?;
        Ok(Self { pool, backend })
    }

    /// How many rows of `columns` values one multi-row statement on `conn` takes: on SQLite,
    /// where they are one JSON parameter ([`Store::json_insert`]), [`MAX_ROWS_PER_STATEMENT`];
    /// elsewhere within the backend's bind limit.
    pub fn rows_per_statement(conn: &AnyConnection, columns: usize) -> usize {
        if conn.backend_name() == "SQLite" {
            MAX_ROWS_PER_STATEMENT
        } else {
            (MAX_BINDS_PER_STATEMENT / columns.max(1)).clamp(1, MAX_ROWS_PER_STATEMENT)
        }
    }

    /// SQLite's multi-row insert: `into` (`INSERT INTO t (a, b, ...)`) of rows of `columns`
    /// values bound as one JSON array of arrays, then `ON CONFLICT ...` (`conflict`). One
    /// parameter: SQLite finds a bound value by scanning the statement's parameter names, so
    /// many binds cost quadratically, and each statement is a round trip to sqlx's worker.
    pub fn json_insert(into: &str, columns: usize, conflict: &str) -> String {
        let selected: Vec<String> = (0..columns).map(|c| format!("value->>{c}")).collect();
        format!("{into} SELECT {} FROM json_each($1) WHERE true {conflict}", selected.join(", "))
    }

    /// Writes `rows` (same table, same columns) as multi-row `INSERT ... ON CONFLICT`:
    /// with `update`, the non-key columns of existing rows are overwritten (upsert); without,
    /// existing rows are left alone. Returns the number of rows inserted or changed.
    pub async fn write(conn: &mut AnyConnection, rows: &[Row], update: bool) -> Result<u64> {
        let Some(first) = rows.first() else { return Ok(0) };
        let columns: Vec<&str> = first.cols.iter().map(|(c, _)| *c).collect();
        for row in rows {
            if row.table != first.table || row.cols.len() != columns.len() || row.cols.iter().zip(&columns).any(|((c, _), want)| c != want) {
                bail!("rows written together must share table and columns ({} vs {})", row.table, first.table);
            }
        }
        let updates: Vec<String> = columns.iter().filter(|c| !first.key.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
        let conflict = if update && !updates.is_empty() { format!("DO UPDATE SET {}", updates.join(", ")) } else { "DO NOTHING".to_string() };
        let mut changed = 0;
        let per_statement = Self::rows_per_statement(conn, columns.len());
        if conn.backend_name() == "SQLite" {
            let into = format!("INSERT INTO {} ({})", first.table, columns.join(", "));
            let sql = Self::json_insert(&into, columns.len(), &format!("ON CONFLICT ({}) {conflict}", first.key.join(", ")));
            for chunk in rows.chunks(per_statement) {
                let json: Vec<Vec<Value>> = chunk
                    .iter()
                    .map(|row| {
                        row.cols
                            .iter()
                            .map(|(_, v)| match v {
                                Val::Text(t) => t.as_deref().map_or(Value::Null, |t| Value::String(t.to_string())),
                                Val::Int(i) => i.map_or(Value::Null, Value::from),
                            })
                            .collect()
                    })
                    .collect();
                let json = serde_json::to_string(&json)?;
                changed += sqlx::query(&sql).bind(json).execute(&mut *conn).await.with_context(|| format!("writing {}", first.table))?.rows_affected();
            }
            return Ok(changed);
        }
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!("INSERT INTO {} ({}) VALUES ", first.table, columns.join(", "));
            let mut n = 0;
            for (i, _) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for j in 0..columns.len() {
                    n += 1;
                    sql.push_str(if j > 0 { ", $" } else { "$" });
                    sql.push_str(&n.to_string());
                }
                sql.push(')');
            }
            sql.push_str(&format!(" ON CONFLICT ({}) {conflict}", first.key.join(", ")));
            let values: Vec<&Val> = chunk.iter().flat_map(|r| r.cols.iter().map(|(_, v)| v)).collect();
            changed += bind(sqlx::query(&sql), &values).execute(&mut *conn).await.with_context(|| format!("writing {}", first.table))?.rows_affected();
        }
        Ok(changed)
    }

    /// Which of `signatures` the `transactions` table holds already.
    pub async fn existing_transactions(conn: &mut AnyConnection, signatures: &[String]) -> Result<HashSet<String>> {
        let mut found = HashSet::new();
        for chunk in signatures.chunks(MAX_ROWS_PER_STATEMENT) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT signature FROM transactions WHERE signature IN ({})", marks.join(", "));
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for signature in chunk {
                query = query.bind(signature);
            }
            found.extend(query.fetch_all(&mut *conn).await?);
        }
        Ok(found)
    }

    /// Removes `address` from every account table (its account was closed).
    pub async fn delete_account(conn: &mut AnyConnection, address: &str) -> Result<()> {
        for table in ACCOUNT_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE address = $1")).bind(address).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Makes account table `table` hold exactly `rows`: upserts them and deletes addresses
    /// that are not among them (closed accounts), in one database transaction.
    pub async fn replace_accounts(&self, table: &str, rows: &[Row]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::write(&mut tx, rows, true).await?;
        let keep: HashSet<&str> = rows.iter().filter_map(|r| match r.get("address") {
            Some(Val::Text(Some(a))) => Some(a.as_str()),
            _ => None,
        }).collect();
        let stored: Vec<String> = sqlx::query_scalar(&format!("SELECT address FROM {table}")).fetch_all(&mut *tx).await?;
        for address in stored.iter().filter(|a| !keep.contains(a.as_str())) {
            sqlx::query(&format!("DELETE FROM {table} WHERE address = $1")).bind(address).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Upserts one page of a paged account table's rows, in one database transaction.
    pub async fn upsert_accounts(&self, rows: &[Row]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        Self::write(&mut tx, rows, true).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the rows of account table `table` whose address is not in `keep` (accounts
    /// closed since they were indexed), in one database transaction; returns how many.
    pub async fn remove_accounts_except(&self, table: &str, keep: &HashSet<Pubkey>) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let stored: Vec<String> = sqlx::query_scalar(&format!("SELECT address FROM {table}")).fetch_all(&mut *tx).await?;
        let mut removed = 0;
        for address in stored.iter().filter(|a| a.parse::<Pubkey>().map_or(true, |key| !keep.contains(&key))) {
            removed += sqlx::query(&format!("DELETE FROM {table} WHERE address = $1")).bind(address).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn cursor(&self, program: &str) -> Result<Option<(String, u64)>> {
        let row: Option<(String, i64)> = sqlx::query_as("SELECT last_signature, last_slot FROM cursors WHERE program = $1").bind(program).fetch_optional(&self.pool).await?;
        Ok(row.map(|(signature, slot)| (signature, slot as u64)))
    }

    pub async fn set_cursor(conn: &mut AnyConnection, program: &str, signature: &str, slot: u64) -> Result<()> {
        let row = Row::new("cursors", &["program"])
            .with("program", crate::rows::text(program))
            .with("last_signature", crate::rows::text(signature))
            .with("last_slot", crate::rows::int(slot)?);
        Self::write(conn, &[row], true).await.map(|_| ())
    }

    pub async fn count(&self, table: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    /// Row counts of every table, with the names `civnet index --once` reports.
    pub async fn counts(&self) -> Result<Value> {
        let mut out = Map::new();
        for table in ACCOUNT_TABLES.iter().chain(EVENT_TABLES).chain(&["transactions"]) {
            let name = match *table {
                "dc_burns" => "burns",
                "dc_mints" => "mints",
                other => other,
            };
            out.insert(name.to_string(), json!(self.count(table).await?));
        }
        Ok(Value::Object(out))
    }

    /// Runs a SELECT with text/int binds and returns its rows as JSON objects.
    pub async fn select(&self, sql: &str, values: &[Val]) -> Result<Vec<Value>> {
        let refs: Vec<&Val> = values.iter().collect();
        let rows = bind(sqlx::query(sql), &refs).fetch_all(&self.pool).await.with_context(|| format!("query {sql}"))?;
        Ok(rows.iter().map(row_json).collect())
    }
}

fn bind<'q>(mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>, values: &[&'q Val]) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for value in values {
        query = match value {
            Val::Text(t) => query.bind(t.as_deref()),
            Val::Int(i) => query.bind(*i),
        };
    }
    query
}

pub fn row_json(row: &AnyRow) -> Value {
    let mut out = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let name = column.name();
        let value = match row.try_get::<Option<i64>, _>(i) {
            Ok(integer) => schema::column_json(name, integer, None),
            Err(_) => schema::column_json(name, None, row.try_get::<Option<String>, _>(i).ok().flatten()),
        };
        out.insert(name.to_string(), value);
    }
    Value::Object(out)
}

/// A database URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &credentials[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{flag, int, location, text};

    #[tokio::test]
    async fn upserts_keep_the_columns_they_do_not_name_and_inserts_happen_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("index.db").display());
        Store::open(&url).await.unwrap();
        let store = Store::open(&url).await.expect("migrations run once, reopening is fine");
        let identity = Row::new("devices", &["address"]).with("address", text("D")).with("asset_id", text("A")).with("device_key", text("K")).with("leaf_index", int(3u64).unwrap());
        let account = Row::new("devices", &["address"])
            .with("address", text("D"))
            .with("asset_id", text("A"))
            .with("sub_network_index", Val::Int(None))
            .with("active", flag(true))
            .with("location", location(0))
            .with("elevation", int(-5i16).unwrap())
            .with("gain", int(30u8).unwrap());
        let mut conn = store.pool.acquire().await.unwrap();
        Store::write(&mut conn, &[identity], true).await.unwrap();
        Store::write(&mut conn, &[account], true).await.unwrap();
        drop(conn);
        let rows = store.select("SELECT * FROM devices", &[]).await.unwrap();
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!((row["device_key"].as_str(), row["leaf_index"].as_i64(), row["active"].as_bool()), (Some("K"), Some(3), Some(true)));
        assert_eq!((row["location"].is_null(), row["sub_network_index"].is_null(), row["elevation"].as_i64()), (true, true, Some(-5)));

        let event = Row::new("transactions", &["signature"]).with("signature", text("S")).with("slot", int(1u64).unwrap()).with("block_time", Val::Int(None)).with("events", int(0u64).unwrap());
        let mut conn = store.pool.acquire().await.unwrap();
        assert_eq!(Store::write(&mut conn, std::slice::from_ref(&event), false).await.unwrap(), 1);
        assert_eq!(Store::write(&mut conn, &[event], false).await.unwrap(), 0, "a second insert of the same key is ignored");
    }

    #[test]
    fn passwords_stay_out_of_error_messages() {
        assert_eq!(redact("postgres://civnet:secret@db:5432/index"), "postgres://civnet:***@db:5432/index");
        assert_eq!(redact("sqlite://civnet-index.db"), "sqlite://civnet-index.db");
    }
}
