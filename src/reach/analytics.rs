//! Reach analytics from the index: over the slice's real events, each
//! person's set of agencies (a bit per agency) or number of real events,
//! kept in one array indexed by person and filled on every core; then
//! people are counted by set or by number.

use std::collections::HashMap;

use super::index::Index;
use super::slice::Slice;
use crate::aggregates::Request;
use crate::analytics::{Frequency, Overlap};
use crate::error::ApiError;

/// Slices with fewer candidate events are scanned on one thread.
const PARALLEL_FROM: usize = 50_000;

/// Runs `fill` over the slice's real events on every core, each part into
/// its own array of `width` values per person, then folds the parts into
/// one with `merge`.
fn per_person<T: Copy + Default + Send>(
    slice: &Slice,
    width: usize,
    fill: impl Fn(&[u32], &[u32], &mut [T]) + Sync,
    merge: impl Fn(&mut T, T),
) -> Vec<T> {
    let index = slice.index;
    let slots = slice.candidates();
    let len = index.people_bound as usize * width;
    let part = |slots: &[u32]| {
        let mut out = vec![T::default(); len];
        for slot in slots {
            let ev = &index.events[*slot as usize];
            if slice.contains(ev) {
                fill(index.agencies(ev), index.people(ev), &mut out);
            }
        }
        out
    };
    let threads = if slots.len() < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    };
    if threads == 1 {
        return part(&slots);
    }
    let chunk = slots.len().div_ceil(threads);
    let mut parts: Vec<Vec<T>> = std::thread::scope(|s| {
        let handles: Vec<_> = slots
            .chunks(chunk)
            .map(|c| {
                let part = &part;
                s.spawn(move || part(c))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a scan thread"))
            .collect()
    });
    let mut all = parts.pop().unwrap_or_else(|| vec![T::default(); len]);
    for p in parts {
        for (a, b) in all.iter_mut().zip(p) {
            merge(a, b);
        }
    }
    all
}

/// The overlap between agencies over the request's slice.
pub fn overlap(index: &Index, request: &Request) -> Result<Overlap, ApiError> {
    let slice = Slice::new(index, request)?;
    let words = index.agencies.len().div_ceil(64).max(1);
    let masks = per_person::<u64>(
        &slice,
        words,
        |agencies, people, out| {
            for a in agencies {
                let (w, bit) = (*a as usize / 64, 1u64 << (a % 64));
                for p in people {
                    out[*p as usize * words + w] |= bit;
                }
            }
        },
        |a, b| *a |= b,
    );
    let mut sets: HashMap<&[u64], i64> = HashMap::new();
    for m in masks.chunks(words) {
        if m.iter().any(|w| *w != 0) {
            *sets.entry(m).or_default() += 1;
        }
    }
    let people = sets.values().sum();
    let combinations = sets
        .into_iter()
        .map(|(m, n)| {
            let agencies = (0..index.agencies.len())
                .filter(|a| m[a / 64] & (1 << (a % 64)) != 0)
                .map(|a| index.agencies[a].clone())
                .collect();
            (agencies, n)
        })
        .collect();
    Ok(Overlap::new(people, combinations))
}

/// How often people were reached over the request's slice.
pub fn frequency(index: &Index, request: &Request) -> Result<Frequency, ApiError> {
    let slice = Slice::new(index, request)?;
    // A real event's people are distinct: one more event for each.
    let counts = per_person::<u32>(
        &slice,
        1,
        |_, people, out| {
            for p in people {
                out[*p as usize] += 1;
            }
        },
        |a, b| *a += b,
    );
    let mut histogram: HashMap<i64, i64> = HashMap::new();
    for c in counts.iter().filter(|c| **c > 0) {
        *histogram.entry(i64::from(*c)).or_default() += 1;
    }
    let people = histogram.values().sum();
    Ok(Frequency::new(people, histogram.into_iter().collect()))
}
