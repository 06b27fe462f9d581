//! Administrative areas: Vietnam's official units as a hierarchy that changes
//! over time.
//!
//! A unit is identified by its official `code` together with its validity
//! period (`valid_from`..=`valid_until`, either end open), because the
//! reform of 1 July 2025 reused codes. On any date a code names at most one
//! unit ([`resolve`]).
//!
//! Every unit stores, besides its `parent_id`, its ancestor at each level
//! (`province_id`, `district_id`, `commune_id`, itself included), so "every
//! event in this district" is one indexed comparison
//! ([`crate::db::areas::ids_at_or_below`]), and
//! `current_id`, the unit valid today that it maps to: itself while it is
//! valid; for a retired unit, the end of its chain of default successors, or
//! failing that (a unit nobody declared successors for, such as a village
//! added under a pre-2025 commune) its parent's current unit. These derived
//! columns are recomputed by [`refresh_derived`] after every import and at
//! every start, so a validity boundary passing while the service runs is
//! picked up at the next start or import.
//!
//! The official lists ship inside the binary ([`PRE_2025_UNITS`],
//! [`UNITS_2025`], [`SUCCESSORS_2025`]) and are loaded on the first start of
//! a new database ([`crate::seed`]); [`import_units`] and
//! [`import_successors`] load further lists (CLI and HTTP).
//!
//! This module holds the vocabulary (levels, periods) and resolution on a
//! date; beside it are `views` (the API's types), `derived` (the derived
//! columns), `csv` (reading import files), `catalog` (every unit in memory,
//! for checking rows), `import_units`, `import_successors` and `create`
//! (units an admin adds). Every query is in [`crate::db::areas`].

mod catalog;
mod create;
mod csv;
mod derived;
mod import_successors;
mod import_units;
mod views;

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::areas as db;
use crate::error::ApiError;

#[cfg(test)]
pub use crate::db::areas::ids_below;
pub use crate::db::areas::{AreaRow, by_ids as rows_by_ids, count, ids_with_code};
pub use create::create_area;
pub use derived::refresh_derived;
pub use import_successors::{import_successors, import_successors_in_tx};
pub use import_units::{import_units, import_units_in_tx};
pub use views::{Area, AreaDetail, AreaPage, ImportSummary, NewArea, detail, to_areas};

/// Every unit before the reform (63 provinces, 696 districts, 10,035
/// communes), valid until [`last_day_before_reform`].
pub const PRE_2025_UNITS: &str = include_str!("../../data/areas/vn-admin-units-pre-2025.csv");
/// Every unit after the reform (34 provinces, 3,321 communes), valid from
/// [`reform_date`].
pub const UNITS_2025: &str = include_str!("../../data/areas/vn-admin-units-2025.csv");
/// Old commune -> new commune(s) of the 2025 reform, `default=1` on the one
/// that took most of a divided commune.
pub const SUCCESSORS_2025: &str =
    include_str!("../../data/areas/vn-admin-units-2025-successors.csv");

/// First day of the 2025 units (1 July 2025).
pub fn reform_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()
}

/// Last day of the pre-2025 units (30 June 2025).
pub fn last_day_before_reform() -> NaiveDate {
    reform_date().pred_opt().unwrap_or_default()
}

pub use crate::domain::names::fold;

/// The tier of a unit.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Province or centrally-governed city (tỉnh, thành phố).
    Province,
    /// District (huyện, quận, thị xã, thành phố thuộc tỉnh); none after the 2025 reform.
    District,
    /// Commune, ward or township (xã, phường, thị trấn, đặc khu).
    Commune,
    /// A unit below a commune (thôn, ấp, tổ dân phố) that an admin adds.
    Village,
}

impl Level {
    /// Every level, from the top.
    pub const ALL: [Level; 4] = [
        Level::Province,
        Level::District,
        Level::Commune,
        Level::Village,
    ];

    /// The stored and JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Levels a unit of this level may hang under (a commune hangs under a
    /// district before the reform and directly under a province after it).
    pub fn parent_levels(self) -> &'static [Level] {
        match self {
            Level::Province => &[],
            Level::District => &[Level::Province],
            Level::Commune => &[Level::District, Level::Province],
            Level::Village => &[Level::Commune],
        }
    }
}

/// A validity period, both ends inclusive; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// First valid day.
    pub from: Option<NaiveDate>,
    /// Last valid day.
    pub until: Option<NaiveDate>,
}

impl Period {
    /// Whether `day` falls in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.until.is_none_or(|u| day <= u)
    }

    /// Whether every day of `other` falls in this period.
    pub fn covers(&self, other: &Period) -> bool {
        let from_ok = match (self.from, other.from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a <= b,
        };
        let until_ok = match (self.until, other.until) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => b <= a,
        };
        from_ok && until_ok
    }

    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        let starts_before_other_ends = match (self.from, other.until) {
            (Some(f), Some(u)) => f <= u,
            _ => true,
        };
        let other_starts_before_self_ends = match (other.from, self.until) {
            (Some(f), Some(u)) => f <= u,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_self_ends
    }

    /// "valid from 2025-07-01", "valid until 2025-06-30", "valid from A until B", "always valid".
    pub fn describe(&self) -> String {
        match (self.from, self.until) {
            (None, None) => "always valid".into(),
            (Some(f), None) => format!("valid from {f}"),
            (None, Some(u)) => format!("valid until {u}"),
            (Some(f), Some(u)) => format!("valid from {f} until {u}"),
        }
    }
}

// The row type lives with its table (`crate::db::areas`); what it means here:
impl AreaRow {
    /// The validity period.
    pub fn period(&self) -> Period {
        Period {
            from: self.valid_from,
            until: self.valid_until,
        }
    }

    /// Whether the unit is valid on `day`.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.period().contains(day)
    }

    /// The level (the table's CHECK constraint guarantees one of four).
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Village)
    }
}

/// What a code names on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The unit with that code valid on that date.
    Found(AreaRow),
    /// The code exists, but none of its units is valid on that date; these
    /// are the periods in which it is valid, earliest first.
    NotValidOn {
        /// `(valid_from, valid_until)` of each unit with the code.
        valid: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
    },
    /// No unit ever had that code.
    Unknown,
}

impl Resolution {
    /// The unit, or a sentence saying why there is none (for 404 and 422 answers),
    /// e.g. "area 00001 is not valid on 2025-08-01: it is valid until 2025-06-30".
    pub fn into_result(self, code: &str, on: NaiveDate) -> Result<AreaRow, String> {
        match self {
            Resolution::Found(row) => Ok(row),
            Resolution::Unknown => Err(format!("unknown area code {code}")),
            Resolution::NotValidOn { valid } => Err(format!(
                "area {code} is not valid on {on}: it is {}",
                describe_periods(&valid)
            )),
        }
    }
}

/// Joins period descriptions: "valid until 2025-06-30, or valid from 2025-07-01".
pub fn describe_periods(periods: &[(Option<NaiveDate>, Option<NaiveDate>)]) -> String {
    periods
        .iter()
        .map(|&(from, until)| Period { from, until }.describe())
        .collect::<Vec<_>>()
        .join(", or ")
}

/// The unit with `code` valid on `on` (at most one), or why there is none.
pub fn resolve(conn: &mut DbConn, code: &str, on: NaiveDate) -> QueryResult<Resolution> {
    Ok(resolve_in(&db::with_code(conn, code)?, on))
}

/// Every unit (all periods) of each of `codes`, for resolving many events'
/// places with [`resolve_in`] in one query per 500 codes.
pub fn rows_with_codes(
    conn: &mut DbConn,
    codes: &[&str],
) -> QueryResult<HashMap<String, Vec<AreaRow>>> {
    let mut out: HashMap<String, Vec<AreaRow>> = HashMap::new();
    for chunk in codes.chunks(500) {
        for r in db::with_codes(conn, chunk)? {
            out.entry(r.code.clone()).or_default().push(r);
        }
    }
    Ok(out)
}

/// Which of `rows` (the units that ever had one code) is valid on `on`.
pub fn resolve_in(rows: &[AreaRow], on: NaiveDate) -> Resolution {
    if rows.is_empty() {
        return Resolution::Unknown;
    }
    if let Some(r) = rows.iter().find(|r| r.valid_on(on)) {
        return Resolution::Found(r.clone());
    }
    let mut valid: Vec<(Option<NaiveDate>, Option<NaiveDate>)> =
        rows.iter().map(|r| (r.valid_from, r.valid_until)).collect();
    valid.sort_by_key(|(from, _)| (from.is_some(), *from));
    Resolution::NotValidOn { valid }
}

/// Filters of the area list.
#[derive(Debug, Clone)]
pub struct AreaFilter {
    /// Units valid on this day.
    pub on: NaiveDate,
    /// Direct children of the unit with this code (resolved on `on`).
    pub parent_code: Option<String>,
    /// Units of this level.
    pub level: Option<Level>,
    /// Units whose folded name contains this (already folded) text.
    pub folded_query: Option<String>,
    /// Units with a code after this one (the cursor).
    pub after_code: Option<String>,
}

/// A page of at most `limit` units matching the filter, by code. A parent
/// that names no unit on `on` is a problem of the field `parent`.
pub fn page(conn: &mut DbConn, f: &AreaFilter, limit: i64) -> Result<AreaPage, ApiError> {
    let parent_id = match f.parent_code.as_deref() {
        None => None,
        Some(code) => Some(
            resolve(conn, code, f.on)?
                .into_result(code, f.on)
                .map_err(|msg| ApiError::field("parent", msg))?
                .id,
        ),
    };
    let filter = db::ListFilter {
        on: f.on,
        parent_id,
        level: f.level.map(Level::as_str),
        folded_query: f.folded_query.as_deref(),
        after_code: f.after_code.as_deref(),
    };
    let rows = db::list(conn, &filter, limit + 1)?;
    let more = rows.len() as i64 > limit;
    let items = to_areas(conn, &rows[..rows.len().min(limit as usize)])?;
    let next_cursor = if more {
        items.last().map(|a| a.code.clone())
    } else {
        None
    };
    Ok(AreaPage { items, next_cursor })
}

/// The unit with `code` valid on `on`, in detail; 404 saying why when there
/// is none.
pub fn detail_on(conn: &mut DbConn, code: &str, on: NaiveDate) -> Result<AreaDetail, ApiError> {
    let row = resolve(conn, code, on)?
        .into_result(code, on)
        .map_err(ApiError::NotFound)?;
    Ok(detail(conn, &row)?)
}

#[cfg(test)]
mod tests;

/// Whether every unit that ever had `code` lies in (or is) a unit that had
/// `scope`: so that an answer filtered by `code` stays inside `scope` in
/// every period. An unknown `code` is not inside.
pub fn within(conn: &mut DbConn, code: &str, scope: &str) -> Result<bool, ApiError> {
    let scope_ids: std::collections::HashSet<i64> = crate::db::areas::ids_with_code(conn, scope)?
        .into_iter()
        .collect();
    let units = crate::db::areas::with_code(conn, code)?;
    Ok(!units.is_empty()
        && units.iter().all(|u| {
            [
                Some(u.id),
                u.province_id,
                u.district_id,
                u.commune_id,
                u.parent_id,
            ]
            .into_iter()
            .flatten()
            .any(|id| scope_ids.contains(&id))
        }))
}

/// Labels of the communes (and districts) at or below the unit(s) `code`
/// names, every period, for a drop-down: "Xã Yên Đĩnh - Huyện Chợ Mới
/// (02128)", a retired unit marked with its last day; the code in
/// parentheses ends the label (what the import reads).
pub fn place_labels(conn: &mut DbConn, code: &str) -> Result<Vec<String>, ApiError> {
    let ids = crate::db::areas::ids_with_code(conn, code)?;
    let below = crate::db::areas::ids_below(conn, &ids)?;
    let rows = crate::db::areas::by_ids(conn, &below)?;
    let parents: HashMap<i64, String> = rows.iter().map(|r| (r.id, r.name.clone())).collect();
    let mut labels: Vec<String> = rows
        .iter()
        .filter(|r| r.level == "commune" || r.level == "district")
        .map(|r| {
            let parent = r
                .parent_id
                .and_then(|p| parents.get(&p))
                .map(|p| format!(" - {p}"))
                .unwrap_or_default();
            let until = r
                .valid_until
                .map(|d| format!(", đến {}", d.format("%d/%m/%Y")))
                .unwrap_or_default();
            format!("{}{parent}{until} ({})", r.name, r.code)
        })
        .collect();
    labels.sort();
    Ok(labels)
}
