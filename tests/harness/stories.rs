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

/// Issues `per_sub` devices to `owner` (who holds network tokens and buys the DC for their
/// onboarding fees) and onboards them to each of `subs`, so those sub-networks score: a
/// sub-network without active devices scores 0 whatever is burned for it. Returns the maker
/// and the devices, per sub-network in order.
pub fn onboard_devices(
    chain: &mut Chain,
    net: &NetworkKeys,
    owner: &Keypair,
    subs: &[&crate::network::SubNetworkKeys],
    per_sub: usize,
) -> (crate::registry::MakerKeys, Vec<crate::registry::IssuedDevice>) {
    onboard_device_counts(chain, net, owner, subs, &vec![per_sub; subs.len()])
}

/// Like [`onboard_devices`], `counts[i]` devices to `subs[i]`.
pub fn onboard_device_counts(
    chain: &mut Chain,
    net: &NetworkKeys,
    owner: &Keypair,
    subs: &[&crate::network::SubNetworkKeys],
    counts: &[usize],
) -> (crate::registry::MakerKeys, Vec<crate::registry::IssuedDevice>) {
    use crate::bubblegum::TreeShape;
    let mut maker = crate::registry::MakerKeys::create_approved(chain, net, "story-maker");
    maker.set_tree(chain, net, TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 }).expect("set_maker_tree");
    let mut devices = Vec::new();
    for (sub, &count) in subs.iter().zip(counts) {
        let fee = chain.anchor_account::<emissions::state::SubNetwork>(&sub.address).onboarding_fee_dc;
        if fee > 0 && count > 0 {
            crate::dc::buy_dc(chain, net, owner, fee * count as u64);
        }
        for _ in 0..count {
            let (device, _) = maker.issue_device(chain, net, &owner.pubkey());
            crate::registry::onboard(chain, net, &maker, &device, owner, &sub.address);
            devices.push(device);
        }
    }
    (maker, devices)
}

/// The sub-network's rewards oracle publishes a root granting `device` a cumulative `amount`
/// (the only leaf), and its owner claims it into their token account. Returns what the claim
/// paid (the owner's balance after minus before).
pub fn publish_and_claim(
    chain: &mut Chain,
    net: &NetworkKeys,
    sub: &crate::network::SubNetworkKeys,
    maker: &crate::registry::MakerKeys,
    device: &crate::registry::IssuedDevice,
    owner: &Keypair,
    amount: u64,
) -> u64 {
    use civnet_common::rewards::RewardTree;
    let tree = RewardTree::new(&[(device.asset_id.to_bytes(), amount)]);
    let oracle = sub.rewards_oracle.insecure_clone();
    chain.send_ok(&[crate::network::set_rewards_root_ix(&sub.address, oracle.pubkey(), tree.root(), amount)], &[&oracle]);
    let (cnft, proof) = maker.ownership_proof(chain, net, device);
    let args = emissions::instructions::ClaimRewardsArgs { asset_id: device.asset_id, cumulative_amount: amount, reward_proof: tree.proof(0), cnft };
    let destination = tokens::create_ata(chain, &owner.pubkey(), &net.token_mint);
    let before = tokens::balance(chain, &destination);
    let ix = crate::network::claim_rewards_ix(net, &sub.address, owner.pubkey(), device.merkle_tree, destination, args, &proof);
    chain.send_ok(&[crate::bubblegum::compute_budget(400_000), ix], &[owner]);
    tokens::balance(chain, &destination) - before
}
