//! The API's views of units, and the request and answer types of the
//! admin's writes.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::QueryResult;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AreaRow, Level, rows_by_ids};
use crate::db::DbConn;
use crate::db::areas as db;

/// A unit as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Area {
    /// Official code, e.g. `893` (a district) or `30628` (a commune).
    pub code: String,
    /// Official name, e.g. "Huyện Chợ Mới".
    pub name: String,
    /// Tier.
    pub level: Level,
    /// Code of the parent unit (absent for a province).
    pub parent_code: Option<String>,
    /// First valid day (absent: valid since before the lists begin).
    pub valid_from: Option<NaiveDate>,
    /// Last valid day (absent: still valid).
    pub valid_until: Option<NaiveDate>,
}

/// A successor or predecessor of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AreaLink {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Tier.
    pub level: Level,
    /// First valid day.
    pub valid_from: Option<NaiveDate>,
    /// Last valid day.
    pub valid_until: Option<NaiveDate>,
    /// Whether this is the default successor (the one that took most of a
    /// divided unit, and the one `current` follows).
    pub default: bool,
}

/// A unit with its place in the hierarchy and in time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AreaDetail {
    /// The unit.
    #[serde(flatten)]
    pub area: Area,
    /// Units above it, nearest first, up to the province.
    pub ancestors: Vec<Area>,
    /// For a retired unit: the units that replaced it.
    pub successors: Vec<AreaLink>,
    /// The units it replaced.
    pub predecessors: Vec<AreaLink>,
    /// The unit valid today that it maps to (itself while valid; through
    /// default successors once retired); absent when there is none.
    pub current: Option<Area>,
}

/// A page of units.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AreaPage {
    /// Units, by code.
    pub items: Vec<Area>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Converts rows to their API form, looking up parent codes in one query.
pub fn to_areas(conn: &mut DbConn, rows: &[AreaRow]) -> QueryResult<Vec<Area>> {
    let parent_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.parent_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let codes = db::codes_of(conn, &parent_ids)?;
    Ok(rows
        .iter()
        .map(|r| Area {
            code: r.code.clone(),
            name: r.name.clone(),
            level: r.level(),
            parent_code: r.parent_id.and_then(|p| codes.get(&p).cloned()),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        })
        .collect())
}

/// Ancestors, successors, predecessors and current unit of `row`.
pub fn detail(conn: &mut DbConn, row: &AreaRow) -> QueryResult<AreaDetail> {
    let ancestor_ids: Vec<i64> = [row.commune_id, row.district_id, row.province_id]
        .into_iter()
        .flatten()
        .filter(|id| *id != row.id)
        .collect();
    let mut ancestor_rows = rows_by_ids(conn, &ancestor_ids)?;
    // Nearest first: villages < communes < districts < provinces.
    ancestor_rows.sort_by_key(|r| std::cmp::Reverse(r.level()));
    let mut all = vec![row.clone()];
    all.extend(ancestor_rows);
    let current_row = match row.current_id {
        Some(id) if id != row.id => rows_by_ids(conn, &[id])?.into_iter().next(),
        Some(_) => Some(row.clone()),
        None => None,
    };
    let has_current = current_row.is_some();
    all.extend(current_row);
    let mut converted = to_areas(conn, &all)?;
    let current = if has_current { converted.pop() } else { None };
    let area = converted.remove(0);
    let successors = links(conn, row.id, true)?;
    let predecessors = links(conn, row.id, false)?;
    Ok(AreaDetail {
        area,
        ancestors: converted,
        successors,
        predecessors,
        current,
    })
}

/// Successors (`forward`) or predecessors of a unit, by code.
fn links(conn: &mut DbConn, id: i64, forward: bool) -> QueryResult<Vec<AreaLink>> {
    let pairs = db::links_of(conn, id, forward)?;
    let defaults: HashMap<i64, bool> = pairs.iter().copied().collect();
    let ids: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    let mut out: Vec<AreaLink> = rows_by_ids(conn, &ids)?
        .into_iter()
        .map(|r| AreaLink {
            default: defaults.get(&r.id).copied().unwrap_or(false),
            level: r.level(),
            code: r.code,
            name: r.name,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// What an import did, counted in rows of the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportSummary {
    /// Rows that added a unit (or a successor link).
    pub created: u64,
    /// Rows that changed a stored unit's name, parent or end date (or a
    /// link's default flag; links of a listed old unit that the file no
    /// longer names are removed and counted here too).
    pub changed: u64,
    /// Rows already stored exactly so.
    pub unchanged: u64,
}

/// A unit added by an admin, e.g. a village under a commune.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArea {
    /// Code, unique among the units valid in the same period: 1-32 letters,
    /// digits, `.`, `-` or `_` (official codes are digits).
    #[schema(pattern = r"^[A-Za-z0-9._-]{1,32}$")]
    pub code: String,
    /// Name (1-200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Tier: a village hangs under a commune, a commune under a district or
    /// a province, a district under a province.
    pub level: Level,
    /// Code of the parent unit (required except for a province), resolved on
    /// `valid_from`, or today when that is absent.
    #[serde(default)]
    pub parent_code: Option<String>,
    /// First valid day; absent: the parent's.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Last valid day; absent: the parent's.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}
