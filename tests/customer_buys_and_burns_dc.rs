//! A customer buys and burns DC: network tokens are burned at the configured price into
//! non-transferable DC, DC is delegated to a router's escrow, the sub-network's burn authority
//! burns it for traffic across two epochs, and emissions sees every burn in its epoch.
use civnet_harness::network::{self as net, SubNetworkKeys};
use civnet_harness::scenario::{dc_config_address, dc_mint_address, NetworkKeys};
use civnet_harness::stories::{self, Launched};
use civnet_harness::{dc, tokens, Chain, Keypair, Signer};
use data_credits::errors::DataCreditsError;
use data_credits::instructions::MintDataCreditsArgs;
use data_credits::state::{DataCreditsConfig, DelegatedEscrow};
use emissions::state::SubNetworkEpochInfo;
use proptest::prelude::*;

const EPOCH: u32 = stories::EPOCH_SECS;
const ROUTER: &str = "router-1.iot.example";

struct Shop {
    chain: Chain,
    net: NetworkKeys,
    iot: SubNetworkKeys,
    customer: Keypair,
}

/// $1.50 per token; the customer holds 1,000 tokens (6 decimals) and an empty DC account.
fn shop() -> Shop {
    let Launched { mut chain, net, customer } = stories::launch(1_000_000_000, stories::DOLLAR_FIFTY);
    let iot = net::create_sub_network(&mut chain, &net, "IOT");
    Shop { chain, net, iot, customer }
}

impl Shop {
    fn tokens(&self) -> u64 {
        tokens::balance(&self.chain, &tokens::ata(&self.customer.pubkey(), &self.net.token_mint))
    }
    fn dc(&self) -> u64 {
        tokens::balance(&self.chain, &tokens::ata(&self.customer.pubkey(), &dc_mint_address(&self.net.network)))
    }
    fn dc_supply(&self) -> u64 {
        tokens::supply(&self.chain, &dc_mint_address(&self.net.network))
    }
    fn escrow_dc(&self) -> u64 {
        let escrow = dc::escrow_address(&self.iot.address, ROUTER);
        tokens::balance(&self.chain, &tokens::ata(&escrow, &dc_mint_address(&self.net.network)))
    }
    fn buy(&mut self, args: MintDataCreditsArgs) -> Result<civnet_harness::TxSuccess, civnet_harness::TxFailure> {
        let ix = dc::mint_data_credits_ix(&self.net, self.customer.pubkey(), self.customer.pubkey(), args);
        let customer = self.customer.insecure_clone();
        self.chain.send(&[ix], &[&customer])
    }
    fn router_burn(&mut self, amount: u64, sequence: u64) -> Result<civnet_harness::TxSuccess, civnet_harness::TxFailure> {
        let authority = self.iot.dc_burn_authority.insecure_clone();
        let ix = dc::burn_delegated_ix(&self.net, authority.pubkey(), &self.iot.address, ROUTER, amount, sequence);
        self.chain.send(&[ix], &[&authority])
    }
}

#[test]
fn a_customer_buys_delegates_and_the_router_burns_across_two_epochs() {
    let mut s = shop();
    // 10 tokens at $1.50 = $15 = 1,500,000 DC.
    s.buy(MintDataCreditsArgs { token_amount: Some(10_000_000), dc_amount: None }).unwrap();
    assert_eq!((s.tokens(), s.dc()), (990_000_000, 1_500_000));
    // 1,000,001 DC cost ceil(1,000,001 / 150,000 tokens) = 6.666674 tokens, rounded up.
    s.buy(MintDataCreditsArgs { token_amount: None, dc_amount: Some(1_000_001) }).unwrap();
    assert_eq!((s.tokens(), s.dc()), (990_000_000 - 6_666_674, 2_500_001));
    assert_eq!(tokens::supply(&s.chain, &s.net.token_mint), 1_000_000_000 - 16_666_674);

    let customer = s.customer.insecure_clone();
    let ix = dc::delegate_ix(&s.net, customer.pubkey(), &s.iot.address, ROUTER, 2_000_000);
    s.chain.send_ok(&[ix], &[&customer]);
    assert_eq!((s.dc(), s.escrow_dc(), s.dc_supply()), (500_001, 2_000_000, 2_500_001));

    let first = net::current_epoch(&s.chain, EPOCH);
    s.router_burn(300_000, 1).unwrap();
    s.router_burn(200_000, 2).unwrap();
    // A retried report (same sequence) and an older one burn nothing.
    s.router_burn(200_000, 2).unwrap_err().assert_anchor_error(DataCreditsError::StaleSequence);
    s.router_burn(300_000, 1).unwrap_err().assert_anchor_error(DataCreditsError::StaleSequence);
    net::warp_to_next_epoch(&mut s.chain, EPOCH);
    s.router_burn(500_000, 3).unwrap();
    // More than the escrow holds.
    s.router_burn(1_000_001, 4).unwrap_err().assert_anchor_error(DataCreditsError::EscrowBalanceTooLow);
    // Only the sub-network's burn authority burns.
    let impostor = Keypair::new();
    let ix = dc::burn_delegated_ix(&s.net, impostor.pubkey(), &s.iot.address, ROUTER, 1, 10);
    s.chain.send_err(&[ix], &[&impostor]).assert_anchor_error(anchor_lang::error::ErrorCode::ConstraintHasOne);
    // The escrow's DC account swapped for the customer's own (not the escrow's).
    let authority = s.iot.dc_burn_authority.insecure_clone();
    let mut ix = dc::burn_delegated_ix(&s.net, authority.pubkey(), &s.iot.address, ROUTER, 1, 10);
    let dc_mint = dc_mint_address(&s.net.network);
    let (escrow_dc, customer_dc) = (tokens::ata(&dc::escrow_address(&s.iot.address, ROUTER), &dc_mint), tokens::ata(&customer.pubkey(), &dc_mint));
    ix.accounts.iter_mut().filter(|m| m.pubkey == escrow_dc).for_each(|m| m.pubkey = customer_dc);
    s.chain.send_err(&[ix], &[&authority]).assert_anchor_error(DataCreditsError::WrongEscrowAccount);

    // Each epoch's burns sit in the sub-network's burn record, where scoring reads them.
    let record = dc::sub_network_burns(&s.chain, &s.iot.address);
    assert_eq!((record.total_burned, record.entries_written), (1_000_000, 2));
    assert_eq!((record.epochs[0], record.burned[0], record.epochs[1], record.burned[1]), (first, 500_000, first + 1, 500_000));
    net::warp_to_next_epoch(&mut s.chain, EPOCH);
    for (epoch, burned) in [(first, 500_000), (first + 1, 500_000)] {
        let payer = s.chain.payer.pubkey();
        s.chain.send_ok(&[net::calculate_utility_score_ix(&s.net.network, &s.iot.address, payer, epoch)], &[]);
        let info: SubNetworkEpochInfo = s.chain.anchor_account(&net::sub_network_epoch_info_address(&s.iot.address, epoch));
        assert_eq!(info.dc_burned, burned, "epoch {epoch}");
    }
    let escrow: DelegatedEscrow = s.chain.anchor_account(&dc::escrow_address(&s.iot.address, ROUTER));
    assert_eq!((escrow.last_sequence, escrow.total_delegated, escrow.total_burned), (3, 2_000_000, 1_000_000));
    assert_eq!(s.escrow_dc(), 1_000_000);
    let config: DataCreditsConfig = s.chain.anchor_account(&dc_config_address(&s.net.network));
    assert_eq!((config.total_dc_minted, config.total_tokens_burned), (2_500_001, 16_666_674));
    assert_eq!(s.dc_supply(), config.total_dc_minted - dc::sub_network_burns(&s.chain, &s.iot.address).total_burned);
}

#[test]
fn dc_cannot_be_transferred() {
    let mut s = shop();
    s.buy(MintDataCreditsArgs { token_amount: Some(1_000_000), dc_amount: None }).unwrap();
    let friend = Keypair::new();
    let dc_mint = dc_mint_address(&s.net.network);
    let friend_dc = tokens::create_ata(&mut s.chain, &friend.pubkey(), &dc_mint);
    let from = tokens::ata(&s.customer.pubkey(), &dc_mint);
    let transfer = spl_token_2022_interface::instruction::transfer_checked(&tokens::TOKEN_2022_ID, &from, &dc_mint, &friend_dc, &s.customer.pubkey(), &[], 1, 0).unwrap();
    let customer = s.customer.insecure_clone();
    let failure = s.chain.send_err(&[transfer], &[&customer]);
    assert!(failure.logs.iter().any(|l| l.contains("Transfer is disabled for this mint")), "{:#?}", failure.logs);
    assert_eq!((s.dc(), tokens::balance(&s.chain, &friend_dc)), (150_000, 0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// Over random sequences of buying (by tokens or by DC), burning, delegating and router
    /// burns: DC supply == minted - burned, network tokens burned == what the price implies
    /// (rounded in the network's favour), and the escrow never goes below zero.
    #[test]
    fn dc_accounting_holds_over_random_operations(ops in prop::collection::vec((0u8..5, 1u64..3_000_000), 1..12)) {
        let mut s = shop();
        let mut expected_tokens_burned = 0u64;
        let mut sequence = 0u64;
        for (op, amount) in ops {
            let before_tokens = s.tokens();
            let outcome = match op {
                0 => s.buy(MintDataCreditsArgs { token_amount: Some(amount), dc_amount: None }).map(|_| ()),
                1 => s.buy(MintDataCreditsArgs { token_amount: None, dc_amount: Some(amount) }).map(|_| ()),
                2 => {
                    let ix = dc::burn_data_credits_ix(&s.net, s.customer.pubkey(), &s.iot.address, amount);
                    let customer = s.customer.insecure_clone();
                    s.chain.send(&[ix], &[&customer]).map(|_| ())
                }
                3 => {
                    let ix = dc::delegate_ix(&s.net, s.customer.pubkey(), &s.iot.address, ROUTER, amount);
                    let customer = s.customer.insecure_clone();
                    s.chain.send(&[ix], &[&customer]).map(|_| ())
                }
                _ => {
                    sequence += 1;
                    s.router_burn(amount, sequence).map(|_| ())
                }
            };
            if outcome.is_ok() && op <= 1 {
                let spent = before_tokens - s.tokens();
                // What the spent tokens buy, and that one base unit less would not have sufficed.
                let dc = civnet_common::dc::dc_for_tokens(spent, 6, 150_000_000, -8).unwrap();
                if op == 0 {
                    prop_assert_eq!(spent, amount);
                } else {
                    prop_assert!(dc >= amount && civnet_common::dc::dc_for_tokens(spent - 1, 6, 150_000_000, -8).unwrap() < amount);
                }
                expected_tokens_burned += spent;
            }
            let config: DataCreditsConfig = s.chain.anchor_account(&dc_config_address(&s.net.network));
            prop_assert_eq!(s.dc_supply(), config.total_dc_minted - dc::sub_network_burns(&s.chain, &s.iot.address).total_burned);
            prop_assert_eq!(config.total_tokens_burned, expected_tokens_burned);
            prop_assert_eq!(tokens::supply(&s.chain, &s.net.token_mint), 1_000_000_000 - expected_tokens_burned);
        }
    }
}
