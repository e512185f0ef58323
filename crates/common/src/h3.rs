//! Strict validation of H3 cell indexes (the location format devices assert), following the
//! H3 index layout: bit 63 reserved (0), mode (4 bits) = 1 for a cell, 3 reserved bits (0),
//! resolution (4 bits), base cell (7 bits, < 122), then fifteen 3-bit digits: digits up to
//! the resolution are 0..=6, digits after it are 7. Cells on a pentagon base cell never
//! have 1 (the deleted K axis) as their first non-zero digit.

pub const MAX_RESOLUTION: u8 = 15;
const NUM_BASE_CELLS: u64 = 122;
const PENTAGON_BASE_CELLS: [u64; 12] = [4, 14, 24, 38, 49, 58, 63, 72, 83, 97, 107, 117];

pub fn resolution(cell: u64) -> u8 {
    ((cell >> 52) & 0xf) as u8
}

pub fn is_valid_cell(cell: u64) -> bool {
    if cell >> 63 != 0 || (cell >> 59) & 0xf != 1 || (cell >> 56) & 0x7 != 0 {
        return false;
    }
    let res = resolution(cell);
    let base_cell = (cell >> 45) & 0x7f;
    if base_cell >= NUM_BASE_CELLS {
        return false;
    }
    let pentagon = PENTAGON_BASE_CELLS.contains(&base_cell);
    let mut first_nonzero_seen = false;
    for r in 1..=MAX_RESOLUTION {
        let digit = (cell >> ((MAX_RESOLUTION - r) as u64 * 3)) & 0x7;
        if r <= res {
            if digit == 7 {
                return false;
            }
            if !first_nonzero_seen && digit != 0 {
                first_nonzero_seen = true;
                if pentagon && digit == 1 {
                    return false;
                }
            }
        } else if digit != 7 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_cells() {
        // San Francisco at resolution 9 and 12, and a resolution-0 base cell.
        assert!(is_valid_cell(0x8928308280fffff));
        assert!(is_valid_cell(0x8c2830828052dff));
        assert!(is_valid_cell(0x8001fffffffffff));
        assert_eq!(resolution(0x8928308280fffff), 9);
    }

    #[test]
    fn malformed_cells() {
        assert!(!is_valid_cell(0));
        assert!(!is_valid_cell(u64::MAX));
        // Edge mode (2) instead of cell mode.
        assert!(!is_valid_cell(0x1128308280fffff));
        // A digit past the resolution that is not 7.
        assert!(!is_valid_cell(0x8928308280ffffe));
        // Base cell 122 does not exist.
        assert!(!is_valid_cell(0x80f5fffffffffff));
        // Pentagon base cell 4 with first digit 1 (deleted subsequence), resolution 1.
        assert!(!is_valid_cell(0x81087ffffffffff));
        assert!(is_valid_cell(0x8108bffffffffff));
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_seed::config(proptest::test_runner::Config::default().cases))]
        /// Agrees with the h3o library on random indexes built field by field (so that most
        /// of them are cells, or almost cells), and on fully random u64 values.
        #[test]
        fn agrees_with_h3o(mode in 0u64..3, res in 0u64..16, base in 0u64..125, digits: u64, raw: u64, pentagon_digit in 0u64..8) {
            let mut index = (mode << 59) | (res << 52) | (base << 45) | (digits & ((1 << 45) - 1));
            if digits % 2 == 0 {
                // Canonical tail: digits past the resolution all 7.
                let tail_bits = 3 * (15 - res);
                index |= (1u64 << tail_bits) - 1;
            }
            if digits % 3 == 0 && res > 0 {
                // Steer the first digit (the pentagon rule lives there).
                let shift = 3 * (15 - 1);
                index = (index & !(0x7 << shift)) | (pentagon_digit << shift);
            }
            for candidate in [index, raw] {
                proptest::prop_assert_eq!(is_valid_cell(candidate), h3o::CellIndex::try_from(candidate).is_ok(), "{:#x}", candidate);
            }
        }
    }
}
