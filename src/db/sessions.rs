//! The sessions table: browser sessions by the SHA-256 of their cookie
//! value (a copy of the table gives no one a live session).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::accounts::AccountRow;
use super::schema::{accounts, agencies, sessions};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    /// SHA-256 (hex) of the session id.
    pub id_hash: String,
    /// The account.
    pub account_id: String,
    /// `password` or `sso`.
    pub method: String,
    /// Sign-in (UTC).
    pub created_at: NaiveDateTime,
    /// Last request (UTC).
    pub last_seen_at: NaiveDateTime,
    /// Absolute end (UTC).
    pub expires_at: NaiveDateTime,
}

/// Records a new session.
pub fn insert(conn: &mut DbConn, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// A session, its account and whether the account's agency is active
/// (None: no agency), by id hash: one query per request.
pub fn find(
    conn: &mut DbConn,
    id_hash: &str,
) -> QueryResult<Option<(SessionRow, AccountRow, Option<i32>)>> {
    sessions::table
        .inner_join(accounts::table.left_join(agencies::table))
        .filter(sessions::id_hash.eq(id_hash))
        .select((
            SessionRow::as_select(),
            AccountRow::as_select(),
            agencies::active.nullable(),
        ))
        .first(conn)
        .optional()
}

/// Moves a session's last request time forward.
pub fn touch(conn: &mut DbConn, id_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::id_hash.eq(id_hash)))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
}

/// Ends one session.
pub fn delete(conn: &mut DbConn, id_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::id_hash.eq(id_hash))).execute(conn)
}

/// Ends every session of an account, except `keep` (by id hash).
pub fn delete_for_account(
    conn: &mut DbConn,
    account_id: &str,
    keep: Option<&str>,
) -> QueryResult<usize> {
    let q = sessions::table.filter(sessions::account_id.eq(account_id));
    match keep {
        Some(k) => diesel::delete(q.filter(sessions::id_hash.ne(k))).execute(conn),
        None => diesel::delete(q).execute(conn),
    }
}

/// Deletes sessions past their absolute end or idle since `idle_before`.
pub fn delete_expired(
    conn: &mut DbConn,
    now: NaiveDateTime,
    idle_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.lt(idle_before)),
        ),
    )
    .execute(conn)
}
