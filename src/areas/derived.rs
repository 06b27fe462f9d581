//! The derived columns of every unit: its ancestor at each level (itself
//! included) and its current unit, computed in memory from the parents and
//! the default successors, and written where they differ.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::QueryResult;

use super::{AreaRow, Level};
use crate::db::DbConn;
use crate::db::areas::{self as db, Derived};

/// Recomputes the derived columns of every unit (ancestors at each level,
/// and `current_id` as of `today`) and writes the rows that differ, in
/// multi-row statements. Returns how many rows changed. Call it inside the
/// write transaction that changed units or successors.
pub fn refresh_derived(conn: &mut DbConn, today: NaiveDate) -> QueryResult<u64> {
    let rows = db::all(conn)?;
    let wanted = derive(&rows, &db::default_successors(conn)?, today);
    apply_derived(conn, &rows, &wanted)
}

/// Writes the derived columns of the stored `rows` whose values differ from `wanted`.
pub(super) fn apply_derived(
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
    db::update_derived(conn, &changed)?;
    Ok(changed.len() as u64)
}

/// Computes the derived columns of every unit in memory.
pub(super) fn derive(
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
