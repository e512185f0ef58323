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

/// Creates a plain Token-2022 mint with `decimals` and `mint_authority` (no freeze authority).
pub fn create_mint(cluster: &mut impl Cluster, mint_authority: &Pubkey, decimals: u8) -> Pubkey {
    let mint = Keypair::new();
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
