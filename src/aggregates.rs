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

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::raw::{Bind, Sql, load};
use crate::error::ApiError;

/// A dimension rows can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Reporting and co-organising agencies.
    Agency,
    /// Kind of event.
    Kind,
    /// Topic.
    Topic,
    /// Target group.
    TargetGroup,
    /// Province containing the event's unit.
    AreaProvince,
    /// District containing the event's unit (none after the 2025 reform).
    AreaDistrict,
    /// Commune of the event's unit.
    AreaCommune,
    /// Calendar month of the start date (`2024-03`).
    PeriodMonth,
    /// Quarter (`2024-Q1`).
    PeriodQuarter,
    /// Year (`2024`).
    PeriodYear,
}

impl Dimension {
    /// Parses one `group_by` item.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "agency" => Self::Agency,
            "kind" => Self::Kind,
            "topic" => Self::Topic,
            "target_group" => Self::TargetGroup,
            "area:province" => Self::AreaProvince,
            "area:district" => Self::AreaDistrict,
            "area:commune" => Self::AreaCommune,
            "period:month" => Self::PeriodMonth,
            "period:quarter" => Self::PeriodQuarter,
            "period:year" => Self::PeriodYear,
            _ => return None,
        })
    }

    /// The `group_by` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Kind => "kind",
            Self::Topic => "topic",
            Self::TargetGroup => "target_group",
            Self::AreaProvince => "area:province",
            Self::AreaDistrict => "area:district",
            Self::AreaCommune => "area:commune",
            Self::PeriodMonth => "period:month",
            Self::PeriodQuarter => "period:quarter",
            Self::PeriodYear => "period:year",
        }
    }

    /// The key's name in a row.
    pub fn key_name(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::Kind => "kind",
            Self::Topic => "topic",
            Self::TargetGroup => "target_group",
            Self::AreaProvince => "province",
            Self::AreaDistrict => "district",
            Self::AreaCommune => "commune",
            Self::PeriodMonth | Self::PeriodQuarter | Self::PeriodYear => "period",
        }
    }

    /// The HXL hashtag of the key column.
    pub fn hxl(self) -> &'static str {
        match self {
            Self::Agency => "#org+code",
            Self::Kind => "#activity+type",
            Self::Topic => "#activity+topic",
            Self::TargetGroup => "#population+type",
            Self::AreaProvince => "#adm1+code",
            Self::AreaDistrict => "#adm2+code",
            Self::AreaCommune => "#adm3+code",
            Self::PeriodMonth | Self::PeriodQuarter | Self::PeriodYear => "#date+start",
        }
    }

    /// The HXL hashtag of an area key's name column.
    pub fn hxl_name(self) -> &'static str {
        match self {
            Self::AreaProvince => "#adm1+name",
            Self::AreaDistrict => "#adm2+name",
            _ => "#adm3+name",
        }
    }

    /// Whether the key is an administrative unit (it then has a name column).
    pub fn is_area(self) -> bool {
        matches!(
            self,
            Self::AreaProvince | Self::AreaDistrict | Self::AreaCommune
        )
    }
}

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
    pub kind: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Target group.
    pub target_group: Option<String>,
    /// Area code (the unit and everything below it).
    pub area: Option<String>,
    /// Area placement.
    pub areas: AreaMode,
}

/// The measures of a row or of the totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Measures {
    /// Distinct real events (linked duplicate reports count once).
    pub events: i64,
    /// Person-times ("lượt người"): the sum of the real events' attendance totals.
    pub attendances: i64,
    /// Women and girls, summed over events that reported it (null when none did).
    pub female_attendances: Option<i64>,
    /// Men and boys, summed over events that reported it.
    pub male_attendances: Option<i64>,
    /// Under-18s, summed over events that reported it.
    pub under_18_attendances: Option<i64>,
    /// Attendances backed by a participant identifier.
    pub identified_attendances: i64,
    /// Distinct identified people ("người") over the row's events: not additive.
    pub unique_participants: i64,
    /// Fewest different people reached: max(unique_participants, largest event's total).
    pub reach_min: i64,
    /// Most different people reached: unique_participants + unidentified attendances.
    pub reach_max: i64,
}

/// Measures that may be summed across rows of a single-valued grouping
/// (kind, area, period). Unique counts and reach bounds never may; and in a
/// grouping by agency, topic or target group a joint event is in several rows.
pub const ADDITIVE: &[&str] = &[
    "events",
    "attendances",
    "female_attendances",
    "male_attendances",
    "under_18_attendances",
    "identified_attendances",
];

/// One row: its keys (in `group_by` order) and its measures.
#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(QueryableByName, Debug)]
struct MeasureRow {
    #[diesel(sql_type = Nullable<Text>)]
    k0: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k2: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k3: Option<String>,
    #[diesel(sql_type = BigInt)]
    events: i64,
    #[diesel(sql_type = BigInt)]
    attendances: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    female: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    male: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    under_18: Option<i64>,
    #[diesel(sql_type = BigInt)]
    identified: i64,
    #[diesel(sql_type = BigInt)]
    largest: i64,
}

#[derive(QueryableByName, Debug)]
struct UniqueRow {
    #[diesel(sql_type = Nullable<Text>)]
    k0: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k2: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    k3: Option<String>,
    #[diesel(sql_type = BigInt)]
    uniq: i64,
}

#[derive(QueryableByName, Debug)]
struct AreaName {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// Most `group_by` dimensions in one request.
pub const MAX_DIMENSIONS: usize = 4;

/// Computes rows and totals.
pub fn compute(
    conn: &mut DbConn,
    filters: &Filters,
    group_by: &[Dimension],
) -> Result<Answer, ApiError> {
    if group_by.len() > MAX_DIMENSIONS {
        return Err(ApiError::field(
            "group_by",
            format!("at most {MAX_DIMENSIONS} dimensions"),
        ));
    }
    let pg = crate::db::is_postgres(conn);
    let mut sql = Sql::new(pg);

    // Area ids named by the filter (every period).
    let area_ids: Option<Vec<i64>> = match &filters.area {
        None => None,
        Some(code) => Some(crate::areas::ids_with_code(conn, code)?),
    };
    if area_ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::field("area", "unknown administrative unit code"));
    }
    // The unit an event is placed in: as recorded, or its current successor.
    let placed = match filters.areas {
        AreaMode::AsRecorded => "a.id",
        AreaMode::Current => "COALESCE(a.current_id, a.id)",
    };

    // ev: live reports with their placed area.
    let ev = format!(
        "SELECT e.seq, e.group_seq, e.start_date, e.kind, e.agency_code, e.attendance_total, e.attendance_female, \
         e.attendance_male, e.attendance_under_18, pa.id AS area_id, pa.province_id, pa.district_id, pa.commune_id \
         FROM events e JOIN areas a ON a.id = e.area_id JOIN areas pa ON pa.id = {placed} WHERE e.deleted_at IS NULL"
    );
    // gp: distinct participants per real event; gi: their number.
    let gp = "SELECT DISTINCT ev.group_seq AS g, p.participant_id AS pid FROM ev JOIN event_participants p ON p.event_seq = ev.seq";
    // grp: one row per real event.
    let grp = "SELECT ev.group_seq AS g, MIN(ev.start_date) AS d, MAX(ev.attendance_total) AS total, \
               MAX(ev.attendance_female) AS female, MAX(ev.attendance_male) AS male, MAX(ev.attendance_under_18) AS under_18 \
               FROM ev GROUP BY ev.group_seq";
    let dim_agency = "SELECT ev.group_seq AS g, ev.agency_code AS k FROM ev \
                      UNION SELECT ev.group_seq, c.agency_code FROM ev JOIN event_co_organizers c ON c.event_seq = ev.seq";
    let dim_kind = "SELECT DISTINCT ev.group_seq AS g, ev.kind AS k FROM ev";
    let dim_topic = "SELECT DISTINCT ev.group_seq AS g, t.topic AS k FROM ev JOIN event_topics t ON t.event_seq = ev.seq";
    let dim_target = "SELECT DISTINCT ev.group_seq AS g, t.target_group AS k FROM ev JOIN event_target_groups t ON t.event_seq = ev.seq";

    // Filters: a real event passes when any of its reports matches each one.
    let mut conds: Vec<String> = Vec::new();
    if let Some(from) = filters.from {
        conds.push(format!("grp.d >= {}", sql.bind(Bind::Date(from))));
    }
    if let Some(to) = filters.to {
        conds.push(format!("grp.d <= {}", sql.bind(Bind::Date(to))));
    }
    if !filters.agency.is_empty() {
        conds.push(format!(
            "grp.g IN (SELECT g FROM dim_agency WHERE k IN ({}))",
            sql.list(&filters.agency)
        ));
    }
    if let Some(k) = &filters.kind {
        conds.push(format!(
            "grp.g IN (SELECT g FROM dim_kind WHERE k = {})",
            sql.bind(Bind::Text(k.clone()))
        ));
    }
    if let Some(t) = &filters.topic {
        conds.push(format!(
            "grp.g IN (SELECT g FROM dim_topic WHERE k = {})",
            sql.bind(Bind::Text(t.clone()))
        ));
    }
    if let Some(t) = &filters.target_group {
        conds.push(format!(
            "grp.g IN (SELECT g FROM dim_target WHERE k = {})",
            sql.bind(Bind::Text(t.clone()))
        ));
    }
    if let Some(ids) = &area_ids {
        // SQLite's `?` placeholders are positional: bind the list once per use.
        let cols = ["area_id", "province_id", "district_id", "commune_id"];
        let any = cols
            .iter()
            .map(|col| {
                let list = ids
                    .iter()
                    .map(|i| sql.bind(Bind::Int(*i)))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("ev.{col} IN ({list})")
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        conds.push(format!(
            "grp.g IN (SELECT ev.group_seq FROM ev WHERE {any})"
        ));
    }
    let where_clause = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };

    // Keys: each dimension contributes a (g, k) relation joined to the slice.
    let mut joins = Vec::new();
    let mut keys = Vec::new();
    for (i, d) in group_by.iter().enumerate() {
        let (rel, key) = match d {
            Dimension::Agency => ("dim_agency".to_string(), "k".to_string()),
            Dimension::Kind => ("dim_kind".into(), "k".into()),
            Dimension::Topic => ("dim_topic".into(), "k".into()),
            Dimension::TargetGroup => ("dim_target".into(), "k".into()),
            Dimension::AreaProvince | Dimension::AreaDistrict | Dimension::AreaCommune => {
                let col = match d {
                    Dimension::AreaProvince => "province_id",
                    Dimension::AreaDistrict => "district_id",
                    _ => "commune_id",
                };
                (
                    format!("(SELECT DISTINCT ev.group_seq AS g, ev.{col} AS k FROM ev)"),
                    "k".into(),
                )
            }
            Dimension::PeriodMonth | Dimension::PeriodQuarter | Dimension::PeriodYear => {
                let expr = period_expr(pg, *d, "grp.d");
                (
                    format!("(SELECT grp.g AS g, {expr} AS k FROM grp)"),
                    "k".into(),
                )
            }
        };
        joins.push(format!("JOIN {rel} d{i} ON d{i}.g = grp.g"));
        keys.push(format!("d{i}.{key}"));
    }
    let key_select: Vec<String> = (0..MAX_DIMENSIONS)
        .map(|i| match keys.get(i) {
            Some(k) => format!("CAST({k} AS TEXT) AS k{i}"),
            None => format!("CAST(NULL AS TEXT) AS k{i}"),
        })
        .collect();
    let group_clause = if keys.is_empty() {
        String::new()
    } else {
        format!("GROUP BY {}", keys.join(", "))
    };
    let ctes = format!(
        "WITH ev AS ({ev}), gp AS ({gp}), gi AS (SELECT g, COUNT(*) AS n FROM gp GROUP BY g), grp AS ({grp}), \
         dim_agency AS ({dim_agency}), dim_kind AS ({dim_kind}), dim_topic AS ({dim_topic}), dim_target AS ({dim_target}), \
         slice AS (SELECT grp.g, grp.d, \
            CASE WHEN COALESCE(gi.n, 0) > grp.total THEN gi.n ELSE grp.total END AS total, \
            grp.female, grp.male, grp.under_18, COALESCE(gi.n, 0) AS identified \
            FROM grp LEFT JOIN gi ON gi.g = grp.g {where_clause})"
    );
    let measures_sql = format!(
        "{ctes} SELECT {keys}, COUNT(*) AS events, CAST(COALESCE(SUM(s.total), 0) AS BIGINT) AS attendances, \
         CAST(SUM(s.female) AS BIGINT) AS female, CAST(SUM(s.male) AS BIGINT) AS male, \
         CAST(SUM(s.under_18) AS BIGINT) AS under_18, CAST(COALESCE(SUM(s.identified), 0) AS BIGINT) AS identified, \
         CAST(COALESCE(MAX(s.total), 0) AS BIGINT) AS largest \
         FROM slice s JOIN grp ON grp.g = s.g {joins} {group_clause}",
        keys = key_select.join(", "),
        joins = joins.join(" "),
    );
    let unique_sql = format!(
        "{ctes} SELECT {keys}, COUNT(DISTINCT gp.pid) AS uniq \
         FROM slice s JOIN grp ON grp.g = s.g JOIN gp ON gp.g = s.g {joins} {group_clause}",
        keys = key_select.join(", "),
        joins = joins.join(" "),
    );
    let binds = sql.binds.clone();
    let measure_rows: Vec<MeasureRow> = load(conn, &measures_sql, &binds)?;
    let unique_rows: Vec<UniqueRow> = load(conn, &unique_sql, &binds)?;

    let key_of = |k: [&Option<String>; 4]| -> Vec<Option<String>> {
        k.iter()
            .take(group_by.len())
            .map(|v| (*v).clone())
            .collect()
    };
    let mut uniques: BTreeMap<Vec<Option<String>>, i64> = BTreeMap::new();
    for u in unique_rows {
        uniques.insert(key_of([&u.k0, &u.k1, &u.k2, &u.k3]), u.uniq);
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut totals = Measures::default();
    for m in measure_rows {
        let key = key_of([&m.k0, &m.k1, &m.k2, &m.k3]);
        let unique = uniques.get(&key).copied().unwrap_or(0);
        let measures = Measures {
            events: m.events,
            attendances: m.attendances,
            female_attendances: m.female,
            male_attendances: m.male,
            under_18_attendances: m.under_18,
            identified_attendances: m.identified,
            unique_participants: unique,
            reach_min: unique.max(m.largest),
            reach_max: unique + (m.attendances - m.identified),
        };
        if group_by.is_empty() {
            if m.events > 0 {
                totals = measures;
            }
        } else {
            rows.push(Row {
                names: vec![None; key.len()],
                keys: key,
                measures,
            });
        }
    }
    if !group_by.is_empty() {
        totals = compute(conn, filters, &[])?.totals;
        name_areas(conn, group_by, &mut rows)?;
        rows.sort_by(|a, b| (&a.keys, &a.names).cmp(&(&b.keys, &b.names)));
    }
    Ok(Answer { rows, totals })
}

/// Date bucketing differs by backend: the one explicit `match` for it.
fn period_expr(pg: bool, d: Dimension, col: &str) -> String {
    match (pg, d) {
        (true, Dimension::PeriodMonth) => format!("to_char({col}, 'YYYY-MM')"),
        (true, Dimension::PeriodQuarter) => format!("to_char({col}, 'YYYY-\"Q\"Q')"),
        (true, _) => format!("to_char({col}, 'YYYY')"),
        (false, Dimension::PeriodMonth) => format!("strftime('%Y-%m', {col})"),
        (false, Dimension::PeriodQuarter) => {
            format!(
                "strftime('%Y', {col}) || '-Q' || ((CAST(strftime('%m', {col}) AS INTEGER) + 2) / 3)"
            )
        }
        (false, _) => format!("strftime('%Y', {col})"),
    }
}

/// Area keys are unit ids (a code can name different units in different
/// periods); this replaces them by the unit's code and fills its name.
fn name_areas(conn: &mut DbConn, group_by: &[Dimension], rows: &mut [Row]) -> Result<(), ApiError> {
    if !group_by.iter().any(|d| d.is_area()) {
        return Ok(());
    }
    let mut ids: Vec<i64> = Vec::new();
    for r in rows.iter() {
        for (i, d) in group_by.iter().enumerate() {
            if d.is_area()
                && let Some(id) = r.keys[i].as_ref().and_then(|k| k.parse().ok())
            {
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let mut units: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(crate::db::is_postgres(conn));
        let list = chunk
            .iter()
            .map(|i| sql.bind(Bind::Int(*i)))
            .collect::<Vec<_>>()
            .join(", ");
        let q = format!("SELECT id, code, name FROM areas WHERE id IN ({list})");
        for n in load::<AreaName>(conn, &q, &sql.binds)? {
            units.insert(n.id, (n.code, n.name));
        }
    }
    for r in rows.iter_mut() {
        for (i, d) in group_by.iter().enumerate() {
            if d.is_area() {
                let unit = r.keys[i]
                    .as_ref()
                    .and_then(|k| k.parse::<i64>().ok())
                    .and_then(|id| units.get(&id));
                r.keys[i] = unit.map(|(code, _)| code.clone());
                r.names[i] = unit.map(|(_, name)| name.clone());
            }
        }
    }
    Ok(())
}

/// Which cells of an answer a public token may not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Per row, in order: suppressed or not.
    pub rows: Vec<bool>,
    /// Whether the totals are suppressed.
    pub totals: bool,
}

/// Small-cell suppression for publication (statistical disclosure control).
/// A cell is sensitive when it counts from 1 to k-1 people (attendances,
/// unique participants or the reach lower bound). When exactly one row is
/// sensitive, the row with the next smallest attendance is suppressed too,
/// so that the totals minus the published rows do not reveal it.
pub fn suppress(answer: &Answer, k: i64) -> Suppression {
    let sensitive = |m: &Measures| {
        [m.attendances, m.unique_participants, m.reach_min]
            .iter()
            .any(|v| (1..k).contains(v))
    };
    let mut rows: Vec<bool> = answer.rows.iter().map(|r| sensitive(&r.measures)).collect();
    if rows.iter().filter(|s| **s).count() == 1 {
        let next = answer
            .rows
            .iter()
            .enumerate()
            .filter(|(i, _)| !rows[*i])
            .min_by_key(|(_, r)| (r.measures.attendances, r.measures.events));
        if let Some((i, _)) = next {
            rows[i] = true;
        }
    }
    Suppression {
        totals: sensitive(&answer.totals),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, attendances: i64, unique: i64) -> Row {
        Row {
            keys: vec![Some(key.into())],
            names: vec![None],
            measures: Measures {
                events: 1,
                attendances,
                unique_participants: unique,
                reach_min: unique.max(attendances),
                reach_max: attendances,
                ..Default::default()
            },
        }
    }

    fn answer(rows: Vec<Row>) -> Answer {
        let attendances = rows.iter().map(|r| r.measures.attendances).sum();
        Answer {
            rows,
            totals: Measures {
                events: 3,
                attendances,
                unique_participants: 0,
                reach_min: 40,
                ..Default::default()
            },
        }
    }

    #[test]
    fn small_cells_are_suppressed() {
        let s = suppress(
            &answer(vec![
                row("a", 100, 0),
                row("b", 3, 0),
                row("c", 50, 2),
                row("d", 60, 0),
            ]),
            5,
        );
        assert_eq!(s.rows, vec![false, true, true, false]);
        assert!(!s.totals);
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        let s = suppress(
            &answer(vec![
                row("a", 100, 0),
                row("b", 3, 0),
                row("c", 50, 0),
                row("d", 60, 0),
            ]),
            5,
        );
        assert_eq!(
            s.rows,
            vec![false, true, true, false],
            "totals - a - d would reveal b alone"
        );
    }

    #[test]
    fn zero_is_not_small_and_small_totals_are_suppressed() {
        let s = suppress(&answer(vec![row("a", 0, 0)]), 5);
        assert_eq!(s.rows, vec![false]);
        let mut a = answer(vec![row("a", 2, 0)]);
        a.totals.attendances = 2;
        a.totals.reach_min = 2;
        assert!(suppress(&a, 5).totals);
    }
}
