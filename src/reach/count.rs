//! How unique people are counted while a slice is scanned: per-person bit
//! masks when a grouping has few rows (each attendance is one OR, merged
//! and counted a word at a time), else a set per row that starts as a list
//! and becomes a bitmap once it would be larger than one.

use std::ops::BitOrAssign;

/// A set of people: a list while small, a bitmap once the list would be
/// larger than the bitmap.
pub(super) enum People {
    Few(Vec<u32>),
    Dense(Vec<u64>),
}

impl People {
    fn add(&mut self, people: &[u32], bound: u32) {
        match self {
            People::Few(v) => {
                v.extend_from_slice(people);
                if v.len() > (bound as usize / 32).max(1024) {
                    let mut words = vec![0u64; (bound as usize).div_ceil(64)];
                    for p in v.iter() {
                        words[(*p >> 6) as usize] |= 1 << (p & 63);
                    }
                    *self = People::Dense(words);
                }
            }
            People::Dense(words) => {
                for p in people {
                    words[(*p >> 6) as usize] |= 1 << (p & 63);
                }
            }
        }
    }

    fn merge(&mut self, other: People, bound: u32) {
        match (self, other) {
            (People::Dense(a), People::Dense(b)) => {
                for (x, y) in a.iter_mut().zip(b) {
                    *x |= y;
                }
            }
            (this, People::Few(v)) => this.add(&v, bound),
            (this @ People::Few(_), dense @ People::Dense(_)) => {
                let People::Few(v) = std::mem::replace(this, dense) else {
                    unreachable!()
                };
                this.add(&v, bound);
            }
        }
    }

    /// Sorts and dedups a list (a bitmap is in order already).
    fn settle(&mut self) {
        if let People::Few(v) = self {
            v.sort_unstable();
            v.dedup();
        }
    }

    /// Drops a list's repeated people, keeping its order (a bitmap has
    /// none): one pass with `seen`, a bitmap of every person that is clear
    /// before and after, instead of a sort.
    fn dedup(&mut self, seen: &mut [u64]) {
        if let People::Few(v) = self {
            v.retain(|p| {
                let (w, b) = ((p >> 6) as usize, 1u64 << (p & 63));
                let new = seen[w] & b == 0;
                seen[w] |= b;
                new
            });
            for p in v.iter() {
                seen[(p >> 6) as usize] &= !(1u64 << (p & 63));
            }
        }
    }

    /// Calls `f` for each person: each once after [`People::settle`] (in
    /// order) or [`People::dedup`] (a list in the order it was kept).
    pub(super) fn each_settled(&self, f: &mut impl FnMut(u32)) {
        match self {
            People::Few(v) => v.iter().for_each(|p| f(*p)),
            People::Dense(words) => {
                for (i, w) in words.iter().enumerate() {
                    let mut w = *w;
                    while w != 0 {
                        f((i as u32) << 6 | w.trailing_zeros());
                        w &= w - 1;
                    }
                }
            }
        }
    }

    /// Calls `f` for each person once.
    fn each(&mut self, f: &mut dyn FnMut(u32)) {
        self.settle();
        self.each_settled(&mut |p| f(p));
    }

    /// How many people (`settled`: the list is deduped).
    fn count(self, settled: bool) -> i64 {
        match self {
            People::Few(v) if settled => v.len() as i64,
            People::Few(mut v) => {
                v.sort_unstable();
                v.dedup();
                v.len() as i64
            }
            People::Dense(words) => words.iter().map(|w| i64::from(w.count_ones())).sum(),
        }
    }
}

/// How unique people are counted while scanning.
pub(super) trait Unique: Send + Sized {
    /// Counters for people below `bound` and `space` combinations; masks
    /// list the people while there are at most `list_up_to`.
    fn new(bound: u32, space: u64, list_up_to: usize) -> Self;
    /// An event of the slice with its people, in rows `rows` (row ids),
    /// which are the combinations `combos`.
    fn add(&mut self, people: &[u32], rows: &[usize], combos: &[u64], bound: u32);
    /// Folds another part in; `map` gives the other's row ids here.
    fn merge(&mut self, other: Self, map: &[usize], bound: u32);
    /// The unique count of each row (by row id; `combos` gives each row's
    /// combination) and of the slice.
    fn counts(self, combos: &[u64]) -> (Vec<i64>, i64);
    /// The counts of [`Unique::counts`] over only the people for whom
    /// `keep` holds (one pass, without visiting rows one by one).
    fn counts_if(&mut self, combos: &[u64], keep: impl Fn(u32) -> bool) -> (Vec<i64>, i64);
    /// The counts of [`Unique::counts`] over only `people` (each listed
    /// once; they need not all be in the slice).
    fn counts_among(&mut self, combos: &[u64], people: &[u32]) -> (Vec<i64>, i64);
    /// Each row's people, each once (by row id), when they are kept row
    /// by row (sets); None when they are kept person by person (masks).
    /// Drops repeated people first, on every core.
    fn rows(&mut self) -> Option<&[People]>;
    /// Whether [`Unique::visit`] goes person by person (all the rows of
    /// one person in a run); else row by row, in the order asked for.
    const PERSON_MAJOR: bool;
    /// Calls `row(r, p)` once for each person `p` of each row `r` (row
    /// ids; rows in `order` unless person-major), and `total(p)` once for
    /// each person of the slice.
    fn visit(
        &mut self,
        combos: &[u64],
        order: &[usize],
        row: &mut dyn FnMut(usize, u32),
        total: &mut dyn FnMut(u32),
    );
}

/// A bit mask per person, `M` wide (bit c: in combination c; bit
/// `space`: in the slice), stored in words so that merging and counting
/// go a word at a time. While the people seen are few (a small slice of a
/// large index) they are also listed, and merging, counting and visiting
/// go over that list instead of every person's slot.
pub(super) struct Masks<M> {
    words: Vec<u64>,
    space: u32,
    /// The people whose mask is not empty (in the order first seen until
    /// [`Masks::sort`]); None once there are more than `list_up_to`.
    seen: Option<Vec<u32>>,
    list_up_to: usize,
    bound: u32,
    sorted: bool,
    lane: std::marker::PhantomData<M>,
}

/// The people of a slice are listed while they are at most one in this
/// many of the index's people (the default of the `list_up_to` given to
/// [`Unique::new`]): sparser than that, most runs of 64 slots
/// hold nobody, and going over the sorted list is faster than over every
/// slot; denser, every run holds someone and the slots are read in order.
pub(super) const LIST_ONE_IN: usize = 64;

/// Sorts person ids below `bound` (a radix sort, 11 bits a pass), so that
/// the per-person arrays are then read in order.
fn sort_people(list: &mut Vec<u32>, bound: u32) {
    const BITS: u32 = 11;
    let width = u32::BITS - bound.leading_zeros();
    let mut other = vec![0u32; list.len()];
    let mut shift = 0;
    while shift < width {
        let mut start = [0usize; 1 << BITS];
        for p in list.iter() {
            start[((p >> shift) & ((1 << BITS) - 1)) as usize] += 1;
        }
        let mut sum = 0;
        for s in start.iter_mut() {
            (*s, sum) = (sum, sum + *s);
        }
        for p in list.iter() {
            let b = &mut start[((p >> shift) & ((1 << BITS) - 1)) as usize];
            other[*b] = *p;
            *b += 1;
        }
        std::mem::swap(list, &mut other);
        shift += BITS;
    }
}

/// A mask lane.
pub(super) trait Mask: Copy + Default + BitOrAssign + Send + bytemuck::Pod {
    fn bit(i: u32) -> Self;
    fn bits(self) -> u64;
}

macro_rules! mask {
    ($($t:ty),*) => {$(
        impl Mask for $t {
            fn bit(i: u32) -> Self { 1 << i }
            fn bits(self) -> u64 { u64::from(self) }
        }
    )*};
}
mask!(u8, u16, u32, u64);

impl<M: Mask> Masks<M> {
    /// Puts the list of people in order (once).
    fn sort(&mut self) {
        if let Some(list) = &mut self.seen
            && !self.sorted
        {
            sort_people(list, self.bound);
            self.sorted = true;
        }
    }

    /// Calls `f` with each person and mask that is not empty, in person
    /// order.
    fn each(&mut self, mut f: impl FnMut(u32, u64)) {
        self.sort();
        let lanes: &[M] = bytemuck::cast_slice(&self.words);
        match &self.seen {
            Some(list) => list.iter().for_each(|p| f(*p, lanes[*p as usize].bits())),
            None => lanes.iter().enumerate().for_each(|(p, m)| {
                let m = m.bits();
                if m != 0 {
                    f(p as u32, m);
                }
            }),
        }
    }

    /// Bit 0 of every lane of a word.
    fn lane_low() -> u64 {
        let width = 8 * std::mem::size_of::<M>() as u32;
        if width == 64 {
            1
        } else {
            u64::MAX / ((1u64 << width) - 1)
        }
    }

    /// People with each of `bits` set: per bit, the lanes' bit is added
    /// into counters of the lanes' width over runs of words short enough
    /// not to overflow them, then the counters are summed.
    fn count_bits(&mut self, bits: &[u32]) -> Vec<i64> {
        if self.seen.is_some() {
            let mut per_bit = [0i64; 64];
            self.each(|_, mut m| {
                while m != 0 {
                    per_bit[m.trailing_zeros() as usize] += 1;
                    m &= m - 1;
                }
            });
            return bits.iter().map(|b| per_bit[*b as usize]).collect();
        }
        Self::count_word_bits(&self.words, bits)
    }

    /// [`Masks::count_bits`] over every lane of `words`.
    fn count_word_bits(words: &[u64], bits: &[u32]) -> Vec<i64> {
        let width = 8 * std::mem::size_of::<M>();
        let low = Self::lane_low();
        let run = if width >= 32 {
            1 << 20
        } else {
            (1usize << width) - 1
        };
        let lane_max = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        let mut out = vec![0i64; bits.len()];
        for chunk in words.chunks(run) {
            for (n, b) in out.iter_mut().zip(bits) {
                let acc = chunk
                    .iter()
                    .fold(0u64, |acc, w| acc.wrapping_add((w >> b) & low));
                *n += (0..64 / width)
                    .map(|l| ((acc >> (l * width)) & lane_max) as i64)
                    .sum::<i64>();
            }
        }
        out
    }
}

impl<M: Mask> Unique for Masks<M> {
    fn new(bound: u32, space: u64, list_up_to: usize) -> Self {
        let lanes_per_word = 8 / std::mem::size_of::<M>();
        Masks {
            words: vec![0; (bound as usize).div_ceil(lanes_per_word)],
            space: space as u32,
            seen: Some(Vec::new()),
            list_up_to,
            bound,
            sorted: false,
            lane: std::marker::PhantomData,
        }
    }

    fn add(&mut self, people: &[u32], _rows: &[usize], combos: &[u64], _bound: u32) {
        let mut m = M::bit(self.space);
        for c in combos {
            m |= M::bit(*c as u32);
        }
        let lanes: &mut [M] = bytemuck::cast_slice_mut(&mut self.words);
        match &mut self.seen {
            Some(list) => {
                for p in people {
                    let lane = &mut lanes[*p as usize];
                    if lane.bits() == 0 {
                        list.push(*p);
                    }
                    *lane |= m;
                }
                if list.len() > self.list_up_to {
                    self.seen = None;
                }
            }
            None => {
                for p in people {
                    lanes[*p as usize] |= m;
                }
            }
        }
    }

    fn merge(&mut self, other: Self, _map: &[usize], _bound: u32) {
        // Bits are combinations, the same in every part.
        if let (Some(mine), Some(theirs)) = (&mut self.seen, &other.seen)
            && mine.len() + theirs.len() <= self.list_up_to
        {
            let lanes: &mut [M] = bytemuck::cast_slice_mut(&mut self.words);
            let from: &[M] = bytemuck::cast_slice(&other.words);
            for p in theirs {
                let lane = &mut lanes[*p as usize];
                if lane.bits() == 0 {
                    mine.push(*p);
                }
                *lane |= from[*p as usize];
            }
            self.sorted = false;
            return;
        }
        self.seen = None;
        for (a, b) in self.words.iter_mut().zip(other.words) {
            *a |= b;
        }
    }

    fn counts(mut self, combos: &[u64]) -> (Vec<i64>, i64) {
        let mut bits: Vec<u32> = combos.iter().map(|c| *c as u32).collect();
        bits.push(self.space);
        let mut per_row = self.count_bits(&bits);
        let total = per_row.pop().unwrap_or(0);
        (per_row, total)
    }

    fn counts_if(&mut self, combos: &[u64], keep: impl Fn(u32) -> bool) -> (Vec<i64>, i64) {
        let mut per_bit = [0i64; 64];
        self.each(|p, mut m| {
            if keep(p) {
                while m != 0 {
                    per_bit[m.trailing_zeros() as usize] += 1;
                    m &= m - 1;
                }
            }
        });
        let rows = combos.iter().map(|c| per_bit[*c as usize]).collect();
        (rows, per_bit[self.space as usize])
    }

    fn counts_among(&mut self, combos: &[u64], people: &[u32]) -> (Vec<i64>, i64) {
        let lanes: &[M] = bytemuck::cast_slice(&self.words);
        let mut per_bit = [0i64; 64];
        for p in people {
            let mut m = lanes[*p as usize].bits();
            while m != 0 {
                per_bit[m.trailing_zeros() as usize] += 1;
                m &= m - 1;
            }
        }
        let rows = combos.iter().map(|c| per_bit[*c as usize]).collect();
        (rows, per_bit[self.space as usize])
    }

    fn rows(&mut self) -> Option<&[People]> {
        None
    }

    const PERSON_MAJOR: bool = true;

    fn visit(
        &mut self,
        combos: &[u64],
        _order: &[usize],
        row: &mut dyn FnMut(usize, u32),
        total: &mut dyn FnMut(u32),
    ) {
        let mut row_of = [usize::MAX; 64];
        for (r, c) in combos.iter().enumerate() {
            row_of[*c as usize] = r;
        }
        let slice = 1u64 << self.space;
        self.each(|p, mut m| {
            if m & slice != 0 {
                total(p);
            }
            m &= !slice;
            while m != 0 {
                row(row_of[m.trailing_zeros() as usize], p);
                m &= m - 1;
            }
        });
    }
}

/// A set per row and one for the slice.
pub(super) struct Sets {
    rows: Vec<People>,
    bound: u32,
    total: People,
    /// Whether the rows' lists are deduped ([`Unique::rows`]).
    settled: bool,
}

impl Sets {
    fn row(&mut self, r: usize) -> &mut People {
        while self.rows.len() <= r {
            self.rows.push(People::Few(Vec::new()));
        }
        &mut self.rows[r]
    }
}

impl Unique for Sets {
    fn new(bound: u32, _space: u64, _list_up_to: usize) -> Self {
        Sets {
            rows: Vec::new(),
            bound,
            total: People::Few(Vec::new()),
            settled: false,
        }
    }

    fn add(&mut self, people: &[u32], rows: &[usize], _combos: &[u64], bound: u32) {
        self.total.add(people, bound);
        for r in rows {
            self.row(*r).add(people, bound);
        }
    }

    fn merge(&mut self, other: Self, map: &[usize], bound: u32) {
        self.total.merge(other.total, bound);
        for (i, p) in other.rows.into_iter().enumerate() {
            self.row(map[i]).merge(p, bound);
        }
    }

    fn counts(self, combos: &[u64]) -> (Vec<i64>, i64) {
        let settled = self.settled;
        let mut per_row: Vec<i64> = self.rows.into_iter().map(|p| p.count(settled)).collect();
        per_row.resize(combos.len(), 0);
        (per_row, self.total.count(false))
    }

    fn counts_if(&mut self, combos: &[u64], keep: impl Fn(u32) -> bool) -> (Vec<i64>, i64) {
        let mut count = |people: &mut People| {
            let mut n = 0;
            people.each(&mut |p| n += i64::from(keep(p)));
            n
        };
        let mut rows: Vec<i64> = self.rows.iter_mut().map(&mut count).collect();
        rows.resize(combos.len(), 0);
        (rows, count(&mut self.total))
    }

    fn counts_among(&mut self, combos: &[u64], people: &[u32]) -> (Vec<i64>, i64) {
        let bound = people.iter().max().map_or(0, |p| *p as usize + 1);
        let mut among = vec![0u64; bound.div_ceil(64)];
        for p in people {
            among[(*p >> 6) as usize] |= 1 << (p & 63);
        }
        self.counts_if(combos, |p| {
            among
                .get((p >> 6) as usize)
                .is_some_and(|w| w & (1 << (p & 63)) != 0)
        })
    }

    fn rows(&mut self) -> Option<&[People]> {
        let chunk = self.rows.len().div_ceil(crate::cores::threads()).max(1);
        let words = (self.bound as usize).div_ceil(64);
        std::thread::scope(|s| {
            for part in self.rows.chunks_mut(chunk) {
                s.spawn(move || {
                    let mut seen = vec![0u64; words];
                    part.iter_mut().for_each(|p| p.dedup(&mut seen));
                });
            }
        });
        self.settled = true;
        Some(&self.rows)
    }

    const PERSON_MAJOR: bool = false;

    fn visit(
        &mut self,
        _combos: &[u64],
        order: &[usize],
        row: &mut dyn FnMut(usize, u32),
        total: &mut dyn FnMut(u32),
    ) {
        self.total.each(total);
        for r in order {
            if let Some(people) = self.rows.get_mut(*r) {
                people.each(&mut |p| row(*r, p));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    /// A list keeps each person once, in the order first kept, and leaves
    /// the shared bitmap clear for the next row.
    #[test]
    fn lists_drop_repeated_people() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let bound = 5000u32;
        let mut seen = vec![0u64; (bound as usize).div_ceil(64)];
        for len in [0usize, 1, 2, 64, 700] {
            let list: Vec<u32> = (0..len).map(|_| rng.gen_range(0..bound)).collect();
            let mut expected = Vec::new();
            for p in &list {
                if !expected.contains(p) {
                    expected.push(*p);
                }
            }
            let mut people = super::People::Few(list);
            people.dedup(&mut seen);
            let mut got = Vec::new();
            people.each_settled(&mut |p| got.push(p));
            assert_eq!(got, expected, "{len}");
            assert!(seen.iter().all(|w| *w == 0), "{len}");
        }
    }

    #[test]
    fn people_are_sorted() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for bound in [1u32, 2, 2047, 2048, 2049, 1 << 21, 4_000_000] {
            let mut list: Vec<u32> = (0..5000).map(|_| rng.gen_range(0..bound)).collect();
            let mut expected = list.clone();
            expected.sort_unstable();
            super::sort_people(&mut list, bound);
            assert_eq!(list, expected, "{bound}");
        }
    }
}
