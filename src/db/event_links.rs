//! Same-as links between reports of one real event, the real-event groups
//! they form (`events.group_seq`), and the candidate pairs not linked yet.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;
use super::raw::{Bind, Sql, load};
use super::schema::{event_links, events};

/// Key of the PostgreSQL advisory lock that serialises link changes.
const LINKS_LOCK_KEY: i64 = 0x6c69_6e6b; // "link"

/// Serialises link changes until the transaction ends: each one reads a
/// link component and rewrites its group, so two at once (A-B and C-B)
/// would each miss the other's link and split one real event in two. On
/// PostgreSQL a transaction-scoped advisory lock; SQLite's writers are
/// already serialised by `BEGIN IMMEDIATE`.
pub fn lock_all(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LINKS_LOCK_KEY})")).execute(pg)?;
    }
    Ok(())
}

/// The links touching one report, as (a_seq, b_seq) pairs.
pub fn touching(conn: &mut DbConn, seq: i64) -> QueryResult<Vec<(i64, i64)>> {
    event_links::table
        .filter(event_links::a_seq.eq(seq).or(event_links::b_seq.eq(seq)))
        .select((event_links::a_seq, event_links::b_seq))
        .load(conn)
}

/// Puts reports into one real-event group.
pub fn set_group(conn: &mut DbConn, members: &[i64], group: i64) -> QueryResult<()> {
    diesel::update(events::table.filter(events::seq.eq_any(members)))
        .set(events::group_seq.eq(group))
        .execute(conn)
        .map(|_| ())
}

/// Whether the link `lo`-`hi` (`lo < hi`) exists.
pub fn exists(conn: &mut DbConn, lo: i64, hi: i64) -> QueryResult<bool> {
    let n: i64 = event_links::table
        .filter(event_links::a_seq.eq(lo).and(event_links::b_seq.eq(hi)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Stores the link `lo`-`hi` (`lo < hi`).
pub fn insert(conn: &mut DbConn, lo: i64, hi: i64) -> QueryResult<()> {
    diesel::insert_into(event_links::table)
        .values((
            event_links::a_seq.eq(lo),
            event_links::b_seq.eq(hi),
            event_links::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes the link `lo`-`hi` (`lo < hi`); returns how many rows went.
pub fn delete(conn: &mut DbConn, lo: i64, hi: i64) -> QueryResult<usize> {
    diesel::delete(
        event_links::table.filter(event_links::a_seq.eq(lo).and(event_links::b_seq.eq(hi))),
    )
    .execute(conn)
}

/// Two live reports that may describe the same real event (`a_seq < b_seq`).
#[derive(Debug, QueryableByName)]
pub struct CandidateRow {
    /// The earlier report's seq.
    #[diesel(sql_type = BigInt)]
    pub a_seq: i64,
    /// The later report's seq.
    #[diesel(sql_type = BigInt)]
    pub b_seq: i64,
    /// The earlier report's public id.
    #[diesel(sql_type = Text)]
    pub a_id: String,
    /// The later report's public id.
    #[diesel(sql_type = Text)]
    pub b_id: String,
    /// The earlier report's agency.
    #[diesel(sql_type = Text)]
    pub a_agency: String,
    /// The later report's agency.
    #[diesel(sql_type = Text)]
    pub b_agency: String,
    /// The earlier report's kind.
    #[diesel(sql_type = Text)]
    pub a_kind: String,
    /// The later report's kind.
    #[diesel(sql_type = Text)]
    pub b_kind: String,
    /// The earlier report's area unit.
    #[diesel(sql_type = BigInt)]
    pub a_area: i64,
    /// The later report's area unit.
    #[diesel(sql_type = BigInt)]
    pub b_area: i64,
}

/// Pairs of live reports by different agencies, not linked yet, whose dates
/// overlap, whose areas are the same or one inside the other, and that share
/// the kind or a topic, in (a_seq, b_seq) order, at most `limit`. `agency`
/// restricts to pairs with one of its reports; `after` resumes after a pair.
pub fn candidates(
    conn: &mut DbConn,
    agency: Option<&str>,
    after: Option<(i64, i64)>,
    limit: i64,
) -> QueryResult<Vec<CandidateRow>> {
    let mut sql = Sql::new(super::is_postgres(conn));
    let mut conds = Vec::new();
    if let Some(a) = agency {
        let (p1, p2) = (
            sql.bind(Bind::Text(a.into())),
            sql.bind(Bind::Text(a.into())),
        );
        conds.push(format!(
            "AND (a.agency_code = {p1} OR b.agency_code = {p2})"
        ));
    }
    if let Some((x, y)) = after {
        let (p1, p2, p3) = (
            sql.bind(Bind::Int(x)),
            sql.bind(Bind::Int(x)),
            sql.bind(Bind::Int(y)),
        );
        conds.push(format!(
            "AND (a.seq > {p1} OR (a.seq = {p2} AND b.seq > {p3}))"
        ));
    }
    let lim = sql.bind(Bind::Int(limit));
    let q = format!(
        "SELECT a.seq AS a_seq, b.seq AS b_seq, a.id AS a_id, b.id AS b_id, a.agency_code AS a_agency, \
         b.agency_code AS b_agency, a.kind AS a_kind, b.kind AS b_kind, a.area_id AS a_area, b.area_id AS b_area \
         FROM events a JOIN events b ON a.seq < b.seq \
           AND a.start_date <= b.end_date AND b.start_date <= a.end_date \
         JOIN areas aa ON aa.id = a.area_id JOIN areas ab ON ab.id = b.area_id \
         WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL \
           AND a.agency_code <> b.agency_code AND a.group_seq <> b.group_seq \
           AND (a.area_id = b.area_id OR ab.province_id = aa.id OR ab.district_id = aa.id OR ab.commune_id = aa.id \
                OR aa.province_id = ab.id OR aa.district_id = ab.id OR aa.commune_id = ab.id) \
           AND (a.kind = b.kind OR EXISTS (SELECT 1 FROM event_topics ta JOIN event_topics tb ON tb.topic = ta.topic \
                WHERE ta.event_seq = a.seq AND tb.event_seq = b.seq)) \
           {} \
         ORDER BY a.seq, b.seq LIMIT {lim}",
        conds.join(" ")
    );
    load(conn, &q, &sql.binds)
}
