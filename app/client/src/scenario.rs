//! Building blocks of user stories, written once and run on any [`Cluster`]: bootstrap a
//! network, its data credits and makers through the real programs.
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::cluster::Cluster;
use crate::svm::{TxFailure, TxSuccess};
use crate::{anchor_ix, event_authority, tokens};

pub use civnet_common::seeds;
pub use emissions::state::EmissionStep;

/// A network's addresses.
pub struct NetworkKeys {
    pub authority: Keypair,
    pub token_mint: Pubkey,
    pub network: Pubkey,
    pub mint_authority: Pubkey,
}

impl NetworkKeys {
    /// The network of `token_mint` (its PDA and mint authority follow from the mint), with
    /// `authority` as the key that signs for it.
    pub fn for_mint(token_mint: Pubkey, authority: Keypair) -> Self {
        let network = network_address(&token_mint);
        Self { authority, token_mint, network, mint_authority: network_mint_authority(&network) }
    }
}

pub fn network_address(token_mint: &Pubkey) -> Pubkey {
    crate::pda::network(token_mint)
}

pub fn network_mint_authority(network: &Pubkey) -> Pubkey {
    crate::pda::network_mint_authority(network)
}

/// A halving schedule: `initial` tokens per epoch, halving every `every` epochs, `steps` steps.
pub fn halving_schedule(initial: u64, every: u64, steps: usize) -> Vec<EmissionStep> {
    halving_schedule_from(0, initial, every, steps)
}

/// [`halving_schedule`] starting at `start_epoch` (a real network starts at today's epoch:
/// epochs count from the Unix epoch).
pub fn halving_schedule_from(start_epoch: u64, initial: u64, every: u64, steps: usize) -> Vec<EmissionStep> {
    (0..steps as u64).map(|i| EmissionStep { start_epoch: start_epoch + i * every, tokens_per_epoch: initial >> i }).collect()
}

/// The network token mint (Token-2022, 6 decimals) for a network that will live at the
/// mint's network PDA: the mint authority is that network's mint-authority PDA. The mint
/// address is a fresh keypair, so the network PDA is known before the mint exists.
pub fn create_network_mint(cluster: &mut impl Cluster) -> (Pubkey, Pubkey, Pubkey) {
    let mint = crate::keys::new_keypair();
    let network = network_address(&mint.pubkey());
    let authority = network_mint_authority(&network);
    tokens::create_mint_at(cluster, &mint, &authority, 6);
    (mint.pubkey(), network, authority)
}

pub fn initialize_network_ix(keys: &NetworkKeys, payer: Pubkey, args: emissions::instructions::InitializeNetworkArgs) -> anchor_lang::solana_program::instruction::Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::InitializeNetwork { args },
        emissions::accounts::InitializeNetwork {
            payer,
            authority: keys.authority.pubkey(),
            network: keys.network,
            mint_authority: keys.mint_authority,
            token_mint: keys.token_mint,
            token_program: tokens::TOKEN_2022_ID,
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&emissions::ID),
            program: emissions::ID,
        },
    )
}

pub fn default_network_args() -> emissions::instructions::InitializeNetworkArgs {
    emissions::instructions::InitializeNetworkArgs {
        epoch_length_secs: 86_400,
        max_issuance_per_epoch: 1_000_000_000_000,
        emission_schedule: halving_schedule(1_000_000_000_000, 365, 4),
    }
}

/// A network token with a genesis allocation: the mint starts with a temporary authority that
/// mints `allocations` (to each owner's associated account) and then hands minting to the
/// network's PDA, as a network with a premine would launch.
pub fn create_network_mint_with_genesis(cluster: &mut impl Cluster, allocations: &[(Pubkey, u64)]) -> (Pubkey, Pubkey, Pubkey) {
    let mint = crate::keys::new_keypair();
    let network = network_address(&mint.pubkey());
    let authority = network_mint_authority(&network);
    let launcher = crate::keys::new_keypair();
    tokens::create_mint_at(cluster, &mint, &launcher.pubkey(), 6);
    for (owner, amount) in allocations {
        tokens::mint_to_owner(cluster, &mint.pubkey(), &launcher, owner, *amount);
    }
    tokens::set_mint_authority(cluster, &mint.pubkey(), &launcher, &authority);
    (mint.pubkey(), network, authority)
}

/// Like [`initialize_network`], with a genesis allocation of network tokens.
pub fn initialize_network_with_genesis(
    cluster: &mut impl Cluster,
    args: emissions::instructions::InitializeNetworkArgs,
    allocations: &[(Pubkey, u64)],
) -> NetworkKeys {
    let (token_mint, network, mint_authority) = create_network_mint_with_genesis(cluster, allocations);
    let keys = NetworkKeys { authority: crate::keys::new_keypair(), token_mint, network, mint_authority };
    let ix = initialize_network_ix(&keys, cluster.payer(), args);
    cluster.send_ok(&[ix], &[&keys.authority]);
    keys
}

/// Creates the network token mint and initializes a network with `args`.
pub fn initialize_network(cluster: &mut impl Cluster, args: emissions::instructions::InitializeNetworkArgs) -> (NetworkKeys, TxSuccess) {
    let (token_mint, network, mint_authority) = create_network_mint(cluster);
    let keys = NetworkKeys { authority: crate::keys::new_keypair(), token_mint, network, mint_authority };
    let ix = initialize_network_ix(&keys, cluster.payer(), args);
    let outcome = cluster.send_ok(&[ix], &[&keys.authority]);
    (keys, outcome)
}

pub fn dc_config_address(network: &Pubkey) -> Pubkey {
    crate::pda::dc_config(network)
}

pub fn dc_mint_address(network: &Pubkey) -> Pubkey {
    crate::pda::dc_mint(network)
}

pub fn initialize_data_credits(
    cluster: &mut impl Cluster,
    network: &NetworkKeys,
    authority: &Keypair,
    args: data_credits::instructions::InitializeArgs,
) -> Result<TxSuccess, TxFailure> {
    let ix = anchor_ix(
        data_credits::ID,
        data_credits::instruction::Initialize { args },
        data_credits::accounts::Initialize {
            payer: cluster.payer(),
            authority: authority.pubkey(),
            network: network.network,
            network_mint: network.token_mint,
            config: dc_config_address(&network.network),
            dc_mint: dc_mint_address(&network.network),
            token_program: tokens::TOKEN_2022_ID,
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&data_credits::ID),
            program: data_credits::ID,
        },
    );
    cluster.send(&[ix], &[authority])
}

pub fn maker_address(network: &Pubkey, name: &str) -> Pubkey {
    crate::pda::maker(network, name)
}

/// `create_maker` of `name` for `authority`, paid by the cluster's payer.
pub fn create_maker(cluster: &mut impl Cluster, network: &Pubkey, name: &str, authority: Pubkey) -> Result<TxSuccess, TxFailure> {
    let ix = anchor_ix(
        device_registry::ID,
        device_registry::instruction::CreateMaker {
            args: device_registry::instructions::CreateMakerArgs { name: name.to_string(), authority },
        },
        device_registry::accounts::CreateMaker {
            payer: cluster.payer(),
            network: *network,
            maker: maker_address(network, name),
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&device_registry::ID),
            program: device_registry::ID,
        },
    );
    cluster.send(&[ix], &[])
}
