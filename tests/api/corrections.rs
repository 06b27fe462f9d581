//! Corrections that keep what is not sent (issue 32): a merge patch changes
//! a headcount and keeps the identified participants (a `PUT` without them
//! removed them, and raw identifiers cannot be recovered); participants are
//! added and removed by typing them again; both need `If-Match` and have
//! the consent effects of a `PUT`.

use serde_json::{Value, json};

use crate::events::{confirm, event};
use crate::helpers::{TestApp, fields, json as json_of, problem};

crate::both_backends!(
    a_merge_patch_changes_a_headcount_and_keeps_the_people,
    participants_are_added_and_removed_by_typing_them_again,
    a_merge_patch_is_checked_like_a_whole_event,
);

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    content_type: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body.to_string());
    if let Some(v) = if_match {
        req = req.header("If-Match", v);
    }
    req.send().await.unwrap()
}

async fn patch(
    app: &TestApp,
    id: &str,
    token: &str,
    version: i64,
    body: &Value,
) -> reqwest::Response {
    send(
        app,
        reqwest::Method::PATCH,
        &format!("/api/v1/events/{id}"),
        token,
        "application/merge-patch+json",
        Some(&format!("\"{version}\"")),
        body,
    )
    .await
}

async fn participants(
    app: &TestApp,
    id: &str,
    token: &str,
    version: i64,
    body: &Value,
) -> reqwest::Response {
    send(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/events/{id}/participants"),
        token,
        "application/json",
        Some(&format!("\"{version}\"")),
        body,
    )
    .await
}

async fn people(app: &TestApp) -> (i64, i64) {
    let t = &json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await["totals"];
    (
        t["unique_participants"].as_i64().unwrap(),
        t["attendances"].as_i64().unwrap(),
    )
}

/// The clerk's correction: 40 becomes 52; the event's two identified people
/// stay (the `event` helper sends three identifiers, two of them one phone).
async fn a_merge_patch_changes_a_headcount_and_keeps_the_people(app: TestApp) {
    app.seed_test_areas();
    let (wu, police) = (app.agency("womens-union"), app.agency("police"));
    let mut body = event("fix-1");
    body["co_organizers"] = json!(["police"]);
    let created = json_of(app.post("/api/v1/events", &wu, &body).await, 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["participants_identified"], 2);
    confirm(&app, &police, &id, "police", 1).await;
    assert_eq!(people(&app).await, (2, 40));
    // Without If-Match: 428; with a stale one: 412; participants: 422.
    let no_tag = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/events/{id}"),
        &wu,
        "application/merge-patch+json",
        None,
        &json!({"title": "x"}),
    )
    .await;
    assert_eq!(no_tag.status().as_u16(), 428);
    problem(patch(&app, &id, &wu, 9, &json!({"title": "x"})).await, 412).await;
    let p = problem(
        patch(&app, &id, &wu, 1, &json!({"participants": []})).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["participants"]);
    // Another agency's event does not exist for it.
    problem(
        patch(&app, &id, &app.agency("labour"), 1, &json!({"title": "x"})).await,
        404,
    )
    .await;
    // The correction: only the total is sent.
    let resp = patch(&app, &id, &wu, 1, &json!({"attendance": {"total": 52}})).await;
    assert_eq!(resp.headers()["etag"], "\"2\"");
    let out = json_of(resp, 200).await;
    assert_eq!(out["attendance"]["total"], 52);
    // Members not sent stay: the other headcounts, the people, the rest.
    assert_eq!(out["attendance"]["female"], 30);
    assert_eq!(out["participants_identified"], 2);
    assert_eq!(out["title"], body["title"]);
    assert_eq!(
        out["topics"],
        json!(["human_trafficking", "safe_migration"])
    );
    assert_eq!(people(&app).await, (2, 52));
    // A figure changed: the co-organiser is asked again, as after a PUT.
    assert_eq!(out["claims"][0]["status"], "pending");
    // `null` removes an optional member; a title change keeps a confirmation.
    confirm(&app, &police, &id, "police", 2).await;
    let out = json_of(
        patch(
            &app,
            &id,
            &wu,
            2,
            &json!({"title": "Lớp tập huấn (sửa)", "description": null}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["version"], 3);
    assert_eq!(out["claims"][0]["status"], "confirmed");
    assert_eq!(out["participants_identified"], 2);
    // The same patch again changes nothing.
    let again = json_of(
        patch(&app, &id, &wu, 3, &json!({"title": "Lớp tập huấn (sửa)"})).await,
        200,
    )
    .await;
    assert_eq!(again["version"], 3);
    // The audit log has the change, never an identifier.
    let audit = json_of(
        app.get(
            &format!("/api/v1/audit?entity=event&entity_id={id}"),
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    let text = audit.to_string();
    assert!(!text.contains("001203004005") && !text.contains("912345678"));
    // A PUT without the participants still replaces the whole event (it is
    // the call for systems that send whole events), and says so.
    let mut whole = body.clone();
    whole["participants"] = json!([]);
    whole["title"] = json!("Lớp tập huấn (sửa)");
    let resp = send(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/events/{id}"),
        &wu,
        "application/json",
        Some("\"3\""),
        &whole,
    )
    .await;
    assert_eq!(json_of(resp, 200).await["participants_identified"], 0);
}

async fn participants_are_added_and_removed_by_typing_them_again(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    let created = json_of(app.post("/api/v1/events", &wu, &event("fix-2")).await, 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    // Added as typed on paper (spaces, another spelling of the same phone:
    // it is already there), removed by the number typed again.
    let out = json_of(
        participants(
            &app,
            &id,
            &wu,
            1,
            &json!({"add": [{"id_type": "citizen_id", "value": "001 203 004 006"},
                            {"id_type": "phone", "value": "(091) 234-5678"}],
                    "remove": [{"id_type": "citizen_id", "value": "001203004005"}]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["participants_identified"], 2, "{out}");
    assert_eq!(out["version"], 2);
    assert_eq!(out["attendance"]["total"], 40, "the headcount stays");
    assert_eq!(people(&app).await, (2, 40));
    // The removed person is gone from the figures; the added one counts
    // once with another event holding them.
    let mut other = event("fix-3");
    other["participants"] = json!([{"id_type": "citizen_id", "value": "001203004006"}]);
    json_of(app.post("/api/v1/events", &wu, &other).await, 201).await;
    assert_eq!(people(&app).await.0, 2);
    // Someone not at the event cannot be removed: 422 naming the entry, and
    // nothing changes; a malformed number is named, never echoed.
    let p = problem(
        participants(
            &app,
            &id,
            &wu,
            2,
            &json!({"remove": [{"id_type": "citizen_id", "value": "001299999999"}],
                    "add": [{"id_type": "citizen_id", "value": "12AB"}]}),
        )
        .await,
        422,
    )
    .await;
    let mut f = fields(&p);
    f.sort();
    assert_eq!(f, ["add[0].value", "remove[0]"], "{p}");
    assert!(!p.to_string().contains("12AB") && !p.to_string().contains("001299999999"));
    // More people than the headcount: 422 on the total.
    let many: Vec<Value> = (0..45)
        .map(|i| json!({"id_type": "citizen_id", "value": format!("0012{i:08}")}))
        .collect();
    let p = problem(
        participants(&app, &id, &wu, 2, &json!({"add": many})).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["attendance.total"], "{p}");
    // A stale version: 412; nothing: unchanged.
    problem(
        participants(&app, &id, &wu, 1, &json!({"add": []})).await,
        412,
    )
    .await;
    let same = json_of(participants(&app, &id, &wu, 2, &json!({})).await, 200).await;
    assert_eq!(same["version"], 2);
}

async fn a_merge_patch_is_checked_like_a_whole_event(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    let created = json_of(app.post("/api/v1/events", &wu, &event("fix-4")).await, 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    for (patch_body, expected) in [
        (
            json!({"attendance": {"total": 1}}),
            vec!["attendance", "attendance.total", "attendance.under_18"],
        ),
        (
            json!({"attendance": {"total": 1, "female": null, "male": null, "under_18": null}}),
            vec!["attendance.total"],
        ),
        (
            json!({"kind": "media_broadcast"}),
            vec!["attendance", "audience", "kind"],
        ),
        (json!({"external_id": "other"}), vec!["external_id"]),
        (json!({"topics": []}), vec!["topics"]),
        (
            json!({"sessions": 0, "surprise": 1}),
            vec!["sessions", "surprise"],
        ),
    ] {
        let p = problem(patch(&app, &id, &wu, 1, &patch_body).await, 422).await;
        let mut f = fields(&p);
        f.sort();
        assert_eq!(f, expected, "{patch_body}: {p}");
    }
    // Not a JSON object, or the wrong media type.
    problem(patch(&app, &id, &wu, 1, &json!([1])).await, 422).await;
    let resp = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/events/{id}"),
        &wu,
        "text/plain",
        Some("\"1\""),
        &json!({}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 415);
    // Nothing changed.
    let now = json_of(app.get(&format!("/api/v1/events/{id}"), &wu).await, 200).await;
    assert_eq!(now["version"], 1);
    // A tally's sessions and declared people by patch.
    let out = json_of(
        patch(
            &app,
            &id,
            &wu,
            1,
            &json!({"sessions": 4, "attendance": {"declared_people": 12}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            out["sessions"].clone(),
            out["attendance"]["declared_people"].clone()
        ),
        (json!(4), json!(12))
    );
    assert_eq!(out["participants_identified"], 2);
}
