//! Health, readiness, OpenAPI, Swagger UI and the error model.

use crate::both_backends;
use crate::helpers::{Db, TestApp, json, problem};

both_backends!(
    health_is_ok_without_a_token,
    openapi_document_is_served_and_matches_the_committed_file,
    swagger_ui_is_served_locally,
    unknown_route_is_a_problem_404,
    wrong_method_is_405_with_allow,
    security_headers_are_set,
);

// A small pool and a short wait, so holding every connection is quick.
both_backends!(
    settings = |s| {
        s.pool_size = 2;
        s.db_timeout = std::time::Duration::from_millis(500);
    };
    readiness_checks_the_database,
);

async fn health_is_ok_without_a_token(app: TestApp) {
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(json(resp, 200).await["status"], "ok");
}

/// Readiness asks the database for a connection: with every pooled
/// connection held it gives up after the configured wait with a 503 the
/// client can retry, and answers 200 again once they are released.
async fn readiness_checks_the_database(app: TestApp) {
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(json(resp, 200).await["status"], "ok");

    let held: Vec<_> = (0..app.settings.pool_size)
        .map(|_| app.state.pool.get().unwrap())
        .collect();
    let started = std::time::Instant::now();
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert!(resp.headers().get("retry-after").is_some());
    problem(resp, 503).await;
    assert!(started.elapsed() >= app.settings.db_timeout);
    assert!(started.elapsed() < app.settings.db_timeout * 3);

    drop(held);
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(json(resp, 200).await["status"], "ok");
}

/// Readiness notices a database that does not answer at all: with the
/// PostgreSQL database refusing sessions (and its open ones ended) it is 503,
/// and it comes back by itself once sessions are allowed again.
#[actix_web::test]
async fn readiness_is_503_while_postgresql_refuses_connections() {
    let Some(app) = TestApp::spawn_with(Db::Postgres, |s| {
        s.pool_size = 2;
        s.db_timeout = std::time::Duration::from_millis(500);
    })
    .await
    else {
        return;
    };
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(json(resp, 200).await["status"], "ok");

    app.refuse_pg_connections(true);
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert!(resp.headers().get("retry-after").is_some());
    problem(resp, 503).await;

    app.refuse_pg_connections(false);
    let started = std::time::Instant::now();
    loop {
        let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
        if resp.status() == 200 {
            assert_eq!(json(resp, 200).await["status"], "ok");
            break;
        }
        problem(resp, 503).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "not ready again after sessions were allowed"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn openapi_document_is_served_and_matches_the_committed_file(app: TestApp) {
    let resp = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    let served = json(resp, 200).await;
    assert_eq!(served["openapi"], "3.1.0");
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    // Every operation says what it does.
    for (path, item) in served["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["description"].is_string() || op["summary"].is_string(),
                "{method} {path} undocumented"
            );
        }
    }
}

async fn swagger_ui_is_served_locally(app: TestApp) {
    let resp = app.client.get(app.url("/docs")).send().await.unwrap();
    assert!(resp.status().is_redirection());
    assert_eq!(resp.headers()["location"], "/docs/");
    let resp = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    // Everything the page loads comes from the service itself.
    for needle in ["https://", "http://", "//cdn", "unpkg", "jsdelivr"] {
        let external = html
            .split(['"', '\''])
            .any(|s| s.starts_with(needle) && !s.contains("127.0.0.1"));
        assert!(
            !external,
            "the page references an external resource ({needle})"
        );
    }
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let resp = app
            .client
            .get(app.url(&format!("/docs/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{asset}");
    }
    let init = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"));
}

async fn unknown_route_is_a_problem_404(app: TestApp) {
    let resp = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    problem(resp, 404).await;
}

async fn wrong_method_is_405_with_allow(app: TestApp) {
    let resp = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "GET");
    problem(resp, 405).await;
}

async fn security_headers_are_set(app: TestApp) {
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
}
