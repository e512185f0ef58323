//! A new user's first steps: a keypair (`keygen`, `address`) and funds on a local or test
//! cluster (`airdrop`: SOL from the cluster's faucet, network tokens from the signer's own).
use anyhow::{anyhow, bail, Result};
use civnet_client::{tokens, Keypair, Signer};
use clap::Args;
use serde_json::{json, Value};

use crate::context::{expand, pubkey, send, write_keypair, Context};

#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the keypair (default: --keypair, i.e. ~/.config/solana/id.json).
    #[arg(long)]
    pub outfile: Option<String>,
    /// Overwrite an existing file (whatever its key holds is then out of reach).
    #[arg(long)]
    pub force: bool,
}

/// Writes a new keypair in the Solana CLI's JSON format (readable by `solana` and wallets).
pub fn keygen(ctx: &Context, args: KeygenArgs) -> Result<Value> {
    let path = expand(args.outfile.as_deref().unwrap_or(&ctx.keypair_path));
    if path.exists() && !args.force {
        bail!("{} already exists; pass --force to replace it (the old key and what it holds would be lost)", path.display());
    }
    let keypair = Keypair::new();
    write_private(&path, &keypair)?;
    eprintln!("wrote a new keypair to {} (Solana CLI JSON format; keep it secret)", path.display());
    Ok(json!({"pubkey": keypair.pubkey().to_string(), "outfile": path.display().to_string()}))
}

/// Writes `keypair` readable by its owner only.
pub fn write_private(path: &std::path::Path, keypair: &Keypair) -> Result<()> {
    write_keypair(path, keypair)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// The signer's public key (`solana address`).
pub fn address(ctx: &Context) -> Result<Value> {
    Ok(json!(ctx.signer()?.pubkey().to_string()))
}

#[derive(Args)]
pub struct AirdropArgs {
    /// The wallet to fund (default: the signer).
    pub wallet: Option<String>,
    /// SOL from the cluster's faucet (localnet, devnet).
    #[arg(long, default_value_t = 10)]
    pub sol: u64,
    /// Network tokens (base units, 6 decimals) moved from the signer's own account (on
    /// localnet the signer of `migrate` holds the genesis allocation); needs --network.
    #[arg(long, default_value_t = 0)]
    pub tokens: u64,
}

pub fn airdrop(ctx: &Context, args: AirdropArgs) -> Result<Value> {
    let cluster = ctx.cluster()?;
    let me = cluster.payer.pubkey();
    let wallet = args.wallet.as_deref().map(pubkey).transpose()?.unwrap_or(me);
    let mut result = json!({"wallet": wallet.to_string()});
    if args.sol > 0 {
        let lamports = args.sol.checked_mul(1_000_000_000).ok_or_else(|| anyhow!("--sol {} is too large", args.sol))?;
        cluster
            .request_airdrop(&wallet, lamports)
            .map_err(|e| anyhow!("the cluster at {} gave no airdrop ({}): only localnet and devnet have a faucet; send SOL from a funded wallet instead", cluster.rpc.url, e.message))?;
        result["sol"] = json!(args.sol);
    }
    if args.tokens > 0 {
        let network = ctx.network(&cluster)?;
        let mint = network.token_mint;
        let held = cluster.rpc.account_data(&tokens::ata(&me, &mint)).map(|data| tokens::read_account_amount(&data)).unwrap_or(0);
        if held < args.tokens {
            bail!("the signer {me} holds {held} network tokens (base units), fewer than --tokens {}: on localnet, `migrate` gives the signer a genesis allocation", args.tokens);
        }
        let decimals = tokens::read_mint_data(&cluster.rpc.account_data(&mint).ok_or_else(|| anyhow!("network token mint {mint} does not exist"))?).0.decimals;
        send(&cluster, &tokens::transfer_to_owner_ixs(&me, &mint, decimals, &me, &wallet, args.tokens), &[])?;
        result["tokens"] = json!(args.tokens);
        result["token_account"] = json!(tokens::ata(&wallet, &mint).to_string());
    }
    Ok(result)
}

/// `civnet localnet` for a new user: the default keypair is created when it is missing.
pub fn ensure_keypair(ctx: &Context) -> Result<Keypair> {
    if let Ok(keypair) = ctx.signer() {
        return Ok(keypair);
    }
    let path = expand(&ctx.keypair_path);
    if path.exists() {
        return ctx.signer();
    }
    let keypair = Keypair::new();
    write_private(&path, &keypair)?;
    eprintln!("civnet: no keypair at {}: created one ({}), funded on this localnet", path.display(), keypair.pubkey());
    Ok(keypair)
}
