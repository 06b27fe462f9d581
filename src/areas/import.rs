//! Imports of unit lists and successor lists, and units added one at a
//! time by an admin. An import is all or nothing: every row is parsed and
//! checked against the file and the database first, every bad row is
//! reported with its line number, and only a clean file is written, in one
//! transaction with one audit record. Matching is on the natural key (code
//! and period), so importing the same file twice changes nothing.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Area, AreaRow, Level, Period, apply_derived, default_successors, derive, fold, refresh_derived,
    to_areas,
};
use crate::audit::{self, Actor};
use crate::db::schema::{area_successors, areas};
use crate::db::{DbConn, write_tx};
use crate::error::{ApiError, FieldError};

/// Rows per multi-row `INSERT` (well under both backends' bind limits).
const CHUNK: usize = 500;

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
    pub code: String,
    /// Name (1-200 characters).
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

/// Every stored unit, indexed by code: what validation and writing consult
/// instead of one query per row.
struct Catalog {
    rows: Vec<AreaRow>,
    by_code: HashMap<String, Vec<usize>>,
    by_id: HashMap<i64, usize>,
}

impl Catalog {
    fn load(conn: &mut DbConn) -> QueryResult<Self> {
        let rows: Vec<AreaRow> = areas::table.select(AreaRow::as_select()).load(conn)?;
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

    fn with_code<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a AreaRow> + 'a {
        self.by_code
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.rows[i])
    }

    fn get(&self, id: i64) -> Option<&AreaRow> {
        self.by_id.get(&id).map(|&i| &self.rows[i])
    }
}

/// One data row of a CSV file: its line and its fields in the order asked
/// for (empty when absent), and what is wrong with it so far.
struct CsvRow {
    line: u64,
    values: Vec<String>,
    errors: Vec<String>,
}

/// Reads a CSV file with a header naming (at least) `columns`, in any order.
/// A problem with the file as a whole is an `Err`; problems of single rows
/// are recorded on the row.
fn read_csv(text: &str, columns: &[&str]) -> Result<Vec<CsvRow>, ApiError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file_error = |line: u64, msg: String| ApiError::field(format!("line {line}"), msg);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| file_error(1, format!("unreadable header: {e}")))?
        .clone();
    if header.iter().all(str::is_empty) {
        return Err(file_error(
            1,
            format!(
                "the file is empty; expected the header {}",
                columns.join(",")
            ),
        ));
    }
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut index = Vec::with_capacity(columns.len());
    let mut missing = Vec::new();
    for c in columns {
        match names.iter().position(|n| n == c) {
            Some(i) => index.push(i),
            None => missing.push(*c),
        }
    }
    if !missing.is_empty() {
        return Err(file_error(
            1,
            format!(
                "the header lacks {}; expected {}",
                missing.join(", "),
                columns.join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                let mut errors = Vec::new();
                if record.len() > names.len() {
                    errors.push(format!(
                        "{} fields, but the header has {}",
                        record.len(),
                        names.len()
                    ));
                }
                let values = index
                    .iter()
                    .map(|&i| record.get(i).unwrap_or("").to_string())
                    .collect();
                rows.push(CsvRow {
                    line,
                    values,
                    errors,
                });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.push(CsvRow {
                    line,
                    values: vec![String::new(); columns.len()],
                    errors: vec![format!("unreadable CSV: {e}")],
                });
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    if rows.is_empty() {
        return Err(file_error(2, "the file holds no data rows".into()));
    }
    Ok(rows)
}

/// One field's problem, named by field so that an admin's single-unit
/// request can report it under the JSON field and an import under the line.
type Problems = Vec<(&'static str, String)>;

/// A unit row, parsed.
struct UnitIn {
    line: u64,
    code: String,
    name: String,
    level: Option<Level>,
    parent_code: Option<String>,
    problems: Problems,
}

/// Where a unit's parent is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ParentRef {
    None,
    /// A unit of the same file (same period), by code.
    InFile(String),
    /// A stored unit.
    Stored(i64),
}

/// Whether `code` is an acceptable unit code.
fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Checks of a unit on its own: code, name, level, presence of a parent.
fn check_unit_fields(u: &mut UnitIn) {
    if u.code.is_empty() {
        u.problems.push(("code", "missing code".into()));
    } else if !valid_code(&u.code) {
        u.problems.push((
            "code",
            "the code must be 1-32 letters, digits, '.', '-' or '_'".into(),
        ));
    }
    let name_len = u.name.chars().count();
    if name_len == 0 {
        u.problems.push(("name", "missing name".into()));
    } else if name_len > 200 {
        u.problems
            .push(("name", "the name is longer than 200 characters".into()));
    }
    match (u.level, &u.parent_code) {
        (Some(Level::Province), Some(p)) => u.problems.push((
            "parent_code",
            format!("a province has no parent, but parent_code is {p}"),
        )),
        (Some(l), None) if l != Level::Province => u.problems.push((
            "parent_code",
            format!("missing parent_code (a {} needs a parent)", l.as_str()),
        )),
        (Some(_), Some(p)) if *p == u.code => u
            .problems
            .push(("parent_code", "a unit cannot be its own parent".into())),
        _ => {}
    }
}

/// Checks of units against each other and the stored units, for units all
/// valid in `period`. Returns, per unit, the stored unit it updates and where
/// its parent is (meaningful only for units without problems).
fn plan_units(
    units: &mut [UnitIn],
    period: Period,
    cat: &Catalog,
) -> Vec<(Option<i64>, ParentRef)> {
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut level_in_file: HashMap<String, Option<Level>> = HashMap::new();
    for u in units.iter() {
        level_in_file.entry(u.code.clone()).or_insert(u.level);
    }
    let mut plan = Vec::with_capacity(units.len());
    for u in units.iter_mut() {
        if !u.code.is_empty() {
            if let Some(first) = first_line.get(&u.code) {
                u.problems.push((
                    "code",
                    format!(
                        "code {} appears twice in the period (first on line {first})",
                        u.code
                    ),
                ));
            } else {
                first_line.insert(u.code.clone(), u.line);
            }
        }
        // The stored unit this row updates: same code, same first day.
        let existing = cat.with_code(&u.code).find(|r| r.valid_from == period.from);
        if let (Some(e), Some(level)) = (existing, u.level)
            && e.level() != level
        {
            u.problems.push((
                "level",
                format!(
                    "{} is stored as a {} in this period; a unit's level cannot change",
                    u.code, e.level
                ),
            ));
        }
        for other in cat.with_code(&u.code) {
            if other.valid_from != period.from && other.period().overlaps(&period) {
                u.problems.push((
                    "code",
                    format!(
                        "code {} already names {} ({}), which overlaps this period",
                        u.code,
                        other.name,
                        other.period().describe()
                    ),
                ));
            }
        }
        let parent = match (&u.parent_code, u.level) {
            (None, _) | (_, None) => ParentRef::None,
            (Some(p), Some(level)) => {
                let (parent, parent_level) = if let Some(l) = level_in_file.get(p) {
                    (ParentRef::InFile(p.clone()), *l)
                } else if let Some(r) = cat.with_code(p).find(|r| r.period().covers(&period)) {
                    (ParentRef::Stored(r.id), Some(r.level()))
                } else {
                    let elsewhere: Vec<String> =
                        cat.with_code(p).map(|r| r.period().describe()).collect();
                    let msg = if elsewhere.is_empty() {
                        format!("unknown parent {p}")
                    } else {
                        format!(
                            "parent {p} is not valid throughout this period ({}); it is {}",
                            period.describe(),
                            elsewhere.join(", or ")
                        )
                    };
                    u.problems.push(("parent_code", msg));
                    (ParentRef::None, None)
                };
                if let Some(pl) = parent_level
                    && !level.parent_levels().contains(&pl)
                {
                    u.problems.push((
                        "parent_code",
                        format!(
                            "a {} cannot be under a {} (parent {p})",
                            level.as_str(),
                            pl.as_str()
                        ),
                    ));
                }
                parent
            }
        };
        plan.push((existing.map(|e| e.id), parent));
    }
    plan
}

/// Checks an import's period.
fn check_period(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<Period, ApiError> {
    match (from, until) {
        (None, None) => Err(ApiError::field(
            "valid_from",
            "give valid_from, valid_until or both: the period in which the file's units are valid",
        )),
        (Some(f), Some(u)) if u < f => Err(ApiError::field(
            "valid_until",
            format!("{u} is before valid_from {f}"),
        )),
        _ => Ok(Period { from, until }),
    }
}

/// The errors of rows with problems, one per row, as `line N: reason; reason`.
fn line_errors<'a>(rows: impl Iterator<Item = (u64, &'a Problems)>) -> Vec<FieldError> {
    rows.filter(|(_, p)| !p.is_empty())
        .map(|(line, p)| {
            FieldError::new(
                format!("line {line}"),
                p.iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
        .collect()
}

#[derive(Insertable)]
#[diesel(table_name = areas, treat_none_as_default_value = false)]
struct InsertArea<'a> {
    id: i64,
    code: &'a str,
    name: &'a str,
    name_folded: &'a str,
    level: &'a str,
    parent_id: Option<i64>,
    province_id: Option<i64>,
    district_id: Option<i64>,
    commune_id: Option<i64>,
    current_id: Option<i64>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl<'a> From<&'a AreaRow> for InsertArea<'a> {
    fn from(r: &'a AreaRow) -> Self {
        Self {
            id: r.id,
            code: &r.code,
            name: &r.name,
            name_folded: &r.name_folded,
            level: &r.level,
            parent_id: r.parent_id,
            province_id: r.province_id,
            district_id: r.district_id,
            commune_id: r.commune_id,
            current_id: r.current_id,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            created_at: r.created_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = area_successors)]
struct InsertLink {
    old_id: i64,
    new_id: i64,
    is_default: i32,
}

/// One multi-row `INSERT`. Diesel's `MultiConnection` has no batch insert
/// of its own, so the statement runs on the backend's connection.
fn insert_areas(conn: &mut DbConn, rows: &[InsertArea<'_>]) -> QueryResult<usize> {
    let q = diesel::insert_into(areas::table).values(rows);
    match conn {
        DbConn::Pg(c) => q.execute(c),
        DbConn::Sqlite(c) => q.execute(c),
    }
}

/// One multi-row `INSERT` of successor links (see [`insert_areas`]).
fn insert_links(conn: &mut DbConn, rows: &[InsertLink]) -> QueryResult<usize> {
    let q = diesel::insert_into(area_successors::table).values(rows);
    match conn {
        DbConn::Pg(c) => q.execute(c),
        DbConn::Sqlite(c) => q.execute(c),
    }
}

/// Imports a list of units (header `code,name,level,parent_code`), all valid
/// in `valid_from..=valid_until` (at least one given), in one write
/// transaction. New units are inserted; stored units of the same code and
/// `valid_from` are updated when their name, parent or end date differ.
/// A parent must be in the file or stored and valid throughout the period.
/// `progress(done, total)` is called as rows are written.
pub fn import_units(
    conn: &mut DbConn,
    csv_text: &str,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    actor: &Actor,
    progress: &dyn Fn(u64, u64),
) -> Result<ImportSummary, ApiError> {
    check_period(valid_from, valid_until)?;
    write_tx(conn, |conn| {
        import_units_in_tx(conn, csv_text, valid_from, valid_until, actor, progress)
    })
}

/// [`import_units`] inside the caller's write transaction (first-start
/// seeding loads three files in one).
pub fn import_units_in_tx(
    conn: &mut DbConn,
    csv_text: &str,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    actor: &Actor,
    progress: &dyn Fn(u64, u64),
) -> Result<ImportSummary, ApiError> {
    let period = check_period(valid_from, valid_until)?;
    let mut units: Vec<UnitIn> = read_csv(csv_text, &["code", "name", "level", "parent_code"])?
        .into_iter()
        .map(|row| {
            let [code, name, level, parent]: [String; 4] =
                row.values.try_into().unwrap_or_else(|_| Default::default());
            let mut problems: Problems = row.errors.into_iter().map(|e| ("", e)).collect();
            let parsed_level = if level.is_empty() {
                problems.push(("level", "missing level".into()));
                None
            } else {
                let l = Level::parse(&level.to_ascii_lowercase());
                if l.is_none() {
                    problems.push((
                        "level",
                        format!(
                            "level must be province, district, commune or village, not {level:?}"
                        ),
                    ));
                }
                l
            };
            let mut u = UnitIn {
                line: row.line,
                code,
                name,
                level: parsed_level,
                parent_code: Some(parent).filter(|p| !p.is_empty()),
                problems,
            };
            check_unit_fields(&mut u);
            u
        })
        .collect();
    let cat = Catalog::load(conn)?;
    let plan = plan_units(&mut units, period, &cat);
    let errors = line_errors(units.iter().map(|u| (u.line, &u.problems)));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let summary = write_units(conn, &units, &plan, period, &cat, progress)?;
    let entity_id = format!(
        "units:{}..{}",
        period.from.map(|d| d.to_string()).unwrap_or_default(),
        period.until.map(|d| d.to_string()).unwrap_or_default()
    );
    audit::record(
        conn,
        actor,
        "import",
        "area_import",
        &entity_id,
        None::<&()>,
        Some(&summary),
    )?;
    Ok(summary)
}

/// Writes a validated list: new units get ids up front, so that their
/// parents and derived columns (ancestors, current unit) are computed in
/// memory and each new row is written once, by a multi-row `INSERT`;
/// changed units are updated; derived columns of stored units that the
/// change affects are rewritten.
fn write_units(
    conn: &mut DbConn,
    units: &[UnitIn],
    plan: &[(Option<i64>, ParentRef)],
    period: Period,
    cat: &Catalog,
    progress: &dyn Fn(u64, u64),
) -> Result<ImportSummary, ApiError> {
    let total = units.len() as u64;
    let mut summary = ImportSummary::default();
    let now = Utc::now().naive_utc();
    // New units by level, so that a parent is never inserted after its child.
    let mut new: Vec<usize> = (0..units.len()).filter(|&i| plan[i].0.is_none()).collect();
    new.sort_by_key(|&i| units[i].level);
    let new_ids = next_ids(conn, new.len())?;
    let mut ids: HashMap<&str, i64> = HashMap::new();
    for (u, (existing, _)) in units.iter().zip(plan) {
        if let Some(id) = existing {
            ids.insert(&u.code, *id);
        }
    }
    for (&i, &id) in new.iter().zip(&new_ids) {
        ids.insert(&units[i].code, id);
    }
    let parent_id = |parent: &ParentRef| match parent {
        ParentRef::None => Ok(None),
        ParentRef::Stored(id) => Ok(Some(*id)),
        ParentRef::InFile(code) => ids
            .get(code.as_str())
            .copied()
            .map(Some)
            .ok_or_else(|| ApiError::internal(format!("parent {code} has no id"))),
    };
    // Every unit as it will be: stored ones with this file's changes, then new ones.
    let mut rows = cat.rows.clone();
    let mut changed = Vec::new();
    for (u, (existing, parent)) in units.iter().zip(plan) {
        let Some(&pos) = existing.and_then(|id| cat.by_id.get(&id)) else {
            continue;
        };
        let parent = parent_id(parent)?;
        let r = &mut rows[pos];
        if r.name == u.name && r.parent_id == parent && r.valid_until == period.until {
            summary.unchanged += 1;
        } else {
            r.name.clone_from(&u.name);
            r.name_folded = fold(&u.name);
            r.parent_id = parent;
            r.valid_until = period.until;
            changed.push(pos);
        }
    }
    let first_new = rows.len();
    for (&i, &id) in new.iter().zip(&new_ids) {
        let u = &units[i];
        rows.push(AreaRow {
            id,
            code: u.code.clone(),
            name: u.name.clone(),
            name_folded: fold(&u.name),
            level: u.level.unwrap_or(Level::Village).as_str().to_string(),
            parent_id: parent_id(&plan[i].1)?,
            province_id: None,
            district_id: None,
            commune_id: None,
            current_id: None,
            valid_from: period.from,
            valid_until: period.until,
            created_at: now,
        });
    }
    let wanted = derive(
        &rows,
        &default_successors(conn)?,
        crate::domain::calendar::today(),
    );
    for r in &mut rows[first_new..] {
        if let Some(d) = wanted.get(&r.id) {
            d.set_on(r);
        }
    }
    let mut done = 0;
    for chunk in rows[first_new..].chunks(CHUNK) {
        let batch: Vec<InsertArea<'_>> = chunk.iter().map(InsertArea::from).collect();
        insert_areas(conn, &batch)?;
        done += chunk.len() as u64;
        progress(done, total);
    }
    summary.created = new.len() as u64;
    for &pos in &changed {
        let r = &rows[pos];
        diesel::update(areas::table.filter(areas::id.eq(r.id)))
            .set((
                areas::name.eq(&r.name),
                areas::name_folded.eq(&r.name_folded),
                areas::parent_id.eq(r.parent_id),
                areas::valid_until.eq(r.valid_until),
            ))
            .execute(conn)?;
    }
    summary.changed = changed.len() as u64;
    apply_derived(conn, &rows[..first_new], &wanted)?;
    progress(total, total);
    Ok(summary)
}

/// `n` fresh ids for `areas`, taken before inserting so that rows can refer
/// to each other (and to themselves) in one multi-row `INSERT`. On SQLite
/// the caller holds the write lock (`BEGIN IMMEDIATE`), so nobody else
/// allocates meanwhile; on PostgreSQL the ids come from the column's sequence.
fn next_ids(conn: &mut DbConn, n: usize) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    match conn {
        DbConn::Pg(c) => Ok(diesel::sql_query(format!(
            "SELECT nextval(pg_get_serial_sequence('areas', 'id')) AS id \
             FROM generate_series(1, {n}) ORDER BY 1"
        ))
        .load::<Id>(c)?
        .into_iter()
        .map(|r| r.id)
        .collect()),
        DbConn::Sqlite(c) => {
            // AUTOINCREMENT never reuses an id, even of a deleted row.
            let last = diesel::sql_query(
                "SELECT COALESCE(MAX(id), 0) AS id FROM (SELECT MAX(id) AS id FROM areas \
                 UNION ALL SELECT seq AS id FROM sqlite_sequence WHERE name = 'areas')",
            )
            .get_result::<Id>(c)?
            .id;
            Ok((1..=n as i64).map(|k| last + k).collect())
        }
    }
}

/// Adds one unit (admin), e.g. a village under a commune, with an audit
/// record. Omitted dates are the parent's, the parent being resolved on
/// `valid_from` (or today). 409 when the code already names a unit from the
/// same day; 422 naming each bad field otherwise.
pub fn create_area(conn: &mut DbConn, actor: &Actor, req: &NewArea) -> Result<Area, ApiError> {
    write_tx(conn, |conn| {
        let cat = Catalog::load(conn)?;
        let code = req.code.trim().to_string();
        let parent_code = req
            .parent_code
            .as_ref()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        let mut problems: Problems = Vec::new();
        let on = req
            .valid_from
            .unwrap_or_else(crate::domain::calendar::today);
        let parent_row = parent_code
            .as_ref()
            .and_then(|p| cat.with_code(p).find(|r| r.valid_on(on)));
        if let Some(p) = &parent_code
            && parent_row.is_none()
        {
            let periods: Vec<String> = cat.with_code(p).map(|r| r.period().describe()).collect();
            problems.push((
                "parent_code",
                if periods.is_empty() {
                    format!("unknown parent {p}")
                } else {
                    format!(
                        "parent {p} is not valid on {on}: it is {}",
                        periods.join(", or ")
                    )
                },
            ));
        }
        let period = Period {
            from: req.valid_from.or(parent_row.and_then(|r| r.valid_from)),
            until: req.valid_until.or(parent_row.and_then(|r| r.valid_until)),
        };
        if let (Some(f), Some(u)) = (period.from, period.until)
            && u < f
        {
            problems.push(("valid_until", format!("{u} is before valid_from {f}")));
        }
        if let Some(existing) = cat.with_code(&code).find(|r| r.valid_from == period.from) {
            return Err(ApiError::Conflict {
                detail: format!(
                    "code {code} already names {} ({})",
                    existing.name,
                    existing.period().describe()
                ),
                existing_id: Some(code),
            });
        }
        let mut units = vec![UnitIn {
            line: 0,
            code,
            name: req.name.trim().to_string(),
            level: Some(req.level),
            parent_code,
            problems,
        }];
        check_unit_fields(&mut units[0]);
        let plan = plan_units(&mut units, period, &cat);
        let u = &units[0];
        if !u.problems.is_empty() {
            // One message per field: the first is the most specific.
            let mut seen = HashSet::new();
            let errors = u
                .problems
                .iter()
                .filter(|(field, _)| seen.insert(*field))
                .map(|(field, msg)| FieldError::new(*field, msg.clone()))
                .collect();
            return Err(ApiError::validation(errors));
        }
        write_units(conn, &units, &plan, period, &cat, &|_, _| {})?;
        let mut q = areas::table
            .filter(areas::code.eq(&u.code))
            .select(AreaRow::as_select())
            .into_boxed();
        q = match period.from {
            None => q.filter(areas::valid_from.is_null()),
            Some(d) => q.filter(areas::valid_from.eq(d)),
        };
        let row = q.first(conn)?;
        let area = to_areas(conn, &[row])?.remove(0);
        audit::record(
            conn,
            actor,
            "create",
            "area",
            &area.code,
            None::<&()>,
            Some(&area),
        )?;
        Ok(area)
    })
}

/// A successor row, parsed.
struct LinkIn {
    line: u64,
    old_code: String,
    new_code: String,
    default: Option<bool>,
    problems: Problems,
}

/// Imports successors (header `old_code,new_code,default`), in one write
/// transaction.
///
/// The rule: `old_code` names the most recently retired unit with that code
/// (the one with the latest `valid_until`), and `new_code` the unit with that
/// code valid on the day after it. An old unit with several successors needs
/// exactly one with `default` 1 (a single successor is its default anyway).
/// The file's rows for an old unit replace the links stored for it.
///
/// Successors of retired provinces and districts then follow from the
/// communes' mapping (unless the file lists them itself): the units
/// (provinces, or districts where the new tier has them) that contain the
/// successors of their communes, the default being the one that received
/// most of their communes; a district without communes follows its
/// province. Finally `current_id` is recomputed.
pub fn import_successors(
    conn: &mut DbConn,
    csv_text: &str,
    actor: &Actor,
    progress: &dyn Fn(u64, u64),
) -> Result<ImportSummary, ApiError> {
    write_tx(conn, |conn| {
        import_successors_in_tx(conn, csv_text, actor, progress)
    })
}

/// [`import_successors`] inside the caller's write transaction.
pub fn import_successors_in_tx(
    conn: &mut DbConn,
    csv_text: &str,
    actor: &Actor,
    progress: &dyn Fn(u64, u64),
) -> Result<ImportSummary, ApiError> {
    let mut links: Vec<LinkIn> = read_csv(csv_text, &["old_code", "new_code", "default"])?
        .into_iter()
        .map(|row| {
            let [old_code, new_code, default]: [String; 3] =
                row.values.try_into().unwrap_or_else(|_| Default::default());
            let mut problems: Problems = row.errors.into_iter().map(|e| ("", e)).collect();
            if old_code.is_empty() {
                problems.push(("old_code", "missing old_code".into()));
            }
            if new_code.is_empty() {
                problems.push(("new_code", "missing new_code".into()));
            }
            let default = match default.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => Some(true),
                "0" | "false" | "no" => Some(false),
                "" => {
                    problems.push(("default", "missing default (1 or 0)".into()));
                    None
                }
                other => {
                    problems.push(("default", format!("default must be 1 or 0, not {other:?}")));
                    None
                }
            };
            LinkIn {
                line: row.line,
                old_code,
                new_code,
                default,
                problems,
            }
        })
        .collect();
    let cat = Catalog::load(conn)?;
    // Resolve codes to units.
    let mut resolved: Vec<Option<(i64, i64)>> = Vec::with_capacity(links.len());
    for l in links.iter_mut() {
        let old = cat
            .with_code(&l.old_code)
            .filter(|r| r.valid_until.is_some())
            .max_by_key(|r| r.valid_until);
        let old = match old {
            Some(o) => Some(o),
            None if l.old_code.is_empty() => None,
            None => {
                let msg = if cat.with_code(&l.old_code).next().is_some() {
                    format!(
                        "old_code {} names no retired unit (none has valid_until)",
                        l.old_code
                    )
                } else {
                    format!("unknown old_code {}", l.old_code)
                };
                l.problems.push(("old_code", msg));
                None
            }
        };
        let new = old.and_then(|o| {
            let day_after = o.valid_until.and_then(|u| u.succ_opt())?;
            let found = cat.with_code(&l.new_code).find(|r| r.valid_on(day_after));
            if found.is_none() && !l.new_code.is_empty() {
                let msg = if cat.with_code(&l.new_code).next().is_some() {
                    format!(
                        "new_code {} names no unit valid on {day_after}, the day after {} was retired",
                        l.new_code, l.old_code
                    )
                } else {
                    format!("unknown new_code {}", l.new_code)
                };
                l.problems.push(("new_code", msg));
            }
            found
        });
        resolved.push(old.zip(new).map(|(o, n)| (o.id, n.id)));
    }
    // Duplicates and defaults, per old unit.
    let mut first_pair: HashMap<(i64, i64), u64> = HashMap::new();
    let mut by_old: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, pair) in resolved.iter().enumerate() {
        let Some(pair) = pair else { continue };
        if let Some(first) = first_pair.get(pair) {
            let msg = format!(
                "{} -> {} appears twice (first on line {first})",
                links[i].old_code, links[i].new_code
            );
            links[i].problems.push(("new_code", msg));
        } else {
            first_pair.insert(*pair, links[i].line);
            by_old.entry(pair.0).or_default().push(i);
        }
    }
    for rows in by_old.values() {
        let defaults: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| links[i].default == Some(true))
            .collect();
        if defaults.len() > 1 {
            let first = links[defaults[0]].line;
            for &i in &defaults[1..] {
                let msg = format!(
                    "{} has more than one default successor (first on line {first})",
                    links[i].old_code
                );
                links[i].problems.push(("default", msg));
            }
        } else if defaults.is_empty()
            && rows.len() > 1
            && rows.iter().all(|&i| links[i].default.is_some())
        {
            let i = rows[0];
            let msg = format!(
                "{} has {} successors and none is marked default",
                links[i].old_code,
                rows.len()
            );
            links[i].problems.push(("default", msg));
        }
    }
    let errors = line_errors(links.iter().map(|l| (l.line, &l.problems)));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }

    // The file's links, per old unit (a lone successor is the default).
    let mut wanted: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
    for (old, rows) in &by_old {
        let lone = rows.len() == 1;
        wanted.insert(
            *old,
            rows.iter()
                .map(|&i| {
                    let (_, new) = resolved[i].unwrap_or_default();
                    (new, lone || links[i].default == Some(true))
                })
                .collect(),
        );
    }
    let mut stored: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
    for (old, new, def) in area_successors::table
        .select((
            area_successors::old_id,
            area_successors::new_id,
            area_successors::is_default,
        ))
        .load::<(i64, i64, i32)>(conn)?
    {
        stored.entry(old).or_default().push((new, def != 0));
    }
    let total = links.len() as u64;
    let summary = write_links(conn, &wanted, &stored, &|done| progress(done, total))?;
    progress(total, total);

    // Provinces and districts follow from the communes.
    let mut all_links = stored;
    for (old, w) in &wanted {
        all_links.insert(*old, w.clone());
    }
    let derived = derive_upper_links(&cat, &all_links, &wanted);
    let before: HashMap<i64, Vec<(i64, bool)>> = derived
        .keys()
        .filter_map(|k| all_links.get(k).map(|v| (*k, v.clone())))
        .collect();
    let upper = write_links(conn, &derived, &before, &|_| {})?;
    log::debug!(
        "derived province/district successors: {} created, {} changed",
        upper.created,
        upper.changed
    );
    refresh_derived(conn, crate::domain::calendar::today())?;
    audit::record(
        conn,
        actor,
        "import",
        "area_import",
        "successors",
        None::<&()>,
        Some(&summary),
    )?;
    Ok(summary)
}

/// Makes the stored links of each old unit in `wanted` exactly the wanted
/// ones; counts per wanted link, removed links counting as changed.
fn write_links(
    conn: &mut DbConn,
    wanted: &HashMap<i64, Vec<(i64, bool)>>,
    stored: &HashMap<i64, Vec<(i64, bool)>>,
    progress: &dyn Fn(u64),
) -> QueryResult<ImportSummary> {
    let mut summary = ImportSummary::default();
    let mut inserts = Vec::new();
    let mut olds: Vec<&i64> = wanted.keys().collect();
    olds.sort();
    for old in olds {
        let want = &wanted[old];
        let have: HashMap<i64, bool> = stored
            .get(old)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        for &(new, def) in want {
            match have.get(&new) {
                Some(&d) if d == def => summary.unchanged += 1,
                Some(_) => {
                    diesel::update(
                        area_successors::table
                            .filter(area_successors::old_id.eq(*old))
                            .filter(area_successors::new_id.eq(new)),
                    )
                    .set(area_successors::is_default.eq(i32::from(def)))
                    .execute(conn)?;
                    summary.changed += 1;
                }
                None => inserts.push(InsertLink {
                    old_id: *old,
                    new_id: new,
                    is_default: i32::from(def),
                }),
            }
        }
        for new in have.keys() {
            if !want.iter().any(|(n, _)| n == new) {
                diesel::delete(
                    area_successors::table
                        .filter(area_successors::old_id.eq(*old))
                        .filter(area_successors::new_id.eq(*new)),
                )
                .execute(conn)?;
                summary.changed += 1;
            }
        }
    }
    let mut done = summary.unchanged + summary.changed;
    for chunk in inserts.chunks(CHUNK) {
        insert_links(conn, chunk)?;
        done += chunk.len() as u64;
        progress(done);
    }
    summary.created = inserts.len() as u64;
    Ok(summary)
}

/// Successors of retired provinces and districts not listed in the file,
/// derived from their communes' links.
fn derive_upper_links(
    cat: &Catalog,
    links: &HashMap<i64, Vec<(i64, bool)>>,
    listed: &HashMap<i64, Vec<(i64, bool)>>,
) -> HashMap<i64, Vec<(i64, bool)>> {
    // Per retired upper unit: target -> (communes whose default goes there).
    let mut weights: HashMap<i64, HashMap<i64, u64>> = HashMap::new();
    for c in &cat.rows {
        if c.level() != Level::Commune || c.valid_until.is_none() {
            continue;
        }
        let Some(succ) = links.get(&c.id) else {
            continue;
        };
        for upper_level in [Level::Province, Level::District] {
            let upper = match upper_level {
                Level::Province => c.province_id,
                _ => c.district_id,
            };
            let Some(upper) = upper.filter(|u| !listed.contains_key(u)) else {
                continue;
            };
            let entry = weights.entry(upper).or_default();
            for &(new, def) in succ {
                let Some(n) = cat.get(new) else { continue };
                let target = match upper_level {
                    Level::Province => n.province_id,
                    _ => n.district_id.or(n.province_id),
                };
                if let Some(t) = target {
                    *entry.entry(t).or_default() += u64::from(def);
                }
            }
        }
    }
    let choose = |w: &HashMap<i64, u64>| -> Vec<(i64, bool)> {
        let best = w
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(t, _)| *t);
        let mut out: Vec<(i64, bool)> = w.keys().map(|&t| (t, Some(t) == best)).collect();
        out.sort();
        out
    };
    let mut out: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
    for u in &cat.rows {
        if u.valid_until.is_none() || listed.contains_key(&u.id) {
            continue;
        }
        if matches!(u.level(), Level::Province | Level::District)
            && let Some(w) = weights.get(&u.id).filter(|w| !w.is_empty())
        {
            out.insert(u.id, choose(w));
        }
    }
    // Districts without communes (some island districts) follow their province.
    for u in &cat.rows {
        if u.level() != Level::District
            || u.valid_until.is_none()
            || listed.contains_key(&u.id)
            || out.contains_key(&u.id)
        {
            continue;
        }
        let province_default = u
            .province_id
            .and_then(|p| out.get(&p))
            .and_then(|v| v.iter().find(|(_, d)| *d))
            .map(|(t, _)| *t);
        if let Some(t) = province_default {
            out.insert(u.id, vec![(t, true)]);
        }
    }
    out
}
