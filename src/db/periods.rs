//! Locked periods (`period_locks`).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::period_locks;
use crate::domain::calendar::PeriodRule;

/// One stored lock, active or reopened.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = period_locks)]
pub struct LockRow {
    /// Lock id.
    pub id: i64,
    /// The period as written.
    pub period: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Why it was locked.
    pub reason: String,
    /// When (UTC).
    pub locked_at: NaiveDateTime,
    /// Who.
    pub locked_by: String,
    /// When it was reopened.
    pub reopened_at: Option<NaiveDateTime>,
    /// Who reopened it.
    pub reopened_by: Option<String>,
    /// Why.
    pub reopen_reason: Option<String>,
}

/// A lock to store.
#[derive(Debug, Insertable)]
#[diesel(table_name = period_locks)]
pub struct NewLock<'a> {
    /// The period as written.
    pub period: &'a str,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Why.
    pub reason: &'a str,
    /// When (UTC).
    pub locked_at: NaiveDateTime,
    /// Who.
    pub locked_by: &'a str,
}

/// Stores a new active lock and returns it.
pub fn insert(conn: &mut DbConn, lock: &NewLock<'_>) -> QueryResult<LockRow> {
    diesel::insert_into(period_locks::table)
        .values(lock)
        .execute(conn)?;
    active_for(conn, lock.period)?.ok_or(diesel::result::Error::NotFound)
}

/// Every active lock, by period start.
pub fn active(conn: &mut DbConn) -> QueryResult<Vec<LockRow>> {
    period_locks::table
        .filter(period_locks::reopened_at.is_null())
        .order((period_locks::starts_on, period_locks::id))
        .select(LockRow::as_select())
        .load(conn)
}

/// The active lock of `period`, if any.
pub fn active_for(conn: &mut DbConn, period: &str) -> QueryResult<Option<LockRow>> {
    period_locks::table
        .filter(period_locks::reopened_at.is_null())
        .filter(period_locks::period.eq(period))
        .select(LockRow::as_select())
        .first(conn)
        .optional()
}

/// Lock `id`.
pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<LockRow> {
    period_locks::table
        .find(id)
        .select(LockRow::as_select())
        .first(conn)
}

/// Marks lock `id` reopened.
pub fn reopen(
    conn: &mut DbConn,
    id: i64,
    by: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(period_locks::table.find(id))
        .set((
            period_locks::reopened_at.eq(Some(at)),
            period_locks::reopened_by.eq(Some(by)),
            period_locks::reopen_reason.eq(Some(reason)),
        ))
        .execute(conn)
}

/// A page of locks (newest first): only active ones unless `all`, ids
/// below `before`, at most `limit`; `period` narrows to one period.
pub fn page(
    conn: &mut DbConn,
    all: bool,
    period: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LockRow>> {
    let mut q = period_locks::table
        .select(LockRow::as_select())
        .into_boxed();
    if !all {
        q = q.filter(period_locks::reopened_at.is_null());
    }
    if let Some(p) = period {
        q = q.filter(period_locks::period.eq(p.to_string()));
    }
    if let Some(id) = before {
        q = q.filter(period_locks::id.lt(id));
    }
    q.order(period_locks::id.desc()).limit(limit).load(conn)
}

#[derive(QueryableByName)]
struct RuleRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    rule: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The rule reporting periods were cut by at the last start.
pub fn stored_rule(conn: &mut DbConn) -> QueryResult<String> {
    diesel::sql_query("SELECT rule FROM reporting_rule WHERE id = 1")
        .get_result::<RuleRow>(conn)
        .map(|r| r.rule)
}

/// Records the rule reporting periods are cut by (its setting's
/// spelling, one of a fixed list: written in the statement).
pub fn store_rule(conn: &mut DbConn, rule: PeriodRule) -> QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE reporting_rule SET rule = '{}' WHERE id = 1",
        rule.as_str()
    ))
    .execute(conn)
    .map(|_| ())
}

/// Active locks and stored publications: the periods whose days are
/// fixed.
pub fn fixed_periods(conn: &mut DbConn) -> QueryResult<i64> {
    diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM period_locks WHERE reopened_at IS NULL) \
         + (SELECT COUNT(*) FROM publications) AS n",
    )
    .get_result::<Count>(conn)
    .map(|c| c.n)
}
