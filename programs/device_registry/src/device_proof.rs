//! Proof that a device holds its key: either the key signs the transaction, or an Ed25519
//! program instruction of the same transaction verified the key's signature over
//! `network || maker || owner || device_key || asset_id` (so a device can sign offline, and its
//! signature cannot be replayed for another owner, maker or network).
//!
//! The asset id is the cNFT this issuance mints (Bubblegum's PDA of the maker's tree and its
//! next leaf nonce), so a proof is good for exactly one mint: after the device is retired and
//! its record closed, the same signature cannot issue the key again (nonces are never reused),
//! and a maker cannot re-issue a retired identity without the device signing anew.
use anchor_lang::prelude::*;
use solana_instructions_sysvar::load_instruction_at_checked;

pub const ED25519_PROGRAM_ID: Pubkey = pubkey!("Ed25519SigVerify111111111111111111111111111");
/// Ed25519 instruction layout: `[num_signatures u8, padding u8]`, then per signature seven
/// little-endian u16: signature offset and instruction index, public key offset and
/// instruction index, message offset, size and instruction index.
const OFFSETS_START: usize = 2;
const OFFSETS_SIZE: usize = 14;
/// An instruction index meaning "this same instruction".
const THIS_INSTRUCTION: u16 = u16::MAX;
pub const ISSUANCE_MESSAGE_LEN: usize = 160;

/// The message a device signs to be issued: `network || maker || owner || device_key || asset_id`.
pub fn issuance_message(network: &Pubkey, maker: &Pubkey, owner: &Pubkey, device_key: &Pubkey, asset_id: &Pubkey) -> [u8; ISSUANCE_MESSAGE_LEN] {
    let mut message = [0u8; ISSUANCE_MESSAGE_LEN];
    for (chunk, key) in message.chunks_mut(32).zip([network, maker, owner, device_key, asset_id]) {
        chunk.copy_from_slice(key.as_ref());
    }
    message
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

/// True when an Ed25519 instruction of this transaction verified `device_key`'s signature
/// over exactly `message`, with all its data inside that instruction.
pub fn ed25519_proves(instructions_sysvar: &AccountInfo, device_key: &Pubkey, message: &[u8]) -> bool {
    let mut index = 0;
    while let Ok(ix) = load_instruction_at_checked(index, instructions_sysvar) {
        index += 1;
        if ix.program_id != ED25519_PROGRAM_ID {
            continue;
        }
        let data = &ix.data;
        let count = data.first().copied().unwrap_or(0) as usize;
        for i in 0..count {
            let at = OFFSETS_START + i * OFFSETS_SIZE;
            let fields: Option<[u16; 7]> = (0..7).map(|f| u16_at(data, at + 2 * f)).collect::<Option<Vec<_>>>().and_then(|v| v.try_into().ok());
            let Some([_, sig_ix, key_offset, key_ix, msg_offset, msg_size, msg_ix]) = fields else { break };
            if [sig_ix, key_ix, msg_ix].iter().any(|&ix| ix != THIS_INSTRUCTION) {
                continue;
            }
            let key = data.get(key_offset as usize..key_offset as usize + 32);
            let signed = data.get(msg_offset as usize..msg_offset as usize + msg_size as usize);
            if key == Some(device_key.as_ref()) && signed == Some(message) {
                return true;
            }
        }
    }
    false
}
