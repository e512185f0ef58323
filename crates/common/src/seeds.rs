//! PDA seeds used by more than one program. Seeds used by a single program live in that
//! program's `state.rs`.

/// emissions: the network root, `[NETWORK, network_token_mint]`.
pub const NETWORK: &[u8] = b"network";
/// emissions: mint authority of the network token, `[NETWORK_MINT_AUTHORITY, network]`.
pub const NETWORK_MINT_AUTHORITY: &[u8] = b"network_mint_authority";
/// data_credits: a sub-network's usage-burn record, `[SUB_NETWORK_BURNS, sub_network]`.
/// emissions derives it too, to score a sub-network whose record was never opened.
pub const SUB_NETWORK_BURNS: &[u8] = b"sub_network_burns";
/// device_registry: a sub-network's active-device record, `[SUB_NETWORK_DEVICES, sub_network]`
/// (emissions derives it too, as above).
pub const SUB_NETWORK_DEVICES: &[u8] = b"sub_network_devices";
/// The seed form of a human-readable name (maker, sub-network): `sha256(name)`. Hashing keeps
/// any name a valid 32-byte seed, so an over-long name reaches the program's own name check
/// (a named error) instead of failing PDA derivation.
pub fn name_seed(name: &str) -> [u8; 32] {
    solana_sha256_hasher::hashv(&[name.as_bytes()]).to_bytes()
}
