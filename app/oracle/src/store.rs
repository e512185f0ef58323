//! The oracle's database: the index's tables (chain state, kept current by civnet-indexer)
//! and the oracle's own (`migrations/10001_civnet_oracle.sql`) in one database, SQLite by
//! default or PostgreSQL by URL, through the index's sqlx Any code path. The two migration
//! sets share `_sqlx_migrations`: the index numbers its migrations below
//! `civnet_indexer::schema::FOREIGN_MIGRATIONS_FROM`, the oracle from 10001.
use anyhow::{anyhow, Context, Result};
use sqlx::{AnyConnection, AnyPool, Row as _};

/// `(version, description, sql)`; append only.
const MIGRATIONS: &[(i64, &str, &str)] = &[(10_001, "civnet oracle", include_str!("../migrations/10001_civnet_oracle.sql"))];

#[derive(Clone)]
pub struct OracleStore {
    /// The index (its `pool` is the oracle's too).
    pub index: civnet_indexer::Store,
}

impl OracleStore {
    /// Opens (creating a missing SQLite file) and migrates both the index and the oracle tables.
    pub async fn open(url: &str) -> Result<Self> {
        Self::open_with(url, civnet_indexer::store::Durability::Durable).await
    }

    /// [`OracleStore::open`], saying how durable a commit must be.
    pub async fn open_with(url: &str, durability: civnet_indexer::store::Durability) -> Result<Self> {
        let index = civnet_indexer::Store::open_with(url, durability).await?;
        civnet_indexer::schema::migrator_of(MIGRATIONS).run(&index.pool).await.context("running the oracle's migrations")?;
        Ok(Self { index })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.index.pool
    }

    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.index.pool.acquire().await?)
    }

    /// Records entropy handed out at `issued_at`.
    pub async fn insert_entropy(&self, entropy: &[u8; 32], blockhash: &str, issued_at: i64) -> Result<()> {
        sqlx::query("INSERT INTO oracle_entropy (entropy, blockhash, issued_at) VALUES ($1, $2, $3) ON CONFLICT (entropy) DO NOTHING")
            .bind(hex::encode(entropy))
            .bind(blockhash)
            .bind(issued_at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The newest entropy: (entropy hex, issued_at).
    pub async fn latest_entropy(&self) -> Result<Option<(String, i64)>> {
        let row = sqlx::query("SELECT entropy, issued_at FROM oracle_entropy ORDER BY issued_at DESC, entropy LIMIT 1").fetch_optional(self.pool()).await?;
        row.map(|r| Ok((r.try_get("entropy")?, r.try_get("issued_at")?))).transpose()
    }

    /// Row counts of the oracle's tables.
    pub async fn counts(&self) -> Result<serde_json::Value> {
        let mut out = serde_json::Map::new();
        for table in ["oracle_heartbeats", "oracle_usage", "oracle_rejected", "oracle_epochs", "oracle_rewards", "oracle_activity"] {
            out.insert(table.trim_start_matches("oracle_").to_string(), serde_json::json!(self.index.count(table).await?));
        }
        Ok(serde_json::Value::Object(out))
    }
}

/// A u64 amount column (decimal TEXT).
pub fn amount(row: &sqlx::any::AnyRow, column: &str) -> Result<u64> {
    let text: String = row.try_get(column)?;
    text.parse().map_err(|_| anyhow!("{column} {text:?} is not a u64"))
}

/// A u128 amount column (decimal TEXT).
pub fn wide(row: &sqlx::any::AnyRow, column: &str) -> Result<u128> {
    let text: String = row.try_get(column)?;
    text.parse().map_err(|_| anyhow!("{column} {text:?} is not a u128"))
}

pub fn int(row: &sqlx::any::AnyRow, column: &str) -> Result<i64> {
    Ok(row.try_get(column)?)
}

/// The closed epochs of a sub-network among `epochs`.
pub async fn closed_epochs(conn: &mut AnyConnection, sub_network: &str, epochs: &[u64]) -> Result<Vec<u64>> {
    let mut closed = Vec::new();
    for &epoch in epochs {
        let found = sqlx::query("SELECT 1 AS one FROM oracle_epochs WHERE sub_network = $1 AND epoch = $2").bind(sub_network).bind(i64::try_from(epoch)?).fetch_optional(&mut *conn).await?;
        if found.is_some() {
            closed.push(epoch);
        }
    }
    Ok(closed)
}

/// Short, fixed-size fingerprint of a signature (first 16 bytes of sha256, hex).
pub fn fingerprint(signature: &[u8; 64]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(signature)[..16])
}
