//! Full or read-only storage: writes answer 503 with `Retry-After` and
//! write nothing, `/readyz` says not ready, and both recover when the
//! storage does. SQLite's `max_page_count` stands in for a full disk;
//! PostgreSQL's read-only default for a read-only server.

use serde_json::{Value, json};

use crate::both_backends;
use crate::events::event;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(a_full_or_read_only_database_answers_503_and_writes_nothing);
both_backends!(
    settings = |s| s.min_free_disk_bytes = u64::MAX;
    readiness_counts_free_disk_space
);

async fn live_events(app: &TestApp, admin: &str) -> usize {
    json_of(app.get("/api/v1/events?limit=500", admin).await, 200).await["items"]
        .as_array()
        .unwrap()
        .len()
}

fn many(prefix: &str, n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let mut e = event(&format!("{prefix}-{i}"));
            e["description"] = json!("x".repeat(2000));
            e
        })
        .collect();
    json!({ "items": items })
}

async fn a_full_or_read_only_database_answers_503_and_writes_nothing(app: TestApp) {
    app.seed_test_areas();
    // Tokens are stored rows: issue them while the database can write.
    let (token, admin) = (app.agency("police"), app.admin());
    json_of(
        app.post("/api/v1/events/batch", &token, &many("before", 3))
            .await,
        200,
    )
    .await;
    assert_eq!(live_events(&app, &admin).await, 3);
    app.storage_full(true);
    let resp = app
        .post("/api/v1/events/batch", &token, &many("during", 200))
        .await;
    let retry = resp.headers().get("retry-after").cloned();
    let p = problem(resp, 503).await;
    assert!(retry.is_some(), "503 carries Retry-After");
    assert!(
        p["detail"].as_str().unwrap().contains("full or read-only"),
        "{p}"
    );
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    assert!(ready.headers().get("retry-after").is_some());
    assert_eq!(
        live_events(&app, &admin).await,
        3,
        "nothing of the batch was written"
    );
    app.storage_full(false);
    json_of(
        app.post("/api/v1/events/batch", &token, &many("after", 200))
            .await,
        200,
    )
    .await;
    assert_eq!(live_events(&app, &admin).await, 203);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
}

async fn readiness_counts_free_disk_space(app: TestApp) {
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    if app.db == crate::helpers::Db::Postgres {
        // The server's disk is PostgreSQL's business: ready while it writes.
        assert_eq!(ready.status().as_u16(), 200);
    } else {
        let p = problem(ready, 503).await;
        assert!(p["detail"].as_str().unwrap().contains("MiB free"), "{p}");
    }
}
