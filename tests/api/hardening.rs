//! Limits, headers, CORS, opaque errors, held locks, and the route table.

use serde_json::{Value, json};

use crate::both_backends;
use crate::events::event;
use crate::helpers::{Db, TestApp, fields, json as json_of, problem};

both_backends!(
    docs_get_their_own_csp_and_api_responses_are_not_cached,
    internal_errors_reveal_no_sql_paths_or_secrets,
    a_locked_table_answers_503_within_the_timeout,
    every_documented_operation_is_served,
    only_viewer_tokens_can_be_public,
    duplicate_json_keys_are_refused_everywhere,
    dates_outside_the_accepted_range_are_422_everywhere,
    long_lists_of_codes_meet_a_documented_limit,
    overlong_query_strings_are_414_problems,
    every_field_error_is_reported_at_once,
);

async fn only_viewer_tokens_can_be_public(app: TestApp) {
    let admin = app.admin();
    for role in [
        json!({"role": "admin", "label": "x", "public": true}),
        json!({"role": "agency", "agency": "police", "label": "x", "public": true}),
    ] {
        let p = problem(app.post("/api/v1/tokens", &admin, &role).await, 422).await;
        assert_eq!(crate::helpers::fields(&p), vec!["public"]);
    }
}

async fn cors_allows_only_configured_origins(app: TestApp) {
    let viewer = app.viewer();
    let dash = "https://dashboard.example.gov.vn";
    let ok = app
        .client
        .get(app.url("/api/v1/agencies"))
        .bearer_auth(&viewer)
        .header("Origin", dash)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], dash);
    json_of(ok, 200).await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/aggregates"))
        .header("Origin", dash)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], dash);
    for evil in [
        "https://evil.example",
        "null",
        "https://dashboard.example.gov.vn.evil.example",
    ] {
        let resp = app
            .client
            .get(app.url("/api/v1/agencies"))
            .bearer_auth(&viewer)
            .header("Origin", evil)
            .send()
            .await
            .unwrap();
        assert!(
            resp.headers().get("access-control-allow-origin").is_none(),
            "{evil} echoed"
        );
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert!(!resp.text().await.unwrap().contains(evil));
    }
}

both_backends!(
    settings = |s| s.cors_origins = vec!["https://dashboard.example.gov.vn".to_string()];
    cors_allows_only_configured_origins,
);

async fn docs_get_their_own_csp_and_api_responses_are_not_cached(app: TestApp) {
    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    let csp = docs.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(docs.headers()["x-content-type-options"], "nosniff");
    let api = app.get("/api/v1/agencies", &app.viewer()).await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    let err = app.get("/api/v1/agencies/nope", &app.viewer()).await;
    assert_eq!(err.headers()["cache-control"], "no-store");
    assert_eq!(err.headers()["x-content-type-options"], "nosniff");
}

async fn internal_errors_reveal_no_sql_paths_or_secrets(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let a = json_of(app.post("/api/v1/events", &token, &event("e-1")).await, 201).await;
    let b = json_of(
        app.post("/api/v1/events", &app.agency("labour"), &event("e-2"))
            .await,
        201,
    )
    .await;
    {
        use diesel::RunQueryDsl;
        let mut conn = app.conn();
        diesel::sql_query("DROP TABLE event_links")
            .execute(&mut *conn)
            .unwrap();
    }
    let resp = app
        .post(
            &format!("/api/v1/events/{}/same-as", a["id"].as_str().unwrap()),
            &token,
            &json!({"other_id": b["id"]}),
        )
        .await;
    let body = problem(resp, 500).await;
    let text = body.to_string().to_lowercase();
    for leak in [
        "event_links",
        "select",
        "insert",
        "table",
        "/tmp",
        "sqlite",
        "postgres",
        "panicked",
        "src/",
        "0123456789abcdef",
    ] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

async fn a_locked_table_answers_503_within_the_timeout(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    // Another client holds the write lock: SQLite `BEGIN EXCLUSIVE`,
    // PostgreSQL `LOCK TABLE ... ACCESS EXCLUSIVE` in an open transaction.
    let mut holder = campaign_tracker::db::Manager::new(&app.settings)
        .open()
        .unwrap();
    {
        use diesel::connection::SimpleConnection;
        match app.db {
            Db::Sqlite => holder.batch_execute("BEGIN EXCLUSIVE").unwrap(),
            Db::Postgres => holder
                .batch_execute("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
                .unwrap(),
        }
    }
    let started = std::time::Instant::now();
    let resp = app.post("/api/v1/events", &token, &event("locked-1")).await;
    let elapsed = started.elapsed();
    assert!(resp.headers().get("retry-after").is_some());
    let body = problem(resp, 503).await;
    assert!(!body.to_string().contains("locked"), "{body}");
    // Bounded by the configured timeout (2 s in tests), with room for a slow machine.
    assert!(elapsed < app.settings.db_timeout * 4, "{elapsed:?}");
    {
        use diesel::connection::SimpleConnection;
        holder.batch_execute("ROLLBACK").unwrap();
    }
    json_of(
        app.post("/api/v1/events", &token, &event("locked-1")).await,
        201,
    )
    .await;
}

/// Every documented operation reaches a handler: the answer is never the
/// router's own "no route" 404 or a 405. (Every `/api` route is registered
/// through utoipa's `ServiceConfig`, which only accepts documented handlers,
/// so the served set cannot exceed the documented one.)
async fn every_documented_operation_is_served(app: TestApp) {
    let admin = app.admin();
    let mut n = 0;
    for op in crate::helpers::operations(&app).await {
        let (method, path) = (op.method.clone(), op.template.clone());
        {
            let resp = app
                .client
                .request(op.method, app.url(&op.path))
                .bearer_auth(&admin)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            assert_ne!(status, 405, "{method} {path}");
            let no_route = status == 404
                && body["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("no route"));
            assert!(!no_route, "{method} {path} is documented but not served");
            n += 1;
        }
    }
    assert!(n > 20, "{n} operations");
}

/// A key repeated inside one object is refused wherever it is: the top level
/// of an event, a nested object, or a batch item (which was once read as a
/// generic map, where the last value silently won). Nothing is written.
async fn duplicate_json_keys_are_refused_everywhere(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let send = |path: &'static str, body: String| {
        let app = &app;
        let token = token.clone();
        async move {
            app.client
                .post(app.url(path))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let item = serde_json::to_string(&event("dup-1")).unwrap();
    let twice = item.replacen("\"title\":", "\"title\": \"first\", \"title\":", 1);
    assert_ne!(item, twice);
    let nested = item.replacen("\"total\":", "\"total\": 1, \"total\":", 1);
    for (path, body, field) in [
        ("/api/v1/events", twice.clone(), "title"),
        ("/api/v1/events", nested.clone(), "attendance.total"),
        (
            "/api/v1/events/batch",
            format!("{{\"items\": [{item}, {twice}]}}"),
            "items[1].title",
        ),
        (
            "/api/v1/events/batch",
            format!("{{\"items\": [{nested}], \"items\": []}}"),
            "items[0].attendance.total",
        ),
    ] {
        let p = problem(send(path, body).await, 422).await;
        assert_eq!(fields(&p), vec![field.to_string()], "{p}");
    }
    let page = json_of(
        app.get("/api/v1/events?include_deleted=true", &app.admin())
            .await,
        200,
    )
    .await;
    assert!(page["items"].as_array().unwrap().is_empty());
}

/// Dates and times far outside the plausible range (which PostgreSQL
/// refused with a 500 and SQLite compared as text) are a 422 naming the
/// parameter, for every token that may call the route.
async fn dates_outside_the_accepted_range_are_422_everywhere(app: TestApp) {
    app.seed_test_areas();
    let (agency, viewer, admin) = (app.agency("police"), app.viewer(), app.admin());
    for (path, token, field) in [
        ("/api/v1/events?from=-5000-01-01", &agency, "from"),
        ("/api/v1/events?to=%2B10000-01-01", &agency, "to"),
        (
            "/api/v1/events?updated_since=-5000-01-01T00:00:00Z",
            &agency,
            "updated_since",
        ),
        (
            "/api/v1/events?updated_since=%2B200000-01-01T00:00:00Z",
            &admin,
            "updated_since",
        ),
        (
            "/api/v1/events?cursor=-220000000000000000_1",
            &agency,
            "cursor",
        ),
        (
            "/api/v1/events?cursor=9220000000000000000_1",
            &agency,
            "cursor",
        ),
        ("/api/v1/events?from=1899-12-31", &agency, "from"),
        ("/api/v1/aggregates?from=-5000-01-01", &viewer, "from"),
        ("/api/v1/aggregates?to=%2B10000-01-01", &viewer, "to"),
        ("/api/v1/aggregates?to=2101-01-01", &agency, "to"),
        ("/api/v1/audit?from=-5000-01-01T00:00:00Z", &admin, "from"),
        ("/api/v1/audit?to=%2B10000-01-01T00:00:00Z", &admin, "to"),
        ("/api/v1/areas?on=1800-01-01", &viewer, "on"),
        ("/api/v1/areas/01234?on=2500-01-01", &viewer, "on"),
    ] {
        let p = problem(app.get(path, token).await, 422).await;
        assert_eq!(fields(&p), vec![field.to_string()], "{path}: {p}");
    }
    // The edges of the range are accepted.
    for path in [
        "/api/v1/events?from=1900-01-01&to=2100-12-31&updated_since=1900-01-01T00:00:00Z",
        "/api/v1/aggregates?from=1900-01-01&to=2100-12-31",
    ] {
        json_of(app.get(path, &admin).await, 200).await;
    }
}

/// Lists of codes have documented limits (422 naming the field), and the
/// lookups behind them are chunked: SQLite's bound-variable limit never
/// surfaces as a 500, and one item's overlong list does not sink a batch.
async fn long_lists_of_codes_meet_a_documented_limit(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let codes = |n: usize| (0..n).map(|i| format!("agency-{i}")).collect::<Vec<_>>();
    let mut huge = event("huge");
    huge["co_organizers"] = json!(codes(33_000));
    let p = problem(app.post("/api/v1/events", &token, &huge).await, 422).await;
    assert_eq!(fields(&p), vec!["co_organizers".to_string()], "{p}");
    // Within the limit, unknown codes are each reported.
    let mut fifty = event("fifty");
    fifty["co_organizers"] = json!(codes(50));
    let p = problem(app.post("/api/v1/events", &token, &fifty).await, 422).await;
    assert_eq!(
        fields(&p),
        vec!["co_organizers".to_string(); 50],
        "each unknown one: {p}"
    );
    let mut items: Vec<Value> = (0..40)
        .map(|i| {
            let mut e = event(&format!("batch-{i}"));
            e["co_organizers"] = json!(codes(1000));
            e
        })
        .collect();
    items.push(event("batch-ok"));
    let out = json_of(
        app.post("/api/v1/events/batch", &token, &json!({"items": items}))
            .await,
        200,
    )
    .await;
    assert_eq!(out["summary"]["invalid"], 40, "{}", out["summary"]);
    assert_eq!(out["summary"]["created"], 1, "{}", out["summary"]);
    let many: String = (0..51).map(|i| format!("agency=a{i}&")).collect();
    let p = problem(
        app.get(&format!("/api/v1/aggregates?{many}"), &app.viewer())
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["agency".to_string()]);
}

/// A query string over 8 KiB is refused by the app as a 414 problem with the
/// security headers; under it, the parameters are judged as usual.
async fn overlong_query_strings_are_414_problems(app: TestApp) {
    let viewer = app.viewer();
    let long = format!("/api/v1/areas?q={}", "a".repeat(9000));
    let resp = app.get(&long, &viewer).await;
    assert!(resp.headers().get("x-content-type-options").is_some());
    let p = problem(resp, 414).await;
    assert!(p["detail"].as_str().unwrap().contains("8192"), "{p}");
    let fine = format!("/api/v1/areas?q={}", "a".repeat(7000));
    assert_ne!(app.get(&fine, &viewer).await.status().as_u16(), 414);
}

/// An unknown field does not hide the other problems: unknown fields, values
/// of the wrong type, a participant missing its parts and every validation
/// problem come back together, in a single event and in a batch item, with
/// the client's own paths.
async fn every_field_error_is_reported_at_once(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let mut bad = event("all-errors");
    bad["bogus"] = json!(1);
    bad["kind"] = json!("party");
    bad["title"] = json!(5);
    bad["attendance"] = json!({"total": "many", "extra": true});
    bad["start_date"] = json!("2024-02-30");
    bad["participants"] = json!([
        {"id_type": "phone"},
        {"id_type": "citizen_id", "value": "123"},
        {"id_type": "phone", "value": "0912 345 678", "note": "x"}
    ]);
    let mut expected = vec![
        "attendance.extra",
        "attendance.total",
        "bogus",
        "kind",
        "participants[0].value",
        "participants[1].value",
        "participants[2].note",
        "start_date",
        "title",
    ];
    let p = problem(app.post("/api/v1/events", &token, &bad).await, 422).await;
    let mut got = fields(&p);
    got.sort();
    got.dedup();
    expected.sort();
    assert_eq!(got, expected, "{p}");
    let out = json_of(
        app.post(
            "/api/v1/events/batch",
            &token,
            &json!({"items": [event("fine"), bad]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["items"][0]["status"], "created");
    assert_eq!(out["items"][1]["status"], "invalid");
    let mut got: Vec<String> = out["items"][1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    got.dedup();
    let prefixed: Vec<String> = expected.iter().map(|f| format!("items[1].{f}")).collect();
    assert_eq!(got, prefixed);
    assert_eq!(out["items"][1]["external_id"], "all-errors");
}
