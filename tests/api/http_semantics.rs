//! Issue 29, case 7: HTTP as RFC 9110 says. HEAD on every GET route,
//! conditional GET with `If-None-Match`, CORS preflights naming the usual
//! tracing headers.

use serde_json::Value;

use crate::both_backends;
use crate::consent::{post, report};
use crate::helpers::{TestApp, operations};

both_backends!(
    head_answers_every_get_route_with_its_headers_and_no_body,
    if_none_match_answers_304_for_the_current_tag_only,
    files_are_named,
    answers_are_compressed_except_secrets,
    if_match_compares_strongly_and_reads_lists,
    a_deprecated_form_says_so_and_names_its_successor,
);
both_backends!(
    settings = |s| s.cors_origins = vec!["https://dashboard.example.gov.vn".to_string()];
    a_preflight_naming_tracing_headers_is_allowed,
);

/// Every documented GET operation answers HEAD as it answers GET (never
/// 405), without a body; a real resource's HEAD carries GET's `ETag` and
/// `Content-Length`.
async fn head_answers_every_get_route_with_its_headers_and_no_body(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let id = post(&app, &police, &report("h", "2025-03-10", 12, &[])).await;
    let admin = app.admin();
    let gets: Vec<_> = operations(&app)
        .await
        .into_iter()
        .filter(|o| o.method == reqwest::Method::GET)
        .collect();
    assert!(gets.len() > 20);
    for op in gets {
        let head = app
            .client
            .head(app.url(&op.path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let get = app
            .client
            .get(app.url(&op.path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {}", op.template);
        assert_ne!(head.status().as_u16(), 405, "HEAD {}", op.template);
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {} sent a body",
            op.template
        );
    }
    let path = format!("/api/v1/events/{id}");
    let get = app.get(&path, &police).await;
    let (etag, length) = (
        get.headers()["etag"].clone(),
        get.bytes().await.unwrap().len(),
    );
    let head = app
        .client
        .head(app.url(&path))
        .bearer_auth(&police)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["etag"], etag);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        length.to_string()
    );
    assert!(head.bytes().await.unwrap().is_empty());
    // On the wire (an HTTP client never reads a HEAD body, so ask the
    // socket): the headers, then nothing before the connection closes.
    let host = app.url("").trim_start_matches("http://").to_string();
    let request = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {police}\r\nConnection: close\r\n\r\n"
    );
    let raw = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    })
    .await
    .unwrap();
    let (headers, body) = raw.split_once("\r\n\r\n").unwrap();
    assert!(headers.starts_with("HTTP/1.1 200"), "{headers}");
    assert!(
        headers
            .to_lowercase()
            .contains(&format!("content-length: {length}")),
        "{headers}"
    );
    assert_eq!(body, "", "HEAD sent a body");
}

/// A GET naming the current `ETag` in `If-None-Match` (alone, weak, in a
/// list, or `*`) is 304 with that tag and no body; a stale tag gets the
/// resource.
async fn if_none_match_answers_304_for_the_current_tag_only(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let id = post(&app, &police, &report("n", "2025-03-10", 12, &[])).await;
    let path = format!("/api/v1/events/{id}");
    let etag = app.get(&path, &police).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let with = |value: String| {
        let app = &app;
        let (path, police) = (path.clone(), police.clone());
        async move {
            app.client
                .get(app.url(&path))
                .bearer_auth(&police)
                .header("If-None-Match", value)
                .send()
                .await
                .unwrap()
        }
    };
    for value in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"0\", {etag}"),
        "*".to_string(),
    ] {
        let resp = with(value.clone()).await;
        assert_eq!(resp.status(), 304, "{value}");
        assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    let stale = with("\"999\"".to_string()).await;
    assert_eq!(stale.status(), 200);
    let body: Value = stale.json().await.unwrap();
    assert_eq!(body["id"], id.as_str());
}

async fn a_preflight_naming_tracing_headers_is_allowed(app: TestApp) {
    let dash = "https://dashboard.example.gov.vn";
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/aggregates"))
        .header("Origin", dash)
        .header("Access-Control-Request-Method", "GET")
        .header(
            "Access-Control-Request-Headers",
            "authorization, traceparent, tracestate, x-request-id, if-none-match",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for h in ["traceparent", "tracestate", "x-request-id", "if-none-match"] {
        assert!(allowed.contains(h), "{h} not in {allowed}");
    }
}

/// CSV, Markdown, Word and PDF answers are files with a name.
async fn files_are_named(app: TestApp) {
    let viewer = app.viewer();
    for (path, name) in [
        ("/api/v1/aggregates.csv?group_by=agency", "aggregates.csv"),
        ("/api/v1/reach/overlap.csv", "overlap.csv"),
        ("/api/v1/reach/frequency.csv", "frequency.csv"),
        ("/api/v1/reports/summary?format=md", "bao-cao-toan-bo.md"),
        (
            "/api/v1/reports/summary?format=docx&from=2024-07-01",
            "bao-cao-tu-2024-07-01.docx",
        ),
        (
            "/api/v1/reports/summary?format=pdf&from=2024-07-01&to=2024-09-30",
            "bao-cao-2024-07-01-2024-09-30.pdf",
        ),
    ] {
        let resp = app.get(path, &viewer).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(
            resp.headers()["content-disposition"],
            format!("attachment; filename=\"{name}\""),
            "{path}"
        );
    }
    // JSON is not a file.
    let json = app.get("/api/v1/aggregates", &viewer).await;
    assert!(json.headers().get("content-disposition").is_none());
}

/// JSON and CSV are compressed for clients that accept it; an answer that
/// carries a secret (a new token) never is (BREACH).
async fn answers_are_compressed_except_secrets(app: TestApp) {
    let viewer = app.viewer();
    for path in [
        "/api/v1/aggregates?group_by=agency",
        "/api/v1/aggregates.csv?group_by=agency",
        "/openapi.json",
    ] {
        let resp = app
            .client
            .get(app.url(path))
            .bearer_auth(&viewer)
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["content-encoding"], "gzip", "{path}");
        let bytes = resp.bytes().await.unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .unwrap();
        assert!(!text.is_empty(), "{path}");
    }
    let token = app
        .client
        .post(app.url("/api/v1/tokens"))
        .bearer_auth(app.admin())
        .header("Accept-Encoding", "gzip, br")
        .json(&serde_json::json!({"role": "viewer", "label": "compressed?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 201);
    assert!(
        token
            .headers()
            .get("content-encoding")
            .is_none_or(|v| v == "identity"),
        "a secret was compressed"
    );
    let body: Value = token.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().len() > 100);
}

/// `If-Match` compares strongly (a weak tag never matches: 412) and a list
/// of tags holds when the stored version is any of them (RFC 9110 13.1.1).
async fn if_match_compares_strongly_and_reads_lists(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let id = post(&app, &police, &report("m", "2025-03-10", 12, &[])).await;
    let path = format!("/api/v1/events/{id}");
    let put = |tag: &'static str, total: i64| {
        let app = &app;
        let (path, police) = (path.clone(), police.clone());
        async move {
            app.client
                .put(app.url(&path))
                .bearer_auth(&police)
                .header("If-Match", tag)
                .json(&report("m", "2025-03-10", total, &[]))
                .send()
                .await
                .unwrap()
        }
    };
    // Version 1 is stored: its weak tag does not match.
    let weak = put(r#"W/"1""#, 13).await;
    assert_eq!(weak.status(), 412);
    let p: Value = weak.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("weak"), "{p}");
    // A list holding the stored version does.
    let listed = put(r#""7", "1""#, 13).await;
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["etag"], r#""2""#);
    // A list without it does not.
    assert_eq!(put(r#""1", "3""#, 14).await.status(), 412);
    assert_eq!(put(r#"W/"2", "9""#, 14).await.status(), 412);
    // Malformed: 400.
    assert_eq!(put("2", 14).await.status(), 400);
    let stored: Value = app.get(&path, &police).await.json().await.unwrap();
    assert_eq!(stored["attendance"]["total"], 13);
}

/// Issue 29, versioning: CSV from the JSON route still works, deprecated:
/// its answers carry `Deprecation`, `Sunset` and the successor; the
/// document's version is the crate's.
async fn a_deprecated_form_says_so_and_names_its_successor(app: TestApp) {
    let viewer = app.viewer();
    for resp in [
        app.get("/api/v1/aggregates?format=csv", &viewer).await,
        app.client
            .get(app.url("/api/v1/aggregates"))
            .bearer_auth(&viewer)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(resp.status(), 200);
        let h = resp.headers();
        assert_eq!(h["deprecation"], "@1796515200");
        assert_eq!(h["sunset"], "Wed, 30 Jun 2027 00:00:00 GMT");
        assert_eq!(
            h["link"],
            r#"</api/v1/aggregates.csv>; rel="successor-version""#
        );
    }
    for path in ["/api/v1/aggregates", "/api/v1/aggregates.csv"] {
        let resp = app.get(path, &viewer).await;
        assert!(resp.headers().get("deprecation").is_none(), "{path}");
    }
    let doc = crate::helpers::openapi(&app).await;
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
}
