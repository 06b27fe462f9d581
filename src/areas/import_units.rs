//! Imports of unit lists. An import is all or nothing: every row is parsed
//! and checked against the file and the database first, every bad row is
//! reported with its line number, and only a clean file is written, in one
//! transaction with one audit record. Matching is on the natural key (code
//! and period), so importing the same file twice changes nothing.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};

use super::catalog::Catalog;
use super::csv::{Problems, line_errors, read_csv};
use super::derived::{apply_derived, derive};
use super::{AreaRow, ImportSummary, Level, Period, fold};
use crate::audit::{self, Actor};
use crate::db::areas as db;
use crate::db::{DbConn, write_tx};
use crate::error::ApiError;

/// A unit row, parsed.
pub(super) struct UnitIn {
    /// Line in the file (0 for an admin's request).
    pub(super) line: u64,
    /// Code.
    pub(super) code: String,
    /// Name.
    pub(super) name: String,
    /// Level, when it parsed.
    pub(super) level: Option<Level>,
    /// Parent code.
    pub(super) parent_code: Option<String>,
    /// What is wrong with it.
    pub(super) problems: Problems,
}

/// Where a unit's parent is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ParentRef {
    /// No parent.
    None,
    /// A unit of the same file (same period), by code.
    InFile(String),
    /// A stored unit.
    Stored(i64),
}

/// Whether `code` is an acceptable unit code.
#[cfg(test)]
#[test]
fn unit_kinds_are_written_in_sentence_case() {
    assert_eq!(tidy_name("Thành Phố Bắc Kạn"), "Thành phố Bắc Kạn");
    assert_eq!(tidy_name("Thị Xã Mường Lay"), "Thị xã Mường Lay");
    assert_eq!(tidy_name("Thị Trấn Óc Eo"), "Thị trấn Óc Eo");
    assert_eq!(tidy_name("Thành phố Hà Nội"), "Thành phố Hà Nội");
    assert_eq!(tidy_name("Xã Thành Phố"), "Xã Thành Phố");
}

fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A unit's kind written as Vietnamese writes it: "Thành Phố Bắc Kạn" (as
/// some source lists have it) becomes "Thành phố Bắc Kạn"; "Thị Xã",
/// "Thị Trấn" likewise. Everything else is kept.
pub(super) fn tidy_name(name: &str) -> String {
    for (wrong, right) in [
        ("Thành Phố ", "Thành phố "),
        ("Thị Xã ", "Thị xã "),
        ("Thị Trấn ", "Thị trấn "),
        ("Đặc Khu ", "Đặc khu "),
    ] {
        if let Some(rest) = name.strip_prefix(wrong) {
            return format!("{right}{rest}");
        }
    }
    name.to_string()
}

/// Checks of a unit on its own: code, name, level, presence of a parent.
pub(super) fn check_unit_fields(u: &mut UnitIn) {
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
pub(super) fn plan_units(
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
                    let msg = match cat.periods_of(p) {
                        None => format!("unknown parent {p}"),
                        Some(valid) => format!(
                            "parent {p} is not valid throughout this period ({}); it is {valid}",
                            period.describe(),
                        ),
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
                name: tidy_name(&name),
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
pub(super) fn write_units(
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
    let new_ids = db::next_ids(conn, new.len())?;
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
        &db::default_successors(conn)?,
        crate::domain::calendar::today(),
    );
    for r in &mut rows[first_new..] {
        if let Some(d) = wanted.get(&r.id) {
            d.set_on(r);
        }
    }
    db::insert_units(conn, &rows[first_new..], &|done| progress(done, total))?;
    summary.created = new.len() as u64;
    for &pos in &changed {
        db::update_unit(conn, &rows[pos])?;
    }
    summary.changed = changed.len() as u64;
    apply_derived(conn, &rows[..first_new], &wanted)?;
    progress(total, total);
    Ok(summary)
}
