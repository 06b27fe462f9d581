//! Same-as links between reports of one real event, the real-event groups
//! they form (`events.group_seq`), and the candidate pairs not linked yet.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConn;
use super::raw::{Bind, Sql, load};
use super::schema::{event_links, events, link_approvals, link_proposals};

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

/// Takes the links lock in shared mode until the transaction ends: event
/// writes take it first, so they never wait for it while holding a row
/// lock (a link change holds it exclusively and then updates event rows).
/// A write that finds it must change links retries with [`lock_all`].
pub fn lock_shared(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock_shared({LINKS_LOCK_KEY})"
        ))
        .execute(pg)?;
    }
    Ok(())
}

/// Whether this transaction holds the links lock exclusively (always on
/// SQLite, whose writers are serialised).
pub fn holds_exclusive(conn: &mut DbConn) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Held {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let DbConn::Pg(pg) = conn else {
        return Ok(true);
    };
    // A one-bigint advisory key is stored as classid (high half), objid (low half), objsubid 1.
    let held: Held = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() \
         AND classid = {} AND objid = {} AND objsubid = 1 AND mode = 'ExclusiveLock' AND granted",
        LINKS_LOCK_KEY >> 32,
        LINKS_LOCK_KEY & 0xffff_ffff
    ))
    .get_result(pg)?;
    Ok(held.n > 0)
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

/// Whether any link or proposal touches one of `seqs`.
pub fn any_touching(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<bool> {
    for chunk in seqs.chunks(500) {
        let links: i64 = event_links::table
            .filter(
                event_links::a_seq
                    .eq_any(chunk)
                    .or(event_links::b_seq.eq_any(chunk)),
            )
            .count()
            .get_result(conn)?;
        let proposals: i64 = link_proposals::table
            .filter(
                link_proposals::a_seq
                    .eq_any(chunk)
                    .or(link_proposals::b_seq.eq_any(chunk)),
            )
            .count()
            .get_result(conn)?;
        if links + proposals > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A stored link proposal.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = link_proposals)]
pub struct ProposalRow {
    /// Public id.
    pub id: String,
    /// Lower report seq.
    pub a_seq: i64,
    /// Higher report seq.
    pub b_seq: i64,
    /// The proposer's own report.
    pub from_seq: i64,
    /// Proposing agency.
    pub proposed_by: String,
    /// Proposed.
    pub created_at: chrono::NaiveDateTime,
}

/// The proposal between `lo` and `hi` (`lo < hi`), if any.
pub fn proposal_between(conn: &mut DbConn, lo: i64, hi: i64) -> QueryResult<Option<ProposalRow>> {
    link_proposals::table
        .filter(
            link_proposals::a_seq
                .eq(lo)
                .and(link_proposals::b_seq.eq(hi)),
        )
        .select(ProposalRow::as_select())
        .first(conn)
        .optional()
}

/// A proposal by id.
pub fn proposal(conn: &mut DbConn, id: &str) -> QueryResult<Option<ProposalRow>> {
    link_proposals::table
        .find(id)
        .select(ProposalRow::as_select())
        .first(conn)
        .optional()
}

/// Proposals touching any of `seqs`, in (created_at, id) order.
pub fn proposals_touching(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<ProposalRow>> {
    link_proposals::table
        .filter(
            link_proposals::a_seq
                .eq_any(seqs)
                .or(link_proposals::b_seq.eq_any(seqs)),
        )
        .select(ProposalRow::as_select())
        .order((link_proposals::created_at, link_proposals::id))
        .load(conn)
}

/// Proposals after the pair `after`, in (a_seq, b_seq) order, at most `limit`.
pub fn proposals_after(
    conn: &mut DbConn,
    after: Option<(i64, i64)>,
    limit: i64,
) -> QueryResult<Vec<ProposalRow>> {
    let mut q = link_proposals::table
        .select(ProposalRow::as_select())
        .into_boxed();
    if let Some((a, b)) = after {
        q = q.filter(
            link_proposals::a_seq
                .gt(a)
                .or(link_proposals::a_seq.eq(a).and(link_proposals::b_seq.gt(b))),
        );
    }
    q.order((link_proposals::a_seq, link_proposals::b_seq))
        .limit(limit)
        .load(conn)
}

/// Stores a proposal with the proposer's approval at `revision`.
pub fn insert_proposal(conn: &mut DbConn, p: &ProposalRow, revision: i64) -> QueryResult<()> {
    diesel::insert_into(link_proposals::table)
        .values((
            link_proposals::id.eq(&p.id),
            link_proposals::a_seq.eq(p.a_seq),
            link_proposals::b_seq.eq(p.b_seq),
            link_proposals::from_seq.eq(p.from_seq),
            link_proposals::proposed_by.eq(&p.proposed_by),
            link_proposals::created_at.eq(p.created_at),
        ))
        .execute(conn)?;
    approve(conn, &p.id, &p.proposed_by, revision)
}

/// Records an agency's approval of the proposal at `revision`, replacing
/// any earlier approval of it.
pub fn approve(
    conn: &mut DbConn,
    proposal_id: &str,
    agency: &str,
    revision: i64,
) -> QueryResult<()> {
    diesel::delete(
        link_approvals::table
            .filter(link_approvals::proposal_id.eq(proposal_id))
            .filter(link_approvals::agency_code.eq(agency)),
    )
    .execute(conn)?;
    diesel::insert_into(link_approvals::table)
        .values((
            link_approvals::proposal_id.eq(proposal_id),
            link_approvals::agency_code.eq(agency),
            link_approvals::approved_at.eq(super::now()),
            link_approvals::revision.eq(revision),
        ))
        .execute(conn)?;
    Ok(())
}

/// The agencies that approved a proposal, each with the revision it approved.
pub fn approvals(conn: &mut DbConn, proposal_id: &str) -> QueryResult<Vec<(String, i64)>> {
    link_approvals::table
        .filter(link_approvals::proposal_id.eq(proposal_id))
        .select((link_approvals::agency_code, link_approvals::revision))
        .order(link_approvals::agency_code)
        .load(conn)
}

/// Removes a proposal and its approvals.
pub fn delete_proposal(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(link_approvals::table.filter(link_approvals::proposal_id.eq(id)))
        .execute(conn)?;
    diesel::delete(link_proposals::table.find(id)).execute(conn)?;
    Ok(())
}

/// The reports (seq, agency) of the live members of real-event groups.
pub fn live_members(conn: &mut DbConn, groups: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    events::table
        .filter(events::group_seq.eq_any(groups))
        .filter(events::deleted_at.is_null())
        .select((events::seq, events::agency_code))
        .order(events::seq)
        .load(conn)
}

/// The start dates of the live reports of real-event groups: what a
/// change to those groups moves (period locks check them).
pub fn live_start_dates(conn: &mut DbConn, groups: &[i64]) -> QueryResult<Vec<chrono::NaiveDate>> {
    events::table
        .filter(events::group_seq.eq_any(groups))
        .filter(events::deleted_at.is_null())
        .select(events::start_date)
        .distinct()
        .load(conn)
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

/// A report's seq.
#[derive(Debug, QueryableByName)]
struct SeqRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// The longest report (days from first to last) that is matched as a
/// duplicate candidate: longer ones (a term of lessons, a year's tally)
/// would match every short report around them.
pub const CANDIDATE_MAX_SPAN_DAYS: i64 = 30;

/// The most candidates listed for one report.
pub const CANDIDATES_PER_EVENT: i64 = 20;

/// Reports whose candidates one page looks for: a page costs at most this
/// many reports' date windows, whatever the size of the database (issue
/// 29: a self-join over every report held every connection for a minute).
pub const CANDIDATE_SCAN: i64 = 200;

/// Pairs of live reports by different agencies, not linked yet, whose dates
/// overlap, whose areas are the same or one inside the other, and that share
/// the kind or a topic, at most `limit`, from at most [`CANDIDATE_SCAN`]
/// reports: with `agency`, its own reports (`a`, the other agency's `b`);
/// for an admin, every report (`a` the earlier recorded). Reports spanning
/// more than [`CANDIDATE_MAX_SPAN_DAYS`] or placed at province level are
/// never candidates, and each scanned report has at most
/// [`CANDIDATES_PER_EVENT`] (its earliest recorded others). `after`
/// resumes after a pair. Returns the pairs in (a_seq, b_seq) order and,
/// when reports remain beyond the scan, the last report scanned.
pub fn candidates(
    conn: &mut DbConn,
    agency: Option<&str>,
    after: Option<(i64, i64)>,
    limit: i64,
) -> QueryResult<(Vec<CandidateRow>, Option<i64>)> {
    let mut sql = Sql::new(super::is_postgres(conn));
    let mut q = "SELECT seq FROM events WHERE deleted_at IS NULL".to_string();
    if let Some(a) = agency {
        q.push_str(&format!(
            " AND agency_code = {}",
            sql.bind(Bind::Text(a.into()))
        ));
    }
    if let Some((x, y)) = after {
        // (x, MAX): every pair of report x was seen.
        let op = if y == i64::MAX { ">" } else { ">=" };
        q.push_str(&format!(" AND seq {op} {}", sql.bind(Bind::Int(x))));
    }
    q.push_str(&format!(
        " ORDER BY seq LIMIT {}",
        sql.bind(Bind::Int(CANDIDATE_SCAN + 1))
    ));
    let mut scan: Vec<i64> = load::<SeqRow>(conn, &q, &sql.binds)?
        .into_iter()
        .map(|r| r.seq)
        .collect();
    let more = scan.len() as i64 > CANDIDATE_SCAN;
    scan.truncate(CANDIDATE_SCAN as usize);
    let rows = candidate_rows(conn, &scan, agency.is_none(), after, None, limit)?;
    Ok((rows, if more { scan.last().copied() } else { None }))
}

/// Whether reports `lo` and `hi` (`lo < hi`) look alike as candidates do
/// (whatever the cap per report).
pub fn is_candidate(conn: &mut DbConn, lo: i64, hi: i64) -> QueryResult<bool> {
    Ok(!candidate_rows(conn, &[lo], true, None, Some(hi), 1)?.is_empty())
}

/// Whether a report can never be a candidate: longer than
/// [`CANDIDATE_MAX_SPAN_DAYS`] or placed at province level.
pub fn never_candidate(conn: &mut DbConn, seq: i64) -> QueryResult<bool> {
    let (start, end, level): (chrono::NaiveDate, chrono::NaiveDate, String) = events::table
        .inner_join(super::schema::areas::table)
        .filter(events::seq.eq(seq))
        .select((
            events::start_date,
            events::end_date,
            super::schema::areas::level,
        ))
        .first(conn)?;
    Ok((end - start).num_days() > CANDIDATE_MAX_SPAN_DAYS || level == "province")
}

/// The candidate pairs of the reports `scan` (as `a`); `later` keeps
/// only `b` recorded after `a` (each pair once, for admins); `pair` checks
/// one `b` alone, whatever the cap per report.
fn candidate_rows(
    conn: &mut DbConn,
    scan: &[i64],
    later: bool,
    after: Option<(i64, i64)>,
    pair: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CandidateRow>> {
    if scan.is_empty() {
        return Ok(Vec::new());
    }
    let pg = super::is_postgres(conn);
    let mut sql = Sql::new(pg);
    // Seqs read from the database: integers, written as literals.
    let list = scan
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut inner = Vec::new();
    let mut outer = Vec::new();
    if later {
        inner.push("AND b.seq > a.seq".to_string());
    }
    if let Some(hi) = pair {
        let p = sql.bind(Bind::Int(hi));
        inner.push(format!("AND b.seq = {p}"));
    } else {
        let per = sql.bind(Bind::Int(CANDIDATES_PER_EVENT));
        outer.push(format!("AND c.ra <= {per}"));
    }
    if let Some((x, y)) = after {
        let (p1, p2, p3) = (
            sql.bind(Bind::Int(x)),
            sql.bind(Bind::Int(x)),
            sql.bind(Bind::Int(y)),
        );
        outer.push(format!(
            "AND (c.a_seq > {p1} OR (c.a_seq = {p2} AND c.b_seq > {p3}))"
        ));
    }
    let lim = sql.bind(Bind::Int(limit));
    let days = CANDIDATE_MAX_SPAN_DAYS;
    // Both spans are bounded, so overlapping reports start within `days`
    // of each other: a range on start_date. And `b` is in `a`'s unit, the
    // units above it (its district, its commune; provinces never match) or
    // below it: found from the units first, then the reports of each unit
    // in the window through `events_area_start` (a page of 200 reports took
    // 22 s at national size with the date window alone, 16 ms this way).
    let (span_a, span_b, window) = if pg {
        (
            "(a.end_date - a.start_date)".to_string(),
            "(b.end_date - b.start_date)".to_string(),
            format!("b.start_date BETWEEN a.start_date - {days} AND a.start_date + {days}"),
        )
    } else {
        (
            "(julianday(a.end_date) - julianday(a.start_date))".to_string(),
            "(julianday(b.end_date) - julianday(b.start_date))".to_string(),
            format!(
                "b.start_date BETWEEN date(a.start_date, '-{days} days') AND date(a.start_date, '+{days} days')"
            ),
        )
    };
    let q = format!(
        "SELECT c.a_seq, c.b_seq, c.a_id, c.b_id, c.a_agency, c.b_agency, c.a_kind, c.b_kind, c.a_area, c.b_area FROM ( \
         SELECT a.seq AS a_seq, b.seq AS b_seq, a.id AS a_id, b.id AS b_id, a.agency_code AS a_agency, \
         b.agency_code AS b_agency, a.kind AS a_kind, b.kind AS b_kind, a.area_id AS a_area, b.area_id AS b_area, \
         ROW_NUMBER() OVER (PARTITION BY a.seq ORDER BY b.seq) AS ra \
         FROM events a JOIN areas aa ON aa.id = a.area_id \
         JOIN areas ab ON (ab.id = aa.id OR ab.id = aa.district_id OR ab.id = aa.commune_id \
                           OR ab.district_id = aa.id OR ab.commune_id = aa.id) \
         JOIN events b ON b.area_id = ab.id AND {window} \
           AND a.start_date <= b.end_date AND b.start_date <= a.end_date \
         WHERE a.seq IN ({list}) AND a.deleted_at IS NULL AND b.deleted_at IS NULL \
           AND a.agency_code <> b.agency_code AND a.group_seq <> b.group_seq \
           AND {span_a} <= {days} AND {span_b} <= {days} \
           AND aa.level <> 'province' AND ab.level <> 'province' \
           AND (a.kind = b.kind OR EXISTS (SELECT 1 FROM event_topics ta JOIN event_topics tb ON tb.topic = ta.topic \
                WHERE ta.event_seq = a.seq AND tb.event_seq = b.seq)) \
           {} \
         ) c WHERE 1 = 1 {} \
         ORDER BY c.a_seq, c.b_seq LIMIT {lim}",
        inner.join(" "),
        outer.join(" ")
    );
    load(conn, &q, &sql.binds)
}
