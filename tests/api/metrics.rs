//! `GET /metrics` on the separate metrics listener: scraped after known
//! traffic, every count checked against the requests this test made.

use std::collections::BTreeMap;
use std::net::TcpListener;

use serde_json::{Value, json};

use campaign_tracker::startup;

use crate::both_backends;
use crate::helpers::{Db, TestApp, json as json_of};

both_backends!(
    a_scrape_counts_the_traffic_it_saw,
    metrics_are_not_served_on_the_api_address,
    invented_methods_fold_into_one_series_and_the_index_and_process_are_reported,
);
// Without the reach index's background reader, nothing else takes
// connections: the pool's gauges and timeouts are exactly this test's.
both_backends!(
    settings = |s| s.reach_index = false;
    a_pool_held_to_the_last_connection_shows_in_the_gauges_and_timeouts,
);

/// One sample: metric name and its labels.
type Key = (String, BTreeMap<String, String>);

/// Starts the metrics listener for `app` and returns its base URL.
fn metrics_listener(app: &TestApp) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let server = startup::run_metrics(listener, app.state.clone()).unwrap();
    actix_web::rt::spawn(server);
    addr
}

/// Scrapes without any token and parses the text format.
async fn scrape(base: &str) -> BTreeMap<Key, f64> {
    let resp = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    parse(&resp.text().await.unwrap())
}

/// Parses `name{a="x",b="y"} value` lines (the label values here hold no
/// escaped quotes or commas).
fn parse(text: &str) -> BTreeMap<Key, f64> {
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').expect("name value");
        let (name, labels) = match series.split_once('{') {
            None => (series.to_string(), BTreeMap::new()),
            Some((name, rest)) => {
                let labels = rest
                    .trim_end_matches('}')
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once("=\"").expect("label");
                        (k.to_string(), v.trim_end_matches('"').to_string())
                    })
                    .collect();
                (name.to_string(), labels)
            }
        };
        let value = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
        assert!(out.insert((name, labels), value).is_none(), "{line} twice");
    }
    out
}

fn get(m: &BTreeMap<Key, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let key = (
        format!("campaign_tracker_{name}"),
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    m.get(&key).copied().unwrap_or(0.0)
}

fn event(external_id: &str, total: i64) -> Value {
    json!({
        "external_id": external_id,
        "kind": "community_meeting",
        "title": "Họp dân",
        "topics": ["human_trafficking"],
        "start_date": "2024-03-08",
        "end_date": "2024-03-08",
        "area_code": "01234",
        "attendance": {"total": total},
    })
}

async fn a_scrape_counts_the_traffic_it_saw(app: TestApp) {
    app.seed_test_areas();
    let base = metrics_listener(&app);
    let police = app.agency("police");
    let labour = app.agency("labour");

    // Single writes: created, unchanged, conflict, invalid.
    let created = json_of(
        app.post("/api/v1/events", &police, &event("m-1", 20)).await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.post("/api/v1/events", &police, &event("m-1", 20))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post("/api/v1/events", &police, &event("m-1", 21))
            .await
            .status(),
        409
    );
    let mut bad = event("m-2", 5);
    bad["kind"] = json!("no_such_kind");
    assert_eq!(
        app.post("/api/v1/events", &police, &bad).await.status(),
        422
    );
    // A batch: one created, one invalid; a dry run counts nothing.
    let batch = json!({"items": [event("b-1", 7), {"external_id": "b-2"}]});
    let result = json_of(app.post("/api/v1/events/batch", &labour, &batch).await, 200).await;
    assert_eq!(result["summary"]["created"], 1);
    let dry = json!({"items": [event("d-1", 7), event("d-2", 7), event("d-3", 7)]});
    json_of(
        app.post("/api/v1/events/batch?dry_run=true", &labour, &dry)
            .await,
        200,
    )
    .await;
    // Reads: one found, one not; an unknown path; aggregates as JSON and CSV.
    let viewer = app.viewer();
    assert_eq!(
        app.get(&format!("/api/v1/events/{id}"), &police)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(
            "/api/v1/events/00000000-0000-4000-8000-000000000000",
            &police
        )
        .await
        .status(),
        404
    );
    assert_eq!(app.get("/no/such/path", &viewer).await.status(), 404);
    json_of(app.get("/api/v1/aggregates", &viewer).await, 200).await;
    let csv = app.get("/api/v1/aggregates.csv", &viewer).await;
    assert_eq!(csv.status(), 200);

    let m = scrape(&base).await;
    let ingested = |agency, path, outcome| {
        get(
            &m,
            "events_ingested_total",
            &[("agency", agency), ("outcome", outcome), ("path", path)],
        )
    };
    assert_eq!(ingested("police", "single", "created"), 1.0);
    assert_eq!(ingested("police", "single", "unchanged"), 1.0);
    assert_eq!(ingested("police", "single", "conflict"), 1.0);
    assert_eq!(ingested("police", "single", "invalid"), 1.0);
    assert_eq!(ingested("labour", "batch", "created"), 1.0);
    assert_eq!(ingested("labour", "batch", "invalid"), 1.0);
    let total_ingested: f64 = m
        .iter()
        .filter(|((n, _), _)| n == "campaign_tracker_events_ingested_total")
        .map(|(_, v)| v)
        .sum();
    assert_eq!(total_ingested, 6.0, "the dry run is not counted");

    let requests = |route, method, status| {
        get(
            &m,
            "http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("/api/v1/events/{id}", "GET", "200"), 1.0);
    assert_eq!(requests("/api/v1/events/{id}", "GET", "404"), 1.0);
    assert_eq!(requests("/api/v1/events", "POST", "201"), 1.0);
    assert_eq!(requests("/api/v1/events", "POST", "200"), 1.0);
    assert_eq!(requests("/api/v1/events", "POST", "409"), 1.0);
    assert_eq!(requests("/api/v1/events", "POST", "422"), 1.0);
    assert_eq!(requests("/api/v1/events/batch", "POST", "200"), 2.0);
    assert_eq!(requests("unmatched", "GET", "404"), 1.0);
    assert_eq!(
        get(
            &m,
            "http_request_duration_seconds_count",
            &[
                ("method", "GET"),
                ("route", "/api/v1/events/{id}"),
                ("status", "200")
            ]
        ),
        1.0,
        "the histogram saw the same request"
    );
    assert!(
        !m.keys()
            .any(|(_, labels)| labels.get("route").is_some_and(|r| r.contains(&id))),
        "routes are templates, never concrete ids"
    );
    for format in ["json", "csv"] {
        assert_eq!(
            get(
                &m,
                "aggregate_duration_seconds_count",
                &[("engine", "index"), ("format", format)]
            ),
            1.0,
            "{format}"
        );
    }
    assert_eq!(
        get(&m, "db_pool_max_connections", &[]),
        f64::from(app.settings.pool_size)
    );
    assert!(get(&m, "db_pool_wait_seconds_count", &[]) >= 10.0);
    let backend = match app.db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    assert_eq!(
        get(
            &m,
            "build_info",
            &[("backend", backend), ("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
}

async fn a_pool_held_to_the_last_connection_shows_in_the_gauges_and_timeouts(app: TestApp) {
    let base = metrics_listener(&app);
    let before = scrape(&base).await;
    assert_eq!(get(&before, "db_pool_timeouts_total", &[]), 0.0);
    let held: Vec<_> = (0..app.settings.pool_size).map(|_| app.conn()).collect();
    let during = scrape(&base).await;
    assert_eq!(
        get(&during, "db_pool_connections", &[("state", "in_use")]),
        f64::from(app.settings.pool_size)
    );
    assert_eq!(
        get(&during, "db_pool_connections", &[("state", "idle")]),
        0.0
    );
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    drop(held);
    let after = scrape(&base).await;
    assert_eq!(get(&after, "db_pool_timeouts_total", &[]), 1.0);
    assert_eq!(
        get(&after, "db_pool_connections", &[("state", "in_use")]),
        0.0
    );
}

async fn metrics_are_not_served_on_the_api_address(app: TestApp) {
    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let base = metrics_listener(&app);
    let other = reqwest::get(format!("{base}/api/v1/aggregates"))
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "the metrics listener serves /metrics only"
    );
}

/// Issue 29, case 5: requests with invented methods (no token needed) fold
/// into one `other` series, so the scrape stays the same size however many
/// are sent; the reach index's events and people and the process's memory
/// are reported.
async fn invented_methods_fold_into_one_series_and_the_index_and_process_are_reported(
    app: TestApp,
) {
    app.seed_test_areas();
    let base = metrics_listener(&app);
    let police = app.agency("police");
    for (i, total) in [(1, 10), (2, 12)] {
        let mut e = event(&format!("i-{i}"), total);
        e["participants"] = json!([{"id_type": "citizen_id", "value": format!("00110000000{i}")},
            {"id_type": "citizen_id", "value": "001100000009"}]);
        json_of(app.post("/api/v1/events", &police, &e).await, 201).await;
    }
    json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await;
    let size_before = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("campaign_tracker_http_requests_total"))
        .count();
    let client = reqwest::Client::new();
    for i in 0..200 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        client
            .request(method, app.url("/api/v1/events"))
            .send()
            .await
            .unwrap();
    }
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("INVENTED"),
        "invented methods are not labels"
    );
    let m = parse(&text);
    let other: f64 = m
        .iter()
        .filter(|((name, labels), _)| {
            name == "campaign_tracker_http_requests_total"
                && labels.get("method").map(String::as_str) == Some("other")
        })
        .map(|(_, v)| v)
        .sum();
    assert_eq!(other, 200.0);
    let size_after = text
        .lines()
        .filter(|l| l.starts_with("campaign_tracker_http_requests_total"))
        .count();
    assert!(
        size_after <= size_before + 2,
        "200 invented methods added {} series",
        size_after - size_before
    );
    // The index: two real events, three people (one at both).
    assert_eq!(get(&m, "reach_index", &[("what", "ready")]), 1.0);
    assert_eq!(get(&m, "reach_index", &[("what", "events")]), 2.0);
    assert_eq!(get(&m, "reach_index", &[("what", "people")]), 3.0);
    assert!(get(&m, "reach_index_changes_applied", &[]) >= 1.0);
    assert!(get(&m, "reach_index_last_change_timestamp_seconds", &[]) > 1.7e9);
    assert!(get(&m, "process_resident_memory_bytes", &[]) > 1e6);
    assert!(get(&m, "process_open_fds", &[]) > 0.0);
}
