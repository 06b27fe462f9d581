//! Raw SQL for the queries diesel's DSL cannot express portably (grouped
//! CTEs): placeholders in each backend's syntax, values bound, rows loaded.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use super::DbConn;

/// A bound parameter.
#[derive(Debug, Clone)]
pub enum Bind {
    /// TEXT.
    Text(String),
    /// DATE.
    Date(NaiveDate),
    /// BIGINT.
    Int(i64),
}

/// Builds SQL with the backend's placeholders.
pub struct Sql {
    pg: bool,
    /// The values bound so far, in placeholder order.
    pub binds: Vec<Bind>,
}

impl Sql {
    /// A builder for the given backend.
    pub fn new(pg: bool) -> Self {
        Self {
            pg,
            binds: Vec::new(),
        }
    }

    /// Whether the placeholders are PostgreSQL's.
    pub fn is_pg(&self) -> bool {
        self.pg
    }

    /// Adds a value; returns its placeholder.
    pub fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        if self.pg {
            format!("${}", self.binds.len())
        } else {
            "?".into()
        }
    }

    /// Binds each value; returns the comma-separated placeholders.
    pub fn list(&mut self, values: &[String]) -> String {
        values
            .iter()
            .map(|v| self.bind(Bind::Text(v.clone())))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs a raw query with its binds on either backend.
pub fn load<
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
>(
    conn: &mut DbConn,
    sql: &str,
    binds: &[Bind],
) -> QueryResult<Vec<R>> {
    crate::on_both!(conn, |c| {
        let mut q = diesel::sql_query(sql).into_boxed();
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                Bind::Date(d) => q.bind::<Date, _>(*d),
                Bind::Int(i) => q.bind::<BigInt, _>(*i),
            };
        }
        q.load::<R>(c)
    })
}
