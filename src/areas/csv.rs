//! Reading the CSV files of imports, and reporting their bad rows by line.

use crate::error::{ApiError, FieldError};

/// One data row of a CSV file: its line and its fields in the order asked
/// for (empty when absent), and what is wrong with it so far.
pub(super) struct CsvRow {
    /// Line number (the header is line 1).
    pub(super) line: u64,
    /// The asked-for fields.
    pub(super) values: Vec<String>,
    /// Problems found while reading.
    pub(super) errors: Vec<String>,
}

/// Reads a CSV file with a header naming (at least) `columns`, in any order.
/// A problem with the file as a whole is an `Err`; problems of single rows
/// are recorded on the row.
pub(super) fn read_csv(text: &str, columns: &[&str]) -> Result<Vec<CsvRow>, ApiError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file_error = |line: u64, msg: String| ApiError::field(format!("line {line}"), msg);
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::All)
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
    let mut record = ::csv::StringRecord::new();
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
                if !matches!(e.kind(), ::csv::ErrorKind::UnequalLengths { .. }) {
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
pub(super) type Problems = Vec<(&'static str, String)>;

/// The errors of rows with problems, one per row, as `line N: reason; reason`.
pub(super) fn line_errors<'a>(rows: impl Iterator<Item = (u64, &'a Problems)>) -> Vec<FieldError> {
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
