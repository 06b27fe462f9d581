//! Co-organiser claims: the answers stored on `event_co_organizers`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{event_co_organizers, events};

/// Records the named agency's answer; returns how many claims changed.
pub fn set_status(
    conn: &mut DbConn,
    seq: i64,
    agency: &str,
    status: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        event_co_organizers::table
            .filter(event_co_organizers::event_seq.eq(seq))
            .filter(event_co_organizers::agency_code.eq(agency)),
    )
    .set((
        event_co_organizers::status.eq(status),
        event_co_organizers::decided_at.eq(Some(at)),
    ))
    .execute(conn)
}

/// The seqs of live events with claims naming `agency` (any, for `None`)
/// with `status` when given, after event `after`, in order, at most `limit`.
pub fn page(
    conn: &mut DbConn,
    agency: Option<&str>,
    status: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let live = events::table
        .filter(events::deleted_at.is_null())
        .select(events::seq);
    let mut q = event_co_organizers::table
        .filter(event_co_organizers::event_seq.eq_any(live))
        .select(event_co_organizers::event_seq)
        .distinct()
        .into_boxed();
    if let Some(a) = agency {
        q = q.filter(event_co_organizers::agency_code.eq(a.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(event_co_organizers::status.eq(s.to_string()));
    }
    if let Some(seq) = after {
        q = q.filter(event_co_organizers::event_seq.gt(seq));
    }
    q.order(event_co_organizers::event_seq)
        .limit(limit)
        .load(conn)
}

/// Pending claims on live events of `agency`, counted by the named agency.
pub fn pending_by_named(
    conn: &mut DbConn,
    agency: &str,
) -> QueryResult<std::collections::HashMap<String, i64>> {
    let own = events::table
        .filter(events::deleted_at.is_null())
        .filter(events::agency_code.eq(agency.to_string()))
        .select(events::seq);
    let rows: Vec<(String, i64)> = event_co_organizers::table
        .filter(event_co_organizers::event_seq.eq_any(own))
        .filter(event_co_organizers::status.eq("pending"))
        .group_by(event_co_organizers::agency_code)
        .select((event_co_organizers::agency_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
