use anchor_lang::prelude::*;
use emissions::state::{Network, BUBBLEGUM_PROGRAM_ID, SPL_ACCOUNT_COMPRESSION_ID};
use mpl_bubblegum::instructions::CreateTreeConfigCpiBuilder;

use crate::errors::DeviceRegistryError;
use crate::events::MakerTreeSet;
use crate::state::*;

pub const SPL_NOOP_ID: Pubkey = pubkey!("noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV");

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct SetMakerTreeArgs {
    pub max_depth: u32,
    pub max_buffer_size: u32,
    pub uri_base: String,
}

#[event_cpi]
#[derive(Accounts)]
pub struct SetMakerTree<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    pub authority: Signer<'info>,
    pub network: Box<Account<'info, Network>>,
    #[account(mut, has_one = network, has_one = authority)]
    pub maker: Box<Account<'info, Maker>>,
    /// CHECK: the network's device-creator PDA becomes the tree's creator (only this program
    /// can then mint into it).
    #[account(seeds = [DEVICE_CREATOR_SEED, network.key().as_ref()], bump)]
    pub device_creator: UncheckedAccount<'info>,
    /// CHECK: Bubblegum's tree config PDA of `merkle_tree` (Bubblegum checks and creates it).
    #[account(mut)]
    pub tree_config: UncheckedAccount<'info>,
    /// CHECK: an empty account owned by account compression, allocated earlier in the
    /// transaction with the size of (max_depth, max_buffer_size, canopy); Bubblegum initializes it.
    #[account(mut)]
    pub merkle_tree: UncheckedAccount<'info>,
    /// CHECK: SPL noop (address checked).
    #[account(address = SPL_NOOP_ID)]
    pub log_wrapper: UncheckedAccount<'info>,
    /// CHECK: SPL account compression (address checked).
    #[account(address = SPL_ACCOUNT_COMPRESSION_ID)]
    pub compression_program: UncheckedAccount<'info>,
    /// CHECK: Metaplex Bubblegum (address checked).
    #[account(address = BUBBLEGUM_PROGRAM_ID)]
    pub bubblegum_program: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

/// The maker's authority gives it a Bubblegum tree (first tree, or a new one once the current
/// one is full: devices in old trees keep resolving through their asset ids).
pub fn handler(ctx: Context<SetMakerTree>, args: SetMakerTreeArgs) -> Result<()> {
    require!((3..=30).contains(&args.max_depth), DeviceRegistryError::InvalidTreeDepth);
    require!(args.uri_base.len() <= MAX_URI_BASE_LEN, DeviceRegistryError::UriBaseTooLong);
    let maker = &ctx.accounts.maker;
    require!(
        maker.merkle_tree == Pubkey::default() || maker.tree_devices >= maker.tree_capacity,
        DeviceRegistryError::TreeNotFull
    );
    let network_key = ctx.accounts.network.key();
    let creator_seeds: &[&[u8]] = &[DEVICE_CREATOR_SEED, network_key.as_ref(), &[ctx.bumps.device_creator]];
    CreateTreeConfigCpiBuilder::new(&ctx.accounts.bubblegum_program.to_account_info())
        .tree_config(&ctx.accounts.tree_config.to_account_info())
        .merkle_tree(&ctx.accounts.merkle_tree.to_account_info())
        .payer(&ctx.accounts.payer.to_account_info())
        .tree_creator(&ctx.accounts.device_creator.to_account_info())
        .log_wrapper(&ctx.accounts.log_wrapper.to_account_info())
        .compression_program(&ctx.accounts.compression_program.to_account_info())
        .system_program(&ctx.accounts.system_program.to_account_info())
        .max_depth(args.max_depth)
        .max_buffer_size(args.max_buffer_size)
        .public(false)
        .invoke_signed(&[creator_seeds])?;

    let maker = &mut ctx.accounts.maker;
    maker.merkle_tree = ctx.accounts.merkle_tree.key();
    maker.tree_capacity = 1u64 << args.max_depth;
    maker.tree_devices = 0;
    maker.uri_base = args.uri_base;
    maker.device_creator = ctx.accounts.device_creator.key();
    maker.device_creator_bump = ctx.bumps.device_creator;
    emit_cpi!(MakerTreeSet {
        maker: maker.key(),
        merkle_tree: maker.merkle_tree,
        max_depth: args.max_depth,
        max_buffer_size: args.max_buffer_size,
    });
    Ok(())
}
