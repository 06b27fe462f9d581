//! The answer as a workbook for people (`GET /api/v1/aggregates.xlsx`):
//! Vietnamese (or English) headers from the tables of dimensions and
//! measures, each key's code and its name in columns of their own (agency
//! names, the vocabularies' Vietnamese names, unit names, "Quý III/2024"),
//! then the totals line, named as the total without double counting, never
//! a sum of the rows; a second sheet says what the figures cover.

use rust_xlsxwriter::{Format as Style, Workbook, XlsxError};

use super::measure::{MEASURES, Value};
use super::{Answer, Dimension};
use crate::domain::Lang;
use crate::domain::{Kind, TargetGroup, Topic, names};
use crate::error::ApiError;

/// A period key in words: "Tháng 7/2024", "Quý III/2024", "Năm 2024".
fn period_words(key: &str, lang: Lang) -> String {
    const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
    let vi = lang == Lang::Vi;
    match key.split_once('-') {
        Some((y, q)) if q.starts_with('Q') => {
            let i = q[1..].parse::<usize>().unwrap_or(1).clamp(1, 4) - 1;
            if vi {
                format!("Quý {}/{y}", ROMAN[i])
            } else {
                format!("Q{} {y}", i + 1)
            }
        }
        Some((y, m)) => {
            let m = m.trim_start_matches('0');
            if vi {
                format!("Tháng {m}/{y}")
            } else {
                format!("{m}/{y}")
            }
        }
        None if vi => format!("Năm {key}"),
        None => key.to_string(),
    }
}

/// A key's name for people.
fn name_of(
    dim: Dimension,
    code: &str,
    area_name: Option<&str>,
    agencies: &[(String, String, String)],
    lang: Lang,
) -> String {
    let vi = lang == Lang::Vi;
    match dim {
        Dimension::Agency => agencies
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, n, e)| if vi { n.clone() } else { e.clone() })
            .unwrap_or_else(|| code.to_string()),
        Dimension::Kind => Kind::parse(code)
            .map(|k| if vi { names::kind(k) } else { k.as_str() })
            .unwrap_or(code)
            .to_string(),
        Dimension::Topic => Topic::parse(code)
            .map(|t| if vi { names::topic(t) } else { t.as_str() })
            .unwrap_or(code)
            .to_string(),
        Dimension::TargetGroup => TargetGroup::parse(code)
            .map(|g| {
                if vi {
                    names::target_group(g)
                } else {
                    g.as_str()
                }
            })
            .unwrap_or(code)
            .to_string(),
        d if d.is_area() => area_name.unwrap_or(code).to_string(),
        _ => period_words(code, lang),
    }
}

/// Writes an answer as `.xlsx` bytes. `agencies`: (code, name, English
/// name) of every agency; `covers`: what the answer covers, in words.
pub fn to_xlsx(
    dims: &[Dimension],
    answer: &Answer,
    agencies: &[(String, String, String)],
    covers: &[String],
    lang: Lang,
) -> Result<Vec<u8>, ApiError> {
    write(dims, answer, agencies, covers, lang)
        .map_err(|e| ApiError::internal(format!("writing a workbook: {e}")))
}

fn write(
    dims: &[Dimension],
    answer: &Answer,
    agencies: &[(String, String, String)],
    covers: &[String],
    lang: Lang,
) -> Result<Vec<u8>, XlsxError> {
    let vi = lang == Lang::Vi;
    let pick = |(v, e): (&'static str, &'static str)| if vi { v } else { e };
    let mut book = Workbook::new();
    let bold = Style::new().set_bold().set_text_wrap();
    let ws = book.add_worksheet();
    ws.set_name(if vi { "Số liệu" } else { "Figures" })?;
    let mut col: u16 = 0;
    for d in dims {
        let [code, name] = d.label();
        ws.write_string_with_format(0, col, pick(name), &bold)?;
        ws.write_string_with_format(0, col + 1, pick(code), &bold)?;
        ws.set_column_width(col, 30)?;
        ws.set_column_width(col + 1, 12)?;
        col += 2;
    }
    let first_measure = col;
    for m in MEASURES {
        ws.write_string_with_format(0, col, pick(m.label), &bold)?;
        ws.set_column_width(col, 16)?;
        col += 1;
    }
    ws.set_freeze_panes(1, 0)?;
    let write_measures = |ws: &mut rust_xlsxwriter::Worksheet,
                          r: u32,
                          m: &super::Measures,
                          style: Option<&Style>|
     -> Result<(), XlsxError> {
        for (i, def) in MEASURES.iter().enumerate() {
            let c = first_measure + i as u16;
            let v = match (def.get)(m) {
                Some(Value::Count(n)) => n as f64,
                Some(Value::Share(s)) => s,
                None => continue,
            };
            match style {
                Some(s) => ws.write_number_with_format(r, c, v, s)?,
                None => ws.write_number(r, c, v)?,
            };
        }
        Ok(())
    };
    let mut r: u32 = 1;
    for row in &answer.rows {
        let mut c: u16 = 0;
        for (i, d) in dims.iter().enumerate() {
            if let Some(code) = row.keys.get(i).cloned().flatten() {
                let area = row.names.get(i).cloned().flatten();
                ws.write_string(r, c, name_of(*d, &code, area.as_deref(), agencies, lang))?;
                ws.write_string(r, c + 1, &code)?;
            }
            c += 2;
        }
        write_measures(ws, r, &row.measures, None)?;
        r += 1;
    }
    let total_style = Style::new().set_bold();
    ws.write_string_with_format(
        r,
        0,
        if vi {
            "Tổng (không tính trùng)"
        } else {
            "Total (no double counting)"
        },
        &total_style,
    )?;
    write_measures(ws, r, &answer.totals, Some(&total_style))?;

    let notes = book.add_worksheet();
    notes.set_name(if vi { "Ghi chú" } else { "Notes" })?;
    notes.set_column_width(0, 110)?;
    let mut lines: Vec<String> = covers.to_vec();
    lines.push(
        if vi {
            "Dòng tổng là số liệu không tính trùng do hệ thống tính, không phải tổng cộng các dòng: một hoạt động phối hợp, một người tham dự nhiều hoạt động chỉ tính một lần. Không cộng số người giữa các dòng."
        } else {
            "The total line is computed without double counting, never a sum of the rows: a joint activity, a person at several activities count once. Do not add people across rows."
        }
        .to_string(),
    );
    for (i, l) in lines.iter().enumerate() {
        notes.write_string(i as u32, 0, l)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_named_as_people_say_them() {
        assert_eq!(period_words("2024-Q3", Lang::Vi), "Quý III/2024");
        assert_eq!(period_words("2024-07", Lang::Vi), "Tháng 7/2024");
        assert_eq!(period_words("2024", Lang::Vi), "Năm 2024");
        assert_eq!(period_words("2024-Q1", Lang::En), "Q1 2024");
    }
}
