//! Middleware: security headers, CORS, NUL bytes in paths, HEAD and
//! conditional GET, problem+json for actix's own error responses, and the
//! 404/405 fallback.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::{ApiError, PROBLEM_JSON};
use crate::http::route_table::RouteTable;

/// Content-Security-Policy for the API: nothing may be loaded or framed.
const CSP_API: &str = "default-src 'none'; frame-ancestors 'none'";
/// Swagger UI needs its own scripts, styles and inline bootstrap.
const CSP_DOCS: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/// Adds `X-Content-Type-Options`, `Cache-Control: no-store` (API responses)
/// and a Content-Security-Policy to every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_docs = req.path().starts_with("/docs");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A handler that set its own policy (the printable report allows its
    // one stylesheet by hash) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if is_docs { CSP_DOCS } else { CSP_API }),
        );
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !is_docs {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// CORS for the configured dashboard origins only (and the service's own
/// origin, for Swagger UI). Any other `Origin` is refused and never echoed.
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    let allowed = origins.to_vec();
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, req| {
            let origin = origin.to_str().unwrap_or("");
            let host = req
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            allowed.iter().any(|o| o == origin)
                || (!host.is_empty()
                    && (origin == format!("http://{host}") || origin == format!("https://{host}")))
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            // The usual tracing headers: a preflight naming them is not
            // refused (W3C Trace Context, request ids).
            header::HeaderName::from_static("traceparent"),
            header::HeaderName::from_static("tracestate"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
        ])
        .max_age(600)
}

/// HEAD on every GET route and conditional GET (RFC 9110): a HEAD request
/// is routed as GET, and the connection, which saw HEAD, sends the headers
/// alone (the same `Content-Length`, `ETag`, ...); a GET whose
/// `If-None-Match` names the answer's `ETag` (weak comparison, `*` any)
/// is answered `304 Not Modified` with that `ETag` and no body.
pub async fn head_and_conditional_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let read = req.method() == actix_web::http::Method::GET;
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.call(req).await?;
    if let (true, Some(wanted), Some(etag)) = (
        read && res.status() == actix_web::http::StatusCode::OK,
        if_none_match,
        res.headers().get(header::ETAG).cloned(),
    ) && none_match_fails(&wanted, etag.to_str().unwrap_or(""))
    {
        let (req, _) = res.into_parts();
        let not_modified = HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish();
        return Ok(ServiceResponse::new(req, not_modified).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// Whether `If-None-Match: wanted` names `etag` (weak comparison: `W/` is
/// ignored on both sides; `*` names any), so the condition is false.
fn none_match_fails(wanted: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let etag = opaque(etag);
    wanted
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == etag)
}

/// Files are named: a CSV or Markdown answer carries `Content-Disposition:
/// attachment` with a file name from its path (`aggregates.csv`,
/// `2025-Q3.csv`, `report.md`), so a browser or `curl -OJ` saves it as
/// such; a handler that named its file keeps its name.
pub async fn file_names(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let kind = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_string());
    let extension = match kind.as_deref() {
        Some("text/csv") => "csv",
        Some("text/markdown") => "md",
        _ => return Ok(res),
    };
    if res.headers().contains_key(header::CONTENT_DISPOSITION) {
        return Ok(res);
    }
    let last = res
        .request()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let stem = last.strip_suffix(&format!(".{extension}")).unwrap_or(&last);
    let stem: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let stem = if stem.is_empty() || stem == "summary" {
        "report".to_string()
    } else {
        stem
    };
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{extension}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Longest query string the API reads, in bytes.
pub const MAX_QUERY_BYTES: usize = 8192;

/// Odd request targets, refused before they reach a handler or the
/// database: a path naming something with a NUL byte (`%00`) names nothing
/// (404); a query string over [`MAX_QUERY_BYTES`] is 414. (Request lines and
/// headers over actix's own limits never reach the app: actix answers those
/// itself, without a body; the README says so.)
pub async fn check_request_target(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.uri().path().to_ascii_lowercase().contains("%00") {
        let resp = actix_web::ResponseError::error_response(&ApiError::NotFound(
            "no such resource".into(),
        ));
        return Ok(req.into_response(resp).map_into_right_body());
    }
    if req.query_string().len() > MAX_QUERY_BYTES {
        let resp = actix_web::ResponseError::error_response(&ApiError::UriTooLong(format!(
            "the query string is over {MAX_QUERY_BYTES} bytes"
        )));
        return Ok(req.into_response(resp).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Unknown path: 404; known path with another method: 405 with `Allow`.
pub async fn not_found_or_not_allowed(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let allow = routes.methods_for(req.path());
    Err(if allow.is_empty() {
        ApiError::NotFound(format!("no route {}", req.path()))
    } else {
        ApiError::MethodNotAllowed { allow }
    })
}

/// Turns any error response that is not already problem+json (actix's own
/// errors) into one, keeping its status and headers.
pub fn problemize<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status.as_u16() {
        400 => ApiError::BadRequest("the request could not be understood".into()),
        404 => ApiError::NotFound("no such resource".into()),
        413 => {
            ApiError::PayloadTooLarge("the request body is larger than the configured limit".into())
        }
        415 => ApiError::UnsupportedMediaType("unsupported content type".into()),
        503 => ApiError::Unavailable("the service is unavailable".into()),
        s if s >= 500 => ApiError::internal(format!("unhandled {status} response")),
        _ => ApiError::BadRequest(status.canonical_reason().unwrap_or("error").to_string()),
    };
    let problem = err.problem();
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let problem = crate::error::Problem {
        status: status.as_u16(),
        ..problem
    };
    let resp: HttpResponse<BoxBody> = new
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(serde_json::to_string(&problem).unwrap_or_default());
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, resp).map_into_right_body(),
    ))
}

/// Counts every answered request and its latency by route template (the
/// pattern a route was registered with, or `unmatched`), method and status.
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let state = req.app_data::<web::Data<crate::state::AppState>>().cloned();
    let method = req.method().clone();
    let res = next.call(req).await?;
    if let Some(state) = state {
        let route = res.request().match_pattern();
        state.metrics.observe_request(
            route.as_deref().unwrap_or("unmatched"),
            method.as_str(),
            res.status().as_u16(),
            started.elapsed(),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::none_match_fails;

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        assert!(none_match_fails(r#""3""#, r#""3""#));
        assert!(none_match_fails(r#"W/"3""#, r#""3""#));
        assert!(none_match_fails(r#""1", "3""#, r#""3""#));
        assert!(none_match_fails("*", r#""abc""#));
        assert!(!none_match_fails(r#""4""#, r#""3""#));
        assert!(!none_match_fails(r#""30""#, r#""3""#));
    }
}
