//! The aggregate statement run (it is built, without a connection, by the
//! aggregates module), and the units its area keys name.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::DbConn;
use super::raw::{Bind, Sql, load};

/// One row of the aggregate statement: `part` says which part of the
/// answer it is (`rows`, `totals`, `unique_rows`, `unique_totals`). The
/// summed columns are named after their measures.
#[derive(QueryableByName, Debug)]
pub struct PartRow {
    /// Which part.
    #[diesel(sql_type = Text)]
    pub part: String,
    /// First key (rows).
    #[diesel(sql_type = Nullable<Text>)]
    pub k0: Option<String>,
    /// Second key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k1: Option<String>,
    /// Third key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k2: Option<String>,
    /// Fourth key.
    #[diesel(sql_type = Nullable<Text>)]
    pub k3: Option<String>,
    /// Distinct real events.
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    /// Sum of the real events' totals.
    #[diesel(sql_type = BigInt)]
    pub attendances: i64,
    /// Sum of the reported female attendances.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub female_attendances: Option<i64>,
    /// Sum of the reported male attendances.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub male_attendances: Option<i64>,
    /// Sum of the reported under-18 attendances.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub under_18_attendances: Option<i64>,
    /// Sum of the identified attendances.
    #[diesel(sql_type = BigInt)]
    pub identified_attendances: i64,
    /// Sum of the real events' sessions (mass media excluded).
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
    /// Sum of the mass-media real events' items.
    #[diesel(sql_type = BigInt)]
    pub media_items: i64,
    /// Sum of the mass-media real events' audiences.
    #[diesel(sql_type = BigInt)]
    pub audience: i64,
    /// The largest lower bound of a real event's different people.
    #[diesel(sql_type = BigInt)]
    pub lower_bound: i64,
    /// How many more than their identified people the real events may hold.
    #[diesel(sql_type = BigInt)]
    pub unidentified_max: i64,
    /// Distinct people (unique parts only).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub uniq: Option<i64>,
}

/// PostgreSQL `work_mem` for the aggregate statement: its hash tables over
/// millions of (key, person) pairs would otherwise spill to disk in batches.
const AGGREGATE_WORK_MEM: &str = "256MB";

/// Runs the aggregate statement.
pub fn load_parts(conn: &mut DbConn, text: &str, binds: &[Bind]) -> QueryResult<Vec<PartRow>> {
    load_heavy(conn, text, binds)
}

/// Runs a statement over a slice of the data (aggregates, reach analytics)
/// with PostgreSQL set up for large hash tables.
pub fn load_heavy<
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
>(
    conn: &mut DbConn,
    text: &str,
    binds: &[Bind],
) -> QueryResult<Vec<R>> {
    if super::is_postgres(conn) {
        // Hash tables and sorts over millions of rows stay in memory.
        conn.transaction(|conn| {
            // JIT compilation would add about a second to every request: the
            // estimates of the joins of CTEs are wildly high.
            conn.batch_execute(&format!(
                "SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'; SET LOCAL jit = off"
            ))?;
            load(conn, text, binds)
        })
    } else {
        load(conn, text, binds)
    }
}

#[derive(QueryableByName, Debug)]
struct AreaName {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    valid_from: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    valid_until: Option<String>,
    /// Units with its code (itself included).
    #[diesel(sql_type = BigInt)]
    same_code: i64,
}

/// The code and name of each of the units `ids`, named as answers print
/// them (units sharing a code marked with their dates:
/// [`crate::domain::names::unit_name`]).
pub fn area_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<BTreeMap<i64, (String, String)>> {
    let mut units: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(super::is_postgres(conn));
        let list = chunk
            .iter()
            .map(|i| sql.bind(Bind::Int(*i)))
            .collect::<Vec<_>>()
            .join(", ");
        let q = format!(
            "SELECT a.id, a.code, a.name, CAST(a.valid_from AS TEXT) AS valid_from, \
             CAST(a.valid_until AS TEXT) AS valid_until, \
             (SELECT COUNT(*) FROM areas b WHERE b.code = a.code) AS same_code \
             FROM areas a WHERE a.id IN ({list})"
        );
        for n in load::<AreaName>(conn, &q, &sql.binds)? {
            let day = |d: &Option<String>| d.as_deref().and_then(|d| d.get(..10)?.parse().ok());
            let name = crate::domain::names::unit_name(
                &n.name,
                day(&n.valid_from),
                day(&n.valid_until),
                n.same_code > 1,
            );
            units.insert(n.id, (n.code, name));
        }
    }
    Ok(units)
}
