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
    tokens::assert_token_2022_error(&failure, 0, spl_token_2022_interface::error::TokenError::NonTransferable);
    assert!(failure.logs.iter().any(|l| l.contains("Transfer is disabled for this mint")), "{:#?}", failure.logs);
    assert_eq!((s.dc(), tokens::balance(&s.chain, &friend_dc)), (150_000, 0));
}

/// What one random operation should do, by a model written from the documented price alone:
/// at $1.50 a token (6 decimals) and $1 = 100,000 DC, one base unit buys 0.15 = 3/20 DC, so
/// `dc(tokens) = floor(3 * tokens / 20)` and `tokens(dc) = ceil(20 * dc / 3)` (both in the
/// network's favour).
#[derive(Default, Debug)]
struct Model {
    tokens: u64,
    dc: u64,
    escrow: Option<u64>,
    tokens_burned: u64,
    dc_minted: u64,
    usage: u64,
}

/// The outcome the model expects of an operation.
#[derive(Debug, PartialEq)]
enum Expected {
    Ok,
    Anchor(u32),
    /// Token-2022's InsufficientFunds in the only instruction.
    TokenInsufficientFunds,
}

impl Model {
    fn apply(&mut self, op: u8, amount: u64) -> Expected {
        match op {
            0 => {
                let dc = 3 * amount / 20;
                if dc == 0 {
                    return Expected::Anchor(DataCreditsError::AmountTooSmall.into());
                }
                self.buy(amount, dc)
            }
            1 => self.buy((20 * amount).div_ceil(3), amount),
            2 | 3 if amount > self.dc => Expected::TokenInsufficientFunds,
            2 => {
                self.dc -= amount;
                self.usage += amount;
                Expected::Ok
            }
            3 => {
                self.dc -= amount;
                *self.escrow.get_or_insert(0) += amount;
                Expected::Ok
            }
            _ => match self.escrow {
                None => Expected::Anchor(anchor_lang::error::ErrorCode::AccountNotInitialized.into()),
                Some(held) if amount > held => Expected::Anchor(DataCreditsError::EscrowBalanceTooLow.into()),
                Some(held) => {
                    self.escrow = Some(held - amount);
                    self.usage += amount;
                    Expected::Ok
                }
            },
        }
    }

    fn buy(&mut self, tokens: u64, dc: u64) -> Expected {
        assert!(tokens <= self.tokens, "the model's customer never runs out of tokens");
        self.tokens -= tokens;
        self.tokens_burned += tokens;
        self.dc += dc;
        self.dc_minted += dc;
        Expected::Ok
    }
}

fn outcome(result: Result<civnet_harness::TxSuccess, civnet_harness::TxFailure>) -> Expected {
    use solana_instruction_error::InstructionError;
    use solana_transaction_error::TransactionError;
    match result {
        Ok(_) => Expected::Ok,
        Err(f) if f.logs.iter().any(|l| l.starts_with(&format!("Program {} failed", tokens::TOKEN_2022_ID)))
            && f.err == TransactionError::InstructionError(0, InstructionError::Custom(spl_token_2022_interface::error::TokenError::InsufficientFunds as u32)) =>
        {
            Expected::TokenInsufficientFunds
        }
        Err(f) => match f.custom_code() {
            Some(code) if f.logs.iter().any(|l| l.contains("AnchorError")) => Expected::Anchor(code),
            _ => panic!("unexpected failure: {f}\nlogs: {:#?}", f.logs),
        },
    }
}

proptest! {
    // A known seed: fixed under CI, printed always (civnet_harness::proptest_config).
    #![proptest_config(civnet_harness::proptest_config(10))]

    /// Over random sequences of buying (by tokens or by DC), burning, delegating and router
    /// burns, each operation succeeds or fails exactly as the model says (with the error it
    /// names), so the share that succeeded is the model's; DC received and tokens spent match
    /// the independent formula; DC supply == minted - burned; the escrow never goes below zero.
    #[test]
    fn dc_accounting_holds_over_random_operations(ops in prop::collection::vec((0u8..5, 1u64..3_000_000), 1..12)) {
        let mut s = shop();
        let mut model = Model { tokens: s.tokens(), ..Model::default() };
        let (mut succeeded, mut failed) = (0usize, 0usize);
        let (mut expected_succeeded, mut expected_failed) = (0usize, 0usize);
        let mut sequence = 0u64;
        for (i, (op, amount)) in ops.iter().copied().enumerate() {
            let (tokens_before, dc_before) = (s.tokens(), s.dc());
            let expected = model.apply(op, amount);
            let result = match op {
                0 => s.buy(MintDataCreditsArgs { token_amount: Some(amount), dc_amount: None }),
                1 => s.buy(MintDataCreditsArgs { token_amount: None, dc_amount: Some(amount) }),
                2 => {
                    let ix = dc::burn_data_credits_ix(&s.net, s.customer.pubkey(), &s.iot.address, amount);
                    let customer = s.customer.insecure_clone();
                    s.chain.send(&[ix], &[&customer])
                }
                3 => {
                    let ix = dc::delegate_ix(&s.net, s.customer.pubkey(), &s.iot.address, ROUTER, amount);
                    let customer = s.customer.insecure_clone();
                    s.chain.send(&[ix], &[&customer])
                }
                _ => {
                    sequence += 1;
                    s.router_burn(amount, sequence)
                }
            };
            if expected == Expected::Ok { expected_succeeded += 1 } else { expected_failed += 1 }
            let got = outcome(result);
            if got == Expected::Ok { succeeded += 1 } else { failed += 1 }
            prop_assert_eq!(&got, &expected, "op #{} ({}, {}) of {:?}", i, op, amount, ops);
            // DC received and tokens spent by a purchase, against the formula above.
            let (spent, received) = (tokens_before - s.tokens(), s.dc().wrapping_sub(dc_before));
            match (op, &got) {
                (0, Expected::Ok) => prop_assert_eq!((spent, received), (amount, 3 * amount / 20)),
                (1, Expected::Ok) => prop_assert_eq!((spent, received), ((20 * amount).div_ceil(3), amount)),
                _ if op <= 1 => prop_assert_eq!((spent, received), (0, 0)),
                _ => prop_assert_eq!(spent, 0),
            }
            prop_assert_eq!((s.tokens(), s.dc(), s.escrow_dc()), (model.tokens, model.dc, model.escrow.unwrap_or(0)));
            let config: DataCreditsConfig = s.chain.anchor_account(&dc_config_address(&s.net.network));
            prop_assert_eq!((config.total_dc_minted, config.total_tokens_burned), (model.dc_minted, model.tokens_burned));
            prop_assert_eq!(dc::sub_network_burns(&s.chain, &s.iot.address).total_burned, model.usage);
            prop_assert_eq!(s.dc_supply(), config.total_dc_minted - model.usage);
            prop_assert_eq!(tokens::supply(&s.chain, &s.net.token_mint), 1_000_000_000 - model.tokens_burned);
        }
        // The expected share succeeded: as many operations as the model accepts, no more.
        prop_assert_eq!((succeeded, failed), (expected_succeeded, expected_failed), "{:?}", ops);
        prop_assert_eq!(succeeded + failed, ops.len());
        println!("{succeeded} of {} operations succeeded, {failed} refused, as the model predicts", ops.len());
    }
}
