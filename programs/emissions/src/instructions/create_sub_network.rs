use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::EmissionsError;
use crate::events::SubNetworkCreated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateSubNetworkArgs {
    pub name: String,
    pub dc_burn_authority: Pubkey,
    pub active_device_authority: Pubkey,
    pub rewards_oracle: Pubkey,
    pub onboarding_fee_dc: u64,
    pub location_fee_dc: u64,
}

pub fn is_valid_sub_network_name(name: &str) -> bool {
    (1..=MAX_SUB_NETWORK_NAME_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateSubNetworkArgs)]
pub struct CreateSubNetwork<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub authority: Signer<'info>,
    #[account(
        mut,
        has_one = authority,
        has_one = token_mint,
        constraint = is_valid_sub_network_name(&args.name) @ EmissionsError::InvalidSubNetworkName,
        constraint = network.sub_network_created_epochs.len() < MAX_SUB_NETWORKS @ EmissionsError::TooManySubNetworks,
    )]
    pub network: Box<Account<'info, Network>>,
    #[account(
        init,
        payer = payer,
        space = 8 + SubNetwork::INIT_SPACE,
        seeds = [SUB_NETWORK_SEED, network.key().as_ref(), &civnet_common::seeds::name_seed(&args.name)],
        bump,
    )]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        init,
        payer = payer,
        seeds = [REWARDS_ESCROW_SEED, sub_network.key().as_ref()],
        bump,
        token::mint = token_mint,
        token::authority = sub_network,
        token::token_program = token_program,
    )]
    pub rewards_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init,
        payer = payer,
        space = 8 + RewardsRoot::INIT_SPACE,
        seeds = [REWARDS_ROOT_SEED, sub_network.key().as_ref()],
        bump,
    )]
    pub rewards_root: Box<Account<'info, RewardsRoot>>,
    pub token_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreateSubNetwork>, args: CreateSubNetworkArgs) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let created_epoch = network.current_epoch()?.max(network.start_epoch);
    let index = network.sub_network_created_epochs.len() as u8;
    network.sub_network_created_epochs.push(created_epoch);

    let sub_network_key = ctx.accounts.sub_network.key();
    ctx.accounts.sub_network.set_inner(SubNetwork {
        network: network.key(),
        index,
        name: args.name,
        dc_burn_authority: args.dc_burn_authority,
        active_device_authority: args.active_device_authority,
        rewards_oracle: args.rewards_oracle,
        rewards_escrow: ctx.accounts.rewards_escrow.key(),
        onboarding_fee_dc: args.onboarding_fee_dc,
        location_fee_dc: args.location_fee_dc,
        created_epoch,
        total_issued: 0,
        total_claimed: 0,
        bump: ctx.bumps.sub_network,
        escrow_bump: ctx.bumps.rewards_escrow,
    });
    ctx.accounts.rewards_root.set_inner(RewardsRoot {
        sub_network: sub_network_key,
        root: [0; 32],
        total_cumulative: 0,
        version: 0,
        updated_at: 0,
        bump: ctx.bumps.rewards_root,
    });
    emit_cpi!(SubNetworkCreated {
        network: network.key(),
        sub_network: sub_network_key,
        name: ctx.accounts.sub_network.name.clone(),
        rewards_escrow: ctx.accounts.rewards_escrow.key(),
        created_epoch,
    });
    Ok(())
}
