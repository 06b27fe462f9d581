//! Importing events from a workbook or a CSV file (issue 32), for agencies
//! without an IT system: the template ([`template`]), reading a file
//! ([`read`]) into event bodies with Vietnamese problems per row
//! ([`rows`]), and [`run`], which writes them through the batch path in
//! chunks (one transaction each), upserting by the agency's own id, so a
//! re-import answers `unchanged` row by row. The columns are one table
//! ([`columns`]).

pub mod columns;
pub mod read;
pub mod rows;
pub mod template;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::audit::Actor;
use crate::db::DbConn;
use crate::db::imports::{self as table, ImportRow};
use crate::domain::Pseudonymizer;
use crate::error::ApiError;
use crate::events::{EventBody, Items, Mode, write_batch};

pub use rows::RowProblem;

/// Rows written per transaction.
pub const CHUNK: usize = 500;

/// One row's answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportItem {
    /// The sheet (`Hoạt động`, `Người tham gia`, or `CSV`).
    pub sheet: String,
    /// The row's number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The agency's own id of its event, when given.
    pub external_id: Option<String>,
    /// What happened, as a batch item: `created`, `updated`, `unchanged`,
    /// `conflict`, `locked` or `invalid`.
    #[schema(value_type = String)]
    pub status: String,
    /// The event's id, when stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What is wrong, in Vietnamese, by column.
    #[serde(default)]
    pub problems: Vec<RowProblem>,
    /// How many of the row's participants are on the erased list (people
    /// who asked to be erased, PRIVACY.md) and were left out. Absent when
    /// none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub erased_participants: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An import as `GET /api/v1/imports/{id}` answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Import {
    /// Its id.
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Whether nothing is written.
    pub dry_run: bool,
    /// Rows of the file (events and participants rows naming no event).
    pub rows_total: i64,
    /// Rows answered so far.
    pub rows_done: i64,
    /// Counts by status, once done.
    pub summary: std::collections::BTreeMap<String, usize>,
    /// Every row's answer, once done (invalid rows first come with their
    /// problems).
    pub items: Vec<ImportItem>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Import {
    /// The API view of a stored import.
    pub fn of(row: ImportRow) -> Self {
        let (items, error) = match (row.status.as_str(), &row.result_json) {
            ("done", Some(j)) => (serde_json::from_str(j).unwrap_or_default(), None),
            ("failed", Some(j)) => (Vec::new(), Some(j.clone())),
            _ => (Vec::new(), None),
        };
        let mut summary = std::collections::BTreeMap::new();
        for i in &items {
            let i: &ImportItem = i;
            *summary.entry(i.status.clone()).or_default() += 1;
        }
        Import {
            id: row.id,
            status: row.status,
            dry_run: row.dry_run == 1,
            rows_total: row.rows_total,
            rows_done: row.rows_done,
            summary,
            items,
            error,
        }
    }
}

/// A file read and ready to write: its events and the rows already answered.
#[derive(Debug)]
pub struct Prepared {
    /// Events read without problems, to write: (row, body).
    pub to_write: Vec<(usize, Option<String>, Value)>,
    /// Rows answered without writing (invalid).
    pub answered: Vec<ImportItem>,
    /// The events sheet's name.
    pub sheet: String,
}

impl Prepared {
    /// How many rows the import answers.
    pub fn rows(&self) -> usize {
        self.to_write.len() + self.answered.len()
    }
}

/// Reads a file: a 4xx for a file that cannot be read as a whole.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, ApiError> {
    let sheets = read::read(bytes)?;
    let (events, orphans) = rows::events_of(&sheets)?;
    let sheet = if sheets.len() == 1 && sheets[0].name == "CSV" {
        "CSV".to_string()
    } else {
        columns::EVENTS_SHEET.to_string()
    };
    if events.is_empty() {
        return Err(ApiError::field("file", "tệp không có dòng hoạt động nào"));
    }
    let mut to_write = Vec::new();
    let mut answered = Vec::new();
    for e in events {
        if e.problems.is_empty() {
            to_write.push((e.row, e.external_id, e.body));
        } else {
            answered.push(ImportItem {
                sheet: sheet.clone(),
                row: e.row,
                external_id: e.external_id,
                status: "invalid".into(),
                id: None,
                problems: e.problems,
                erased_participants: 0,
            });
        }
    }
    for (row, problems) in orphans {
        answered.push(ImportItem {
            sheet: columns::PARTICIPANTS_SHEET.into(),
            row,
            external_id: None,
            status: "invalid".into(),
            id: None,
            problems,
            erased_participants: 0,
        });
    }
    Ok(Prepared {
        to_write,
        answered,
        sheet,
    })
}

/// Stores a new import, running.
pub fn start(
    conn: &mut DbConn,
    agency: &str,
    actor: &Actor,
    dry_run: bool,
    rows: usize,
) -> Result<String, ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::db::now();
    table::insert(
        conn,
        &ImportRow {
            id: id.clone(),
            agency_code: agency.to_string(),
            actor: actor.name(),
            dry_run: i32::from(dry_run),
            status: "running".into(),
            rows_total: rows as i64,
            rows_done: 0,
            result_json: None,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(id)
}

/// Writes one chunk of rows through the batch path (one transaction), and
/// answers each row.
pub fn write_chunk(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    agency: &str,
    sheet: &str,
    chunk: &[(usize, Option<String>, Value)],
    dry_run: bool,
) -> Result<Vec<ImportItem>, ApiError> {
    let values: Vec<Value> = chunk.iter().map(|(_, _, v)| v.clone()).collect();
    let items = Items::parse(
        &values,
        values.len(),
        crate::http::extract::parse_json::<EventBody>,
    )?;
    let result = write_batch(
        conn,
        pseudonymizer,
        actor,
        agency,
        &items,
        Mode::Upsert,
        dry_run,
    )?;
    Ok(result
        .items
        .into_iter()
        .map(|i| {
            let (row, external_id, _) = &chunk[i.index];
            ImportItem {
                sheet: sheet.to_string(),
                row: *row,
                external_id: external_id.clone(),
                status: i.status.as_str().into(),
                erased_participants: i.erased_participants,
                id: i.id,
                problems: i
                    .errors
                    .unwrap_or_default()
                    .iter()
                    .map(|e| {
                        rows::problem_of(
                            &e.field.replace(&format!("items[{}].", i.index), ""),
                            &e.message,
                        )
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Records progress, or the end with every row's answer (in row order).
pub fn record(
    conn: &mut DbConn,
    id: &str,
    done: usize,
    finished: Option<&mut Vec<ImportItem>>,
) -> Result<(), ApiError> {
    match finished {
        None => table::progress(conn, id, done as i64, "running", None)?,
        Some(items) => {
            items.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
            let json = serde_json::to_string(&items)
                .map_err(|e| ApiError::internal_with("serialising an import's answer", e))?;
            table::progress(conn, id, done as i64, "done", Some(&json))?;
        }
    }
    Ok(())
}

/// Records a failure.
pub fn fail(conn: &mut DbConn, id: &str, done: usize, why: &str) -> Result<(), ApiError> {
    table::progress(conn, id, done as i64, "failed", Some(why))?;
    Ok(())
}

/// The import `id` as `agency` (None: an admin) may read it.
pub fn get(conn: &mut DbConn, id: &str, agency: Option<&str>) -> Result<Import, ApiError> {
    match table::get(conn, id)? {
        Some(r) if agency.is_none_or(|a| a == r.agency_code) => Ok(Import::of(r)),
        _ => Err(ApiError::NotFound(format!("no import {id}"))),
    }
}
