//! The CPI into `emissions::track_dc_burn`, signed by our `[DC_BURN_TRACKER]` PDA: the only
//! way a DC burn reaches a sub-network's epoch score. Shared by every tracked burn.
use anchor_lang::prelude::*;
use emissions::program::Emissions;
use emissions::state::{Network, SubNetwork};

use crate::state::DC_BURN_TRACKER_SEED;

#[allow(clippy::too_many_arguments)]
pub fn track_burn<'info>(
    burn_tracker: &UncheckedAccount<'info>,
    payer: &AccountInfo<'info>,
    network: &Account<'info, Network>,
    sub_network: &Account<'info, SubNetwork>,
    sub_network_epoch_info: &UncheckedAccount<'info>,
    emissions_event_authority: &UncheckedAccount<'info>,
    emissions_program: &Program<'info, Emissions>,
    system_program: &Program<'info, System>,
    epoch: u64,
    amount: u64,
) -> Result<()> {
    let signer_seeds: &[&[&[u8]]] = &[&[DC_BURN_TRACKER_SEED, &[emissions::state::DC_BURN_TRACKER_BUMP]]];
    emissions::cpi::track_dc_burn(
        CpiContext::new_with_signer(
            emissions_program.key(),
            emissions::cpi::accounts::TrackActivity {
                tracker: burn_tracker.to_account_info(),
                payer: payer.clone(),
                network: network.to_account_info(),
                sub_network: sub_network.to_account_info(),
                sub_network_epoch_info: sub_network_epoch_info.to_account_info(),
                system_program: system_program.to_account_info(),
                event_authority: emissions_event_authority.to_account_info(),
                program: emissions_program.to_account_info(),
            },
            signer_seeds,
        ),
        epoch,
        amount,
    )
}
