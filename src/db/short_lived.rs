//! Events deleted soon after they were created: the audit view of a
//! "post an event, read an aggregate, delete it" membership probe.
//!
//! The lifetime is compared in SQL, exactly (to the microsecond) on both
//! backends, so that a page holds exactly the rows that qualify and cursor
//! pagination stays simple. PostgreSQL subtracts its timestamps; SQLite
//! stores them as text (`YYYY-MM-DD HH:MM:SS[.ffffff]`, see
//! [`super::now`]), which [`SQLITE_MICROS`] turns into integer microseconds.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer};

use super::DbConn;
use super::schema::events;

type Backend = <DbConn as Connection>::Backend;

/// A deleted event's audit facts.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct ShortLivedRow {
    /// Join key (the cursor's tie-breaker).
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// Reporting agency.
    pub agency_code: String,
    /// The agency's own id.
    pub external_id: String,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Deleted (the query only selects deleted events).
    #[diesel(select_expression = events::deleted_at.assume_not_null())]
    #[diesel(select_expression_type = diesel::dsl::AssumeNotNull<events::deleted_at>)]
    pub deleted_at: NaiveDateTime,
    /// Distinct identified participants.
    pub participants_identified: i64,
    /// Why it was deleted.
    pub delete_reason: Option<String>,
}

/// Which deleted events to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortLivedFilter {
    /// Deleted at most this many minutes after creation.
    pub within_minutes: i32,
    /// Reported by this agency.
    pub agency: Option<String>,
    /// Deleted at or after this time (UTC).
    pub deleted_from: Option<NaiveDateTime>,
    /// Deleted before this time (UTC).
    pub deleted_before: Option<NaiveDateTime>,
    /// Resume after this `(deleted_at, seq)`, in the listing's descending order.
    pub after: Option<(NaiveDateTime, i64)>,
}

/// A text timestamp of SQLite as integer microseconds since the epoch:
/// whole seconds from `strftime('%s')`, plus the fraction's first six digits
/// (right-padded, so `.5` and no fraction both read correctly).
const SQLITE_MICROS: &str = "(CAST(strftime('%s', {c}) AS INTEGER) * 1000000 \
     + CAST(substr(substr({c}, 21) || '000000', 1, 6) AS INTEGER))";

/// Deleted events that lived at most `within_minutes`, newest deletion
/// first (then highest seq), at most `limit`.
pub fn list(
    conn: &mut DbConn,
    f: &ShortLivedFilter,
    limit: i64,
) -> QueryResult<Vec<ShortLivedRow>> {
    let lived_at_most: Box<dyn BoxableExpression<events::table, Backend, SqlType = Bool>> =
        if super::is_postgres(conn) {
            Box::new(
                sql::<Bool>("events.deleted_at - events.created_at <= make_interval(mins => ")
                    .bind::<Integer, _>(f.within_minutes)
                    .sql(")"),
            )
        } else {
            let micros = |c: &str| SQLITE_MICROS.replace("{c}", c);
            Box::new(
                sql::<Bool>(&format!(
                    "{} - {} <= ",
                    micros("events.deleted_at"),
                    micros("events.created_at")
                ))
                .bind::<BigInt, _>(i64::from(f.within_minutes) * 60_000_000),
            )
        };
    let deleted_at = events::deleted_at.assume_not_null();
    let mut q = events::table
        .select(ShortLivedRow::as_select())
        .filter(events::deleted_at.is_not_null())
        .filter(lived_at_most)
        .into_boxed();
    if let Some(a) = &f.agency {
        q = q.filter(events::agency_code.eq(a.clone()));
    }
    if let Some(t) = f.deleted_from {
        q = q.filter(deleted_at.ge(t));
    }
    if let Some(t) = f.deleted_before {
        q = q.filter(deleted_at.lt(t));
    }
    if let Some((t, seq)) = f.after {
        q = q.filter(
            deleted_at
                .lt(t)
                .or(deleted_at.eq(t).and(events::seq.lt(seq))),
        );
    }
    q.order((deleted_at.desc(), events::seq.desc()))
        .limit(limit)
        .load(conn)
}
