//! The import template: a workbook with Vietnamese headers (one row per
//! event or tally), drop-down lists (data validation) for the kind, topics,
//! target groups, place and audience basis, a sheet of participants keyed
//! by the event's own id, instructions, and a hidden sheet of the lists.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, Format, Formula, Workbook, Worksheet, XlsxError,
};

use super::columns::{
    Column, EVENT_COLUMNS, EVENTS_SHEET, INSTRUCTIONS_SHEET, PARTICIPANT_COLUMNS,
    PARTICIPANTS_SHEET, Shape,
};
use super::read::MAX_ROWS;
use crate::domain::{
    AudienceBasis, ConsentBy, IdType, Kind, LegalBasis, TargetGroup, Topic, names,
};
use crate::error::ApiError;

/// The hidden sheet holding the lists.
const LISTS_SHEET: &str = "Danh mục";

/// The rows the drop-downs cover.
const ROWS: u32 = MAX_ROWS as u32;

fn xlsx_error(e: XlsxError) -> ApiError {
    ApiError::internal(format!("writing the template: {e}"))
}

fn headers(ws: &mut Worksheet, columns: &[Column], bold: &Format) -> Result<(), XlsxError> {
    for (i, c) in columns.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, c.header, bold)?;
        ws.set_column_width(i as u16, (c.header.chars().count() as f64).max(14.0) + 2.0)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The template, with `places` (labels ending in their code in parentheses)
/// as the place's drop-down.
pub fn workbook(places: &[String]) -> Result<Vec<u8>, ApiError> {
    build(places).map_err(xlsx_error)
}

fn build(places: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    // The lists, one column each.
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| names::kind(*k)).collect();
    let topics: Vec<&str> = Topic::ALL.iter().map(|t| names::topic(*t)).collect();
    let groups: Vec<&str> = TargetGroup::ALL
        .iter()
        .map(|g| names::target_group(*g))
        .collect();
    let bases: Vec<&str> = AudienceBasis::ALL
        .iter()
        .map(|b| names::basis(*b))
        .collect();
    let ids: Vec<&str> = [IdType::CitizenId, IdType::Phone, IdType::StudentId]
        .iter()
        .map(|t| names::id_type(*t))
        .collect();
    let place_refs: Vec<&str> = places.iter().map(String::as_str).collect();
    let legal: Vec<&str> = LegalBasis::ALL
        .iter()
        .map(|b| names::legal_basis(*b))
        .collect();
    let consent: Vec<&str> = ConsentBy::ALL
        .iter()
        .map(|c| names::consent_by(*c))
        .collect();
    let lists: [(&str, &[&str]); 8] = [
        ("Hình thức", &kinds),
        ("Chủ đề", &topics),
        ("Đối tượng", &groups),
        ("Cơ sở ước tính", &bases),
        ("Loại giấy tờ", &ids),
        ("Địa bàn", &place_refs),
        ("Căn cứ thu thập định danh", &legal),
        ("Người đồng ý", &consent),
    ];
    let list_ref = |col: usize, n: usize| {
        let letter = (b'A' + col as u8) as char;
        Formula::new(format!(
            "='{LISTS_SHEET}'!${letter}$2:${letter}${}",
            n.max(1) + 1
        ))
    };
    let validation = |col: usize, n: usize, strict: bool| {
        let v = DataValidation::new().allow_list_formula(list_ref(col, n));
        if strict {
            v
        } else {
            // Several values may be typed, `;`-separated: a warning only.
            v.set_error_style(DataValidationErrorStyle::Information)
        }
    };
    {
        let ws = book.add_worksheet().set_name(EVENTS_SHEET)?;
        headers(ws, EVENT_COLUMNS, &bold)?;
        for (i, c) in EVENT_COLUMNS.iter().enumerate() {
            let list = match c.shape {
                Shape::Kind => Some((0, true)),
                Shape::Topics => Some((1, false)),
                Shape::TargetGroups => Some((2, false)),
                Shape::Basis => Some((3, true)),
                Shape::Area if !places.is_empty() => Some((5, false)),
                Shape::LegalBasis => Some((6, true)),
                Shape::ConsentBy => Some((7, true)),
                _ => None,
            };
            if let Some((l, strict)) = list {
                ws.add_data_validation(
                    1,
                    i as u16,
                    ROWS,
                    i as u16,
                    &validation(l, lists[l].1.len(), strict),
                )?;
            }
        }
    }
    {
        let ws = book.add_worksheet().set_name(PARTICIPANTS_SHEET)?;
        headers(ws, PARTICIPANT_COLUMNS, &bold)?;
        let col = PARTICIPANT_COLUMNS
            .iter()
            .position(|c| c.shape == Shape::IdType)
            .unwrap_or(1);
        ws.add_data_validation(
            1,
            col as u16,
            ROWS * 3,
            col as u16,
            &validation(4, ids.len(), true),
        )?;
    }
    {
        let ws = book.add_worksheet().set_name(INSTRUCTIONS_SHEET)?;
        ws.set_column_width(0, 34)?;
        ws.set_column_width(1, 100)?;
        let lines = [
            "Cách nhập số liệu hoạt động tuyên truyền phòng, chống mua bán người",
            "Mỗi dòng ở trang \"Hoạt động\" là một hoạt động, hoặc một bản tổng hợp nhiều buổi cùng hình thức tại một địa bàn (ví dụ 120 tiết dạy trong học kỳ: Số buổi 120, Tổng lượt người tham dự 2.400).",
            "Người tham gia có số định danh (CCCD, số điện thoại, mã học sinh) ghi ở trang \"Người tham gia\", mỗi người một dòng, kèm Mã hoạt động. Số định danh chỉ dùng để không đếm trùng người; hệ thống không lưu số gốc.",
            "Tin, bài, chương trình trên đài, loa, báo, mạng và tờ rơi: ghi \"Ước tính người nghe, xem, đọc\", để trống lượt tham dự và không ghi người tham gia.",
            "Nhập lại cùng tệp thì các dòng không đổi được giữ nguyên; dòng có Mã hoạt động đã có thì được cập nhật.",
            "Có thể kiểm tra trước (không ghi gì) rồi mới nhập thật.",
        ];
        for (r, l) in lines.iter().enumerate() {
            ws.write_string(r as u32, 0, *l)?;
        }
        let start = lines.len() as u32 + 1;
        ws.write_string_with_format(start, 0, "Cột (trang Hoạt động)", &bold)?;
        ws.write_string_with_format(start, 1, "Cách ghi", &bold)?;
        for (r, c) in EVENT_COLUMNS.iter().chain(PARTICIPANT_COLUMNS).enumerate() {
            ws.write_string(start + 1 + r as u32, 0, c.header)?;
            ws.write_string(start + 1 + r as u32, 1, c.note)?;
        }
    }
    {
        let ws = book.add_worksheet().set_name(LISTS_SHEET)?;
        for (col, (title, values)) in lists.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *title, &bold)?;
            for (r, v) in values.iter().enumerate() {
                ws.write_string(1 + r as u32, col as u16, *v)?;
            }
            ws.set_column_width(col as u16, 28)?;
        }
        ws.set_hidden(true);
    }
    book.save_to_buffer()
}
