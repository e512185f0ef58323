//! Closing an epoch, for each sub-network this oracle serves, once the chain has issued its
//! rewards (`SubNetworkEpochInfo.rewards_issued` in the index). Three steps, each recorded in
//! `oracle_epochs.state` before the next starts, so a kill at any point resumes where it
//! stopped and never pays twice:
//!
//! 1. **compute** (one database transaction): the split ([`crate::rewards`]), every leaf of
//!    the new reward tree with its cumulative amount, the per-payer DC caps and the device
//!    activity to set are written with `state = 'computed'`. A crash before the commit leaves
//!    nothing; after it, the rewards are fixed and are never computed again.
//! 2. **post**: the root goes on chain with `set_rewards_root`. Before sending, the chain's
//!    `RewardsRoot` is read: if it already holds this root (sent before a crash), nothing is
//!    sent. Then `state = 'posted'`. A second post of the same root would be harmless too
//!    (cumulative amounts: claims pay the difference to what was claimed).
//! 3. **activity** (when this oracle is also the active-device authority): devices silent
//!    for the whole epoch are set inactive, devices heard again active, each recorded as done
//!    after it lands (`set_device_active` is idempotent on chain). Then `state = 'done'`.
//!
//! Epochs close in order: the next one is computed only after the previous one's root is on
//! chain, so the tree on chain always matches one stored epoch.
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use civnet_client::{Keypair, Signer};
use civnet_common::rewards::RewardTree;
use civnet_indexer::queries::{self, SubNetworkFacts};
use civnet_indexer::rows::{amount, int, text, Row, Val};
use sqlx::Row as _;
use std::collections::{BTreeMap, HashMap};

use crate::chain::{self, ChainAccess};
use crate::rewards::{self, DeviceWork, Price, Slices};
use crate::Oracle;

/// What closing one epoch did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Closed {
    pub sub_network: String,
    pub epoch: u64,
    pub issued: u64,
    pub root: String,
    pub total_cumulative: u64,
    pub leaves: u64,
    pub activity_changes: u64,
    pub root_posted: bool,
    /// Wall time of step 1 (rewards, tree, database) and of posting the root (this run).
    pub compute_secs: f64,
    pub post_secs: f64,
}

/// A closed epoch's row, as stored.
#[derive(Debug, Clone)]
struct EpochState {
    epoch: u64,
    state: String,
    root: [u8; 32],
    total_cumulative: u64,
    issued: u64,
    leaves: u64,
}

impl Oracle {
    /// Closes every epoch that is ready (issued on chain, ended at least
    /// [`Oracle::close_grace`] ago by `now`) and finishes any close a crash interrupted.
    /// `oracle` signs the roots and activity changes.
    pub async fn close_ready_epochs(&self, chain: &mut impl ChainAccess, oracle: &Keypair, now: i64) -> Result<Vec<Closed>> {
        if oracle.pubkey() != self.key {
            bail!("the oracle key is {}, the keypair given is {}", self.key, oracle.pubkey());
        }
        let subs = {
            let mut conn = self.store.conn().await?;
            queries::sub_networks_of_oracle(&mut conn, &self.network.to_string(), &self.key.to_string()).await?
        };
        let mut closed = Vec::new();
        for sub in subs {
            loop {
                if let Some(open) = self.unfinished(&sub.address).await? {
                    closed.push(self.finish(chain, oracle, &sub, open).await?);
                    continue;
                }
                let last = self.last_closed(&sub.address).await?;
                let next = {
                    let mut conn = self.store.conn().await?;
                    queries::issued_epochs(&mut conn, &sub.address, last).await?.into_iter().next()
                };
                let Some(next) = next else { break };
                let ends = i64::try_from((next.epoch + 1) * u64::from(sub.epoch_length_secs))?;
                if now < ends + self.close_grace(sub.epoch_length_secs) {
                    break;
                }
                let started = std::time::Instant::now();
                let state = self.compute(&sub, next.epoch, next.issued, last, now).await?;
                let compute_secs = started.elapsed().as_secs_f64();
                eprintln!("civnet oracle: {} epoch {}: rewards computed", sub.name, next.epoch);
                let mut done = self.finish(chain, oracle, &sub, state).await?;
                done.compute_secs = compute_secs;
                closed.push(done);
            }
        }
        Ok(closed)
    }

    async fn unfinished(&self, sub_network: &str) -> Result<Option<EpochState>> {
        let row = sqlx::query("SELECT epoch, state, root, total_cumulative, issued, leaves FROM oracle_epochs WHERE sub_network = $1 AND state <> 'done' ORDER BY epoch LIMIT 1")
            .bind(sub_network)
            .fetch_optional(self.store.pool())
            .await?;
        row.map(|r| epoch_state(&r)).transpose()
    }

    async fn last_closed(&self, sub_network: &str) -> Result<Option<u64>> {
        let epoch: Option<i64> = sqlx::query_scalar("SELECT MAX(epoch) FROM oracle_epochs WHERE sub_network = $1").bind(sub_network).fetch_one(self.store.pool()).await?;
        Ok(epoch.map(u64::try_from).transpose()?)
    }

    /// Step 1: the epoch's rewards and the new tree, in one database transaction.
    async fn compute(&self, sub: &SubNetworkFacts, epoch: u64, issued: u64, previous: Option<u64>, now: i64) -> Result<EpochState> {
        let mut db = self.store.pool().begin().await?;
        let address = sub.address.as_str();
        let epoch_i = i64::try_from(epoch)?;
        let slices = Slices::of(sub.epoch_length_secs);

        // Devices onboarded to the sub-network now (a device retired since is gone: its work lapses).
        let devices = queries::devices_of_sub_network(&mut db, &sub.network, sub.index).await?;
        let by_key: HashMap<&str, &queries::DeviceFacts> = devices.iter().map(|d| (d.device_key.as_str(), d)).collect();

        // Heartbeat slices per device.
        let mut heard: BTreeMap<String, u64> = BTreeMap::new();
        for row in sqlx::query("SELECT device_key, COUNT(*) AS slices FROM oracle_heartbeats WHERE sub_network = $1 AND epoch = $2 GROUP BY device_key")
            .bind(address)
            .bind(epoch_i)
            .fetch_all(&mut *db)
            .await?
        {
            heard.insert(row.try_get("device_key")?, u64::try_from(row.try_get::<i64, _>("slices")?)?);
        }

        // Receipts, capped per payer by what the chain shows it burned in the epoch.
        let burned = queries::delegated_burns(&mut db, address, epoch).await?;
        let mut by_payer: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for row in sqlx::query("SELECT device_key, payer, dc FROM oracle_usage WHERE sub_network = $1 AND epoch = $2 ORDER BY session_id").bind(address).bind(epoch_i).fetch_all(&mut *db).await? {
            by_payer.entry(row.try_get("payer")?).or_default().push((row.try_get("device_key")?, crate::store::amount(&row, "dc")?));
        }
        let mut carried: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut payer_rows = Vec::new();
        for (payer, receipts) in &by_payer {
            let claimed: Vec<u64> = receipts.iter().map(|(_, dc)| *dc).collect();
            let burned_dc = burned.get(payer).copied().unwrap_or(0);
            let counted = rewards::scale_receipts(&claimed, burned_dc)?;
            for ((device, dc), counted) in receipts.iter().zip(&counted) {
                let entry = carried.entry(device.clone()).or_default();
                entry.0 = entry.0.checked_add(*dc).context("DC overflow")?;
                entry.1 = entry.1.checked_add(*counted).context("DC overflow")?;
            }
            payer_rows.push(
                Row::new("oracle_payers", &["sub_network", "epoch", "payer"])
                    .with("sub_network", text(address))
                    .with("epoch", int(epoch)?)
                    .with("payer", text(payer))
                    .with("receipts", int(receipts.len() as u64)?)
                    .with("claimed_dc", amount(claimed.iter().map(|&d| u128::from(d)).sum::<u128>()))
                    .with("burned_dc", amount(burned_dc))
                    .with("counted_dc", amount(counted.iter().map(|&d| u128::from(d)).sum::<u128>())),
            );
        }

        // Devices that worked and are still onboarded here; the rest lapses to unallocated.
        let mut lapsed = 0u64;
        let mut workers: BTreeMap<[u8; 32], (String, DeviceWork, u64)> = BTreeMap::new();
        let mut keys: Vec<&String> = heard.keys().chain(carried.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let slices_heard = heard.get(key).copied().unwrap_or(0);
            let (dc_carried, dc_counted) = carried.get(key).copied().unwrap_or((0, 0));
            match by_key.get(key.as_str()) {
                Some(device) => {
                    let asset: Pubkey = device.asset_id.parse().with_context(|| format!("asset id {}", device.asset_id))?;
                    workers.insert(asset.to_bytes(), (key.clone(), DeviceWork { heartbeat_slices: slices_heard, dc: dc_counted }, dc_carried));
                }
                None => lapsed += 1,
            }
        }
        let price = self.dc_price(&mut db, sub, epoch).await?;
        let work: Vec<DeviceWork> = workers.values().map(|(_, w, _)| *w).collect();
        let split = rewards::split(issued, price, slices.min_presence, &work)?;

        // The new tree: the previous epoch's leaves plus this epoch's rewards, by asset id.
        let mut leaves: BTreeMap<[u8; 32], (String, u64)> = BTreeMap::new();
        if let Some(previous) = previous {
            for row in sqlx::query("SELECT asset_id, device_key, cumulative FROM oracle_rewards WHERE sub_network = $1 AND epoch = $2").bind(address).bind(i64::try_from(previous)?).fetch_all(&mut *db).await? {
                let asset: Pubkey = row.try_get::<String, _>("asset_id")?.parse()?;
                leaves.insert(asset.to_bytes(), (row.try_get("device_key")?, crate::store::amount(&row, "cumulative")?));
            }
        }
        let mut earned: HashMap<[u8; 32], (u64, u64, u64, rewards::Share)> = HashMap::new();
        for ((asset, (key, w, dc_carried)), share) in workers.iter().zip(&split.shares) {
            let leaf = leaves.entry(*asset).or_insert_with(|| (key.clone(), 0));
            leaf.1 = leaf.1.checked_add(share.total()).context("cumulative overflow")?;
            earned.insert(*asset, (w.heartbeat_slices, *dc_carried, w.dc, *share));
        }
        leaves.retain(|_, (_, cumulative)| *cumulative > 0);
        let entries: Vec<([u8; 32], u64)> = leaves.iter().map(|(asset, (_, c))| (*asset, *c)).collect();
        let total_cumulative = entries.iter().try_fold(0u64, |sum, (_, c)| sum.checked_add(*c)).context("total overflow")?;
        if total_cumulative > sub.total_issued {
            bail!("{} epoch {epoch}: cumulative rewards {total_cumulative} would exceed what the sub-network was issued ({})", sub.name, sub.total_issued);
        }
        let tree = RewardTree::new(&entries);
        let root = tree.root();

        let mut reward_rows = Vec::with_capacity(entries.len());
        for (position, (asset, (key, cumulative))) in leaves.iter().enumerate() {
            let (slices_heard, dc_carried, dc_counted, share) = earned.get(asset).copied().unwrap_or((0, 0, 0, rewards::Share::default()));
            reward_rows.push(
                Row::new("oracle_rewards", &["sub_network", "epoch", "asset_id"])
                    .with("sub_network", text(address))
                    .with("epoch", int(epoch)?)
                    .with("asset_id", text(Pubkey::new_from_array(*asset)))
                    .with("device_key", text(key))
                    .with("position", int(position as u64)?)
                    .with("heartbeat_slices", int(slices_heard)?)
                    .with("dc_carried", amount(dc_carried))
                    .with("dc_counted", amount(dc_counted))
                    .with("data_reward", amount(share.data))
                    .with("coverage_reward", amount(share.coverage))
                    .with("reward", amount(share.total()))
                    .with("cumulative", amount(*cumulative)),
            );
        }

        // Activity to set, when this oracle is the sub-network's active-device authority.
        let mut activity_rows = Vec::new();
        if sub.active_device_authority == self.key.to_string() {
            // A device onboarded after the epoch is not judged by it.
            let onboarded = queries::onboarding_epochs(&mut db, &sub.network, sub.index).await?;
            for device in devices.iter().filter(|d| onboarded.get(&d.address).is_none_or(|e| *e <= epoch)) {
                let was_heard = heard.contains_key(&device.device_key);
                if device.active != was_heard && !device.device_key.is_empty() {
                    activity_rows.push(
                        Row::new("oracle_activity", &["sub_network", "epoch", "device_key"])
                            .with("sub_network", text(address))
                            .with("epoch", int(epoch)?)
                            .with("device_key", text(&device.device_key))
                            .with("active", int(i64::from(was_heard))?)
                            .with("done", int(0i64)?)
                            .with("signature", Val::Text(None)),
                    );
                }
            }
        }

        let state = Row::new("oracle_epochs", &["sub_network", "epoch"])
            .with("sub_network", text(address))
            .with("epoch", int(epoch)?)
            .with("state", text("computed"))
            .with("issued", amount(issued))
            .with("price_tokens", amount(price.map_or(0, |p| p.tokens)))
            .with("price_dc", amount(price.map_or(0, |p| p.dc)))
            .with("slice_secs", int(slices.secs)?)
            .with("min_presence", int(slices.min_presence)?)
            .with("data_rewards", amount(split.data_total))
            .with("coverage_pool", amount(split.coverage_pool))
            .with("coverage_rewards", amount(split.coverage_total))
            .with("unallocated", amount(split.unallocated))
            .with("lapsed_reports", int(lapsed)?)
            .with("leaves", int(entries.len() as u64)?)
            .with("root", text(hex::encode(root)))
            .with("total_cumulative", amount(total_cumulative))
            .with("computed_at", int(now)?)
            .with("root_signature", Val::Text(None));
        // The epoch row goes first: if another closer got here, its key stops this one.
        if civnet_indexer::Store::write(&mut db, &[state], false).await? == 0 {
            bail!("{} epoch {epoch} was closed by another process meanwhile", sub.name);
        }
        // `write` sizes its statements itself.
        for rows in [&reward_rows, &payer_rows, &activity_rows] {
            civnet_indexer::Store::write(&mut db, rows, false).await?;
        }
        db.commit().await.context("committing an epoch's rewards")?;
        self.trees.insert(address, epoch, entries, tree);
        Ok(EpochState { epoch, state: "computed".into(), root, total_cumulative, issued, leaves: leaves.len() as u64 })
    }

    /// The DC price of `epoch`: the config's fixed price, or for a Pyth-priced network what
    /// DC purchases in the epoch cost on average (tokens burned / DC minted; the last
    /// purchase before the epoch's end when none fell in it). `None`: DC has no price yet.
    async fn dc_price(&self, conn: &mut sqlx::AnyConnection, sub: &SubNetworkFacts, epoch: u64) -> Result<Option<Price>> {
        let Some(config) = queries::dc_config(conn, &sub.network).await? else { return Ok(None) };
        if let Some(fixed) = config.price_oracle["fixed"]["usd_per_token_e8"].as_u64() {
            return Ok(Price::fixed(fixed, config.network_mint_decimals));
        }
        let length = i64::from(sub.epoch_length_secs);
        let start = i64::try_from(epoch)? * length;
        let (tokens, dc) = queries::dc_purchases_between(conn, &sub.network, start, start + length).await?;
        if dc > 0 {
            return Ok(Some(Price { tokens, dc }));
        }
        Ok(queries::last_dc_purchase_before(conn, &sub.network, start + length).await?.filter(|(_, dc)| *dc > 0).map(|(tokens, dc)| Price { tokens: tokens.into(), dc: dc.into() }))
    }

    /// Steps 2 and 3 for an epoch whose rewards are computed.
    async fn finish(&self, chain: &mut impl ChainAccess, oracle: &Keypair, sub: &SubNetworkFacts, mut state: EpochState) -> Result<Closed> {
        let address: Pubkey = sub.address.parse()?;
        let mut root_posted = false;
        let posting = std::time::Instant::now();
        if state.state == "computed" {
            let on_chain = chain::rewards_root(chain, &address)?;
            let signature = match on_chain {
                Some(current) if current.root == state.root && current.total_cumulative == state.total_cumulative => None,
                Some(current) if current.total_cumulative > state.total_cumulative => {
                    bail!("{}: the chain's rewards root totals {}, more than this oracle's {} for epoch {}: another oracle posted it", sub.name, current.total_cumulative, state.total_cumulative, state.epoch)
                }
                _ => {
                    eprintln!("civnet oracle: {} epoch {}: posting root {}", sub.name, state.epoch, hex::encode(state.root));
                    let ix = civnet_client::network::set_rewards_root_ix(&address, oracle.pubkey(), state.root, state.total_cumulative);
                    Some(chain.send(&[ix], &[oracle]).with_context(|| format!("posting the rewards root of {} epoch {}", sub.name, state.epoch))?)
                }
            };
            root_posted = signature.is_some();
            sqlx::query("UPDATE oracle_epochs SET state = 'posted', root_signature = COALESCE($1, root_signature) WHERE sub_network = $2 AND epoch = $3")
                .bind(signature)
                .bind(&sub.address)
                .bind(i64::try_from(state.epoch)?)
                .execute(self.store.pool())
                .await?;
            eprintln!("civnet oracle: {} epoch {}: root on chain", sub.name, state.epoch);
            state.state = "posted".into();
        }
        let post_secs = posting.elapsed().as_secs_f64();
        let mut activity_changes = 0;
        if state.state == "posted" {
            let planned = sqlx::query("SELECT device_key, active FROM oracle_activity WHERE sub_network = $1 AND epoch = $2 AND done = 0 ORDER BY device_key")
                .bind(&sub.address)
                .bind(i64::try_from(state.epoch)?)
                .fetch_all(self.store.pool())
                .await?;
            // The instruction builder reads only the network's address from these keys.
            let net = civnet_client::scenario::NetworkKeys { authority: Keypair::new(), token_mint: Pubkey::default(), network: self.network, mint_authority: Pubkey::default() };
            for row in planned {
                let key: String = row.try_get("device_key")?;
                let active = row.try_get::<i64, _>("active")? != 0;
                let device_key: Pubkey = key.parse()?;
                let ix = civnet_client::registry::set_device_active_ix(&net, oracle.pubkey(), &address, device_key, active);
                // A device retired since the close has no account left to set; that is the only
                // failure passed over (recorded without a signature).
                let signature = match chain.send(&[ix], &[oracle]) {
                    Ok(signature) => Some(signature),
                    Err(e) if !self.device_exists(chain, &device_key)? => {
                        eprintln!("civnet oracle: {key} is gone ({e}); its activity is moot");
                        None
                    }
                    Err(e) => return Err(e.context(format!("setting {key} {}", if active { "active" } else { "inactive" }))),
                };
                sqlx::query("UPDATE oracle_activity SET done = 1, signature = $1 WHERE sub_network = $2 AND epoch = $3 AND device_key = $4")
                    .bind(signature)
                    .bind(&sub.address)
                    .bind(i64::try_from(state.epoch)?)
                    .bind(&key)
                    .execute(self.store.pool())
                    .await?;
                activity_changes += 1;
            }
            sqlx::query("UPDATE oracle_epochs SET state = 'done' WHERE sub_network = $1 AND epoch = $2").bind(&sub.address).bind(i64::try_from(state.epoch)?).execute(self.store.pool()).await?;
            eprintln!("civnet oracle: {} epoch {}: closed ({activity_changes} activity changes)", sub.name, state.epoch);
        }
        Ok(Closed {
            sub_network: sub.address.clone(),
            epoch: state.epoch,
            issued: state.issued,
            root: hex::encode(state.root),
            total_cumulative: state.total_cumulative,
            leaves: state.leaves,
            activity_changes,
            root_posted,
            compute_secs: 0.0,
            post_secs,
        })
    }

    fn device_exists(&self, chain: &impl ChainAccess, device_key: &Pubkey) -> Result<bool> {
        Ok(chain.account(&civnet_client::pda::device(&self.network, device_key))?.is_some())
    }
}

fn epoch_state(row: &sqlx::any::AnyRow) -> Result<EpochState> {
    let root: String = row.try_get("root")?;
    let root: [u8; 32] = hex::decode(&root)?.try_into().map_err(|_| anyhow::anyhow!("root {root} is not 32 bytes"))?;
    Ok(EpochState {
        epoch: u64::try_from(row.try_get::<i64, _>("epoch")?)?,
        state: row.try_get("state")?,
        root,
        total_cumulative: crate::store::amount(row, "total_cumulative")?,
        issued: crate::store::amount(row, "issued")?,
        leaves: u64::try_from(row.try_get::<i64, _>("leaves")?)?,
    })
}
