//! A publication's tables computed from memberships: for each table, which
//! real events each row and the totals count, read with one statement per
//! table built on the aggregate statement's slice (the same `ev`, `slice`
//! and key relations, so the figures are the aggregates'); and, once for
//! the whole period, the people of each real event, from which each cell's
//! people follow (a person is in a row when they attended one of its real
//! events). The cells' values are summed in `cells`; disclosure control
//! works on the same memberships.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use crate::aggregates::sql::{key_relation, participants, slice_statement};
use crate::aggregates::{Filters, GroupBy, Request, area_ids};
use crate::db::DbConn;
use crate::db::publications::{
    MemberRow, first_days as load_first_days, memberships, people_of as load_pairs,
};
use crate::db::raw::Bind;
use crate::error::ApiError;
use crate::periods::Period;
use chrono::NaiveDate;

use super::Analysis;

/// A real event's figures (the same for every table: they do not depend
/// on the filters).
#[derive(Debug, Clone, Copy, Default)]
pub struct Figures {
    /// People present (at least its identified people).
    pub total: i64,
    /// Women present, if reported.
    pub female: Option<i64>,
    /// Men present, if reported.
    pub male: Option<i64>,
    /// Under-18s present, if reported.
    pub under_18: Option<i64>,
    /// Distinct identified people.
    pub identified: i64,
    /// Sessions (mass media excluded).
    pub sessions: i64,
    /// Mass-media items.
    pub media_items: i64,
    /// Mass-media audience.
    pub audience: i64,
    /// How many more than its identified people it may have reached.
    pub unidentified_max: i64,
}

/// One cell group of a table: a row (its keys, area keys as unit ids) or
/// the totals (no keys), with the real events and people it counts, each
/// sorted and distinct.
#[derive(Debug, Clone, Default)]
pub struct Members {
    /// Key values in `group_by` order (empty for the totals).
    pub keys: Vec<Option<String>>,
    /// Its real events (groups).
    pub events: Vec<i64>,
    /// Its people.
    pub people: Vec<i64>,
    /// Its people first reached in the period (aggregate tables only).
    pub first_time: Vec<i64>,
}

/// A table's memberships.
#[derive(Debug, Clone, Default)]
pub struct TableMembers {
    /// Rows, by key.
    pub rows: Vec<Members>,
    /// The totals.
    pub totals: Members,
}

/// The people of each real event of the period (sorted).
pub type PeopleOf = HashMap<i64, Vec<i64>>;

/// What the tables of one publishing run read once and share: each real
/// event's figures (the same for every table), and each history's first
/// days (tables with the same filters share one; a publication's default
/// tables read two histories, not five).
#[derive(Debug, Default)]
pub struct Memo {
    /// Figures by real event.
    pub figures: HashMap<i64, Figures>,
    /// First days by history (its filters and the day they count from).
    firsts: HashMap<String, Rc<HashMap<i64, NaiveDate>>>,
}

/// Reads the people of every real event of `period` (a request over the
/// whole period: every table's slice is within it).
pub fn people_of(conn: &mut DbConn, period: &Request) -> Result<PeopleOf, ApiError> {
    let pg = crate::db::is_postgres(conn);
    let ids = area_ids(conn, &period.filters)?;
    let (sql, mut text) = slice_statement(pg, period, ids.as_deref());
    text.push_str(&format!(
        " SELECT DISTINCT pe.group_seq AS g, p.participant_id AS pid FROM ev pe {} \
         WHERE pe.group_seq IN (SELECT slice.g FROM slice)",
        participants(pg)
    ));
    let mut out: PeopleOf = HashMap::new();
    for pair in load_pairs(conn, &text, &sql.binds)? {
        out.entry(pair.g).or_default().push(pair.pid);
    }
    for people in out.values_mut() {
        people.sort_unstable();
        people.dedup();
    }
    Ok(out)
}

/// The people of `events`, sorted and distinct.
fn people_in(events: &[i64], people_of: &PeopleOf) -> Vec<i64> {
    let mut out: Vec<i64> = events
        .iter()
        .filter_map(|g| people_of.get(g))
        .flatten()
        .copied()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The statement of a table's real events (with their figures) and of its
/// rows' real events (with the rows' keys).
fn statement(
    pg: bool,
    request: &Request,
    area_ids: Option<&[i64]>,
) -> (String, Vec<crate::db::raw::Bind>) {
    let (sql, mut text) = slice_statement(pg, request, area_ids);
    let dims = &request.group_by;
    let none9 = ["CAST(NULL AS BIGINT)"; 9].join(", ");
    let mut parts = vec![
        "SELECT 'event' AS part, s.g AS id, CAST(NULL AS TEXT) AS k0, CAST(NULL AS TEXT) AS k1, \
         CAST(NULL AS TEXT) AS k2, CAST(NULL AS TEXT) AS k3, CAST(s.total AS BIGINT) AS total, \
         CAST(s.female AS BIGINT) AS female, CAST(s.male AS BIGINT) AS male, \
         CAST(s.under_18 AS BIGINT) AS under_18, CAST(s.identified AS BIGINT) AS identified, \
         CAST(s.sessions AS BIGINT) AS sessions, CAST(s.items AS BIGINT) AS media_items, \
         CAST(s.audience AS BIGINT) AS audience, CAST(s.extra AS BIGINT) AS unidentified_max FROM slice s"
            .to_string(),
    ];
    if !dims.is_empty() {
        let cols = (0..4)
            .map(|i| {
                if i < dims.len() {
                    format!("CAST(d{i}.k AS TEXT)")
                } else {
                    "CAST(NULL AS TEXT)".into()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let joins = dims
            .iter()
            .enumerate()
            .map(|(i, d)| {
                format!(
                    "JOIN {} d{i} ON d{i}.g = s.g",
                    key_relation(pg, *d, request.rule)
                )
            })
            .collect::<Vec<_>>()
            .join(" ");
        parts.push(format!(
            "SELECT 'event_row', s.g, {cols}, {none9} FROM slice s {joins}"
        ));
    }
    text.push(' ');
    text.push_str(&parts.join(" UNION ALL "));
    (text, sql.binds)
}

/// Each row's real events, by the row's keys.
type RowEvents = BTreeMap<Vec<Option<String>>, Vec<i64>>;

/// A table's real events and rows (area keys as unit ids), with its
/// events' figures added to `figures`.
fn events_and_rows(
    conn: &mut DbConn,
    request: &Request,
    figures: &mut HashMap<i64, Figures>,
) -> Result<(Vec<i64>, RowEvents), ApiError> {
    let ids = area_ids(conn, &request.filters)?;
    let (text, binds) = statement(crate::db::is_postgres(conn), request, ids.as_deref());
    let rows = memberships(conn, &text, &binds)?;
    let n = request.group_by.len();
    let key_of = |r: &MemberRow| -> Vec<Option<String>> {
        [&r.k0, &r.k1, &r.k2, &r.k3]
            .into_iter()
            .take(n)
            .cloned()
            .collect()
    };
    let mut events = Vec::new();
    let mut by_key = RowEvents::new();
    for r in &rows {
        match r.part.as_str() {
            "event" => {
                events.push(r.id);
                figures.entry(r.id).or_insert(Figures {
                    total: r.total.unwrap_or(0),
                    female: r.female,
                    male: r.male,
                    under_18: r.under_18,
                    identified: r.identified.unwrap_or(0),
                    sessions: r.sessions.unwrap_or(0),
                    media_items: r.media_items.unwrap_or(0),
                    audience: r.audience.unwrap_or(0),
                    unidentified_max: r.unidentified_max.unwrap_or(0),
                });
            }
            "event_row" => by_key.entry(key_of(r)).or_default().push(r.id),
            other => return Err(ApiError::internal(format!("membership part {other}"))),
        }
    }
    events.sort_unstable();
    for evs in by_key.values_mut() {
        evs.sort_unstable();
        evs.dedup();
    }
    Ok((events, by_key))
}

/// Reads an aggregate table's memberships, and adds its events' figures
/// to the memo.
pub fn load(
    conn: &mut DbConn,
    request: &Request,
    memo: &mut Memo,
    people_of: &PeopleOf,
) -> Result<TableMembers, ApiError> {
    let (events, by_key) = events_and_rows(conn, request, &mut memo.figures)?;
    let first = first_days(conn, request, memo)?;
    let from = request.filters.from;
    let members = |keys: Vec<Option<String>>, events: Vec<i64>| {
        // A row's period is its period key's, else the table's (as the
        // aggregates count a row's first-time people).
        let starts = request
            .group_by
            .iter()
            .zip(&keys)
            .find(|(d, _)| d.is_period())
            .and_then(|(_, k)| Period::parse(k.as_deref()?, request.rule).ok())
            .map(|p| p.starts_on())
            .or(from);
        let people = people_in(&events, people_of);
        let first_time = people
            .iter()
            .copied()
            .filter(|p| first.get(p).is_some_and(|d| Some(*d) >= starts))
            .collect();
        Members {
            keys,
            people,
            first_time,
            events,
        }
    };
    Ok(TableMembers {
        rows: by_key
            .into_iter()
            .map(|(keys, events)| members(keys, events))
            .collect(),
        totals: members(Vec::new(), events),
    })
}

/// The day each person reached in `request`'s period was first reached:
/// their earliest attendance at a real event matching its other filters,
/// at any date up to its end (as the aggregates'
/// `first_time_participants`). People first reached before its start are
/// left out: they are first-time in none of its rows (a table keyed by
/// a period reads every first day: a year's row counts people first
/// reached in that year).
fn first_days(
    conn: &mut DbConn,
    request: &Request,
    memo: &mut Memo,
) -> Result<Rc<HashMap<i64, NaiveDate>>, ApiError> {
    if request.filters.from.is_none() {
        return Ok(Rc::default());
    }
    // Rows keyed by a period may start before the table's `from`.
    let since = if request.group_by.iter().any(|d| d.is_period()) {
        None
    } else {
        request.filters.from
    };
    let history = Request {
        filters: Filters {
            from: None,
            ..request.filters.clone()
        },
        group_by: GroupBy::default(),
        rule: request.rule,
    };
    let key = format!("{:?}|{since:?}", history.filters);
    if let Some(days) = memo.firsts.get(&key) {
        return Ok(days.clone());
    }
    let pg = crate::db::is_postgres(conn);
    let ids = area_ids(conn, &history.filters)?;
    let (mut sql, mut text) = slice_statement(pg, &history, ids.as_deref());
    let having = since
        .map(|d| format!(" HAVING MIN(h.d) >= {}", sql.bind(Bind::Date(d))))
        .unwrap_or_default();
    text.push_str(&format!(
        " SELECT p.participant_id AS pid, CAST(MIN(h.d) AS TEXT) AS d FROM slice h \
         JOIN ev pe ON pe.group_seq = h.g {} GROUP BY p.participant_id{having}",
        participants(pg)
    ));
    let days: HashMap<i64, NaiveDate> = load_first_days(conn, &text, &sql.binds)?
        .into_iter()
        .map(|r| {
            let day = r.d.get(..10).and_then(|d| d.parse().ok()).ok_or_else(|| {
                ApiError::internal(format!("a first day that is not a date: {}", r.d))
            })?;
            Ok((r.pid, day))
        })
        .collect::<Result<_, ApiError>>()?;
    let days = Rc::new(days);
    memo.firsts.insert(key, days.clone());
    Ok(days)
}

/// Reads an overlap or frequency table's memberships: its rows are people
/// only (`keys`: the row's label and value), its totals the slice's people.
pub fn load_people(
    conn: &mut DbConn,
    request: &Request,
    analysis: Analysis,
    figures: &mut HashMap<i64, Figures>,
    people_of: &PeopleOf,
) -> Result<TableMembers, ApiError> {
    let by_agency = Request {
        filters: request.filters.clone(),
        group_by: GroupBy::parse(Some("agency"))?,
        rule: request.rule,
    };
    let (events, by_key) = events_and_rows(conn, &by_agency, figures)?;
    // Each real event's organisers, as indices into `agencies`.
    let agencies: Vec<String> = by_key.keys().filter_map(|k| k[0].clone()).collect();
    let mut organisers: HashMap<i64, Vec<u16>> = HashMap::new();
    for (i, (_, evs)) in by_key.iter().enumerate() {
        for g in evs {
            organisers.entry(*g).or_default().push(i as u16);
        }
    }
    // Per person: the agencies that reached them and how many real events.
    let mut reached: HashMap<i64, (BTreeSet<u16>, i64)> = HashMap::new();
    for g in &events {
        for p in people_of.get(g).into_iter().flatten() {
            let e = reached.entry(*p).or_default();
            e.0.extend(organisers.get(g).into_iter().flatten().copied());
            e.1 += 1;
        }
    }
    let mut cells: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for (p, (set, n)) in &reached {
        if analysis == Analysis::Frequency {
            let label = if *n >= crate::analytics::EVENTS_AT_LEAST {
                format!("{}+", crate::analytics::EVENTS_AT_LEAST)
            } else {
                n.to_string()
            };
            cells.entry(("events".into(), label)).or_default().push(*p);
            continue;
        }
        let names: Vec<&str> = set.iter().map(|i| agencies[*i as usize].as_str()).collect();
        cells
            .entry(("combination".into(), names.join(";")))
            .or_default()
            .push(*p);
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                cells
                    .entry(("pair".into(), format!("{a};{b}")))
                    .or_default()
                    .push(*p);
            }
        }
    }
    Ok(TableMembers {
        rows: cells
            .into_iter()
            .map(|((label, value), mut people)| {
                people.sort_unstable();
                Members {
                    keys: vec![Some(label), Some(value)],
                    events: Vec::new(),
                    people,
                    first_time: Vec::new(),
                }
            })
            .collect(),
        // The slice's real events: the frequency relation (buckets times
        // events = identified person-times) is checked over them.
        totals: Members {
            keys: Vec::new(),
            people: people_in(&events, people_of),
            first_time: Vec::new(),
            events,
        },
    })
}
