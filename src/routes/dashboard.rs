//! `/dashboard/`: the page for people who read rather than query, served
//! by the service itself from files in the repository (`dashboard/`,
//! compiled into the binary). No script, style or font comes from anywhere
//! else, and no inline script runs: the Content-Security-Policy allows the
//! service's own files and its own API only. The scripts are ES modules:
//! `app.js` imports the others (`api.js`, the one fetch helper;
//! `session.js`, signing in; `totp.js`, two-step verification; `charts.js`;
//! `i18n.js`; `events.js` and `event-form.js`, an agency's activities and
//! their form; `consent.js`, claims, link proposals and duplicates;
//! `places.js`, places named as people say them; `period.js`, the period
//! picker and periods in words).

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The page's policy: its own files, its own API, nothing inline.
const CSP_DASHBOARD: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The dashboard's files: (name, content type, content).
const FILES: &[(&str, &str, &str)] = &[
    (
        "",
        "text/html; charset=utf-8",
        include_str!("../../dashboard/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/api.js"),
    ),
    (
        "session.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/session.js"),
    ),
    (
        "totp.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/totp.js"),
    ),
    (
        "charts.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/charts.js"),
    ),
    (
        "i18n.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/i18n.js"),
    ),
    (
        "events.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/events.js"),
    ),
    (
        "event-form.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/event-form.js"),
    ),
    (
        "consent.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/consent.js"),
    ),
    (
        "places.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/places.js"),
    ),
    (
        "period.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/period.js"),
    ),
    (
        "imports.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/imports.js"),
    ),
    (
        "admin-periods.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/admin-periods.js"),
    ),
    (
        "admin-privacy.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/admin-privacy.js"),
    ),
    (
        "admin-people.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/admin-people.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/dom.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../dashboard/app.css"),
    ),
];

async fn file(name: web::Path<String>) -> HttpResponse {
    let name = name.into_inner();
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => HttpResponse::Ok()
            .content_type(*kind)
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP_DASHBOARD))
            .body(*body),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, CSP_DASHBOARD))
            .body("not found"),
    }
}

async fn index() -> HttpResponse {
    file(web::Path::from(String::new())).await
}

/// Registers `/dashboard`, `/dashboard/` and its files (not API operations:
/// they are not in the OpenAPI document).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/dashboard", "/dashboard/"))
        .route("/dashboard/", web::get().to(index))
        .route("/dashboard/{name}", web::get().to(file));
}
