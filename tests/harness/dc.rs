//! The data_credits side: buying DC with network tokens and burning it for usage.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use data_credits::instructions::MintDataCreditsArgs;
use solana_signer::Signer;

use crate::network::sub_network_epoch_info_address;
use crate::scenario::{dc_config_address, dc_mint_address, NetworkKeys};
use crate::{anchor_ix, event_authority, tokens};

pub fn burn_tracker() -> Pubkey {
    Pubkey::find_program_address(&[civnet_common::seeds::DC_BURN_TRACKER], &data_credits::ID).0
}

/// `mint_data_credits`: `owner` burns network tokens from its associated account; DC goes to
/// `recipient`'s associated DC account (which must exist).
pub fn mint_data_credits_ix(net: &NetworkKeys, owner: Pubkey, recipient: Pubkey, args: MintDataCreditsArgs) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::MintDataCredits { args },
        data_credits::accounts::MintDataCredits {
            owner,
            config: dc_config_address(&net.network),
            network: net.network,
            network_mint: net.token_mint,
            owner_tokens: tokens::ata(&owner, &net.token_mint),
            dc_mint,
            recipient_dc: tokens::ata(&recipient, &dc_mint),
            token_program: tokens::TOKEN_2022_ID,
            event_authority: event_authority(&data_credits::ID),
            program: data_credits::ID,
        },
    )
}

/// `burn_data_credits`: `owner` burns DC for usage of `sub_network` in `epoch` (the current one).
pub fn burn_data_credits_ix(net: &NetworkKeys, owner: Pubkey, sub_network: &Pubkey, epoch: u64, amount: u64) -> Instruction {
    let dc_mint = dc_mint_address(&net.network);
    anchor_ix(
        data_credits::ID,
        data_credits::instruction::BurnDataCredits { amount },
        data_credits::accounts::BurnDataCredits {
            owner,
            config: dc_config_address(&net.network),
            network: net.network,
            sub_network: *sub_network,
            sub_network_epoch_info: sub_network_epoch_info_address(sub_network, epoch),
            dc_mint,
            owner_dc: tokens::ata(&owner, &dc_mint),
            burn_tracker: burn_tracker(),
            emissions_event_authority: event_authority(&emissions::ID),
            emissions_program: emissions::ID,
            token_program: tokens::TOKEN_2022_ID,
            system_program: anchor_lang::system_program::ID,
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
