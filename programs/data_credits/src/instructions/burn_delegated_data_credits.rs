use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use emissions::program::Emissions;
use emissions::state::{Network, SubNetwork};

use crate::errors::DataCreditsError;
use crate::events::DelegatedDataCreditsBurned;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct BurnDelegatedDataCredits<'info> {
    /// The sub-network's DC burn authority (its router/oracle of carried traffic).
    pub dc_burn_authority: Signer<'info>,
    /// Pays the rent of the sub-network's epoch record on the epoch's first burn.
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut, has_one = network, has_one = dc_mint)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network @ DataCreditsError::WrongNetwork, has_one = dc_burn_authority)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, has_one = sub_network)]
    pub escrow: Box<Account<'info, DelegatedEscrow>>,
    #[account(
        mut,
        associated_token::mint = dc_mint,
        associated_token::authority = escrow,
        associated_token::token_program = token_program,
    )]
    pub escrow_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: the sub-network's record of the current epoch (emissions checks the address).
    #[account(mut)]
    pub sub_network_epoch_info: UncheckedAccount<'info>,
    /// CHECK: our `[DC_BURN_TRACKER]` PDA, which signs the tracking CPI.
    #[account(address = emissions::state::DC_BURN_TRACKER)]
    pub burn_tracker: UncheckedAccount<'info>,
    /// CHECK: emissions' event authority (emissions checks it).
    pub emissions_event_authority: UncheckedAccount<'info>,
    pub emissions_program: Program<'info, Emissions>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// The sub-network's burn authority burns delegated DC for traffic carried. `sequence` must
/// exceed the escrow's last one: a retried or replayed burn report is refused instead of
/// burning twice. The burn counts towards the sub-network's current epoch.
pub fn handler(ctx: Context<BurnDelegatedDataCredits>, amount: u64, sequence: u64) -> Result<()> {
    require!(amount > 0, DataCreditsError::ZeroAmount);
    require!(sequence > ctx.accounts.escrow.last_sequence, DataCreditsError::StaleSequence);
    require!(ctx.accounts.escrow_dc.amount >= amount, DataCreditsError::EscrowBalanceTooLow);
    let escrow = &ctx.accounts.escrow;
    let sub_network_key = ctx.accounts.sub_network.key();
    let router_seed = civnet_common::seeds::name_seed(&escrow.router_key);
    let escrow_seeds: &[&[&[u8]]] = &[&[DC_ESCROW_SEED, sub_network_key.as_ref(), &router_seed, &[escrow.bump]]];
    crate::token_ops::burn(
        &ctx.accounts.token_program.to_account_info(),
        ctx.accounts.dc_mint.to_account_info(),
        ctx.accounts.escrow_dc.to_account_info(),
        ctx.accounts.escrow.to_account_info(),
        escrow_seeds,
        amount,
    )?;
    let epoch = ctx.accounts.network.current_epoch()?;
    crate::tracking::track_burn(
        &ctx.accounts.burn_tracker,
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.network,
        &ctx.accounts.sub_network,
        &ctx.accounts.sub_network_epoch_info,
        &ctx.accounts.emissions_event_authority,
        &ctx.accounts.emissions_program,
        &ctx.accounts.system_program,
        epoch,
        amount,
    )?;
    let escrow = &mut ctx.accounts.escrow;
    escrow.last_sequence = sequence;
    escrow.total_burned = escrow.total_burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    let config = &mut ctx.accounts.config;
    config.total_dc_burned = config.total_dc_burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit_cpi!(DelegatedDataCreditsBurned { sub_network: sub_network_key, escrow: escrow.key(), amount, sequence, epoch });
    Ok(())
}
