use anchor_lang::prelude::*;

use crate::events::SubNetworkUpdated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateSubNetworkArgs {
    pub dc_burn_authority: Option<Pubkey>,
    pub active_device_authority: Option<Pubkey>,
    pub rewards_oracle: Option<Pubkey>,
    pub onboarding_fee_dc: Option<u64>,
    pub location_fee_dc: Option<u64>,
}

#[event_cpi]
#[derive(Accounts)]
pub struct UpdateSubNetwork<'info> {
    pub authority: Signer<'info>,
    #[account(has_one = authority)]
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network)]
    pub sub_network: Box<Account<'info, SubNetwork>>,
}

/// The network authority rotates a sub-network's keys or changes its fees.
pub fn handler(ctx: Context<UpdateSubNetwork>, args: UpdateSubNetworkArgs) -> Result<()> {
    let sub = &mut ctx.accounts.sub_network;
    if let Some(key) = args.dc_burn_authority {
        sub.dc_burn_authority = key;
    }
    if let Some(key) = args.active_device_authority {
        sub.active_device_authority = key;
    }
    if let Some(key) = args.rewards_oracle {
        sub.rewards_oracle = key;
    }
    if let Some(fee) = args.onboarding_fee_dc {
        sub.onboarding_fee_dc = fee;
    }
    if let Some(fee) = args.location_fee_dc {
        sub.location_fee_dc = fee;
    }
    emit_cpi!(SubNetworkUpdated {
        sub_network: sub.key(),
        dc_burn_authority: sub.dc_burn_authority,
        active_device_authority: sub.active_device_authority,
        rewards_oracle: sub.rewards_oracle,
        onboarding_fee_dc: sub.onboarding_fee_dc,
        location_fee_dc: sub.location_fee_dc,
    });
    Ok(())
}
