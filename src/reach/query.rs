//! Answers an aggregate request from the index, with exactly the semantics
//! of the SQL path (`aggregates::sql`): the slice is the real events any of
//! whose reports matches each filter (the date is the earliest); a row holds
//! every real event with the row's keys among its properties; unique people
//! are counted per row and over the whole slice.

use std::collections::HashMap;

use chrono::Datelike;

use super::index::{Index, RealEvent, bit};
use crate::aggregates::{Answer, AreaMode, Dimension, Measures, Request, Row};
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::ApiError;

/// A key value: an agency's dictionary id, a value's index in its list, a
/// unit id, or a period number; [`NONE`] when the property is absent.
type Key = i64;
const NONE: Key = i64::MIN;

/// Sums of one row (or of the totals).
#[derive(Default)]
struct Acc {
    events: i64,
    attendances: i64,
    female: Option<i64>,
    male: Option<i64>,
    under_18: Option<i64>,
    identified: i64,
    largest: i64,
    people: Vec<u32>,
}

impl Acc {
    fn add(&mut self, ev: &RealEvent, people: &[u32]) {
        let add_opt = |sum: &mut Option<i64>, v: Option<i64>| {
            if let Some(v) = v {
                *sum = Some(sum.unwrap_or(0) + v);
            }
        };
        self.events += 1;
        self.attendances += ev.total;
        add_opt(&mut self.female, ev.female);
        add_opt(&mut self.male, ev.male);
        add_opt(&mut self.under_18, ev.under_18);
        self.identified += ev.identified;
        self.largest = self.largest.max(ev.total);
        self.people.extend_from_slice(people);
    }

    fn measures(mut self) -> Measures {
        self.people.sort_unstable();
        self.people.dedup();
        let unique = self.people.len() as i64;
        Measures {
            events: self.events,
            attendances: self.attendances,
            female_attendances: self.female,
            male_attendances: self.male,
            under_18_attendances: self.under_18,
            identified_attendances: self.identified,
            unique_participants: unique,
            reach_min: unique.max(self.largest),
            reach_max: unique + (self.attendances - self.identified),
        }
    }
}

/// The slice's filters, resolved against the index.
struct Slice<'a> {
    index: &'a Index,
    request: &'a Request,
    /// Agencies of the `agency` filter known to the index (None: no filter).
    agencies: Option<Vec<u16>>,
    /// The scope's agency (None: no scope; Some(None): an agency no event names).
    scope: Option<Option<u16>>,
    /// Units named by the area filter.
    area_ids: Option<&'a [i64]>,
}

impl Slice<'_> {
    fn placed(&self, area: i64) -> i64 {
        match self.request.filters.areas {
            AreaMode::AsRecorded => area,
            AreaMode::Current => self
                .index
                .units
                .get(&area)
                .and_then(|u| u.current)
                .unwrap_or(area),
        }
    }

    fn contains(&self, ev: &RealEvent) -> bool {
        let f = &self.request.filters;
        if f.from.is_some_and(|d| ev.date < d) || f.to.is_some_and(|d| ev.date > d) {
            return false;
        }
        if let Some(list) = &self.agencies
            && !ev.agencies.iter().any(|a| list.contains(a))
        {
            return false;
        }
        match self.scope {
            Some(None) => return false,
            Some(Some(a)) if !ev.agencies.contains(&a) => return false,
            _ => {}
        }
        let has = |bits: u64, b: u64| b == 0 || bits & b != 0;
        let kind = bit(Kind::ALL, f.kind);
        let topic = bit(Topic::ALL, f.topic);
        let target = bit(TargetGroup::ALL, f.target_group);
        if (f.kind.is_some() && !has(ev.kinds, kind))
            || (f.topic.is_some() && !has(ev.topics, topic))
            || (f.target_group.is_some() && !has(ev.targets, target))
        {
            return false;
        }
        if let Some(ids) = self.area_ids {
            let inside = ev.areas.iter().any(|a| {
                let p = self.placed(*a);
                let unit = self.index.units.get(&p);
                ids.contains(&p)
                    || unit.is_some_and(|u| {
                        [u.province, u.district, u.commune]
                            .iter()
                            .any(|x| x.is_some_and(|x| ids.contains(&x)))
                    })
            });
            if !inside {
                return false;
            }
        }
        true
    }

    /// The event's keys in a dimension (distinct).
    fn keys(&self, ev: &RealEvent, d: Dimension, out: &mut Vec<Key>) {
        out.clear();
        let bits = |bits: u64, out: &mut Vec<Key>| {
            out.extend((0..64).filter(|i| bits & (1u64 << i) != 0).map(i64::from));
        };
        match d {
            Dimension::Agency => out.extend(ev.agencies.iter().map(|a| i64::from(*a))),
            Dimension::Kind => bits(ev.kinds, out),
            Dimension::Topic => bits(ev.topics, out),
            Dimension::TargetGroup => bits(ev.targets, out),
            Dimension::AreaProvince | Dimension::AreaDistrict | Dimension::AreaCommune => {
                for a in &ev.areas {
                    let unit = self.index.units.get(&self.placed(*a));
                    let k = unit.and_then(|u| match d {
                        Dimension::AreaProvince => u.province,
                        Dimension::AreaDistrict => u.district,
                        _ => u.commune,
                    });
                    out.push(k.unwrap_or(NONE));
                }
                out.sort_unstable();
                out.dedup();
            }
            Dimension::PeriodMonth => {
                out.push(i64::from(ev.date.year()) * 100 + i64::from(ev.date.month()))
            }
            Dimension::PeriodQuarter => {
                out.push(i64::from(ev.date.year()) * 10 + i64::from(ev.date.month0() / 3 + 1))
            }
            Dimension::PeriodYear => out.push(i64::from(ev.date.year())),
        }
    }

    /// A key as the answer writes it (area keys are unit ids, named later).
    fn key_text(&self, d: Dimension, k: Key) -> Option<String> {
        if k == NONE {
            return None;
        }
        let idx = usize::try_from(k).ok();
        Some(match d {
            Dimension::Agency => self.index.agencies[idx?].clone(),
            Dimension::Kind => Kind::ALL[idx?].as_str().to_string(),
            Dimension::Topic => Topic::ALL[idx?].as_str().to_string(),
            Dimension::TargetGroup => TargetGroup::ALL[idx?].as_str().to_string(),
            Dimension::AreaProvince | Dimension::AreaDistrict | Dimension::AreaCommune => {
                k.to_string()
            }
            Dimension::PeriodMonth => format!("{:04}-{:02}", k / 100, k % 100),
            Dimension::PeriodQuarter => format!("{:04}-Q{}", k / 10, k % 10),
            Dimension::PeriodYear => format!("{k:04}"),
        })
    }
}

/// Advances `at` (one position per dimension) to the next combination of
/// keys; false after the last.
fn next_combination(at: &mut [usize], keys: &[Vec<Key>]) -> bool {
    for i in (0..at.len()).rev() {
        at[i] += 1;
        if at[i] < keys[i].len() {
            return true;
        }
        at[i] = 0;
    }
    false
}

/// Computes rows and totals from the index.
pub fn compute(index: &Index, request: &Request) -> Result<Answer, ApiError> {
    let f = &request.filters;
    let area_ids = match &f.area {
        None => None,
        Some(code) => Some(
            index
                .codes
                .get(code)
                .map(Vec::as_slice)
                .filter(|ids| !ids.is_empty())
                .ok_or_else(|| ApiError::field("area", "unknown administrative unit code"))?,
        ),
    };
    let slice = Slice {
        index,
        request,
        agencies: (!f.agency.is_empty()).then(|| {
            f.agency
                .iter()
                .filter_map(|a| index.known_agency(a))
                .collect()
        }),
        scope: f.scope.as_ref().map(|a| index.known_agency(a)),
        area_ids,
    };
    let dims: &[Dimension] = &request.group_by;
    let mut totals = Acc::default();
    let mut rows: HashMap<[Key; 4], Acc> = HashMap::new();
    let mut keys: Vec<Vec<Key>> = vec![Vec::new(); dims.len()];
    for ev in index.events.iter().flatten() {
        if !slice.contains(ev) {
            continue;
        }
        let people = index.people(ev);
        totals.add(ev, people);
        if dims.is_empty() {
            continue;
        }
        for (i, d) in dims.iter().enumerate() {
            slice.keys(ev, *d, &mut keys[i]);
        }
        if keys.iter().any(Vec::is_empty) {
            continue;
        }
        // Every combination of the event's keys.
        let mut at = [0usize; 4];
        loop {
            let mut key = [NONE; 4];
            for i in 0..dims.len() {
                key[i] = keys[i][at[i]];
            }
            rows.entry(key).or_default().add(ev, people);
            if !next_combination(&mut at[..dims.len()], &keys) {
                break;
            }
        }
    }
    let mut out: Vec<Row> = rows
        .into_iter()
        .map(|(key, acc)| {
            let mut keys = Vec::with_capacity(dims.len());
            let mut names = Vec::with_capacity(dims.len());
            for (i, d) in dims.iter().enumerate() {
                if d.is_area() {
                    let unit = (key[i] != NONE).then(|| index.units.get(&key[i])).flatten();
                    keys.push(unit.map(|u| u.code.clone()));
                    names.push(unit.map(|u| u.name.clone()));
                } else {
                    keys.push(slice.key_text(*d, key[i]));
                    names.push(None);
                }
            }
            Row {
                keys,
                names,
                measures: acc.measures(),
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.keys, &a.names).cmp(&(&b.keys, &b.names)));
    Ok(Answer {
        rows: out,
        totals: totals.measures(),
    })
}
