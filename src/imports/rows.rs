//! From sheets of cells to event bodies, one per row of the events sheet
//! (with the participants sheet's rows joined by the event's own id), and
//! the row's problems in Vietnamese, naming the column as the sheet shows
//! it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::columns::{
    Column, EVENT_COLUMNS, EVENTS_SHEET, PARTICIPANT_COLUMNS, PARTICIPANTS_SHEET, Shape, column_of,
};
use super::read::{Cell, Sheet};
use crate::domain::{
    AudienceBasis, ConsentBy, IdType, Kind, LegalBasis, TargetGroup, Topic, names,
};
use crate::error::ApiError;

/// One problem of a row: the column (its header as the sheet shows it) and
/// what is wrong, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct RowProblem {
    /// The column's header.
    pub column: String,
    /// What is wrong.
    pub message: String,
}

/// A row of the events sheet, read.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Its number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The agency's own id, when given.
    pub external_id: Option<String>,
    /// The body to write (when the row could be read).
    pub body: Value,
    /// What could not be read.
    pub problems: Vec<RowProblem>,
}

/// The header row of `sheet` mapped to columns: (cell index, column).
fn header(sheet: &Sheet, columns: &'static [Column]) -> Vec<(usize, &'static Column)> {
    sheet
        .rows
        .first()
        .map(|h| {
            h.iter()
                .enumerate()
                .filter_map(|(i, c)| match c {
                    Cell::Text(t) => column_of(columns, t).map(|col| (i, col)),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Finds the events sheet (by name, else the first sheet whose header names
/// the event columns) and the participants sheet.
fn pick(sheets: &[Sheet]) -> Result<(&Sheet, Option<&Sheet>), ApiError> {
    let named = |n: &str| {
        sheets
            .iter()
            .find(|s| names::fold(&s.name) == names::fold(n))
    };
    let events = named(EVENTS_SHEET)
        .filter(|s| header(s, EVENT_COLUMNS).len() >= 3)
        .or_else(|| sheets.iter().find(|s| header(s, EVENT_COLUMNS).len() >= 3))
        .ok_or_else(|| {
            ApiError::field(
                "file",
                "không tìm thấy dòng tiêu đề của mẫu (Mã hoạt động, Hình thức, Tên hoạt động, ...) ở dòng đầu của trang Hoạt động",
            )
        })?;
    let participants =
        named(PARTICIPANTS_SHEET).filter(|s| header(s, PARTICIPANT_COLUMNS).len() >= 3);
    Ok((events, participants))
}

/// A whole number from a cell.
fn count(c: &Cell) -> Result<i64, String> {
    match c {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Ok(*n as i64),
        Cell::Number(_) => Err("phải là số nguyên".into()),
        Cell::Text(t) => {
            let t = t.trim();
            let plain: String = t
                .chars()
                .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
                .collect();
            let grouped = t.contains('.') || t.contains(' ');
            let well_grouped = !grouped
                || t.split(['.', ' ', '\u{a0}']).enumerate().all(|(i, g)| {
                    if i == 0 {
                        (1..=3).contains(&g.len())
                    } else {
                        g.len() == 3
                    }
                });
            match plain.parse::<i64>() {
                Ok(n) if well_grouped => Ok(n),
                _ => Err(format!("\"{}\" không phải là số nguyên", short(t))),
            }
        }
        Cell::Date(_) => Err("là ô ngày, không phải số".into()),
        _ => Err("không phải là số".into()),
    }
}

/// A date from a date cell or `dd/mm/yyyy` text.
fn date(c: &Cell) -> Result<NaiveDate, String> {
    match c {
        Cell::Date(d) => Ok(*d),
        Cell::Text(t) => NaiveDate::parse_from_str(t.trim(), "%d/%m/%Y")
            .map_err(|_| format!("\"{}\" không phải ngày dạng dd/mm/yyyy", short(t.trim()))),
        _ => Err("không phải ngày (ô ngày hoặc dd/mm/yyyy)".into()),
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.trim().to_string(),
        Cell::Number(n) if n.fract() == 0.0 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
        Cell::Other(o) => o.clone(),
        Cell::Empty => String::new(),
    }
}

/// At most 40 characters of user text, for a message.
fn short(t: &str) -> String {
    let s: String = t.chars().take(40).collect();
    if s.len() < t.len() {
        format!("{s}…")
    } else {
        s
    }
}

/// A `;`-separated list of vocabulary values by name or code.
fn list<T: Copy>(
    c: &Cell,
    all: &[T],
    name: fn(T) -> &'static str,
    wire: fn(T) -> &'static str,
) -> Result<Vec<&'static str>, String> {
    let mut out = Vec::new();
    for part in text(c).split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match names::parse(part, all, name, wire) {
            Some(v) => out.push(wire(v)),
            None => return Err(format!("\"{}\" không có trong danh sách", short(part))),
        }
    }
    Ok(out)
}

/// Sets `path` (dotted) in `doc`.
fn set(doc: &mut Map<String, Value>, path: &str, v: Value) {
    match path.split_once('.') {
        Some((head, rest)) => {
            let inner = doc
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = inner {
                set(m, rest, v);
            }
        }
        None => {
            doc.insert(path.to_string(), v);
        }
    }
}

/// The JSON value of one cell in its column, or what is wrong with it.
fn value(col: &Column, c: &Cell) -> Result<Value, String> {
    Ok(match col.shape {
        Shape::Text => json!(text(c)),
        Shape::Count => json!(count(c)?),
        Shape::Date => json!(date(c)?.to_string()),
        Shape::Kind => {
            let t = text(c);
            json!(
                names::parse(&t, Kind::ALL, names::kind, Kind::as_str)
                    .map(Kind::as_str)
                    .ok_or_else(|| format!(
                        "\"{}\" không có trong danh sách hình thức",
                        short(&t)
                    ))?
            )
        }
        Shape::Topics => json!(list(c, Topic::ALL, names::topic, Topic::as_str)?),
        Shape::TargetGroups => json!(list(
            c,
            TargetGroup::ALL,
            names::target_group,
            TargetGroup::as_str
        )?),
        Shape::Agencies => json!(
            text(c)
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
        ),
        Shape::Area => {
            // "Xã Yên Đĩnh - Huyện Chợ Mới (02128)" or "02128".
            let t = text(c);
            let code = t
                .rsplit_once('(')
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .unwrap_or(&t)
                .trim()
                .to_string();
            json!(code)
        }
        Shape::Basis => {
            let t = text(c);
            json!(
                names::parse(&t, AudienceBasis::ALL, names::basis, AudienceBasis::as_str)
                    .map(AudienceBasis::as_str)
                    .ok_or_else(|| format!("\"{}\" không có trong danh sách", short(&t)))?
            )
        }
        Shape::LegalBasis => {
            let t = text(c);
            json!(
                names::parse(&t, LegalBasis::ALL, names::legal_basis, LegalBasis::as_str)
                    .map(LegalBasis::as_str)
                    .ok_or_else(|| format!("\"{}\" không có trong danh sách căn cứ", short(&t)))?
            )
        }
        Shape::ConsentBy => {
            let t = text(c);
            json!(
                names::parse(&t, ConsentBy::ALL, names::consent_by, ConsentBy::as_str)
                    .map(ConsentBy::as_str)
                    .ok_or_else(|| format!(
                        "\"{}\" không có trong danh sách người đồng ý",
                        short(&t)
                    ))?
            )
        }
        Shape::IdType => {
            let t = text(c);
            json!(
                names::parse(&t, IdType::ALL, names::id_type, IdType::as_str)
                    .map(IdType::as_str)
                    .ok_or_else(|| format!(
                        "\"{}\" không phải CCCD, Số điện thoại hay Mã học sinh",
                        short(&t)
                    ))?
            )
        }
    })
}

/// Reads one data row of a sheet into a JSON object, with its problems.
fn object(
    row: &[Cell],
    cols: &[(usize, &'static Column)],
    merged: bool,
) -> (Map<String, Value>, Vec<RowProblem>) {
    let mut doc = Map::new();
    let mut problems = Vec::new();
    if merged {
        problems.push(RowProblem {
            column: String::new(),
            message: "dòng có ô gộp: hãy bỏ gộp ô và nhập giá trị vào từng ô".into(),
        });
    }
    for (i, col) in cols {
        let cell = row.get(*i).unwrap_or(&Cell::Empty);
        if cell.is_empty() {
            continue;
        }
        match value(col, cell) {
            Ok(v) => set(&mut doc, col.field, v),
            Err(m) => problems.push(RowProblem {
                column: col.header.to_string(),
                message: m,
            }),
        }
    }
    (doc, problems)
}

/// A row's number and its problems.
pub type RowProblems = (usize, Vec<RowProblem>);

/// The events of a file, one per non-empty row of its events sheet, with
/// the participants sheet's people joined to them; and the problems of
/// participants rows naming an event the file does not hold (as rows of
/// their own, numbered in the participants sheet).
pub fn events_of(sheets: &[Sheet]) -> Result<(Vec<EventRow>, Vec<RowProblems>), ApiError> {
    let (events, people) = pick(sheets)?;
    let cols = header(events, EVENT_COLUMNS);
    let mut out: Vec<EventRow> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for (i, row) in events.rows.iter().enumerate().skip(1) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        let (doc, problems) = object(row, &cols, events.merged.contains(&i));
        let external_id = doc
            .get("external_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(id) = &external_id {
            by_id.insert(id.clone(), out.len());
        }
        out.push(EventRow {
            row: i + 1,
            external_id,
            body: Value::Object(doc),
            problems,
        });
    }
    let mut orphans = Vec::new();
    if let Some(people) = people {
        let pcols = header(people, PARTICIPANT_COLUMNS);
        for (i, row) in people.rows.iter().enumerate().skip(1) {
            if row.iter().all(Cell::is_empty) {
                continue;
            }
            let (mut doc, mut problems) = object(row, &pcols, people.merged.contains(&i));
            let key = doc
                .remove("external_id")
                .and_then(|v| v.as_str().map(str::to_string));
            match key.as_ref().and_then(|k| by_id.get(k)) {
                Some(&e) if problems.is_empty() => {
                    let list = out[e]
                        .body
                        .as_object_mut()
                        .expect("an object")
                        .entry("participants")
                        .or_insert_with(|| json!([]));
                    if let Value::Array(a) = list {
                        a.push(Value::Object(doc));
                    }
                }
                Some(&e) => {
                    for p in &mut problems {
                        p.column = format!("{PARTICIPANTS_SHEET} dòng {}: {}", i + 1, p.column);
                    }
                    out[e].problems.extend(problems);
                }
                None => {
                    problems.push(RowProblem {
                        column: "Mã hoạt động".into(),
                        message: "không có hoạt động nào mang mã này ở trang Hoạt động".into(),
                    });
                    orphans.push((i + 1, problems));
                }
            }
        }
    }
    Ok((out, orphans))
}

/// The column header a field error names, and the message in Vietnamese.
pub fn problem_of(field: &str, message: &str) -> RowProblem {
    let column = if let Some(rest) = field.strip_prefix("participants") {
        // participants[3].value: the 4th person of the row's event.
        let n = rest
            .trim_start_matches('[')
            .split(']')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .map_or(String::new(), |n| format!(" (người thứ {})", n + 1));
        format!("{PARTICIPANTS_SHEET}{n}")
    } else {
        EVENT_COLUMNS
            .iter()
            .find(|c| c.field == field)
            .or_else(|| {
                EVENT_COLUMNS
                    .iter()
                    .find(|c| c.field.starts_with(&format!("{field}.")))
            })
            .map_or_else(|| field.to_string(), |c| c.header.to_string())
    };
    RowProblem {
        column,
        message: vietnamese(message),
    }
}

/// The API's English messages in Vietnamese, by their leading words (the
/// English text is kept after them for anything the rules do not cover).
fn vietnamese(m: &str) -> String {
    const RULES: &[(&str, &str)] = &[
        ("required", "bắt buộc phải nhập"),
        ("must not be empty", "bắt buộc phải nhập"),
        (
            "unknown administrative unit",
            "không có đơn vị hành chính mang mã này",
        ),
        (
            "no administrative unit",
            "không có đơn vị hành chính mang mã này",
        ),
        (
            "must not be before start_date",
            "không được trước ngày bắt đầu",
        ),
        ("must not be after tomorrow", "không được sau ngày mai"),
        ("must not be before 2000", "không được trước năm 2000"),
        (
            "female + male must not exceed total",
            "số nữ cộng số nam vượt quá tổng lượt",
        ),
        ("must not exceed total", "vượt quá tổng lượt"),
        ("must be at least the", "nhỏ hơn số người được định danh"),
        ("must be 0 to", "ngoài khoảng cho phép"),
        ("must be 1 to", "ngoài khoảng cho phép"),
        (
            "a mass-media record",
            "tin, bài, chương trình trên phương tiện thông tin đại chúng ghi số người nghe, xem, đọc, không ghi lượt tham dự hay người tham gia",
        ),
        (
            "only mass-media records",
            "chỉ tin, bài, chương trình trên phương tiện thông tin đại chúng mới có số người nghe, xem, đọc",
        ),
        ("not an agency code", "không phải mã cơ quan"),
        ("not an active agency", "không phải cơ quan đang hoạt động"),
        (
            "the reporting agency cannot co-organise",
            "cơ quan báo cáo không thể tự phối hợp với chính mình",
        ),
        ("1 to 128 printable", "bắt buộc, từ 1 đến 128 ký tự"),
        ("required, 1 to 300", "bắt buộc, từ 1 đến 300 ký tự"),
        (
            "12 digits",
            "số CCCD phải có 12 chữ số (hoặc CMND 9 chữ số)",
        ),
        (
            "not a Vietnamese phone",
            "không phải số điện thoại Việt Nam",
        ),
    ];
    RULES
        .iter()
        .find(|(en, _)| m.starts_with(en) || m.contains(en))
        .map_or_else(
            || format!("không hợp lệ ({m})"),
            |(_, vi)| (*vi).to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_vietnamese_thousands_and_refuse_fractions() {
        assert_eq!(count(&Cell::Text("6.770".into())), Ok(6770));
        assert_eq!(count(&Cell::Text("103 430".into())), Ok(103_430));
        assert_eq!(count(&Cell::Number(118.0)), Ok(118));
        assert!(count(&Cell::Number(1.5)).is_err());
        assert!(count(&Cell::Text("6.77".into())).is_err());
        assert!(count(&Cell::Text("abc".into())).is_err());
    }

    #[test]
    fn dates_are_date_cells_or_day_month_year() {
        let d = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        assert_eq!(date(&Cell::Text("01/07/2024".into())), Ok(d));
        assert_eq!(date(&Cell::Date(d)), Ok(d));
        assert!(date(&Cell::Text("2024-07-01".into())).is_err());
        assert!(date(&Cell::Text("07/13/2024".into())).is_err());
    }

    #[test]
    fn field_errors_name_the_column_in_vietnamese() {
        let p = problem_of(
            "attendance.total",
            "must be at least the 3 distinct identified participants",
        );
        assert_eq!(p.column, "Tổng lượt người tham dự");
        assert_eq!(p.message, "nhỏ hơn số người được định danh");
        assert_eq!(
            problem_of("participants[2].value", "x").column,
            "Người tham gia (người thứ 3)"
        );
        assert_eq!(
            problem_of("attendance", "female + male must not exceed total").column,
            "Tổng lượt người tham dự"
        );
    }
}
