//! Epochs close and owners claim: customers burn DC on two sub-networks over several epochs,
//! anyone closes each epoch (scores, then issuance), the rewards oracle publishes a root and
//! device owners claim through their Bubblegum cNFTs. Amounts are recomputed by the harness from
//! the documented formula, independently of the program's code.
use civnet_common::rewards::RewardTree;
use civnet_harness::bubblegum::{CnftCollection, TreeShape};
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::registry::{self, MakerKeys};
use civnet_harness::scenario::{self, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{dc, tokens, Chain, Keypair, Pubkey, Signer};
use emissions::errors::EmissionsError;
use emissions::instructions::ClaimRewardsArgs;
use emissions::state::{EpochInfo, Network, Recipient, RewardsRoot, SubNetwork, SubNetworkEpochInfo};

const EPOCH: u32 = stories::EPOCH_SECS;
const TREE: TreeShape = TreeShape { max_depth: 14, max_buffer_size: 64, canopy_depth: 8 };

struct Story {
    chain: Chain,
    net: NetworkKeys,
    iot: SubNetworkKeys,
    mobile: SubNetworkKeys,
    customer: Keypair,
}

/// A network a few epochs after the clock's zero, with a customer holding 10,000 genesis
/// tokens who bought 50,000,000 DC ($500) at $1.50 per token.
fn launch() -> Story {
    let Launched { mut chain, net, customer } = stories::launch(10_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    let mobile = net::create_sub_network(&mut chain, &net, "MOBILE");
    dc::buy_dc(&mut chain, &net, &customer, 50_000_000);
    Story { chain, net, iot, mobile, customer }
}

impl Story {
    fn epoch(&self) -> u64 {
        net::current_epoch(&self.chain, EPOCH)
    }

    fn burn(&mut self, sub: &Pubkey, amount: u64) {
        let ix = dc::burn_data_credits_ix(&self.net, self.customer.pubkey(), sub, amount);
        let customer = self.customer.insecure_clone();
        self.chain.send_ok(&[ix], &[&customer]);
    }

    fn close(&mut self, epoch: u64) {
        let subs = [&self.iot, &self.mobile];
        net::close_epoch(&mut self.chain, &self.net, &subs, epoch);
    }

    fn issued(&self, sub: &Pubkey, epoch: u64) -> u64 {
        self.chain.anchor_account::<SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(sub, epoch)).issued
    }
}

#[test]
fn burns_become_scores_and_scores_become_issuance_across_a_halving() {
    let mut s = launch();
    let first = s.epoch();
    assert_eq!(first, 5);
    let network: Network = s.chain.anchor_account(&s.net.network);
    assert_eq!(network.start_epoch, first);
    // One active device each: a sub-network without active devices scores 0. The owner is
    // the customer, who buys each onboarding fee (4,000,000 DC, $40) with genesis tokens.
    let customer = s.customer.insecure_clone();
    let subs = [&s.iot, &s.mobile];
    stories::onboard_devices(&mut s.chain, &s.net, &customer, &subs, 1);

    // Epochs 5..=8: the halving schedule steps from 1,000 to 500 tokens at epoch 4 and to 250 at 8.
    let burns: [(u64, u64); 4] = [(10_000_000, 2_500_000), (4_000_000, 0), (0, 900_000), (1_000_000, 1_000_000)];
    let emissions = [500_000_000u64, 500_000_000, 500_000_000, 250_000_000];
    for (i, &(iot_dc, mobile_dc)) in burns.iter().enumerate() {
        let epoch = first + i as u64;
        assert_eq!(s.epoch(), epoch);
        // Burns arrive in batches.
        for _ in 0..2 {
            if iot_dc > 0 {
                s.burn(&s.iot.address.clone(), iot_dc / 2);
            }
            if mobile_dc > 0 {
                s.burn(&s.mobile.address.clone(), mobile_dc / 2);
            }
        }
        net::warp_to_next_epoch(&mut s.chain, EPOCH);
        s.close(epoch);

        let expected = net::expected_shares(emissions[i], &[net::expected_utility_score(iot_dc, 1), net::expected_utility_score(mobile_dc, 1)]);
        let issued = [s.issued(&s.iot.address, epoch), s.issued(&s.mobile.address, epoch)];
        assert_eq!(issued.to_vec(), expected, "epoch {epoch}");
        let info: EpochInfo = s.chain.anchor_account(&net::epoch_info_address(&s.net.network, epoch));
        assert_eq!(info.emission, emissions[i], "epoch {epoch}");
        assert_eq!(info.dc_burned, iot_dc + mobile_dc);
        assert_eq!(info.total_issued, issued.iter().sum::<u64>());
        assert!(info.total_issued <= info.emission);
        let iot_info: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.iot.address, epoch));
        assert_eq!(iot_info.dc_burned, iot_dc);
    }
    // Exact values where the roots are exact: epoch 5 scores 10 : 5.
    assert_eq!(s.issued(&s.iot.address, first), 333_333_333);
    assert_eq!(s.issued(&s.mobile.address, first), 166_666_666);
    // Epoch 6: MOBILE was quiet, its device still counts (1), IOT burned $40 (sqrt 40 =
    // 6.324555): 500 tokens * 6.324555 / 7.324555 and * 1 / 7.324555, floored.
    assert_eq!(s.issued(&s.iot.address, first + 1), 431_736_467);
    assert_eq!(s.issued(&s.mobile.address, first + 1), 68_263_532);

    // Escrows hold exactly what was issued; the token supply grew by exactly that.
    let iot: SubNetwork = s.chain.anchor_account(&s.iot.address);
    let mobile: SubNetwork = s.chain.anchor_account(&s.mobile.address);
    assert_eq!(tokens::balance(&s.chain, &s.iot.rewards_escrow), iot.total_issued);
    assert_eq!(tokens::balance(&s.chain, &s.mobile.rewards_escrow), mobile.total_issued);
    assert_eq!(dc::sub_network_burns(&s.chain, &s.iot.address).total_burned, 15_000_000);
    let network: Network = s.chain.anchor_account(&s.net.network);
    assert_eq!(network.total_issued, iot.total_issued + mobile.total_issued);
    // Genesis 10,000 tokens, minus what bought 50M DC ($500 = 333.333334 tokens) and two
    // onboarding fees of 4M DC ($40 = 26.666667 tokens each, rounded up), plus issuance.
    assert_eq!(tokens::supply(&s.chain, &s.net.token_mint), 10_000_000_000 - 333_333_334 - 2 * 26_666_667 + network.total_issued);
}

#[test]
fn a_quiet_epoch_scored_late_reads_zero_burns_from_the_record() {
    let mut s = launch();
    let first = s.epoch();
    s.burn(&s.mobile.address.clone(), 100_000);
    net::warp_to_next_epoch(&mut s.chain, EPOCH); // first + 1: quiet for MOBILE
    net::warp_to_next_epoch(&mut s.chain, EPOCH); // first + 2: MOBILE active again
    s.burn(&s.mobile.address.clone(), 300_000);
    net::warp_to_next_epoch(&mut s.chain, EPOCH);
    // Scored after later activity, in any order: each epoch gets exactly its own burns.
    let payer = s.chain.payer.pubkey();
    for epoch in [first + 2, first + 1, first] {
        s.chain.send_ok(&[net::calculate_utility_score_ix(&s.net.network, &s.mobile.address, payer, epoch)], &[]);
    }
    let burned: Vec<u64> = (first..first + 3)
        .map(|epoch| s.chain.anchor_account::<SubNetworkEpochInfo>(&net::sub_network_epoch_info_address(&s.mobile.address, epoch)).dc_burned)
        .collect();
    assert_eq!(burned, [100_000, 0, 300_000]);
    let quiet: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.mobile.address, first + 1));
    assert!(quiet.score_done);
    assert_eq!((quiet.active_devices, quiet.utility_score), (0, 0));
}

#[test]
fn scoring_reads_only_the_sub_networks_own_activity_records() {
    let mut s = launch();
    let first = s.epoch();
    s.burn(&s.iot.address.clone(), 1_000_000);
    net::warp_to_next_epoch(&mut s.chain, EPOCH);
    let payer = s.chain.payer.pubkey();
    let (iot_burns, iot_devices) = (dc::sub_network_burns_address(&s.iot.address), registry::sub_network_devices_address(&s.iot.address));
    // MOBILE's quiet burn record for IOT; IOT's device record as its burn record (another
    // program's account with another layout); the network account as the device record.
    let swaps = [
        (iot_burns, dc::sub_network_burns_address(&s.mobile.address)),
        (iot_burns, iot_devices),
        (iot_devices, s.net.network),
    ];
    for (real, fake) in swaps {
        let mut ix = net::calculate_utility_score_ix(&s.net.network, &s.iot.address, payer, first);
        ix.accounts.iter_mut().filter(|m| m.pubkey == real).for_each(|m| m.pubkey = fake);
        s.chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::WrongActivityRecord);
    }
    assert!(s.chain.account_data(&net::sub_network_epoch_info_address(&s.iot.address, first)).is_none());
    s.chain.send_ok(&[net::calculate_utility_score_ix(&s.net.network, &s.iot.address, payer, first)], &[]);
    let info: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.iot.address, first));
    assert_eq!(info.dc_burned, 1_000_000);
}

#[test]
fn an_epoch_left_unscored_for_64_active_epochs_is_refused_not_guessed() {
    let mut s = launch();
    let first = s.epoch();
    for _ in 0..=civnet_common::history::HISTORY_LEN {
        s.burn(&s.iot.address.clone(), 1_000);
        net::warp_to_next_epoch(&mut s.chain, EPOCH);
    }
    let payer = s.chain.payer.pubkey();
    let ix = net::calculate_utility_score_ix(&s.net.network, &s.iot.address, payer, first);
    s.chain.send_err(&[ix], &[]).assert_anchor_error(EmissionsError::ActivityHistoryPruned);
    // The 64 newest epochs are still there.
    s.chain.send_ok(&[net::calculate_utility_score_ix(&s.net.network, &s.iot.address, payer, first + 1)], &[]);
    let info: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.iot.address, first + 1));
    assert_eq!(info.dc_burned, 1_000);
}

/// An epoch with issuance to IOT, its escrow funded, and three device cNFTs with owners.
struct Claims {
    s: Story,
    devices: CnftCollection,
    owners: Vec<Keypair>,
    issued: u64,
}

fn issued_and_minted() -> Claims {
    let mut s = launch();
    let epoch = s.epoch();
    let customer = s.customer.insecure_clone();
    stories::onboard_devices(&mut s.chain, &s.net, &customer, &[&s.iot], 1);
    s.burn(&s.iot.address.clone(), 10_000_000);
    net::warp_to_next_epoch(&mut s.chain, EPOCH);
    s.close(epoch);
    let issued = s.chain.anchor_account::<SubNetwork>(&s.iot.address).total_issued;
    assert_eq!(issued, 500_000_000);
    let mut devices = CnftCollection::new(&mut s.chain, TREE);
    let owners: Vec<Keypair> = (0..3).map(|_| s.chain.funded_keypair(1)).collect();
    for owner in &owners {
        devices.mint(&mut s.chain, &owner.pubkey());
        tokens::create_ata(&mut s.chain, &owner.pubkey(), &s.net.token_mint);
    }
    Claims { s, devices, owners, issued }
}

impl Claims {
    /// The oracle publishes `amounts` (cumulative, per device) and returns the tree.
    fn publish(&mut self, amounts: &[u64], total_cumulative: u64) -> RewardTree {
        let entries: Vec<([u8; 32], u64)> = self.devices.minted.iter().zip(amounts).map(|(d, a)| (d.asset_id.to_bytes(), *a)).collect();
        let tree = RewardTree::new(&entries);
        let before = self.rewards_root();
        let ix = net::set_rewards_root_ix(&self.s.iot.address, self.s.iot.rewards_oracle.pubkey(), tree.root(), total_cumulative);
        let oracle = self.s.iot.rewards_oracle.insecure_clone();
        self.s.chain.send_ok(&[ix], &[&oracle]);
        // Read back: the root, its total and the next version, stamped now.
        let after = self.rewards_root();
        assert_eq!((after.sub_network, after.root, after.total_cumulative, after.version), (self.s.iot.address, tree.root(), total_cumulative, before.version + 1));
        assert_eq!(after.updated_at, self.s.chain.clock().unix_timestamp);
        tree
    }

    fn rewards_root(&self) -> RewardsRoot {
        self.s.chain.anchor_account(&net::rewards_root_address(&self.s.iot.address))
    }

    /// Device `i`'s claim of `cumulative` signed by `signer`, with the reward proof from `tree`.
    fn claim_ix(&self, i: usize, signer: &Pubkey, cumulative: u64, tree: &RewardTree) -> anchor_lang::solana_program::instruction::Instruction {
        let device = &self.devices.minted[i];
        let (cnft, proof) = self.devices.ownership_proof(device);
        let args = ClaimRewardsArgs { asset_id: device.asset_id, cumulative_amount: cumulative, reward_proof: tree.proof(i), cnft };
        let destination = tokens::ata(signer, &self.s.net.token_mint);
        net::claim_rewards_ix(&self.s.net, &self.s.iot.address, *signer, self.devices.tree.merkle_tree, destination, args, &proof)
    }
}

#[test]
fn owners_claim_their_cumulative_rewards_once() {
    let mut c = issued_and_minted();
    let amounts = [100_000_000, 50_000_000, 25_000_000];
    let tree = c.publish(&amounts, 175_000_000);
    for (i, owner) in c.owners.iter().enumerate() {
        let ix = c.claim_ix(i, &owner.pubkey(), amounts[i], &tree);
        let claimed = c.s.chain.send_ok(&[ix], &[owner]);
        println!("claim_rewards: {} CU, {} bytes", claimed.compute_units, claimed.size);
        assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&owner.pubkey(), &c.s.net.token_mint)), amounts[i]);
        let recipient: Recipient = c.s.chain.anchor_account(&net::recipient_address(&c.s.iot.address, &c.devices.minted[i].asset_id));
        assert_eq!(recipient.total_claimed, amounts[i]);
    }
    assert_eq!(tokens::balance(&c.s.chain, &c.s.iot.rewards_escrow), c.issued - 175_000_000);

    // Replaying a claim pays nothing.
    let ix = c.claim_ix(0, &c.owners[0].pubkey(), amounts[0], &tree);
    c.s.chain.send_err(&[ix], &[&c.owners[0]]).assert_anchor_error(EmissionsError::NothingToClaim);

    // A new root raises device 0 to 150: it gets the difference; the old proof is stale.
    let raised = [150_000_000, 50_000_000, 25_000_000];
    let new_tree = c.publish(&raised, 225_000_000);
    let ix = c.claim_ix(0, &c.owners[0].pubkey(), amounts[0], &tree);
    c.s.chain.send_err(&[ix], &[&c.owners[0]]).assert_anchor_error(EmissionsError::InvalidRewardProof);
    let ix = c.claim_ix(0, &c.owners[0].pubkey(), raised[0], &new_tree);
    c.s.chain.send_ok(&[ix], &[&c.owners[0]]);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&c.owners[0].pubkey(), &c.s.net.token_mint)), 150_000_000);
    let sub: SubNetwork = c.s.chain.anchor_account(&c.s.iot.address);
    assert_eq!(sub.total_claimed, 225_000_000);
    assert_eq!(sub.total_issued - sub.total_claimed, tokens::balance(&c.s.chain, &c.s.iot.rewards_escrow));
}

#[test]
fn a_stranger_cannot_claim_a_device_they_do_not_own() {
    let mut c = issued_and_minted();
    let tree = c.publish(&[100, 200, 300], 600);
    let thief = c.s.chain.funded_keypair(1);
    tokens::create_ata(&mut c.s.chain, &thief.pubkey(), &c.s.net.token_mint);
    let ix = c.claim_ix(0, &thief.pubkey(), 100, &tree);
    // The leaf hashed with the thief as owner is not in the tree.
    c.s.chain.send_err(&[ix], &[&thief]).assert_anchor_error(EmissionsError::InvalidCnftProof);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&thief.pubkey(), &c.s.net.token_mint)), 0);
    assert!(c.s.chain.account_data(&net::recipient_address(&c.s.iot.address, &c.devices.minted[0].asset_id)).is_none());
}

#[test]
fn forged_reward_proofs_and_amounts_are_rejected() {
    let mut c = issued_and_minted();
    let tree = c.publish(&[100, 200, 300], 600);
    let owner = c.owners[0].insecure_clone();
    // Claiming more than the leaf says.
    let ix = c.claim_ix(0, &owner.pubkey(), 101, &tree);
    c.s.chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::InvalidRewardProof);
    // Another device's proof.
    let mut ix = c.claim_ix(0, &owner.pubkey(), 100, &tree);
    let mut args: ClaimRewardsArgs = anchor_lang::AnchorDeserialize::deserialize(&mut &ix.data[8..]).unwrap();
    args.reward_proof = tree.proof(1);
    ix.data = anchor_lang::InstructionData::data(&emissions::instruction::ClaimRewards { args });
    c.s.chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::InvalidRewardProof);
    // An overlong proof.
    let mut ix = c.claim_ix(0, &owner.pubkey(), 100, &tree);
    let mut args: ClaimRewardsArgs = anchor_lang::AnchorDeserialize::deserialize(&mut &ix.data[8..]).unwrap();
    args.reward_proof = vec![[0; 32]; 33];
    ix.data = anchor_lang::InstructionData::data(&emissions::instruction::ClaimRewards { args });
    // 33 nodes do not fit a packet: refused before it runs, as a cluster refuses it; past the
    // packet limit the program names it too.
    let refused = c.s.chain.send_err(&[ix.clone()], &[&owner]);
    assert!(refused.logs.iter().any(|l| l.contains("over the 1232-byte packet limit")), "{:#?}", refused.logs);
    c.s.chain.send_past_packet_limit(&[ix], &[&owner]).expect_err("an overlong proof").assert_anchor_error(EmissionsError::RewardProofTooLong);
    // A forged cNFT leaf: right proof nodes, wrong nonce -> another asset id.
    let mut ix = c.claim_ix(0, &owner.pubkey(), 100, &tree);
    let mut args: ClaimRewardsArgs = anchor_lang::AnchorDeserialize::deserialize(&mut &ix.data[8..]).unwrap();
    args.cnft.nonce = 1;
    ix.data = anchor_lang::InstructionData::data(&emissions::instruction::ClaimRewards { args });
    c.s.chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::AssetIdMismatch);
    // Forged cNFT proof nodes.
    let mut ix = c.claim_ix(0, &owner.pubkey(), 100, &tree);
    let last = ix.accounts.len() - 1;
    ix.accounts[last].pubkey = Pubkey::new_unique();
    c.s.chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::InvalidCnftProof);
    // Another tree (an account compression tree that is not the device's).
    let mut ix = c.claim_ix(0, &owner.pubkey(), 100, &tree);
    let tree_key = c.devices.tree.merkle_tree;
    ix.accounts.iter_mut().filter(|m| m.pubkey == tree_key).for_each(|m| m.pubkey = c.s.net.network);
    c.s.chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::InvalidMerkleTree);
    assert_eq!(tokens::balance(&c.s.chain, &c.s.iot.rewards_escrow), c.issued);
}

#[test]
fn a_proof_from_an_older_root_still_proves_an_unchanged_leaf_but_not_a_sold_one() {
    let mut c = issued_and_minted();
    let tree = c.publish(&[100, 200, 300], 600);
    let (owner0, seller) = (c.owners[0].insecure_clone(), c.owners[1].insecure_clone());
    // Both wallets read their proofs now...
    let stale_claim = c.claim_ix(0, &owner0.pubkey(), 100, &tree);
    let stale_sold = c.claim_ix(1, &seller.pubkey(), 200, &tree);
    // ...then the tree moves on: two more cNFTs minted and device 1 sold.
    for _ in 0..2 {
        c.devices.mint(&mut c.s.chain, &Pubkey::new_unique());
    }
    let buyer = c.s.chain.funded_keypair(1);
    tokens::create_ata(&mut c.s.chain, &buyer.pubkey(), &c.s.net.token_mint);
    c.devices.transfer(&mut c.s.chain, 1, &seller, &buyer.pubkey());
    // The unchanged leaf's proof is fast-forwarded through the tree's change log.
    c.s.chain.send_ok(&[stale_claim], &[&owner0]);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&owner0.pubkey(), &c.s.net.token_mint)), 100);
    // The seller's leaf changed after its root: refused by name, nothing paid.
    c.s.chain.send_err(&[stale_sold], &[&seller]).assert_anchor_error(EmissionsError::CnftLeafModified);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&seller.pubkey(), &c.s.net.token_mint)), 0);
    // The buyer now owns the device and its rewards.
    let ix = c.claim_ix(1, &buyer.pubkey(), 200, &tree);
    c.s.chain.send_ok(&[ix], &[&buyer]);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&buyer.pubkey(), &c.s.net.token_mint)), 200);
}

#[test]
fn a_lying_oracle_cannot_pay_out_more_than_was_issued() {
    let mut c = issued_and_minted();
    // The root's total is within issuance, but one leaf promises more than was issued.
    let tree = c.publish(&[c.issued + 1, 0, 0], c.issued);
    let owner = c.owners[0].insecure_clone();
    let ix = c.claim_ix(0, &owner.pubkey(), c.issued + 1, &tree);
    c.s.chain.send_err(&[ix], &[&owner]).assert_anchor_error(EmissionsError::ClaimExceedsIssued);
    assert_eq!(tokens::balance(&c.s.chain, &c.s.iot.rewards_escrow), c.issued);
}

#[test]
fn a_leaf_whose_claim_overflows_the_claimed_total_pays_nothing() {
    let mut c = issued_and_minted();
    // A lying oracle: the root's total is within issuance, device 1's leaf is u64::MAX.
    let tree = c.publish(&[100, u64::MAX, 0], 100);
    let (owner0, owner1) = (c.owners[0].insecure_clone(), c.owners[1].insecure_clone());
    c.s.chain.send_ok(&[c.claim_ix(0, &owner0.pubkey(), 100, &tree)], &[&owner0]);
    // 100 claimed + u64::MAX does not fit: refused as an overflow before any transfer.
    let ix = c.claim_ix(1, &owner1.pubkey(), u64::MAX, &tree);
    c.s.chain.send_err(&[ix], &[&owner1]).assert_anchor_error(EmissionsError::ArithmeticOverflow);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&owner1.pubkey(), &c.s.net.token_mint)), 0);
    assert_eq!(tokens::balance(&c.s.chain, &c.s.iot.rewards_escrow), c.issued - 100);
    assert_eq!(c.s.chain.anchor_account::<SubNetwork>(&c.s.iot.address).total_claimed, 100);
    assert!(c.s.chain.account_data(&net::recipient_address(&c.s.iot.address, &c.devices.minted[1].asset_id)).is_none());
}

#[test]
fn a_new_root_may_not_lower_the_total() {
    let mut c = issued_and_minted();
    let tree = c.publish(&[100, 200, 300], 600);
    let lower = RewardTree::new(&[(c.devices.minted[0].asset_id.to_bytes(), 100), (c.devices.minted[1].asset_id.to_bytes(), 199)]);
    let oracle = c.s.iot.rewards_oracle.insecure_clone();
    let ix = net::set_rewards_root_ix(&c.s.iot.address, oracle.pubkey(), lower.root(), 599);
    c.s.chain.send_err(&[ix], &[&oracle]).assert_anchor_error(EmissionsError::RootTotalDecreased);
    let root = c.rewards_root();
    assert_eq!((root.root, root.total_cumulative, root.version), (tree.root(), 600, 1));
    // The published root still pays; an equal total is accepted (version 2).
    let owner = c.owners[2].insecure_clone();
    c.s.chain.send_ok(&[c.claim_ix(2, &owner.pubkey(), 300, &tree)], &[&owner]);
    assert_eq!(tokens::balance(&c.s.chain, &tokens::ata(&owner.pubkey(), &c.s.net.token_mint)), 300);
    c.publish(&[100, 200, 300], 600);
}

#[test]
fn devices_and_burns_together_set_the_shares_and_owners_claim_through_their_device() {
    let mut s = launch();
    let first = s.epoch();
    // Device owners: each gets DC for the onboarding fee from the customer's genesis tokens.
    let mut maker = MakerKeys::create_approved(&mut s.chain, &s.net, "acme-sensors");
    maker.set_tree(&mut s.chain, &s.net, TREE).expect("set_maker_tree");
    let owners: Vec<Keypair> = (0..9).map(|_| s.chain.funded_keypair(2)).collect();
    let mut devices = Vec::new();
    for (i, owner) in owners.iter().enumerate() {
        let (device, _) = maker.issue_device(&mut s.chain, &s.net, &owner.pubkey());
        tokens::create_ata(&mut s.chain, &owner.pubkey(), &scenario::dc_mint_address(&s.net.network));
        let ix = dc::mint_data_credits_ix(&s.net, s.customer.pubkey(), owner.pubkey(), data_credits::instructions::MintDataCreditsArgs { token_amount: None, dc_amount: Some(4_000_000) });
        let customer = s.customer.insecure_clone();
        s.chain.send_ok(&[ix], &[&customer]);
        // Eight devices on IOT, one on MOBILE.
        let sub = if i < 8 { s.iot.address } else { s.mobile.address };
        registry::onboard(&mut s.chain, &s.net, &maker, &device, owner, &sub);
        devices.push(device);
    }
    s.burn(&s.iot.address.clone(), 1_000_000);
    s.burn(&s.mobile.address.clone(), 4_000_000);

    // Next epoch: one IOT device goes offline; MOBILE is quiet.
    net::warp_to_next_epoch(&mut s.chain, EPOCH);
    let authority = s.iot.active_device_authority.insecure_clone();
    let ix = registry::set_device_active_ix(&s.net, authority.pubkey(), &s.iot.address, devices[7].device_key, false);
    s.chain.send_ok(&[ix], &[&authority]);
    net::warp_to_next_epoch(&mut s.chain, EPOCH);

    for (epoch, iot, mobile) in [(first, (1_000_000, 8), (4_000_000, 1)), (first + 1, (0, 7), (0, 1))] {
        s.close(epoch);
        let scores = [net::expected_utility_score(iot.0, iot.1), net::expected_utility_score(mobile.0, mobile.1)];
        let info: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.iot.address, epoch));
        assert_eq!((info.dc_burned, info.active_devices, info.utility_score), (iot.0, iot.1, scores[0]), "IOT epoch {epoch}");
        let info: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.mobile.address, epoch));
        assert_eq!((info.active_devices, info.utility_score), (mobile.1, scores[1]), "MOBILE epoch {epoch}");
        let expected = net::expected_shares(500_000_000, &scores);
        assert_eq!([s.issued(&s.iot.address, epoch), s.issued(&s.mobile.address, epoch)], [expected[0], expected[1]], "epoch {epoch}");
    }
    // $10 with 8 devices (sqrt 10 * 2) against $40 with 1 device (sqrt 40): 1 : 1 up to the
    // 10^-6 fixed point of each factor. Exactly, with integer roots (Python's math.isqrt):
    // scores 3_162_277 * 2_000_000 and 6_324_555 * 1_000_000, floor(500e6 * score / sum).
    assert_eq!([s.issued(&s.iot.address, first), s.issued(&s.mobile.address, first)], [249_999_980, 250_000_019]);
    // Next epoch: no burns, 7 devices (cbrt 7 = 1.912931) against 1.
    assert_eq!([s.issued(&s.iot.address, first + 1), s.issued(&s.mobile.address, first + 1)], [328_351_581, 171_648_418]);

    // The IOT oracle rewards device 0; its owner claims through the device's own cNFT.
    let iot_issued = s.chain.anchor_account::<SubNetwork>(&s.iot.address).total_issued;
    let tree = RewardTree::new(&[(devices[0].asset_id.to_bytes(), 1_234_567), (devices[1].asset_id.to_bytes(), 7)]);
    let oracle = s.iot.rewards_oracle.insecure_clone();
    s.chain.send_ok(&[net::set_rewards_root_ix(&s.iot.address, oracle.pubkey(), tree.root(), 1_234_574)], &[&oracle]);
    let (cnft, proof) = maker.ownership_proof(&s.chain, &s.net, &devices[0]);
    let args = ClaimRewardsArgs { asset_id: devices[0].asset_id, cumulative_amount: 1_234_567, reward_proof: tree.proof(0), cnft };
    let destination = tokens::create_ata(&mut s.chain, &owners[0].pubkey(), &s.net.token_mint);
    let ix = net::claim_rewards_ix(&s.net, &s.iot.address, owners[0].pubkey(), devices[0].merkle_tree, destination, args, &proof);
    s.chain.send_ok(&[ix], &[&owners[0]]);
    assert_eq!(tokens::balance(&s.chain, &destination), 1_234_567);
    assert_eq!(tokens::balance(&s.chain, &s.iot.rewards_escrow), iot_issued - 1_234_567);
}
