//! The two token moves data_credits makes, each one Token-2022 CPI: burning from an account
//! (network tokens bought into DC, DC used or delegated; device_registry burns its fees with
//! it too) and minting DC (signed by the config PDA, the DC mint authority).
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, Burn, MintTo};

/// Burns `amount` of `mint` from `from`, authorized by `authority` (a signer of the
/// transaction, or a PDA of ours when `signer_seeds` is not empty).
pub fn burn<'info>(
    token_program: &AccountInfo<'info>,
    mint: AccountInfo<'info>,
    from: AccountInfo<'info>,
    authority: AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    token_interface::burn(
        CpiContext::new_with_signer(token_program.key(), Burn { mint, from, authority }, signer_seeds),
        amount,
    )
}

/// Mints `amount` DC to `to`, signed by the config PDA (`config_seeds`).
pub fn mint_dc<'info>(
    token_program: &AccountInfo<'info>,
    dc_mint: AccountInfo<'info>,
    to: AccountInfo<'info>,
    config: AccountInfo<'info>,
    config_seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    token_interface::mint_to(
        CpiContext::new_with_signer(token_program.key(), MintTo { mint: dc_mint, to, authority: config }, config_seeds),
        amount,
    )
}
