//! Every stored unit in memory, for imports and admin writes to check rows
//! against without one query per row.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::QueryResult;

use super::{AreaRow, describe_periods};
use crate::db::DbConn;
use crate::db::areas as db;

/// Every stored unit, indexed by code: what validation and writing consult
/// instead of one query per row.
pub(super) struct Catalog {
    /// Every unit, in the order read.
    pub(super) rows: Vec<AreaRow>,
    by_code: HashMap<String, Vec<usize>>,
    /// Position in `rows` by id.
    pub(super) by_id: HashMap<i64, usize>,
}

impl Catalog {
    /// Loads every stored unit.
    pub(super) fn load(conn: &mut DbConn) -> QueryResult<Self> {
        let rows = db::all(conn)?;
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            by_code.entry(r.code.clone()).or_default().push(i);
            by_id.insert(r.id, i);
        }
        Ok(Self {
            rows,
            by_code,
            by_id,
        })
    }

    /// The units (all periods) with `code`.
    pub(super) fn with_code<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a AreaRow> + 'a {
        self.by_code
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.rows[i])
    }

    /// The periods of the units with `code`, in the catalog's order, as
    /// "valid until 2025-06-30, or valid from 2025-07-01"; `None` when no
    /// unit has the code.
    pub(super) fn periods_of(&self, code: &str) -> Option<String> {
        let periods: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = self
            .with_code(code)
            .map(|r| (r.valid_from, r.valid_until))
            .collect();
        (!periods.is_empty()).then(|| describe_periods(&periods))
    }

    /// The unit with `id`.
    pub(super) fn get(&self, id: i64) -> Option<&AreaRow> {
        self.by_id.get(&id).map(|&i| &self.rows[i])
    }
}
