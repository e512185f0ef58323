//! CPIs signed by our `[REGISTRY_SIGNER]` PDA: the only signer emissions accepts for device
//! counts and data_credits accepts for untracked fee burns.
use anchor_lang::prelude::*;

use crate::state::REGISTRY_SIGNER_SEED;

/// The accounts every device-count change passes on to `emissions::track_device_change`.
pub struct DeviceCountAccounts<'a, 'info> {
    pub registry_signer: &'a AccountInfo<'info>,
    pub payer: &'a AccountInfo<'info>,
    pub network: &'a AccountInfo<'info>,
    pub sub_network: &'a AccountInfo<'info>,
    pub sub_network_epoch_info: &'a AccountInfo<'info>,
    pub emissions_event_authority: &'a AccountInfo<'info>,
    pub emissions_program: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
}

pub fn track_device_change(accounts: DeviceCountAccounts, epoch: u64, delta: i8) -> Result<()> {
    let seeds: &[&[&[u8]]] = &[&[REGISTRY_SIGNER_SEED, &[emissions::state::REGISTRY_SIGNER_BUMP]]];
    emissions::cpi::track_device_change(
        CpiContext::new_with_signer(
            accounts.emissions_program.key(),
            emissions::cpi::accounts::TrackActivity {
                tracker: accounts.registry_signer.clone(),
                payer: accounts.payer.clone(),
                network: accounts.network.clone(),
                sub_network: accounts.sub_network.clone(),
                sub_network_epoch_info: accounts.sub_network_epoch_info.clone(),
                system_program: accounts.system_program.clone(),
                event_authority: accounts.emissions_event_authority.clone(),
                program: accounts.emissions_program.clone(),
            },
            seeds,
        ),
        epoch,
        delta,
    )
}

/// The accounts a fee burn passes on to `data_credits::burn_without_tracking`.
pub struct FeeAccounts<'a, 'info> {
    pub registry_signer: &'a AccountInfo<'info>,
    pub owner: &'a AccountInfo<'info>,
    pub dc_config: &'a AccountInfo<'info>,
    pub dc_mint: &'a AccountInfo<'info>,
    pub owner_dc: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
    pub data_credits_event_authority: &'a AccountInfo<'info>,
    pub data_credits_program: &'a AccountInfo<'info>,
}

/// Burns `fee` DC from the owner's account as a fee (nothing when the fee is zero).
pub fn burn_fee(accounts: FeeAccounts, fee: u64) -> Result<()> {
    if fee == 0 {
        return Ok(());
    }
    let seeds: &[&[&[u8]]] = &[&[REGISTRY_SIGNER_SEED, &[emissions::state::REGISTRY_SIGNER_BUMP]]];
    data_credits::cpi::burn_without_tracking(
        CpiContext::new_with_signer(
            accounts.data_credits_program.key(),
            data_credits::cpi::accounts::BurnWithoutTracking {
                registry_signer: accounts.registry_signer.clone(),
                owner: accounts.owner.clone(),
                config: accounts.dc_config.clone(),
                dc_mint: accounts.dc_mint.clone(),
                owner_dc: accounts.owner_dc.clone(),
                token_program: accounts.token_program.clone(),
                event_authority: accounts.data_credits_event_authority.clone(),
                program: accounts.data_credits_program.clone(),
            },
            seeds,
        ),
        fee,
    )
}
