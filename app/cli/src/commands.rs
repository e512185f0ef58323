//! The operator, maker, wallet and customer commands: each builds the instructions with the
//! client crate, sends them to `--url` signed by `--keypair`, and returns what it did as JSON.
use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use anyhow::{anyhow, bail, Context as _, Result};
use base64::Engine;
use civnet_client::bubblegum::{compute_budget, TreeShape};
use civnet_client::network::{self as net, SubNetworkKeys};
use civnet_client::registry;
use civnet_client::rpc::RpcCluster;
use civnet_client::scenario::{self, NetworkKeys};
use civnet_client::tree_history::TreeHistory;
use civnet_client::validator::{LocalnetOptions, TestValidator};
use civnet_client::{dc, tokens, Keypair, Signer};
use civnet_common::rewards::RewardTree;
use clap::{Args, Subcommand};
use data_credits::state::SubNetworkBurns;
use device_registry::state::{Device, Maker, SubNetworkDevices};
use emissions::state::{EpochInfo, SubNetwork, SubNetworkEpochInfo};
use serde_json::{json, Value};
use solana_transaction::Transaction;
use std::path::PathBuf;

use crate::context::{account, ensure_signer, explain_send_error, key_or, optional_account, pubkey, read_keypair, send, send_as_wallet, Context};

// ---------------------------------------------------------------- localnet

#[derive(Args)]
pub struct LocalnetArgs {
    /// Ledger directory (kept between runs unless --reset).
    #[arg(long, default_value = ".civnet/localnet")]
    pub ledger: PathBuf,
    #[arg(long, default_value_t = 8899)]
    pub rpc_port: u16,
    /// Start from an empty ledger.
    #[arg(long)]
    pub reset: bool,
    /// PoH ticks per slot: 64 (mainnet's 400 ms slots) unless given; 16 makes 100 ms slots
    /// (transactions confirm four times sooner, but a signed transaction's blockhash expires
    /// after 15 s instead of about 60 s). The tests' validators run at 16.
    #[arg(long, env = "CIVNET_LOCALNET_TICKS_PER_SLOT", value_parser = clap::value_parser!(u64).range(2..=64))]
    pub ticks_per_slot: Option<u64>,
}

pub fn localnet(ctx: &Context, args: LocalnetArgs) -> Result<Value> {
    let options = LocalnetOptions { ledger: args.ledger.clone(), rpc_port: args.rpc_port, reset: args.reset, account_dir: None, ticks_per_slot: args.ticks_per_slot };
    let mut validator = TestValidator::start_localnet(&options).map_err(anyhow::Error::msg)?;
    // Fund the CLI's keypair (created when missing) so the next commands can pay.
    let signer = crate::wallet::ensure_keypair(ctx)?;
    validator.cluster.request_airdrop(&signer.pubkey(), 1_000_000_000_000).map_err(|e| anyhow!("airdrop: {e}"))?;
    eprintln!(
        "civnet localnet: RPC {} with emissions, data_credits, device_registry, Bubblegum, account compression and noop; ledger {}; Ctrl-C stops it",
        validator.rpc_url(),
        validator.ledger().display()
    );
    let status = validator.wait()?;
    Ok(json!({"rpc_url": validator.rpc_url(), "exit": status.to_string()}))
}

// ---------------------------------------------------------------- network

#[derive(Subcommand)]
pub enum NetworkCmd {
    /// Create the network token (Token-2022) and the network, and price data credits.
    Init(NetworkInitArgs),
    /// The network, its data-credit configuration and sub-networks.
    Show,
}

#[derive(Args)]
pub struct NetworkInitArgs {
    #[arg(long, default_value_t = 86_400)]
    pub epoch_length_secs: u32,
    /// Tokens (base units, 6 decimals) emitted per epoch before the first halving.
    #[arg(long, default_value_t = 100_000_000_000)]
    pub tokens_per_epoch: u64,
    /// Epochs between halvings.
    #[arg(long, default_value_t = 365)]
    pub halving_every: u64,
    #[arg(long, default_value_t = 8)]
    pub halvings: usize,
    /// Fixed price of one token in USD * 10^8 (data credits cost $0.00001 each).
    #[arg(long, default_value_t = 150_000_000)]
    pub usd_per_token_e8: u64,
    #[arg(long, default_value_t = 1_000_000_000_000)]
    pub max_dc_minted_per_epoch: u64,
}

pub fn network(ctx: &Context, cmd: NetworkCmd) -> Result<Value> {
    let mut cluster = ctx.cluster()?;
    match cmd {
        NetworkCmd::Init(a) => {
            let start = net::current_epoch(&cluster, a.epoch_length_secs);
            let schedule = scenario::halving_schedule_from(start, a.tokens_per_epoch, a.halving_every, a.halvings);
            let args = emissions::instructions::InitializeNetworkArgs {
                epoch_length_secs: a.epoch_length_secs,
                max_issuance_per_epoch: a.tokens_per_epoch,
                emission_schedule: schedule,
            };
            // The signer creates the mint and holds minting until initialize_network, which it
            // signs and which hands minting to the network's PDA (no window for a front-run).
            let mint = Keypair::new();
            let keys = NetworkKeys::for_mint(mint.pubkey(), cluster.payer.insecure_clone());
            let holder = cluster.payer.pubkey();
            tokens::create_mint_at(&mut cluster, &mint, &holder, 6);
            send(&cluster, &[scenario::initialize_network_ix(&keys, cluster.payer.pubkey(), cluster.payer.pubkey(), args)], &[])?;
            let dc_args = data_credits::instructions::InitializeArgs {
                price_oracle: data_credits::state::PriceOracle::Fixed { usd_per_token_e8: a.usd_per_token_e8 },
                max_dc_minted_per_epoch: a.max_dc_minted_per_epoch,
            };
            let authority = cluster.payer.insecure_clone();
            scenario::initialize_data_credits(&mut cluster, &keys, &authority, dc_args).map_err(|f| anyhow!("data_credits::initialize failed: {f}"))?;
            Ok(json!({"network": keys.network.to_string(), "token_mint": keys.token_mint.to_string(), "dc_mint": scenario::dc_mint_address(&keys.network).to_string(), "authority": authority.pubkey().to_string()}))
        }
        NetworkCmd::Show => {
            let keys = ctx.network(&cluster)?;
            let network: emissions::state::Network = account(&cluster, &keys.network)?;
            let config: Option<data_credits::state::DataCreditsConfig> = optional_account(&cluster, &scenario::dc_config_address(&keys.network))?;
            let subs = sub_networks(&cluster, &keys.network)?;
            Ok(json!({
                "network": keys.network.to_string(),
                "authority": network.authority.to_string(),
                "token_mint": network.token_mint.to_string(),
                "token_supply": tokens::supply(&cluster, &network.token_mint),
                "epoch_length_secs": network.epoch_length_secs,
                "start_epoch": network.start_epoch,
                "current_epoch": net::current_epoch(&cluster, network.epoch_length_secs),
                "total_issued": network.total_issued,
                "emission_schedule": network.emission_schedule.iter().map(|s| json!({"start_epoch": s.start_epoch, "tokens_per_epoch": s.tokens_per_epoch})).collect::<Vec<_>>(),
                "dc_mint": config.as_ref().map(|c| c.dc_mint.to_string()),
                "dc_minted": config.as_ref().map(|c| c.total_dc_minted),
                "dc_supply": config.as_ref().map(|c| tokens::supply(&cluster, &c.dc_mint)),
                "sub_networks": subs.iter().map(|(address, s)| sub_network_json(&cluster, address, s)).collect::<Result<Vec<_>>>()?,
            }))
        }
    }
}

/// Every sub-network of `network` (getProgramAccounts by discriminator, then by network).
fn sub_networks(cluster: &RpcCluster, network: &Pubkey) -> Result<Vec<(Pubkey, SubNetwork)>> {
    let mut subs: Vec<(Pubkey, SubNetwork)> = cluster
        .rpc
        .program_accounts(&emissions::ID, SubNetwork::DISCRIMINATOR)?
        .into_iter()
        .filter_map(|(key, data)| SubNetwork::try_deserialize(&mut data.as_slice()).ok().map(|s| (key, s)))
        .filter(|(_, s)| s.network == *network)
        .collect();
    subs.sort_by_key(|(_, s)| s.index);
    Ok(subs)
}

/// A sub-network with the live counts of its activity records (null before they exist).
fn sub_network_json(cluster: &RpcCluster, address: &Pubkey, s: &SubNetwork) -> Result<Value> {
    let burns: Option<SubNetworkBurns> = optional_account(cluster, &dc::sub_network_burns_address(address))?;
    let devices: Option<SubNetworkDevices> = optional_account(cluster, &registry::sub_network_devices_address(address))?;
    Ok(json!({
        "name": s.name, "address": address.to_string(), "index": s.index,
        "active_devices": devices.map(|d| d.active_devices), "devices_onboarded": devices.map(|d| d.devices_onboarded),
        "dc_burned_for_usage": burns.map(|b| b.total_burned), "fees_dc_burned": devices.map(|d| d.fees_dc_burned),
        "total_issued": s.total_issued, "total_claimed": s.total_claimed,
        "onboarding_fee_dc": s.onboarding_fee_dc, "location_fee_dc": s.location_fee_dc,
    }))
}

// ---------------------------------------------------------------- sub-network

#[derive(Subcommand)]
pub enum SubNetworkCmd {
    /// Create a sub-network (signed by the network authority).
    Create(SubNetworkCreateArgs),
    Show { name: String },
}

#[derive(Args)]
pub struct SubNetworkCreateArgs {
    pub name: String,
    /// Burns delegated DC for usage (the sub-network's router operator); default: the signer.
    #[arg(long)]
    pub dc_burn_authority: Option<String>,
    /// Marks devices active or inactive; default: the signer.
    #[arg(long)]
    pub active_device_authority: Option<String>,
    /// Publishes reward roots; default: the signer.
    #[arg(long)]
    pub rewards_oracle: Option<String>,
    #[arg(long, default_value_t = 4_000_000)]
    pub onboarding_fee_dc: u64,
    #[arg(long, default_value_t = 1_000_000)]
    pub location_fee_dc: u64,
}


pub fn sub_network(ctx: &Context, cmd: SubNetworkCmd) -> Result<Value> {
    let mut cluster = ctx.cluster()?;
    let keys = ctx.network(&cluster)?;
    match cmd {
        SubNetworkCmd::Create(a) => {
            let me = cluster.payer.pubkey();
            let sub = SubNetworkKeys::new(&keys.network, &a.name);
            let args = emissions::instructions::CreateSubNetworkArgs {
                name: a.name.clone(),
                dc_burn_authority: key_or(&a.dc_burn_authority, me)?,
                active_device_authority: key_or(&a.active_device_authority, me)?,
                rewards_oracle: key_or(&a.rewards_oracle, me)?,
                onboarding_fee_dc: a.onboarding_fee_dc,
                location_fee_dc: a.location_fee_dc,
            };
            let [burns, devices] = net::initialize_activity_records_ixs(me, &keys.network, &sub.address);
            let outcome = send(&cluster, &[net::create_sub_network_ix(&keys, me, me, &sub, args), burns, devices], &[])?;
            // Its accounts join the network's lookup table (created if the network has none).
            let subs: Vec<Pubkey> = sub_networks(&cluster, &keys.network)?.into_iter().map(|(address, _)| address).collect();
            let (table, added) = crate::context::ensure_network_table(ctx, &mut cluster, &keys, &subs)?;
            Ok(json!({"sub_network": sub.address.to_string(), "name": a.name, "rewards_escrow": sub.rewards_escrow.to_string(), "signature": outcome.signature, "lookup_table": table.to_string(), "lookup_table_added": added}))
        }
        SubNetworkCmd::Show { name } => {
            let address = net::sub_network_address(&keys.network, &name);
            let s: SubNetwork = account(&cluster, &address).with_context(|| format!("sub-network {name}"))?;
            let mut value = sub_network_json(&cluster, &address, &s)?;
            value["dc_burn_authority"] = json!(s.dc_burn_authority.to_string());
            value["active_device_authority"] = json!(s.active_device_authority.to_string());
            value["rewards_oracle"] = json!(s.rewards_oracle.to_string());
            value["rewards_escrow_balance"] = json!(tokens::balance(&cluster, &s.rewards_escrow));
            Ok(value)
        }
    }
}

// ---------------------------------------------------------------- maker

#[derive(Subcommand)]
pub enum MakerCmd {
    /// Register a maker (anyone may; the network authority approves).
    Create {
        name: String,
        /// The maker's authority; default: the signer.
        #[arg(long)]
        authority: Option<String>,
    },
    /// Approve a maker to issue devices (network authority). Anyone can register a name, so
    /// the approval names the maker authority it expects and fails if someone else holds it.
    Approve {
        name: String,
        /// The maker authority you expect (`maker show NAME` prints the registered one).
        #[arg(long)]
        authority: String,
    },
    /// Revoke a maker's approval (network authority).
    Revoke { name: String },
    /// Give the maker a new Bubblegum tree for its device cNFTs (maker authority).
    SetTree {
        name: String,
        #[arg(long, default_value_t = 14)]
        max_depth: u32,
        #[arg(long, default_value_t = 64)]
        max_buffer_size: u32,
        /// Tree levels cached on chain: proofs get shorter, the tree account bigger.
        #[arg(long, default_value_t = 8)]
        canopy_depth: u32,
    },
    Show { name: String },
}

pub fn maker(ctx: &Context, cmd: MakerCmd) -> Result<Value> {
    let mut cluster = ctx.cluster()?;
    let keys = ctx.network(&cluster)?;
    let me = cluster.payer.pubkey();
    match cmd {
        MakerCmd::Create { name, authority } => {
            let authority = key_or(&authority, me)?;
            let outcome = scenario::create_maker(&mut cluster, &keys.network, &name, authority).map_err(|f| anyhow!("transaction failed: {f}"))?;
            Ok(json!({"maker": scenario::maker_address(&keys.network, &name).to_string(), "name": name, "authority": authority.to_string(), "signature": outcome.signature}))
        }
        MakerCmd::Approve { name, authority } => set_approval(&cluster, &keys, &name, Some(pubkey(&authority)?)),
        MakerCmd::Revoke { name } => set_approval(&cluster, &keys, &name, None),
        MakerCmd::SetTree { name, max_depth, max_buffer_size, canopy_depth } => {
            if canopy_depth > max_depth {
                bail!("--canopy-depth ({canopy_depth}) cannot exceed --max-depth ({max_depth})");
            }
            let address = scenario::maker_address(&keys.network, &name);
            let maker: Maker = account(&cluster, &address).with_context(|| format!("maker {name}"))?;
            ensure_signer(&maker.authority, &cluster.payer, "the maker authority")?;
            let shape = TreeShape { max_depth, max_buffer_size, canopy_depth };
            let merkle_tree = civnet_client::bubblegum::allocate_tree_account(&mut cluster, shape);
            let ix = registry::set_maker_tree_ix(&keys.network, me, me, &address, merkle_tree, shape, registry::DEFAULT_URI_BASE);
            let outcome = send(&cluster, &[compute_budget(400_000), ix], &[])?;
            Ok(json!({"maker": address.to_string(), "merkle_tree": merkle_tree.to_string(), "capacity": 1u64 << max_depth, "tree_rent_lamports": cluster.rpc.minimum_balance_for_rent_exemption(shape.account_size())?, "signature": outcome.signature}))
        }
        MakerCmd::Show { name } => {
            let address = scenario::maker_address(&keys.network, &name);
            let m: Maker = account(&cluster, &address).with_context(|| format!("maker {name}"))?;
            Ok(json!({
                "maker": address.to_string(), "name": m.name, "authority": m.authority.to_string(), "approved": m.approved,
                "merkle_tree": m.merkle_tree.to_string(), "tree_capacity": m.tree_capacity, "tree_devices": m.tree_devices,
                "devices_issued": m.devices_issued, "uri_base": m.uri_base,
            }))
        }
    }
}

/// Approves `name` expecting `approve_for` as its authority, or revokes it (`None`).
fn set_approval(cluster: &RpcCluster, keys: &NetworkKeys, name: &str, approve_for: Option<Pubkey>) -> Result<Value> {
    let address = scenario::maker_address(&keys.network, name);
    let maker = account::<Maker>(cluster, &address).with_context(|| format!("maker {name}"))?;
    let me = cluster.payer.pubkey();
    let ix = match approve_for {
        Some(expected) if expected != maker.authority => {
            bail!("maker {name} is registered with authority {}, not {expected}: not approving (someone else may have registered the name)", maker.authority)
        }
        Some(expected) => registry::approve_maker_ix(keys, me, &address, expected),
        None => registry::revoke_maker_ix(keys, me, &address),
    };
    let outcome = send(cluster, &[ix], &[])?;
    Ok(json!({"maker": address.to_string(), "authority": maker.authority.to_string(), "approved": approve_for.is_some(), "signature": outcome.signature}))
}

// ---------------------------------------------------------------- device

#[derive(Subcommand)]
pub enum DeviceCmd {
    /// The maker (signer) issues a device identity (a cNFT) to its owner.
    Issue(DeviceIssueArgs),
    /// The owner (signer) onboards a device to a sub-network, burning the onboarding fee in DC.
    Onboard(DeviceOnboardArgs),
    /// The owner (signer) updates location, elevation or gain (a new location burns the fee).
    Update(DeviceUpdateArgs),
    /// A device by device key or asset id.
    Show { key_or_asset: String },
    /// The device (its own keypair signs) tells the rewards oracle it is up: a heartbeat with
    /// the oracle's current entropy.
    Heartbeat(DeviceHeartbeatArgs),
}

#[derive(Args)]
pub struct DeviceHeartbeatArgs {
    /// The device's own keypair (the device key proven at issuance).
    #[arg(long)]
    pub device_keypair: String,
    /// The sub-network the device is onboarded to.
    #[arg(long)]
    pub sub_network: String,
    /// The rewards oracle's URL (e.g. http://127.0.0.1:8090).
    #[arg(long)]
    pub oracle: String,
}

#[derive(Args)]
pub struct DeviceIssueArgs {
    #[arg(long)]
    pub maker: String,
    #[arg(long)]
    pub owner: String,
    /// The device's own keypair: it signs to prove the device key.
    #[arg(long)]
    pub device_keypair: String,
    /// Print the transaction (base64) signed by the maker and the device, with the owner as
    /// fee payer, for the owner's wallet to complete (`civnet tx send`).
    #[arg(long)]
    pub sign_only: bool,
}

#[derive(Args)]
pub struct DeviceOnboardArgs {
    #[arg(long)]
    pub device_key: String,
    #[arg(long)]
    pub sub_network: String,
    /// H3 cell (hex, resolution 0-15); omitted: no location.
    #[arg(long)]
    pub location: Option<String>,
    /// Metres; below sea level is negative (`--elevation -3`).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub elevation: i16,
    /// Antenna gain in tenths of a dBi.
    #[arg(long, default_value_t = 0)]
    pub gain: u8,
}

#[derive(Args)]
pub struct DeviceUpdateArgs {
    #[arg(long)]
    pub device_key: String,
    #[arg(long)]
    pub location: Option<String>,
    /// Metres; below sea level is negative (`--elevation -3`).
    #[arg(long, allow_negative_numbers = true)]
    pub elevation: Option<i16>,
    #[arg(long)]
    pub gain: Option<u8>,
}

fn h3(text: &str) -> Result<u64> {
    u64::from_str_radix(text.trim_start_matches("0x"), 16).map_err(|_| anyhow!("--location {text:?} is not an H3 cell in hex (e.g. 8c2a100d2a1bfff)"))
}

/// Where a device's cNFT lives: its maker, tree and leaf.
struct LocatedCnft {
    maker: Maker,
    nonce: u64,
    shape: TreeShape,
    history: TreeHistory,
}

/// Finds the device's cNFT among the makers' current trees (asset id = Bubblegum's PDA of tree
/// and leaf index) and rebuilds that tree from its change-log history.
fn locate_cnft(cluster: &RpcCluster, network: &Pubkey, asset_id: &Pubkey) -> Result<LocatedCnft> {
    let makers = cluster.rpc.program_accounts(&device_registry::ID, Maker::DISCRIMINATOR)?;
    for (_, data) in makers {
        let Ok(maker) = Maker::try_deserialize(&mut data.as_slice()) else { continue };
        if maker.network != *network || maker.merkle_tree == Pubkey::default() {
            continue;
        }
        let Some(nonce) = (0..maker.tree_devices).find(|n| mpl_bubblegum::utils::get_asset_id(&maker.merkle_tree, *n) == *asset_id) else { continue };
        let tree_data = cluster.rpc.account(&maker.merkle_tree)?.ok_or_else(|| anyhow!("tree {} does not exist", maker.merkle_tree))?.0;
        let shape = TreeShape::from_account(&tree_data).ok_or_else(|| anyhow!("{} is not a merkle tree account", maker.merkle_tree))?;
        let history = TreeHistory::fetch(&cluster.rpc, &maker.merkle_tree, shape.max_depth)?;
        // An RPC node with pruned history would give a wrong proof: check against the tree.
        if civnet_client::bubblegum::active_root(&tree_data, shape.max_depth) != Some(history.root()) {
            bail!(
                "the history of tree {} from {} does not reach its current root ({} changes read): use an RPC node that keeps full transaction history",
                maker.merkle_tree,
                cluster.rpc.url,
                history.events()
            );
        }
        return Ok(LocatedCnft { maker, nonce, shape, history });
    }
    bail!("asset {asset_id} is not in any maker's current tree of this network")
}

/// The leaf fields and proof nodes (below the canopy) with which `owner` proves it holds the
/// device's cNFT, and its tree; an error when someone else holds it. From the DAS endpoint
/// (`--das`) or the indexer's database (`--index-db`) when given, else rebuilt from the tree's
/// whole history.
fn ownership(ctx: &Context, cluster: &RpcCluster, network: &Pubkey, device_key: &Pubkey, asset_id: &Pubkey, owner: &Pubkey) -> Result<(emissions::cnft::CnftLeaf, Vec<[u8; 32]>, Pubkey)> {
    let from_index = match (&ctx.das, &ctx.index_db) {
        (Some(url), _) => Some((civnet_client::das::get_asset(url, asset_id).map_err(anyhow::Error::msg)?, civnet_client::das::get_asset_proof(url, asset_id).map_err(anyhow::Error::msg)?)),
        (None, Some(database)) => Some(indexed_ownership(cluster, database, asset_id)?),
        (None, None) => None,
    };
    if let Some((asset, proof)) = from_index {
        let tree_data = cluster.rpc.account(&asset.tree)?.ok_or_else(|| anyhow!("tree {} does not exist", asset.tree))?.0;
        let shape = TreeShape::from_account(&tree_data).ok_or_else(|| anyhow!("{} is not a merkle tree account", asset.tree))?;
        let (leaf, nodes) = civnet_client::das::ownership(&asset, &proof, owner, shape.canopy_depth).map_err(anyhow::Error::msg)?;
        return Ok((leaf, nodes, asset.tree));
    }
    let located = locate_cnft(cluster, network, asset_id)?;
    let leaf = registry::device_leaf(network, &located.maker, device_key, owner, located.nonce, located.history.root());
    if registry::leaf_hash(asset_id, owner, &leaf) != located.history.leaf(located.nonce as u32) {
        bail!("{owner} does not hold the cNFT {asset_id} of device {device_key} (transferred or delegated?): use the owner's keypair");
    }
    let mut proof = located.history.proof(located.nonce as u32);
    proof.truncate((located.shape.max_depth - located.shape.canopy_depth) as usize);
    Ok((leaf, proof, located.maker.merkle_tree))
}

/// An asset and its proof from the indexer's DAS tables, checked against the tree account.
fn indexed_ownership(cluster: &RpcCluster, database: &str, asset_id: &Pubkey) -> Result<(civnet_client::das::DasAsset, civnet_client::das::DasProof)> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (asset, proof) = runtime.block_on(async {
        let store = civnet_indexer::Store::open(database).await?;
        let mut conn = store.pool.acquire().await?;
        let asset = civnet_indexer::das::asset(&mut conn, &asset_id.to_string()).await?;
        let proof = civnet_indexer::das::asset_proof(&mut conn, &asset_id.to_string()).await?;
        anyhow::Ok((asset, proof))
    })?;
    let asset = asset.ok_or_else(|| anyhow!("asset {asset_id} is not in the index at {database}"))?;
    let proof = proof.map_err(|refusal| anyhow!("{refusal}"))?;
    let tree: Pubkey = proof.tree.parse()?;
    let tree_data = cluster.rpc.account(&tree)?.ok_or_else(|| anyhow!("tree {tree} does not exist"))?.0;
    civnet_indexer::das::check_against_chain(&proof, &tree_data).map_err(anyhow::Error::msg)?;
    // A 32-byte hash in base58 reads like a public key.
    let hash = |text: &str| -> Result<[u8; 32]> { Ok(pubkey(text)?.to_bytes()) };
    let das_asset = civnet_client::das::DasAsset {
        id: *asset_id,
        owner: pubkey(&asset.owner)?,
        delegate: pubkey(&asset.delegate)?,
        tree,
        leaf_id: asset.leaf_index,
        data_hash: hash(&asset.data_hash)?,
        creator_hash: hash(&asset.creator_hash)?,
        burnt: asset.state == "burnt",
    };
    let das_proof = civnet_client::das::DasProof { root: proof.root, leaf: proof.leaf, proof: proof.proof, node_index: proof.node_index, tree };
    Ok((das_asset, das_proof))
}

pub fn device(ctx: &Context, cmd: DeviceCmd) -> Result<Value> {
    if let DeviceCmd::Heartbeat(a) = cmd {
        return heartbeat(ctx, a);
    }
    let mut cluster = ctx.cluster()?;
    let keys = ctx.network(&cluster)?;
    let me = cluster.payer.pubkey();
    match cmd {
        DeviceCmd::Issue(a) => {
            let device = read_keypair(&a.device_keypair)?;
            let owner = pubkey(&a.owner)?;
            let address = scenario::maker_address(&keys.network, &a.maker);
            let maker: Maker = account(&cluster, &address).with_context(|| format!("maker {}", a.maker))?;
            ensure_signer(&maker.authority, &cluster.payer, "the maker authority")?;
            if maker.merkle_tree == Pubkey::default() {
                bail!("maker {} has no tree yet: run `civnet maker set-tree {}`", a.maker, a.maker);
            }
            let fee_payer = if a.sign_only { owner } else { me };
            let ix = registry::issue_device_ix(&keys.network, &address, me, maker.merkle_tree, fee_payer, device.pubkey(), owner);
            let instructions = [compute_budget(400_000), ix];
            if a.sign_only {
                let message = solana_transaction::Transaction::new_with_payer(&instructions, Some(&owner)).message;
                let mut tx = Transaction::new_unsigned(message);
                let blockhash = cluster.rpc.latest_blockhash()?;
                tx.try_partial_sign(&[&cluster.payer, &device], blockhash).map_err(|e| anyhow!("signing: {e}"))?;
                let bytes = bincode::serialize(&tx)?;
                return Ok(json!({
                    "transaction": base64::engine::general_purpose::STANDARD.encode(bytes),
                    "fee_payer": owner.to_string(), "missing_signer": owner.to_string(), "device_key": device.pubkey().to_string(),
                }));
            }
            let outcome = send(&cluster, &instructions, &[&device])?;
            let record: Device = account(&cluster, &registry::device_address(&keys.network, &device.pubkey()))?;
            Ok(json!({"device_key": device.pubkey().to_string(), "asset_id": record.asset_id.to_string(), "owner": owner.to_string(), "signature": outcome.signature}))
        }
        DeviceCmd::Onboard(a) => {
            let device_key = pubkey(&a.device_key)?;
            let record: Device = account(&cluster, &registry::device_address(&keys.network, &device_key)).map_err(|_| anyhow!("unknown device {device_key}: it was never issued on this network"))?;
            let sub = net::sub_network_address(&keys.network, &a.sub_network);
            account::<SubNetwork>(&cluster, &sub).with_context(|| format!("sub-network {}", a.sub_network))?;
            let (cnft, proof, merkle_tree) = ownership(ctx, &cluster, &keys.network, &device_key, &record.asset_id, &me)?;
            let location = a.location.as_deref().map(h3).transpose()?.unwrap_or(0);
            let args = device_registry::instructions::OnboardDeviceArgs { device_key, location, elevation: a.elevation, gain: a.gain, cnft };
            let ix = registry::onboard_device_ix(&keys, me, &sub, merkle_tree, args, &proof);
            let tables = ctx.lookup_tables(&cluster, &keys.network)?;
            let outcome = send_as_wallet(&mut cluster, &[compute_budget(400_000), ix], &proof, &tables)?;
            Ok(json!({"device_key": device_key.to_string(), "asset_id": record.asset_id.to_string(), "sub_network": a.sub_network, "compute_units": outcome.compute_units, "tx_bytes": outcome.size, "signature": outcome.signature}))
        }
        DeviceCmd::Update(a) => {
            let device_key = pubkey(&a.device_key)?;
            let record: Device = account(&cluster, &registry::device_address(&keys.network, &device_key)).map_err(|_| anyhow!("unknown device {device_key}"))?;
            let (_, sub) = sub_networks(&cluster, &keys.network)?
                .into_iter()
                .map(|(k, s)| (s.index, k))
                .find(|(index, _)| *index == record.sub_network_index)
                .ok_or_else(|| anyhow!("device {device_key} is not onboarded"))?;
            let (cnft, proof, merkle_tree) = ownership(ctx, &cluster, &keys.network, &device_key, &record.asset_id, &me)?;
            let args = device_registry::instructions::UpdateDeviceArgs { device_key, location: a.location.as_deref().map(h3).transpose()?, elevation: a.elevation, gain: a.gain, cnft };
            let ix = registry::update_device_ix(&keys, me, &sub, merkle_tree, args, &proof);
            let tables = ctx.lookup_tables(&cluster, &keys.network)?;
            let outcome = send_as_wallet(&mut cluster, &[compute_budget(400_000), ix], &proof, &tables)?;
            Ok(json!({"device_key": device_key.to_string(), "signature": outcome.signature}))
        }
        DeviceCmd::Heartbeat(_) => unreachable!("answered above"),
        DeviceCmd::Show { key_or_asset } => {
            let key = pubkey(&key_or_asset)?;
            let by_key = registry::device_address(&keys.network, &key);
            let (device_key, address, record) = match optional_account::<Device>(&cluster, &by_key)? {
                Some(record) => (Some(key), by_key, record),
                None => {
                    // By asset id: the Device record starts with it (after the discriminator).
                    let found = cluster
                        .rpc
                        .program_accounts(&device_registry::ID, Device::DISCRIMINATOR)?
                        .into_iter()
                        .find(|(_, data)| data.get(8..40) == Some(key.as_ref()))
                        .ok_or_else(|| anyhow!("unknown device: {key} is neither a device key nor a device asset id on this network"))?;
                    (None, found.0, Device::try_deserialize(&mut found.1.as_slice())?)
                }
            };
            let sub = if record.sub_network_index == u8::MAX {
                None
            } else {
                sub_networks(&cluster, &keys.network)?.into_iter().find(|(_, s)| s.index == record.sub_network_index).map(|(_, s)| s.name)
            };
            Ok(json!({
                "device": address.to_string(), "device_key": device_key.map(|k| k.to_string()), "asset_id": record.asset_id.to_string(),
                "sub_network": sub, "active": record.active, "location": format!("{:x}", record.location),
                "elevation": record.elevation, "gain": record.gain,
            }))
        }
    }
}

// ---------------------------------------------------------------- data credits

#[derive(Subcommand)]
pub enum DcCmd {
    /// Burn network tokens for data credits at the oracle price.
    Mint {
        /// DC to buy (tokens burned: rounded up).
        #[arg(long, conflicts_with = "tokens")]
        dc: Option<u64>,
        /// Tokens (base units) to burn.
        #[arg(long)]
        tokens: Option<u64>,
        /// Who receives the DC; default: the signer.
        #[arg(long)]
        recipient: Option<String>,
        /// The Pyth `PriceUpdateV2` account to price with (networks priced by a Pyth feed;
        /// post one with the Pyth receiver first).
        #[arg(long)]
        price_update: Option<String>,
    },
    /// Move DC into a sub-network router's escrow, to be burned for its usage.
    Delegate {
        #[arg(long)]
        sub_network: String,
        #[arg(long)]
        router_key: String,
        #[arg(long)]
        amount: u64,
    },
    /// Burn DC for usage of a sub-network (counted in the current epoch).
    Burn {
        #[arg(long)]
        sub_network: String,
        #[arg(long)]
        amount: u64,
    },
    /// DC and token balances of a wallet (default: the signer).
    Balance { owner: Option<String> },
}

pub fn dc(ctx: &Context, cmd: DcCmd) -> Result<Value> {
    let cluster = ctx.cluster()?;
    let keys = ctx.network(&cluster)?;
    let me = cluster.payer.pubkey();
    let dc_mint = scenario::dc_mint_address(&keys.network);
    match cmd {
        DcCmd::Mint { dc: dc_amount, tokens: token_amount, recipient, price_update } => {
            let price_update = price_update.as_deref().map(pubkey).transpose()?;
            let recipient = key_or(&recipient, me)?;
            let create = civnet_client::tokens::create_ata_ix(&me, &recipient, &dc_mint);
            let args = data_credits::instructions::MintDataCreditsArgs { token_amount, dc_amount };
            // Without network tokens the program can only fail on its token account: say so.
            let token_account = tokens::ata(&me, &keys.token_mint);
            if tokens::balance(&cluster, &token_account) == 0 {
                bail!(
                    "{me} holds no network tokens on this cluster (token account {token_account}) to buy DC with; \
                     get some with `civnet airdrop {me} --tokens N`, signed by a wallet that holds them (on localnet: the one that ran `migrate`)"
                );
            }
            let before = tokens::balance(&cluster, &tokens::ata(&recipient, &dc_mint));
            let outcome = send(&cluster, &[create, dc::mint_data_credits_priced_ix(&keys, me, recipient, args, price_update)], &[])?;
            let after = tokens::balance(&cluster, &tokens::ata(&recipient, &dc_mint));
            Ok(json!({"recipient": recipient.to_string(), "dc_minted": after - before, "dc_balance": after, "signature": outcome.signature}))
        }
        DcCmd::Delegate { sub_network, router_key, amount } => {
            let sub = net::sub_network_address(&keys.network, &sub_network);
            account::<SubNetwork>(&cluster, &sub).with_context(|| format!("sub-network {sub_network}"))?;
            let outcome = send(&cluster, &[dc::delegate_ix(&keys, me, &sub, &router_key, amount)], &[])?;
            let escrow = dc::escrow_address(&sub, &router_key);
            Ok(json!({"escrow": escrow.to_string(), "escrow_dc": tokens::balance(&cluster, &tokens::ata(&escrow, &dc_mint)), "signature": outcome.signature}))
        }
        DcCmd::Burn { sub_network, amount } => {
            let sub = net::sub_network_address(&keys.network, &sub_network);
            account::<SubNetwork>(&cluster, &sub).with_context(|| format!("sub-network {sub_network}"))?;
            let outcome = send(&cluster, &[dc::burn_data_credits_ix(&keys, me, &sub, amount)], &[])?;
            // The epoch the burn counted in: the record's newest entry.
            let record: SubNetworkBurns = account(&cluster, &dc::sub_network_burns_address(&sub))?;
            let newest = (record.entries_written.saturating_sub(1) % record.epochs.len() as u64) as usize;
            Ok(json!({"burned": amount, "sub_network": sub_network, "epoch": record.epochs[newest], "epoch_dc_burned": record.burned[newest], "dc_balance": tokens::balance(&cluster, &tokens::ata(&me, &dc_mint)), "signature": outcome.signature}))
        }
        DcCmd::Balance { owner } => {
            let owner = key_or(&owner, me)?;
            Ok(json!({
                "owner": owner.to_string(),
                "dc": tokens::balance(&cluster, &tokens::ata(&owner, &dc_mint)),
                "tokens": tokens::balance(&cluster, &tokens::ata(&owner, &keys.token_mint)),
            }))
        }
    }
}

// ---------------------------------------------------------------- epochs

#[derive(Subcommand)]
pub enum EpochCmd {
    /// Score every sub-network of an ended epoch and issue its emission (permissionless).
    Close {
        /// Default: the epoch before the current one.
        #[arg(long)]
        epoch: Option<u64>,
    },
    Show {
        #[arg(long)]
        epoch: Option<u64>,
    },
}

pub fn epoch(ctx: &Context, cmd: EpochCmd) -> Result<Value> {
    let cluster = ctx.cluster()?;
    let keys = ctx.network(&cluster)?;
    let network: emissions::state::Network = account(&cluster, &keys.network)?;
    let current = net::current_epoch(&cluster, network.epoch_length_secs);
    let me = cluster.payer.pubkey();
    match cmd {
        EpochCmd::Close { epoch } => {
            let epoch = epoch.unwrap_or(current.saturating_sub(1));
            if epoch >= current {
                bail!("epoch {epoch} has not ended (the current epoch is {current})");
            }
            let subs = sub_networks(&cluster, &keys.network)?;
            let mut rows = Vec::new();
            for (address, sub) in subs.iter().filter(|(_, s)| s.created_epoch <= epoch) {
                let info_address = net::sub_network_epoch_info_address(address, epoch);
                let info: Option<SubNetworkEpochInfo> = optional_account(&cluster, &info_address)?;
                if !info.as_ref().is_some_and(|i| i.score_done) {
                    send(&cluster, &[net::calculate_utility_score_ix(&keys.network, address, me, epoch)], &[]).with_context(|| format!("scoring {}", sub.name))?;
                }
                rows.push((address, sub));
            }
            let mut out = Vec::new();
            for (address, sub) in rows {
                let info_address = net::sub_network_epoch_info_address(address, epoch);
                let info: SubNetworkEpochInfo = account(&cluster, &info_address)?;
                if !info.rewards_issued {
                    send(&cluster, &[net::issue_rewards_ix(&keys, address, epoch)], &[]).with_context(|| format!("issuing {}", sub.name))?;
                }
                let info: SubNetworkEpochInfo = account(&cluster, &info_address)?;
                out.push(json!({"sub_network": sub.name, "dc_burned": info.dc_burned, "active_devices": info.active_devices, "utility_score": info.utility_score.to_string(), "tokens_issued": info.issued}));
            }
            Ok(json!({"epoch": epoch, "sub_networks": out}))
        }
        EpochCmd::Show { epoch } => {
            let epoch = epoch.unwrap_or(current);
            let info: Option<EpochInfo> = optional_account(&cluster, &net::epoch_info_address(&keys.network, epoch))?;
            let mut rows = Vec::new();
            for (address, sub) in sub_networks(&cluster, &keys.network)? {
                if let Some(i) = optional_account::<SubNetworkEpochInfo>(&cluster, &net::sub_network_epoch_info_address(&address, epoch))? {
                    rows.push(json!({"sub_network": sub.name, "dc_burned": i.dc_burned, "active_devices": i.active_devices, "utility_score": i.utility_score.to_string(), "tokens_issued": i.issued, "scored": i.score_done, "issued": i.rewards_issued}));
                }
            }
            Ok(json!({
                "epoch": epoch, "current_epoch": current, "closed": info.as_ref().is_some_and(|i| i.sub_networks_issued == i.sub_networks_expected && i.sub_networks_expected > 0),
                "emission": info.as_ref().map(|i| i.emission), "total_issued": info.as_ref().map(|i| i.total_issued),
                "total_utility_score": info.as_ref().map(|i| i.total_utility_score.to_string()), "sub_networks": rows,
            }))
        }
    }
}

// ---------------------------------------------------------------- rewards

#[derive(Subcommand)]
pub enum RewardsCmd {
    /// Publish a sub-network's cumulative rewards root (rewards oracle) from a CSV
    /// (`asset_id,cumulative_amount` lines) or JSON (`[{"asset_id":..,"cumulative_amount":..}]`).
    PostRoot {
        #[arg(long)]
        sub_network: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Claim a device's rewards (its cNFT's owner signs) with a proof from the rewards oracle
    /// (`--oracle URL`) or from a rewards file (`--file`, offline).
    Claim {
        /// Required with --file; with --oracle it comes from the oracle's answer.
        #[arg(long)]
        sub_network: Option<String>,
        #[arg(long)]
        device_key: String,
        #[arg(long, conflicts_with = "oracle", required_unless_present = "oracle")]
        file: Option<PathBuf>,
        /// The rewards oracle's URL: the cumulative amount and its proof come from
        /// `GET /v1/rewards/{device key}`.
        #[arg(long)]
        oracle: Option<String>,
    },
}

/// The rewards file's entries in file order (the order the tree is built in).
fn read_rewards(path: &PathBuf) -> Result<Vec<(Pubkey, u64)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if text.trim_start().starts_with('[') {
        #[derive(serde::Deserialize)]
        struct Entry {
            asset_id: String,
            cumulative_amount: u64,
        }
        let entries: Vec<Entry> = serde_json::from_str(&text).with_context(|| format!("{} is not a JSON list of {{asset_id, cumulative_amount}}", path.display()))?;
        return entries.into_iter().map(|e| Ok((pubkey(&e.asset_id)?, e.cumulative_amount))).collect();
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with("asset_id"))
        .map(|(n, line)| {
            let (asset, amount) = line.split_once(',').ok_or_else(|| anyhow!("{}:{}: expected asset_id,cumulative_amount", path.display(), n + 1))?;
            Ok((pubkey(asset.trim())?, amount.trim().parse().map_err(|_| anyhow!("{}:{}: {amount:?} is not an amount", path.display(), n + 1))?))
        })
        .collect()
}

pub fn rewards(ctx: &Context, cmd: RewardsCmd) -> Result<Value> {
    let mut cluster = ctx.cluster()?;
    let keys = ctx.network(&cluster)?;
    let me = cluster.payer.pubkey();
    match cmd {
        RewardsCmd::PostRoot { sub_network, file } => {
            let sub = net::sub_network_address(&keys.network, &sub_network);
            let account: SubNetwork = account(&cluster, &sub).with_context(|| format!("sub-network {sub_network}"))?;
            ensure_signer(&account.rewards_oracle, &cluster.payer, "the rewards oracle")?;
            let entries = read_rewards(&file)?;
            let total = entries.iter().try_fold(0u64, |sum, (_, a)| sum.checked_add(*a)).ok_or_else(|| anyhow!("the cumulative amounts overflow u64"))?;
            let tree = RewardTree::new(&entries.iter().map(|(k, a)| (k.to_bytes(), *a)).collect::<Vec<_>>());
            let outcome = send(&cluster, &[net::set_rewards_root_ix(&sub, me, tree.root(), total)], &[])?;
            Ok(json!({"sub_network": sub_network, "root": hex::encode(tree.root()), "entries": entries.len(), "total_cumulative": total, "signature": outcome.signature}))
        }
        RewardsCmd::Claim { sub_network, device_key, file, oracle } => {
            let device_key = pubkey(&device_key)?;
            let record: Device = account(&cluster, &registry::device_address(&keys.network, &device_key)).map_err(|_| anyhow!("unknown device {device_key}"))?;
            let asset_id = record.asset_id;
            let (sub, cumulative_amount, reward_proof) = match (file, oracle) {
                (Some(file), _) => {
                    let sub_network = sub_network.ok_or_else(|| anyhow!("--file needs --sub-network"))?;
                    let sub = net::sub_network_address(&keys.network, &sub_network);
                    account::<SubNetwork>(&cluster, &sub).with_context(|| format!("sub-network {sub_network}"))?;
                    let entries = read_rewards(&file)?;
                    let position = entries.iter().position(|(k, _)| *k == asset_id).ok_or_else(|| anyhow!("asset {asset_id} is not in {}", file.display()))?;
                    let tree = RewardTree::new(&entries.iter().map(|(k, a)| (k.to_bytes(), *a)).collect::<Vec<_>>());
                    (sub, entries[position].1, tree.proof(position))
                }
                (None, Some(oracle)) => {
                    let answer = http_json(&format!("{}/v1/rewards/{device_key}", oracle.trim_end_matches('/')), None)?;
                    let proof: civnet_oracle::api::RewardProof = serde_json::from_value(answer).context("the oracle's answer is not a reward proof")?;
                    let sub = pubkey(&proof.sub_network)?;
                    if let Some(name) = &sub_network {
                        if net::sub_network_address(&keys.network, name) != sub {
                            bail!("the oracle has device {device_key}'s rewards in sub-network {sub}, not {name}");
                        }
                    }
                    if pubkey(&proof.asset_id)? != asset_id {
                        bail!("the oracle answered for asset {}, the device's asset is {asset_id}", proof.asset_id);
                    }
                    let nodes = proof.proof.iter().map(|h| hex::decode(h).ok().and_then(|b| <[u8; 32]>::try_from(b).ok())).collect::<Option<Vec<_>>>().ok_or_else(|| anyhow!("the oracle's proof is not a list of 32-byte hex nodes"))?;
                    (sub, proof.cumulative_amount, nodes)
                }
                (None, None) => bail!("pass --oracle URL or --file FILE"),
            };
            let (cnft, proof, merkle_tree) = ownership(ctx, &cluster, &keys.network, &device_key, &asset_id, &me)?;
            let args = emissions::instructions::ClaimRewardsArgs { asset_id, cumulative_amount, reward_proof, cnft };
            let destination = tokens::ata(&me, &keys.token_mint);
            let create = civnet_client::tokens::create_ata_ix(&me, &me, &keys.token_mint);
            let before = tokens::balance(&cluster, &destination);
            let ix = net::claim_rewards_ix(&keys, &sub, me, merkle_tree, destination, args, &proof);
            let tables = ctx.lookup_tables(&cluster, &keys.network)?;
            let outcome = send_as_wallet(&mut cluster, &[create, ix], &proof, &tables)?;
            Ok(json!({"asset_id": asset_id.to_string(), "claimed": tokens::balance(&cluster, &destination) - before, "destination": destination.to_string(), "signature": outcome.signature}))
        }
    }
}

/// A GET (or, with a body, POST) to a service; its JSON, or its error message as an error.
pub fn http_json(url: &str, body: Option<Value>) -> Result<Value> {
    let response = match body {
        Some(body) => ureq::post(url).timeout(std::time::Duration::from_secs(30)).send_json(body),
        None => ureq::get(url).timeout(std::time::Duration::from_secs(30)).call(),
    };
    match response {
        Ok(answer) => answer.into_json().with_context(|| format!("{url}: not JSON")),
        Err(ureq::Error::Status(code, answer)) => {
            let text = answer.into_string().unwrap_or_default();
            let message = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["error"].as_str().map(str::to_string)).unwrap_or(text);
            bail!("{url}: {message} (HTTP {code})")
        }
        Err(e) => bail!("cannot reach {url}: {e}"),
    }
}

/// `civnet device heartbeat`: entropy from the oracle, a heartbeat signed by the device key.
fn heartbeat(ctx: &Context, a: DeviceHeartbeatArgs) -> Result<Value> {
    let device = read_keypair(&a.device_keypair)?;
    let network = ctx.network_address()?;
    let sub = net::sub_network_address(&network, &a.sub_network);
    let oracle = a.oracle.trim_end_matches('/');
    let entropy_answer = http_json(&format!("{oracle}/v1/entropy"), None)?;
    let entropy: [u8; 32] = entropy_answer["entropy"].as_str().and_then(|h| hex::decode(h).ok()).and_then(|b| b.try_into().ok()).ok_or_else(|| anyhow!("the oracle's entropy is not 32 bytes of hex"))?;
    // The oracle's clock decides the epoch; a device stamps with it (as NTP would give it).
    let now = match answer_now(&entropy_answer) {
        Some(now) => now,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64,
    };
    let report = civnet_oracle::report::signed_heartbeat(&device, sub.to_bytes(), now, entropy);
    let body = json!({"reports": [base64::engine::general_purpose::STANDARD.encode(report.encode())]});
    let answer = http_json(&format!("{oracle}/v1/reports"), Some(body))?;
    let result = &answer["results"][0];
    if result["status"] != "accepted" {
        bail!("the oracle rejected the heartbeat: {} ({})", result["reason"].as_str().unwrap_or("?"), result["detail"].as_str().unwrap_or(""));
    }
    Ok(json!({"device_key": device.pubkey().to_string(), "sub_network": a.sub_network, "timestamp": now, "status": "accepted"}))
}

fn answer_now(answer: &Value) -> Option<i64> {
    answer["now"].as_i64()
}

/// `civnet oracle`: runs until stopped.
pub fn oracle(ctx: &Context, args: civnet_oracle::OracleArgs) -> Result<Value> {
    let network = ctx.network_address()?;
    civnet_oracle::run(&ctx.url, network, ctx.signer()?, args)?;
    Ok(json!({}))
}

// ---------------------------------------------------------------- transactions

#[derive(Subcommand)]
pub enum TxCmd {
    /// Send a signed transaction (base64), adding the signer's signature when it is missing.
    Send { transaction: String },
}

pub fn tx(ctx: &Context, cmd: TxCmd) -> Result<Value> {
    let cluster = ctx.cluster()?;
    match cmd {
        TxCmd::Send { transaction } => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(transaction.trim()).map_err(|_| anyhow!("the transaction is not base64"))?;
            let mut tx: Transaction = bincode::deserialize(&bytes).map_err(|_| anyhow!("the bytes are not a transaction"))?;
            // A completed transaction is sent as it is; otherwise the signer adds its signature.
            if !tx.is_signed() {
                let blockhash = tx.message.recent_blockhash;
                let me = cluster.payer.pubkey();
                if !tx.message.account_keys[..tx.message.header.num_required_signatures as usize].contains(&me) {
                    bail!("the transaction lacks signatures and {me} is not one of its signers");
                }
                tx.try_partial_sign(&[&cluster.payer], blockhash).map_err(|e| anyhow!("signing: {e}"))?;
                if !tx.is_signed() {
                    bail!("the transaction still lacks signatures after signing with {me}");
                }
            }
            let fee_payer = tx.message.account_keys[0];
            let outcome = cluster.send_signed(&tx).map_err(|e| explain_send_error(&cluster, e, &fee_payer))?;
            Ok(json!({"signature": outcome.signature, "compute_units": outcome.compute_units}))
        }
    }
}
