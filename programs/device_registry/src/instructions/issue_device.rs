use anchor_lang::prelude::*;
use emissions::state::{BUBBLEGUM_PROGRAM_ID, SPL_ACCOUNT_COMPRESSION_ID};
use mpl_bubblegum::instructions::MintV1CpiBuilder;
use mpl_bubblegum::types::{Creator, MetadataArgs, TokenProgramVersion, TokenStandard};

use crate::device_proof;
use crate::errors::DeviceRegistryError;
use crate::events::DeviceIssued;
use crate::instructions::set_maker_tree::SPL_NOOP_ID;
use crate::state::*;

/// Bubblegum `TreeConfig`: discriminator, tree_creator, tree_delegate, total_mint_capacity,
/// then `num_minted` (the next leaf's nonce) at this offset.
const TREE_CONFIG_NUM_MINTED_OFFSET: usize = 8 + 32 + 32 + 8;

#[derive(Accounts)]
pub struct IssueDevice<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The maker vouches for the device...
    pub maker_authority: Signer<'info>,
    /// CHECK: ...and the device proves it holds this key: it signs the transaction, or an
    /// Ed25519 instruction of the transaction verified its signature (`device_proof`).
    pub device_key: UncheckedAccount<'info>,
    /// CHECK: the instructions sysvar (address checked), read for the Ed25519 proof.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions_sysvar: UncheckedAccount<'info>,
    /// CHECK: the wallet that receives the device cNFT; any address.
    pub owner: UncheckedAccount<'info>,
    /// CHECK: the maker's network (has_one on the maker); only its address is used.
    pub network: UncheckedAccount<'info>,
    #[account(
        mut,
        has_one = network,
        constraint = maker.authority == maker_authority.key() @ DeviceRegistryError::NotMakerAuthority,
        constraint = maker.approved @ DeviceRegistryError::MakerNotApproved,
        constraint = maker.merkle_tree != Pubkey::default() @ DeviceRegistryError::MakerHasNoTree,
        constraint = maker.tree_devices < maker.tree_capacity @ DeviceRegistryError::TreeFull,
    )]
    pub maker: Box<Account<'info, Maker>>,
    /// One record per device key. `init_if_needed` so that a second issuance of the same key
    /// reaches the handler and fails with `DeviceAlreadyIssued` (a plain `init` would fail
    /// inside the system program with an unnamed error).
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + Device::INIT_SPACE,
        seeds = [DEVICE_SEED, network.key().as_ref(), device_key.key().as_ref()],
        bump,
    )]
    pub device: Box<Account<'info, Device>>,
    /// CHECK: the network's device-creator PDA: tree creator and verified cNFT creator.
    #[account(address = maker.device_creator)]
    pub device_creator: UncheckedAccount<'info>,
    /// CHECK: Bubblegum's tree config of `merkle_tree` (Bubblegum checks it).
    #[account(mut)]
    pub tree_config: UncheckedAccount<'info>,
    /// CHECK: the maker's current tree (address checked).
    #[account(mut, address = maker.merkle_tree @ DeviceRegistryError::WrongTree)]
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

/// Lowercase hex of `bytes`.
/// Appends `bytes` as lowercase hex (no `format!`: its machinery costs compute on chain).
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
}

/// The device cNFT's metadata: named after the maker and the device key, URI under the
/// maker's base, the network's device-creator PDA as the one verified creator.
pub fn device_metadata(maker: &Maker, device_key: &Pubkey, creator: Pubkey) -> MetadataArgs {
    let key = device_key.to_bytes();
    let maker_name = &maker.name[..maker.name.len().min(23)];
    let mut name = String::with_capacity(maker_name.len() + 9);
    name.push_str(maker_name);
    name.push(' ');
    push_hex(&mut name, &key[..4]);
    let mut uri = String::with_capacity(maker.uri_base.len() + 64);
    uri.push_str(&maker.uri_base);
    push_hex(&mut uri, &key);
    MetadataArgs {
        name,
        symbol: DEVICE_SYMBOL.to_string(),
        uri,
        seller_fee_basis_points: 0,
        primary_sale_happened: false,
        is_mutable: false,
        edition_nonce: None,
        token_standard: Some(TokenStandard::NonFungible),
        collection: None,
        uses: None,
        token_program_version: TokenProgramVersion::Original,
        creators: vec![Creator { address: creator, verified: true, share: 100 }],
    }
}

/// An approved maker issues a device identity: a cNFT minted by Bubblegum `mint_v1` to the
/// owner's wallet, and the device's record (asset id; onboarding data later).
pub fn handler(ctx: Context<IssueDevice>) -> Result<()> {
    require_keys_eq!(ctx.accounts.device.asset_id, Pubkey::default(), DeviceRegistryError::DeviceAlreadyIssued);
    let device_key = ctx.accounts.device_key.key();
    // The asset this mint creates: Bubblegum's PDA of the tree and its next leaf nonce (the
    // tree config is Bubblegum's; it refuses the mint unless the config is the tree's).
    let leaf_index = {
        let data = ctx.accounts.tree_config.try_borrow_data()?;
        let bytes = data
            .get(TREE_CONFIG_NUM_MINTED_OFFSET..TREE_CONFIG_NUM_MINTED_OFFSET + 8)
            .ok_or(DeviceRegistryError::MakerHasNoTree)?;
        u64::from_le_bytes(bytes.try_into().map_err(|_| DeviceRegistryError::MakerHasNoTree)?)
    };
    let merkle_tree = ctx.accounts.merkle_tree.key();
    let asset_id = emissions::cnft::asset_id(&merkle_tree, leaf_index);
    let proven = ctx.accounts.device_key.is_signer || {
        let message = device_proof::issuance_message(
            &ctx.accounts.network.key(),
            &ctx.accounts.maker.key(),
            ctx.accounts.owner.key,
            &device_key,
            &asset_id,
        );
        device_proof::ed25519_proves(&ctx.accounts.instructions_sysvar, &device_key, &message)
    };
    require!(proven, DeviceRegistryError::DeviceKeyNotProven);
    let creator = ctx.accounts.device_creator.to_account_info();
    let metadata = device_metadata(&ctx.accounts.maker, &device_key, creator.key());

    let network_key = ctx.accounts.network.key();
    let creator_seeds: &[&[u8]] = &[DEVICE_CREATOR_SEED, network_key.as_ref(), &[ctx.accounts.maker.device_creator_bump]];
    let owner = ctx.accounts.owner.to_account_info();
    MintV1CpiBuilder::new(&ctx.accounts.bubblegum_program.to_account_info())
        .tree_config(&ctx.accounts.tree_config.to_account_info())
        .leaf_owner(&owner)
        .leaf_delegate(&owner)
        .merkle_tree(&ctx.accounts.merkle_tree.to_account_info())
        .payer(&ctx.accounts.payer.to_account_info())
        .tree_creator_or_delegate(&creator)
        .log_wrapper(&ctx.accounts.log_wrapper.to_account_info())
        .compression_program(&ctx.accounts.compression_program.to_account_info())
        .system_program(&ctx.accounts.system_program.to_account_info())
        .metadata(metadata)
        .invoke_signed(&[creator_seeds])?;

    ctx.accounts.device.set_inner(Device {
        asset_id,
        sub_network_index: NOT_ONBOARDED,
        active: false,
        location: 0,
        elevation: 0,
        gain: 0,
        bump: ctx.bumps.device,
    });
    let maker = &mut ctx.accounts.maker;
    maker.tree_devices += 1;
    maker.devices_issued = maker.devices_issued.checked_add(1).ok_or(DeviceRegistryError::ArithmeticOverflow)?;
    // A log event (`emit!`), not a self-CPI: issuance is the maker's bulk operation and
    // Bubblegum already dominates its compute. Indexers read it from the transaction's logs.
    emit!(DeviceIssued {
        network: network_key,
        maker: maker.key(),
        device: ctx.accounts.device.key(),
        device_key,
        owner: owner.key(),
        asset_id,
        merkle_tree,
        leaf_index,
    });
    Ok(())
}
