//! Property: over random burns on random sub-networks across epochs, each epoch's issuance
//! never exceeds the schedule and every sub-network's share is exactly the documented formula
//! (recomputed by the harness, independently of the program's code; a sub-network without
//! active devices scores 0); DC supply stays minted - usage - fees.
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::scenario::{self, dc_mint_address};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{dc, tokens, Signer};
use data_credits::state::DataCreditsConfig;
use emissions::state::{EpochInfo, SubNetworkEpochInfo};
use proptest::prelude::*;

const EPOCH: u32 = stories::EPOCH_SECS;

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn issuance_follows_the_formula_and_never_exceeds_the_schedule(
        sub_networks in 1usize..=3,
        // Active devices per sub-network (0: it scores nothing, whatever it burns).
        devices in prop::collection::vec(0usize..=2, 3),
        // Per epoch, per sub-network: DC burned (0 = quiet), in up to 3 batches.
        burns in prop::collection::vec(prop::collection::vec((0u64..=3_000_000, 1usize..=3), 3), 1..=3),
    ) {
        let Launched { mut chain, net: keys, customer } = stories::launch(100_000_000_000, stories::DOLLAR_FIFTY);
        let subs: Vec<SubNetworkKeys> = (0..sub_networks).map(|i| net::create_sub_network(&mut chain, &keys, &format!("SUB{i}"))).collect();
        let refs: Vec<&SubNetworkKeys> = subs.iter().collect();
        stories::onboard_device_counts(&mut chain, &keys, &customer, &refs, &devices[..sub_networks]);
        dc::buy_dc(&mut chain, &keys, &customer, 30_000_000);

        for epoch_burns in &burns {
            let epoch = net::current_epoch(&chain, EPOCH);
            for (sub, &(amount, batches)) in subs.iter().zip(epoch_burns) {
                let mut left = amount;
                for b in 0..batches {
                    let part = if b + 1 == batches { left } else { amount / batches as u64 };
                    left -= part;
                    if part > 0 {
                        let ix = dc::burn_data_credits_ix(&keys, customer.pubkey(), &sub.address, part);
                        chain.send_ok(&[ix], &[&customer]);
                    }
                }
            }
            net::warp_to_next_epoch(&mut chain, EPOCH);
            let refs: Vec<&SubNetworkKeys> = subs.iter().collect();
            net::close_epoch(&mut chain, &keys, &refs, epoch);

            let info: EpochInfo = chain.anchor_account(&net::epoch_info_address(&keys.network, epoch));
            let scores: Vec<u128> = epoch_burns.iter().zip(&devices).take(sub_networks).map(|(&(amount, _), &n)| net::expected_utility_score(amount, n as u64)).collect();
            let shares = net::expected_shares(info.emission, &scores);
            let mut issued_sum = 0;
            for (sub, want) in subs.iter().zip(&shares) {
                let got = chain.anchor_account::<SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(&sub.address, epoch)).issued;
                prop_assert_eq!(got, *want, "epoch {}: issued {}, formula {}", epoch, got, want);
                issued_sum += got;
            }
            prop_assert_eq!(info.total_issued, issued_sum);
            prop_assert!(info.total_issued <= info.emission);
        }

        let config: DataCreditsConfig = chain.anchor_account(&scenario::dc_config_address(&keys.network));
        let usage: u64 = subs.iter().map(|sub| dc::sub_network_burns(&chain, &sub.address).total_burned).sum();
        let fees: u64 = subs.iter().map(|sub| civnet_harness::registry::sub_network_devices(&chain, &sub.address).fees_dc_burned).sum();
        prop_assert_eq!(tokens::supply(&chain, &dc_mint_address(&keys.network)), config.total_dc_minted - usage - fees);
        let burned: u64 = burns.iter().flat_map(|e| e.iter().take(sub_networks)).map(|&(a, _)| a).sum();
        prop_assert_eq!(usage, burned);
    }
}
