//! Publications (`publications`) and the memberships a publication's
//! disclosure control reads: which real events and which people each row
//! of a table counts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::DbConn;
use super::aggregates::load_heavy;
use super::raw::Bind;
use super::schema::publications;

/// One stored version of a publication.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = publications)]
pub struct PublicationRow {
    /// The period.
    pub period: String,
    /// Its version.
    pub version: i64,
    /// Title.
    pub title: String,
    /// When (UTC).
    pub published_at: NaiveDateTime,
    /// Who.
    pub published_by: String,
    /// SHA-256 of `content`.
    pub sha256: String,
    /// Canonical JSON.
    pub content: String,
}

/// Stores a version (a second one with the same number fails on the key).
pub fn insert(conn: &mut DbConn, row: &PublicationRow) -> QueryResult<()> {
    diesel::insert_into(publications::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The latest version number of `period` (0 when never published).
pub fn latest_version(conn: &mut DbConn, period: &str) -> QueryResult<i64> {
    publications::table
        .filter(publications::period.eq(period))
        .select(diesel::dsl::max(publications::version))
        .first::<Option<i64>>(conn)
        .map(|v| v.unwrap_or(0))
}

/// Every stored (period, version), in that order.
pub fn versions(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    publications::table
        .select((publications::period, publications::version))
        .order((publications::period, publications::version))
        .load(conn)
}

/// Version `version` of `period`.
pub fn get(conn: &mut DbConn, period: &str, version: i64) -> QueryResult<Option<PublicationRow>> {
    publications::table
        .filter(publications::period.eq(period))
        .filter(publications::version.eq(version))
        .select(PublicationRow::as_select())
        .first(conn)
        .optional()
}

/// The versions of every period (or of `period`), newest first by
/// (published_at, version, period), after `before`, at most `limit`;
/// without their content.
pub fn page(
    conn: &mut DbConn,
    period: Option<&str>,
    before: Option<(NaiveDateTime, i64, String)>,
    limit: i64,
) -> QueryResult<Vec<PublicationRow>> {
    let mut q = publications::table
        .select((
            publications::period,
            publications::version,
            publications::title,
            publications::published_at,
            publications::published_by,
            publications::sha256,
        ))
        .into_boxed();
    if let Some(p) = period {
        q = q.filter(publications::period.eq(p.to_string()));
    }
    if let Some((at, v, p)) = before {
        let same_time = publications::published_at.eq(at);
        q = q.filter(
            publications::published_at
                .lt(at)
                .or(same_time.and(publications::version.lt(v)))
                .or(same_time
                    .and(publications::version.eq(v))
                    .and(publications::period.lt(p))),
        );
    }
    q.order((
        publications::published_at.desc(),
        publications::version.desc(),
        publications::period.desc(),
    ))
    .limit(limit)
    .load::<(String, i64, String, NaiveDateTime, String, String)>(conn)
    .map(|rows| {
        rows.into_iter()
            .map(
                |(period, version, title, published_at, published_by, sha256)| PublicationRow {
                    period,
                    version,
                    title,
                    published_at,
                    published_by,
                    sha256,
                    content: String::new(),
                },
            )
            .collect()
    })
}

/// One row of a membership statement: a real event (`part` `event`, with
/// its figures) or a person (`person`) in the table's slice, or in one of
/// its rows (`event_row`, `person_row`, with the row's keys).
#[derive(QueryableByName, Debug)]
pub struct MemberRow {
    /// Which part.
    #[diesel(sql_type = Text)]
    pub part: String,
    /// The real event's group, or the person's id.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// First key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k0: Option<String>,
    /// Second key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k1: Option<String>,
    /// Third key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k2: Option<String>,
    /// Fourth key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k3: Option<String>,
    /// The event's total (events only).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub total: Option<i64>,
    /// Women present.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub female: Option<i64>,
    /// Men present.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub male: Option<i64>,
    /// Under-18s present.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub under_18: Option<i64>,
    /// Distinct identified people.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub identified: Option<i64>,
    /// Sessions.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub sessions: Option<i64>,
    /// Mass-media items.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub media_items: Option<i64>,
    /// Mass-media audience.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub audience: Option<i64>,
    /// How many more than its identified people it may have reached.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub unidentified_max: Option<i64>,
}

/// Runs a membership statement.
pub fn memberships(conn: &mut DbConn, text: &str, binds: &[Bind]) -> QueryResult<Vec<MemberRow>> {
    load_heavy(conn, text, binds)
}

/// A real event and one of its people.
#[derive(QueryableByName, Debug, Clone, Copy)]
pub struct PersonEvent {
    /// The real event's group.
    #[diesel(sql_type = BigInt)]
    pub g: i64,
    /// The person.
    #[diesel(sql_type = BigInt)]
    pub pid: i64,
}

/// A person and the day they were first reached (`YYYY-MM-DD`).
#[derive(QueryableByName, Debug, Clone)]
pub struct PersonFirst {
    /// The person.
    #[diesel(sql_type = BigInt)]
    pub pid: i64,
    /// Their first day.
    #[diesel(sql_type = Text)]
    pub d: String,
}

/// Runs a statement of people's first days.
pub fn first_days(conn: &mut DbConn, text: &str, binds: &[Bind]) -> QueryResult<Vec<PersonFirst>> {
    load_heavy(conn, text, binds)
}

/// Runs the statement of the people of a slice's real events.
pub fn people_of(conn: &mut DbConn, text: &str, binds: &[Bind]) -> QueryResult<Vec<PersonEvent>> {
    load_heavy(conn, text, binds)
}
