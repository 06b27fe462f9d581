//! First-time and cumulative people, from the index: each person's
//! earliest attendance over the history (the real events passing every
//! filter but `from`), then, over the people of each row, who was first
//! reached in the row's period and how many different people the row's
//! other keys had reached by the end of it.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::count::{People, Unique};
use super::index::Index;
use super::slice::Slice;
use crate::aggregates::{Filters, Request};
use crate::domain::calendar::PeriodRule;
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
        rule: request.rule,
    }
}

/// Each person's earliest attendance over a history (see [`history`]), and
/// the people reached in it in the order of that day, so that the people
/// first reached in a date range are one run of that order.
pub(super) struct Firsts {
    /// By person: a day number, [`NEVER`] for none.
    days: Vec<i32>,
    /// The people with an attendance, by first day, then id.
    by_day: Vec<u32>,
}

impl Firsts {
    fn new(days: Vec<i32>) -> Self {
        let reached = || (0..days.len() as u32).filter(|p| days[*p as usize] != NEVER);
        let (lo, hi) = reached().fold((i32::MAX, i32::MIN), |(lo, hi), p| {
            let d = days[p as usize];
            (lo.min(d), hi.max(d))
        });
        let span = if lo <= hi { (hi - lo) as usize + 1 } else { 0 };
        // Dates are checked against the calendar (1900 to 2100, about
        // 73,000 days) before they are stored, so the counting sort is the
        // path taken; the comparison sort only keeps a date the calendar
        // never let in from costing memory in proportion to its distance.
        let by_day = if span <= 1 << 20 {
            // A counting sort by day; ids stay in order within a day.
            let mut start = vec![0usize; span + 1];
            for p in reached() {
                start[(days[p as usize] - lo) as usize + 1] += 1;
            }
            for i in 1..start.len() {
                start[i] += start[i - 1];
            }
            let mut out = vec![0u32; start.last().copied().unwrap_or(0)];
            for p in reached() {
                let at = &mut start[(days[p as usize] - lo) as usize];
                out[*at] = p;
                *at += 1;
            }
            out
        } else {
            let mut out: Vec<u32> = reached().collect();
            out.sort_by_key(|p| days[*p as usize]);
            out
        };
        Firsts { days, by_day }
    }

    /// Person `p`'s first day ([`NEVER`] for none).
    fn day_of(&self, p: u32) -> i32 {
        self.days[p as usize]
    }

    /// The people first reached within `lo..=hi`.
    fn reached_within(&self, (lo, hi): (i32, i32)) -> &[u32] {
        let start = self.by_day.partition_point(|p| self.day_of(*p) < lo);
        let end = self.by_day.partition_point(|p| self.day_of(*p) <= hi);
        &self.by_day[start..end.max(start)]
    }
}

/// Each person's earliest attendance over the real events of `history`
/// (see [`history`]), on every core.
pub(super) fn first_days(index: &Index, history: &Request) -> Result<Firsts, ApiError> {
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
    Ok(Firsts::new(first))
}

/// Whether day `d` is in `lo..=hi`.
fn within(d: i32, (lo, hi): (i32, i32)) -> bool {
    d >= lo && d <= hi
}

/// People kept row by row, to count with a period grouping.
struct RowsOf<'a> {
    /// Each row's people, each once (by row id).
    people: &'a [People],
    /// Row ids in (other keys, period) order.
    order: &'a [usize],
    /// Each row's other keys as a dense id.
    kid: &'a [u32],
    first: &'a Firsts,
    range: &'a [(i32, i32)],
    bound: u32,
}

impl RowsOf<'_> {
    /// Per row, its first-time people and its people new to its other
    /// keys, on every core: the rows in order, split between cores only
    /// where the other keys change, each part with its own set of the
    /// people seen under the current other keys.
    fn count(&self, rows: &mut [i64], new_rows: &mut [i64]) {
        let order = self.order;
        let threads = crate::cores::threads();
        let step = order.len().div_ceil(threads).max(1);
        let mut cuts = vec![0];
        let mut at = step;
        while at < order.len() {
            while at < order.len() && self.kid[order[at]] == self.kid[order[at - 1]] {
                at += 1;
            }
            if at < order.len() {
                cuts.push(at);
            }
            at += step;
        }
        cuts.push(order.len());
        let parts = crate::cores::map_parts(cuts.windows(2).map(|w| &order[w[0]..w[1]]), |part| {
            self.count_part(part)
        });
        for (r, firsts, new) in parts.into_iter().flatten() {
            rows[r] = firsts;
            new_rows[r] = new;
        }
    }

    fn count_part(&self, part: &[usize]) -> Vec<(usize, i64, i64)> {
        let mut seen = vec![0u64; (self.bound as usize).div_ceil(64)];
        let mut touched: Vec<u32> = Vec::new();
        let mut current = u32::MAX;
        let mut out = Vec::with_capacity(part.len());
        for &r in part {
            if self.kid[r] != current {
                for t in touched.drain(..) {
                    seen[(t >> 6) as usize] &= !(1u64 << (t & 63));
                }
                current = self.kid[r];
            }
            let (mut firsts, mut new) = (0i64, 0i64);
            if let Some(people) = self.people.get(r) {
                people.each_settled(&mut |p| {
                    if within(self.first.day_of(p), self.range[r]) {
                        firsts += 1;
                    }
                    let (w, b) = ((p >> 6) as usize, 1u64 << (p & 63));
                    if seen[w] & b == 0 {
                        seen[w] |= b;
                        touched.push(p);
                        new += 1;
                    }
                });
            }
            out.push((r, firsts, new));
        }
        out
    }
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
/// Without a period grouping, when the people first reached in the
/// request's dates are at most `list_up_to`, only they are looked up;
/// else every person of the slice is asked for their first day.
/// Cumulative people come from the people new to their row's other keys
/// in each row: the rows of one combination of other keys are visited in
/// period order with a set of the people seen so far (row by row), or each
/// person's earliest row per combination is kept while their rows go by
/// (person by person); the running sums over periods are the cumulative
/// counts.
pub(super) fn count<U: Unique>(
    unique: &mut U,
    combos: &[u64],
    first: &Firsts,
    periods: &Periods,
    bound: u32,
    list_up_to: usize,
) -> Reached {
    let Some((others, numbers)) = &periods.grouped else {
        // Every row's range is the slice's.
        let firsts = first.reached_within(periods.total);
        let (rows, total) = if firsts.len() <= list_up_to {
            unique.counts_among(combos, firsts)
        } else {
            unique.counts_if(combos, |p| within(first.day_of(p), periods.total))
        };
        return Reached {
            rows,
            total,
            cumulative: None,
        };
    };
    let n = combos.len();
    // Other keys as dense ids, rows in (other keys, period) order.
    let mut kid = vec![0u32; n];
    let mut ids: HashMap<u64, u32> = HashMap::new();
    for (r, o) in others.iter().enumerate() {
        let next = ids.len() as u32;
        kid[r] = *ids.entry(*o).or_insert(next);
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|r| (kid[*r], numbers[*r]));
    let mut rows = vec![0i64; n];
    let mut new_rows = vec![0i64; n];
    let mut total = 0i64;
    let mut count_total = |p: u32| {
        if within(first.day_of(p), periods.total) {
            total += 1;
        }
    };
    if U::PERSON_MAJOR {
        // This person's earliest row per other keys.
        let mut current = u32::MAX;
        let mut earliest: Vec<(u32, usize)> = Vec::new();
        unique.visit(
            combos,
            &order,
            &mut |r, p| {
                if within(first.day_of(p), periods.range[r]) {
                    rows[r] += 1;
                }
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
            },
            &mut count_total,
        );
        for (_, e) in earliest.drain(..) {
            new_rows[e] += 1;
        }
    } else {
        unique.visit(combos, &[], &mut |_, _| {}, &mut count_total);
        let people = unique.rows().expect("sets keep people row by row");
        let rows_of = RowsOf {
            people,
            order: &order,
            kid: &kid,
            first,
            range: &periods.range,
            bound,
        };
        rows_of.count(&mut rows, &mut new_rows);
    }
    let cumulative = {
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
        Some(out)
    };
    Reached {
        rows,
        total,
        cumulative,
    }
}

/// The first and last day of period number `n` of a period dimension
/// (months: `year * 12 + month0`; quarters: `year * 4 + quarter0`; years).
pub(super) fn period_days(months_per_period: i32, n: i32, rule: PeriodRule) -> (i32, i32) {
    let first_month = n * months_per_period;
    let first_of = |m: i32| rule.month_start(m).map_or(NEVER, day);
    (
        first_of(first_month),
        first_of(first_month + months_per_period) - 1,
    )
}
