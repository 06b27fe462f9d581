//! The summary report for signing: `GET /api/v1/reports/summary`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use sha2::Digest;
use utoipa::IntoParams;

use crate::auth::Role;
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
        sha2::Sha256::digest(render::html::CSS.as_bytes()),
    );
    format!("default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'none'")
});

super::slice::slice_query! {
    /// The report's slice (the aggregates' filters), language and format.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct SummaryQuery {
        /// `vi` (default) or `en`.
        #[param(value_type = Option<String>, pattern = "^(vi|en)$")]
        pub lang: Option<String>,
        /// `docx` (Word), `pdf` (A4, fonts embedded), `html` (default:
        /// printable) or `md` (Markdown, for pasting).
        #[param(value_type = Option<String>, pattern = "^(html|md|docx|pdf)$")]
        pub format: Option<String>,
        /// A published period (`2025-Q3`): the report of its latest
        /// publication instead of live figures, withheld values marked.
        /// Public tokens must give it (they read publications only); no
        /// other filter applies then.
        #[param(value_type = Option<String>, pattern = r"^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$")]
        pub period: Option<String>,
    }
}

/// The summary report of a period, as a document to sign.
///
/// An administrative document (Decree 30/2020/NĐ-CP): issuing body,
/// number, national title and motto, place and date, a subject line naming
/// the period (a quarter, six or nine months or a year when the dates are
/// exactly one) and the area by name, the deployment's addressee,
/// recipients and signer (`REPORT_*` settings). Its body: what the figures
/// cover (every aggregate filter is applied and stated), a paragraph per
/// agency (its activities by kind; person-times and identified people
/// stated separately, with the estimated range of different people), the
/// totals without double counting (never a sum of the agencies'), sex and
/// under-18 person-times, the people reached by two agencies or more and,
/// with `from`, those reached for the first time; tables by agency and by
/// the units one level below the area; the same period a year earlier;
/// headed empty sections for the office to write; a method note. Every
/// figure equals the aggregates' (`GET /aggregates` with the same
/// filters). Admin and dashboard tokens; an agency's account or token gets
/// its own agency's report (its activities, reported or co-organised with
/// confirmation, labelled as such). With `period`, the report of that
/// period's latest publication (its table by agency, and by agency and
/// kind or its overlap table when it has them), withheld values marked:
/// the only report public tokens read.
#[utoipa::path(operation_id = "reports_summary", tag = "reports", security(("bearer" = [])), params(SummaryQuery),
    responses(
        (status = 200, description = "The report: printable HTML (default), Markdown, Word or PDF",
            content((String = "text/html"), (String = "text/markdown"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "application/pdf"))),
        (status = 422, description = "Invalid period, area, language or format", body = Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound))]
#[get("/reports/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut q = q.0;
    let lang = match q.lang.as_deref() {
        None | Some("vi") => Lang::Vi,
        Some("en") => Lang::En,
        Some(_) => return Err(ApiError::field("lang", "must be vi or en")),
    };
    let format = match q.format.as_deref() {
        None => Format::Html,
        Some(f) => Format::parse(f)
            .ok_or_else(|| ApiError::field("format", "must be docx, pdf, html or md"))?,
    };
    let period = given(q.period.take())
        .map(|p| {
            crate::periods::Period::parse(&p, state.settings.period_rule)
                .map_err(|m| ApiError::field("period", m))
        })
        .transpose()?;
    if period.is_none() && who.public {
        return Err(ApiError::Forbidden(
            "public tokens read publications only: pass period to report a publication".into(),
        ));
    }
    let mut filters = q.filters()?;
    let filtered = filters.from.is_some()
        || filters.to.is_some()
        || filters.area.is_some()
        || !filters.agency.is_empty()
        || filters.kind.is_some()
        || filters.topic.is_some()
        || filters.target_group.is_some();
    if period.is_some() && (filtered || who.role == Role::Agency) {
        return Err(ApiError::field(
            "period",
            "a publication's report takes no other filter, and is the province's: agencies ask for live figures",
        ));
    }
    if who.role == Role::Agency {
        // An agency files its own report: its own (and confirmed joint)
        // activities, as in its aggregates.
        filters.scope = who.agency.clone();
    }
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
    let rule = state.settings.period_rule;
    let s = with_conn(&state, move |c| match period {
        Some(p) => Summary::from_publication(c, p.as_str(), rule),
        None => Summary::compute(c, &reach, &filters, rule),
    })
    .await?;
    let head = state.settings.letterhead.clone();
    let name = file_name(&s, format);
    let body = web::block(move || render::render(&s, &head, lang, format))
        .await
        .map_err(|e| ApiError::internal(format!("report task: {e}")))?
        .map_err(ApiError::internal)?;
    let mut answer = HttpResponse::Ok();
    answer.content_type(format.media_type());
    if format == Format::Html {
        answer.insert_header((header::CONTENT_SECURITY_POLICY, REPORT_CSP.as_str()));
    } else {
        answer.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    }
    Ok(answer.body(body))
}

/// The file's name: `bao-cao-2024-07-01-2024-09-30.docx`.
fn file_name(s: &Summary, format: Format) -> String {
    let dates = match (&s.source, s.from, s.to) {
        (Some(src), _, _) => src.period.clone(),
        (None, None, None) => "toan-bo".into(),
        (None, Some(f), None) => format!("tu-{f}"),
        (None, None, Some(t)) => format!("den-{t}"),
        (None, Some(f), Some(t)) => format!("{f}-{t}"),
    };
    format!("bao-cao-{dates}.{}", format.extension())
}
