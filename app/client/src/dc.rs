//! The data_credits side: buying DC with network tokens and burning it for usage.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use data_credits::instructions::MintDataCreditsArgs;
use solana_signer::Signer;

use crate::scenario::{dc_config_address, dc_mint_address, NetworkKeys};
use crate::{anchor_ix, event_authority, tokens};

/// `mint_data_credits`: `owner` burns network tokens from its associated account; DC goes to
/// `recipient`'s associated DC account (which must exist).
pub fn mint_data_credits_ix(net: &NetworkKeys, owner: Pubkey, recipient: Pubkey, args: MintDataCreditsArgs) -> Instruction {
    mint_data_credits_priced_ix(net, owner, recipient, args, None)
}

/// `mint_data_credits` with an optional Pyth price update account.
pub fn mint_data_credits_priced_ix(net: &NetworkKeys, owner: Pubkey, recipient: Pubkey, args: MintDataCreditsArgs, price_update: Option<Pubkey>) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::MintDataCredits { args },
        data_credits::accounts::MintDataCredits {
            owner,
            config: dc_config_address(&net.network),
            network_mint: net.token_mint,
            owner_tokens: tokens::ata(&owner, &net.token_mint),
            dc_mint,
            recipient_dc: tokens::ata(&recipient, &dc_mint),
            price_update,
            token_program: tokens::TOKEN_2022_ID,
            event_authority: event_authority(&data_credits::ID),
            program: data_credits::ID,
        },
    )
}

/// `burn_data_credits`: `owner` burns DC for usage of `sub_network` (in the current epoch).
pub fn burn_data_credits_ix(net: &NetworkKeys, owner: Pubkey, sub_network: &Pubkey, amount: u64) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::BurnDataCredits { amount },
        data_credits::accounts::BurnDataCredits {
            owner,
            sub_network_burns: crate::pda::sub_network_burns(sub_network),
            dc_mint,
            owner_dc: tokens::ata(&owner, &dc_mint),
            token_program: tokens::TOKEN_2022_ID,
            event_authority: event_authority(&data_credits::ID),
            program: data_credits::ID,
        },
    )
}

/// A fixed-price DC configuration: $1.50 per token, a generous circuit breaker.
pub fn fixed_price_args(usd_per_token_e8: u64) -> data_credits::instructions::InitializeArgs {
    data_credits::instructions::InitializeArgs {
        price_oracle: data_credits::state::PriceOracle::Fixed { usd_per_token_e8 },
        max_dc_minted_per_epoch: 1_000_000_000_000,
    }
}

/// Buys `dc` DC for `customer` (who signs) into its own DC account, creating that account.
pub fn buy_dc(cluster: &mut impl crate::Cluster, net: &NetworkKeys, customer: &solana_keypair::Keypair, dc: u64) -> crate::TxSuccess {
    tokens::create_ata(cluster, &customer.pubkey(), &dc_mint_address(&net.network));
    let ix = mint_data_credits_ix(net, customer.pubkey(), customer.pubkey(), MintDataCreditsArgs { token_amount: None, dc_amount: Some(dc) });
    cluster.send_ok(&[ix], &[customer])
}

pub fn sub_network_burns_address(sub_network: &Pubkey) -> Pubkey {
    crate::pda::sub_network_burns(sub_network)
}

/// data_credits' record of a sub-network's usage burns (total and per epoch).
pub fn sub_network_burns(cluster: &impl crate::Cluster, sub_network: &Pubkey) -> data_credits::state::SubNetworkBurns {
    cluster.anchor_account(&sub_network_burns_address(sub_network))
}

pub fn escrow_address(sub_network: &Pubkey, router_key: &str) -> Pubkey {
    crate::pda::dc_escrow(sub_network, router_key)
}

pub fn delegate_ix(net: &NetworkKeys, owner: Pubkey, sub_network: &Pubkey, router_key: &str, amount: u64) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    let escrow = escrow_address(sub_network, router_key);
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::DelegateDataCredits { router_key: router_key.to_string(), amount },
        data_credits::accounts::DelegateDataCredits {
            owner,
            config: dc_config_address(&net.network),
            sub_network: *sub_network,
            escrow,
            escrow_dc: tokens::ata(&escrow, &dc_mint),
            dc_mint,
            owner_dc: tokens::ata(&owner, &dc_mint),
            token_program: tokens::TOKEN_2022_ID,
            associated_token_program: anchor_lang::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"),
            system_program: anchor_lang::system_program::ID,
            event_authority: event_authority(&data_credits::ID),
            program: data_credits::ID,
        },
    )
}

/// `burn_delegated_data_credits` signed by `authority` (the sub-network's DC burn authority
/// when legitimate).
pub fn burn_delegated_ix(net: &NetworkKeys, authority: Pubkey, sub_network: &Pubkey, router_key: &str, amount: u64, sequence: u64) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    let escrow = escrow_address(sub_network, router_key);
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::BurnDelegatedDataCredits { amount, sequence },
        data_credits::accounts::BurnDelegatedDataCredits {
            dc_burn_authority: authority,
            sub_network: *sub_network,
            escrow,
            sub_network_burns: crate::pda::sub_network_burns(sub_network),
            escrow_dc: tokens::ata(&escrow, &dc_mint),
            dc_mint,
            token_program: tokens::TOKEN_2022_ID,
        },
    )
}

/// `update_config` signed by the network's authority (DC has no authority of its own).
pub fn update_config_ix(net: &NetworkKeys, authority: Pubkey, args: data_credits::instructions::UpdateConfigArgs) -> Instruction {
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::UpdateConfig { args },
        data_credits::accounts::UpdateConfig {
            authority,
            network: net.network,
            config: dc_config_address(&net.network),
            event_authority: event_authority(&data_credits::ID),
            program: data_credits::ID,
        },
    )
}

/// A Pyth pull-oracle price update as the receiver program stores it.
pub struct PythPrice {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub fully_verified: bool,
}

/// Writes a real `PriceUpdateV2` account (Anchor discriminator + borsh, owned by the Pyth
/// receiver program unless `owner` says otherwise) at a new address; reading it needs no
/// Pyth program.
pub fn write_price_update(chain: &mut crate::Chain, price: &PythPrice, owner: Option<Pubkey>) -> Pubkey {
    use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: if price.fully_verified { VerificationLevel::Full } else { VerificationLevel::Partial { num_signatures: 5 } },
        price_message: PriceFeedMessage {
            feed_id: price.feed_id,
            price: price.price,
            conf: price.conf,
            exponent: price.exponent,
            publish_time: price.publish_time,
            prev_publish_time: price.publish_time - 1,
            ema_price: price.price,
            ema_conf: price.conf,
        },
        posted_slot: 1,
    };
    let mut data = Vec::new();
    anchor_lang::AccountSerialize::try_serialize(&update, &mut data).expect("serialize PriceUpdateV2");
    let address = Pubkey::new_unique();
    let account = solana_account::Account {
        lamports: chain.rent_exempt_minimum(data.len()),
        data,
        owner: owner.unwrap_or(pyth_solana_receiver_sdk::ID),
        executable: false,
        rent_epoch: 0,
    };
    chain.svm.set_account(address, account).expect("set price account");
    address
}

/// `mint_data_credits` priced by the Pyth update at `price_update`.
pub fn mint_with_pyth_ix(net: &NetworkKeys, owner: Pubkey, price_update: Pubkey, args: MintDataCreditsArgs) -> Instruction {
    mint_data_credits_priced_ix(net, owner, owner, args, Some(price_update))
}
