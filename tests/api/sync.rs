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
    batch_items_may_be_deletions,
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

/// A sync job sends deletions in its batches: each is answered in order
/// (`deleted`, `unchanged` when already deleted, `invalid` for an unknown
/// id or a missing reason, `conflict` when another item writes the same
/// id), and the figures follow (ground truth: the events left).
async fn batch_items_may_be_deletions(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let batch = |items: Value, query: &'static str| {
        let app = &app;
        let police = police.clone();
        async move {
            json_of(
                app.post(
                    &format!("/api/v1/events/batch{query}"),
                    &police,
                    &json!({ "items": items }),
                )
                .await,
                200,
            )
            .await
        }
    };
    let (a1, a2, a3) = (
        report("a1", "2025-03-10", 10, &[]),
        report("a2", "2025-03-11", 10, &[]),
        report("a3", "2025-03-12", 10, &[]),
    );
    let out = batch(json!([a1, a2, a3]), "").await;
    assert_eq!(out["summary"]["created"], 3);
    assert_eq!(events(&app).await, 3);
    // A dry run says what it would do and deletes nothing.
    let dry = batch(
        json!([{"delete": {"external_id": "a1", "reason": "trùng"}}]),
        "?dry_run=true",
    )
    .await;
    assert_eq!(dry["items"][0]["status"], "deleted");
    assert_eq!(events(&app).await, 3);
    let out = batch(
        json!([
            {"delete": {"external_id": "a1", "reason": "nhập trùng"}},
            {"delete": {"external_id": "nope", "reason": "x"}},
            {"delete": {"external_id": "a2"}},
            a3.clone(),
            {"delete": {"external_id": "a3", "reason": "x"}},
        ]),
        "",
    )
    .await;
    let statuses: Vec<&str> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["deleted", "invalid", "invalid", "unchanged", "conflict"],
        "{out}"
    );
    assert_eq!(
        out["items"][1]["errors"][0]["field"],
        "items[1].delete.external_id"
    );
    assert!(
        out["items"][2]["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("items[2].delete"),
        "{out}"
    );
    assert_eq!(out["summary"]["deleted"], 1);
    assert_eq!(events(&app).await, 2, "a1 deleted; a2 and a3 stay");
    // The deletion is the same as DELETE: its reason is kept.
    let listed = json_of(
        app.get("/api/v1/events?include_deleted=true", &police)
            .await,
        200,
    )
    .await;
    let a1 = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["external_id"] == "a1")
        .unwrap()
        .clone();
    assert!(a1["deleted_at"].is_string(), "{a1}");
    // Deleting it again: unchanged.
    let again = batch(
        json!([{"delete": {"external_id": "a1", "reason": "again"}}]),
        "",
    )
    .await;
    assert_eq!(again["items"][0]["status"], "unchanged");
}
