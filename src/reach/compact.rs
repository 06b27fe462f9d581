//! The index's compact values: optional counts in four bytes, 64-bit ids
//! as four-byte-aligned map keys, and a permutation applied in place.

/// An optional count below 2^32 (headcounts, declared people, audiences:
/// validation bounds them far below it, `MAX_HEADCOUNT` and
/// `MAX_AUDIENCE`), stored in four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Small(u32);

impl Small {
    /// Not reported.
    pub(super) const NONE: Small = Small(u32::MAX);

    /// The count, if reported.
    pub fn get(self) -> Option<i64> {
        (self != Self::NONE).then_some(i64::from(self.0))
    }

    /// The larger of this and `v` (a count absent from both stays absent).
    pub(super) fn max(self, v: Option<i64>) -> Self {
        let v = v.map(|v| Small(u32::try_from(v).unwrap_or(u32::MAX - 1)));
        match (self.get(), v) {
            (Some(_), Some(b)) => Small(self.0.max(b.0)),
            (None, Some(b)) => b,
            _ => self,
        }
    }
}

/// A 64-bit id (a group seq, a participant id) as a map key aligned to
/// four bytes: a map from ids to `u32` then holds 12 bytes per entry, not
/// 16 (a national index has millions of them). Any id fits: ids past 2^32
/// are as good as small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Id(pub(super) [u32; 2]);

impl From<i64> for Id {
    fn from(v: i64) -> Self {
        let b = v.to_le_bytes();
        Id([
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        ])
    }
}

/// Moves each `v[i]` to `v[to[i]]`, in place (`to` is a permutation of
/// the indexes of `v`): each cycle is followed once, with one element in
/// hand.
pub(super) fn permute<T>(v: &mut [T], to: &[u32]) {
    let mut placed = vec![false; v.len()];
    for start in 0..v.len() {
        if placed[start] {
            continue;
        }
        // Swap the element at `start` into its place until the cycle
        // brings the one that belongs at `start` back there.
        let mut i = start;
        while to[i] as usize != start {
            let j = to[i] as usize;
            v.swap(start, j);
            placed[j] = true;
            i = j;
        }
        placed[start] = true;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn small_counts_keep_absence_apart_from_zero() {
        assert_eq!(Small::NONE.get(), None);
        assert_eq!(Small(0).get(), Some(0));
        assert_eq!(Small::NONE.max(Some(3)).get(), Some(3));
        assert_eq!(Small(5).max(None).get(), Some(5));
        assert_eq!(Small(5).max(Some(7)).get(), Some(7));
    }

    #[test]
    fn ids_keep_every_bit_and_pack_into_twelve_bytes() {
        let ids = [
            0,
            1,
            -1,
            i64::MAX,
            i64::MIN,
            1 << 32,
            (1 << 32) + 1,
            4_294_967_295,
        ];
        let keys: BTreeSet<[u32; 2]> = ids.iter().map(|v| Id::from(*v).0).collect();
        assert_eq!(keys.len(), ids.len(), "distinct ids stay distinct");
        assert_eq!(Id::from(1 << 32).0, [0, 1]);
        assert_eq!(std::mem::size_of::<(Id, u32)>(), 12);
    }

    #[test]
    fn permuting_in_place_moves_each_element_to_its_slot() {
        let to = [3u32, 0, 4, 1, 2, 5];
        let mut v: Vec<usize> = (0..to.len()).collect();
        permute(&mut v, &to);
        for (i, t) in to.iter().enumerate() {
            assert_eq!(v[*t as usize], i);
        }
        let mut one = vec!['a'];
        permute(&mut one, &[0]);
        assert_eq!(one, ['a']);
    }
}
