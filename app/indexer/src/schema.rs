//! The database schema: versioned migrations embedded in the binary (run by sqlx's migrator,
//! which records them in `_sqlx_migrations` and refuses a changed migration), and how stored
//! columns read back as JSON.
//!
//! One SQL text serves SQLite and PostgreSQL (see `migrations/0001_civnet_index.sql` for the
//! type conventions), so there is one code path for both through sqlx's Any driver.
use serde_json::Value;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::borrow::Cow;

/// `(version, description, sql)`; append only, never edit a released one. The index owns
/// versions below [`FOREIGN_MIGRATIONS_FROM`].
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "civnet index", include_str!("../migrations/0001_civnet_index.sql")),
    (2, "dc config follows the network authority", include_str!("../migrations/0002_dc_config_follows_network_authority.sql")),
    (3, "dc mints name their price update", include_str!("../migrations/0003_dc_mints_name_their_price_update.sql")),
    (4, "DAS: maker trees, nodes, assets", include_str!("../migrations/0004_das.sql")),
];

/// Services that keep their own tables next to the index in one database (civnet-oracle)
/// number their migrations from here; they share sqlx's `_sqlx_migrations` table.
pub const FOREIGN_MIGRATIONS_FROM: i64 = 10_000;

pub fn migrator() -> Migrator {
    migrator_of(MIGRATIONS)
}

/// A migrator of `(version, description, sql)` entries that tolerates versions applied by the
/// other migration sets of the same database (sqlx checks each applied version against its
/// own list unless told to ignore missing ones; [`check_versions`] keeps the index's own
/// range strict).
pub fn migrator_of(migrations: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = migrations
        .iter()
        .map(|(version, description, sql)| Migration::new(*version, Cow::Borrowed(description), MigrationType::Simple, Cow::Borrowed(sql), false))
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ignore_missing: true, ..Migrator::DEFAULT }
}

/// Fails when the database holds an index migration (a version below
/// [`FOREIGN_MIGRATIONS_FROM`]) this build does not know: a newer indexer wrote it.
pub async fn check_versions(pool: &sqlx::AnyPool) -> anyhow::Result<()> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE version < $1").bind(FOREIGN_MIGRATIONS_FROM).fetch_all(pool).await?;
    if let Some(unknown) = applied.iter().find(|v| !MIGRATIONS.iter().any(|(known, _, _)| known == *v)) {
        anyhow::bail!("the database has index migration {unknown}, which this civnet does not know: it was written by a newer version");
    }
    Ok(())
}

/// Every table, for counts and checks.
pub const ACCOUNT_TABLES: &[&str] = &[
    "networks",
    "sub_networks",
    "makers",
    "devices",
    "epochs",
    "sub_network_epochs",
    "reward_roots",
    "recipients",
    "dc_configs",
    "dc_escrows",
    "sub_network_burns",
    "sub_network_devices",
];
pub const EVENT_TABLES: &[&str] = &["dc_mints", "dc_burns", "device_changes", "issuance", "reward_root_updates", "claims", "events"];

/// Stored as 0/1, served as JSON booleans.
const BOOL_COLUMNS: &[&str] = &["active", "approved", "score_done", "rewards_issued"];
/// u64 amounts stored as decimal TEXT, served as JSON numbers (serde_json keeps u64 exact).
const AMOUNT_COLUMNS: &[&str] = &[
    "max_issuance_per_epoch",
    "total_issued",
    "onboarding_fee_dc",
    "location_fee_dc",
    "total_dc_burned",
    "fees_dc_burned",
    "total_claimed",
    "dc_burned",
    "emission",
    "issued",
    "total_cumulative",
    "max_dc_minted_per_epoch",
    "minted_this_epoch",
    "total_dc_minted",
    "total_tokens_burned",
    "last_sequence",
    "total_delegated",
    "total_burned",
    "tokens_burned",
    "dc_minted",
    "price_mantissa",
    "confidence",
    "amount",
    "epoch_dc_burned",
    "fee_dc",
    "sequence",
];
/// JSON stored as TEXT.
const JSON_COLUMNS: &[&str] = &["emission_schedule", "sub_network_created_epochs", "price_oracle", "epochs", "burned", "active_at_end", "data"];

/// A stored value as the API serves it (u128 scores stay decimal strings: JSON numbers lose
/// precision above 2^53 in most readers).
pub fn column_json(column: &str, integer: Option<i64>, text: Option<String>) -> Value {
    match (integer, text) {
        (Some(i), _) if BOOL_COLUMNS.contains(&column) => Value::Bool(i != 0),
        (Some(i), _) => Value::from(i),
        (None, Some(t)) if AMOUNT_COLUMNS.contains(&column) => t.parse::<u64>().map(Value::from).unwrap_or(Value::String(t)),
        (None, Some(t)) if JSON_COLUMNS.contains(&column) => serde_json::from_str(&t).unwrap_or(Value::String(t)),
        (None, Some(t)) => Value::String(t),
        (None, None) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Table -> columns, read from the migrations' CREATE TABLE and ALTER TABLE statements.
    fn columns() -> BTreeMap<String, BTreeSet<String>> {
        let mut tables = BTreeMap::new();
        for (_, _, sql) in MIGRATIONS {
            let mut current: Option<String> = None;
            for line in sql.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("ALTER TABLE ") {
                    let words: Vec<&str> = rest.trim_end_matches(';').split_whitespace().collect();
                    let columns: &mut BTreeSet<String> = tables.entry(words[0].to_string()).or_default();
                    match &words[1..] {
                        ["DROP", "COLUMN", column, ..] => assert!(columns.remove(*column), "dropping unknown column {column}"),
                        ["ADD", "COLUMN", column, ..] => assert!(columns.insert(column.to_string()), "adding column {column} twice"),
                        _ => panic!("an ALTER TABLE the column check cannot read: {line}"),
                    }
                } else if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
                    current = Some(rest.trim_end_matches(" (").to_string());
                } else if line.starts_with(");") {
                    current = None;
                } else if let (Some(table), Some(column)) = (&current, line.split_whitespace().next()) {
                    if column != "PRIMARY" {
                        tables.entry(table.clone()).or_insert_with(BTreeSet::new).insert(column.to_string());
                    }
                }
            }
        }
        tables
    }

    /// Guards against the programs growing an account type, an account field, an event or an
    /// event field the index does not hold, by comparing with the IDLs `cargo xtask build-sbf`
    /// writes (and against indexing what the programs no longer have).
    #[test]
    fn every_account_field_and_event_in_the_idls_is_indexed() {
        let dir = std::env::var_os("CIVNET_IDL_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/idl"));
        let tables = columns();
        for (program, name) in [(emissions::ID, "emissions"), (data_credits::ID, "data_credits"), (device_registry::ID, "device_registry")] {
            let path = dir.join(format!("{name}.json"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                // Under CI a missing IDL fails instead of passing unchecked.
                assert!(std::env::var_os("CI").is_none(), "no IDL at {} (CI is set; cargo xtask build-sbf writes it)", path.display());
                println!("SKIPPED: no IDL at {} (cargo xtask build-sbf writes it)", path.display());
                return;
            };
            let idl: Value = serde_json::from_str(&text).unwrap();
            let types: BTreeMap<&str, &Value> = idl["types"].as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap(), t)).collect();
            for account in idl["accounts"].as_array().unwrap() {
                let account_name = account["name"].as_str().unwrap();
                let discriminator: Vec<u8> = serde_json::from_value(account["discriminator"].clone()).unwrap();
                let kind = crate::accounts::KINDS
                    .iter()
                    .find(|k| k.program == program && k.discriminator == discriminator.as_slice())
                    .unwrap_or_else(|| panic!("{name}::{account_name} is not backfilled"));
                assert_eq!(kind.name, account_name);
                let mut expected = BTreeSet::from(["address".to_string()]);
                for field in types[account_name]["type"]["fields"].as_array().unwrap() {
                    let field = field["name"].as_str().unwrap();
                    if field.ends_with("bump") || field == "padding" {
                        continue;
                    }
                    let column = if field == "index" { "idx" } else { field };
                    assert!(tables[kind.table].contains(column), "{name}::{account_name}.{field} has no column in {}", kind.table);
                    expected.insert(column.to_string());
                }
                if kind.table != "devices" {
                    // devices also holds what DeviceIssued and later events say.
                    assert_eq!(tables[kind.table], expected, "{}: columns for fields {name}::{account_name} no longer has", kind.table);
                }
            }
            let idl_events: BTreeSet<&str> = idl["events"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
            for event in &idl_events {
                assert!(crate::events::EVENT_NAMES.contains(&(program, *event)), "{name}::{event} is not decoded");
                let (_, _, fields) = crate::events::EVENT_FIELDS.iter().find(|(p, e, _)| *p == program && e == event).unwrap();
                let idl_fields: Vec<&str> = types[event]["type"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
                assert_eq!(fields.to_vec(), idl_fields, "{name}::{event}: the fields of its JSON form");
            }
            for (_, event) in crate::events::EVENT_NAMES.iter().filter(|(p, _)| *p == program) {
                assert!(idl_events.contains(event), "{name}::{event} is decoded but not in the IDL");
            }
        }
    }
}
