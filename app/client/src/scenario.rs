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

/// A network token mint (Token-2022, 6 decimals) at a fresh address, minted by `holder` until
/// `initialize_network`, which `holder` signs and which hands minting to the network's PDA.
/// Returns the mint, its network PDA and that network's mint-authority PDA (known before the
/// network exists).
pub fn create_network_mint(cluster: &mut impl Cluster, holder: &Pubkey) -> (Pubkey, Pubkey, Pubkey) {
    let mint = crate::keys::new_keypair();
    let network = network_address(&mint.pubkey());
    tokens::create_mint_at(cluster, &mint, holder, 6);
    (mint.pubkey(), network, network_mint_authority(&network))
}

/// `initialize_network` for `keys`, signed by the network authority and by
/// `current_mint_authority`, the key that holds the token mint's minting until this
/// instruction moves it to the network's PDA.
pub fn initialize_network_ix(
    keys: &NetworkKeys,
    payer: Pubkey,
    current_mint_authority: Pubkey,
    args: emissions::instructions::InitializeNetworkArgs,
) -> anchor_lang::solana_program::instruction::Instruction {
    anchor_ix(
        emissions::ID,
        emissions::instruction::InitializeNetwork { args },
        emissions::accounts::InitializeNetwork {
            payer,
            authority: keys.authority.pubkey(),
            current_mint_authority,
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

/// A network token with a genesis allocation, as a network with a premine launches: `holder`
/// creates the mint, mints `allocations` (to each owner's associated account) and keeps
/// minting until `initialize_network` takes it over.
pub fn create_network_mint_with_genesis(cluster: &mut impl Cluster, holder: &Keypair, allocations: &[(Pubkey, u64)]) -> (Pubkey, Pubkey, Pubkey) {
    let (mint, network, mint_authority) = create_network_mint(cluster, &holder.pubkey());
    for (owner, amount) in allocations {
        tokens::mint_to_owner(cluster, &mint, holder, owner, *amount);
    }
    (mint, network, mint_authority)
}

/// Like [`initialize_network`], with a genesis allocation of network tokens.
pub fn initialize_network_with_genesis(
    cluster: &mut impl Cluster,
    args: emissions::instructions::InitializeNetworkArgs,
    allocations: &[(Pubkey, u64)],
) -> NetworkKeys {
    let authority = crate::keys::new_keypair();
    let (token_mint, _, _) = create_network_mint_with_genesis(cluster, &authority, allocations);
    let keys = NetworkKeys::for_mint(token_mint, authority);
    let ix = initialize_network_ix(&keys, cluster.payer(), keys.authority.pubkey(), args);
    cluster.send_ok(&[ix], &[&keys.authority]);
    keys
}

/// Creates the network token mint (held by the new network authority until the network
/// takes it over) and initializes a network with `args`.
pub fn initialize_network(cluster: &mut impl Cluster, args: emissions::instructions::InitializeNetworkArgs) -> (NetworkKeys, TxSuccess) {
    let authority = crate::keys::new_keypair();
    let (token_mint, _, _) = create_network_mint(cluster, &authority.pubkey());
    let keys = NetworkKeys::for_mint(token_mint, authority);
    let ix = initialize_network_ix(&keys, cluster.payer(), keys.authority.pubkey(), args);
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
