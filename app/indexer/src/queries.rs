//! Typed reads of the index for services that act on chain state (civnet-oracle): which
//! devices exist, where they are onboarded, which routers have escrows, what was burned and
//! issued per epoch. One place for this SQL, so a service never copies the index's schema.
//!
//! Each takes a connection (a pooled one or an open database transaction) so a caller can
//! read chain facts and write its own tables atomically. Amount columns are decimal TEXT
//! (see the migration); they are parsed here, and a value that does not parse is an error.
use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use sqlx::{AnyConnection, Row as _};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rows per `IN (...)` list, within both backends' bind-parameter limits.
const KEYS_PER_QUERY: usize = 500;

fn amount(text: &str) -> Result<u64> {
    text.parse().map_err(|_| anyhow!("index amount {text:?} is not a u64"))
}

fn marks(from: usize, count: usize) -> String {
    (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A sub-network with its network's epoch length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubNetworkFacts {
    pub address: String,
    pub network: String,
    pub index: u8,
    pub name: String,
    pub rewards_oracle: String,
    pub active_device_authority: String,
    pub total_issued: u64,
    pub total_claimed: u64,
    pub epoch_length_secs: u32,
}

const SUB_NETWORK_SELECT: &str = "SELECT s.address, s.network, s.idx, s.name, s.rewards_oracle, s.active_device_authority, s.total_issued, s.total_claimed, n.epoch_length_secs \
     FROM sub_networks s JOIN networks n ON n.address = s.network";

fn sub_network_row(row: &sqlx::any::AnyRow) -> Result<SubNetworkFacts> {
    Ok(SubNetworkFacts {
        address: row.try_get("address")?,
        network: row.try_get("network")?,
        index: u8::try_from(row.try_get::<i64, _>("idx")?).context("sub-network index")?,
        name: row.try_get("name")?,
        rewards_oracle: row.try_get("rewards_oracle")?,
        active_device_authority: row.try_get("active_device_authority")?,
        total_issued: amount(&row.try_get::<String, _>("total_issued")?)?,
        total_claimed: amount(&row.try_get::<String, _>("total_claimed")?)?,
        epoch_length_secs: u32::try_from(row.try_get::<i64, _>("epoch_length_secs")?).context("epoch length")?,
    })
}

pub async fn sub_network(conn: &mut AnyConnection, address: &str) -> Result<Option<SubNetworkFacts>> {
    let row = sqlx::query(&format!("{SUB_NETWORK_SELECT} WHERE s.address = $1")).bind(address).fetch_optional(&mut *conn).await?;
    row.as_ref().map(sub_network_row).transpose()
}

/// The sub-networks of `network` whose rewards oracle is `oracle`, by index.
pub async fn sub_networks_of_oracle(conn: &mut AnyConnection, network: &str, oracle: &str) -> Result<Vec<SubNetworkFacts>> {
    let rows = sqlx::query(&format!("{SUB_NETWORK_SELECT} WHERE s.network = $1 AND s.rewards_oracle = $2 ORDER BY s.idx"))
        .bind(network)
        .bind(oracle)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(sub_network_row).collect()
}

/// A device as the index knows it: identity (from `DeviceIssued`) and its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFacts {
    pub address: String,
    pub device_key: String,
    pub asset_id: String,
    /// `None` before onboarding.
    pub sub_network_index: Option<u8>,
    pub active: bool,
}

const DEVICE_SELECT: &str = "SELECT address, device_key, asset_id, sub_network_index, active FROM devices";

fn device_row(row: &sqlx::any::AnyRow) -> Result<DeviceFacts> {
    let index: Option<i64> = row.try_get("sub_network_index")?;
    Ok(DeviceFacts {
        address: row.try_get("address")?,
        device_key: row.try_get::<Option<String>, _>("device_key")?.unwrap_or_default(),
        asset_id: row.try_get("asset_id")?,
        // device_registry's NOT_ONBOARDED (u8::MAX) means the same as no index.
        sub_network_index: index.and_then(|i| u8::try_from(i).ok()).filter(|i| *i != u8::MAX),
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

/// The devices of `network` with these device keys (base58), by key; unknown keys are absent.
pub async fn devices_by_key(conn: &mut AnyConnection, network: &str, keys: &[String]) -> Result<HashMap<String, DeviceFacts>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let sql = format!("{DEVICE_SELECT} WHERE network = $1 AND device_key IN ({})", marks(2, chunk.len()));
        let mut query = sqlx::query(&sql).bind(network);
        for key in chunk {
            query = query.bind(key);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let device = device_row(&row)?;
            found.insert(device.device_key.clone(), device);
        }
    }
    Ok(found)
}

/// Every device of `network` onboarded to the sub-network with `index`, by address.
pub async fn devices_of_sub_network(conn: &mut AnyConnection, network: &str, index: u8) -> Result<Vec<DeviceFacts>> {
    let rows = sqlx::query(&format!("{DEVICE_SELECT} WHERE network = $1 AND sub_network_index = $2 ORDER BY address"))
        .bind(network)
        .bind(i64::from(index))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(device_row).collect()
}

/// The epoch each device of the sub-network with `index` (in `network`) was last onboarded
/// in, by device address (from `DeviceOnboarded` events).
pub async fn onboarding_epochs(conn: &mut AnyConnection, network: &str, index: u8) -> Result<HashMap<String, u64>> {
    let rows = sqlx::query(
        "SELECT c.device AS device, MAX(c.epoch) AS epoch FROM device_changes c JOIN devices d ON d.address = c.device \
         WHERE d.network = $1 AND d.sub_network_index = $2 AND c.kind = 'onboarded' GROUP BY c.device",
    )
    .bind(network)
    .bind(i64::from(index))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| Ok((row.try_get("device")?, u64::try_from(row.try_get::<i64, _>("epoch")?)?))).collect()
}

/// Which of these device addresses were retired (their account is gone; the event stays).
pub async fn retired_devices(conn: &mut AnyConnection, addresses: &[String]) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in addresses.chunks(KEYS_PER_QUERY) {
        let sql = format!("SELECT device FROM device_changes WHERE kind = 'retired' AND device IN ({})", marks(1, chunk.len()));
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for address in chunk {
            query = query.bind(address);
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// A data_credits `DelegatedEscrow`: DC a customer delegated to a router of a sub-network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowFacts {
    pub address: String,
    pub sub_network: String,
    pub router_key: String,
    pub total_burned: u64,
}

/// The escrows at these addresses, by address.
pub async fn escrows(conn: &mut AnyConnection, addresses: &[String]) -> Result<HashMap<String, EscrowFacts>> {
    let mut found = HashMap::new();
    for chunk in addresses.chunks(KEYS_PER_QUERY) {
        let sql = format!("SELECT address, sub_network, router_key, total_burned FROM dc_escrows WHERE address IN ({})", marks(1, chunk.len()));
        let mut query = sqlx::query(&sql);
        for address in chunk {
            query = query.bind(address);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let escrow = EscrowFacts {
                address: row.try_get("address")?,
                sub_network: row.try_get("sub_network")?,
                router_key: row.try_get("router_key")?,
                total_burned: amount(&row.try_get::<String, _>("total_burned")?)?,
            };
            found.insert(escrow.address.clone(), escrow);
        }
    }
    Ok(found)
}

/// DC burned from each escrow (`burn_delegated_data_credits`) for `sub_network` in `epoch`.
pub async fn delegated_burns(conn: &mut AnyConnection, sub_network: &str, epoch: u64) -> Result<BTreeMap<String, u64>> {
    let rows = sqlx::query("SELECT escrow, amount FROM dc_burns WHERE kind = 'delegated' AND sub_network = $1 AND epoch = $2")
        .bind(sub_network)
        .bind(i64::try_from(epoch)?)
        .fetch_all(&mut *conn)
        .await?;
    let mut sums = BTreeMap::new();
    for row in rows {
        let escrow: Option<String> = row.try_get("escrow")?;
        let burned = amount(&row.try_get::<String, _>("amount")?)?;
        let sum: &mut u64 = sums.entry(escrow.unwrap_or_default()).or_default();
        *sum = sum.checked_add(burned).context("burn sum overflow")?;
    }
    Ok(sums)
}

/// One sub-network's record of one epoch (`SubNetworkEpochInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubNetworkEpochFacts {
    pub epoch: u64,
    pub issued: u64,
    pub rewards_issued: bool,
}

/// The epochs after `after` (all when `None`) whose rewards `sub_network` has been issued, oldest first.
pub async fn issued_epochs(conn: &mut AnyConnection, sub_network: &str, after: Option<u64>) -> Result<Vec<SubNetworkEpochFacts>> {
    let after = after.map(i64::try_from).transpose()?.unwrap_or(-1);
    let rows = sqlx::query("SELECT epoch, issued, rewards_issued FROM sub_network_epochs WHERE sub_network = $1 AND rewards_issued = 1 AND epoch > $2 ORDER BY epoch")
        .bind(sub_network)
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(SubNetworkEpochFacts {
                epoch: u64::try_from(row.try_get::<i64, _>("epoch")?)?,
                issued: amount(&row.try_get::<String, _>("issued")?)?,
                rewards_issued: row.try_get::<i64, _>("rewards_issued")? != 0,
            })
        })
        .collect()
}

/// What prices DC on a network: the config's price oracle (JSON, as the index stores it:
/// `{"fixed": {"usd_per_token_e8": ..}}` or `{"pyth": {...}}`) and the token's decimals.
#[derive(Debug, Clone, PartialEq)]
pub struct DcConfigFacts {
    pub price_oracle: Value,
    pub network_mint_decimals: u8,
}

pub async fn dc_config(conn: &mut AnyConnection, network: &str) -> Result<Option<DcConfigFacts>> {
    let row = sqlx::query("SELECT price_oracle, network_mint_decimals FROM dc_configs WHERE network = $1").bind(network).fetch_optional(&mut *conn).await?;
    row.map(|row| {
        Ok(DcConfigFacts {
            price_oracle: serde_json::from_str(&row.try_get::<String, _>("price_oracle")?).context("price_oracle JSON")?,
            network_mint_decimals: u8::try_from(row.try_get::<i64, _>("network_mint_decimals")?)?,
        })
    })
    .transpose()
}

/// Network tokens burned and DC minted by every DC purchase of `network` with a block time
/// in `[from, to)`: what DC cost in that window.
pub async fn dc_purchases_between(conn: &mut AnyConnection, network: &str, from: i64, to: i64) -> Result<(u128, u128)> {
    let rows = sqlx::query("SELECT tokens_burned, dc_minted FROM dc_mints WHERE network = $1 AND block_time >= $2 AND block_time < $3")
        .bind(network)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
    let mut sums = (0u128, 0u128);
    for row in rows {
        sums.0 += u128::from(amount(&row.try_get::<String, _>("tokens_burned")?)?);
        sums.1 += u128::from(amount(&row.try_get::<String, _>("dc_minted")?)?);
    }
    Ok(sums)
}

/// The last DC purchase of `network` before `time`: (tokens burned, DC minted).
pub async fn last_dc_purchase_before(conn: &mut AnyConnection, network: &str, time: i64) -> Result<Option<(u64, u64)>> {
    let row = sqlx::query("SELECT tokens_burned, dc_minted FROM dc_mints WHERE network = $1 AND block_time < $2 ORDER BY slot DESC, signature DESC LIMIT 1")
        .bind(network)
        .bind(time)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| Ok((amount(&row.try_get::<String, _>("tokens_burned")?)?, amount(&row.try_get::<String, _>("dc_minted")?)?))).transpose()
}

/// A sub-network's current rewards root (`RewardsRoot`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardsRootFacts {
    /// Hex.
    pub root: String,
    pub total_cumulative: u64,
    pub version: u64,
}

pub async fn rewards_root(conn: &mut AnyConnection, sub_network: &str) -> Result<Option<RewardsRootFacts>> {
    let row = sqlx::query("SELECT root, total_cumulative, version FROM reward_roots WHERE sub_network = $1").bind(sub_network).fetch_optional(&mut *conn).await?;
    row.map(|row| {
        Ok(RewardsRootFacts {
            root: row.try_get("root")?,
            total_cumulative: amount(&row.try_get::<String, _>("total_cumulative")?)?,
            version: u64::try_from(row.try_get::<i64, _>("version")?)?,
        })
    })
    .transpose()
}

/// What the device with `asset_id` has claimed in `sub_network` so far (its `Recipient`
/// record; 0 before its first claim).
pub async fn claimed(conn: &mut AnyConnection, sub_network: &str, asset_id: &str) -> Result<u64> {
    let row = sqlx::query("SELECT total_claimed FROM recipients WHERE sub_network = $1 AND asset_id = $2").bind(sub_network).bind(asset_id).fetch_optional(&mut *conn).await?;
    row.map_or(Ok(0), |row| amount(&row.try_get::<String, _>("total_claimed")?))
}
