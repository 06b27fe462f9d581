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
}

/// The aggregates answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "rows": [
        {"period": "2024-01", "events": 3, "attendances": 120, "female_attendances": 70,
         "male_attendances": null, "under_18_attendances": null, "identified_attendances": 40,
         "unique_participants": 35, "reach_min": 50, "reach_max": 115,
         "first_time_participants": 30, "cumulative_participants": 35, "suppressed": false},
        {"period": "2024-02", "events": 2, "attendances": 80, "female_attendances": 41,
         "male_attendances": null, "under_18_attendances": null, "identified_attendances": 25,
         "unique_participants": 25, "reach_min": 40, "reach_max": 80,
         "first_time_participants": 10, "cumulative_participants": 45, "suppressed": false}
    ],
    "totals": {"events": 5, "attendances": 200, "female_attendances": 111, "male_attendances": null,
        "under_18_attendances": null, "identified_attendances": 65, "unique_participants": 45,
        "reach_min": 50, "reach_max": 180, "first_time_participants": 40, "cumulative_participants": 45},
    "meta": {"filters": {"from": "2024-01-01", "to": "2024-02-29", "agency": [], "kind": null,
        "topic": null, "target_group": null, "area": null, "areas": "as_recorded"},
        "group_by": ["period:month"],
        "additive_measures": ["events", "attendances", "female_attendances", "male_attendances",
            "under_18_attendances", "identified_attendances"],
        "generated_at": "2026-12-05T10:00:00Z", "engine": "index"}
}))]
pub struct AggregateAnswer {
    /// One row per key combination with at least one event, in key order.
    pub rows: Vec<AggregateRow>,
    /// Over the whole slice: every real event once.
    pub totals: Measures,
    /// Filters, grouping and which measures are additive.
    pub meta: AggregateMeta,
}

impl AggregateAnswer {
    /// The view of `answer` to `request`.
    pub fn new(request: Request, answer: Answer, engine: Engine) -> Self {
        let Request { filters, group_by } = request;
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
            },
        }
    }
}

/// A row's keys in the fields of their dimensions.
fn to_row(dims: &[Dimension], r: Row) -> AggregateRow {
    let mut out = AggregateRow {
        measures: r.measures,
        ..Default::default()
    };
    for (i, d) in dims.iter().enumerate() {
        let k = r.keys[i].clone();
        let n = r.names[i].clone();
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
