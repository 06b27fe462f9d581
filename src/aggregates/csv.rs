//! The answer as CSV, optionally with a row of HXL hashtags
//! (<https://hxlstandard.org>) under the header.

use super::measure::MEASURES;
use super::{Dimension, Row};
use crate::error::ApiError;

/// Renders rows as CSV: one column per key (plus a name column per area
/// key) and per measure; optionally an HXL hashtag row. `suppressed` (for
/// public tokens) empties the measures of the rows it flags and adds a
/// `suppressed` column.
pub fn to_csv(
    dims: &[Dimension],
    rows: &[Row],
    suppressed: Option<&[bool]>,
    hxl: bool,
) -> Result<String, ApiError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = Vec::new();
    let mut tags = Vec::new();
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
    if suppressed.is_some() {
        header.push("suppressed".into());
        tags.push("#meta+suppressed".into());
    }
    let io = |e: ::csv::Error| ApiError::internal(format!("writing CSV: {e}"));
    w.write_record(&header).map_err(io)?;
    if hxl {
        w.write_record(&tags).map_err(io)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let hidden = suppressed.is_some_and(|s| s[i]);
        let mut rec = Vec::new();
        for (i, d) in dims.iter().enumerate() {
            rec.push(r.keys[i].clone().unwrap_or_default());
            if d.is_area() {
                rec.push(r.names[i].clone().unwrap_or_default());
            }
        }
        for m in MEASURES {
            let value = (m.get)(&r.measures).filter(|_| !hidden);
            rec.push(value.map(|v| v.to_string()).unwrap_or_default());
        }
        if suppressed.is_some() {
            rec.push(hidden.to_string());
        }
        w.write_record(&rec).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(format!("CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::Measures;

    fn row(key: &str, name: &str, female: Option<i64>) -> Row {
        Row {
            keys: vec![Some(key.into())],
            names: vec![Some(name.into())],
            measures: Measures {
                events: 2,
                attendances: 30,
                female_attendances: female,
                identified_attendances: 4,
                unique_participants: 3,
                reach_min: 20,
                reach_max: 29,
                ..Default::default()
            },
        }
    }

    #[test]
    fn columns_follow_the_keys_and_the_measures_with_hxl_tags() {
        let rows = [row("01", "Hà Nội", Some(12))];
        let out = to_csv(&[Dimension::AreaProvince], &rows, None, true).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "province,province_name,events,attendances,female_attendances,male_attendances,\
                 under_18_attendances,identified_attendances,unique_participants,reach_min,reach_max",
                "#adm1+code,#adm1+name,#activity+num,#reached+total,#reached+total+f,#reached+total+m,\
                 #reached+total+children,#reached+total+identified,#reached+ind,#reached+ind+min,#reached+ind+max",
                "01,Hà Nội,2,30,12,,,4,3,20,29",
            ]
        );
    }

    #[test]
    fn suppressed_rows_keep_their_keys_only() {
        let rows = [row("police", "", None), row("labour", "", Some(1))];
        let out = to_csv(&[Dimension::Agency], &rows, Some(&[false, true]), false).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].ends_with(",reach_max,suppressed"), "{}", lines[0]);
        assert_eq!(lines[1], "police,2,30,,,,4,3,20,29,false");
        assert_eq!(lines[2], "labour,,,,,,,,,,true");
    }
}
