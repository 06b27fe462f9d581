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
use diesel::connection::SimpleConnection;
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

/// One row of the aggregate statement: `part` says which it is (`rows`,
/// `totals`, `unique_rows`, `unique_totals`).
#[derive(QueryableByName, Debug)]
struct PartRow {
    #[diesel(sql_type = Text)]
    part: String,
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
    #[diesel(sql_type = Nullable<BigInt>)]
    uniq: Option<i64>,
}

/// PostgreSQL `work_mem` for the aggregate statement: its hash tables over
/// millions of (key, person) pairs would otherwise spill to disk in batches.
const AGGREGATE_WORK_MEM: &str = "256MB";

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

    // Candidate real events: those with a report matching each filter on its
    // own. A real event that passes a filter has such a report (its earliest
    // report for the date range), so the candidates are a superset of the
    // slice, narrowed with indexes before anything is grouped; the exact
    // real-event conditions below decide.
    let mut cands: Vec<String> = Vec::new();
    let cand = |cond: String| {
        format!(
            "e.group_seq IN (SELECT c.group_seq FROM events c WHERE c.deleted_at IS NULL AND {cond})"
        )
    };
    let mut dates = Vec::new();
    if let Some(from) = filters.from {
        dates.push(format!("c.start_date >= {}", sql.bind(Bind::Date(from))));
    }
    if let Some(to) = filters.to {
        dates.push(format!("c.start_date <= {}", sql.bind(Bind::Date(to))));
    }
    if !dates.is_empty() {
        cands.push(cand(dates.join(" AND ")));
    }
    if !filters.agency.is_empty() {
        let a = sql.list(&filters.agency);
        let b = sql.list(&filters.agency);
        cands.push(cand(format!(
            "(c.agency_code IN ({a}) OR c.seq IN (SELECT o.event_seq FROM event_co_organizers o WHERE o.agency_code IN ({b})))"
        )));
    }
    if let Some(ids) = &area_ids {
        let any = in_any(
            &mut sql,
            ids,
            "pa",
            &["id", "province_id", "district_id", "commune_id"],
        );
        // The candidates' units: those placed (as the slice places them) in
        // the filter's units or below them.
        cands.push(cand(format!(
            "c.area_id IN (SELECT ca.id FROM areas ca JOIN areas pa ON pa.id = {} WHERE {any})",
            placed.replace("a.", "ca.")
        )));
    }
    let cand_clause: String = cands.iter().map(|c| format!(" AND {c}")).collect();

    // ev: live reports of the candidates, with their placed area.
    // The placed unit is joined only when a filter or a key needs it.
    let needs_areas = area_ids.is_some() || group_by.iter().any(|d| d.is_area());
    let (area_cols, area_joins) = if needs_areas {
        (
            "pa.id AS area_id, pa.province_id, pa.district_id, pa.commune_id",
            format!("JOIN areas a ON a.id = e.area_id JOIN areas pa ON pa.id = {placed}"),
        )
    } else {
        (
            "e.area_id, CAST(NULL AS BIGINT) AS province_id, CAST(NULL AS BIGINT) AS district_id, \
             CAST(NULL AS BIGINT) AS commune_id",
            String::new(),
        )
    };
    let ev = format!(
        "SELECT e.seq, e.group_seq, e.start_date, e.kind, e.agency_code, e.attendance_total, e.attendance_female, \
         e.attendance_male, e.attendance_under_18, e.participants_identified, {area_cols} \
         FROM events e {area_joins} WHERE e.deleted_at IS NULL{cand_clause}"
    );
    // grp: one row per real event. A lone report's distinct participants are
    // its stored count; gi counts them only for linked groups.
    let grp = "SELECT ev.group_seq AS g, MIN(ev.start_date) AS d, MAX(ev.attendance_total) AS total, \
               MAX(ev.attendance_female) AS female, MAX(ev.attendance_male) AS male, MAX(ev.attendance_under_18) AS under_18, \
               COUNT(*) AS reports, MAX(ev.participants_identified) AS ident1 \
               FROM ev GROUP BY ev.group_seq";
    let gi = "SELECT ev.group_seq AS g, COUNT(DISTINCT p.participant_id) AS n FROM ev \
              JOIN event_participants p ON p.event_seq = ev.seq \
              WHERE ev.group_seq IN (SELECT grp.g FROM grp WHERE grp.reports > 1) GROUP BY ev.group_seq";
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
        let any = in_any(
            &mut sql,
            ids,
            "ev",
            &["area_id", "province_id", "district_id", "commune_id"],
        );
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
        joins.push(format!("JOIN {rel} d{i} ON d{i}.g = {{anchor}}"));
        keys.push(format!("d{i}.{key}"));
    }
    let key_select: Vec<String> = (0..MAX_DIMENSIONS)
        .map(|i| match keys.get(i) {
            Some(k) => format!("CAST({k} AS TEXT) AS k{i}"),
            None => format!("CAST(NULL AS TEXT) AS k{i}"),
        })
        .collect();
    let no_keys = "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)";
    let no_measures = "CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
                       CAST(NULL AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT)";
    // Named as PartRow's fields (the first branch of a UNION names the columns).
    let measures = "COUNT(*) AS events, CAST(COALESCE(SUM(s.total), 0) AS BIGINT) AS attendances, \
                    CAST(SUM(s.female) AS BIGINT) AS female, CAST(SUM(s.male) AS BIGINT) AS male, \
                    CAST(SUM(s.under_18) AS BIGINT) AS under_18, \
                    CAST(COALESCE(SUM(s.identified), 0) AS BIGINT) AS identified, \
                    CAST(COALESCE(MAX(s.total), 0) AS BIGINT) AS largest";
    // The key relations join on the real event: `grp.g` in the measures,
    // each report's group in kp.
    let kp_joins = joins.join(" ").replace("{anchor}", "pe.group_seq");
    // With no condition the slice is every real event of ev.
    let kp_where = if where_clause.is_empty() {
        ""
    } else {
        "WHERE pe.group_seq IN (SELECT slice.g FROM slice)"
    };
    let joins = joins.join(" ").replace("{anchor}", "grp.g");
    let ctes = format!(
        "WITH ev AS ({ev}), grp AS ({grp}), gi AS ({gi}), \
         dim_agency AS ({dim_agency}), dim_kind AS ({dim_kind}), dim_topic AS ({dim_topic}), dim_target AS ({dim_target}), \
         slice AS (SELECT grp.g, grp.d, COALESCE(gi.n, grp.ident1) AS identified, \
            CASE WHEN COALESCE(gi.n, grp.ident1) > grp.total THEN COALESCE(gi.n, grp.ident1) ELSE grp.total END AS total, \
            grp.female, grp.male, grp.under_18 \
            FROM grp LEFT JOIN gi ON gi.g = grp.g {where_clause})"
    );
    // Each report's participants by index. PostgreSQL cannot estimate the
    // joins of the CTEs above and would otherwise hash all of
    // event_participants even for a small slice; LATERAL makes it look each
    // report up (SQLite always does); OFFSET 0 keeps the planner from
    // flattening it back into a join.
    let participants = if pg {
        "CROSS JOIN LATERAL (SELECT ep.participant_id FROM event_participants ep WHERE ep.event_seq = pe.seq OFFSET 0) p"
    } else {
        "JOIN event_participants p ON p.event_seq = pe.seq"
    };
    // One statement, so that the slice is computed once for the rows, the
    // totals and both unique counts. kp: the distinct (key, person) pairs
    // (a real event's people are those of all its reports), hashed once and
    // counted per key and, for the totals, per person.
    let mut parts = vec![format!(
        "SELECT 'totals' AS part, CAST(NULL AS TEXT) AS k0, CAST(NULL AS TEXT) AS k1, \
         CAST(NULL AS TEXT) AS k2, CAST(NULL AS TEXT) AS k3, {measures}, CAST(NULL AS BIGINT) AS uniq \
         FROM slice s"
    )];
    // The totals' people come from kp when every real event has a key in
    // each dimension (target groups are optional: an event without one is in
    // no row but is in the totals).
    let covering = !group_by.contains(&Dimension::TargetGroup);
    parts.push(if covering {
        format!("SELECT 'unique_totals', {no_keys}, {no_measures}, COUNT(DISTINCT kp.pid) FROM kp")
    } else {
        format!(
            "SELECT 'unique_totals', {no_keys}, {no_measures}, COUNT(DISTINCT p.participant_id) \
             FROM ev pe {participants} {kp_where}"
        )
    });
    if !keys.is_empty() {
        parts.push(format!(
            "SELECT 'rows', {}, {measures}, CAST(NULL AS BIGINT) FROM slice s JOIN grp ON grp.g = s.g {joins} \
             GROUP BY {}",
            key_select.join(", "),
            keys.join(", ")
        ));
        parts.push(format!(
            "SELECT 'unique_rows', {}, {no_measures}, COUNT(*) FROM kp GROUP BY {}",
            (0..MAX_DIMENSIONS)
                .map(|i| if i < keys.len() {
                    format!("kp.k{i}")
                } else {
                    "CAST(NULL AS TEXT)".into()
                })
                .collect::<Vec<_>>()
                .join(", "),
            (0..keys.len())
                .map(|i| format!("kp.k{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let query = format!(
        "{ctes}, kp AS (SELECT DISTINCT {}p.participant_id AS pid FROM ev pe {participants} \
         {kp_joins} {kp_where}) {}",
        // Only the keys in use: the narrower the pairs, the cheaper the hashing.
        keys.iter()
            .enumerate()
            .map(|(i, k)| format!("CAST({k} AS TEXT) AS k{i}, "))
            .collect::<String>(),
        parts.join(" UNION ALL ")
    );
    let binds = sql.binds.clone();
    let parts: Vec<PartRow> = if pg {
        // Hash tables and sorts over millions of rows stay in memory.
        conn.transaction(|conn| {
            // JIT compilation would add about a second to every request: the
            // estimates of the joins of CTEs are wildly high.
            conn.batch_execute(&format!(
                "SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'; SET LOCAL jit = off"
            ))?;
            load(conn, &query, &binds)
        })?
    } else {
        load(conn, &query, &binds)?
    };

    let key_of = |p: &PartRow| -> Vec<Option<String>> {
        [&p.k0, &p.k1, &p.k2, &p.k3]
            .iter()
            .take(group_by.len())
            .map(|v| (*v).clone())
            .collect()
    };
    let mut uniques: BTreeMap<Vec<Option<String>>, i64> = BTreeMap::new();
    let mut unique_total = 0;
    for p in &parts {
        match p.part.as_str() {
            "unique_rows" => {
                uniques.insert(key_of(p), p.uniq.unwrap_or(0));
            }
            "unique_totals" => unique_total = p.uniq.unwrap_or(0),
            _ => {}
        }
    }
    let measures_of = |m: &PartRow, unique: i64| Measures {
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
    let mut rows: Vec<Row> = Vec::new();
    let mut totals = Measures::default();
    for p in &parts {
        match p.part.as_str() {
            "totals" => totals = measures_of(p, unique_total),
            "rows" => {
                let key = key_of(p);
                let unique = uniques.get(&key).copied().unwrap_or(0);
                rows.push(Row {
                    names: vec![None; key.len()],
                    keys: key,
                    measures: measures_of(p, unique),
                });
            }
            _ => {}
        }
    }
    name_areas(conn, group_by, &mut rows)?;
    rows.sort_by(|a, b| (&a.keys, &a.names).cmp(&(&b.keys, &b.names)));
    Ok(Answer { rows, totals })
}

/// `alias.col IN (ids) OR ...` for each of `cols`. SQLite's `?` placeholders
/// are positional, so the list is bound once per use.
fn in_any(sql: &mut Sql, ids: &[i64], alias: &str, cols: &[&str]) -> String {
    cols.iter()
        .map(|col| {
            let list = ids
                .iter()
                .map(|i| sql.bind(Bind::Int(*i)))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{alias}.{col} IN ({list})")
        })
        .collect::<Vec<_>>()
        .join(" OR ")
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
