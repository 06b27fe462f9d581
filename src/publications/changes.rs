//! The cells that differ between two versions of a publication.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::ApiError;

use super::{Publication, get, parse};

/// One cell that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CellChange {
    /// The table.
    pub table: String,
    /// The row's key; absent for the totals.
    pub key: Option<BTreeMap<String, Option<String>>>,
    /// The measure.
    pub measure: String,
    /// Its value in the earlier version (null: withheld, not reported, or no such row).
    pub before: Option<i64>,
    /// Whether it was withheld then.
    pub before_suppressed: bool,
    /// Its value in the later version.
    pub after: Option<i64>,
    /// Whether it is withheld now.
    pub after_suppressed: bool,
}

/// The changes from version `since` to the latest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Changes {
    /// The period.
    pub period: String,
    /// The earlier version.
    pub since: i64,
    /// The latest version.
    pub version: i64,
    /// Every cell whose value or suppression differs, by table, row and measure.
    pub changes: Vec<CellChange>,
}

/// The cells of a publication by (table, key, measure).
type CellMap =
    BTreeMap<(String, Option<BTreeMap<String, Option<String>>>, String), (Option<i64>, bool)>;

fn cell_map(p: &Publication) -> CellMap {
    let mut out = CellMap::new();
    for t in &p.tables {
        let rows = t
            .rows
            .iter()
            .map(|r| (Some(r.key.clone()), &r.cells))
            .chain(std::iter::once((None, &t.totals)));
        for (key, cells) in rows {
            for (m, v) in &cells.values {
                out.insert(
                    (t.name.clone(), key.clone(), m.clone()),
                    (*v, cells.suppressed.contains(m)),
                );
            }
        }
    }
    out
}

/// The cells that differ between version `since` and the latest.
pub fn changes(conn: &mut DbConn, period: &str, since: i64) -> Result<Changes, ApiError> {
    let latest = get(conn, period, None)?;
    if since < 1 || since > latest.version {
        return Err(ApiError::field(
            "since",
            format!("a version of {period}: 1 to {}", latest.version),
        ));
    }
    let old = cell_map(&parse(&get(conn, period, Some(since))?)?);
    let new = cell_map(&parse(&latest)?);
    let mut keys: Vec<_> = old.keys().chain(new.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let changes = keys
        .into_iter()
        .filter_map(|k| {
            let before = old.get(&k).copied().unwrap_or((None, false));
            let after = new.get(&k).copied().unwrap_or((None, false));
            if before == after && old.contains_key(&k) == new.contains_key(&k) {
                return None;
            }
            Some(CellChange {
                table: k.0,
                key: k.1,
                measure: k.2,
                before: before.0,
                before_suppressed: before.1,
                after: after.0,
                after_suppressed: after.1,
            })
        })
        .collect();
    Ok(Changes {
        period: period.to_string(),
        since,
        version: latest.version,
        changes,
    })
}
