//! Runs one network through every instruction once and prints the compute units and
//! transaction sizes as a table (`cargo xtask test -- --nocapture compute_unit_report`).
//! A measurement, not a budget: it asserts only that each step succeeds.
use civnet_common::rewards::RewardTree;
use civnet_harness::bubblegum::{self, TreeShape};
use civnet_harness::network::{self as net};
use civnet_harness::registry::{self, MakerKeys};
use civnet_harness::scenario::{self, dc_mint_address};
use civnet_harness::{dc, tokens, Chain, Signer, TxSuccess};
use emissions::instructions::ClaimRewardsArgs;

const EPOCH: u32 = 60;

#[test]
fn compute_unit_report() {
    let mut rows: Vec<(&str, TxSuccess)> = Vec::new();
    let mut chain = Chain::new();
    chain.warp_seconds(5 * EPOCH as i64 + 7);
    let owner = chain.funded_keypair(10);
    let (token_mint, network, mint_authority) = scenario::create_network_mint_with_genesis(&mut chain, &[(owner.pubkey(), 10_000_000_000)]);
    let keys = scenario::NetworkKeys { authority: civnet_harness::Keypair::new(), token_mint, network, mint_authority };
    let ix = scenario::initialize_network_ix(&keys, chain.payer.pubkey(), net::short_epoch_network_args(EPOCH));
    rows.push(("emissions::initialize_network", chain.send_ok(&[ix], &[&keys.authority])));
    rows.push(("data_credits::initialize", scenario::initialize_data_credits(&mut chain, &keys, &keys.authority, dc::fixed_price_args(150_000_000)).unwrap()));
    let iot = net::SubNetworkKeys::new(&keys.network, "IOT");
    let ix = net::create_sub_network_ix(&keys, chain.payer.pubkey(), keys.authority.pubkey(), &iot, iot.create_args());
    rows.push(("emissions::create_sub_network", chain.send_ok(&[ix], &[&keys.authority])));
    tokens::create_ata(&mut chain, &owner.pubkey(), &dc_mint_address(&keys.network));
    let ix = dc::mint_data_credits_ix(&keys, owner.pubkey(), owner.pubkey(), data_credits::instructions::MintDataCreditsArgs { token_amount: None, dc_amount: Some(20_000_000) });
    rows.push(("data_credits::mint_data_credits", chain.send_ok(&[ix], &[&owner])));

    rows.push(("device_registry::create_maker", scenario::create_maker(&mut chain, &keys.network, "acme", civnet_harness::Keypair::new().pubkey()).unwrap()));
    let mut maker = MakerKeys::create_approved(&mut chain, &keys, "acme-sensors");
    rows.push(("device_registry::set_maker_tree (14/64/8)", maker.set_tree(&mut chain, &keys, TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 }).unwrap()));
    let (device, issued) = maker.issue_device(&mut chain, &keys, &owner.pubkey());
    rows.push(("device_registry::issue_device", issued));
    rows.push(("device_registry::onboard_device", registry::onboard(&mut chain, &keys, &maker, &device, &owner, &iot.address, EPOCH)));
    let epoch = net::current_epoch(&chain, EPOCH);
    let ix = dc::burn_data_credits_ix(&keys, owner.pubkey(), &iot.address, epoch, 1_000_000);
    rows.push(("data_credits::burn_data_credits", chain.send_ok(&[ix], &[&owner])));
    let ix = dc::delegate_ix(&keys, owner.pubkey(), &iot.address, "router-1", 2_000_000);
    rows.push(("data_credits::delegate_data_credits (first, creates escrow)", chain.send_ok(&[ix], &[&owner])));
    let ix = dc::delegate_ix(&keys, owner.pubkey(), &iot.address, "router-1", 1_000_000);
    rows.push(("data_credits::delegate_data_credits (later)", chain.send_ok(&[ix], &[&owner])));
    for sequence in 1..=2 {
        let ix = dc::burn_delegated_ix(&keys, iot.dc_burn_authority.pubkey(), chain.payer.pubkey(), &iot.address, "router-1", epoch, 100_000, sequence);
        rows.push(("data_credits::burn_delegated_data_credits", chain.send_ok(&[ix], &[&iot.dc_burn_authority])));
    }
    let update = data_credits::instructions::UpdateConfigArgs {
        price_oracle: Some(data_credits::state::PriceOracle::Pyth { feed_id: [7; 32], max_age_secs: 600 }),
        ..Default::default()
    };
    rows.push(("data_credits::update_config", chain.send_ok(&[dc::update_config_ix(&keys, keys.authority.pubkey(), update)], &[&keys.authority])));
    let price = dc::PythPrice { feed_id: [7; 32], price: 150_000_000, conf: 100_000, exponent: -8, publish_time: chain.clock().unix_timestamp, fully_verified: true };
    let update = dc::write_price_update(&mut chain, &price, None);
    let ix = dc::mint_with_pyth_ix(&keys, owner.pubkey(), update, data_credits::instructions::MintDataCreditsArgs { token_amount: Some(1_000_000), dc_amount: None });
    rows.push(("data_credits::mint_data_credits (Pyth)", chain.send_ok(&[ix], &[&owner])));
    let (cnft, proof) = maker.ownership_proof(&chain, &keys, &device);
    let args = device_registry::instructions::UpdateDeviceArgs { device_key: device.device_key, location: Some(0x8c2830828052dff), elevation: Some(10), gain: None, cnft };
    let ix = registry::update_device_ix(&keys, owner.pubkey(), &iot.address, device.merkle_tree, args, &proof);
    rows.push(("device_registry::update_device (new location)", chain.send_ok(&[ix], &[&owner])));
    let ix = registry::set_device_active_ix(&keys, iot.active_device_authority.pubkey(), chain.payer.pubkey(), &iot.address, epoch, device.device_key, false);
    rows.push(("device_registry::set_device_active", chain.send_ok(&[ix], &[&iot.active_device_authority])));

    net::warp_to_next_epoch(&mut chain, EPOCH);
    let ix = net::calculate_utility_score_ix(&keys.network, &iot.address, chain.payer.pubkey(), epoch, None);
    rows.push(("emissions::calculate_utility_score", chain.send_ok(&[ix], &[])));
    rows.push(("emissions::issue_rewards", chain.send_ok(&[net::issue_rewards_ix(&keys, &iot.address, epoch)], &[])));
    let tree = RewardTree::new(&[(device.asset_id.to_bytes(), 1_000), ([9; 32], 2_000)]);
    let ix = net::set_rewards_root_ix(&iot.address, iot.rewards_oracle.pubkey(), tree.root(), 3_000);
    rows.push(("emissions::set_rewards_root", chain.send_ok(&[ix], &[&iot.rewards_oracle])));
    let (cnft, proof) = maker.ownership_proof(&chain, &keys, &device);
    let destination = tokens::create_ata(&mut chain, &owner.pubkey(), &keys.token_mint);
    let args = ClaimRewardsArgs { asset_id: device.asset_id, cumulative_amount: 1_000, reward_proof: tree.proof(0), cnft };
    let ix = net::claim_rewards_ix(&keys, &iot.address, owner.pubkey(), device.merkle_tree, destination, args, &proof);
    rows.push(("emissions::claim_rewards (first, creates recipient)", chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&owner])));

    let (retiree, _) = maker.issue_device(&mut chain, &keys, &owner.pubkey());
    let (cnft, proof) = maker.ownership_proof(&chain, &keys, &retiree);
    let ix = registry::retire_device_ix(&keys, owner.pubkey(), &retiree, None, cnft, &proof);
    rows.push(("device_registry::retire_device (not onboarded)", chain.send_ok(&[bubblegum::compute_budget(400_000), ix], &[&owner])));

    println!("\n| instruction | compute units | tx bytes |\n|---|---:|---:|");
    for (name, outcome) in &rows {
        println!("| {name} | {} | {} |", outcome.compute_units, outcome.size);
    }
}
