//! Disclosure control over a whole publication: every count from 1 to k-1
//! is suppressed, then complementary cells until no suppressed cell can be
//! recovered by adding and subtracting published ones.
//!
//! The model: a measure's cells are sums over **atoms**, the classes of
//! real events (or of people, for unique counts) that fall in exactly the
//! same cells of the publication; an atom's mass is its events' (people's)
//! total of the measure. That is more than a reader knows (a reader does
//! not know which atoms exist), so protection against it holds against any
//! reader. Published cells fix the sums of their atoms; mass can move freely
//! between atoms that lie in exactly the same published cells (a class). A
//! suppressed cell that splits a class (holds some of its atoms, not all)
//! can take any value in a range as wide as the split classes' masses; one
//! that holds an atom of no published cell is unbounded. A cell is
//! protected when that width is at least k; while one is not, the published
//! cell whose suppression widens it most (the smallest such, on ties) is
//! suppressed too.
//!
//! The width is a lower bound on what the published set allows (other
//! moves may exist), so the check errs on the side of suppressing more.
//!
//! Cells already published (in an earlier publication of an overlapping
//! period) are part of the same system with their fixed fate
//! ([`Fate`]): what they published is known and cannot be withdrawn, and
//! what they withheld must stay protected, so a new publication withholds
//! whatever would let a reader solve an old withheld cell, or one of its
//! own, across them.

use std::collections::HashMap;

/// A measure's cells over atoms.
#[derive(Debug, Clone)]
pub struct System {
    /// Each atom's mass (its events' or people's total).
    pub mass: Vec<i64>,
    /// Each cell's atoms.
    pub cells: Vec<Vec<usize>>,
}

impl System {
    /// A cell's value: the sum of its atoms' masses.
    pub fn value(&self, cell: usize) -> i64 {
        self.cells[cell].iter().map(|a| self.mass[*a]).sum()
    }
}

/// What is already decided about a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fate {
    /// A new cell: published unless small or needed as a complement.
    #[default]
    Open,
    /// Published before: known to readers, never suppressed now.
    Published,
    /// Withheld before: stays withheld and must stay protected.
    Withheld,
    /// Not a cell readers see (a measure an earlier table did not publish):
    /// neither a constraint nor something to protect.
    Absent,
}

/// Whether `v` is a small count (1 to k-1): published counts never are.
pub fn small(v: i64, k: i64) -> bool {
    v > 0 && v < k
}

/// Random-looking 64-bit tags per cell: a class is the XOR of its cells' tags.
fn tag(cell: usize) -> u64 {
    // SplitMix64 of the index: distinct, well spread, deterministic.
    let mut z = (cell as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hasher for class signatures, which are XORs of random-looking tags
/// already: the value itself is a good hash.
#[derive(Default)]
struct SignatureHasher(u64);

impl std::hash::Hasher for SignatureHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type BySignature<V> = HashMap<u64, V, std::hash::BuildHasherDefault<SignatureHasher>>;

/// The classes of atoms: each atom's signature (the XOR of the tags of the
/// published cells holding it), and per signature the mass and number of
/// its atoms, kept up to date as cells are suppressed, so a cell's width
/// reads only its own atoms.
struct Classes {
    signature: Vec<u64>,
    by_signature: BySignature<(i64, usize)>,
}

impl Classes {
    fn new(system: &System, suppressed: &[bool]) -> Self {
        let mut signature = vec![0u64; system.mass.len()];
        for (c, cell) in system.cells.iter().enumerate() {
            if !suppressed[c] {
                for a in cell {
                    signature[*a] ^= tag(c);
                }
            }
        }
        let mut by_signature = BySignature::default();
        for (a, sig) in signature.iter().enumerate() {
            let e = by_signature.entry(*sig).or_insert((0, 0));
            e.0 += system.mass[a];
            e.1 += 1;
        }
        Classes {
            signature,
            by_signature,
        }
    }

    /// Cell `c` changes sides (published to suppressed, or back).
    fn flip(&mut self, system: &System, c: usize) {
        for a in &system.cells[c] {
            let (mass, old) = (system.mass[*a], self.signature[*a]);
            if let Some(e) = self.by_signature.get_mut(&old) {
                e.0 -= mass;
                e.1 -= 1;
                if e.1 == 0 {
                    self.by_signature.remove(&old);
                }
            }
            let new = old ^ tag(c);
            self.signature[*a] = new;
            let e = self.by_signature.entry(new).or_insert((0, 0));
            e.0 += mass;
            e.1 += 1;
        }
    }

    /// How far suppressed cell `cell`'s value can move: the masses of the
    /// classes it splits (holds some of their atoms, not all), or None
    /// when it holds an atom of no published cell (unbounded).
    fn width(&self, system: &System, cell: usize) -> Option<i64> {
        let mut inside: BySignature<usize> = BySignature::default();
        for a in &system.cells[cell] {
            let sig = self.signature[*a];
            if sig == 0 {
                return None;
            }
            *inside.entry(sig).or_insert(0) += 1;
        }
        Some(
            inside
                .iter()
                .filter_map(|(sig, count_in)| {
                    let (mass, count) = self.by_signature.get(sig).copied().unwrap_or((0, 0));
                    (count > *count_in).then_some(mass)
                })
                .sum(),
        )
    }
}

/// The suppressed cells: every small one, and complementary ones until
/// each suppressed cell can take values at least `k` apart (or any value).
/// `fates`: what is already decided about each cell (none: all open).
pub fn protect(system: &System, k: i64, fates: &[Fate]) -> Vec<bool> {
    let n = system.cells.len();
    let fate = |c: usize| fates.get(c).copied().unwrap_or_default();
    let mut suppressed: Vec<bool> = (0..n)
        .map(|c| match fate(c) {
            Fate::Open => small(system.value(c), k),
            Fate::Published => false,
            Fate::Withheld | Fate::Absent => true,
        })
        .collect();
    let mut classes = Classes::new(system, &suppressed);
    loop {
        let mut changed = false;
        for s in 0..n {
            if !suppressed[s] || system.value(s) == 0 || fate(s) == Fate::Absent {
                continue;
            }
            let current = classes.width(system, s);
            if current.is_none_or(|w| w >= k) {
                continue;
            }
            // The published cell whose suppression widens s most; the
            // smallest value among equals.
            let mut best: Option<(i64, i64, usize)> = None;
            for (c, done) in suppressed.iter().enumerate() {
                if *done || system.value(c) == 0 || fate(c) == Fate::Published {
                    continue;
                }
                classes.flip(system, c);
                let w = classes.width(system, s).unwrap_or(i64::MAX);
                classes.flip(system, c);
                let score = (w.min(k), -system.value(c), c);
                if best.is_none_or(|b| (score.0, score.1) > (b.0, b.1)) {
                    best = Some(score);
                }
            }
            let Some((_, _, c)) = best else {
                continue;
            };
            suppressed[c] = true;
            classes.flip(system, c);
            changed = true;
        }
        if !changed {
            return suppressed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The attack of issue 17: kinds of 3, 40, 100 and 60 people in one
    /// month; the total and a table of training classes alone.
    #[test]
    fn a_small_cell_keeps_a_partner_that_hides_it() {
        // Atoms: one per kind. Cells: 4 kinds, the total, and a second
        // table's total holding only the 40 (the same atoms as that kind).
        let system = System {
            mass: vec![3, 40, 100, 60],
            cells: vec![
                vec![0],
                vec![1],
                vec![2],
                vec![3],
                vec![0, 1, 2, 3],
                vec![1],
            ],
        };
        let s = protect(&system, 5, &[]);
        assert!(s[0], "the 3 is small");
        // The smallest partner that hides it: the 60 (3 + 60 can split
        // any way); the 40 could not, as its twin publishes it.
        assert_eq!(s, [true, false, false, true, false, false]);
    }

    #[test]
    fn a_small_total_is_kept_with_everything_it_holds() {
        let system = System {
            mass: vec![1, 2],
            cells: vec![vec![0], vec![1], vec![0, 1]],
        };
        assert_eq!(protect(&system, 5, &[]), [true, true, true]);
    }

    #[test]
    fn two_small_cells_whose_sum_is_small_take_a_third() {
        // 1 + 2 = 3 < 5: the two alone could only swap 3 between them.
        let system = System {
            mass: vec![1, 2, 50, 70],
            cells: vec![vec![0], vec![1], vec![2], vec![3], vec![0, 1, 2, 3]],
        };
        let s = protect(&system, 5, &[]);
        assert!(s[0] && s[1] && s[2], "{s:?}");
        assert!(!s[3] && !s[4], "{s:?}");
    }

    #[test]
    fn nothing_small_suppresses_nothing() {
        let system = System {
            mass: vec![10, 20],
            cells: vec![vec![0], vec![1], vec![0, 1]],
        };
        assert_eq!(protect(&system, 5, &[]), [false, false, false]);
    }

    /// Issue 28, case 6: version 1 grouped by kind withheld the 3 (and
    /// the 40 as its partner); version 2 adds a table of one kind alone.
    /// Across both, the 40 stays withheld, or 143 - 100 - 40 = 3.
    #[test]
    fn an_earlier_publication_is_part_of_the_system() {
        // Atoms: kinds of 3, 40 and 100. Version 1: the three kinds and
        // the total (3 and 40 withheld). Version 2: a table of the 40 alone.
        let system = System {
            mass: vec![3, 40, 100],
            cells: vec![vec![0], vec![1], vec![2], vec![0, 1, 2], vec![1]],
        };
        let fates = [
            Fate::Withheld,
            Fate::Withheld,
            Fate::Published,
            Fate::Published,
            Fate::Open,
        ];
        assert_eq!(
            protect(&system, 5, &fates),
            [true, true, false, false, true]
        );
        // Without the first version, the new table alone publishes it.
        assert_eq!(
            protect(
                &System {
                    mass: vec![40],
                    cells: vec![vec![0]]
                },
                5,
                &[]
            ),
            [false]
        );
        // An absent cell is neither a constraint nor protected.
        let fates = [Fate::Absent, Fate::Open, Fate::Open, Fate::Open, Fate::Open];
        assert_eq!(
            protect(&system, 5, &fates),
            [true, false, false, false, false]
        );
    }

    #[test]
    fn zeros_are_published() {
        let system = System {
            mass: vec![0, 20],
            cells: vec![vec![0], vec![1], vec![0, 1]],
        };
        assert_eq!(protect(&system, 5, &[]), [false, false, false]);
    }
}
