//! Token-2022 mints and accounts (the Token-2022 and associated-token programs ship inside
//! litesvm and the validator).
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_program_pack::Pack;
use spl_token_2022_interface::extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions};
use spl_token_2022_interface::state::Mint;

use crate::cluster::Cluster;
use crate::svm::Chain;

pub const TOKEN_2022_ID: Pubkey = spl_token_2022_interface::ID;
/// The classic SPL Token program (litesvm and the validator ship it too).
pub const SPL_TOKEN_ID: Pubkey = anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/// Creates a plain Token-2022 mint with `decimals` and `mint_authority` (no freeze authority).
pub fn create_mint(cluster: &mut impl Cluster, mint_authority: &Pubkey, decimals: u8) -> Pubkey {
    let mint = crate::keys::new_keypair();
    create_mint_at(cluster, &mint, mint_authority, decimals);
    mint.pubkey()
}

/// Creates a plain Token-2022 mint at the address of `mint`.
pub fn create_mint_at(cluster: &mut impl Cluster, mint: &Keypair, mint_authority: &Pubkey, decimals: u8) {
    let space = Mint::LEN;
    let lamports = cluster.rent_exempt_minimum(space);
    let create = anchor_lang::solana_program::system_instruction::create_account(
        &cluster.payer(),
        &mint.pubkey(),
        lamports,
        space as u64,
        &TOKEN_2022_ID,
    );
    let init = spl_token_2022_interface::instruction::initialize_mint2(&TOKEN_2022_ID, &mint.pubkey(), mint_authority, None, decimals)
        .expect("initialize_mint2");
    cluster.send_ok(&[create, init], &[mint]);
}

/// How an unusual mint is made: its token program, freeze authority and Token-2022
/// extensions (each initialized with `mint_authority` as its authority, delegate or target),
/// for tests of what a network token may and may not be.
pub struct MintSpec {
    pub token_program: Pubkey,
    pub freeze_authority: Option<Pubkey>,
    pub extensions: Vec<ExtensionType>,
}

impl Default for MintSpec {
    fn default() -> Self {
        Self { token_program: TOKEN_2022_ID, freeze_authority: None, extensions: Vec::new() }
    }
}

/// Creates the mint `spec` describes at the address of `mint`.
pub fn create_mint_with(cluster: &mut impl Cluster, mint: &Keypair, mint_authority: &Pubkey, decimals: u8, spec: &MintSpec) {
    use spl_token_2022_interface::instruction as token_ix;
    let (address, program) = (mint.pubkey(), spec.token_program);
    let space = ExtensionType::try_calculate_account_len::<Mint>(&spec.extensions).expect("mint size");
    let lamports = cluster.rent_exempt_minimum(space);
    let mut ixs = vec![anchor_lang::solana_program::system_instruction::create_account(&cluster.payer(), &address, lamports, space as u64, &program)];
    for extension in &spec.extensions {
        ixs.push(match extension {
            ExtensionType::MetadataPointer => {
                spl_token_2022_interface::extension::metadata_pointer::instruction::initialize(&program, &address, Some(*mint_authority), Some(address))
            }
            ExtensionType::PermanentDelegate => token_ix::initialize_permanent_delegate(&program, &address, mint_authority),
            ExtensionType::MintCloseAuthority => token_ix::initialize_mint_close_authority(&program, &address, Some(mint_authority)),
            ExtensionType::NonTransferable => token_ix::initialize_non_transferable_mint(&program, &address),
            other => panic!("MintSpec does not make {other:?} mints"),
        }
        .expect("extension instruction"));
    }
    let mut init = token_ix::initialize_mint2(&TOKEN_2022_ID, &address, mint_authority, spec.freeze_authority.as_ref(), decimals).expect("initialize_mint2");
    // The classic program takes the same InitializeMint2 layout.
    init.program_id = program;
    ixs.push(init);
    cluster.send_ok(&ixs, &[mint]);
}

/// A decoded Token-2022 mint and its extension types.
pub fn read_mint(chain: &Chain, mint: &Pubkey) -> (Mint, Vec<ExtensionType>) {
    let data = chain.account_data(mint).unwrap_or_else(|| panic!("mint {mint} does not exist"));
    let state = StateWithExtensions::<Mint>::unpack(&data).expect("a Token-2022 mint");
    (state.base, state.get_extension_types().expect("extension types"))
}

/// Decodes Token-2022 mint bytes (from any cluster) and lists their extension types.
pub fn read_mint_data(data: &[u8]) -> (Mint, Vec<ExtensionType>) {
    let state = StateWithExtensions::<Mint>::unpack(data).expect("a Token-2022 mint");
    (state.base, state.get_extension_types().expect("extension types"))
}

/// The owner's associated Token-2022 account for `mint`.
pub fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    spl_associated_token_account_interface::address::get_associated_token_address_with_program_id(owner, mint, &TOKEN_2022_ID)
}

/// Creates (idempotently) the owner's associated Token-2022 account for `mint`.
pub fn create_ata(cluster: &mut impl Cluster, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    let ix = create_ata_ix(&cluster.payer(), owner, mint);
    cluster.send_ok(&[ix], &[]);
    ata(owner, mint)
}

/// The idempotent create of the owner's associated Token-2022 account, paid by `payer`.
pub fn create_ata_ix(payer: &Pubkey, owner: &Pubkey, mint: &Pubkey) -> anchor_lang::solana_program::instruction::Instruction {
    spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(payer, owner, mint, &TOKEN_2022_ID)
}

/// Token balance of a Token-2022 account (0 when it does not exist).
pub fn balance(cluster: &impl Cluster, account: &Pubkey) -> u64 {
    cluster.account_data(account).map_or(0, |data| {
        StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(&data).expect("a Token-2022 account").base.amount
    })
}

/// The amount of Token-2022 account bytes (from any cluster).
pub fn read_account_amount(data: &[u8]) -> u64 {
    StateWithExtensions::<spl_token_2022_interface::state::Account>::unpack(data).map(|a| a.base.amount).unwrap_or(0)
}

pub fn supply(cluster: &impl Cluster, mint: &Pubkey) -> u64 {
    read_mint_data(&cluster.account_data(mint).expect("mint")).0.supply
}

/// Mints `amount` to the owner's associated account, signed by the mint authority.
pub fn mint_to_owner(cluster: &mut impl Cluster, mint: &Pubkey, authority: &Keypair, owner: &Pubkey, amount: u64) -> Pubkey {
    let account = create_ata(cluster, owner, mint);
    let ix = spl_token_2022_interface::instruction::mint_to(&TOKEN_2022_ID, mint, &account, &authority.pubkey(), &[], amount).expect("mint_to");
    cluster.send_ok(&[ix], &[authority]);
    account
}

/// Hands the mint authority of `mint` from `current` to `new_authority`.
pub fn set_mint_authority(cluster: &mut impl Cluster, mint: &Pubkey, current: &Keypair, new_authority: &Pubkey) {
    let ix = spl_token_2022_interface::instruction::set_authority(
        &TOKEN_2022_ID,
        mint,
        Some(new_authority),
        spl_token_2022_interface::instruction::AuthorityType::MintTokens,
        &current.pubkey(),
        &[],
    )
    .expect("set_authority");
    cluster.send_ok(&[ix], &[current]);
}

/// Moves `amount` from the signer's associated account to the recipient's (created if
/// missing, paid by `payer`): `transfer_checked`, so a wrong mint or decimals fails.
pub fn transfer_to_owner_ixs(payer: &Pubkey, mint: &Pubkey, decimals: u8, from_owner: &Pubkey, to_owner: &Pubkey, amount: u64) -> Vec<anchor_lang::solana_program::instruction::Instruction> {
    let transfer = spl_token_2022_interface::instruction::transfer_checked(
        &TOKEN_2022_ID,
        &ata(from_owner, mint),
        mint,
        &ata(to_owner, mint),
        from_owner,
        &[],
        amount,
        decimals,
    )
    .expect("transfer_checked");
    vec![create_ata_ix(payer, to_owner, mint), transfer]
}
