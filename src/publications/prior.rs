//! What readers already know: the cells of every stored version of every
//! publication whose period overlaps the one being published (versions of
//! the same period, the months of a quarter, the quarter of a month, the
//! year). Their tables are recomputed on today's data to know which real
//! events and people each stored cell holds, and join the new
//! publication's disclosure system with their stored fate: a published
//! value cannot be withdrawn, a withheld one must stay protected. Nothing
//! personal is stored for this; a stored cell's values are what a reader
//! has.
//!
//! Where today's data differ from the stored cells (a period reopened and
//! corrected), the memberships are today's: the masses the check uses are
//! today's too, which is what a reader of both versions would combine.

use std::collections::{BTreeMap, HashMap};

use super::cells::Group;
use super::keys::{published_key, unit_names};
use super::tables;
use super::{Analysis, Cells, PublishedTable, TableSpec, members_of, request_of};
use crate::db::DbConn;
use crate::db::publications as store;
use crate::error::ApiError;
use crate::periods::Period;

/// The groups of every stored publication of a period overlapping
/// `period`, numbered as tables from `first_table`, each with its stored
/// values. A table published by several versions (the same period,
/// grouping, filters and analysis) is recomputed once, its cells carrying
/// what every version published: a value any version published is known;
/// one every version withheld must stay protected. Rows a stored table had
/// that today's data no longer give (and rows today's data give that it
/// did not publish) are left out: readers never saw the latter, and the
/// former hold no events now.
pub(super) fn known_groups(
    conn: &mut DbConn,
    period: &Period,
    first_table: usize,
    memo: &mut tables::Memo,
) -> Result<Vec<Group>, ApiError> {
    // Distinct tables, in the order first met, with every stored version.
    let mut order: Vec<String> = Vec::new();
    let mut tables: HashMap<String, (Period, usize, Vec<PublishedTable>)> = HashMap::new();
    for (name, version) in store::versions(conn)? {
        let Ok(prior) = Period::parse(&name, period.rule()) else {
            continue;
        };
        if prior.ends_on() < period.starts_on() || prior.starts_on() > period.ends_on() {
            continue;
        }
        let row = store::get(conn, &name, version)?
            .ok_or_else(|| ApiError::internal("a listed publication vanished"))?;
        for (i, t) in super::parse(&row)?.tables.into_iter().enumerate() {
            let identity = serde_json::to_string(&(&name, &t.group_by, &t.filters, t.analysis))
                .map_err(|e| ApiError::internal_with("a stored table's identity", e))?;
            match tables.get_mut(&identity) {
                Some((_, _, versions)) => versions.push(t),
                None => {
                    order.push(identity.clone());
                    tables.insert(identity, (prior.clone(), i, vec![t]));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut people: HashMap<String, tables::PeopleOf> = HashMap::new();
    for (n, identity) in order.iter().enumerate() {
        let (prior, index, versions) = &tables[identity];
        if !people.contains_key(prior.as_str()) {
            let p = tables::people_of(conn, &super::whole_period(prior))?;
            people.insert(prior.as_str().to_string(), p);
        }
        let people_of = &people[prior.as_str()];
        out.extend(table_groups(
            conn,
            prior,
            *index,
            versions,
            first_table + n,
            memo,
            people_of,
        )?);
    }
    Ok(out)
}

/// One stored table's groups (every version of it), matched to its stored
/// rows by key.
fn table_groups(
    conn: &mut DbConn,
    period: &Period,
    index: usize,
    versions: &[PublishedTable],
    table: usize,
    memo: &mut tables::Memo,
    people_of: &tables::PeopleOf,
) -> Result<Vec<Group>, ApiError> {
    let t = &versions[0];
    let spec = TableSpec {
        name: Some(t.name.clone()),
        group_by: t.group_by.join(","),
        filters: t.filters.clone(),
        analysis: t.analysis,
    };
    let (_, request) = request_of(&spec, period, index)?;
    let members = members_of(conn, t.analysis, &request, memo, people_of)?;
    let units = unit_names(
        conn,
        members.rows.iter().map(|r| (&request.group_by, &r.keys)),
    )?;
    let mut stored: HashMap<BTreeMap<String, Option<String>>, Vec<&Cells>> = HashMap::new();
    for v in versions {
        for r in &v.rows {
            stored
                .entry(without_names(&r.key))
                .or_default()
                .push(&r.cells);
        }
    }
    let totals: Vec<&Cells> = versions.iter().map(|v| &v.totals).collect();
    let mut out = Vec::new();
    for r in members.rows {
        let key = published_key(t.analysis, &request.group_by, &r.keys, &units);
        if let Some(cells) = stored.get(&without_names(&key)) {
            out.push(Group {
                table,
                total: false,
                members: r,
                known: Some(known(cells, t.analysis)),
                analysis: t.analysis,
            });
        }
    }
    out.push(Group {
        table,
        total: true,
        members: members.totals,
        known: Some(known(&totals, t.analysis)),
        analysis: t.analysis,
    });
    Ok(out)
}

/// A row key without its names (`province_name`, ...): units are matched
/// by code, whatever they are called now.
fn without_names(key: &BTreeMap<String, Option<String>>) -> BTreeMap<String, Option<String>> {
    key.iter()
        .filter(|(k, _)| !k.ends_with("_name"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What the stored versions of a cell group tell a reader, by measure
/// name: a value where any version published one, null where every
/// version that published the measure withheld it; a measure never
/// reported (null, not withheld) or not published is left out. Overlap
/// and frequency tables publish `people`, the unique count.
fn known(versions: &[&Cells], analysis: Analysis) -> BTreeMap<String, Option<i64>> {
    let mut out: BTreeMap<String, Option<i64>> = BTreeMap::new();
    for cells in versions {
        for (m, v) in &cells.values {
            if v.is_none() && !cells.suppressed.contains(m) {
                continue;
            }
            let name = if analysis.counts_people() && m == "people" {
                "unique_participants".to_string()
            } else {
                m.clone()
            };
            let e = out.entry(name).or_insert(None);
            if v.is_some() {
                *e = *v;
            }
        }
    }
    out
}
