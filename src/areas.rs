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
//! event in this district" is one indexed comparison ([`ids_below`]), and
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

mod import;

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::schema::{area_successors, areas};

pub use import::{
    ImportSummary, NewArea, create_area, import_successors, import_successors_in_tx, import_units,
    import_units_in_tx,
};

/// Every unit before the reform (63 provinces, 696 districts, 10,035
/// communes), valid until [`last_day_before_reform`].
pub const PRE_2025_UNITS: &str = include_str!("../data/areas/vn-admin-units-pre-2025.csv");
/// Every unit after the reform (34 provinces, 3,321 communes), valid from
/// [`reform_date`].
pub const UNITS_2025: &str = include_str!("../data/areas/vn-admin-units-2025.csv");
/// Old commune -> new commune(s) of the 2025 reform, `default=1` on the one
/// that took most of a divided commune.
pub const SUCCESSORS_2025: &str = include_str!("../data/areas/vn-admin-units-2025-successors.csv");

/// First day of the 2025 units (1 July 2025).
pub fn reform_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default()
}

/// Last day of the pre-2025 units (30 June 2025).
pub fn last_day_before_reform() -> NaiveDate {
    reform_date().pred_opt().unwrap_or_default()
}

/// Folds a name or a query for search: lower case, Vietnamese diacritics
/// removed (canonical decomposition, combining marks dropped), `đ` -> `d`.
/// "CHỢ MỚI", "Chợ Mới" and "cho moi" all fold to "cho moi".
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

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

/// A stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = areas)]
pub struct AreaRow {
    /// Surrogate id.
    pub id: i64,
    /// Official code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// [`fold`] of the name.
    pub name_folded: String,
    /// `province`, `district`, `commune` or `village`.
    pub level: String,
    /// Parent unit.
    pub parent_id: Option<i64>,
    /// Province ancestor (self for a province).
    pub province_id: Option<i64>,
    /// District ancestor (self for a district).
    pub district_id: Option<i64>,
    /// Commune ancestor (self for a commune).
    pub commune_id: Option<i64>,
    /// The unit valid today this one maps to.
    pub current_id: Option<i64>,
    /// First valid day.
    pub valid_from: Option<NaiveDate>,
    /// Last valid day.
    pub valid_until: Option<NaiveDate>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
}

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
    let rows: Vec<AreaRow> = areas::table
        .filter(areas::code.eq(code))
        .select(AreaRow::as_select())
        .load(conn)?;
    Ok(resolve_in(&rows, on))
}

/// Every unit (all periods) of each of `codes`, for resolving many events'
/// places with [`resolve_in`] in one query per 500 codes.
pub fn rows_with_codes(
    conn: &mut DbConn,
    codes: &[&str],
) -> QueryResult<HashMap<String, Vec<AreaRow>>> {
    let mut out: HashMap<String, Vec<AreaRow>> = HashMap::new();
    for chunk in codes.chunks(500) {
        let rows: Vec<AreaRow> = areas::table
            .filter(areas::code.eq_any(chunk))
            .select(AreaRow::as_select())
            .load(conn)?;
        for r in rows {
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

/// Ids of every unit that ever had `code` (all periods), for `area=CODE`
/// filters: combine with [`ids_below`] or the ancestor columns.
pub fn ids_with_code(conn: &mut DbConn, code: &str) -> QueryResult<Vec<i64>> {
    areas::table
        .filter(areas::code.eq(code))
        .order(areas::id)
        .select(areas::id)
        .load(conn)
}

/// Ids of the given units and of every unit below them, through the
/// ancestor columns (one query, no recursion).
pub fn ids_below(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    areas::table
        .filter(
            areas::id
                .eq_any(ids)
                .or(areas::province_id.eq_any(ids))
                .or(areas::district_id.eq_any(ids))
                .or(areas::commune_id.eq_any(ids)),
        )
        .order(areas::id)
        .select(areas::id)
        .load(conn)
}

/// Units by id, in id order.
pub fn rows_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<AreaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    areas::table
        .filter(areas::id.eq_any(ids))
        .order(areas::id)
        .select(AreaRow::as_select())
        .load(conn)
}

/// Number of stored units (every period).
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    areas::table.count().get_result(conn)
}

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

/// Converts rows to their API form, looking up parent codes in one query.
pub fn to_areas(conn: &mut DbConn, rows: &[AreaRow]) -> QueryResult<Vec<Area>> {
    let parent_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.parent_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let codes: HashMap<i64, String> = if parent_ids.is_empty() {
        HashMap::new()
    } else {
        areas::table
            .filter(areas::id.eq_any(&parent_ids))
            .select((areas::id, areas::code))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect()
    };
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

/// Filters of the area list.
#[derive(Debug, Clone)]
pub struct AreaFilter {
    /// Units valid on this day.
    pub on: NaiveDate,
    /// Direct children of this unit.
    pub parent_id: Option<i64>,
    /// Units of this level.
    pub level: Option<Level>,
    /// Units whose folded name contains this (already folded) text.
    pub folded_query: Option<String>,
    /// Units with a code after this one (the cursor).
    pub after_code: Option<String>,
}

/// Units matching the filter, by code, at most `limit`.
pub fn list(conn: &mut DbConn, f: &AreaFilter, limit: i64) -> QueryResult<Vec<AreaRow>> {
    let mut q = areas::table
        .select(AreaRow::as_select())
        .filter(areas::valid_from.is_null().or(areas::valid_from.le(f.on)))
        .filter(areas::valid_until.is_null().or(areas::valid_until.ge(f.on)))
        .into_boxed();
    if let Some(p) = f.parent_id {
        q = q.filter(areas::parent_id.eq(p));
    }
    if let Some(l) = f.level {
        q = q.filter(areas::level.eq(l.as_str()));
    }
    if let Some(text) = &f.folded_query {
        let escaped: String = text
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        q = q.filter(areas::name_folded.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some(after) = &f.after_code {
        q = q.filter(areas::code.gt(after.clone()));
    }
    q.order(areas::code).limit(limit).load(conn)
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
    let pairs: Vec<(i64, i32)> = if forward {
        area_successors::table
            .filter(area_successors::old_id.eq(id))
            .select((area_successors::new_id, area_successors::is_default))
            .load(conn)?
    } else {
        area_successors::table
            .filter(area_successors::new_id.eq(id))
            .select((area_successors::old_id, area_successors::is_default))
            .load(conn)?
    };
    let defaults: HashMap<i64, bool> = pairs.iter().map(|&(i, d)| (i, d != 0)).collect();
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

/// Recomputes the derived columns of every unit (ancestors at each level,
/// and `current_id` as of `today`) and writes the rows that differ, in
/// multi-row statements. Returns how many rows changed. Call it inside the
/// write transaction that changed units or successors.
pub fn refresh_derived(conn: &mut DbConn, today: NaiveDate) -> QueryResult<u64> {
    let rows: Vec<AreaRow> = areas::table.select(AreaRow::as_select()).load(conn)?;
    let wanted = derive(&rows, &default_successors(conn)?, today);
    apply_derived(conn, &rows, &wanted)
}

/// Every default successor link, old id -> new id.
fn default_successors(conn: &mut DbConn) -> QueryResult<HashMap<i64, i64>> {
    Ok(area_successors::table
        .filter(area_successors::is_default.eq(1))
        .select((area_successors::old_id, area_successors::new_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Writes the derived columns of the stored `rows` whose values differ from `wanted`.
fn apply_derived(
    conn: &mut DbConn,
    rows: &[AreaRow],
    wanted: &HashMap<i64, Derived>,
) -> QueryResult<u64> {
    let changed: Vec<(i64, Derived)> = rows
        .iter()
        .filter_map(|r| {
            let w = wanted.get(&r.id)?;
            (Derived::of(r) != *w).then_some((r.id, *w))
        })
        .collect();
    // Large statements: PostgreSQL joins each one's VALUES with the table.
    for chunk in changed.chunks(5000) {
        conn.batch_execute(&bulk_update_sql(chunk))?;
    }
    Ok(changed.len() as u64)
}

/// The derived columns of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Derived {
    province_id: Option<i64>,
    district_id: Option<i64>,
    commune_id: Option<i64>,
    current_id: Option<i64>,
}

impl Derived {
    fn of(r: &AreaRow) -> Self {
        Self {
            province_id: r.province_id,
            district_id: r.district_id,
            commune_id: r.commune_id,
            current_id: r.current_id,
        }
    }

    fn set_on(&self, r: &mut AreaRow) {
        r.province_id = self.province_id;
        r.district_id = self.district_id;
        r.commune_id = self.commune_id;
        r.current_id = self.current_id;
    }
}

/// Computes the derived columns of every unit in memory.
fn derive(
    rows: &[AreaRow],
    defaults: &HashMap<i64, i64>,
    today: NaiveDate,
) -> HashMap<i64, Derived> {
    let by_id: HashMap<i64, &AreaRow> = rows.iter().map(|r| (r.id, r)).collect();
    let mut order: Vec<&AreaRow> = rows.iter().collect();
    // Parents are always on a higher level, so this order visits them first.
    order.sort_by_key(|r| (r.level(), r.id));
    let mut out: HashMap<i64, Derived> = HashMap::with_capacity(rows.len());
    for r in &order {
        let parent = r
            .parent_id
            .and_then(|p| out.get(&p))
            .copied()
            .unwrap_or_default();
        let mut d = Derived {
            province_id: parent.province_id,
            district_id: parent.district_id,
            commune_id: parent.commune_id,
            current_id: None,
        };
        match r.level() {
            Level::Province => {
                d = Derived {
                    province_id: Some(r.id),
                    ..Derived::default()
                }
            }
            Level::District => {
                d.district_id = Some(r.id);
                d.commune_id = None;
            }
            Level::Commune => d.commune_id = Some(r.id),
            Level::Village => {}
        }
        out.insert(r.id, d);
    }
    // Current units, in the same order so that a parent's is known when a
    // retired unit without successors falls back on it.
    for r in &order {
        let current = current_of(r, &by_id, defaults, today).or_else(|| {
            if r.valid_on(today) || r.valid_from.is_some_and(|f| f > today) {
                None
            } else {
                r.parent_id
                    .and_then(|p| out.get(&p))
                    .and_then(|d| d.current_id)
            }
        });
        if let Some(d) = out.get_mut(&r.id) {
            d.current_id = current;
        }
    }
    out
}

/// Follows default successors from `start` until a unit valid on `today`.
fn current_of(
    start: &AreaRow,
    by_id: &HashMap<i64, &AreaRow>,
    defaults: &HashMap<i64, i64>,
    today: NaiveDate,
) -> Option<i64> {
    let mut seen = HashSet::new();
    let mut at = start;
    loop {
        if at.valid_on(today) {
            return Some(at.id);
        }
        if at.valid_from.is_some_and(|f| f > today) || !seen.insert(at.id) {
            return None;
        }
        at = by_id.get(defaults.get(&at.id)?)?;
    }
}

/// `UPDATE areas ... FROM (VALUES ...)`: portable between SQLite (3.33+) and
/// PostgreSQL, whose `VALUES` columns are both named `column1`, `column2`...
/// Every value is an id read from the database, so nothing is interpolated
/// from user input.
fn bulk_update_sql(rows: &[(i64, Derived)]) -> String {
    let id =
        |v: Option<i64>| v.map_or_else(|| "CAST(NULL AS BIGINT)".to_string(), |v| v.to_string());
    let values: Vec<String> = rows
        .iter()
        .map(|(i, d)| {
            format!(
                "({i}, {}, {}, {}, {})",
                id(d.province_id),
                id(d.district_id),
                id(d.commune_id),
                id(d.current_id)
            )
        })
        .collect();
    format!(
        "UPDATE areas SET province_id = v.column2, district_id = v.column3, \
         commune_id = v.column4, current_id = v.column5 \
         FROM (VALUES {}) AS v WHERE areas.id = v.column1",
        values.join(", ")
    )
}

#[cfg(test)]
mod tests;
