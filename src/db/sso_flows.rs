//! Single sign-on flows in progress: one row per started flow, by the
//! SHA-256 of its `state`, taken (deleted) by its callback.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::sso_flows;

/// A started flow.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sso_flows)]
pub struct FlowRow {
    /// SHA-256 (hex) of the `state` sent to the provider.
    pub state_hash: String,
    /// SHA-256 (hex) of the `ct_sso` cookie of the browser that started it.
    pub browser_hash: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
    /// The redirect URI sent.
    pub redirect_uri: String,
    /// Started (UTC).
    pub created_at: NaiveDateTime,
}

/// Records a started flow.
pub fn insert(conn: &mut DbConn, row: &FlowRow) -> QueryResult<()> {
    diesel::insert_into(sso_flows::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Takes (reads and deletes) the flow with this state hash: a flow is used
/// once.
pub fn take(conn: &mut DbConn, state_hash: &str) -> QueryResult<Option<FlowRow>> {
    let row = sso_flows::table
        .filter(sso_flows::state_hash.eq(state_hash))
        .select(FlowRow::as_select())
        .first(conn)
        .optional()?;
    if row.is_none() {
        return Ok(None);
    }
    // Of two callbacks racing with one state, only the one whose delete
    // removed the row goes on.
    let deleted = diesel::delete(sso_flows::table.filter(sso_flows::state_hash.eq(state_hash)))
        .execute(conn)?;
    Ok(row.filter(|_| deleted == 1))
}

/// Forgets flows started before `before`.
pub fn delete_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sso_flows::table.filter(sso_flows::created_at.lt(before))).execute(conn)
}
