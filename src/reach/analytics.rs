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
    // People numbered together mostly went to the same events: a run of
    // equal masks is counted once it ends, not hashed person by person.
    let mut run: Option<(&[u64], i64)> = None;
    for m in masks.chunks(words) {
        if m.iter().all(|w| *w == 0) {
            continue;
        }
        match &mut run {
            Some((last, n)) if *last == m => *n += 1,
            _ => {
                if let Some((last, n)) = run.replace((m, 1)) {
                    *sets.entry(last).or_default() += n;
                }
            }
        }
    }
    if let Some((last, n)) = run {
        *sets.entry(last).or_default() += n;
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
    // People by their number of events, indexed by that number.
    let mut histogram: Vec<i64> = Vec::new();
    for c in counts.iter().filter(|c| **c > 0) {
        let c = *c as usize;
        if histogram.len() <= c {
            histogram.resize(c + 1, 0);
        }
        histogram[c] += 1;
    }
    let people = histogram.iter().sum();
    let histogram = histogram
        .into_iter()
        .enumerate()
        .map(|(events, n)| (events as i64, n))
        .collect();
    Ok(Frequency::new(people, histogram))
}
