use anchor_lang::prelude::*;
use anchor_lang::system_program::{allocate, assign, create_account, transfer, Allocate, Assign, CreateAccount, Transfer};
use anchor_spl::token_2022::spl_token_2022::extension::ExtensionType;
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_2022::{initialize_mint2, InitializeMint2, Token2022};
use anchor_spl::token_interface::{non_transferable_mint_initialize, Mint, NonTransferableMintInitialize};
use emissions::state::Network;

use crate::errors::DataCreditsError;
use crate::events::DataCreditsInitialized;
use crate::state::*;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    pub price_oracle: PriceOracle,
    pub max_dc_minted_per_epoch: u64,
}

#[event_cpi]
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The network authority decides how its DC is priced.
    pub authority: Signer<'info>,
    #[account(has_one = authority)]
    pub network: Box<Account<'info, Network>>,
    #[account(address = network.token_mint @ DataCreditsError::WrongNetworkMint)]
    pub network_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init,
        payer = payer,
        space = 8 + DataCreditsConfig::INIT_SPACE,
        seeds = [DC_CONFIG_SEED, network.key().as_ref()],
        bump,
    )]
    pub config: Box<Account<'info, DataCreditsConfig>>,
    /// CHECK: created here as a Token-2022 NonTransferable mint at this PDA (even when someone
    /// sent lamports to the address first: see `create_dc_mint_account`).
    #[account(mut, seeds = [DC_MINT_SEED, network.key().as_ref()], bump)]
    pub dc_mint: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    crate::instructions::update_config::validate_price_oracle(&args.price_oracle)?;
    require!(args.max_dc_minted_per_epoch > 0, DataCreditsError::ZeroMintCap);

    create_dc_mint(&ctx)?;

    let config = DataCreditsConfig {
        network: ctx.accounts.network.key(),
        network_mint: ctx.accounts.network_mint.key(),
        dc_mint: ctx.accounts.dc_mint.key(),
        price_oracle: args.price_oracle,
        max_dc_minted_per_epoch: args.max_dc_minted_per_epoch,
        mint_window_epoch: 0,
        minted_this_epoch: 0,
        total_dc_minted: 0,
        total_tokens_burned: 0,
        bump: ctx.bumps.config,
        epoch_length_secs: ctx.accounts.network.epoch_length_secs,
        network_mint_decimals: ctx.accounts.network_mint.decimals,
        dc_mint_bump: ctx.bumps.dc_mint,
        last_price_publish_time: 0,
    };
    let event = DataCreditsInitialized {
        network: config.network,
        config: ctx.accounts.config.key(),
        dc_mint: config.dc_mint,
        authority: ctx.accounts.authority.key(),
    };
    ctx.accounts.config.set_inner(config);
    emit_cpi!(event);
    Ok(())
}

/// DC is a Token-2022 mint with the NonTransferable extension (holders can only burn),
/// 0 decimals, the config PDA as mint authority and no freeze authority.
fn create_dc_mint(ctx: &Context<Initialize>) -> Result<()> {
    let accounts = &ctx.accounts;
    let network = accounts.network.key();
    let mint_seeds: &[&[u8]] = &[DC_MINT_SEED, network.as_ref(), &[ctx.bumps.dc_mint]];
    let space = ExtensionType::try_calculate_account_len::<MintState>(&[ExtensionType::NonTransferable])?;
    create_dc_mint_account(ctx, space, &[mint_seeds])?;
    non_transferable_mint_initialize(CpiContext::new(
        accounts.token_program.key(),
        NonTransferableMintInitialize {
            token_program_id: accounts.token_program.to_account_info(),
            mint: accounts.dc_mint.to_account_info(),
        },
    ))?;
    let config_key = accounts.config.key();
    initialize_mint2(
        CpiContext::new(accounts.token_program.key(), InitializeMint2 { mint: accounts.dc_mint.to_account_info() }),
        0,
        &config_key,
        None,
    )
}

/// Creates the DC mint's account at its PDA, owned by Token-2022. The address is known as soon
/// as the network exists, so anyone can send it lamports first; `create_account` would then
/// fail forever. Like Anchor's `init`, a pre-funded address is topped up to rent exemption,
/// allocated and assigned instead. Only this program can sign for the PDA and only this
/// instruction does, once (the config's `init` refuses a second run), so a funded address is
/// always an empty system account.
fn create_dc_mint_account(ctx: &Context<Initialize>, space: usize, signer_seeds: &[&[&[u8]]]) -> Result<()> {
    let accounts = &ctx.accounts;
    let mint = accounts.dc_mint.to_account_info();
    let system_program = accounts.system_program.key();
    let owner = accounts.token_program.key();
    let rent_exempt = Rent::get()?.minimum_balance(space);
    let lamports = mint.lamports();
    if lamports == 0 {
        let to = CreateAccount { from: accounts.payer.to_account_info(), to: mint };
        return create_account(CpiContext::new_with_signer(system_program, to, signer_seeds), rent_exempt, space as u64, &owner);
    }
    if lamports < rent_exempt {
        let top_up = Transfer { from: accounts.payer.to_account_info(), to: mint.clone() };
        transfer(CpiContext::new(system_program, top_up), rent_exempt - lamports)?;
    }
    allocate(CpiContext::new_with_signer(system_program, Allocate { account_to_allocate: mint.clone() }, signer_seeds), space as u64)?;
    assign(CpiContext::new_with_signer(system_program, Assign { account_to_assign: mint }, signer_seeds), &owner)
}
