//! Answers an aggregate request from the index, with exactly the semantics
//! of the SQL path (`aggregates::sql`): the slice is the real events any of
//! whose reports matches each filter (the date is the earliest); a row holds
//! every real event with the row's keys among its properties; unique people
//! are counted per row and over the whole slice.
//!
//! How: the month and unit postings narrow the slice to candidate slots,
//! which are checked exactly and scanned on every core. A row is a
//! combination of dense keys (one per dimension). Unique people are counted
//! one of two ways: when there are at most 63 combinations, one small bit
//! mask per person (bit i: in row i; the last bit: in the slice), so each
//! attendance costs one OR; otherwise a set per row that starts as a list
//! and becomes a bitmap when it grows past the bitmap's size.

use std::collections::HashMap;

use super::count::{LIST_ONE_IN, Masks, Sets, Unique};
use super::first::{self, Firsts, Periods, Reached};
use super::index::{Index, RealEvent};
use super::slice::Slice;
use crate::aggregates::measure::Sums;
use crate::aggregates::{Answer, Dimension, Filters, Measures, Request, Row};
use crate::cores;
use crate::domain::calendar::PeriodRule;
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::ApiError;

/// When to use more threads and when masks.
#[derive(Debug, Clone, Copy)]
struct Tuning {
    /// Slices with fewer candidate events are scanned on one thread.
    parallel_from: usize,
    /// Slices with fewer candidate events count people in lists, not masks.
    masks_from: usize,
    /// Masks also list the slice's people while they are at most one in
    /// this many of the index's.
    list_one_in: usize,
    /// Without a period grouping, first-time people are looked up among
    /// the people first reached in the request's dates while those are at
    /// most one in this many of the index's (else every person of the
    /// slice is asked for their first day).
    first_one_in: usize,
}

const TUNING: Tuning = Tuning {
    parallel_from: 50_000,
    masks_from: 2_000,
    list_one_in: LIST_ONE_IN,
    first_one_in: FIRST_ONE_IN,
};
/// See [`Tuning::first_one_in`]: a lookup of one listed person's mask is
/// a random read, a pass over the slice's people reads them in order.
const FIRST_ONE_IN: usize = 16;
/// Answers with at least this many rows write their rows on every core.
const PARALLEL_ROWS: usize = 20_000;
/// Grouping spaces up to this size find rows by table, not hash map.
const TABLE_UP_TO: u64 = 1 << 16;

fn add_opt(sum: &mut Option<i64>, v: Option<i64>) {
    if let Some(v) = v {
        *sum = Some(sum.unwrap_or(0) + v);
    }
}

/// Adds a real event to a row's sums.
fn add(sums: &mut Sums, ev: &RealEvent) {
    sums.events += 1;
    sums.sessions += i64::from(ev.sessions);
    sums.attendances += i64::from(ev.total);
    add_opt(&mut sums.female, ev.female.get());
    add_opt(&mut sums.male, ev.male.get());
    add_opt(&mut sums.under_18, ev.under_18.get());
    sums.identified += i64::from(ev.identified);
    sums.media_items += i64::from(ev.items);
    sums.audience += ev.audience.get().unwrap_or(0);
    sums.lower_bound = sums.lower_bound.max(i64::from(ev.lower));
    sums.unidentified_max += i64::from(ev.extra);
}

/// Adds another part's sums to a row's.
fn merge(sums: &mut Sums, o: &Sums) {
    sums.events += o.events;
    sums.sessions += o.sessions;
    sums.attendances += o.attendances;
    add_opt(&mut sums.female, o.female);
    add_opt(&mut sums.male, o.male);
    add_opt(&mut sums.under_18, o.under_18);
    sums.identified += o.identified;
    sums.media_items += o.media_items;
    sums.audience += o.audience;
    sums.lower_bound = sums.lower_bound.max(o.lower_bound);
    sums.unidentified_max += o.unidentified_max;
}

/// One dimension of the grouping, with its keys made dense (`0..space`).
struct Dim {
    d: Dimension,
    space: u64,
    /// Each key's place in the order of the key texts (empty: the keys'
    /// own order, for periods; areas use the index's unit ranks).
    rank: Vec<u32>,
    /// The first period number (periods only).
    base: i32,
    stride: u64,
}

/// The grouping: dimensions and how rows are found.
struct Plan {
    dims: Vec<Dim>,
    /// Combinations of keys (1 without grouping).
    space: u64,
    /// The dense key of an absent area.
    no_unit: u32,
    /// How period keys cut their months.
    rule: PeriodRule,
}

/// A date's period number in a period dimension (months: `year * 12 +
/// month0`; quarters: `year * 4 + quarter0`; years), in reporting months
/// cut by `rule`.
fn period_of(d: Dimension, date: chrono::NaiveDate, rule: PeriodRule) -> i32 {
    let month = rule.month_index(date);
    match d {
        Dimension::PeriodMonth => month,
        Dimension::PeriodQuarter => month.div_euclid(3),
        _ => month.div_euclid(12),
    }
}

impl Plan {
    fn new(index: &Index, group_by: &[Dimension], rule: PeriodRule) -> Self {
        let no_unit = index.units.len() as u32;
        let mut space = 1u64;
        let mut dims = Vec::with_capacity(group_by.len());
        for d in group_by.iter().rev() {
            let (n, base) = match d {
                Dimension::Agency => (index.agencies.len().max(1) as u64, 0),
                Dimension::Kind => (Kind::ALL.len() as u64, 0),
                Dimension::Topic => (Topic::ALL.len() as u64, 0),
                Dimension::TargetGroup => (TargetGroup::ALL.len() as u64, 0),
                Dimension::AreaProvince | Dimension::AreaDistrict | Dimension::AreaCommune => {
                    (u64::from(no_unit) + 1, 0)
                }
                _ => {
                    // The index's months are calendar months; the last
                    // day of the latest may fall in the next reporting one.
                    let (lo, hi) = index.months.unwrap_or((0, 0));
                    let first_day = |m: i32| {
                        chrono::NaiveDate::from_ymd_opt(
                            m.div_euclid(12),
                            m.rem_euclid(12) as u32 + 1,
                            1,
                        )
                        .expect("a month of the index")
                    };
                    let last_day = first_day(hi + 1).pred_opt().expect("a month of the index");
                    let lo = period_of(*d, first_day(lo), rule);
                    let hi = period_of(*d, last_day, rule);
                    ((hi - lo + 1) as u64, lo)
                }
            };
            let texts: Option<Vec<&str>> = match d {
                Dimension::Agency => Some(index.agencies.iter().map(String::as_str).collect()),
                Dimension::Kind => Some(Kind::ALL.iter().map(|v| v.as_str()).collect()),
                Dimension::Topic => Some(Topic::ALL.iter().map(|v| v.as_str()).collect()),
                Dimension::TargetGroup => {
                    Some(TargetGroup::ALL.iter().map(|v| v.as_str()).collect())
                }
                _ => None,
            };
            let rank = texts.map_or_else(Vec::new, |t| {
                let mut order: Vec<usize> = (0..t.len()).collect();
                order.sort_by_key(|i| t[*i]);
                let mut rank = vec![0; t.len()];
                for (r, i) in order.into_iter().enumerate() {
                    rank[i] = r as u32;
                }
                rank
            });
            dims.push(Dim {
                d: *d,
                space: n,
                rank,
                base,
                stride: space,
            });
            space = space.saturating_mul(n);
        }
        dims.reverse();
        Plan {
            dims,
            space,
            no_unit,
            rule,
        }
    }

    /// The event's dense keys in dimension `dim` (distinct).
    fn keys(&self, slice: &Slice, ev: &RealEvent, dim: &Dim, out: &mut Vec<u32>) {
        out.clear();
        let bits = |bits: u32, out: &mut Vec<u32>| {
            out.extend((0..32).filter(|i| bits & (1u32 << i) != 0));
        };
        match dim.d {
            Dimension::Agency => out.extend_from_slice(slice.index.agencies(ev)),
            Dimension::Kind => bits(ev.kinds, out),
            Dimension::Topic => bits(ev.topics, out),
            Dimension::TargetGroup => bits(ev.targets, out),
            Dimension::AreaProvince | Dimension::AreaDistrict | Dimension::AreaCommune => {
                for a in slice.index.areas(ev) {
                    let u = &slice.index.units[slice.placed(*a) as usize];
                    let k = match dim.d {
                        Dimension::AreaProvince => u.province,
                        Dimension::AreaDistrict => u.district,
                        _ => u.commune,
                    };
                    out.push(k.unwrap_or(self.no_unit));
                }
                out.sort_unstable();
                out.dedup();
            }
            _ => out.push((period_of(dim.d, ev.date, self.rule) - dim.base) as u32),
        }
    }

    /// Every combination of the event's keys (none when a dimension has
    /// no key for it).
    fn combos(&self, slice: &Slice, ev: &RealEvent, keys: &mut [Vec<u32>], out: &mut Vec<u64>) {
        out.clear();
        out.push(0);
        for (dim, k) in self.dims.iter().zip(keys.iter_mut()) {
            self.keys(slice, ev, dim, k);
            let Some((first, rest)) = k.split_first() else {
                out.clear();
                return;
            };
            let n = out.len();
            for i in 0..n {
                let base = out[i];
                out[i] = base + u64::from(*first) * dim.stride;
                for key in rest {
                    out.push(base + u64::from(*key) * dim.stride);
                }
            }
        }
    }

    /// A row's place in the order of its keys' texts (then names), as the
    /// answer lists rows.
    fn order_key(&self, index: &Index, combo: u64) -> ([u32; 4], [u32; 4]) {
        let (mut keys, mut names) = ([0; 4], [0; 4]);
        for ((o, n), dim) in keys.iter_mut().zip(names.iter_mut()).zip(&self.dims) {
            let k = ((combo / dim.stride) % dim.space) as u32;
            *o = if dim.d.is_area() {
                *n = index.unit_rank.get(k as usize).copied().unwrap_or(0);
                index.code_rank.get(k as usize).copied().unwrap_or(0)
            } else if dim.rank.is_empty() {
                k
            } else {
                dim.rank[k as usize]
            };
        }
        (keys, names)
    }

    /// The rows' periods (by row id; `combos` gives each row's
    /// combination), for first-time and cumulative people.
    fn periods(&self, combos: &[u64], filters: &Filters) -> Periods {
        let total = (
            filters.from.map_or(i32::MIN, first::day),
            filters.to.map_or(i32::MAX - 1, first::day),
        );
        let Some(dim) = self.dims.iter().find(|d| d.d.is_period()) else {
            return Periods {
                range: vec![total; combos.len()],
                total,
                grouped: None,
            };
        };
        let months = match dim.d {
            Dimension::PeriodMonth => 1,
            Dimension::PeriodQuarter => 3,
            _ => 12,
        };
        let key = |c: &u64| (c / dim.stride) % dim.space;
        let numbers: Vec<i32> = combos.iter().map(|c| dim.base + key(c) as i32).collect();
        Periods {
            range: numbers
                .iter()
                .map(|n| first::period_days(months, *n, self.rule))
                .collect(),
            total,
            grouped: Some((
                combos.iter().map(|c| c - key(c) * dim.stride).collect(),
                numbers,
            )),
        }
    }

    /// A row's keys and names, as the answer writes them.
    fn row(&self, index: &Index, combo: u64, measures: Measures) -> Row {
        let mut keys = Vec::with_capacity(self.dims.len());
        let mut names = Vec::with_capacity(self.dims.len());
        for dim in &self.dims {
            let k = (combo / dim.stride) % dim.space;
            let idx = k as usize;
            let (key, name) = match dim.d {
                Dimension::Agency => (Some(index.agencies[idx].clone()), None),
                Dimension::Kind => (Some(Kind::ALL[idx].as_str().to_string()), None),
                Dimension::Topic => (Some(Topic::ALL[idx].as_str().to_string()), None),
                Dimension::TargetGroup => (Some(TargetGroup::ALL[idx].as_str().to_string()), None),
                Dimension::AreaProvince | Dimension::AreaDistrict | Dimension::AreaCommune => {
                    match index
                        .units
                        .get(idx)
                        .filter(|_| k != u64::from(self.no_unit))
                    {
                        Some(u) => (Some(u.code.clone()), Some(u.name.clone())),
                        None => (None, None),
                    }
                }
                d => {
                    let p = dim.base + k as i32;
                    let text = match d {
                        Dimension::PeriodMonth => {
                            format!("{:04}-{:02}", p.div_euclid(12), p.rem_euclid(12) + 1)
                        }
                        Dimension::PeriodQuarter => {
                            format!("{:04}-Q{}", p.div_euclid(4), p.rem_euclid(4) + 1)
                        }
                        _ => format!("{p:04}"),
                    };
                    (Some(text), None)
                }
            };
            keys.push(key);
            names.push(name);
        }
        Row {
            keys,
            names,
            measures,
        }
    }
}

/// Rows found by combination: a table for small spaces, else a map.
enum RowIds {
    Table(Vec<u32>),
    Map(HashMap<u64, u32>),
}

/// The sums of one part of the slice, by row.
struct Rows {
    ids: RowIds,
    combos: Vec<u64>,
    sums: Vec<Sums>,
}

impl Rows {
    fn new(space: u64, candidates: usize) -> Self {
        Rows {
            ids: if space <= TABLE_UP_TO.max(4 * candidates as u64) {
                RowIds::Table(vec![u32::MAX; space as usize])
            } else {
                RowIds::Map(HashMap::new())
            },
            combos: Vec::new(),
            sums: Vec::new(),
        }
    }

    /// The row of `combo`, added if new.
    fn id(&mut self, combo: u64) -> usize {
        let next = self.combos.len() as u32;
        let id = match &mut self.ids {
            RowIds::Table(t) => {
                let slot = &mut t[combo as usize];
                if *slot == u32::MAX {
                    *slot = next;
                }
                *slot
            }
            RowIds::Map(m) => *m.entry(combo).or_insert(next),
        };
        if id == next {
            self.combos.push(combo);
            self.sums.push(Sums::default());
        }
        id as usize
    }
}

/// What one part of the slice adds up to.
struct Part<U> {
    totals: Sums,
    rows: Rows,
    unique: U,
}

fn scan<U: Unique>(slice: &Slice, plan: &Plan, slots: &[u32], tuning: Tuning) -> Part<U> {
    let index = slice.index;
    let bound = index.people_bound;
    let mut part = Part {
        totals: Sums::default(),
        rows: Rows::new(plan.space, slots.len()),
        unique: U::new(bound, plan.space, bound as usize / tuning.list_one_in),
    };
    let mut keys: Vec<Vec<u32>> = vec![Vec::new(); plan.dims.len()];
    let mut combos = Vec::new();
    let mut rows = Vec::new();
    for slot in slots {
        let ev = &index.events[*slot as usize];
        if !slice.contains(ev) {
            continue;
        }
        add(&mut part.totals, ev);
        rows.clear();
        combos.clear();
        if !plan.dims.is_empty() {
            plan.combos(slice, ev, &mut keys, &mut combos);
            for c in &combos {
                let id = part.rows.id(*c);
                add(&mut part.rows.sums[id], ev);
                rows.push(id);
            }
        }
        part.unique.add(index.people(ev), &rows, &combos, bound);
    }
    part
}

/// Scans the slots; `first`: each person's first attendance, when
/// first-time people are counted (else every person of a row is).
fn run<U: Unique>(
    slice: &Slice,
    plan: &Plan,
    slots: &[u32],
    tuning: Tuning,
    first: Option<&Firsts>,
) -> Answer {
    let threads = if slots.len() < tuning.parallel_from {
        1
    } else {
        cores::threads()
    };
    // At least one part, even for no slots.
    let mut parts: Vec<Part<U>> =
        cores::map_chunks(slots, threads, |c| scan::<U>(slice, plan, c, tuning));
    let bound = slice.index.people_bound;
    let mut all = parts.remove(0);
    for part in parts {
        merge(&mut all.totals, &part.totals);
        let map: Vec<usize> = part
            .rows
            .combos
            .iter()
            .zip(&part.rows.sums)
            .map(|(combo, sums)| {
                let id = all.rows.id(*combo);
                merge(&mut all.rows.sums[id], sums);
                id
            })
            .collect();
        all.unique.merge(part.unique, &map, bound);
    }
    let combos = &all.rows.combos;
    let by_period = plan.dims.iter().any(|d| d.d.is_period());
    let reached = first.map(|first| {
        let periods = plan.periods(combos, &slice.request.filters);
        let list_up_to = bound as usize / tuning.first_one_in.max(1);
        first::count(&mut all.unique, combos, first, &periods, bound, list_up_to)
    });
    let (per_row, total) = all.unique.counts(combos);
    let first_time = |r: usize| reached.as_ref().map_or(per_row[r], |x| x.rows[r]);
    let cumulative = |r: usize| {
        reached
            .as_ref()
            .and_then(|x| x.cumulative.as_ref())
            .map(|c| c[r])
    };
    let mut order: Vec<usize> = (0..combos.len()).collect();
    order.sort_by_cached_key(|i| plan.order_key(slice.index, combos[*i]));
    let row = |i: &usize| {
        let i = *i;
        plan.row(
            slice.index,
            combos[i],
            all.rows.sums[i].measures(per_row[i], first_time(i), cumulative(i)),
        )
    };
    let threads = if order.len() < PARALLEL_ROWS {
        1
    } else {
        cores::threads()
    };
    let rows: Vec<Row> = cores::map_chunks(&order, threads, |part| {
        part.iter().map(row).collect::<Vec<Row>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let first_total = reached.as_ref().map_or(total, |x: &Reached| x.total);
    Answer {
        rows,
        totals: all
            .totals
            .measures(total, first_total, by_period.then_some(total)),
    }
}

/// Computes rows and totals from the index. `first`: each person's first
/// attendance over the request's history ([`first::history`]), when the
/// caller holds it (computed here otherwise, when the request needs it).
pub(super) fn compute(
    index: &Index,
    request: &Request,
    first: Option<&Firsts>,
) -> Result<Answer, ApiError> {
    compute_with(index, request, TUNING, first)
}

fn compute_with(
    index: &Index,
    request: &Request,
    tuning: Tuning,
    first: Option<&Firsts>,
) -> Result<Answer, ApiError> {
    let started = std::time::Instant::now();
    let slice = Slice::new(index, request)?;
    let plan = Plan::new(index, &request.group_by, request.rule);
    let slots = slice.candidates();
    let owned;
    let first = match first {
        Some(f) => Some(f),
        None if crate::aggregates::sql::reads_first(request) => {
            owned = first::first_days(index, &first::history(request))?;
            Some(&owned)
        }
        None => None,
    };
    let candidates_ms = started.elapsed().as_secs_f64() * 1000.0;
    // One bit per combination and one for the slice.
    let bits = plan.space + 1;
    let answer = if slots.len() < tuning.masks_from || bits > 64 {
        run::<Sets>(&slice, &plan, &slots, tuning, first)
    } else if bits <= 8 {
        run::<Masks<u8>>(&slice, &plan, &slots, tuning, first)
    } else if bits <= 16 {
        run::<Masks<u16>>(&slice, &plan, &slots, tuning, first)
    } else if bits <= 32 {
        run::<Masks<u32>>(&slice, &plan, &slots, tuning, first)
    } else {
        run::<Masks<u64>>(&slice, &plan, &slots, tuning, first)
    };
    log::debug!(
        "reach query: {} candidates ({candidates_ms:.1} ms), {} real events, {} rows, {:.1} ms",
        slots.len(),
        answer.totals.events,
        answer.rows.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use chrono::NaiveDate;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::aggregates::{AreaMode, Filters, GroupBy};
    use crate::db::reach::{ReportRow, ReportSets, UnitRow};

    /// Two provinces with two or three communes each; a successor for one commune.
    fn units() -> Vec<UnitRow> {
        let u = |id: i64, code: &str, p: i64, c: Option<i64>, cur: Option<i64>| UnitRow {
            id,
            code: code.to_string(),
            name: format!("unit {code}"),
            province_id: Some(p),
            district_id: None,
            commune_id: c,
            current_id: cur,
        };
        vec![
            u(10, "01", 10, None, None),
            u(11, "01001", 10, Some(11), None),
            u(12, "01002", 10, Some(12), Some(11)),
            u(20, "02", 20, None, None),
            u(21, "02001", 20, Some(21), None),
            u(22, "02002", 20, Some(22), None),
            // A second unit with a code in use (another period), named
            // so that its name sorts first.
            UnitRow {
                name: "A later 01001".to_string(),
                ..u(13, "01001", 10, Some(13), None)
            },
        ]
    }

    type Reports = (Vec<ReportRow>, HashMap<i64, ReportSets>);

    fn random_index(rng: &mut StdRng, reports: usize) -> Index {
        let (rows, sets) = random_reports(rng, reports);
        let mut index = Index::with_units(units());
        index.insert_reports(&rows, &sets);
        if rng.gen_bool(0.5) {
            index.reorder();
        }
        index
    }

    fn random_reports(rng: &mut StdRng, reports: usize) -> Reports {
        let areas = [10, 11, 12, 13, 20, 21, 22];
        let agencies = ["police", "womens-union", "education", "labour", "health"];
        let mut rows = Vec::new();
        let mut sets = HashMap::new();
        for seq in 1..=reports as i64 {
            // One report in ten joins an earlier report's group.
            let group_seq = if seq > 1 && rng.gen_bool(0.1) {
                rng.gen_range(1..seq)
            } else {
                seq
            };
            let people: Vec<i64> = (0..rng.gen_range(0..12))
                .map(|_| rng.gen_range(1..400))
                .collect();
            let distinct = people.iter().collect::<BTreeSet<_>>().len() as i64;
            let month = rng.gen_range(1..=12);
            let day = rng.gen_range(1..=28);
            rows.push(ReportRow {
                seq,
                group_seq,
                agency: agencies[rng.gen_range(0..agencies.len())].to_string(),
                kind: Kind::ALL[rng.gen_range(0..Kind::ALL.len())]
                    .as_str()
                    .to_string(),
                start_date: NaiveDate::from_ymd_opt(2024, month, day).unwrap(),
                area_id: areas[rng.gen_range(0..areas.len())],
                total: distinct + rng.gen_range(0..30),
                female: rng.gen_bool(0.5).then(|| rng.gen_range(0..10)),
                male: rng.gen_bool(0.5).then(|| rng.gen_range(0..10)),
                under_18: rng.gen_bool(0.3).then(|| rng.gen_range(0..10)),
                identified: distinct,
                sessions: if rng.gen_bool(0.2) {
                    rng.gen_range(2..9)
                } else {
                    1
                },
                declared: rng.gen_bool(0.2).then_some(distinct),
                audience: rng.gen_bool(0.1).then(|| rng.gen_range(0..5000)),
            });
            let mut pick = |all: Vec<&str>| -> Vec<String> {
                all.into_iter()
                    .filter(|_| rng.gen_bool(0.3))
                    .map(str::to_string)
                    .collect()
            };
            let topics = pick(Topic::ALL.iter().map(|t| t.as_str()).collect());
            let target_groups = pick(TargetGroup::ALL.iter().map(|t| t.as_str()).collect());
            let co_organizers = pick(agencies.to_vec());
            sets.insert(
                seq,
                ReportSets {
                    topics,
                    target_groups,
                    co_organizers,
                    participants: people,
                },
            );
        }
        // Groups point at their first report.
        for i in 0..rows.len() {
            let g = rows[i].group_seq;
            rows[i].group_seq = rows[(g - 1) as usize].group_seq;
        }
        (rows, sets)
    }

    /// An index built, laid out again, then patched (reports deleted,
    /// moved to another month, given other people, joined to another
    /// group) answers as an index built from the final reports at once.
    #[test]
    fn a_patched_index_answers_as_a_fresh_one() {
        let mut rng = StdRng::seed_from_u64(11);
        for round in 0..20 {
            let (mut rows, mut sets) = random_reports(&mut rng, 100 + round * 10);
            let mut patched = Index::with_units(units());
            patched.insert_reports(&rows, &sets);
            patched.reorder();
            for _ in 0..5 {
                // As the follower: the groups the changed reports were in
                // (from the index) and are in now.
                let mut changed = Vec::new();
                for _ in 0..10 {
                    let i = rng.gen_range(0..rows.len());
                    changed.push(rows[i].seq);
                    match rng.gen_range(0..4) {
                        0 => {
                            let r = rows.remove(i);
                            sets.remove(&r.seq);
                        }
                        1 => rows[i].start_date = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap(),
                        2 => {
                            let s = sets.get_mut(&rows[i].seq).unwrap();
                            s.participants = vec![rng.gen_range(1..600), rng.gen_range(1..600)];
                        }
                        _ => {
                            let j = rng.gen_range(0..rows.len());
                            rows[i].group_seq = rows[j].group_seq;
                        }
                    }
                }
                let mut touched = patched.groups_of_reports(changed.iter().copied());
                touched.extend(
                    rows.iter()
                        .filter(|r| changed.contains(&r.seq))
                        .map(|r| r.group_seq),
                );
                patched.replace_groups(&touched, &rows, &sets);
            }
            let mut fresh = Index::with_units(units());
            fresh.insert_reports(&rows, &sets);
            for g in [
                "",
                "agency",
                "area:commune,period:month",
                "period:year,kind",
            ] {
                let req = request(&mut rng, g);
                let a = compute(&patched, &req, None).unwrap();
                let b = compute(&fresh, &req, None).unwrap();
                assert_eq!(a.rows, b.rows, "{g}");
                assert_eq!(a.totals, b.totals, "{g}");
            }
        }
    }

    fn request(rng: &mut StdRng, group_by: &str) -> Request {
        let date = |m: u32| NaiveDate::from_ymd_opt(2024, m, 15);
        let from = rng.gen_range(1..=6);
        let to = rng.gen_range(6..=12);
        Request {
            filters: Filters {
                from: rng.gen_bool(0.3).then(|| date(from)).flatten(),
                to: rng.gen_bool(0.3).then(|| date(to)).flatten(),
                area: rng
                    .gen_bool(0.3)
                    .then(|| ["01", "02", "01002", "02001"][from as usize % 4].to_string()),
                areas: if rng.gen_bool(0.5) {
                    AreaMode::Current
                } else {
                    AreaMode::AsRecorded
                },
                kind: rng.gen_bool(0.2).then(|| Kind::ALL[0]),
                ..Filters::default()
            },
            group_by: GroupBy::parse(Some(group_by)).unwrap(),
            rule: if rng.gen_bool(0.5) {
                crate::domain::calendar::PeriodRule::Decree09
            } else {
                crate::domain::calendar::PeriodRule::Calendar
            },
        }
    }

    /// Every way of counting (lists or masks of each width, one thread or
    /// several) gives the same answer, and the slice's unique people equal
    /// the people of its events counted with a plain set.
    #[test]
    fn every_strategy_gives_the_same_answer() {
        let mut rng = StdRng::seed_from_u64(7);
        let groupings = [
            "",
            "agency",
            "kind",
            "area:province",
            "agency,kind",
            "target_group,agency",
            "period:month",
            "period:quarter,agency",
            "area:commune,period:month",
            "topic",
        ];
        let one_thread_lists = Tuning {
            parallel_from: usize::MAX,
            masks_from: usize::MAX,
            list_one_in: LIST_ONE_IN,
            first_one_in: usize::MAX,
        };
        for round in 0..40 {
            let index = random_index(&mut rng, 50 + round * 20);
            for g in groupings {
                let req = request(&mut rng, g);
                let reference = compute_with(&index, &req, one_thread_lists, None).unwrap();
                let slice = Slice::new(&index, &req).unwrap();
                let mut truth = BTreeSet::new();
                for slot in &index.live {
                    let ev = &index.events[slot as usize];
                    if slice.contains(ev) {
                        truth.extend(index.people(ev).iter().copied());
                    }
                }
                assert_eq!(
                    reference.totals.unique_participants,
                    truth.len() as i64,
                    "{g}"
                );
                // Rows in the order of their keys' texts, then names.
                assert!(
                    reference
                        .rows
                        .windows(2)
                        .all(|w| (&w[0].keys, &w[0].names) < (&w[1].keys, &w[1].names)),
                    "{g}"
                );
                for tuning in [
                    // Masks on one thread and several, with their
                    // people listed (always) or not (never).
                    Tuning {
                        parallel_from: usize::MAX,
                        masks_from: 0,
                        list_one_in: 1,
                        first_one_in: 1,
                    },
                    Tuning {
                        parallel_from: usize::MAX,
                        masks_from: 0,
                        list_one_in: usize::MAX,
                        first_one_in: usize::MAX,
                    },
                    Tuning {
                        parallel_from: 0,
                        masks_from: 0,
                        list_one_in: 1,
                        first_one_in: usize::MAX,
                    },
                    Tuning {
                        parallel_from: 0,
                        masks_from: 0,
                        list_one_in: usize::MAX,
                        first_one_in: 1,
                    },
                    Tuning {
                        parallel_from: 0,
                        masks_from: usize::MAX,
                        list_one_in: LIST_ONE_IN,
                        first_one_in: 1,
                    },
                ] {
                    let other = compute_with(&index, &req, tuning, None).unwrap();
                    assert_eq!(other.rows, reference.rows, "{g} {tuning:?}");
                    assert_eq!(other.totals, reference.totals, "{g} {tuning:?}");
                }
            }
        }
    }
}
