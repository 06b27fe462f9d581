//! Imports of successor lists (old unit -> new units), and the successors
//! of retired provinces and districts that follow from their communes'.
//! All or nothing, like unit imports.

use std::collections::HashMap;

use diesel::QueryResult;

use super::catalog::Catalog;
use super::csv::{Problems, line_errors, read_csv};
use super::{ImportSummary, Level, refresh_derived};
use crate::audit::{self, Actor};
use crate::db::areas as db;
use crate::db::{DbConn, write_tx};
use crate::error::ApiError;

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
    for (old, new, def) in db::all_links(conn)? {
        stored.entry(old).or_default().push((new, def));
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
                    db::set_link_default(conn, *old, new, def)?;
                    summary.changed += 1;
                }
                None => inserts.push((*old, new, def)),
            }
        }
        for new in have.keys() {
            if !want.iter().any(|(n, _)| n == new) {
                db::delete_link(conn, *old, *new)?;
                summary.changed += 1;
            }
        }
    }
    let before = summary.unchanged + summary.changed;
    db::insert_links(conn, &inserts, &|done| progress(before + done))?;
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
