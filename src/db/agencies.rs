//! The agency table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::agencies;

/// A stored agency.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = agencies)]
pub struct AgencyRow {
    /// Slug.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// 1 active, 0 deactivated.
    pub active: i32,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
    /// Updated (UTC).
    pub updated_at: NaiveDateTime,
}

/// Changes to an agency (absent fields keep their value).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = agencies)]
pub struct AgencyChanges {
    /// New Vietnamese name.
    pub name: Option<String>,
    /// New English name.
    pub name_en: Option<String>,
    /// New active flag.
    pub active: Option<i32>,
    /// Update time.
    pub updated_at: Option<NaiveDateTime>,
}

/// Every agency, by code.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<AgencyRow>> {
    agencies::table
        .order(agencies::code)
        .select(AgencyRow::as_select())
        .load(conn)
}

/// One agency.
pub fn get(conn: &mut DbConn, code: &str) -> QueryResult<Option<AgencyRow>> {
    agencies::table
        .filter(agencies::code.eq(code))
        .select(AgencyRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts an agency (a duplicate code is a unique violation).
pub fn insert(conn: &mut DbConn, row: &AgencyRow) -> QueryResult<()> {
    diesel::insert_into(agencies::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Applies changes.
pub fn update(conn: &mut DbConn, code: &str, changes: &AgencyChanges) -> QueryResult<usize> {
    diesel::update(agencies::table.filter(agencies::code.eq(code)))
        .set(changes)
        .execute(conn)
}

/// Codes among `codes` that name active agencies (looked up 500 at a time,
/// far below SQLite's limit on bound variables).
pub fn active_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in codes.chunks(500) {
        out.extend(
            agencies::table
                .filter(agencies::code.eq_any(chunk))
                .filter(agencies::active.eq(1))
                .select(agencies::code)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}
