//! Deduplicated aggregates, computed in the database.
//!
//! The unit of counting is the **real event**: a group of reports linked as
//! the same event (`group_seq`), of which only non-deleted reports count. A
//! real event's properties are the union of its reports' properties (its
//! agencies are every reporting agency and co-organiser; its topics, kinds,
//! target groups and areas likewise); its date is its earliest start date;
//! its headcounts are the largest reported; its participants are the union
//! of the reports' participants, and its total is at least their number.
//!
//! A row of a grouping holds every real event that has the row's key among
//! its properties, so a joint event appears in the row of each agency, once
//! in every single-valued grouping, and once in the totals. Unique
//! participants are counted per row and for the totals over the whole slice
//! (never by summing rows).
//!
//! [`compute`] resolves the area filter, has [`sql`] build the one statement
//! (a pure function of the request), runs it through [`crate::db::aggregates`]
//! and assembles the [`Answer`]; [`view`] and [`csv`] write the answer
//! (public tokens read publications instead: `crate::publications`).

pub mod csv;
pub mod dimension;
pub mod drill;
pub mod measure;
pub mod people;
pub mod sql;
pub mod view;

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::aggregates::{PartRow, area_names, load_parts};
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::ApiError;

pub use dimension::{Dimension, GroupBy, MAX_DIMENSIONS};
pub use measure::Measures;

use sql::Part;

/// How events are placed in areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AreaMode {
    /// In the unit valid on the event's start date.
    #[default]
    AsRecorded,
    /// In the unit valid today that succeeded it (default successor for divided units).
    Current,
}

impl FromStr for AreaMode {
    type Err = ApiError;

    /// Parses the `areas` parameter.
    fn from_str(s: &str) -> Result<Self, ApiError> {
        match s {
            "as_recorded" => Ok(Self::AsRecorded),
            "current" => Ok(Self::Current),
            _ => Err(ApiError::field("areas", "must be as_recorded or current")),
        }
    }
}

/// Which engine computed an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// The in-memory reach index.
    Index,
    /// The SQL statement (the reference; also while the index is built).
    Sql,
}

impl Engine {
    /// Its name, as in `meta.engine`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Index => "index",
            Self::Sql => "sql",
        }
    }
}

/// A slice of the data.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Filters {
    /// Start date on or after.
    pub from: Option<NaiveDate>,
    /// Start date on or before.
    pub to: Option<NaiveDate>,
    /// Any of these agencies organised it.
    pub agency: Vec<String>,
    /// Kind.
    #[schema(value_type = Option<String>)]
    pub kind: Option<Kind>,
    /// Topic.
    #[schema(value_type = Option<String>)]
    pub topic: Option<Topic>,
    /// Target group.
    #[schema(value_type = Option<String>)]
    pub target_group: Option<TargetGroup>,
    /// Area code (the unit and everything below it).
    pub area: Option<String>,
    /// Area placement.
    pub areas: AreaMode,
    /// Set by the service for agency tokens: only the real events this
    /// agency reports (a report in the group) or confirmed co-organising.
    /// An agency's own writes then cannot reveal anything about other
    /// agencies' participants; province-wide figures are for viewer tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// What to compute: a slice, grouped.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The slice.
    pub filters: Filters,
    /// The grouping (empty: totals only).
    pub group_by: GroupBy,
    /// How `period:*` keys cut their months (the deployment's rule).
    pub rule: crate::domain::calendar::PeriodRule,
}

/// One row: its keys (in `group_by` order) and its measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Key values, one per dimension (None: the property is absent, e.g. no district).
    pub keys: Vec<Option<String>>,
    /// Names of area keys, parallel to `keys`.
    pub names: Vec<Option<String>>,
    /// Measures.
    pub measures: Measures,
}

/// The answer: rows in key order, and the totals over the whole slice.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Rows.
    pub rows: Vec<Row>,
    /// Totals.
    pub totals: Measures,
}

impl Answer {
    /// The measures whose sum over the rows equals the totals: all the
    /// additive ones when every real event of the slice sits in one row,
    /// else none. Checked on this answer, not assumed. `grouped`: whether
    /// the answer has a grouping (without one there are only totals).
    pub fn additive_measures(&self, grouped: bool) -> Vec<String> {
        if !grouped {
            return measure::additive();
        }
        let sum =
            |f: &dyn Fn(&Measures) -> i64| self.rows.iter().map(|r| f(&r.measures)).sum::<i64>();
        let one_row_each = sum(&|m| m.events) == self.totals.events
            && sum(&|m| m.attendances) == self.totals.attendances;
        if one_row_each {
            measure::additive()
        } else {
            Vec::new()
        }
    }
}

/// The unit ids the area filter's code names (every period); None without
/// an area filter; 422 for an unknown code.
pub fn area_ids(conn: &mut DbConn, filters: &Filters) -> Result<Option<Vec<i64>>, ApiError> {
    let ids: Option<Vec<i64>> = match &filters.area {
        None => None,
        Some(code) => Some(crate::areas::ids_with_code(conn, code)?),
    };
    if ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::field("area", "unknown administrative unit code"));
    }
    Ok(ids)
}

/// Computes rows and totals.
pub fn compute(conn: &mut DbConn, request: &Request) -> Result<Answer, ApiError> {
    let area_ids = area_ids(conn, &request.filters)?;
    let statement = sql::build(crate::db::is_postgres(conn), request, area_ids.as_deref());
    let parts = load_parts(conn, &statement.text, &statement.binds)?;
    let mut answer = assemble(&parts, request);
    name_areas(conn, &request.group_by, &mut answer.rows)?;
    answer
        .rows
        .sort_by(|a, b| (&a.keys, &a.names).cmp(&(&b.keys, &b.names)));
    Ok(answer)
}

/// Joins each row of the statement with its counts of people (separate
/// parts of the statement, matched by key); unnamed area keys are unit ids.
fn assemble(parts: &[PartRow], request: &Request) -> Answer {
    let dims = request.group_by.len();
    let read_first = sql::reads_first(request);
    let by_period = request.group_by.iter().any(|d| d.is_period());
    let key_of = |p: &PartRow| -> Vec<Option<String>> {
        [&p.k0, &p.k1, &p.k2, &p.k3]
            .iter()
            .take(dims)
            .map(|v| (*v).clone())
            .collect()
    };
    type Counts = BTreeMap<Vec<Option<String>>, i64>;
    let (mut uniques, mut firsts, mut cumulative) = (Counts::new(), Counts::new(), Counts::new());
    let (mut unique_total, mut first_total) = (0, 0);
    for p in parts {
        let n = p.uniq.unwrap_or(0);
        match Part::parse(&p.part) {
            Some(Part::UniqueRows) => _ = uniques.insert(key_of(p), n),
            Some(Part::UniqueTotals) => unique_total = n,
            Some(Part::FirstTimeRows) => _ = firsts.insert(key_of(p), n),
            Some(Part::FirstTimeTotals) => first_total = n,
            Some(Part::CumulativeRows) => _ = cumulative.insert(key_of(p), n),
            _ => {}
        }
    }
    let measures_of = |m: &PartRow, unique: i64, first: i64, cumulative: Option<i64>| {
        sums_of(m).measures(unique, first, cumulative)
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut totals = Measures::default();
    for p in parts {
        match Part::parse(&p.part) {
            Some(Part::Totals) => {
                totals = measures_of(
                    p,
                    unique_total,
                    if read_first {
                        first_total
                    } else {
                        unique_total
                    },
                    by_period.then_some(unique_total),
                )
            }
            Some(Part::Rows) => {
                let key = key_of(p);
                let unique = uniques.get(&key).copied().unwrap_or(0);
                let first = if read_first {
                    firsts.get(&key).copied().unwrap_or(0)
                } else {
                    unique
                };
                let cumulative = by_period.then(|| cumulative.get(&key).copied().unwrap_or(0));
                rows.push(Row {
                    names: vec![None; key.len()],
                    keys: key,
                    measures: measures_of(p, unique, first, cumulative),
                });
            }
            _ => {}
        }
    }
    Answer { rows, totals }
}

/// The sums a row of the statement holds.
pub fn sums_of(m: &PartRow) -> measure::Sums {
    measure::Sums {
        events: m.events,
        sessions: m.sessions,
        attendances: m.attendances,
        female: m.female_attendances,
        male: m.male_attendances,
        under_18: m.under_18_attendances,
        identified: m.identified_attendances,
        media_items: m.media_items,
        audience: m.audience,
        lower_bound: m.lower_bound,
        unidentified_max: m.unidentified_max,
    }
}

/// Area keys are unit ids (a code can name different units in different
/// periods); this replaces them by the unit's code and fills its name.
fn name_areas(conn: &mut DbConn, group_by: &[Dimension], rows: &mut [Row]) -> Result<(), ApiError> {
    if !group_by.iter().any(|d| d.is_area()) {
        return Ok(());
    }
    let unit_id = |key: &Option<String>| key.as_ref().and_then(|k| k.parse::<i64>().ok());
    let mut ids: Vec<i64> = Vec::new();
    for r in rows.iter() {
        for (i, d) in group_by.iter().enumerate() {
            if d.is_area()
                && let Some(id) = unit_id(&r.keys[i])
            {
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let units = area_names(conn, &ids)?;
    for r in rows.iter_mut() {
        for (i, d) in group_by.iter().enumerate() {
            if d.is_area() {
                let unit = unit_id(&r.keys[i]).and_then(|id| units.get(&id));
                r.keys[i] = unit.map(|(code, _)| code.clone());
                r.names[i] = unit.map(|(_, name)| name.clone());
            }
        }
    }
    Ok(())
}
