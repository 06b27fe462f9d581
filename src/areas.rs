//! Administrative units, versioned by validity period.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::areas;

/// A stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = areas)]
pub struct AreaRow {
    /// Surrogate id.
    pub id: i64,
    /// Official code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: String,
    /// Parent.
    pub parent_id: Option<i64>,
    /// First valid day.
    pub valid_from: Option<NaiveDate>,
    /// Last valid day.
    pub valid_until: Option<NaiveDate>,
}

/// What a code names on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The unit valid on that date.
    Found(AreaRow),
    /// The code exists, but only in these periods.
    NotValidOn {
        /// Validity periods of the units with this code.
        valid: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
    },
    /// No unit ever had this code.
    Unknown,
}

/// Resolves a code to the unit valid on `on`.
pub fn resolve(conn: &mut DbConn, code: &str, on: NaiveDate) -> QueryResult<Resolution> {
    let rows: Vec<AreaRow> = areas::table
        .filter(areas::code.eq(code))
        .select(AreaRow::as_select())
        .order(areas::valid_from)
        .load(conn)?;
    if rows.is_empty() {
        return Ok(Resolution::Unknown);
    }
    let valid_on =
        |r: &AreaRow| r.valid_from.is_none_or(|f| f <= on) && r.valid_until.is_none_or(|u| on <= u);
    match rows.iter().find(|r| valid_on(r)) {
        Some(r) => Ok(Resolution::Found(r.clone())),
        None => Ok(Resolution::NotValidOn {
            valid: rows.iter().map(|r| (r.valid_from, r.valid_until)).collect(),
        }),
    }
}

/// Ids of every unit that had this code, in any period.
pub fn ids_with_code(conn: &mut DbConn, code: &str) -> QueryResult<Vec<i64>> {
    areas::table
        .filter(areas::code.eq(code))
        .select(areas::id)
        .load(conn)
}
