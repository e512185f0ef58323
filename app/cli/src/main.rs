//! `civnet`: the command line of the civnet network. Solana CLI habits: `--url` (monikers or
//! any RPC URL), `--keypair` (Solana JSON keypair file), `--output table|json`; failures are
//! one line naming the program error, with exit code 1.
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

mod bench;
mod commands;
mod context;
mod demo;
mod migrate;
mod output;
mod wallet;

use context::Context;

#[derive(Parser)]
#[command(name = "civnet", version, about = "civnet: a community-owned IoT network on Solana")]
pub struct Cli {
    /// Cluster: localnet, devnet, testnet, mainnet-beta (or l/d/t/m) or an RPC URL.
    #[arg(short = 'u', long, global = true, env = "CIVNET_URL", default_value = "localnet")]
    pub url: String,
    /// Signer and fee payer (Solana JSON keypair file).
    #[arg(short = 'k', long, global = true, env = "CIVNET_KEYPAIR", default_value = "~/.config/solana/id.json")]
    pub keypair: String,
    /// The network account (printed by `network init` and `migrate`).
    #[arg(short = 'n', long, global = true, env = "CIVNET_NETWORK")]
    pub network: Option<String>,
    #[arg(short = 'o', long, global = true, value_enum, default_value = "table")]
    pub output: Output,
    /// The network's address lookup table (printed by `migrate`); found by its authority and
    /// first address when not given. Wallet transactions are v0 through it.
    #[arg(long, global = true, env = "CIVNET_LOOKUP_TABLE")]
    pub lookup_table: Option<String>,
    /// A DAS JSON-RPC endpoint (`civnet index --serve`, or a public DAS provider): cNFT
    /// ownership proofs come from its getAsset/getAssetProof instead of rescanning the tree.
    #[arg(long, global = true, env = "CIVNET_DAS", conflicts_with = "index_db")]
    pub das: Option<String>,
    /// The indexer's database (`civnet index --database`): ownership proofs come from its
    /// DAS tables instead of rescanning the tree.
    #[arg(long, global = true, env = "CIVNET_INDEX_DB")]
    pub index_db: Option<String>,
    #[command(subcommand)]
    pub command: Command,
    /// Whether --url (or CIVNET_URL) was given rather than defaulted: `demo` then runs on
    /// that cluster instead of the embedded engine.
    #[arg(skip)]
    pub url_given: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// The whole network on an embedded engine (or a cluster with --url): devices issued and
    /// onboarded, DC bought and burned, epochs closed, rewards claimed; then a report.
    Demo(demo::DemoArgs),
    /// Measure compute units, transaction sizes, cost per device and the demo's wall time in
    /// the embedded engine; writes bench.md and bench.json (`cargo xtask bench`).
    Bench(bench::BenchArgs),
    /// Bootstrap (or check) a deployment from a TOML file: mints, network, data credits,
    /// sub-networks, makers. Idempotent.
    Migrate(migrate::MigrateArgs),
    /// Index civnet accounts and events into SQLite (default) or PostgreSQL; --serve the JSON API.
    Index(civnet_indexer::IndexArgs),
    /// The rewards oracle of the --network's sub-networks whose rewards oracle is --keypair:
    /// verifies device reports, splits each epoch's issuance, posts roots, serves proofs.
    Oracle(civnet_oracle::OracleArgs),
    /// Run solana-test-validator with every civnet program and fixture preloaded; creates
    /// and funds the --keypair when it is missing.
    Localnet(commands::LocalnetArgs),
    /// Write a new keypair (Solana CLI JSON format) to --outfile or the --keypair path.
    Keygen(wallet::KeygenArgs),
    /// Print the --keypair's public key.
    Address,
    /// Fund a wallet on localnet/devnet: SOL from the faucet, network tokens from the signer.
    Airdrop(wallet::AirdropArgs),
    #[command(subcommand)]
    Network(commands::NetworkCmd),
    #[command(subcommand, name = "sub-network")]
    SubNetwork(commands::SubNetworkCmd),
    #[command(subcommand)]
    Maker(commands::MakerCmd),
    #[command(subcommand)]
    Device(commands::DeviceCmd),
    #[command(subcommand)]
    Dc(commands::DcCmd),
    #[command(subcommand)]
    Epoch(commands::EpochCmd),
    #[command(subcommand)]
    Rewards(commands::RewardsCmd),
    #[command(subcommand)]
    Tx(commands::TxCmd),
}

fn main() {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.url_given = matches.value_source("url").is_some_and(|source| source != clap::parser::ValueSource::DefaultValue);
    let output = cli.output;
    // A transaction the signer cannot pay for fails as `AccountNotFound` in the runtime, from
    // whichever engine call sent it: every error line is told as what the signer lacks.
    let signer = context::read_keypair(&cli.keypair).ok().map(|k| civnet_client::Signer::pubkey(&k));
    let url = civnet_client::rpc::cluster_url(&cli.url);
    let error_line = move |text: &str| -> String {
        let first = text.lines().next().unwrap_or_default();
        signer.and_then(|payer| context::explain_unfunded(first, &payer, &url)).unwrap_or_else(|| first.to_string())
    };
    let panic_line = error_line.clone();
    // Panics inside the client's engines (an RPC that went away mid-run) are reported as one
    // line like every other failure.
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().cloned().or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()));
        eprintln!("error: {}", panic_line(&message.unwrap_or_else(|| info.to_string())));
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli)));
    match result {
        Ok(Ok(value)) => output::print(output, &value),
        Ok(Err(error)) => {
            eprintln!("error: {}", error_line(&format!("{error:#}")));
            std::process::exit(1);
        }
        Err(_) => std::process::exit(1),
    }
}

fn run(cli: Cli) -> anyhow::Result<serde_json::Value> {
    let ctx = Context::new(&cli);
    match cli.command {
        Command::Demo(args) => demo::run(&ctx, args),
        Command::Bench(args) => bench::run(args),
        Command::Migrate(args) => migrate::run(&ctx, args),
        Command::Index(args) => civnet_indexer::run(&ctx.url, args),
        Command::Oracle(args) => commands::oracle(&ctx, args),
        Command::Localnet(args) => commands::localnet(&ctx, args),
        Command::Keygen(args) => wallet::keygen(&ctx, args),
        Command::Address => wallet::address(&ctx),
        Command::Airdrop(args) => wallet::airdrop(&ctx, args),
        Command::Network(cmd) => commands::network(&ctx, cmd),
        Command::SubNetwork(cmd) => commands::sub_network(&ctx, cmd),
        Command::Maker(cmd) => commands::maker(&ctx, cmd),
        Command::Device(cmd) => commands::device(&ctx, cmd),
        Command::Dc(cmd) => commands::dc(&ctx, cmd),
        Command::Epoch(cmd) => commands::epoch(&ctx, cmd),
        Command::Rewards(cmd) => commands::rewards(&ctx, cmd),
        Command::Tx(cmd) => commands::tx(&ctx, cmd),
    }
}
