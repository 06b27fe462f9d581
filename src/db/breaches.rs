//! The breach log (`privacy_breaches`): breaches recorded, their deadline
//! to notify, and the notification.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::privacy_breaches as breaches;

/// One stored breach.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = breaches)]
pub struct BreachRow {
    /// Order of recording.
    #[diesel(skip_insertion)]
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// When the operator became aware of it (UTC).
    pub detected_at: NaiveDateTime,
    /// When it was recorded (UTC).
    pub recorded_at: NaiveDateTime,
    /// Who recorded it.
    pub recorded_by: String,
    /// What happened.
    pub description: String,
    /// Categories, comma-separated.
    pub data_categories: String,
    /// About how many people.
    pub subjects_estimate: Option<i64>,
    /// Measures taken.
    pub measures: Option<String>,
    /// Detected + 72 hours (UTC).
    pub notify_by: NaiveDateTime,
    /// Notified (UTC).
    pub notified_at: Option<NaiveDateTime>,
    /// To whom.
    pub notified_to: Option<String>,
    /// Its reference.
    pub notification_ref: Option<String>,
    /// Why late.
    pub late_reason: Option<String>,
}

/// Stores a breach and returns it.
pub fn insert(conn: &mut DbConn, row: &BreachRow) -> QueryResult<BreachRow> {
    diesel::insert_into(breaches::table)
        .values(row)
        .execute(conn)?;
    by_id(conn, &row.id)?.ok_or(diesel::result::Error::NotFound)
}

/// The breach with public id `id`.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<BreachRow>> {
    breaches::table
        .filter(breaches::id.eq(id))
        .select(BreachRow::as_select())
        .first(conn)
        .optional()
}

/// Records the notification of breach `seq`.
pub fn notified(
    conn: &mut DbConn,
    seq: i64,
    at: NaiveDateTime,
    to: &str,
    reference: Option<&str>,
    late_reason: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(breaches::table.filter(breaches::seq.eq(seq)))
        .set((
            breaches::notified_at.eq(Some(at)),
            breaches::notified_to.eq(Some(to)),
            breaches::notification_ref.eq(reference),
            breaches::late_reason.eq(late_reason),
        ))
        .execute(conn)
}

/// Breaches newest first, those recorded before `before` (a `seq`), at
/// most `limit`.
pub fn page(conn: &mut DbConn, before: Option<i64>, limit: i64) -> QueryResult<Vec<BreachRow>> {
    let mut q = breaches::table
        .select(BreachRow::as_select())
        .order(breaches::seq.desc())
        .limit(limit)
        .into_boxed();
    if let Some(seq) = before {
        q = q.filter(breaches::seq.lt(seq));
    }
    q.load(conn)
}
