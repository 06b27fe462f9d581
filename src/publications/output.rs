//! A publication as CSV: one line per row of every table and one totals
//! line per table (`row_type` `total`, never a sum of rows, `TOTAL` in
//! every key column). A row of a table not split by a key column also says
//! `TOTAL` there (the row covers all its values), so no code column has an
//! empty cell that would make pandas read its codes as numbers; a withheld
//! value is an empty cell named in the `suppressed` column, never a zero.

use crate::aggregates::csv::{finish, safe_cell};
use crate::aggregates::measure::share;
use crate::error::ApiError;

use super::Publication;

/// The derived column of the identified share.
const SHARE: &str = "identified_share";

/// Writes `p` as CSV.
pub fn to_csv(p: &Publication) -> Result<String, ApiError> {
    // Key columns: every table's, in order of first appearance.
    let mut keys: Vec<String> = Vec::new();
    for t in &p.tables {
        for r in &t.rows {
            for k in r.key.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    // Measure columns: the aggregate measures, then `people` when an
    // overlap or frequency table has it.
    let mut measures = p.measures.clone();
    for t in &p.tables {
        for m in &t.measures {
            if !measures.contains(m) {
                measures.push(m.clone());
            }
        }
    }
    // The identified share beside the people: derived from two published
    // values (empty where either is withheld or there is no attendance).
    let share_after = measures
        .iter()
        .position(|m| m == "identified_attendances")
        .filter(|_| measures.iter().any(|m| m == "attendances"));
    if let Some(i) = share_after {
        measures.insert(i + 1, SHARE.to_string());
    }
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = ["table", "row_type"]
        .into_iter()
        .map(str::to_string)
        .chain(keys.iter().cloned())
        .chain(measures.iter().cloned())
        .chain(["suppressed".to_string()])
        .collect();
    let csv_err = |e: ::csv::Error| ApiError::internal(format!("writing CSV: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    for t in &p.tables {
        let splits_by = |k: &str| t.rows.iter().any(|r| r.key.contains_key(k));
        let lines = t
            .rows
            .iter()
            .map(|r| ("row", Some(&r.key), &r.cells))
            .chain(std::iter::once(("total", None, &t.totals)));
        for (kind, key, cells) in lines {
            let mut line = vec![safe_cell(&t.name), kind.to_string()];
            for k in &keys {
                line.push(match key {
                    Some(_) if !splits_by(k) => "TOTAL".into(),
                    Some(key) => key
                        .get(k)
                        .cloned()
                        .flatten()
                        .map(|v| safe_cell(&v))
                        .unwrap_or_default(),
                    // Every key column of a totals line says TOTAL, so
                    // that readers (pandas) keep codes such as "01" as
                    // text (issue 29).
                    None => "TOTAL".into(),
                });
            }
            let value = |m: &str| cells.values.get(m).copied().flatten();
            for m in &measures {
                line.push(if m == SHARE {
                    value("identified_attendances")
                        .zip(value("attendances"))
                        .and_then(|(i, a)| share(i, a))
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                } else {
                    value(m).map(|v| v.to_string()).unwrap_or_default()
                });
            }
            line.push(cells.suppressed.join(";"));
            w.write_record(&line).map_err(csv_err)?;
        }
    }
    finish(w)
}
