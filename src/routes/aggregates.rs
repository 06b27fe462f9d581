//! `GET /api/v1/aggregates`: deduplicated counts for dashboards, as JSON or CSV.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::aggregates::{self, ADDITIVE, AreaMode, Dimension, Filters, Measures};
use crate::domain::{Kind, TargetGroup, Topic};
use crate::error::{ApiError, Problem};
use crate::http::Principal;
use crate::http::extract::{QueryParams, given};
use crate::http::{AuthErrors, with_conn};
use crate::state::AppState;

/// Slice, grouping and format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AggregateQuery {
    /// Real events whose earliest start date is on or after this day.
    pub from: Option<NaiveDate>,
    /// ... and on or before this day.
    pub to: Option<NaiveDate>,
    /// Events organised (reported or co-organised) by any of these agencies. Repeatable.
    #[serde(default)]
    pub agency: Vec<String>,
    /// Events of this kind.
    pub kind: Option<Kind>,
    /// Events with this topic.
    pub topic: Option<Topic>,
    /// Events addressing this group.
    pub target_group: Option<TargetGroup>,
    /// An administrative unit code: events in it or in any unit below it.
    #[param(min_length = 1)]
    pub area: Option<String>,
    /// `as_recorded` (default): events sit in the unit valid on their start date;
    /// `current`: in the unit valid today that succeeded it, so series across
    /// the 2025 reform compare like with like.
    #[param(value_type = Option<String>, pattern = "^(as_recorded|current)$")]
    pub areas: Option<String>,
    /// Comma-separated dimensions (at most 4): `agency`, `kind`, `topic`,
    /// `target_group`, `area:province`, `area:district`, `area:commune`,
    /// `period:month`, `period:quarter`, `period:year`. Absent: totals only.
    #[param(min_length = 1)]
    pub group_by: Option<String>,
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<String>,
    /// With CSV: add a second header row of HXL hashtags.
    pub hxl: Option<bool>,
}

/// One row: its keys (only those grouped by) and its measures.
#[derive(Debug, Serialize, ToSchema)]
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
    /// The measures; absent when the cell is suppressed.
    #[serde(flatten)]
    pub measures: Option<Measures>,
    /// Set (public tokens only) when the cell counts too few people to publish.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
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
    /// For public tokens: the smallest published count, and how many cells
    /// were suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<SuppressionMeta>,
}

/// Small-cell suppression applied to a public token's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionMeta {
    /// Cells counting 1 to k-1 people are suppressed.
    pub k: i64,
    /// Rows suppressed (small, plus one more when a single small row could
    /// otherwise be recovered from the totals).
    pub rows_suppressed: usize,
    /// Whether the totals are suppressed.
    pub totals_suppressed: bool,
}

/// The aggregates answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateAnswer {
    /// One row per key combination with at least one event, in key order.
    pub rows: Vec<AggregateRow>,
    /// Over the whole slice: every real event once (null when suppressed).
    pub totals: Option<Measures>,
    /// Filters, grouping and which measures are additive.
    pub meta: AggregateMeta,
}

fn parse_group_by(raw: Option<&str>) -> Result<Vec<Dimension>, ApiError> {
    let mut dims: Vec<Dimension> = Vec::new();
    for item in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let d = Dimension::parse(item).ok_or_else(|| {
            ApiError::field(
                "group_by",
                format!(
                    "unknown dimension {item:?}; expected agency, kind, topic, target_group, \
                     area:province|district|commune, period:month|quarter|year"
                ),
            )
        })?;
        if dims.iter().any(|x| x.key_name() == d.key_name()) {
            return Err(ApiError::field(
                "group_by",
                format!("{} appears twice", d.key_name()),
            ));
        }
        dims.push(d);
    }
    if dims.len() > aggregates::MAX_DIMENSIONS {
        return Err(ApiError::field(
            "group_by",
            format!("at most {} dimensions", aggregates::MAX_DIMENSIONS),
        ));
    }
    Ok(dims)
}

fn to_row(dims: &[Dimension], r: aggregates::Row, suppressed: bool) -> AggregateRow {
    let mut out = AggregateRow {
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
        measures: (!suppressed).then_some(r.measures),
        suppressed,
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
            _ => out.period = k,
        }
    }
    out
}

const MEASURE_COLUMNS: &[(&str, &str)] = &[
    ("events", "#activity+num"),
    ("attendances", "#reached+total"),
    ("female_attendances", "#reached+total+f"),
    ("male_attendances", "#reached+total+m"),
    ("under_18_attendances", "#reached+total+children"),
    ("identified_attendances", "#reached+total+identified"),
    ("unique_participants", "#reached+ind"),
    ("reach_min", "#reached+ind+min"),
    ("reach_max", "#reached+ind+max"),
];

fn measure_values(m: &Measures) -> Vec<String> {
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    vec![
        m.events.to_string(),
        m.attendances.to_string(),
        opt(m.female_attendances),
        opt(m.male_attendances),
        opt(m.under_18_attendances),
        m.identified_attendances.to_string(),
        m.unique_participants.to_string(),
        m.reach_min.to_string(),
        m.reach_max.to_string(),
    ]
}

/// Renders rows as CSV: one column per key (plus a name column per area
/// key) and per measure; optionally an HXL hashtag row.
pub fn to_csv(
    dims: &[Dimension],
    rows: &[aggregates::Row],
    suppressed: Option<&[bool]>,
    hxl: bool,
) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
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
    for (name, tag) in MEASURE_COLUMNS {
        header.push((*name).to_string());
        tags.push((*tag).to_string());
    }
    if suppressed.is_some() {
        header.push("suppressed".into());
        tags.push("#meta+suppressed".into());
    }
    let io = |e: csv::Error| ApiError::internal(format!("writing CSV: {e}"));
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
        if hidden {
            rec.extend(std::iter::repeat_n(String::new(), MEASURE_COLUMNS.len()));
        } else {
            rec.extend(measure_values(&r.measures));
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

/// Deduplicated aggregates (viewer, agency and admin tokens).
///
/// Measures, for every row and for the totals:
/// - `events`: distinct real events; reports linked as the same event count once;
/// - `attendances`: person-times ("lượt người"), the sum of the events' attendance
///   totals (for linked reports, the largest reported); `female_`, `male_`,
///   `under_18_attendances` where reported;
/// - `identified_attendances`: attendances backed by a participant identifier;
/// - `unique_participants`: distinct identified people ("người") over the row's
///   events: a person at three events counts once;
/// - `reach_min` = max(unique_participants, largest event's total) and
///   `reach_max` = unique_participants + (attendances - identified_attendances):
///   bounds on how many different people were reached.
///
/// A joint event appears in each organising agency's row when grouping by
/// agency, and once everywhere else. Totals are computed over the whole
/// slice, never by summing rows. `Accept: text/csv` or `format=csv` returns
/// the rows as CSV; `hxl=true` adds an HXL hashtag row.
#[utoipa::path(operation_id = "aggregates_query", tag = "aggregates", security(("bearer" = [])), params(AggregateQuery),
    responses(
        (status = 200, description = "Rows, totals and their meaning", content(
            (AggregateAnswer = "application/json"),
            (String = "text/csv"))),
        (status = 422, description = "Invalid filter or grouping", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/aggregates")]
pub async fn query(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<AggregateQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let dims = parse_group_by(given(q.group_by.clone()).as_deref())?;
    if who.public && dims.len() > 1 {
        // Complementary suppression across several margins is not done: a
        // publication token groups by one dimension at a time.
        return Err(ApiError::field(
            "group_by",
            "public tokens group by at most one dimension",
        ));
    }
    let areas = match q.areas.as_deref() {
        None | Some("as_recorded") => AreaMode::AsRecorded,
        Some("current") => AreaMode::Current,
        Some(_) => return Err(ApiError::field("areas", "must be as_recorded or current")),
    };
    let accept_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    let csv = match q.format.as_deref() {
        None => accept_csv,
        Some("csv") => true,
        Some("json") => false,
        Some(_) => return Err(ApiError::field("format", "must be json or csv")),
    };
    if let (Some(f), Some(t)) = (q.from, q.to)
        && t < f
    {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let filters = Filters {
        from: q.from,
        to: q.to,
        agency: q.agency.into_iter().filter(|a| !a.is_empty()).collect(),
        kind: q.kind.map(|k| k.as_str().to_string()),
        topic: q.topic.map(|t| t.as_str().to_string()),
        target_group: q.target_group.map(|t| t.as_str().to_string()),
        area: given(q.area),
        areas,
    };
    let answer = {
        let (filters, dims) = (filters.clone(), dims.clone());
        with_conn(&state, move |c| aggregates::compute(c, &filters, &dims)).await?
    };
    let suppression = who
        .public
        .then(|| aggregates::suppress(&answer, state.settings.suppress_k));
    if csv {
        let flags = suppression.as_ref().map(|s| s.rows.as_slice());
        let body = to_csv(&dims, &answer.rows, flags, q.hxl.unwrap_or(false))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(body));
    }
    // A measure may be summed across rows exactly when every real event of
    // the slice sits in one row: checked on this answer, not assumed.
    let additive: Vec<String> = if dims.is_empty() {
        ADDITIVE.iter().map(|s| s.to_string()).collect()
    } else {
        let sum =
            |f: &dyn Fn(&Measures) -> i64| answer.rows.iter().map(|r| f(&r.measures)).sum::<i64>();
        let one_row_each = sum(&|m| m.events) == answer.totals.events
            && sum(&|m| m.attendances) == answer.totals.attendances;
        if one_row_each {
            ADDITIVE.iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        }
    };
    Ok(HttpResponse::Ok().json(AggregateAnswer {
        rows: answer
            .rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| to_row(&dims, r, suppression.as_ref().is_some_and(|s| s.rows[i])))
            .collect(),
        totals: (!suppression.as_ref().is_some_and(|s| s.totals)).then_some(answer.totals),
        meta: AggregateMeta {
            filters,
            group_by: dims.iter().map(|d| d.as_str().to_string()).collect(),
            additive_measures: additive,
            generated_at: Utc::now(),
            suppression: suppression.as_ref().map(|s| SuppressionMeta {
                k: state.settings.suppress_k,
                rows_suppressed: s.rows.iter().filter(|x| **x).count(),
                totals_suppressed: s.totals,
            }),
        },
    }))
}
