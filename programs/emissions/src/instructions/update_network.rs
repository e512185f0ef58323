use anchor_lang::prelude::*;
use civnet_common::schedule;

use crate::errors::EmissionsError;
use crate::events::NetworkUpdated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateNetworkArgs {
    pub max_issuance_per_epoch: Option<u64>,
    pub emission_schedule: Option<Vec<EmissionStep>>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateNetwork<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority)]
    pub network: Box<Account<'info, Network>>,
}

/// The authority changes the issuance cap and/or the emission schedule. The epoch length is
/// fixed at creation: changing it would renumber every past epoch. A new schedule must emit
/// the same amount as the old one in every epoch up to the current one. The cap is the
/// emergency brake: it may be lowered (down to 0, which stops issuance) or raised at any
/// time, and applies to every epoch issued from then on, past epochs not yet issued included
/// (`schedule::effective_emission`).
pub fn handler(ctx: Context<UpdateNetwork>, args: UpdateNetworkArgs) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let current_epoch = network.current_epoch()?;
    let cap = args.max_issuance_per_epoch.unwrap_or(network.max_issuance_per_epoch);
    let new_schedule = args.emission_schedule.unwrap_or_else(|| network.emission_schedule.clone());
    let new_pairs: Vec<(u64, u64)> = new_schedule.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)).collect();
    schedule::validate(&new_pairs, MAX_SCHEDULE_STEPS).map_err(EmissionsError::from)?;
    require!(
        schedule::same_until(&network.schedule_pairs(), &new_pairs, current_epoch),
        EmissionsError::ScheduleRewritesPast
    );
    network.max_issuance_per_epoch = cap;
    network.emission_schedule = new_schedule;
    emit_cpi!(NetworkUpdated {
        network: network.key(),
        max_issuance_per_epoch: cap,
        schedule_steps: network.emission_schedule.len() as u16,
    });
    Ok(())
}
