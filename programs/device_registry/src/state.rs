use anchor_lang::prelude::*;

/// `[MAKER_SEED, network, name_seed(name)]` (`civnet_common::seeds::name_seed`): a hardware maker of a network.
pub const MAKER_SEED: &[u8] = b"maker";
/// Maker names are 1..=32 bytes of lowercase ASCII letters, digits and '-' (they appear in
/// device names).
pub const MAX_MAKER_NAME_LEN: usize = 32;

/// PDA `[MAKER_SEED, network, name_seed(name)]`.
#[account]
#[derive(InitSpace)]
pub struct Maker {
    pub network: Pubkey,
    /// Signs device issuance.
    pub authority: Pubkey,
    /// Only approved makers issue devices; the network authority approves and revokes.
    pub approved: bool,
    /// The Bubblegum tree new devices are minted into (`Pubkey::default()` until set).
    pub merkle_tree: Pubkey,
    pub devices_issued: u64,
    pub bump: u8,
    #[max_len(MAX_MAKER_NAME_LEN)]
    pub name: String,
}

/// `true` for 1..=32 bytes of `[a-z0-9-]`.
pub fn is_valid_maker_name(name: &str) -> bool {
    (1..=MAX_MAKER_NAME_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
