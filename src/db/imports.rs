//! The imports table: an upload's progress and answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::imports;

/// A stored import.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    /// Public id.
    pub id: String,
    /// The importing agency.
    pub agency_code: String,
    /// Who imported.
    pub actor: String,
    /// 1: a dry run.
    pub dry_run: i32,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Rows of the file.
    pub rows_total: i64,
    /// Rows answered so far.
    pub rows_done: i64,
    /// The answer (JSON).
    pub result_json: Option<String>,
    /// Started.
    pub created_at: NaiveDateTime,
    /// Last progress.
    pub updated_at: NaiveDateTime,
}

/// Stores a new import.
pub fn insert(conn: &mut DbConn, row: &ImportRow) -> QueryResult<()> {
    diesel::insert_into(imports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Records progress (and, when `result` is given, the end).
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    rows_done: i64,
    status: &str,
    result: Option<&str>,
) -> QueryResult<()> {
    diesel::update(imports::table.find(id))
        .set((
            imports::rows_done.eq(rows_done),
            imports::status.eq(status),
            imports::result_json.eq(result),
            imports::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One import.
pub fn get(conn: &mut DbConn, id: &str) -> QueryResult<Option<ImportRow>> {
    imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)
        .optional()
}
