//! A publication's tables computed from memberships: for each table, which
//! real events and which people each row and the totals count, read with
//! one statement per table built on the aggregate statement's slice (the
//! same `ev`, `slice` and key relations, so the figures are the
//! aggregates'). The cells' values are summed here; disclosure control
//! ([`super::disclosure`]) works on the same memberships.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::aggregates::sql::{key_relation, participants, slice_statement};
use crate::aggregates::{GroupBy, Request, area_ids};

use super::Analysis;
use crate::db::DbConn;
use crate::db::publications::{MemberRow, memberships};
use crate::error::ApiError;

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
}

/// One cell group of a table: a row (its keys, area keys as unit ids) or
/// the totals (no keys), with the real events and people it counts.
#[derive(Debug, Clone, Default)]
pub struct Members {
    /// Key values in `group_by` order (empty for the totals).
    pub keys: Vec<Option<String>>,
    /// Its real events (groups).
    pub events: BTreeSet<i64>,
    /// Its people.
    pub people: BTreeSet<i64>,
}

/// A table's memberships.
#[derive(Debug, Clone, Default)]
pub struct TableMembers {
    /// Rows, by key.
    pub rows: Vec<Members>,
    /// The totals.
    pub totals: Members,
}

/// The membership statement of `request`; with `person_events`, each
/// person's real events too.
fn statement(
    pg: bool,
    request: &Request,
    area_ids: Option<&[i64]>,
    person_events: bool,
) -> (String, Vec<crate::db::raw::Bind>) {
    let (sql, mut text) = slice_statement(pg, request, area_ids);
    let dims = &request.group_by;
    let keys = |anchor: &str| -> (String, String) {
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
            .map(|(i, d)| format!("JOIN {} d{i} ON d{i}.g = {anchor}", key_relation(pg, *d)))
            .collect::<Vec<_>>()
            .join(" ");
        (cols, joins)
    };
    let none4 = "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)";
    let none5 = "CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)";
    let people = participants(pg);
    let mut parts = vec![
        format!(
            "SELECT 'event' AS part, s.g AS id, CAST(NULL AS TEXT) AS k0, CAST(NULL AS TEXT) AS k1, \
             CAST(NULL AS TEXT) AS k2, CAST(NULL AS TEXT) AS k3, CAST(s.total AS BIGINT) AS total, \
             CAST(s.female AS BIGINT) AS female, CAST(s.male AS BIGINT) AS male, \
             CAST(s.under_18 AS BIGINT) AS under_18, CAST(s.identified AS BIGINT) AS identified FROM slice s"
        ),
        format!(
            "SELECT DISTINCT 'person', p.participant_id, {none4}, {none5} FROM ev pe {people} \
             WHERE pe.group_seq IN (SELECT slice.g FROM slice)"
        ),
    ];
    if !dims.is_empty() {
        let (cols, joins) = keys("s.g");
        parts.push(format!(
            "SELECT 'event_row', s.g, {cols}, {none5} FROM slice s {joins}"
        ));
        let (cols, joins) = keys("pe.group_seq");
        parts.push(format!(
            "SELECT DISTINCT 'person_row', p.participant_id, {cols}, {none5} FROM ev pe {people} {joins} \
             WHERE pe.group_seq IN (SELECT slice.g FROM slice)"
        ));
    }
    if person_events {
        parts.push(format!(
            "SELECT DISTINCT 'person_event', p.participant_id, CAST(pe.group_seq AS TEXT), \
             CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), {none5} FROM ev pe {people} \
             WHERE pe.group_seq IN (SELECT slice.g FROM slice)"
        ));
    }
    text.push(' ');
    text.push_str(&parts.join(" UNION ALL "));
    (text, sql.binds)
}

/// Reads a table's memberships, and adds its events' figures to `figures`.
pub fn load(
    conn: &mut DbConn,
    request: &Request,
    figures: &mut HashMap<i64, Figures>,
) -> Result<TableMembers, ApiError> {
    let ids = area_ids(conn, &request.filters)?;
    let (text, binds) = statement(crate::db::is_postgres(conn), request, ids.as_deref(), false);
    let rows = memberships(conn, &text, &binds)?;
    let n = request.group_by.len();
    let key_of = |r: &MemberRow| -> Vec<Option<String>> {
        [&r.k0, &r.k1, &r.k2, &r.k3]
            .into_iter()
            .take(n)
            .cloned()
            .collect()
    };
    let mut out = TableMembers::default();
    let mut by_key: BTreeMap<Vec<Option<String>>, Members> = BTreeMap::new();
    for r in &rows {
        match r.part.as_str() {
            "event" => {
                out.totals.events.insert(r.id);
                figures.entry(r.id).or_insert(Figures {
                    total: r.total.unwrap_or(0),
                    female: r.female,
                    male: r.male,
                    under_18: r.under_18,
                    identified: r.identified.unwrap_or(0),
                });
            }
            "person" => {
                out.totals.people.insert(r.id);
            }
            "event_row" | "person_row" => {
                let key = key_of(r);
                let m = by_key.entry(key.clone()).or_insert_with(|| Members {
                    keys: key,
                    ..Members::default()
                });
                if r.part == "event_row" {
                    m.events.insert(r.id);
                } else {
                    m.people.insert(r.id);
                }
            }
            "person_event" => {}
            other => return Err(ApiError::internal(format!("membership part {other}"))),
        }
    }
    out.rows = by_key.into_values().collect();
    Ok(out)
}

/// Reads an overlap or frequency table's memberships: its rows are people
/// only (`keys`: the row's label and value), its totals the slice's people.
pub fn load_people(
    conn: &mut DbConn,
    request: &Request,
    analysis: Analysis,
) -> Result<TableMembers, ApiError> {
    let ids = area_ids(conn, &request.filters)?;
    let by_agency = Request {
        filters: request.filters.clone(),
        group_by: GroupBy::parse(Some("agency"))?,
    };
    let frequency = analysis == Analysis::Frequency;
    let (text, binds) = statement(
        crate::db::is_postgres(conn),
        &by_agency,
        ids.as_deref(),
        frequency,
    );
    let rows = memberships(conn, &text, &binds)?;
    let mut people: BTreeSet<i64> = BTreeSet::new();
    let mut agencies: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut events: BTreeMap<i64, i64> = BTreeMap::new();
    for r in &rows {
        match r.part.as_str() {
            "person" => {
                people.insert(r.id);
            }
            "person_row" => {
                if let Some(a) = &r.k0 {
                    agencies.entry(r.id).or_default().insert(a.clone());
                }
            }
            "person_event" => *events.entry(r.id).or_default() += 1,
            _ => {}
        }
    }
    let mut cells: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
    for p in &people {
        if frequency {
            let n = events.get(p).copied().unwrap_or(0);
            let label = if n >= crate::analytics::EVENTS_AT_LEAST {
                format!("{}+", crate::analytics::EVENTS_AT_LEAST)
            } else {
                n.to_string()
            };
            cells
                .entry(("events".into(), label))
                .or_default()
                .insert(*p);
        } else {
            let set: Vec<&String> = agencies
                .get(p)
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            let joined = set.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(";");
            cells
                .entry(("combination".into(), joined))
                .or_default()
                .insert(*p);
            for (i, a) in set.iter().enumerate() {
                for b in &set[i + 1..] {
                    cells
                        .entry(("pair".into(), format!("{a};{b}")))
                        .or_default()
                        .insert(*p);
                }
            }
        }
    }
    Ok(TableMembers {
        rows: cells
            .into_iter()
            .map(|((label, value), people)| Members {
                keys: vec![Some(label), Some(value)],
                events: BTreeSet::new(),
                people,
            })
            .collect(),
        totals: Members {
            keys: Vec::new(),
            events: BTreeSet::new(),
            people,
        },
    })
}
