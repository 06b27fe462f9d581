//! The aggregate statement, built without a connection: a request (and the
//! unit ids its area filter names) in, SQL text and binds out.
//!
//! One statement, so that the slice is computed once for the rows, the
//! totals and both unique counts. Its CTEs:
//! - `ev`: live reports of the candidate real events, with their placed area;
//! - `grp`: one row per real event; `gi`: distinct participants of linked groups;
//! - `dim_*`: each real event's agencies, kinds, topics and target groups;
//! - `slice`: the real events that pass the filters, with their measures;
//! - `kp`: the distinct (key, person) pairs;
//! - `first` (for first-time and cumulative people): each person's earliest
//!   attendance over the history, the real events passing every filter but
//!   `from` (`hslice`), so `ev` is then not narrowed by `from`.
//!
//! Each of its rows is one [`Part`] of the answer.

use crate::db::raw::{Bind, Sql};
use crate::domain::Kind;
use crate::domain::calendar::PeriodRule;

use super::measure;
use super::{AreaMode, Dimension, Filters, MAX_DIMENSIONS, Request};

/// The statement's text and the values bound to its placeholders.
#[derive(Debug, Clone)]
pub struct Statement {
    /// SQL in the backend's placeholder syntax.
    pub text: String,
    /// The bound values, in placeholder order.
    pub binds: Vec<Bind>,
}

/// Which part of the answer a row of the statement is (its `part` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The measures over the whole slice.
    Totals,
    /// Distinct people over the whole slice.
    UniqueTotals,
    /// The measures of one key combination.
    Rows,
    /// Distinct people of one key combination.
    UniqueRows,
    /// People of the slice first reached on or after `from`.
    FirstTimeTotals,
    /// People of one key combination first reached in its period.
    FirstTimeRows,
    /// Distinct people of one key combination's other keys, through its period.
    CumulativeRows,
}

impl Part {
    const ALL: [Part; 7] = [
        Self::Totals,
        Self::UniqueTotals,
        Self::Rows,
        Self::UniqueRows,
        Self::FirstTimeTotals,
        Self::FirstTimeRows,
        Self::CumulativeRows,
    ];

    /// The value of the `part` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totals => "totals",
            Self::UniqueTotals => "unique_totals",
            Self::Rows => "rows",
            Self::UniqueRows => "unique_rows",
            Self::FirstTimeTotals => "first_time_totals",
            Self::FirstTimeRows => "first_time_rows",
            Self::CumulativeRows => "cumulative_rows",
        }
    }

    /// Reads the `part` column.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// grp: one row per real event. A lone report's distinct participants are
/// its stored count; gi counts them only for linked groups. A real event's
/// sessions are its largest non-media report's, its media items its
/// largest mass-media report's; headcounts, declared people and audience
/// are the largest reported (`ev` gives a mass-media report no attendance
/// and no identified people).
const GRP: &str = "SELECT ev.group_seq AS g, MIN(ev.start_date) AS d, MAX(ev.attendance_total) AS total, \
    MAX(ev.attendance_female) AS female, MAX(ev.attendance_male) AS male, MAX(ev.attendance_under_18) AS under_18, \
    COUNT(*) AS reports, MAX(ev.participants_identified) AS ident1, \
    MAX(CASE WHEN ev.media = 1 THEN 0 ELSE ev.sessions END) AS sessions, \
    MAX(CASE WHEN ev.media = 1 THEN ev.sessions ELSE 0 END) AS items, \
    MAX(ev.declared_people) AS declared, MAX(ev.audience_estimate) AS audience \
    FROM ev GROUP BY ev.group_seq";
/// gi: the distinct participants of each linked group.
const GI: &str = "SELECT ev.group_seq AS g, COUNT(DISTINCT p.participant_id) AS n FROM ev \
    JOIN event_participants p ON p.event_seq = ev.seq AND ev.media = 0 \
    WHERE ev.group_seq IN (SELECT grp.g FROM grp WHERE grp.reports > 1) GROUP BY ev.group_seq";
/// Each real event's (g, k) pairs in the dimensions that are properties of
/// its reports: agencies (reporting and co-organising), kinds, topics and
/// target groups.
const DIMS: &str = "dim_agency AS (SELECT ev.group_seq AS g, ev.agency_code AS k FROM ev \
    UNION SELECT ev.group_seq, c.agency_code FROM ev JOIN event_co_organizers c ON c.event_seq = ev.seq AND c.status = 'confirmed'), \
    dim_kind AS (SELECT DISTINCT ev.group_seq AS g, ev.kind AS k FROM ev), \
    dim_topic AS (SELECT DISTINCT ev.group_seq AS g, t.topic AS k FROM ev JOIN event_topics t ON t.event_seq = ev.seq), \
    dim_target AS (SELECT DISTINCT ev.group_seq AS g, t.target_group AS k FROM ev JOIN event_target_groups t ON t.event_seq = ev.seq)";
/// slice (before its conditions): the real events with their measures; an
/// event's total is at least its number of distinct participants. `lower`
/// and `extra` bound its distinct people (see [`BOUNDS`]): its declared
/// people when given, else at least ceil(total / sessions), never fewer
/// than its identified people; `extra` is how many more than its
/// identified people it may hold (declared people, else its total).
static SLICE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let ident = "COALESCE(gi.n, grp.ident1)";
    let total = format!("CASE WHEN {ident} > grp.total THEN {ident} ELSE grp.total END");
    let declared = format!("CASE WHEN {ident} > grp.declared THEN {ident} ELSE grp.declared END");
    let per_session = format!(
        "CASE WHEN grp.sessions > 0 THEN ({total} + grp.sessions - 1) / grp.sessions ELSE 0 END"
    );
    let lower = format!(
        "CASE WHEN grp.declared IS NOT NULL THEN {declared} \
         WHEN {per_session} > {ident} THEN {per_session} ELSE {ident} END"
    );
    let extra =
        format!("CASE WHEN grp.declared IS NOT NULL THEN {declared} ELSE {total} END - {ident}");
    format!(
        "SELECT grp.g, grp.d, {ident} AS identified, {total} AS total, \
         grp.female, grp.male, grp.under_18, grp.sessions, grp.items, grp.audience, \
         {lower} AS lower, {extra} AS extra \
         FROM grp LEFT JOIN gi ON gi.g = grp.g"
    )
});
/// The statement's columns that bound a row's different people: the
/// largest real event's lower bound (for `reach_min`) and the sum of how
/// many more than their identified people its events may hold (for
/// `reach_max`).
pub const BOUNDS: &str = "CAST(COALESCE(MAX(s.lower), 0) AS BIGINT) AS lower_bound, \
    CAST(COALESCE(SUM(s.extra), 0) AS BIGINT) AS unidentified_max";
/// [`BOUNDS`] where the statement has no real events to bound.
pub const NO_BOUNDS: &str = "CAST(0 AS BIGINT), CAST(0 AS BIGINT)";
/// Each report's participants by index. PostgreSQL cannot estimate the
/// joins of the CTEs and would otherwise hash all of event_participants
/// even for a small slice; LATERAL makes it look each report up (SQLite
/// always does); OFFSET 0 keeps the planner from flattening it back into a
/// join.
const PARTICIPANTS_PG: &str = "CROSS JOIN LATERAL (SELECT ep.participant_id FROM event_participants ep \
    WHERE ep.event_seq = pe.seq AND pe.media = 0 OFFSET 0) p";
/// Each report's participants (SQLite).
const PARTICIPANTS_SQLITE: &str =
    "JOIN event_participants p ON p.event_seq = pe.seq AND pe.media = 0";

/// Whether the statement reads first attendances: with a `from` (people
/// seen before it are not first-time) or a period grouping (first-time and
/// cumulative people per period). Otherwise every person of a row is
/// first-time in the request's open-ended period, and the answer says so
/// without reading anything.
pub fn reads_first(request: &Request) -> bool {
    request.filters.from.is_some() || request.group_by.iter().any(|d| d.is_period())
}

/// Builds the aggregate statement for `pg` (else SQLite). `area_ids` are
/// the units the area filter's code names (every period), when it is given.
pub fn build(pg: bool, request: &Request, area_ids: Option<&[i64]>) -> Statement {
    let mut sql = Sql::new(pg);
    let f = &request.filters;
    let first = reads_first(request);
    let history = Filters {
        from: None,
        ..f.clone()
    };
    // Placeholders are bound in the order they appear in the text.
    let (mut text, sliced) = ctes(
        &mut sql,
        request,
        area_ids,
        if first { &history } else { f },
    );
    text.push_str(", ");
    if first {
        let mut past = "slice";
        if f.from.is_some() {
            let c = slice_conditions(&mut sql, &history, area_ids);
            text.push_str(&format!("hslice AS ({} {c}), ", *SLICE));
            past = "hslice";
        }
        text.push_str(&format!(
            "first AS (SELECT p.participant_id AS pid, MIN(h.d) AS d FROM {past} h \
             JOIN ev pe ON pe.group_seq = h.g {} GROUP BY p.participant_id), ",
            participants(pg)
        ));
    }
    text.push_str(&people_and_parts(&mut sql, request, sliced, first));
    Statement {
        text,
        binds: sql.binds,
    }
}

/// `WITH` and the CTEs through `slice` (the real events passing the
/// request's filters; `candidates` narrow `ev`), and whether the slice has
/// conditions (with none it is every real event of ev).
fn ctes(
    sql: &mut Sql,
    request: &Request,
    area_ids: Option<&[i64]>,
    candidates: &Filters,
) -> (String, bool) {
    let ev = ev(sql, candidates, request, area_ids);
    let conditions = slice_conditions(sql, &request.filters, area_ids);
    (
        format!(
            "WITH ev AS ({ev}), grp AS ({GRP}), gi AS ({GI}), {DIMS}, slice AS ({} {conditions})",
            *SLICE
        ),
        !conditions.is_empty(),
    )
}

/// The start of a statement over the request's slice (its grouping is
/// ignored): `WITH` and the CTEs `ev` (live reports of the slice's
/// candidates; see [`participants`]), `dim_agency` (each real
/// event's organisers, `g` and `k`) and `slice` (one row per real event, `g`).
/// Reach analytics build on it.
pub fn slice_statement(pg: bool, request: &Request, area_ids: Option<&[i64]>) -> (Sql, String) {
    let mut sql = Sql::new(pg);
    let (text, _) = ctes(&mut sql, request, area_ids, &request.filters);
    (sql, text)
}

/// How each report's participants (`p.participant_id`) are joined on a
/// report aliased `pe`.
pub fn participants(pg: bool) -> &'static str {
    if pg {
        PARTICIPANTS_PG
    } else {
        PARTICIPANTS_SQLITE
    }
}

/// ev: live reports of the candidate real events (`filters` narrow the
/// candidates), with their placed area. The placed unit is joined only
/// when a filter or a key needs it.
fn ev(sql: &mut Sql, filters: &Filters, request: &Request, area_ids: Option<&[i64]>) -> String {
    let cand_clause = candidates(sql, filters, area_ids);
    let needs_areas = area_ids.is_some() || request.group_by.iter().any(|d| d.is_area());
    let (area_cols, area_joins) = if needs_areas {
        (
            "pa.id AS area_id, pa.province_id, pa.district_id, pa.commune_id",
            format!(
                "JOIN areas a ON a.id = e.area_id JOIN areas pa ON pa.id = {}",
                placed(filters.areas, "a")
            ),
        )
    } else {
        (
            "e.area_id, CAST(NULL AS BIGINT) AS province_id, CAST(NULL AS BIGINT) AS district_id, \
             CAST(NULL AS BIGINT) AS commune_id",
            String::new(),
        )
    };
    // A mass-media report has an audience: no attendance, and its
    // identified people (stored before mass media refused them) are kept
    // but not counted.
    let media = Kind::media_sql_list();
    format!(
        "SELECT e.seq, e.group_seq, e.start_date, e.kind, e.agency_code, e.attendance_total, e.attendance_female, \
         e.attendance_male, e.attendance_under_18, \
         CASE WHEN e.kind IN ({media}) THEN 0 ELSE e.participants_identified END AS participants_identified, \
         CASE WHEN e.kind IN ({media}) THEN 1 ELSE 0 END AS media, e.sessions, e.declared_people, \
         e.audience_estimate, {area_cols} \
         FROM events e {area_joins} WHERE e.deleted_at IS NULL{cand_clause}"
    )
}

/// kp, the distinct (key, person) pairs (a real event's people are those of
/// all its reports), hashed once and counted per key and, for the totals,
/// per person; then the parts of the answer, one `SELECT` each. `sliced`:
/// whether the slice has conditions (else it is every real event of ev);
/// `first`: whether the `first` CTE is there to count first-time and
/// cumulative people.
fn people_and_parts(sql: &mut Sql, request: &Request, sliced: bool, first: bool) -> String {
    let pg = sql.is_pg();
    let group_by = &request.group_by;
    // Keys: each dimension contributes a (g, k) relation joined to the
    // real event: `grp.g` in the measures, each report's group in kp.
    let keys: Vec<String> = (0..group_by.len()).map(|i| format!("d{i}.k")).collect();
    let join = |anchor: &str| {
        group_by
            .iter()
            .enumerate()
            .map(|(i, d)| {
                format!(
                    "JOIN {} d{i} ON d{i}.g = {anchor}",
                    key_relation(pg, *d, request.rule)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The first branch of the UNION names the columns: as the loaded row's fields.
    let measures = measure::summed()
        .map(|(name, s)| format!("{} AS {name}", s.expr))
        .chain([BOUNDS.to_string()])
        .collect::<Vec<_>>()
        .join(", ");
    let no_measures = measure::summed()
        .map(|(_, s)| {
            if s.nullable {
                "CAST(NULL AS BIGINT)"
            } else {
                "CAST(0 AS BIGINT)"
            }
        })
        .chain([NO_BOUNDS])
        .collect::<Vec<_>>()
        .join(", ");
    let no_keys = "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)";
    let participants = participants(pg);
    let kp_where = if sliced {
        "WHERE pe.group_seq IN (SELECT slice.g FROM slice)"
    } else {
        ""
    };
    let mut parts = vec![format!(
        "SELECT '{}' AS part, CAST(NULL AS TEXT) AS k0, CAST(NULL AS TEXT) AS k1, \
         CAST(NULL AS TEXT) AS k2, CAST(NULL AS TEXT) AS k3, {measures}, CAST(NULL AS BIGINT) AS uniq \
         FROM slice s",
        Part::Totals.as_str()
    )];
    // The totals' people come from kp when every real event has a key in
    // each dimension (target groups are optional: an event without one is in
    // no row but is in the totals).
    let covering = !group_by.contains(&Dimension::TargetGroup);
    let unique_totals = Part::UniqueTotals.as_str();
    parts.push(if covering {
        format!(
            "SELECT '{unique_totals}', {no_keys}, {no_measures}, COUNT(DISTINCT kp.pid) FROM kp"
        )
    } else {
        format!(
            "SELECT '{unique_totals}', {no_keys}, {no_measures}, COUNT(DISTINCT p.participant_id) \
             FROM ev pe {participants} {kp_where}"
        )
    });
    if !keys.is_empty() {
        // Every branch has all MAX_DIMENSIONS key columns.
        let row_keys = (0..MAX_DIMENSIONS)
            .map(|i| {
                let key = keys.get(i).map_or("NULL", String::as_str);
                format!("CAST({key} AS TEXT) AS k{i}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let unique_keys = (0..MAX_DIMENSIONS)
            .map(|i| {
                if i < keys.len() {
                    format!("kp.k{i}")
                } else {
                    "CAST(NULL AS TEXT)".into()
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(format!(
            "SELECT '{}', {}, {measures}, CAST(NULL AS BIGINT) FROM slice s JOIN grp ON grp.g = s.g {} \
             GROUP BY {}",
            Part::Rows.as_str(),
            row_keys,
            join("grp.g"),
            keys.join(", ")
        ));
        parts.push(format!(
            "SELECT '{}', {}, {no_measures}, COUNT(*) FROM kp GROUP BY {}",
            Part::UniqueRows.as_str(),
            unique_keys,
            (0..keys.len())
                .map(|i| format!("kp.k{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if first {
        // Every row's keys, people or not (for the running sums).
        let rows = format!(
            "SELECT DISTINCT {} FROM slice s JOIN grp ON grp.g = s.g {}",
            keys.iter()
                .enumerate()
                .map(|(i, k)| format!("CAST({k} AS TEXT) AS k{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            join("grp.g")
        );
        parts.extend(first_parts(sql, request, &rows, no_keys, &no_measures));
    }
    format!(
        "kp AS (SELECT DISTINCT {}p.participant_id AS pid FROM ev pe {participants} \
         {} {kp_where}) {}",
        // Only the keys in use: the narrower the pairs, the cheaper the hashing.
        keys.iter()
            .enumerate()
            .map(|(i, k)| format!("CAST({k} AS TEXT) AS k{i}, "))
            .collect::<String>(),
        join("pe.group_seq"),
        parts.join(" UNION ALL ")
    )
}

/// The parts counting first-time and cumulative people, from `first` and
/// `kp`; `rows` selects every row's keys; `no_keys`, `no_measures`: the
/// empty key and measure columns.
fn first_parts(
    sql: &mut Sql,
    request: &Request,
    rows: &str,
    no_keys: &str,
    no_measures: &str,
) -> Vec<String> {
    let pg = sql.is_pg();
    let n = request.group_by.len();
    let period = request.group_by.iter().position(|d| d.is_period());
    let since_from = |sql: &mut Sql| {
        request
            .filters
            .from
            .map(|d| format!(" WHERE f.d >= {}", sql.bind(Bind::Date(d))))
            .unwrap_or_default()
    };
    // People first reached on or after `from` attended a real event of the
    // slice then (first attendances are read up to `to`).
    let mut parts = vec![format!(
        "SELECT '{}', {no_keys}, {no_measures}, COUNT(*) FROM first f{}",
        Part::FirstTimeTotals.as_str(),
        since_from(sql)
    )];
    if n == 0 {
        return parts;
    }
    let cols = |alias: &str| {
        (0..MAX_DIMENSIONS)
            .map(|i| {
                if i < n {
                    format!("{alias}.k{i}")
                } else {
                    "CAST(NULL AS TEXT)".into()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let group = |alias: &str, skip: Option<usize>| {
        (0..n)
            .filter(|i| Some(*i) != skip)
            .map(|i| format!("{alias}.k{i}"))
            .collect::<Vec<_>>()
    };
    let when = match period {
        Some(i) => format!(
            " WHERE {} = kp.k{i}",
            period_expr(pg, request.group_by[i], "f.d", request.rule)
        ),
        None => since_from(sql),
    };
    parts.push(format!(
        "SELECT '{}', {}, {no_measures}, COUNT(*) FROM kp JOIN first f ON f.pid = kp.pid{when} GROUP BY {}",
        Part::FirstTimeRows.as_str(),
        cols("kp"),
        group("kp", None).join(", ")
    ));
    if let Some(i) = period {
        // Each person counts once per combination of the other keys, in
        // the first period they are in it; the running sum over periods is
        // the cumulative count. Every row takes part (with 0 new people),
        // those without identified people too.
        let firsts = (0..n)
            .map(|j| {
                if j == i {
                    format!("MIN(kp.k{i}) AS k{i}")
                } else {
                    format!("kp.k{j} AS k{j}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let by_person = group("kp", Some(i))
            .into_iter()
            .chain(["kp.pid".to_string()])
            .collect::<Vec<_>>()
            .join(", ");
        let others = group("c", Some(i));
        let partition = if others.is_empty() {
            String::new()
        } else {
            format!("PARTITION BY {} ", others.join(", "))
        };
        parts.push(format!(
            "SELECT '{}', {}, {no_measures}, CAST(SUM(c.n) OVER ({partition}ORDER BY c.k{i} \
             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) \
             FROM (SELECT {}, SUM(u.n) AS n FROM (SELECT {firsts}, 1 AS n FROM kp GROUP BY {by_person} \
             UNION ALL SELECT {}, 0 FROM ({rows}) r) u GROUP BY {}) c",
            Part::CumulativeRows.as_str(),
            cols("c"),
            group("u", None).join(", "),
            group("r", None).join(", "),
            group("u", None).join(", "),
        ));
    }
    parts
}

/// The unit an event is placed in (`alias` is its recorded unit): as
/// recorded, or its current successor.
fn placed(mode: AreaMode, alias: &str) -> String {
    match mode {
        AreaMode::AsRecorded => format!("{alias}.id"),
        AreaMode::Current => format!("COALESCE({alias}.current_id, {alias}.id)"),
    }
}

/// Candidate real events: those with a report matching each filter on its
/// own. A real event that passes a filter has such a report (its earliest
/// report for the date range), so the candidates are a superset of the
/// slice, narrowed with indexes before anything is grouped; the exact
/// real-event conditions of [`slice_conditions`] decide. Returns the
/// conditions, each preceded by ` AND `.
fn candidates(sql: &mut Sql, filters: &Filters, area_ids: Option<&[i64]>) -> String {
    let mut cands: Vec<String> = Vec::new();
    let cand = |cond: String| {
        format!(
            "e.group_seq IN (SELECT c.group_seq FROM events c WHERE c.deleted_at IS NULL AND {cond})"
        )
    };
    let dates = date_range(sql, filters, "c.start_date");
    if !dates.is_empty() {
        cands.push(cand(dates.join(" AND ")));
    }
    for agencies in [filters.agency.as_slice(), filters.scope.as_slice()] {
        if agencies.is_empty() {
            continue;
        }
        let a = sql.list(agencies);
        let b = sql.list(agencies);
        cands.push(cand(format!(
            "(c.agency_code IN ({a}) OR c.seq IN (SELECT o.event_seq FROM event_co_organizers o WHERE o.agency_code IN ({b}) AND o.status = 'confirmed'))"
        )));
    }
    if let Some(ids) = area_ids {
        let any = in_or_below(sql, ids, "pa", "id");
        // The candidates' units: those placed (as the slice places them) in
        // the filter's units or below them.
        cands.push(cand(format!(
            "c.area_id IN (SELECT ca.id FROM areas ca JOIN areas pa ON pa.id = {} WHERE {any})",
            placed(filters.areas, "ca")
        )));
    }
    cands.iter().map(|c| format!(" AND {c}")).collect()
}

/// The slice's conditions (`WHERE ...`, or empty): a real event passes when
/// any of its reports matches each filter.
fn slice_conditions(sql: &mut Sql, filters: &Filters, area_ids: Option<&[i64]>) -> String {
    let mut conds = date_range(sql, filters, "grp.d");
    for agencies in [filters.agency.as_slice(), filters.scope.as_slice()] {
        if !agencies.is_empty() {
            conds.push(format!(
                "grp.g IN (SELECT g FROM dim_agency WHERE k IN ({}))",
                sql.list(agencies)
            ));
        }
    }
    let mut has = |relation: &str, value: Option<&'static str>| {
        if let Some(v) = value {
            conds.push(format!(
                "grp.g IN (SELECT g FROM {relation} WHERE k = {})",
                sql.bind(Bind::Text(v.to_string()))
            ));
        }
    };
    has("dim_kind", filters.kind.map(|k| k.as_str()));
    has("dim_topic", filters.topic.map(|t| t.as_str()));
    has("dim_target", filters.target_group.map(|t| t.as_str()));
    if let Some(ids) = area_ids {
        let any = in_or_below(sql, ids, "ev", "area_id");
        conds.push(format!(
            "grp.g IN (SELECT ev.group_seq FROM ev WHERE {any})"
        ));
    }
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

/// `col >= from` and `col <= to`, for the bounds that are given.
fn date_range(sql: &mut Sql, filters: &Filters, col: &str) -> Vec<String> {
    let mut conds = Vec::new();
    if let Some(from) = filters.from {
        conds.push(format!("{col} >= {}", sql.bind(Bind::Date(from))));
    }
    if let Some(to) = filters.to {
        conds.push(format!("{col} <= {}", sql.bind(Bind::Date(to))));
    }
    conds
}

/// Whether the unit of `alias` (its id column `id_col`) is one of `ids` or
/// below one of them, through the ancestor columns: the unit and everything
/// below it. SQLite's `?` placeholders are positional, so the list is bound
/// once per column.
fn in_or_below(sql: &mut Sql, ids: &[i64], alias: &str, id_col: &str) -> String {
    crate::db::areas::at_or_below_sql(alias, id_col, || {
        ids.iter()
            .map(|i| sql.bind(Bind::Int(*i)))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The `(g, k)` relation of a dimension: each real event's keys in it.
pub fn key_relation(pg: bool, d: Dimension, rule: PeriodRule) -> String {
    let area = |col: &str| format!("(SELECT DISTINCT ev.group_seq AS g, ev.{col} AS k FROM ev)");
    match d {
        Dimension::Agency => "dim_agency".into(),
        Dimension::Kind => "dim_kind".into(),
        Dimension::Topic => "dim_topic".into(),
        Dimension::TargetGroup => "dim_target".into(),
        Dimension::AreaProvince => area("province_id"),
        Dimension::AreaDistrict => area("district_id"),
        Dimension::AreaCommune => area("commune_id"),
        Dimension::PeriodMonth | Dimension::PeriodQuarter | Dimension::PeriodYear => {
            format!(
                "(SELECT grp.g AS g, {} AS k FROM grp)",
                period_expr(pg, d, "grp.d", rule)
            )
        }
    }
}

/// Date bucketing differs by backend: the one explicit `match` for it.
/// Under the Decree 09 cut-off a day from the 15th on belongs to the next
/// month: it is bucketed as the first of that month.
fn period_expr(pg: bool, d: Dimension, col: &str, rule: PeriodRule) -> String {
    let day = match (pg, rule) {
        (_, PeriodRule::Calendar) => col.to_string(),
        (true, PeriodRule::Decree09) => format!(
            "(CASE WHEN EXTRACT(DAY FROM {col}) >= 15 \
             THEN date_trunc('month', {col}) + interval '1 month' ELSE {col} END)"
        ),
        (false, PeriodRule::Decree09) => format!(
            "(CASE WHEN CAST(strftime('%d', {col}) AS INTEGER) >= 15 \
             THEN date({col}, 'start of month', '+1 month') ELSE {col} END)"
        ),
    };
    let col = day.as_str();
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

#[cfg(test)]
mod tests;
