use anchor_lang::prelude::*;
use anchor_spl::associated_token::AssociatedToken;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};
use emissions::state::SubNetwork;

use crate::errors::DataCreditsError;
use crate::events::DataCreditsDelegated;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
#[instruction(router_key: String)]
pub struct DelegateDataCredits<'info> {
    /// Holds the DC; pays for the escrow on first delegation.
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(has_one = dc_mint, constraint = sub_network.network == config.network @ DataCreditsError::WrongNetwork)]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + DelegatedEscrow::INIT_SPACE,
        seeds = [DC_ESCROW_SEED, sub_network.key().as_ref(), &civnet_common::seeds::name_seed(&router_key)],
        bump,
    )]
    pub escrow: Box<Account<'info, DelegatedEscrow>>,
    #[account(
        init_if_needed,
        payer = owner,
        associated_token::mint = dc_mint,
        associated_token::authority = escrow,
        associated_token::token_program = token_program,
    )]
    pub escrow_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub dc_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
    pub associated_token_program: Program<'info, AssociatedToken>,
    pub system_program: Program<'info, System>,
}

/// Moves DC from its holder to a router's escrow for a sub-network. DC cannot be
/// transferred, so the program burns it from the owner and mints the same amount into the
/// escrow: total supply is unchanged.
pub fn handler(ctx: Context<DelegateDataCredits>, router_key: String, amount: u64) -> Result<()> {
    require!((1..=MAX_ROUTER_KEY_LEN).contains(&router_key.len()), DataCreditsError::InvalidRouterKey);
    require!(amount > 0, DataCreditsError::ZeroAmount);
    let accounts = &ctx.accounts;
    crate::token_ops::burn(
        &accounts.token_program.to_account_info(),
        accounts.dc_mint.to_account_info(),
        accounts.owner_dc.to_account_info(),
        accounts.owner.to_account_info(),
        &[],
        amount,
    )?;
    let network = accounts.config.network;
    let config_seeds: &[&[&[u8]]] = &[&[DC_CONFIG_SEED, network.as_ref(), &[accounts.config.bump]]];
    crate::token_ops::mint_dc(
        &accounts.token_program.to_account_info(),
        accounts.dc_mint.to_account_info(),
        accounts.escrow_dc.to_account_info(),
        accounts.config.to_account_info(),
        config_seeds,
        amount,
    )?;
    let sub_network = ctx.accounts.sub_network.key();
    let escrow = &mut ctx.accounts.escrow;
    if escrow.sub_network == Pubkey::default() {
        escrow.sub_network = sub_network;
        escrow.router_key = router_key.clone();
        escrow.bump = ctx.bumps.escrow;
    }
    escrow.total_delegated = escrow.total_delegated.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    emit_cpi!(DataCreditsDelegated { sub_network, escrow: escrow.key(), router_key, owner: ctx.accounts.owner.key(), amount });
    Ok(())
}
