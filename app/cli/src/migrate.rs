//! `civnet migrate --config migrations/<cluster>.toml`: the deploy-and-bootstrap step after
//! the programs are deployed. Every step first reads the chain: what exists and matches is
//! left alone ("unchanged"), what is missing is created, what differs and can be updated is
//! updated. A second run changes nothing and says so.
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Context as _, Result};
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::{dc, registry, tokens, Keypair, Signer};
use clap::Args;
use data_credits::state::{DataCreditsConfig, PriceOracle};
use device_registry::state::Maker;
use emissions::state::SubNetwork;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

use crate::context::{key_or, optional_account, pubkey, read_keypair, send, write_keypair, Context};

#[derive(Args)]
pub struct MigrateArgs {
    /// The deployment's TOML file (see migrations/localnet.toml).
    #[arg(long, default_value = "migrations/localnet.toml")]
    pub config: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub network: NetworkConfig,
    pub data_credits: DataCreditsSection,
    #[serde(default)]
    pub sub_networks: Vec<SubNetworkConfig>,
    #[serde(default)]
    pub makers: Vec<MakerConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// The token mint's keypair file (relative to the config file, or `~/...`); created on
    /// the first run. It fixes the mint and so the network address.
    pub token_mint_keypair: PathBuf,
    pub epoch_length_secs: u32,
    pub max_issuance_per_epoch: u64,
    /// Tokens (base units) per epoch before the first halving.
    pub tokens_per_epoch: u64,
    pub halving_every_epochs: u64,
    pub halvings: usize,
    /// Tokens minted at launch (treasury, early customers), before minting passes to the
    /// network for good. Applied only when the mint is created.
    #[serde(default)]
    pub genesis: Vec<GenesisAllocation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAllocation {
    /// A wallet address, or "signer" for the --keypair running the migration.
    pub owner: String,
    /// Base units (6 decimals).
    pub amount: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCreditsSection {
    pub usd_per_token_e8: u64,
    pub max_dc_minted_per_epoch: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubNetworkConfig {
    pub name: String,
    pub dc_burn_authority: Option<String>,
    pub active_device_authority: Option<String>,
    pub rewards_oracle: Option<String>,
    pub onboarding_fee_dc: u64,
    pub location_fee_dc: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakerConfig {
    pub name: String,
    pub authority: Option<String>,
    #[serde(default = "yes")]
    pub approved: bool,
}

fn yes() -> bool {
    true
}

struct Steps(Vec<Value>);

impl Steps {
    fn push(&mut self, step: String, status: &str) {
        self.0.push(json!({"step": step, "status": status}));
    }
}

pub fn run(ctx: &Context, args: MigrateArgs) -> Result<Value> {
    let text = std::fs::read_to_string(&args.config).with_context(|| format!("reading {}", args.config.display()))?;
    let config: Config = toml::from_str(&text).with_context(|| format!("{} is not a civnet deployment file", args.config.display()))?;
    let base = args.config.parent().unwrap_or(Path::new("."));
    let mut cluster = ctx.cluster()?;
    let me = cluster.payer.pubkey();
    let mut steps = Steps(Vec::new());

    // The token mint: its keypair fixes every address below.
    let mint_path = keys_path(base, &config.network.token_mint_keypair);
    let mint = if mint_path.exists() {
        read_keypair(&mint_path.to_string_lossy())?
    } else {
        let mint = Keypair::new();
        write_keypair(&mint_path, &mint)?;
        mint
    };
    let keys = NetworkKeys::for_mint(mint.pubkey(), cluster.payer.insecure_clone());
    let network = keys.network;
    if cluster.rpc.account(&keys.token_mint)?.is_none() {
        // The signer mints the genesis allocations and keeps minting until initialize_network
        // (below, signed by it) hands it to the network's PDA in the same instruction.
        let launcher = cluster.payer.insecure_clone();
        tokens::create_mint_at(&mut cluster, &mint, &launcher.pubkey(), 6);
        for allocation in &config.network.genesis {
            tokens::mint_to_owner(&mut cluster, &keys.token_mint, &launcher, &genesis_owner(&allocation.owner, &me)?, allocation.amount);
        }
        steps.push(format!("token mint {} ({} genesis allocations)", keys.token_mint, config.network.genesis.len()), "created");
    } else {
        steps.push(format!("token mint {}", keys.token_mint), "unchanged");
    }

    // The network.
    let n = &config.network;
    match optional_account::<emissions::state::Network>(&cluster, &network)? {
        None => {
            let start = net::current_epoch(&cluster, n.epoch_length_secs);
            let args = emissions::instructions::InitializeNetworkArgs {
                epoch_length_secs: n.epoch_length_secs,
                max_issuance_per_epoch: n.max_issuance_per_epoch,
                emission_schedule: scenario::halving_schedule_from(start, n.tokens_per_epoch, n.halving_every_epochs, n.halvings),
            };
            send(&cluster, &[scenario::initialize_network_ix(&keys, me, me, args)], &[])?;
            steps.push(format!("network {network}"), "created");
        }
        Some(existing) => {
            // The schedule is anchored at the launch epoch; compare amounts and spacing.
            let start = existing.emission_schedule.first().map_or(0, |s| s.start_epoch);
            let wanted = scenario::halving_schedule_from(start, n.tokens_per_epoch, n.halving_every_epochs, n.halvings);
            let same_schedule = wanted.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)).eq(existing.emission_schedule.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)));
            if existing.epoch_length_secs != n.epoch_length_secs {
                return Err(anyhow!("network {network} has {}-second epochs, the config says {}: epoch length cannot change after launch", existing.epoch_length_secs, n.epoch_length_secs));
            }
            if same_schedule && existing.max_issuance_per_epoch == n.max_issuance_per_epoch {
                steps.push(format!("network {network}"), "unchanged");
            } else {
                let args = emissions::instructions::UpdateNetworkArgs {
                    max_issuance_per_epoch: Some(n.max_issuance_per_epoch),
                    emission_schedule: (!same_schedule).then_some(wanted),
                };
                send(&cluster, &[net::update_network_ix(&keys, me, args)], &[])?;
                steps.push(format!("network {network}"), "updated");
            }
        }
    }

    // Data credits.
    let d = &config.data_credits;
    let oracle = PriceOracle::Fixed { usd_per_token_e8: d.usd_per_token_e8 };
    match optional_account::<DataCreditsConfig>(&cluster, &scenario::dc_config_address(&network))? {
        None => {
            let args = data_credits::instructions::InitializeArgs { price_oracle: oracle, max_dc_minted_per_epoch: d.max_dc_minted_per_epoch };
            let authority = cluster.payer.insecure_clone();
            scenario::initialize_data_credits(&mut cluster, &keys, &authority, args).map_err(|f| anyhow!("data_credits::initialize failed: {f}"))?;
            steps.push("data credits".into(), "created");
        }
        Some(existing) if existing.price_oracle == oracle && existing.max_dc_minted_per_epoch == d.max_dc_minted_per_epoch => steps.push("data credits".into(), "unchanged"),
        Some(_) => {
            let args = data_credits::instructions::UpdateConfigArgs { price_oracle: Some(oracle), max_dc_minted_per_epoch: Some(d.max_dc_minted_per_epoch) };
            send(&cluster, &[civnet_client::dc::update_config_ix(&keys, me, args)], &[])?;
            steps.push("data credits".into(), "updated");
        }
    }

    // Sub-networks.
    for s in &config.sub_networks {
        let (dc_burn, active, oracle) = (key_or(&s.dc_burn_authority, me)?, key_or(&s.active_device_authority, me)?, key_or(&s.rewards_oracle, me)?);
        let sub = SubNetworkKeys::new(&network, &s.name);
        match optional_account::<SubNetwork>(&cluster, &sub.address)? {
            None => {
                let args = emissions::instructions::CreateSubNetworkArgs {
                    name: s.name.clone(),
                    dc_burn_authority: dc_burn,
                    active_device_authority: active,
                    rewards_oracle: oracle,
                    onboarding_fee_dc: s.onboarding_fee_dc,
                    location_fee_dc: s.location_fee_dc,
                };
                let [burns, devices] = net::initialize_activity_records_ixs(me, &keys.network, &sub.address);
                send(&cluster, &[net::create_sub_network_ix(&keys, me, me, &sub, args), burns, devices], &[])?;
                steps.push(format!("sub-network {}", s.name), "created");
            }
            Some(e) => {
                let differs = |a: Pubkey, b: Pubkey| (a != b).then_some(b);
                let args = emissions::instructions::UpdateSubNetworkArgs {
                    dc_burn_authority: differs(e.dc_burn_authority, dc_burn),
                    active_device_authority: differs(e.active_device_authority, active),
                    rewards_oracle: differs(e.rewards_oracle, oracle),
                    onboarding_fee_dc: (e.onboarding_fee_dc != s.onboarding_fee_dc).then_some(s.onboarding_fee_dc),
                    location_fee_dc: (e.location_fee_dc != s.location_fee_dc).then_some(s.location_fee_dc),
                };
                let changed = args.dc_burn_authority.is_some() || args.active_device_authority.is_some() || args.rewards_oracle.is_some() || args.onboarding_fee_dc.is_some() || args.location_fee_dc.is_some();
                if changed {
                    send(&cluster, &[net::update_sub_network_ix(&keys, me, &sub.address, args)], &[])?;
                    steps.push(format!("sub-network {}", s.name), "updated");
                } else {
                    steps.push(format!("sub-network {}", s.name), "unchanged");
                }
                // Activity records of a sub-network created before they existed.
                let [burns, devices] = net::initialize_activity_records_ixs(me, &keys.network, &sub.address);
                let missing: Vec<_> = [(dc::sub_network_burns_address(&sub.address), burns), (registry::sub_network_devices_address(&sub.address), devices)]
                    .into_iter()
                    .filter(|(address, _)| cluster.rpc.account_data(address).is_none())
                    .map(|(_, ix)| ix)
                    .collect();
                if !missing.is_empty() {
                    send(&cluster, &missing, &[])?;
                    steps.push(format!("sub-network {} activity records", s.name), "created");
                }
            }
        }
    }

    // The network's lookup table: the addresses every wallet transaction names, so claims
    // and onboarding fit a packet as v0 transactions (created, extended, or left alone).
    let subs: Vec<Pubkey> = config.sub_networks.iter().map(|s| net::sub_network_address(&network, &s.name)).collect();
    let (table, added) = crate::context::ensure_network_table(ctx, &mut cluster, &keys, &subs)?;
    steps.push(format!("lookup table {table}"), if added == 0 { "unchanged" } else { "updated" });

    // Makers.
    for m in &config.makers {
        let authority = key_or(&m.authority, me)?;
        let address = scenario::maker_address(&network, &m.name);
        let existing = optional_account::<Maker>(&cluster, &address)?;
        let mut status = "unchanged";
        if existing.is_none() {
            scenario::create_maker(&mut cluster, &network, &m.name, authority).map_err(|f| anyhow!("create_maker {} failed: {f}", m.name))?;
            status = "created";
        } else if existing.as_ref().is_some_and(|e| e.authority != authority) {
            return Err(anyhow!("maker {} exists with authority {}, the config says {authority}", m.name, existing.map(|e| e.authority).unwrap_or_default()));
        }
        let approved = existing.is_some_and(|e| e.approved);
        if approved != m.approved {
            let ix = if m.approved { registry::approve_maker_ix(&keys, me, &address, authority) } else { registry::revoke_maker_ix(&keys, me, &address) };
            send(&cluster, &[ix], &[])?;
            if status == "unchanged" {
                status = "updated";
            }
        }
        steps.push(format!("maker {}", m.name), status);
    }

    let changed = steps.0.iter().filter(|s| s["status"] != "unchanged").count();
    let summary = if changed == 0 { "nothing to do: the deployment matches the config".to_string() } else { format!("{changed} step(s) applied") };
    Ok(json!({"network": network.to_string(), "token_mint": keys.token_mint.to_string(), "lookup_table": table.to_string(), "summary": summary, "changed": changed, "steps": steps.0}))
}

/// A key file named in a deployment: `~/...` under the home directory (where generated keys
/// belong: outside any checkout), else relative to the deployment file.
fn keys_path(base: &Path, path: &Path) -> PathBuf {
    match path.to_str() {
        Some(text) if text.starts_with("~/") => crate::context::expand(text),
        _ => base.join(path),
    }
}

fn genesis_owner(owner: &str, signer: &Pubkey) -> Result<Pubkey> {
    if owner == "signer" {
        Ok(*signer)
    } else {
        pubkey(owner)
    }
}
