//! First-time and cumulative people, from the index: each person's
//! earliest attendance over the history (the real events passing every
//! filter but `from`), then, over the people of each row, who was first
//! reached in the row's period and how many different people the row's
//! other keys had reached by the end of it.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::count::Unique;
use super::index::Index;
use super::slice::Slice;
use crate::aggregates::{Filters, Request};
use crate::error::ApiError;

/// No attendance in the history.
const NEVER: i32 = i32::MAX;

/// A date as a day number.
pub(super) fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// The history of a request: its filters without the dates. A person's
/// first attendance over it is at most the date of any attendance in the
/// slice, so the dates need not narrow it.
pub(super) fn history(request: &Request) -> Request {
    Request {
        filters: Filters {
            from: None,
            to: None,
            ..request.filters.clone()
        },
        group_by: Default::default(),
    }
}

/// Each person's earliest attendance (a day number, [`NEVER`] for none)
/// over the real events of `history` (see [`history`]), on every core.
pub(super) fn first_days(index: &Index, history: &Request) -> Result<Vec<i32>, ApiError> {
    let slice = Slice::new(index, history)?;
    let mut first = slice.per_person::<i32>(
        1,
        |ev, out| {
            let d = day(ev.date);
            for p in index.people(ev) {
                let f = &mut out[*p as usize];
                // 0 is "none yet" while filling (the default): day 0 is
                // 31 Dec 1 BCE, before any event.
                if *f == 0 || d < *f {
                    *f = d;
                }
            }
        },
        |a, b| {
            if *a == 0 || (b != 0 && b < *a) {
                *a = b;
            }
        },
    );
    for f in &mut first {
        if *f == 0 {
            *f = NEVER;
        }
    }
    Ok(first)
}

/// What the rows' periods are.
pub(super) struct Periods {
    /// Per row id: the days a first attendance must fall in (the row's
    /// period, or the request's `from`..`to`).
    pub range: Vec<(i32, i32)>,
    /// The request's `from`..`to`, for the totals.
    pub total: (i32, i32),
    /// With a period grouping, per row id: its other keys (the combination
    /// without its period) and its period number.
    pub grouped: Option<(Vec<u64>, Vec<i32>)>,
}

/// First-time people per row and for the slice, and cumulative people per
/// row (with a period grouping).
pub(super) struct Reached {
    pub rows: Vec<i64>,
    pub total: i64,
    pub cumulative: Option<Vec<i64>>,
}

/// Counts first-time and cumulative people over the people of each row.
/// Cumulative people come from the people new to their row's other keys
/// in each row: the rows of one combination of other keys are visited in
/// period order with a set of the people seen so far (row by row), or each
/// person's earliest row per combination is kept while their rows go by
/// (person by person); the running sums over periods are the cumulative
/// counts.
pub(super) fn count<U: Unique>(
    unique: &mut U,
    combos: &[u64],
    first: &[i32],
    periods: &Periods,
    bound: u32,
) -> Reached {
    let within = |d: i32, (lo, hi): (i32, i32)| d >= lo && d <= hi;
    if periods.grouped.is_none() {
        // Every row's range is the slice's.
        let (rows, total) = unique.counts_if(combos, |p| within(first[p as usize], periods.total));
        return Reached {
            rows,
            total,
            cumulative: None,
        };
    }
    let n = combos.len();
    let mut rows = vec![0i64; n];
    let mut total = 0i64;
    // Other keys as dense ids, rows in (other keys, period) order.
    let mut order: Vec<usize> = (0..n).collect();
    let mut kid = vec![0u32; n];
    if let Some((others, numbers)) = &periods.grouped {
        let mut ids: HashMap<u64, u32> = HashMap::new();
        for (r, o) in others.iter().enumerate() {
            let next = ids.len() as u32;
            kid[r] = *ids.entry(*o).or_insert(next);
        }
        order.sort_by_key(|r| (kid[*r], numbers[*r]));
    }
    let grouped = periods.grouped.as_ref().map(|(_, numbers)| numbers);
    let mut new_rows = vec![0i64; n];
    // Person by person: this person's earliest row per other keys.
    let mut current = u32::MAX;
    let mut earliest: Vec<(u32, usize)> = Vec::new();
    // Row by row: the people seen under the current other keys.
    let mut seen: Vec<u64> = if grouped.is_some() && !U::PERSON_MAJOR {
        vec![0; (bound as usize).div_ceil(64)]
    } else {
        Vec::new()
    };
    let mut touched: Vec<u32> = Vec::new();
    let mut current_k = u32::MAX;
    unique.visit(
        combos,
        &order,
        &mut |r, p| {
            if within(first[p as usize], periods.range[r]) {
                rows[r] += 1;
            }
            let Some(numbers) = grouped else { return };
            if U::PERSON_MAJOR {
                if p != current {
                    for (_, e) in earliest.drain(..) {
                        new_rows[e] += 1;
                    }
                    current = p;
                }
                match earliest.iter_mut().find(|(k, _)| *k == kid[r]) {
                    Some(e) if numbers[r] < numbers[e.1] => e.1 = r,
                    Some(_) => {}
                    None => earliest.push((kid[r], r)),
                }
            } else {
                if kid[r] != current_k {
                    for t in touched.drain(..) {
                        seen[(t >> 6) as usize] &= !(1u64 << (t & 63));
                    }
                    current_k = kid[r];
                }
                let (w, b) = ((p >> 6) as usize, 1u64 << (p & 63));
                if seen[w] & b == 0 {
                    seen[w] |= b;
                    touched.push(p);
                    new_rows[r] += 1;
                }
            }
        },
        &mut |p| {
            if within(first[p as usize], periods.total) {
                total += 1;
            }
        },
    );
    for (_, e) in earliest.drain(..) {
        new_rows[e] += 1;
    }
    let cumulative = grouped.map(|_| {
        let mut out = vec![0i64; n];
        let mut running: Option<(u32, i64)> = None;
        for r in order {
            let before = match running {
                Some((k, sum)) if k == kid[r] => sum,
                _ => 0,
            };
            out[r] = before + new_rows[r];
            running = Some((kid[r], out[r]));
        }
        out
    });
    Reached {
        rows,
        total,
        cumulative,
    }
}

/// The first and last day of period number `n` of a period dimension
/// (months: `year * 12 + month0`; quarters: `year * 4 + quarter0`; years).
pub(super) fn period_days(months_per_period: i32, n: i32) -> (i32, i32) {
    let first_month = n * months_per_period;
    let first_of = |m: i32| {
        NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).map_or(NEVER, day)
    };
    (
        first_of(first_month),
        first_of(first_month + months_per_period) - 1,
    )
}
