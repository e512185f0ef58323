//! New keypairs for scenarios: random by default; from a seeded sequence after
//! [`seed`], so a run (the demo with `--seed`, the benchmark) is reproducible: the same
//! addresses, so the same PDA bump searches and the same compute units.
use solana_keypair::Keypair;
use std::cell::Cell;

thread_local! {
    static SEQUENCE: Cell<Option<u64>> = const { Cell::new(None) };
}

/// From now on (on this thread) [`new_keypair`] derives keys from `seed`.
pub fn seed(seed: u64) {
    SEQUENCE.with(|s| s.set(Some(seed)));
}

/// A fresh keypair: the next of the seeded sequence, else random.
pub fn new_keypair() -> Keypair {
    match SEQUENCE.with(|s| s.get()) {
        None => Keypair::new(),
        Some(state) => {
            let mut secret = [0u8; 32];
            let mut x = state;
            for chunk in secret.chunks_mut(8) {
                x = splitmix64(x);
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            SEQUENCE.with(|s| s.set(Some(x)));
            Keypair::new_from_array(secret)
        }
    }
}

/// SplitMix64's step: a full-period 64-bit sequence with well-mixed outputs.
fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_signer::Signer;

    #[test]
    fn a_seed_repeats_its_sequence_and_sequences_differ() {
        seed(7);
        let first: Vec<_> = (0..3).map(|_| new_keypair().pubkey()).collect();
        seed(7);
        let again: Vec<_> = (0..3).map(|_| new_keypair().pubkey()).collect();
        seed(8);
        let other = new_keypair().pubkey();
        assert_eq!(first, again);
        assert_ne!(first[0], first[1]);
        assert!(!first.contains(&other));
    }
}
