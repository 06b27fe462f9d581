//! The answer as CSV: one line per row, then one line of totals, so that a
//! spreadsheet never has to add rows up (adding unique counts across rows
//! double counts). Optionally a second header line of HXL hashtags
//! (<https://hxlstandard.org>): the HXL variant, for HXL tools; plain CSV
//! readers should ask for it without `hxl` (pandas' `read_csv` reads the
//! plain variant without options).
//!
//! Columns: `row_type` (`row` or `total`), one per key (plus a name column
//! per area key; on the totals line every key column says `TOTAL`, so codes
//! stay text in any reader), one per measure, and
//! `additive_measures`: on the totals line, the measures whose rows do sum
//! to the totals in this answer (`;`-separated; often none).
//!
//! Every text cell that a spreadsheet would read as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with
//! `'` (OWASP's CSV injection rule): unit names are partly user data.

use super::measure::MEASURES;
use super::{Answer, Dimension};
use crate::error::ApiError;

/// The first key column's value on the totals line.
pub const TOTAL_KEY: &str = "TOTAL";

/// Neutralises a text cell a spreadsheet would run as a formula.
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Renders an answer as CSV (see the module documentation).
pub fn to_csv(
    dims: &[Dimension],
    answer: &Answer,
    additive: &[String],
    hxl: bool,
) -> Result<String, ApiError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec!["row_type".to_string()];
    let mut tags = vec!["#meta+row_type".to_string()];
    for d in dims {
        header.push(d.key_name().to_string());
        tags.push(d.hxl().to_string());
        if d.is_area() {
            header.push(format!("{}_name", d.key_name()));
            tags.push(d.hxl_name().to_string());
        }
    }
    for m in MEASURES {
        header.push(m.name.to_string());
        tags.push(m.hxl.to_string());
    }
    header.push("additive_measures".into());
    tags.push("#meta+additive".into());
    let io = |e: ::csv::Error| ApiError::internal(format!("writing CSV: {e}"));
    w.write_record(&header).map_err(io)?;
    if hxl {
        w.write_record(&tags).map_err(io)?;
    }
    let measures = |rec: &mut Vec<String>, m: &super::Measures| {
        for def in MEASURES {
            rec.push((def.get)(m).map(|v| v.to_string()).unwrap_or_default());
        }
    };
    for r in &answer.rows {
        let mut rec = vec!["row".to_string()];
        for (k, d) in dims.iter().enumerate() {
            rec.push(safe_cell(r.keys[k].as_deref().unwrap_or_default()));
            if d.is_area() {
                rec.push(safe_cell(r.names[k].as_deref().unwrap_or_default()));
            }
        }
        measures(&mut rec, &r.measures);
        rec.push(String::new());
        w.write_record(&rec).map_err(io)?;
    }
    // Every key column says TOTAL on the totals line, so a reader never
    // takes a code column for numbers (pandas would read "01" as 1.0); in
    // the HXL variant a `#date` column stays empty (TOTAL is no date).
    let mut rec = vec!["total".to_string()];
    for d in dims {
        rec.push(if hxl && d.hxl().starts_with("#date") {
            String::new()
        } else {
            TOTAL_KEY.into()
        });
        if d.is_area() {
            rec.push(String::new());
        }
    }
    measures(&mut rec, &answer.totals);
    rec.push(additive.join(";"));
    w.write_record(&rec).map_err(io)?;
    finish(w)
}

/// The text a CSV writer wrote.
pub fn finish(w: ::csv::Writer<Vec<u8>>) -> Result<String, ApiError> {
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(format!("CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::{Measures, Row};

    fn measures(female: Option<i64>) -> Measures {
        Measures {
            events: 2,
            sessions: 5,
            attendances: 30,
            female_attendances: female,
            identified_attendances: 4,
            identified_share: Some(0.1333),
            unique_participants: 3,
            reach_min: 20,
            reach_max: 29,
            first_time_participants: 2,
            media_items: 1,
            audience: 900,
            ..Default::default()
        }
    }

    fn row(key: &str, name: &str, female: Option<i64>) -> Row {
        Row {
            keys: vec![Some(key.into())],
            names: vec![Some(name.into())],
            measures: measures(female),
        }
    }

    fn answer(rows: Vec<Row>) -> Answer {
        Answer {
            rows,
            totals: Measures {
                events: 3,
                ..measures(Some(20))
            },
        }
    }

    #[test]
    fn columns_follow_the_keys_and_the_measures_with_hxl_tags_and_totals() {
        let a = answer(vec![row("01", "Hà Nội", Some(12))]);
        let out = to_csv(&[Dimension::AreaProvince], &a, &["events".into()], true).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "row_type,province,province_name,events,sessions,attendances,female_attendances,male_attendances,\
                 under_18_attendances,identified_attendances,identified_share,unique_participants,reach_min,reach_max,\
                 first_time_participants,cumulative_participants,media_items,audience,additive_measures",
                "#meta+row_type,#adm1+code,#adm1+name,#activity+num,#activity+num+sessions,#reached+total,#reached+total+f,#reached+total+m,\
                 #reached+total+children,#reached+total+identified,#reached+pct+identified,#reached+ind,#reached+ind+min,#reached+ind+max,\
                 #reached+ind+new,#reached+ind+cumulative,#activity+num+media,#reached+audience,#meta+additive",
                "row,01,Hà Nội,2,5,30,12,,,4,0.1333,3,20,29,2,,1,900,",
                "total,TOTAL,,3,5,30,20,,,4,0.1333,3,20,29,2,,1,900,events",
            ]
        );
    }

    #[test]
    fn every_key_column_says_total_and_hxl_dates_stay_empty() {
        let a = Answer {
            rows: vec![Row {
                keys: vec![Some("01".into()), Some("2025-07".into())],
                names: vec![Some("Hà Nội".into()), None],
                measures: measures(None),
            }],
            totals: measures(None),
        };
        let dims = [Dimension::AreaProvince, Dimension::PeriodMonth];
        let plain = to_csv(&dims, &a, &[], false).unwrap();
        assert!(
            plain
                .lines()
                .last()
                .unwrap()
                .starts_with("total,TOTAL,,TOTAL,"),
            "{plain}"
        );
        let hxl = to_csv(&dims, &a, &[], true).unwrap();
        let lines: Vec<&str> = hxl.lines().collect();
        assert!(lines[1].starts_with("#meta+row_type,#adm1+code,#adm1+name,#date+month,"));
        assert!(lines[3].starts_with("total,TOTAL,,,"), "{hxl}");
    }

    #[test]
    fn formula_like_text_is_neutralised() {
        for evil in [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+1+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(safe_cell(evil).starts_with('\''), "{evil:?}");
        }
        assert_eq!(safe_cell("Xã Chợ Mới"), "Xã Chợ Mới");
        let a = answer(vec![row("01", "=cmd|' /C calc'!A0", None)]);
        let out = to_csv(&[Dimension::AreaProvince], &a, &[], false).unwrap();
        assert!(out.contains("'=cmd"), "{out}");
    }
}
