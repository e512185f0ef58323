use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};
use civnet_common::schedule;

use crate::errors::EmissionsError;
use crate::events::NetworkInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeNetworkArgs {
    pub epoch_length_secs: u32,
    pub max_issuance_per_epoch: u64,
    pub emission_schedule: Vec<EmissionStep>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct InitializeNetwork<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub authority: Signer<'info>,
    #[account(
        init,
        payer = payer,
        space = 8 + Network::INIT_SPACE,
        seeds = [NETWORK_SEED, token_mint.key().as_ref()],
        bump,
    )]
    pub network: Box<Account<'info, Network>>,
    /// CHECK: only its address matters: the PDA that signs network token mints.
    #[account(seeds = [NETWORK_MINT_AUTHORITY_SEED, network.key().as_ref()], bump)]
    pub mint_authority: UncheckedAccount<'info>,
    #[account(
        mint::token_program = token_program,
        constraint = token_mint.mint_authority == Some(mint_authority.key()).into()
            @ EmissionsError::MintAuthorityNotNetwork,
    )]
    pub token_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitializeNetwork>, args: InitializeNetworkArgs) -> Result<()> {
    require!(
        (1..=MAX_EPOCH_LENGTH_SECS).contains(&args.epoch_length_secs),
        EmissionsError::InvalidEpochLength
    );
    let steps: Vec<(u64, u64)> = args.emission_schedule.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)).collect();
    schedule::validate(&steps, MAX_SCHEDULE_STEPS, args.max_issuance_per_epoch).map_err(EmissionsError::from)?;

    let network = &mut ctx.accounts.network;
    network.set_inner(Network {
        authority: ctx.accounts.authority.key(),
        pending_authority: Pubkey::default(),
        token_mint: ctx.accounts.token_mint.key(),
        epoch_length_secs: args.epoch_length_secs,
        start_epoch: 0,
        max_issuance_per_epoch: args.max_issuance_per_epoch,
        total_issued: 0,
        bump: ctx.bumps.network,
        mint_authority_bump: ctx.bumps.mint_authority,
        emission_schedule: args.emission_schedule,
        sub_network_created_epochs: Vec::new(),
    });
    network.start_epoch = network.epoch_at(Clock::get()?.unix_timestamp);

    emit_cpi!(NetworkInitialized {
        network: network.key(),
        authority: network.authority,
        token_mint: network.token_mint,
        epoch_length_secs: network.epoch_length_secs,
        start_epoch: network.start_epoch,
    });
    Ok(())
}
