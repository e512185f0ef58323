//! Fee burns: the owner's DC burned straight through Token-2022 (the owner signs the outer
//! transaction) with data_credits' own burn helper, the amount recorded in the sub-network's
//! `SubNetworkDevices`. No CPI into data_credits: the DC config (has_one dc_mint) proves the
//! mint is the network's DC.
use anchor_lang::prelude::*;

/// Burns `fee` DC from `owner_dc`, signed by `owner` (nothing when the fee is zero).
pub fn burn_fee<'info>(
    token_program: &AccountInfo<'info>,
    dc_mint: &AccountInfo<'info>,
    owner_dc: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    fee: u64,
) -> Result<()> {
    if fee == 0 {
        return Ok(());
    }
    data_credits::token_ops::burn(token_program, dc_mint.clone(), owner_dc.clone(), owner.clone(), &[], fee)
}
