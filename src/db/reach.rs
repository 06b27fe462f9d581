//! What the in-memory reach index reads: live reports with their sets and
//! participants (all of them, or the reports of some real events), the
//! administrative units, and the change log it follows.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::DbConn;
use super::raw::{Bind, load};
use super::schema::{
    areas, event_co_organizers, event_participants, event_target_groups, event_topics, events,
    participants, reach_changes,
};

/// The `scope` of a change: what moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A report or a claim on it (`event_seq` names the report).
    Event,
    /// Administrative units or their successors.
    Areas,
    /// Agencies.
    Agencies,
}

/// One change log row.
#[derive(Debug, Clone, QueryableByName)]
pub struct ChangeRow {
    /// Its sequence number.
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    /// The writing transaction (PostgreSQL; 0 on SQLite).
    #[diesel(sql_type = BigInt)]
    pub txid: i64,
    /// `event`, `areas` or `agencies`.
    #[diesel(sql_type = Text)]
    pub scope: String,
    /// The report, for `event`.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub event_seq: Option<i64>,
}

impl ChangeRow {
    /// Its scope.
    pub fn scope(&self) -> Scope {
        match self.scope.as_str() {
            "event" => Scope::Event,
            "areas" => Scope::Areas,
            _ => Scope::Agencies,
        }
    }
}

/// Where a reader of the change log stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cursor {
    /// SQLite: rows commit in seq order; every row above `seq` is new.
    #[default]
    Start,
    /// SQLite: the last seq read.
    Seq(i64),
    /// PostgreSQL: the snapshot xmin of the previous read. Every transaction
    /// below it had finished then (its rows were read); any row not read
    /// yet belongs to a transaction at or above it.
    Xmin(i64),
}

#[derive(QueryableByName)]
struct Num {
    #[diesel(sql_type = Nullable<BigInt>)]
    n: Option<i64>,
}

/// Where a reader that loads everything now should start following.
/// Taken *before* the load: changes committed during it are read again
/// (applying a change twice is harmless).
pub fn cursor_now(conn: &mut DbConn) -> QueryResult<Cursor> {
    if super::is_postgres(conn) {
        let x = load::<Num>(
            conn,
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS n",
            &[],
        )?;
        Ok(Cursor::Xmin(x.first().and_then(|r| r.n).unwrap_or(0)))
    } else {
        let x = load::<Num>(conn, "SELECT MAX(seq) AS n FROM reach_changes", &[])?;
        Ok(x.first()
            .and_then(|r| r.n)
            .map_or(Cursor::Start, Cursor::Seq))
    }
}

/// The rows a reader at `cursor` may not have seen, and its next cursor.
/// On PostgreSQL rows can come again (their transaction's id is still at
/// or above the new xmin); the caller skips seqs it has applied.
pub fn changes_since(conn: &mut DbConn, cursor: Cursor) -> QueryResult<(Vec<ChangeRow>, Cursor)> {
    const COLS: &str = "SELECT seq, txid, scope, event_seq FROM reach_changes";
    match cursor {
        Cursor::Xmin(xmin) => {
            // The xmin first: a transaction invisible to the read below is
            // at or above it.
            let next = cursor_now(conn)?;
            let rows = load::<ChangeRow>(
                conn,
                &format!("{COLS} WHERE txid >= $1 ORDER BY seq"),
                &[Bind::Int(xmin)],
            )?;
            Ok((rows, next))
        }
        Cursor::Start | Cursor::Seq(_) => {
            let after = match cursor {
                Cursor::Seq(s) => s,
                _ => 0,
            };
            if super::is_postgres(conn) {
                // A PostgreSQL reader always starts from cursor_now.
                let next = cursor_now(conn)?;
                let rows = load::<ChangeRow>(
                    conn,
                    &format!("{COLS} WHERE seq > $1 ORDER BY seq"),
                    &[Bind::Int(after)],
                )?;
                return Ok((rows, next));
            }
            let rows = load::<ChangeRow>(
                conn,
                &format!("{COLS} WHERE seq > ? ORDER BY seq"),
                &[Bind::Int(after)],
            )?;
            let next = rows.last().map_or(cursor, |r| Cursor::Seq(r.seq));
            Ok((rows, next))
        }
    }
}

/// Deletes change rows older than `before` (every running instance has
/// read them: each reads the log at least every second).
pub fn prune(conn: &mut DbConn, before: chrono::NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(reach_changes::table.filter(reach_changes::at.lt(before))).execute(conn)
}

/// A live report, as the index needs it.
#[derive(Debug, Clone, Queryable)]
pub struct ReportRow {
    /// Its seq.
    pub seq: i64,
    /// Its real event.
    pub group_seq: i64,
    /// Reporting agency.
    pub agency: String,
    /// Kind.
    pub kind: String,
    /// Start date.
    pub start_date: NaiveDate,
    /// Recorded unit.
    pub area_id: i64,
    /// Attendance total.
    pub total: i64,
    /// Female attendances.
    pub female: Option<i64>,
    /// Male attendances.
    pub male: Option<i64>,
    /// Under-18 attendances.
    pub under_18: Option<i64>,
    /// Its distinct identified participants, as stored.
    pub identified: i64,
    /// Sessions covered.
    pub sessions: i64,
    /// Distinct people the agency counted itself.
    pub declared: Option<i64>,
    /// A mass-media record's audience.
    pub audience: Option<i64>,
}

/// A report's sets and people.
#[derive(Debug, Clone, Default)]
pub struct ReportSets {
    /// Topics.
    pub topics: Vec<String>,
    /// Target groups.
    pub target_groups: Vec<String>,
    /// Confirmed co-organisers.
    pub co_organizers: Vec<String>,
    /// Participant ids.
    pub participants: Vec<i64>,
}

/// Which live reports to load.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// Reports with `from <= seq < to` (the build reads the table in ranges).
    Seqs(i64, i64),
    /// Every live report of these real events (group seqs).
    Groups(&'a [i64]),
}

/// A set table's rows for the reports `which` names: (report seq, value).
macro_rules! set_rows {
    ($conn:expr, $which:expr, $seqs:expr, $table:ident, $col:ident, $filter:expr) => {{
        let mut out: Vec<(i64, _)> = Vec::new();
        match $which {
            Which::Seqs(from, to) => {
                out = $table::table
                    .filter($table::event_seq.ge(from).and($table::event_seq.lt(to)))
                    .filter($filter)
                    .select(($table::event_seq, $table::$col))
                    .load($conn)?;
            }
            Which::Groups(_) => {
                for chunk in $seqs.chunks(500) {
                    out.extend(
                        $table::table
                            .filter($table::event_seq.eq_any(chunk))
                            .filter($filter)
                            .select(($table::event_seq, $table::$col))
                            .load::<(i64, _)>($conn)?,
                    );
                }
            }
        }
        out
    }};
}

/// A condition every row meets.
fn always() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql("TRUE")
}

/// The live reports `which` names, with their sets, by report seq.
pub fn load_reports(
    conn: &mut DbConn,
    which: Which,
) -> QueryResult<(Vec<ReportRow>, HashMap<i64, ReportSets>)> {
    let cols = (
        events::seq,
        events::group_seq,
        events::agency_code,
        events::kind,
        events::start_date,
        events::area_id,
        events::attendance_total,
        events::attendance_female,
        events::attendance_male,
        events::attendance_under_18,
        events::participants_identified,
        events::sessions,
        events::declared_people,
        events::audience_estimate,
    );
    let live = events::table.filter(events::deleted_at.is_null());
    let mut reports: Vec<ReportRow> = Vec::new();
    match which {
        Which::Seqs(from, to) => {
            reports = live
                .filter(events::seq.ge(from).and(events::seq.lt(to)))
                .select(cols)
                .order(events::seq)
                .load(conn)?;
        }
        Which::Groups(groups) => {
            for chunk in groups.chunks(500) {
                reports.extend(
                    live.filter(events::group_seq.eq_any(chunk))
                        .select(cols)
                        .order(events::seq)
                        .load::<ReportRow>(conn)?,
                );
            }
        }
    }
    let seqs: Vec<i64> = reports.iter().map(|r| r.seq).collect();
    let mut sets: HashMap<i64, ReportSets> = HashMap::with_capacity(reports.len());
    for r in &reports {
        sets.insert(r.seq, ReportSets::default());
    }
    // Rows of reports not loaded (deleted ones, in a range) are skipped.
    let mut add = |rows: Vec<(i64, String)>, pick: fn(&mut ReportSets) -> &mut Vec<String>| {
        for (seq, v) in rows {
            if let Some(s) = sets.get_mut(&seq) {
                pick(s).push(v);
            }
        }
    };
    add(
        set_rows!(conn, which, seqs, event_topics, topic, always()),
        |s| &mut s.topics,
    );
    add(
        set_rows!(
            conn,
            which,
            seqs,
            event_target_groups,
            target_group,
            always()
        ),
        |s| &mut s.target_groups,
    );
    add(
        set_rows!(
            conn,
            which,
            seqs,
            event_co_organizers,
            agency_code,
            event_co_organizers::status.eq("confirmed")
        ),
        |s| &mut s.co_organizers,
    );
    let participants: Vec<(i64, i64)> = set_rows!(
        conn,
        which,
        seqs,
        event_participants,
        participant_id,
        always()
    );
    for (seq, pid) in participants {
        if let Some(s) = sets.get_mut(&seq) {
            s.participants.push(pid);
        }
    }
    Ok((reports, sets))
}

/// The real events (group seqs) with more than one live report.
pub fn linked_groups(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    events::table
        .filter(events::deleted_at.is_null())
        .group_by(events::group_seq)
        .having(diesel::dsl::count_star().gt(1))
        .select(events::group_seq)
        .load(conn)
}

/// What an index build will hold, to size it once: live reports,
/// attendance rows (of every report: an upper bound) and participants.
pub fn build_sizes(conn: &mut DbConn) -> QueryResult<(i64, i64, i64)> {
    let reports = events::table
        .filter(events::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    let attendances = event_participants::table.count().get_result(conn)?;
    let people = participants::table.count().get_result(conn)?;
    Ok((reports, attendances, people))
}

/// The largest report seq (0 when there are none).
pub fn max_report_seq(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(events::table
        .select(diesel::dsl::max(events::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// A unit, as the index places events with it.
#[derive(Debug, Clone, Queryable)]
pub struct UnitRow {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Province above it (or itself).
    pub province_id: Option<i64>,
    /// District above it.
    pub district_id: Option<i64>,
    /// Commune above it.
    pub commune_id: Option<i64>,
    /// The unit valid today that succeeded it.
    pub current_id: Option<i64>,
}

/// A unit as stored, with its dates.
type StoredUnit = (
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

/// Every administrative unit, named as answers print it (units sharing a
/// code marked with their dates: [`crate::domain::names::unit_name`]).
pub fn load_units(conn: &mut DbConn) -> QueryResult<Vec<UnitRow>> {
    let rows: Vec<StoredUnit> = areas::table
        .select((
            areas::id,
            areas::code,
            areas::name,
            areas::province_id,
            areas::district_id,
            areas::commune_id,
            areas::current_id,
            areas::valid_from,
            areas::valid_until,
        ))
        .load(conn)?;
    let mut per_code: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for r in &rows {
        *per_code.entry(r.1.as_str()).or_default() += 1;
    }
    let shared: std::collections::HashSet<String> = per_code
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(c, _)| c.to_string())
        .collect();
    Ok(rows
        .into_iter()
        .map(
            |(id, code, name, province_id, district_id, commune_id, current_id, from, until)| {
                let name =
                    crate::domain::names::unit_name(&name, from, until, shared.contains(&code));
                UnitRow {
                    id,
                    code,
                    name,
                    province_id,
                    district_id,
                    commune_id,
                    current_id,
                }
            },
        )
        .collect())
}

/// The real events (group seqs) reports `seqs` belong to now, deleted
/// reports included.
pub fn groups_of(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in seqs.chunks(500) {
        out.extend(
            events::table
                .filter(events::seq.eq_any(chunk))
                .select(events::group_seq)
                .distinct()
                .load::<i64>(conn)?,
        );
    }
    Ok(out)
}
