//! What every command needs: the signer, the cluster, the network, and sending with errors
//! told by name.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context as _, Result};
use civnet_client::rpc::{RpcCluster, SendError};
use civnet_client::scenario::NetworkKeys;
use civnet_client::{lookup, Keypair, Signer, TxSuccess};
use std::path::PathBuf;

use crate::Cli;

pub struct Context {
    pub url: String,
    pub keypair_path: String,
    pub network: Option<String>,
    pub url_given: bool,
    pub lookup_table: Option<String>,
    pub das: Option<String>,
    pub index_db: Option<String>,
}

impl Context {
    pub fn new(cli: &Cli) -> Self {
        Self {
            url: cli.url.clone(),
            keypair_path: cli.keypair.clone(),
            network: cli.network.clone(),
            url_given: cli.url_given,
            lookup_table: cli.lookup_table.clone(),
            das: cli.das.clone(),
            index_db: cli.index_db.clone(),
        }
    }

    /// The network's lookup table: `--lookup-table`, else the one whose authority is the
    /// network's authority and whose first address is the network; none when there is none
    /// (transactions then name every account themselves).
    pub fn lookup_tables(&self, cluster: &RpcCluster, network: &Pubkey) -> Result<Vec<lookup::AddressLookupTableAccount>> {
        if let Some(text) = &self.lookup_table {
            let key = pubkey(text)?;
            let data = cluster.rpc.account(&key).map_err(|e| anyhow!("reading lookup table {key}: {e}"))?.ok_or_else(|| anyhow!("lookup table {key} does not exist"))?.0;
            let table = lookup::read_table(key, &data).ok_or_else(|| anyhow!("{key} is not an address lookup table"))?;
            return Ok(vec![table.table]);
        }
        let authority = account::<emissions::state::Network>(cluster, network)?.authority;
        Ok(lookup::find_network_table(&cluster.rpc, network, &authority).map_err(|e| anyhow!("looking for the network's lookup table: {e}"))?.into_iter().map(|t| t.table).collect())
    }

    pub fn signer(&self) -> Result<Keypair> {
        read_keypair(&self.keypair_path)
    }

    /// The cluster at `--url` with the signer as fee payer; fails early when it does not answer.
    pub fn cluster(&self) -> Result<RpcCluster> {
        let cluster = RpcCluster::new(&self.url, self.signer()?);
        cluster.rpc.get_slot().map_err(|e| anyhow!("cannot reach the cluster at {}: {}", cluster.rpc.url, e.message))?;
        Ok(cluster)
    }

    pub fn network_address(&self) -> Result<Pubkey> {
        let text = self.network.as_deref().ok_or_else(|| anyhow!("no network given: pass --network ADDRESS (or set CIVNET_NETWORK)"))?;
        pubkey(text)
    }

    /// The network's addresses (read from its account), with the signer as the one who
    /// signs for it.
    pub fn network(&self, cluster: &RpcCluster) -> Result<NetworkKeys> {
        let address = self.network_address()?;
        let network: emissions::state::Network = account(cluster, &address).with_context(|| format!("network {address}"))?;
        // emissions creates every Network at the PDA of its token mint: deriving from the mint
        // gives back `address`.
        Ok(NetworkKeys::for_mint(network.token_mint, cluster.payer.insecure_clone()))
    }
}

/// A Solana CLI keypair file (JSON array of 64 bytes); `~` expands to `$HOME`.
pub fn read_keypair(path: &str) -> Result<Keypair> {
    let path = expand(path);
    let text = std::fs::read_to_string(&path).map_err(|e| anyhow!("cannot read keypair {}: {e} (create one with `solana-keygen new` or pass --keypair)", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| anyhow!("keypair {} is not a Solana JSON keypair: {e}", path.display()))?;
    Keypair::try_from(bytes.as_slice()).map_err(|e| anyhow!("keypair {} is invalid: {e}", path.display()))
}

/// Writes a keypair in the Solana CLI format (creating parent directories).
pub fn write_keypair(path: &std::path::Path, keypair: &Keypair) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, serde_json::to_string(&keypair.to_bytes().to_vec())?).with_context(|| format!("writing {}", path.display()))
}

pub fn expand(path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(rest),
        None => PathBuf::from(path),
    }
}

/// An optional public key given as text, else `default`.
pub fn key_or(text: &Option<String>, default: Pubkey) -> Result<Pubkey> {
    text.as_deref().map(pubkey).transpose().map(|k| k.unwrap_or(default))
}

pub fn pubkey(text: &str) -> Result<Pubkey> {
    text.parse().map_err(|_| anyhow!("{text:?} is not a base58 public key"))
}

/// An Anchor account of ours, decoded; a clear error when it is missing or of another type.
pub fn account<T: anchor_lang::AccountDeserialize>(cluster: &RpcCluster, key: &Pubkey) -> Result<T> {
    let data = cluster.rpc.account(key).map_err(|e| anyhow!("reading {key}: {e}"))?.ok_or_else(|| anyhow!("account {key} does not exist"))?.0;
    T::try_deserialize(&mut data.as_slice()).map_err(|e| anyhow!("account {key} is not a {}: {e}", std::any::type_name::<T>().rsplit("::").next().unwrap_or("civnet account")))
}

pub fn optional_account<T: anchor_lang::AccountDeserialize>(cluster: &RpcCluster, key: &Pubkey) -> Result<Option<T>> {
    match cluster.rpc.account(key).map_err(|e| anyhow!("reading {key}: {e}"))? {
        None => Ok(None),
        Some((data, _, _)) => Ok(Some(T::try_deserialize(&mut data.as_slice()).map_err(|e| anyhow!("decoding {key}: {e}"))?)),
    }
}

/// Sends one transaction paid by the signer; a failure is the program's error by name.
pub fn send(cluster: &RpcCluster, instructions: &[Instruction], signers: &[&Keypair]) -> Result<TxSuccess> {
    cluster.try_send(instructions, signers).map_err(|e| explain_send_error(cluster, e, &cluster.payer.pubkey()))
}

/// A failed send as the user can act on it: a fee payer without SOL is named as such (the
/// runtime only says `AccountNotFound` or `InsufficientFundsForFee`), with how to fund it.
pub fn explain_send_error(cluster: &RpcCluster, error: SendError, fee_payer: &Pubkey) -> anyhow::Error {
    let text = match error {
        SendError::Failed(failure) => format!("transaction failed: {failure}"),
        SendError::Rpc(error) => return anyhow!("RPC: {error}"),
    };
    anyhow!("{}", explain_unfunded(&text, fee_payer, &cluster.rpc.url).unwrap_or(text))
}

/// `transaction failed: AccountNotFound` (the fee payer does not exist: it never had SOL) and
/// `InsufficientFunds...` said as what the fee payer lacks and how to get it. `None` for any
/// other failure. Used for every command's error, whichever way it failed.
pub fn explain_unfunded(message: &str, fee_payer: &Pubkey, url: &str) -> Option<String> {
    let failure = message.strip_prefix("transaction failed: ")?.trim();
    let lacks = if failure.starts_with("AccountNotFound") {
        "has no SOL"
    } else if failure.starts_with("InsufficientFundsForFee") || failure.starts_with("InsufficientFundsForRent") {
        "has too little SOL"
    } else {
        return None;
    };
    Some(format!(
        "transaction failed: the fee payer {fee_payer} {lacks} on this cluster ({url}); fund it with `civnet airdrop {fee_payer}` (localnet, devnet) or a SOL transfer"
    ))
}

/// Creates or extends the network's lookup table (the signer is the network authority and
/// the table's) so it holds the network's addresses and those of `sub_networks`. Returns the
/// table and how many addresses were added (0: it was complete).
pub fn ensure_network_table(ctx: &Context, cluster: &mut RpcCluster, keys: &NetworkKeys, sub_networks: &[Pubkey]) -> Result<(Pubkey, usize)> {
    let signer = cluster.payer.insecure_clone();
    let existing = match &ctx.lookup_table {
        Some(text) => {
            let key = pubkey(text)?;
            let data = cluster.rpc.account(&key).map_err(|e| anyhow!("reading lookup table {key}: {e}"))?.ok_or_else(|| anyhow!("lookup table {key} does not exist"))?.0;
            let table = lookup::read_table(key, &data).ok_or_else(|| anyhow!("{key} is not an address lookup table"))?;
            if table.authority != Some(signer.pubkey()) {
                bail!("lookup table {key} is not the signer's ({}): it cannot be extended with --keypair {}", table.authority.map_or("frozen".to_string(), |a| a.to_string()), signer.pubkey());
            }
            Some(table)
        }
        None => lookup::find_network_table(&cluster.rpc, &keys.network, &signer.pubkey()).map_err(|e| anyhow!("looking for the network's lookup table: {e}"))?,
    };
    let mut wanted = lookup::network_addresses(&keys.network, &keys.token_mint);
    wanted.extend(sub_networks.iter().flat_map(lookup::sub_network_addresses));
    let (table, added) = lookup::ensure_table(cluster, &signer, existing, &wanted).map_err(|f| anyhow!("lookup table: {f}"))?;
    Ok((table.key, added))
}

/// Sends as a wallet does: a v0 transaction the signer signs and pays, through `tables`
/// (and, when it would not fit, with `proof_nodes` in a table of the signer's own first).
pub fn send_as_wallet(cluster: &mut RpcCluster, instructions: &[Instruction], proof_nodes: &[[u8; 32]], tables: &[lookup::AddressLookupTableAccount]) -> Result<TxSuccess> {
    let signer = cluster.payer.insecure_clone();
    civnet_client::lookup::send_as_wallet(cluster, &signer, instructions, proof_nodes, tables).map(|(ok, _)| ok).map_err(|failure| anyhow!("transaction failed: {failure}"))
}

pub fn ensure_signer(expected: &Pubkey, signer: &Keypair, role: &str) -> Result<()> {
    if *expected != signer.pubkey() {
        bail!("{role} is {expected}, but the keypair is {}: pass --keypair with the {role}'s keypair", signer.pubkey());
    }
    Ok(())
}
