//! Reach analytics from the index: over the slice's real events, each
//! person's set of agencies (a bit per agency) or number of real events,
//! kept in one array indexed by person and filled on every core
//! ([`Slice::per_person`]); then people are counted by set or by number.

use std::collections::HashMap;

use super::index::Index;
use super::slice::Slice;
use crate::aggregates::Request;
use crate::analytics::{Frequency, Overlap};
use crate::error::ApiError;

/// The overlap between agencies over the request's slice.
pub fn overlap(index: &Index, request: &Request) -> Result<Overlap, ApiError> {
    let slice = Slice::new(index, request)?;
    let words = index.agencies.len().div_ceil(64).max(1);
    let masks = slice.per_person::<u64>(
        words,
        |ev, out| {
            let people = index.people(ev);
            for a in index.agencies(ev) {
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
    let counts = slice.per_person::<u32>(
        1,
        |ev, out| {
            for p in index.people(ev) {
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
