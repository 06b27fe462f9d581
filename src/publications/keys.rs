//! Row keys as published: named as in aggregate rows, area keys as codes
//! and names, overlap and frequency rows as their label and value; the
//! order rows are published in.

use std::collections::BTreeMap;

use super::Analysis;
use crate::aggregates::GroupBy;
use crate::db::DbConn;
use crate::error::ApiError;

/// The row key of a table row, named as in aggregate rows; area keys
/// (unit ids) become codes and names.
pub(super) fn row_key(
    group_by: &GroupBy,
    keys: &[Option<String>],
    units: &BTreeMap<i64, (String, String)>,
) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for (d, k) in group_by.iter().zip(keys) {
        if d.is_area() {
            let unit = k
                .as_ref()
                .and_then(|id| id.parse::<i64>().ok())
                .and_then(|id| units.get(&id));
            out.insert(d.key_name().to_string(), unit.map(|u| u.0.clone()));
            out.insert(format!("{}_name", d.key_name()), unit.map(|u| u.1.clone()));
        } else {
            out.insert(d.key_name().to_string(), k.clone());
        }
    }
    out
}

/// A published row's key: for overlap and frequency tables, the row's label
/// and value; else [`row_key`].
pub(super) fn published_key(
    analysis: Analysis,
    group_by: &GroupBy,
    keys: &[Option<String>],
    units: &BTreeMap<i64, (String, String)>,
) -> BTreeMap<String, Option<String>> {
    if analysis.counts_people() {
        BTreeMap::from([(keys[0].clone().unwrap_or_default(), keys[1].clone())])
    } else {
        row_key(group_by, keys, units)
    }
}

/// The codes and names of the units the area keys of `rows` name.
pub(super) fn unit_names<'a>(
    conn: &mut DbConn,
    rows: impl Iterator<Item = (&'a GroupBy, &'a Vec<Option<String>>)>,
) -> Result<BTreeMap<i64, (String, String)>, ApiError> {
    let mut unit_ids: Vec<i64> = Vec::new();
    for (group_by, keys) in rows {
        for (d, key) in group_by.iter().zip(keys) {
            if d.is_area()
                && let Some(id) = key.as_ref().and_then(|k| k.parse().ok())
            {
                unit_ids.push(id);
            }
        }
    }
    unit_ids.sort_unstable();
    unit_ids.dedup();
    Ok(crate::db::aggregates::area_names(conn, &unit_ids)?)
}

/// Rows sort by key, numbers (`3`, `10+`) as numbers.
pub(super) fn sort_key(
    key: &BTreeMap<String, Option<String>>,
) -> Vec<(String, Option<(i64, String)>)> {
    key.iter()
        .map(|(k, v)| {
            let v = v.as_ref().map(|v| {
                let n = v.trim_end_matches('+').parse::<i64>().unwrap_or(i64::MIN);
                (n, v.clone())
            });
            (k.clone(), v)
        })
        .collect()
}
