use anchor_lang::prelude::*;
use anchor_spl::token_interface::{TokenAccount, TokenInterface};

use crate::errors::DataCreditsError;
use crate::events::DataCreditsBurned;
use crate::state::*;

#[event_cpi]
#[derive(Accounts)]
pub struct BurnDataCredits<'info> {
    /// Holds the DC and signs the burn.
    pub owner: Signer<'info>,
    /// The sub-network's burn record, which also names its network and that network's DC
    /// mint (copied from the DC config when it was opened).
    #[account(mut)]
    pub sub_network_burns: AccountLoader<'info, SubNetworkBurns>,
    /// CHECK: the network's DC mint (address from the burn record); Token-2022's burn checks
    /// it against `owner_dc`.
    #[account(mut, address = sub_network_burns.load()?.dc_mint @ DataCreditsError::WrongDcMint)]
    pub dc_mint: UncheckedAccount<'info>,
    #[account(mut, token::mint = dc_mint, token::authority = owner, token::token_program = token_program)]
    pub owner_dc: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

/// A DC holder burns DC for usage of a sub-network (the one whose burn record is passed: a
/// customer chooses where its usage counts); the burn counts towards that sub-network's
/// utility score of the current epoch (`SubNetworkBurns`, read by emissions).
pub fn handler(ctx: Context<BurnDataCredits>, amount: u64) -> Result<()> {
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
    let (network, sub_network, (epoch, epoch_dc_burned)) = {
        let mut burns = accounts.sub_network_burns.load_mut()?;
        (burns.network, burns.sub_network, burns.record_now(amount)?)
    };
    emit_cpi!(DataCreditsBurned {
        network,
        sub_network,
        owner: ctx.accounts.owner.key(),
        amount,
        epoch,
        epoch_dc_burned,
    });
    Ok(())
}
