//! The accounts table: people who sign in (never a password, only its
//! Argon2id hash).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, agencies};

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = accounts, treat_none_as_null = true)]
pub struct AccountRow {
    /// UUID.
    pub id: String,
    /// As written.
    pub username: String,
    /// Lower case (unique).
    pub username_key: String,
    /// Name shown.
    pub display_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Role.
    pub role: String,
    /// Agency of an agency account.
    pub agency_code: Option<String>,
    /// Area scope.
    pub area_code: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: Option<String>,
    /// 1: the next sign-in must change the password.
    pub must_change_password: i32,
    /// When disabled.
    pub disabled_at: Option<NaiveDateTime>,
    /// Enrolled TOTP secret (base32).
    pub totp_secret: Option<String>,
    /// TOTP secret awaiting its first code.
    pub totp_pending: Option<String>,
    /// Last accepted TOTP step.
    pub totp_last_step: Option<i64>,
    /// JSON array of SHA-256 (hex) of unused recovery codes.
    pub recovery_codes: Option<String>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Changed (UTC).
    pub updated_at: NaiveDateTime,
}

/// Inserts a new account; a taken username is a unique violation.
pub fn insert(conn: &mut DbConn, row: &AccountRow) -> QueryResult<()> {
    diesel::insert_into(accounts::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Writes every column of an existing account.
pub fn update(conn: &mut DbConn, row: &AccountRow) -> QueryResult<usize> {
    diesel::update(accounts::table.filter(accounts::id.eq(&row.id)))
        .set(row)
        .execute(conn)
}

/// One account by id.
pub fn get(conn: &mut DbConn, id: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::id.eq(id))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

/// One account by username (any case).
pub fn by_username(conn: &mut DbConn, username_key: &str) -> QueryResult<Option<AccountRow>> {
    accounts::table
        .filter(accounts::username_key.eq(username_key))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

/// Accounts whose e-mail is `email` (stored lower case), at most two:
/// single sign-on by e-mail needs exactly one.
pub fn by_email(conn: &mut DbConn, email: &str) -> QueryResult<Vec<AccountRow>> {
    accounts::table
        .filter(accounts::email.eq(email))
        .select(AccountRow::as_select())
        .limit(2)
        .load(conn)
}

/// Accounts in username order after `after` (the cursor), at most `limit`.
pub fn list(conn: &mut DbConn, after: Option<&str>, limit: i64) -> QueryResult<Vec<AccountRow>> {
    let mut q = accounts::table.select(AccountRow::as_select()).into_boxed();
    if let Some(a) = after {
        q = q.filter(accounts::username_key.gt(a.to_string()));
    }
    q.order(accounts::username_key).limit(limit).load(conn)
}

/// Number of enabled admin accounts.
pub fn enabled_admins(conn: &mut DbConn) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::role.eq("admin"))
        .filter(accounts::disabled_at.is_null())
        .count()
        .get_result(conn)
}

/// The names of agencies by code, for the codes given.
pub fn agency_name(conn: &mut DbConn, code: &str) -> QueryResult<Option<(String, i32)>> {
    agencies::table
        .filter(agencies::code.eq(code))
        .select((agencies::name, agencies::active))
        .first(conn)
        .optional()
}
