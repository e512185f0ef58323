//! The opening every story shares: a network launched a few epochs after the clock's zero
//! (so earlier epochs exist), with short epochs, data credits priced and a customer holding
//! genesis tokens and an (empty) DC account.
use data_credits::state::PriceOracle;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::network::short_epoch_network_args;
use crate::scenario::{dc_mint_address, initialize_data_credits, initialize_network_with_genesis, NetworkKeys};
use crate::{tokens, Chain};

/// Epoch length of every litesvm story.
pub const EPOCH_SECS: u32 = 60;
/// $1.50 per token, in the fixed-price format (USD * 10^8).
pub const DOLLAR_FIFTY: PriceOracle = PriceOracle::Fixed { usd_per_token_e8: 150_000_000 };

pub struct Launched {
    pub chain: Chain,
    pub net: NetworkKeys,
    pub customer: Keypair,
}

/// Launches a network priced by `price_oracle` whose customer holds `customer_tokens` base
/// units (6 decimals) of the network token.
pub fn launch(customer_tokens: u64, price_oracle: PriceOracle) -> Launched {
    let mut chain = Chain::new();
    chain.warp_seconds(5 * EPOCH_SECS as i64 + 7);
    let customer = chain.funded_keypair(10);
    let net = initialize_network_with_genesis(&mut chain, short_epoch_network_args(EPOCH_SECS), &[(customer.pubkey(), customer_tokens)]);
    let args = data_credits::instructions::InitializeArgs { price_oracle, max_dc_minted_per_epoch: 1_000_000_000_000 };
    initialize_data_credits(&mut chain, &net, &net.authority, args).expect("data_credits::initialize");
    tokens::create_ata(&mut chain, &customer.pubkey(), &dc_mint_address(&net.network));
    Launched { chain, net, customer }
}
