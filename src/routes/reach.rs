//! `GET /api/v1/reach/overlap` and `GET /api/v1/reach/frequency`: who the
//! agencies reached together, and how often people were reached, over any
//! slice, as JSON or CSV.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::aggregates::{Engine, Filters, Request};
use crate::analytics::view::{FrequencyAnswer, OverlapAnswer};
use crate::analytics::{self, Frequency, Overlap};
use crate::auth::Role;
use crate::error::{ApiError, Problem};
use crate::http::extract::QueryParams;
use crate::http::{AuthErrors, Principal, with_conn};
use crate::state::AppState;

super::slice::slice_query! {
    /// The slice: the same filters as `GET /api/v1/aggregates`.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct ReachQuery {}
}

/// Which analysis.
#[derive(Debug, Clone, Copy)]
enum Analysis {
    Overlap,
    Frequency,
}

/// An analysis computed.
enum Computed {
    Overlap(Overlap),
    Frequency(Frequency),
}

/// The request `who` may make: an agency token's answer covers only the
/// real events it reports or confirmed co-organising.
fn request(
    mut q: ReachQuery,
    who: &Principal,
    rule: crate::domain::calendar::PeriodRule,
) -> Result<Request, ApiError> {
    let mut filters: Filters = q.filters()?;
    if who.role == Role::Agency {
        filters.scope = who.agency.clone();
    }
    Ok(Request {
        filters,
        group_by: Default::default(),
        rule,
    })
}

/// Computes an analysis from the index, or on the SQL path while the index
/// is built (or switched off), and writes it as JSON or CSV.
async fn answer(
    state: web::Data<AppState>,
    who: Principal,
    q: ReachQuery,
    analysis: Analysis,
    csv: bool,
) -> Result<HttpResponse, ApiError> {
    who.forbid_public()?;
    let mut request = request(q, &who, state.settings.period_rule)?;
    super::slice::scope_area(&state, &who, &mut request.filters.area).await?;
    let _place = state.heavy.enter(&who.jti).await?;
    let filters = request.filters.clone();
    let reach = state.reach.clone();
    let started = std::time::Instant::now();
    let (result, engine) = with_conn(&state, move |c| -> Result<_, ApiError> {
        Ok(match analysis {
            Analysis::Overlap => match reach.overlap(c, &request)? {
                Some(o) => (Computed::Overlap(o), Engine::Index),
                None => (
                    Computed::Overlap(analytics::overlap(c, &request)?),
                    Engine::Sql,
                ),
            },
            Analysis::Frequency => match reach.frequency(c, &request)? {
                Some(f) => (Computed::Frequency(f), Engine::Index),
                None => (
                    Computed::Frequency(analytics::frequency(c, &request)?),
                    Engine::Sql,
                ),
            },
        })
    })
    .await?;
    log::debug!(
        "reach {analysis:?}: {} in {:.1} ms",
        engine.as_str(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let csv_body = |body: String| {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(body)
    };
    Ok(match result {
        Computed::Overlap(o) => {
            let view = OverlapAnswer::new(&o, filters, engine);
            if csv {
                csv_body(view.to_csv()?)
            } else {
                HttpResponse::Ok().json(view)
            }
        }
        Computed::Frequency(f) => {
            let view = FrequencyAnswer::new(&f, filters, engine);
            if csv {
                csv_body(view.to_csv()?)
            } else {
                HttpResponse::Ok().json(view)
            }
        }
    })
}

/// Overlap between agencies: are they reaching the same people or
/// different ones? Every identified person of the slice belongs to the
/// combination of exactly the agencies whose real events (in the slice) they
/// attended; a joint event counts for each confirmed organiser, linked
/// reports count once. `combinations` partition `people`; `pairs` count
/// people reached by both agencies of each pair (at least once by each).
/// Largest first. Agency tokens see their own (and confirmed joint) events
/// only; public tokens read publications instead (403). CSV: `GET /api/v1/reach/overlap.csv`.
#[utoipa::path(operation_id = "reach_overlap", tag = "reach", security(("bearer" = [])), params(ReachQuery),
    responses(
        (status = 200, description = "People by combination of agencies, and by pair", body = OverlapAnswer),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/reach/overlap")]
pub async fn overlap(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ReachQuery>,
) -> Result<HttpResponse, ApiError> {
    answer(state, who, q.0, Analysis::Overlap, false).await
}

/// The overlap between agencies as CSV: `row_type` (`combination`, `pair`,
/// then one `total` line), `agencies` (`;`-separated; `TOTAL` on the total
/// line), `people` (for a pair: people reached by both) and `suppressed`.
/// Same parameters and rules as `GET /api/v1/reach/overlap`.
#[utoipa::path(operation_id = "reach_overlap_csv", tag = "reach", security(("bearer" = [])), params(ReachQuery),
    responses(
        (status = 200, description = "Combinations, pairs and a total line", body = String, content_type = "text/csv"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/reach/overlap.csv")]
pub async fn overlap_csv(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ReachQuery>,
) -> Result<HttpResponse, ApiError> {
    answer(state, who, q.0, Analysis::Overlap, true).await
}

/// How often people were reached: identified people of the slice by the
/// number of its real events they attended (1 to 9, then 10 or more), and
/// the mean. A single leaflet reaches people once; a course reaches them
/// again and again. The buckets partition `people`. Same slices and token
/// rules as the overlap. CSV: `GET /api/v1/reach/frequency.csv`.
#[utoipa::path(operation_id = "reach_frequency", tag = "reach", security(("bearer" = [])), params(ReachQuery),
    responses(
        (status = 200, description = "People by number of real events attended", body = FrequencyAnswer),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/reach/frequency")]
pub async fn frequency(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ReachQuery>,
) -> Result<HttpResponse, ApiError> {
    answer(state, who, q.0, Analysis::Frequency, false).await
}

/// How often people were reached, as CSV: `row_type` (`bucket`, then one
/// `total` line), `events` (a bucket's exact number of real events),
/// `events_at_least` (the last bucket's), `people`, `mean_events_per_person`
/// (on the total line) and `suppressed`. Same parameters and rules as
/// `GET /api/v1/reach/frequency`.
#[utoipa::path(operation_id = "reach_frequency_csv", tag = "reach", security(("bearer" = [])), params(ReachQuery),
    responses(
        (status = 200, description = "Buckets and a total line", body = String, content_type = "text/csv"),
        (status = 422, description = "Invalid filter", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/reach/frequency.csv")]
pub async fn frequency_csv(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ReachQuery>,
) -> Result<HttpResponse, ApiError> {
    answer(state, who, q.0, Analysis::Frequency, true).await
}
