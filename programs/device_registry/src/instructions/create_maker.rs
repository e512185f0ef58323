use anchor_lang::prelude::*;
use emissions::state::Network;

use crate::errors::DeviceRegistryError;
use crate::events::MakerCreated;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateMakerArgs {
    pub name: String,
    pub authority: Pubkey,
}

/// Anyone may register a maker; it issues nothing until the network authority approves it.
#[event_cpi]
#[derive(Accounts)]
#[instruction(args: CreateMakerArgs)]
pub struct CreateMaker<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(constraint = is_valid_maker_name(&args.name) @ DeviceRegistryError::InvalidMakerName)]
    pub network: Box<Account<'info, Network>>,
    #[account(
        init,
        payer = payer,
        space = 8 + Maker::INIT_SPACE,
        seeds = [MAKER_SEED, network.key().as_ref(), &civnet_common::seeds::name_seed(&args.name)],
        bump,
    )]
    pub maker: Box<Account<'info, Maker>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreateMaker>, args: CreateMakerArgs) -> Result<()> {
    let maker = Maker {
        network: ctx.accounts.network.key(),
        authority: args.authority,
        approved: false,
        merkle_tree: Pubkey::default(),
        tree_capacity: 0,
        tree_devices: 0,
        devices_issued: 0,
        bump: ctx.bumps.maker,
        name: args.name,
        uri_base: String::new(),
        device_creator: Pubkey::default(),
        device_creator_bump: 0,
    };
    let event = MakerCreated {
        network: maker.network,
        maker: ctx.accounts.maker.key(),
        authority: maker.authority,
        name: maker.name.clone(),
    };
    ctx.accounts.maker.set_inner(maker);
    emit_cpi!(event);
    Ok(())
}
