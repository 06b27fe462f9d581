//! The summary report for signing: `GET /api/v1/reports/summary`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use sha2::Digest;
use utoipa::IntoParams;

use crate::aggregates::{AreaMode, Filters};
use crate::auth::Role;
use crate::domain::calendar::Day;
use crate::error::{ApiError, Problem};
use crate::http::extract::{QueryParams, given};
use crate::http::{AuthErrors, NotFound, Principal, with_conn};
use crate::reports::Summary;
use crate::reports::render::{self, Format, Lang};
use crate::state::AppState;

/// The printable report's policy: nothing but its one stylesheet, allowed by
/// its SHA-256 (computed once).
static REPORT_CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let hash = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(render::CSS.as_bytes()),
    );
    format!("default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'none'")
});

/// The report's period, place, language and format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// First day (1900-01-01 to 2100-12-31); default: from the first event.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<Day>,
    /// Last day; default: to the last event.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<Day>,
    /// An administrative unit code: events in it or below it (default: the
    /// deployment's own area, `HOME_AREA`, when set; a caller scoped to an
    /// area always gets its area).
    #[param(min_length = 1)]
    pub area: Option<String>,
    /// `vi` (default) or `en`.
    #[param(pattern = "^(vi|en)$")]
    pub lang: Option<String>,
    /// `html` (default: printable, A4) or `md` (Markdown, for pasting).
    #[param(pattern = "^(html|md)$")]
    pub format: Option<String>,
    /// A published period (`2025-Q3`): the report of its latest
    /// publication instead of live figures, withheld values marked. Public
    /// tokens must give it (they read publications only); `from`, `to` and
    /// `area` do not apply then.
    #[param(pattern = r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")]
    pub period: Option<String>,
}

/// The summary report of a period, in the form of the provincial reports
/// the figures go into: for each agency a paragraph (its activities by
/// kind; person-times and identified people stated separately, with the
/// estimated range of different people), the province-wide totals without
/// double counting (never a sum of the agencies'), the people reached by
/// two agencies or more and, with `from`, those reached for the first time
/// in the period; then a table. Every figure equals the aggregates'
/// (`GET /aggregates`). Admin and dashboard tokens; agency tokens get 403.
/// With `period`, the report of that period's latest publication (its table
/// by agency, and by agency and kind or its overlap table when it has
/// them), withheld values marked: the only report public tokens read.
#[utoipa::path(operation_id = "reports_summary", tag = "reports", security(("bearer" = [])), params(SummaryQuery),
    responses(
        (status = 200, description = "The report: printable HTML, or Markdown with `format=md`",
            content((String = "text/html"), (String = "text/markdown"))),
        (status = 422, description = "Invalid period, area, language or format", body = Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound))]
#[get("/reports/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    if who.role == Role::Agency {
        return Err(ApiError::Forbidden(
            "the province-wide report needs an admin or dashboard token".into(),
        ));
    }
    let q = q.0;
    let lang = match q.lang.as_deref() {
        None | Some("vi") => Lang::Vi,
        Some("en") => Lang::En,
        Some(_) => return Err(ApiError::field("lang", "must be vi or en")),
    };
    let format = match q.format.as_deref() {
        None | Some("html") => Format::Html,
        Some("md") => Format::Markdown,
        Some(_) => return Err(ApiError::field("format", "must be html or md")),
    };
    let period = given(q.period)
        .map(|p| {
            p.parse::<crate::periods::Period>()
                .map_err(|m| ApiError::field("period", m))
        })
        .transpose()?;
    if period.is_none() && who.public {
        return Err(ApiError::Forbidden(
            "public tokens read publications only: pass period to report a publication".into(),
        ));
    }
    if period.is_some() && (q.from.is_some() || q.to.is_some() || q.area.is_some()) {
        return Err(ApiError::field(
            "period",
            "a publication's report takes no from, to or area",
        ));
    }
    let (from, to) = (q.from.map(|d| d.0), q.to.map(|d| d.0));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::field("to", "must not be before from"));
    }
    let mut filters = Filters {
        from,
        to,
        agency: Vec::new(),
        kind: None,
        topic: None,
        target_group: None,
        area: given(q.area),
        areas: AreaMode::default(),
        scope: None,
    };
    if period.is_none() {
        // The deployment's own area is the report's default scope.
        if filters.area.is_none() {
            filters.area = state
                .settings
                .home_area
                .clone()
                .filter(|_| who.area.is_none());
        }
        super::slice::scope_area(&state, &who, &mut filters.area).await?;
    }
    let _place = state.heavy.enter(&who.jti).await?;
    let reach = state.reach.clone();
    let s = with_conn(&state, move |c| match period {
        Some(p) => Summary::from_publication(c, p.as_str()),
        None => Summary::compute(c, &reach, &filters),
    })
    .await?;
    let body = render::render(&s, lang, format);
    Ok(match format {
        Format::Html => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, REPORT_CSP.as_str()))
            .body(body),
        Format::Markdown => HttpResponse::Ok()
            .content_type("text/markdown; charset=utf-8")
            .body(body),
    })
}
