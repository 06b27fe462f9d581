//! The answer as JSON: rows with named keys, totals, and what they mean.

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Answer, Dimension, Engine, Filters, Measures, Request, Row};

/// One row: its keys (only those grouped by) and its measures.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct AggregateRow {
    /// Organising agency (a joint event is in each organiser's row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// Kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Topic (an event with several topics is in each topic's row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Target group (likewise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    /// Province code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Province name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_name: Option<String>,
    /// District code (null for events placed in post-2025 units, which have no districts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// District name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district_name: Option<String>,
    /// Commune code (null for events placed in a province or district).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    /// Commune name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commune_name: Option<String>,
    /// Period (`2024-03`, `2024-Q1` or `2024`) of the real event's earliest start date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// The measures.
    #[serde(flatten)]
    pub measures: Measures,
    /// Always false: kept so that existing clients keep working. Public
    /// tokens, whose small cells were withheld here, now read publications
    /// (`GET /publications`), where withheld cells are marked.
    pub suppressed: bool,
}

/// What the answer means.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateMeta {
    /// The slice.
    pub filters: Filters,
    /// The grouping, in key order.
    pub group_by: Vec<String>,
    /// Measures whose sum over the rows equals the totals in this answer: all
    /// the additive ones when every real event sits in exactly one row (e.g. a
    /// grouping by period), none when some event is in several rows (a joint
    /// event under each agency, an event under each of its topics). Unique
    /// participants and reach bounds are never additive; `totals` is always
    /// computed over the whole slice.
    pub additive_measures: Vec<String>,
    /// When the answer was computed.
    pub generated_at: chrono::DateTime<Utc>,
    /// Which engine computed it: `index` (the in-memory reach index) or
    /// `sql` (the database; the reference, and the answer while the index
    /// is being built or when `AGGREGATES_ENGINE=sql`). Both give the same
    /// figures.
    pub engine: Engine,
    /// The locked periods this answer covers (`2025-Q3`, ...). Their
    /// signed figures are their publications (`GET /publications/{period}`),
    /// which never change. Live figures over a locked period still move
    /// only where history before or around it changes: first-time people
    /// after events are added to an earlier, open period; `areas=current`
    /// after a successor import; an erasure request.
    pub locked_periods: Vec<String>,
}

/// The aggregates answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "rows": [
        {"period": "2024-01", "events": 3, "sessions": 10, "attendances": 120, "female_attendances": 70,
         "male_attendances": null, "under_18_attendances": null, "identified_attendances": 40,
         "identified_share": 0.3333, "unique_participants": 35, "reach_min": 50, "reach_max": 115,
         "first_time_participants": 30, "cumulative_participants": 35, "media_items": 2,
         "audience": 5000, "suppressed": false},
        {"period": "2024-02", "events": 2, "sessions": 2, "attendances": 80, "female_attendances": 41,
         "male_attendances": null, "under_18_attendances": null, "identified_attendances": 25,
         "identified_share": 0.3125, "unique_participants": 25, "reach_min": 40, "reach_max": 80,
         "first_time_participants": 10, "cumulative_participants": 45, "media_items": 0,
         "audience": 0, "suppressed": false}
    ],
    "totals": {"events": 5, "sessions": 12, "attendances": 200, "female_attendances": 111, "male_attendances": null,
        "under_18_attendances": null, "identified_attendances": 65, "identified_share": 0.325,
        "unique_participants": 45, "reach_min": 50, "reach_max": 180, "first_time_participants": 40,
        "cumulative_participants": 45, "media_items": 2, "audience": 5000},
    "meta": {"filters": {"from": "2024-01-01", "to": "2024-02-29", "agency": [], "kind": null,
        "topic": null, "target_group": null, "area": null, "areas": "as_recorded"},
        "group_by": ["period:month"],
        "additive_measures": ["events", "sessions", "attendances", "female_attendances", "male_attendances",
            "under_18_attendances", "identified_attendances", "media_items", "audience"],
        "generated_at": "2026-12-05T10:00:00Z", "engine": "index", "locked_periods": []}
}))]
pub struct AggregateAnswer {
    /// One row per key combination with at least one event, in key order.
    pub rows: Vec<AggregateRow>,
    /// Over the whole slice: every real event once.
    pub totals: Measures,
    /// Filters, grouping and which measures are additive.
    pub meta: AggregateMeta,
}

/// The answer is written by [`to_json`]; this view is its schema, and
/// (in tests) the reference its bytes are checked against.
#[cfg(test)]
impl AggregateAnswer {
    /// The view of `answer` to `request`.
    pub fn new(request: Request, answer: Answer, engine: Engine, locked: Vec<String>) -> Self {
        let Request {
            filters, group_by, ..
        } = request;
        // A measure may be summed across rows exactly when every real event of
        // the slice sits in one row: checked on this answer, not assumed.
        let additive = answer.additive_measures(!group_by.is_empty());
        Self {
            rows: answer
                .rows
                .into_iter()
                .map(|r| to_row(&group_by, r))
                .collect(),
            totals: answer.totals,
            meta: AggregateMeta {
                filters,
                group_by: group_by.iter().map(|d| d.as_str().to_string()).collect(),
                additive_measures: additive,
                generated_at: Utc::now(),
                engine,
                locked_periods: locked,
            },
        }
    }
}

/// Answers with at least this many rows are written on every core.
const PARALLEL_ROWS: usize = 20_000;
/// About how many bytes a row takes in JSON (the buffer's first size).
const ROW_BYTES: usize = 360;

/// A row as [`AggregateRow`] writes it, borrowing the answer's keys.
#[derive(Serialize)]
struct RowRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    agency: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_group: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    province: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    province_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    district_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commune: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commune_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<&'a str>,
    #[serde(flatten)]
    measures: &'a Measures,
    suppressed: bool,
}

impl<'a> RowRef<'a> {
    fn new(dims: &[Dimension], r: &'a Row) -> Self {
        let mut out = RowRef {
            agency: None,
            kind: None,
            topic: None,
            target_group: None,
            province: None,
            province_name: None,
            district: None,
            district_name: None,
            commune: None,
            commune_name: None,
            period: None,
            measures: &r.measures,
            suppressed: false,
        };
        for ((d, k), n) in dims.iter().zip(&r.keys).zip(&r.names) {
            let (k, n) = (k.as_deref(), n.as_deref());
            match d {
                Dimension::Agency => out.agency = k,
                Dimension::Kind => out.kind = k,
                Dimension::Topic => out.topic = k,
                Dimension::TargetGroup => out.target_group = k,
                Dimension::AreaProvince => (out.province, out.province_name) = (k, n),
                Dimension::AreaDistrict => (out.district, out.district_name) = (k, n),
                Dimension::AreaCommune => (out.commune, out.commune_name) = (k, n),
                Dimension::PeriodMonth | Dimension::PeriodQuarter | Dimension::PeriodYear => {
                    out.period = k
                }
            }
        }
        out
    }
}

/// The answer to `request` as JSON: the bytes `serde_json::to_vec` gives
/// for [`AggregateAnswer::new`], written without copying the answer. The
/// rows of a large answer are written in parts on every core. The parts
/// are answered one after the other as they are ([`to_json_parts`]), never
/// joined into one more copy of the body.
#[cfg(test)]
pub fn to_json(
    request: &Request,
    answer: &Answer,
    engine: Engine,
    locked: &[String],
) -> serde_json::Result<Vec<u8>> {
    Ok(to_json_parts(request, answer, engine, locked)?.concat())
}

/// [`to_json`] in parts whose concatenation is the answer.
pub fn to_json_parts(
    request: &Request,
    answer: &Answer,
    engine: Engine,
    locked: &[String],
) -> serde_json::Result<Vec<Vec<u8>>> {
    let dims: &[Dimension] = &request.group_by;
    let rows = &answer.rows;
    let threads = if rows.len() < PARALLEL_ROWS {
        1
    } else {
        crate::cores::threads()
    };
    let write = |part: &[Row]| -> serde_json::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(part.len() * ROW_BYTES);
        for (i, r) in part.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, &RowRef::new(dims, r))?;
        }
        Ok(out)
    };
    let parts = crate::cores::map_chunks(rows, threads, write)
        .into_iter()
        .collect::<serde_json::Result<Vec<_>>>()?;
    let meta = AggregateMeta {
        filters: request.filters.clone(),
        group_by: dims.iter().map(|d| d.as_str().to_string()).collect(),
        additive_measures: answer.additive_measures(!dims.is_empty()),
        generated_at: Utc::now(),
        engine,
        locked_periods: locked.to_vec(),
    };
    let mut out = vec![b"{\"rows\":[".to_vec()];
    for (i, part) in parts.into_iter().filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            out.push(b",".to_vec());
        }
        out.push(part);
    }
    let mut tail = b"],\"totals\":".to_vec();
    serde_json::to_writer(&mut tail, &answer.totals)?;
    tail.extend_from_slice(b",\"meta\":");
    serde_json::to_writer(&mut tail, &meta)?;
    tail.push(b'}');
    out.push(tail);
    Ok(out)
}

/// A row's keys in the fields of their dimensions.
#[cfg(test)]
fn to_row(dims: &[Dimension], r: Row) -> AggregateRow {
    let mut out = AggregateRow {
        measures: r.measures,
        ..Default::default()
    };
    for ((d, k), n) in dims.iter().zip(r.keys).zip(r.names) {
        match d {
            Dimension::Agency => out.agency = k,
            Dimension::Kind => out.kind = k,
            Dimension::Topic => out.topic = k,
            Dimension::TargetGroup => out.target_group = k,
            Dimension::AreaProvince => (out.province, out.province_name) = (k, n),
            Dimension::AreaDistrict => (out.district, out.district_name) = (k, n),
            Dimension::AreaCommune => (out.commune, out.commune_name) = (k, n),
            Dimension::PeriodMonth | Dimension::PeriodQuarter | Dimension::PeriodYear => {
                out.period = k
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::GroupBy;

    /// The rows written in parts and joined are the bytes serde_json
    /// writes for the whole view, for every size around the parts'.
    #[test]
    fn json_in_parts_is_serde_json() {
        for n in [
            0,
            1,
            2,
            PARALLEL_ROWS - 1,
            PARALLEL_ROWS,
            PARALLEL_ROWS * 2 + 3,
        ] {
            let group_by = GroupBy::parse(Some("area:commune,period:month")).unwrap();
            let rows = (0..n)
                .map(|i| Row {
                    keys: vec![Some(format!("{i:05}")), Some("2025-03".to_string())],
                    names: vec![Some(format!("Xã \"{i}\"")), None],
                    measures: Measures {
                        events: i as i64,
                        female_attendances: (i % 2 == 0).then_some(3),
                        ..Default::default()
                    },
                })
                .collect();
            let answer = Answer {
                rows,
                totals: Measures::default(),
            };
            let request = Request {
                filters: Filters {
                    area: Some("01".to_string()),
                    ..Filters::default()
                },
                group_by,
                rule: Default::default(),
            };
            let locked = vec!["2025-Q3".to_string()];
            let mine = to_json(&request, &answer, Engine::Index, &locked).unwrap();
            let mut view = AggregateAnswer::new(request, answer, Engine::Index, locked);
            // The same moment in both.
            let parsed: serde_json::Value = serde_json::from_slice(&mine).unwrap();
            view.meta.generated_at =
                serde_json::from_value(parsed["meta"]["generated_at"].clone()).unwrap();
            assert_eq!(mine, serde_json::to_vec(&view).unwrap(), "{n}");
        }
    }
}
