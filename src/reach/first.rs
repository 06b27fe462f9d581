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
pub(super) fn count<U: Unique>(
    unique: &mut U,
    combos: &[u64],
    first: &[i32],
    periods: &Periods,
    bound: u32,
) -> Reached {
    let within = |d: i32, (lo, hi): (i32, i32)| d >= lo && d <= hi;
    let mut rows = vec![0i64; combos.len()];
    let mut total = 0i64;
    // The first period each person is in, per combination of other keys:
    // by person when there is one such combination, else by pair.
    let single = periods
        .grouped
        .as_ref()
        .is_some_and(|(others, _)| others.windows(2).all(|w| w[0] == w[1]));
    let mut by_person: Vec<i32> = if single {
        vec![NEVER; bound as usize]
    } else {
        Vec::new()
    };
    let mut by_pair: HashMap<(u64, u32), i32> = HashMap::new();
    unique.visit(
        combos,
        &mut |r, p| {
            if within(first[p as usize], periods.range[r]) {
                rows[r] += 1;
            }
            if let Some((others, numbers)) = &periods.grouped {
                let slot = if single {
                    &mut by_person[p as usize]
                } else {
                    by_pair.entry((others[r], p)).or_insert(NEVER)
                };
                *slot = (*slot).min(numbers[r]);
            }
        },
        &mut |p| {
            if within(first[p as usize], periods.total) {
                total += 1;
            }
        },
    );
    let cumulative = periods.grouped.as_ref().map(|(others, numbers)| {
        // New people per (other keys, period), then running sums.
        let mut new: HashMap<(u64, i32), i64> = HashMap::new();
        if single {
            let other = others.first().copied().unwrap_or(0);
            for n in by_person.iter().filter(|n| **n != NEVER) {
                *new.entry((other, *n)).or_default() += 1;
            }
        } else {
            for ((other, _), n) in &by_pair {
                *new.entry((*other, *n)).or_default() += 1;
            }
        }
        let mut order: Vec<usize> = (0..combos.len()).collect();
        order.sort_by_key(|r| (others[*r], numbers[*r]));
        let mut out = vec![0i64; combos.len()];
        let mut running: Option<(u64, i64)> = None;
        for r in order {
            let before = match running {
                Some((o, n)) if o == others[r] => n,
                _ => 0,
            };
            let now = before + new.get(&(others[r], numbers[r])).copied().unwrap_or(0);
            out[r] = now;
            running = Some((others[r], now));
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
