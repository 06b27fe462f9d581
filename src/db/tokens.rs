//! The token table: issued tokens by `jti`, never the token itself.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{agencies, api_tokens};

/// A stored token record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    /// Token id.
    pub jti: String,
    /// Role.
    pub role: String,
    /// Agency of an agency token.
    pub agency_code: Option<String>,
    /// Label.
    pub label: String,
    /// Signing key id.
    pub kid: String,
    /// Issued (UTC).
    pub issued_at: NaiveDateTime,
    /// Expires (UTC).
    pub expires_at: NaiveDateTime,
    /// Revoked (UTC).
    pub revoked_at: Option<NaiveDateTime>,
    /// 1 for a public viewer token.
    pub public: i32,
    /// The area a scoped token's answers cover.
    pub area_code: Option<String>,
}

/// What a request needs to know about its token.
#[derive(Debug, Clone)]
pub struct ActiveToken {
    /// Role as stored.
    pub role: String,
    /// Agency as stored.
    pub agency_code: Option<String>,
    /// Whether that agency is active.
    pub agency_active: Option<bool>,
    /// Public (publication) token.
    pub public: bool,
    /// Area scope.
    pub area_code: Option<String>,
}

/// The token if it exists, is not revoked and has not expired.
pub fn find_active(
    conn: &mut DbConn,
    jti: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ActiveToken>> {
    type Found = (String, Option<String>, Option<i32>, i32, Option<String>);
    let row: Option<Found> = api_tokens::table
        .left_join(agencies::table)
        .filter(api_tokens::jti.eq(jti))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(now))
        .select((
            api_tokens::role,
            api_tokens::agency_code,
            agencies::active.nullable(),
            api_tokens::public,
            api_tokens::area_code,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(role, agency_code, active, public, area_code)| ActiveToken {
            role,
            agency_code,
            agency_active: active.map(|a| a != 0),
            public: public != 0,
            area_code,
        },
    ))
}

/// Records an issued token.
pub fn insert(conn: &mut DbConn, row: &TokenRow) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One token by id.
pub fn get(conn: &mut DbConn, jti: &str) -> QueryResult<Option<TokenRow>> {
    api_tokens::table
        .filter(api_tokens::jti.eq(jti))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

/// All tokens, newest first.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<TokenRow>> {
    api_tokens::table
        .order((api_tokens::issued_at.desc(), api_tokens::jti))
        .select(TokenRow::as_select())
        .load(conn)
}

/// Marks a token revoked (idempotent: the first revocation time is kept).
pub fn revoke(conn: &mut DbConn, jti: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::jti.eq(jti))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
}
