use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions};
use anchor_spl::token_2022::spl_token_2022::instruction::AuthorityType;
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::{self, Mint, SetAuthority, TokenInterface};
use civnet_common::schedule;

use crate::errors::EmissionsError;
use crate::events::NetworkInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeNetworkArgs {
    pub epoch_length_secs: u32,
    pub max_issuance_per_epoch: u64,
    pub emission_schedule: Vec<EmissionStep>,
}

/// Token-2022 mint extensions a network token may carry: descriptive ones only. Every other
/// extension gives some key power over holders' or escrows' tokens (permanent delegate,
/// pausable, default-frozen accounts, transfer hooks and fees, a close authority) or makes
/// rewards unpayable (non-transferable).
pub const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 6] = [
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

#[event_cpi]
#[derive(Accounts)]
pub struct InitializeNetwork<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The network's authority from now on.
    pub authority: Signer<'info>,
    /// The token mint's current mint authority. Only it can bind its mint to a network, and
    /// this instruction hands minting to the network's PDA in the same step: there is no
    /// moment in which the mint waits, bound to a PDA, for someone to initialize it.
    pub current_mint_authority: Signer<'info>,
    #[account(
        init,
        payer = payer,
        space = 8 + Network::INIT_SPACE,
        seeds = [NETWORK_SEED, token_mint.key().as_ref()],
        bump,
    )]
    pub network: Box<Account<'info, Network>>,
    /// CHECK: only its address matters: the PDA that signs network token mints.
    #[account(seeds = [NETWORK_MINT_AUTHORITY_SEED, network.key().as_ref()], bump)]
    pub mint_authority: UncheckedAccount<'info>,
    #[account(
        mut,
        mint::token_program = token_program,
        constraint = token_mint.mint_authority == Some(current_mint_authority.key()).into()
            @ EmissionsError::NotMintAuthority,
        constraint = token_mint.freeze_authority.is_none() @ EmissionsError::MintHasFreezeAuthority,
    )]
    pub token_mint: Box<InterfaceAccount<'info, Mint>>,
    /// Token-2022 only: data_credits burns the network token and mints DC (a Token-2022
    /// NonTransferable mint) with one token program.
    #[account(constraint = token_program.key() == anchor_spl::token_2022::ID @ EmissionsError::TokenProgramNotToken2022)]
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<InitializeNetwork>, args: InitializeNetworkArgs) -> Result<()> {
    require!(
        (1..=MAX_EPOCH_LENGTH_SECS).contains(&args.epoch_length_secs),
        EmissionsError::InvalidEpochLength
    );
    let steps: Vec<(u64, u64)> = args.emission_schedule.iter().map(|s| (s.start_epoch, s.tokens_per_epoch)).collect();
    schedule::validate(&steps, MAX_SCHEDULE_STEPS).map_err(EmissionsError::from)?;
    require_only_allowed_extensions(&ctx.accounts.token_mint.to_account_info())?;

    // The binding: minting moves from the signer to the network's PDA, atomically with
    // creating the network.
    token_interface::set_authority(
        CpiContext::new(
            ctx.accounts.token_program.key(),
            SetAuthority {
                current_authority: ctx.accounts.current_mint_authority.to_account_info(),
                account_or_mint: ctx.accounts.token_mint.to_account_info(),
            },
        ),
        AuthorityType::MintTokens,
        Some(ctx.accounts.mint_authority.key()),
    )?;

    let network = &mut ctx.accounts.network;
    network.set_inner(Network {
        authority: ctx.accounts.authority.key(),
        pending_authority: Pubkey::default(),
        token_mint: ctx.accounts.token_mint.key(),
        epoch_length_secs: args.epoch_length_secs,
        start_epoch: 0,
        max_issuance_per_epoch: args.max_issuance_per_epoch,
        total_issued: 0,
        bump: ctx.bumps.network,
        mint_authority_bump: ctx.bumps.mint_authority,
        emission_schedule: args.emission_schedule,
        sub_network_created_epochs: Vec::new(),
    });
    network.start_epoch = network.epoch_at(Clock::get()?.unix_timestamp);

    emit_cpi!(NetworkInitialized {
        network: network.key(),
        authority: network.authority,
        token_mint: network.token_mint,
        epoch_length_secs: network.epoch_length_secs,
        start_epoch: network.start_epoch,
    });
    Ok(())
}

/// Fails with `UnsupportedMintExtension` when the mint carries an extension outside
/// [`ALLOWED_MINT_EXTENSIONS`].
fn require_only_allowed_extensions(mint: &AccountInfo) -> Result<()> {
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    let extensions = state.get_extension_types()?;
    require!(
        extensions.iter().all(|extension| ALLOWED_MINT_EXTENSIONS.contains(extension)),
        EmissionsError::UnsupportedMintExtension
    );
    Ok(())
}
