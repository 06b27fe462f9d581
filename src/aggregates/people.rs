//! The answer as a workbook for people (`GET /api/v1/aggregates.xlsx`), or
//! the same table as CSV with a byte-order mark (`GET
//! /api/v1/aggregates/people.csv`, the dashboard's CSV download):
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

/// A row as people read it: its key texts (None: no key), then its
/// measures (None: not reported).
pub type PeopleRow = (Vec<Option<String>>, Vec<Option<f64>>);

/// An answer as people read it: the headers (each key's name, then its
/// code; the measures), the rows, the total line. The workbook and the
/// people's CSV are both written from it.
pub struct PeopleTable {
    /// Column headers in the chosen language.
    pub headers: Vec<&'static str>,
    /// Key columns (a name and a code per dimension) before the measures.
    pub key_columns: usize,
    /// The rows: key texts (None: no key), then the measures (None: not reported).
    pub rows: Vec<PeopleRow>,
    /// The total line's label and measures.
    pub total: (&'static str, Vec<Option<f64>>),
    /// What the table covers, in words, and how to read its total.
    pub notes: Vec<String>,
    /// The language.
    pub lang: Lang,
}

fn measures_of(m: &super::Measures) -> Vec<Option<f64>> {
    MEASURES
        .iter()
        .map(|def| match (def.get)(m) {
            Some(Value::Count(n)) => Some(n as f64),
            Some(Value::Share(s)) => Some(s),
            None => None,
        })
        .collect()
}

/// The answer as people read it. `agencies`: (code, name, English name)
/// of every agency; `covers`: what the answer covers, in words.
pub fn people_table(
    dims: &[Dimension],
    answer: &Answer,
    agencies: &[(String, String, String)],
    covers: &[String],
    lang: Lang,
) -> PeopleTable {
    let vi = lang == Lang::Vi;
    let pick = |(v, e): (&'static str, &'static str)| if vi { v } else { e };
    let mut headers = Vec::new();
    for d in dims {
        let [code, name] = d.label();
        headers.push(pick(name));
        headers.push(pick(code));
    }
    let key_columns = headers.len();
    headers.extend(MEASURES.iter().map(|m| pick(m.label)));
    let rows = answer
        .rows
        .iter()
        .map(|row| {
            let mut keys = Vec::with_capacity(key_columns);
            for (i, d) in dims.iter().enumerate() {
                match row.keys.get(i).cloned().flatten() {
                    Some(code) => {
                        let area = row.names.get(i).cloned().flatten();
                        keys.push(Some(name_of(*d, &code, area.as_deref(), agencies, lang)));
                        keys.push(Some(code));
                    }
                    None => keys.extend([None, None]),
                }
            }
            (keys, measures_of(&row.measures))
        })
        .collect();
    let total = (
        if vi {
            "Tổng (không tính trùng)"
        } else {
            "Total (no double counting)"
        },
        measures_of(&answer.totals),
    );
    let mut notes = covers.to_vec();
    notes.push(
        if vi {
            "Dòng tổng là số liệu không tính trùng do hệ thống tính, không phải tổng cộng các dòng: một hoạt động phối hợp, một người tham dự nhiều hoạt động chỉ tính một lần. Không cộng số người giữa các dòng."
        } else {
            "The total line is computed without double counting, never a sum of the rows: a joint activity, a person at several activities count once. Do not add people across rows."
        }
        .to_string(),
    );
    PeopleTable {
        headers,
        key_columns,
        rows,
        total,
        notes,
        lang,
    }
}

/// The table as `.xlsx` bytes: the figures sheet and a notes sheet.
pub fn to_xlsx(table: &PeopleTable) -> Result<Vec<u8>, ApiError> {
    write(table).map_err(|e| ApiError::internal(format!("writing a workbook: {e}")))
}

/// The table as CSV for people (the dashboard's download): UTF-8 with a
/// byte-order mark (so that Excel on Windows reads the diacritics), the
/// same headers, names and total line as the workbook; the notes follow
/// after an empty line. Programs read the API's own CSV instead.
pub fn to_people_csv(table: &PeopleTable) -> Result<Vec<u8>, ApiError> {
    let fail = |e: csv::Error| ApiError::internal_with("writing a people's CSV", e);
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&table.headers).map_err(fail)?;
    let number = |v: &Option<f64>| {
        v.map_or(String::new(), |x| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.4}")
            }
        })
    };
    for (keys, values) in &table.rows {
        let record: Vec<String> = keys
            .iter()
            .map(|k| k.clone().unwrap_or_default())
            .chain(values.iter().map(number))
            .collect();
        w.write_record(&record).map_err(fail)?;
    }
    let mut total: Vec<String> = vec![String::new(); table.key_columns.max(1)];
    total[0] = table.total.0.to_string();
    total.extend(table.total.1.iter().map(number));
    w.write_record(&total).map_err(fail)?;
    w.write_record([""]).map_err(fail)?;
    for line in &table.notes {
        w.write_record([line]).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(format!("writing a people's CSV: {e}")))
}

fn write(table: &PeopleTable) -> Result<Vec<u8>, XlsxError> {
    let vi = table.lang == Lang::Vi;
    let mut book = Workbook::new();
    let bold = Style::new().set_bold().set_text_wrap();
    let ws = book.add_worksheet();
    ws.set_name(if vi { "Số liệu" } else { "Figures" })?;
    for (c, h) in table.headers.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold)?;
        let key = (c as usize) < table.key_columns;
        ws.set_column_width(
            c,
            if !key {
                16
            } else if c.is_multiple_of(2) {
                30
            } else {
                12
            },
        )?;
    }
    ws.set_freeze_panes(1, 0)?;
    let first_measure = table.key_columns as u16;
    let write_measures = |ws: &mut rust_xlsxwriter::Worksheet,
                          r: u32,
                          values: &[Option<f64>],
                          style: Option<&Style>|
     -> Result<(), XlsxError> {
        for (i, v) in values.iter().enumerate() {
            let Some(v) = *v else { continue };
            let c = first_measure + i as u16;
            match style {
                Some(s) => ws.write_number_with_format(r, c, v, s)?,
                None => ws.write_number(r, c, v)?,
            };
        }
        Ok(())
    };
    let mut r: u32 = 1;
    for (keys, values) in &table.rows {
        for (c, k) in keys.iter().enumerate() {
            if let Some(k) = k {
                ws.write_string(r, c as u16, k)?;
            }
        }
        write_measures(ws, r, values, None)?;
        r += 1;
    }
    let total_style = Style::new().set_bold();
    ws.write_string_with_format(r, 0, table.total.0, &total_style)?;
    write_measures(ws, r, &table.total.1, Some(&total_style))?;

    let notes = book.add_worksheet();
    notes.set_name(if vi { "Ghi chú" } else { "Notes" })?;
    notes.set_column_width(0, 110)?;
    for (i, l) in table.notes.iter().enumerate() {
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
