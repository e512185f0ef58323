use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};
use emissions::state::SubNetwork;

use crate::errors::DataCreditsError;
use crate::events::DelegatedDataCreditsBurned;
use crate::state::*;

#[derive(Accounts)]
pub struct BurnDelegatedDataCredits<'info> {
    /// The sub-network's DC burn authority (its router/oracle of carried traffic).
    pub dc_burn_authority: Signer<'info>,
    #[account(has_one = dc_burn_authority)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
    #[account(mut, has_one = sub_network)]
    pub escrow: Box<Account<'info, DelegatedEscrow>>,
    /// The sub-network's burn record; it also names the network's DC mint.
    #[account(mut, constraint = sub_network_burns.load()?.sub_network == sub_network.key() @ DataCreditsError::WrongBurnRecord)]
    pub sub_network_burns: AccountLoader<'info, SubNetworkBurns>,
    /// The escrow's DC account (its associated account, as delegation creates it; any DC
    /// account the escrow owns burns the same, so the address is not re-derived).
    #[account(
        mut,
        token::mint = dc_mint,
        token::token_program = token_program,
        constraint = escrow_dc.owner == escrow.key() @ DataCreditsError::WrongEscrowAccount,
    )]
    pub escrow_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: the network's DC mint (address from the burn record); Token-2022's burn checks
    /// it against `escrow_dc`.
    #[account(mut, address = sub_network_burns.load()?.dc_mint @ DataCreditsError::WrongDcMint)]
    pub dc_mint: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
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
    let (epoch, epoch_dc_burned) = ctx.accounts.sub_network_burns.load_mut()?.record_now(amount)?;
    let escrow = &mut ctx.accounts.escrow;
    escrow.last_sequence = sequence;
    escrow.total_burned = escrow.total_burned.checked_add(amount).ok_or(DataCreditsError::ArithmeticOverflow)?;
    // A log event (`emit!`), not a self-CPI: routers burn constantly and the self-CPI would be
    // a fifth of this instruction's compute. Indexers read it from the transaction's logs;
    // the escrow and the burn record carry the same totals should a log be truncated.
    emit!(DelegatedDataCreditsBurned {
        sub_network: sub_network_key,
        escrow: escrow.key(),
        amount,
        sequence,
        epoch,
        epoch_dc_burned,
    });
    Ok(())
}
