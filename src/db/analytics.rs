//! The reach analytics' statements run (they are built, without a
//! connection, by the analytics module).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::DbConn;
use super::aggregates::load_heavy;
use super::raw::Bind;

/// One row of a reach analytics statement.
#[derive(QueryableByName, Debug)]
pub struct AnalyticsRow {
    /// Which part of the answer (`people`, `combination`, `bucket`).
    #[diesel(sql_type = Text)]
    pub part: String,
    /// A combination's agencies, comma-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    /// A bucket's number of real events.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub events: Option<i64>,
    /// People.
    #[diesel(sql_type = BigInt)]
    pub people: i64,
}

/// Runs a reach analytics statement.
pub fn load_rows(conn: &mut DbConn, text: &str, binds: &[Bind]) -> QueryResult<Vec<AnalyticsRow>> {
    load_heavy(conn, text, binds)
}
