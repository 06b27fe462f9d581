//! The cells that differ between two versions of a publication.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::error::ApiError;

use super::{Publication, PublishRequest, TableSpec, compute_publication, get, parse};
use crate::domain::calendar::PeriodRule;

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
    /// Whether the latest version is compared with what a republish would
    /// publish now (`live=true`: live figures changed since, by an
    /// erasure or a correction), rather than with version `since`.
    pub live: bool,
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
    let changes = diff(&parse(&get(conn, period, Some(since))?)?, &parse(&latest)?);
    Ok(Changes {
        period: period.to_string(),
        since,
        version: latest.version,
        live: false,
        changes,
    })
}

/// The cells a republish would change now: the latest version against
/// the publication its tables would give from today's live figures, with
/// its threshold and against the same earlier versions (computed, not
/// stored). Stored publications are never rewritten (an erasure changes
/// live figures only); this says what a new version would.
pub fn would_change(
    conn: &mut DbConn,
    period: &str,
    rule: PeriodRule,
) -> Result<Changes, ApiError> {
    let latest = parse(&get(conn, period, None)?)?;
    let req = PublishRequest {
        title: latest.title.clone(),
        period: period.to_string(),
        tables: Some(
            latest
                .tables
                .iter()
                .map(|t| TableSpec {
                    name: Some(t.name.clone()),
                    group_by: t.group_by.join(","),
                    filters: t.filters.clone(),
                    analysis: t.analysis,
                })
                .collect(),
        ),
    };
    let now = compute_publication(conn, &req, latest.threshold, rule)?.into_publication(
        latest.title.clone(),
        latest.version + 1,
        chrono::Utc::now(),
        latest.period_locked,
        latest.threshold,
    );
    Ok(Changes {
        period: period.to_string(),
        since: latest.version,
        version: latest.version,
        live: true,
        changes: diff(&latest, &now),
    })
}

/// The cells that differ from `old` to `new`.
fn diff(old: &Publication, new: &Publication) -> Vec<CellChange> {
    let old = cell_map(old);
    let new = cell_map(new);
    let mut keys: Vec<_> = old.keys().chain(new.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
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
        .collect()
}
