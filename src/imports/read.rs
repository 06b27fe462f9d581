//! Reading an uploaded file into sheets of cells: a workbook (`.xlsx`,
//! read with calamine; formulas as their cached values) or CSV (UTF-8,
//! with or without a BOM). A file that cannot be read as a whole is a 4xx
//! and nothing is written: not a workbook nor UTF-8 text, a zip whose
//! parts would inflate past [`MAX_INFLATED`] (a zip bomb), more than
//! [`MAX_ROWS`] event rows or [`MAX_PARTICIPANT_ROWS`] participant rows.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use crate::error::ApiError;

/// Most event rows in one file (every sheet but the participants sheet).
pub const MAX_ROWS: usize = 10_000;
/// Most rows of the participants sheet: ten people per event on average.
pub const MAX_PARTICIPANT_ROWS: usize = 100_000;
/// Most bytes a workbook's parts may inflate to.
pub const MAX_INFLATED: u64 = 200 * 1024 * 1024;

/// A cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
    /// A cell the reader cannot take (an error value, a time, a boolean),
    /// described.
    Other(String),
}

impl Cell {
    /// Whether it holds nothing (blank text included).
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// One sheet: its name, its rows (the first is the header), and for each
/// row whether it crosses merged cells.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Name.
    pub name: String,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
    /// Row indexes (0-based) that cross a merged region.
    pub merged: Vec<usize>,
}

/// Reads a file's sheets.
pub fn read(bytes: &[u8]) -> Result<Vec<Sheet>, ApiError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn unreadable(why: &str) -> ApiError {
    ApiError::field("file", format!("không đọc được tệp: {why}"))
}

fn check_zip(bytes: &[u8]) -> Result<(), ApiError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| unreadable("không phải tệp Excel (.xlsx) hợp lệ"))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|_| unreadable("tệp Excel bị hỏng"))?;
        total = total.saturating_add(f.size());
        if total > MAX_INFLATED {
            return Err(ApiError::PayloadTooLarge(format!(
                "the workbook would inflate to more than {} MB; không đọc tệp này",
                MAX_INFLATED / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Sheet>, ApiError> {
    check_zip(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|_| unreadable("không phải tệp Excel (.xlsx) hợp lệ"))?;
    let mut sheets = Vec::new();
    let mut rows_seen = 0usize;
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|_| unreadable("một trang tính không đọc được"))?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let width = range.width() + left as usize;
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); top as usize];
        for r in range.rows() {
            let mut row = vec![Cell::Empty; left as usize];
            row.extend(r.iter().map(cell_of));
            row.resize(width, Cell::Empty);
            rows.push(row);
        }
        let data_rows = rows.len().saturating_sub(1);
        if name == super::columns::PARTICIPANTS_SHEET {
            if data_rows > MAX_PARTICIPANT_ROWS {
                return Err(ApiError::field(
                    "file",
                    format!(
                        "trang {name} có hơn {MAX_PARTICIPANT_ROWS} dòng; hãy chia thành nhiều tệp"
                    ),
                ));
            }
        } else {
            rows_seen += data_rows;
            if rows_seen > MAX_ROWS {
                return Err(too_many());
            }
        }
        let merged = book
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_default()
            .iter()
            .flat_map(|d| (d.start.0 as usize)..=(d.end.0 as usize))
            .collect();
        sheets.push(Sheet { name, rows, merged });
    }
    Ok(sheets)
}

fn too_many() -> ApiError {
    ApiError::field(
        "file",
        format!("tệp có hơn {MAX_ROWS} dòng; hãy chia thành nhiều tệp"),
    )
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => Cell::Date(t.date()),
            _ => Cell::Other("một khoảng thời gian".into()),
        },
        Data::DateTimeIso(s) => {
            match NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
                Ok(d) => Cell::Date(d),
                Err(_) => Cell::Other(s.clone()),
            }
        }
        Data::Bool(b) => Cell::Other(format!("giá trị đúng/sai ({b})")),
        Data::DurationIso(s) => Cell::Other(s.clone()),
        Data::Error(e) => Cell::Other(format!("ô lỗi ({e})")),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Sheet>, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| unreadable("không phải tệp Excel (.xlsx) hay CSV mã UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|_| unreadable("tệp CSV không đúng định dạng"))?;
        rows.push(
            rec.iter()
                .map(|v| {
                    if v.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(v.to_string())
                    }
                })
                .collect(),
        );
        if rows.len() > MAX_ROWS + 1 {
            return Err(too_many());
        }
    }
    Ok(vec![Sheet {
        name: "CSV".into(),
        rows,
        merged: Vec::new(),
    }])
}
