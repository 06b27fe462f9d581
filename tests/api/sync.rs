//! Issue 29, case 8: sync semantics that do not surprise. A nightly sync
//! re-sending an event a person deleted does not bring it back (a conflict
//! naming the deletion) unless it says `restore=true`; `If-None-Match: *`
//! never overwrites; re-proposing a link that was made is idempotent.

use serde_json::{Value, json};

use crate::both_backends;
use crate::consent::{approve, report, same_as};
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(
    a_sync_never_restores_a_deleted_event_unless_asked,
    if_none_match_star_never_overwrites,
    proposing_a_made_link_again_is_idempotent,
);

/// The viewer's count of real events (ground truth: the test's own).
async fn events(app: &TestApp) -> i64 {
    json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await["totals"]["events"]
        .as_i64()
        .unwrap()
}

async fn put(app: &TestApp, token: &str, query: &str, body: &Value) -> reqwest::Response {
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/v1/events/external/s1{query}"),
        token,
        body,
    )
    .await
}

async fn a_sync_never_restores_a_deleted_event_unless_asked(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let body = report("s1", "2025-03-10", 20, &[]);
    let id = json_of(put(&app, &police, "", &body).await, 201).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(events(&app).await, 1);
    json_of(
        app.delete(
            &format!("/api/v1/events/{id}?reason=tr%C3%B9ng%20l%E1%BA%B7p"),
            &police,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(events(&app).await, 0);
    // The nightly sync sends it again, as it was.
    let p = problem(put(&app, &police, "", &body).await, 409).await;
    let detail = p["detail"].as_str().unwrap();
    for part in ["trùng lặp", "police", "restore=true", id.as_str()] {
        assert!(detail.contains(part), "{part} missing from {detail}");
    }
    assert_eq!(events(&app).await, 0, "still deleted");
    let batch = |query: &'static str| {
        let app = &app;
        let police = police.clone();
        let body = body.clone();
        async move {
            app.post(
                &format!("/api/v1/events/batch{query}"),
                &police,
                &json!({ "items": [body] }),
            )
            .await
        }
    };
    let out = json_of(batch("?mode=upsert").await, 200).await;
    assert_eq!(out["items"][0]["status"], "conflict", "{out}");
    let why = &out["items"][0]["errors"][0];
    assert_eq!(why["field"], "items[0].external_id");
    assert!(
        why["message"].as_str().unwrap().contains("restore=true"),
        "{why}"
    );
    // A dry run says the same.
    let dry = json_of(batch("?mode=upsert&dry_run=true").await, 200).await;
    assert_eq!(dry["items"][0]["status"], "conflict", "{dry}");
    assert!(
        dry["items"][0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("restore=true")
    );
    assert_eq!(events(&app).await, 0, "still deleted after the batch");
    let p = problem(batch("?restore=true").await, 422).await;
    assert_eq!(fields(&p), ["restore"]);
    // Said plainly: restored.
    let restored = json_of(put(&app, &police, "?restore=true", &body).await, 200).await;
    assert_eq!(restored["id"], id.as_str());
    assert!(restored.get("deleted_at").is_none_or(Value::is_null));
    assert_eq!(events(&app).await, 1);
    // And through a batch.
    json_of(
        app.delete(&format!("/api/v1/events/{id}?reason=again"), &police)
            .await,
        200,
    )
    .await;
    let out = json_of(batch("?mode=upsert&restore=true").await, 200).await;
    assert_eq!(out["items"][0]["status"], "updated", "{out}");
    assert_eq!(events(&app).await, 1);
}

async fn if_none_match_star_never_overwrites(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let first = report("s1", "2025-03-10", 20, &[]);
    let mut second = first.clone();
    second["title"] = json!("another title");
    let send = |body: &Value| {
        let app = &app;
        let (police, body) = (police.clone(), body.clone());
        async move {
            app.client
                .put(app.url("/api/v1/events/external/s1"))
                .bearer_auth(&police)
                .header("If-None-Match", "*")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let created = json_of(send(&first).await, 201).await;
    problem(send(&second).await, 412).await;
    let stored = json_of(
        app.get(
            &format!("/api/v1/events/{}", created["id"].as_str().unwrap()),
            &police,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(stored["title"], first["title"]);
    assert_eq!(stored["version"], 1);
}

async fn proposing_a_made_link_again_is_idempotent(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let p = crate::consent::post(&app, &police, &report("p", "2025-03-10", 20, &[])).await;
    let w = crate::consent::post(&app, &wu, &report("w", "2025-03-10", 30, &[])).await;
    let proposed = same_as(&app, &police, &p, &w, 202).await;
    let pid = proposed["proposal"]["id"].as_str().unwrap().to_string();
    approve(&app, &wu, &pid, 200).await;
    assert_eq!(events(&app).await, 1, "one real event");
    // The sync job runs again: the same pair, from either side.
    let again = same_as(&app, &police, &p, &w, 200).await;
    assert!(again["proposal"].is_null(), "{again}");
    let mut linked: Vec<String> = again["same_as"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    linked.sort();
    let mut both = vec![p.clone(), w.clone()];
    both.sort();
    assert_eq!(linked, both);
    same_as(&app, &wu, &w, &p, 200).await;
    assert_eq!(events(&app).await, 1);
}
