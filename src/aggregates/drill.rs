//! Drill-down (`GET /api/v1/aggregates/events`): the real events behind one
//! row of an aggregate answer, with the reports the caller may see.
//!
//! A row is the slice (the filters) narrowed by its keys. The keys that are
//! also filters (`agency`, `kind`, `topic`, `target_group`) narrow the same
//! way as the filters do, so they are passed as filters; the others
//! (`province`, `district`, `commune`, `period`) are matched against the
//! very `(g, k)` relations the aggregate statement groups by
//! ([`super::sql::key_relation`]). The events are read from the same
//! `slice` CTE, and each event's figures with the same expressions as a
//! row's measures, so the listed events add up to the row by construction
//! (the tests check it against independent ground truth).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{BOUNDS, key_relation, slice_statement};
use super::{Dimension, Filters, GroupBy, Request, area_ids};
use crate::db::DbConn;
use crate::db::aggregates::{PartRow, load_parts};
use crate::db::event_links;
use crate::db::events as table;
use crate::db::raw::Bind;
use crate::error::ApiError;
use crate::events::{EventOut, Reader};

/// The keys of a row that are not filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowKeys {
    /// Province code (`area:province` rows).
    pub province: Option<String>,
    /// District code.
    pub district: Option<String>,
    /// Commune code.
    pub commune: Option<String>,
    /// Period (`period:*` rows): `2025-07`, `2025-Q3` or `2025`.
    pub period: Option<String>,
    /// The names of the area keys' units, in province, district, commune
    /// order: when several units carried one code (before and after the
    /// 2025 reform), the row's name picks its unit.
    pub names: [Option<String>; 3],
}

/// A row to drill into: the slice and its keys.
#[derive(Debug, Clone)]
pub struct Drill {
    /// The slice, with the keys that are filters (and the caller's scope).
    pub filters: Filters,
    /// The other keys.
    pub keys: RowKeys,
    /// How the `period` key cuts its months.
    pub rule: crate::domain::calendar::PeriodRule,
}

/// One real event's figures: its share of the row's additive measures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct EventFigures {
    /// Sessions it covered (0 for a mass-media record).
    pub sessions: i64,
    /// Person-times (the largest reported, at least its identified people;
    /// 0 for a mass-media record).
    pub attendances: i64,
    /// Women present, where reported.
    pub female_attendances: Option<i64>,
    /// Men present, where reported.
    pub male_attendances: Option<i64>,
    /// Under-18s present, where reported.
    pub under_18_attendances: Option<i64>,
    /// Distinct identified people of its reports.
    pub identified_attendances: i64,
    /// Mass-media items (0 for other records).
    pub media_items: i64,
    /// A mass-media record's estimated audience (0 for others).
    pub audience: i64,
}

/// The listed events' totals: equal to the row's additive measures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DrillTotals {
    /// Real events (the row's `events`).
    pub events: i64,
    /// Their figures summed (the row's `attendances`, ...).
    #[serde(flatten)]
    pub figures: EventFigures,
}

/// One real event behind the row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrillEvent {
    /// Its earliest start date (the date aggregates file it under).
    pub start_date: NaiveDate,
    /// Its figures, as the row counts them.
    #[serde(flatten)]
    pub figures: EventFigures,
    /// Its live reports the caller may see: every report for an admin; an
    /// agency's own and those it confirmed co-organising.
    pub reports: Vec<EventOut>,
    /// Its other live reports (other agencies' linked reports), counted
    /// but not shown.
    pub hidden_reports: usize,
}

/// A page of the events behind a row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrillPage {
    /// Real events, in a fixed order.
    pub items: Vec<DrillEvent>,
    /// Over every page: the row's events and additive measures.
    pub totals: DrillTotals,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl RowKeys {
    /// The dimensions these keys are in, with the condition each puts on
    /// `(g, k)`: area codes as unit ids, periods as written.
    fn conditions(
        &self,
        conn: &mut DbConn,
        rule: crate::domain::calendar::PeriodRule,
    ) -> Result<Vec<(Dimension, Vec<Bind>)>, ApiError> {
        let mut out = Vec::new();
        for ((field, dim, code), name) in [
            ("province", Dimension::AreaProvince, &self.province),
            ("district", Dimension::AreaDistrict, &self.district),
            ("commune", Dimension::AreaCommune, &self.commune),
        ]
        .into_iter()
        .zip(&self.names)
        {
            let Some(code) = code else {
                if name.is_some() {
                    return Err(ApiError::field(
                        format!("{field}_name"),
                        format!("only with {field}"),
                    ));
                }
                continue;
            };
            let mut ids = crate::db::areas::ids_with_code(conn, code)?;
            if ids.is_empty() {
                return Err(ApiError::field(field, "unknown administrative unit code"));
            }
            if let Some(name) = name {
                let names = crate::db::aggregates::area_names(conn, &ids)?;
                ids.retain(|id| names.get(id).is_some_and(|(_, n)| n == name));
                if ids.is_empty() {
                    return Err(ApiError::field(
                        format!("{field}_name"),
                        format!("no unit {code} has this name"),
                    ));
                }
            }
            out.push((dim, ids.into_iter().map(Bind::Int).collect()));
        }
        if let Some(p) = &self.period {
            let period = crate::periods::Period::parse(p, rule)
                .map_err(|m: String| ApiError::field("period", m))?;
            let dim = match period.as_str().len() {
                4 => Dimension::PeriodYear,
                7 if period.as_str().contains('Q') => Dimension::PeriodQuarter,
                _ => Dimension::PeriodMonth,
            };
            out.push((dim, vec![Bind::Text(period.as_str().to_string())]));
        }
        Ok(out)
    }
}

/// The real events of the row after real event `after` (its group), at
/// most `limit`, with the totals over all of them.
pub fn events(
    conn: &mut DbConn,
    reader: &Reader,
    drill: &Drill,
    after: Option<i64>,
    limit: i64,
) -> Result<(Vec<DrillEvent>, DrillTotals, Option<i64>), ApiError> {
    let conditions = drill.keys.conditions(conn, drill.rule)?;
    let dims: Vec<&str> = conditions.iter().map(|(d, _)| d.as_str()).collect();
    let request = Request {
        filters: drill.filters.clone(),
        group_by: GroupBy::parse(Some(&dims.join(",")))?,
        rule: drill.rule,
    };
    let areas = area_ids(conn, &request.filters)?;
    let pg = crate::db::is_postgres(conn);
    let (mut sql, mut text) = slice_statement(pg, &request, areas.as_deref());
    let mut hit = vec!["SELECT s.g FROM slice s WHERE 1 = 1".to_string()];
    for (dim, values) in &conditions {
        let list = values
            .iter()
            .map(|v| sql.bind(v.clone()))
            .collect::<Vec<_>>()
            .join(", ");
        hit.push(format!(
            "s.g IN (SELECT r.g FROM {} r WHERE r.k IN ({list}))",
            key_relation(pg, *dim, drill.rule)
        ));
    }
    let measures = super::measure::summed()
        .map(|(name, s)| format!("{} AS {name}", s.expr))
        .collect::<Vec<_>>()
        .join(", ");
    let after_clause = match after {
        Some(g) => format!(" AND s.g > {}", sql.bind(Bind::Int(g))),
        None => String::new(),
    };
    let page_limit = sql.bind(Bind::Int(limit + 1));
    text.push_str(&format!(
        ", hits AS ({}) \
         SELECT * FROM (SELECT 'rows' AS part, CAST(s.g AS TEXT) AS k0, CAST(s.d AS TEXT) AS k1, \
         CAST(NULL AS TEXT) AS k2, CAST(NULL AS TEXT) AS k3, {measures}, {BOUNDS}, \
         CAST(NULL AS BIGINT) AS uniq FROM slice s WHERE s.g IN (SELECT g FROM hits){after_clause} \
         GROUP BY s.g, s.d ORDER BY s.g LIMIT {page_limit}) page \
         UNION ALL SELECT 'totals', CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
         CAST(NULL AS TEXT), {measures}, {BOUNDS}, CAST(NULL AS BIGINT) \
         FROM slice s WHERE s.g IN (SELECT g FROM hits)",
        hit.join(" AND ")
    ));
    let parts = load_parts(conn, &text, &sql.binds)?;
    let mut totals = DrillTotals::default();
    let mut rows: Vec<(i64, NaiveDate, EventFigures)> = Vec::new();
    for p in &parts {
        if p.part == "totals" {
            totals = DrillTotals {
                events: p.events,
                figures: figures(p),
            };
            continue;
        }
        let g =
            p.k0.as_deref()
                .and_then(|g| g.parse().ok())
                .ok_or_else(|| ApiError::internal("drill-down row without its event"))?;
        let day =
            p.k1.as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok())
                .ok_or_else(|| ApiError::internal("drill-down row without its date"))?;
        rows.push((g, day, figures(p)));
    }
    rows.sort_by_key(|r| r.0);
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0)
    } else {
        None
    };
    let groups: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut reports = reports_of(conn, &groups)?;
    let items = rows
        .into_iter()
        .map(|(g, start_date, figures)| {
            let all = reports.remove(&g).unwrap_or_default();
            let total = all.len();
            let reports: Vec<EventOut> = all.into_iter().filter(|r| reader.sees(r)).collect();
            DrillEvent {
                start_date,
                figures,
                hidden_reports: total - reports.len(),
                reports,
            }
        })
        .collect();
    Ok((items, totals, next))
}

fn figures(p: &PartRow) -> EventFigures {
    EventFigures {
        attendances: p.attendances,
        female_attendances: p.female_attendances,
        male_attendances: p.male_attendances,
        under_18_attendances: p.under_18_attendances,
        identified_attendances: p.identified_attendances,
        sessions: p.sessions,
        media_items: p.media_items,
        audience: p.audience,
    }
}

/// The live reports of real-event `groups`, by group.
fn reports_of(conn: &mut DbConn, groups: &[i64]) -> Result<BTreeMap<i64, Vec<EventOut>>, ApiError> {
    let seqs: Vec<i64> = event_links::live_members(conn, groups)?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let rows = table::by_seqs(conn, &seqs)?;
    let group_of: Vec<i64> = rows.iter().map(|r| r.group_seq).collect();
    let mut out: BTreeMap<i64, Vec<EventOut>> = BTreeMap::new();
    for (g, view) in group_of
        .into_iter()
        .zip(crate::events::view::views(conn, rows)?)
    {
        out.entry(g).or_default().push(view);
    }
    Ok(out)
}
