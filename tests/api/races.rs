//! Races driven with real parallel requests, many rounds each, on both
//! databases: no interleaving may lose an update, undo a delete or split a
//! real event. Each round checks the final state against what the requests
//! were told, and the audit chain (every record's `before` is the previous
//! record's `after`).

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::both_backends;
use crate::events::event;
use crate::helpers::{TestApp, json as json_of};

both_backends!(
    parallel_puts_with_one_if_match_update_once,
    parallel_upserts_with_if_match_any_all_apply_in_turn,
    a_stale_put_cannot_undo_a_concurrent_delete,
    parallel_links_to_one_report_make_one_real_event,
    a_confirmation_racing_a_figure_change_never_confirms_unseen_figures,
    link_changes_racing_writes_to_linked_reports_keep_groups_whole,
);

/// Rounds per race; `CT_RACE_ROUNDS` raises it (the issue asks for 50 in a
/// row on PostgreSQL: `CT_RACE_ROUNDS=50 cargo test --test api races`).
fn rounds() -> usize {
    std::env::var("CT_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}
const WRITERS: usize = 6;

/// Every audit record of one event, oldest first.
async fn audit_chain(app: &TestApp, id: &str) -> Vec<Value> {
    let page = json_of(
        app.get(
            &format!("/api/v1/audit?entity=event&entity_id={id}&limit=500"),
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    let mut items = page["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

/// Each record's `before` is the previous record's `after`.
fn assert_chained(chain: &[Value]) {
    for pair in chain.windows(2) {
        assert_eq!(
            pair[1]["before"], pair[0]["after"],
            "audit record {} does not start where {} ended",
            pair[1]["id"], pair[0]["id"]
        );
    }
}

async fn put(app: &TestApp, token: &str, id: &str, version: i64, body: &Value) -> u16 {
    app.client
        .put(app.url(&format!("/api/v1/events/{id}")))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn parallel_puts_with_one_if_match_update_once(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let created = json_of(
        app.post("/api/v1/events", &token, &event("race-put")).await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    for round in 0..rounds() {
        let version = round as i64 + 1;
        let bodies: Vec<Value> = (0..WRITERS)
            .map(|w| {
                let mut b = event("race-put");
                b["title"] = json!(format!("round {round} writer {w}"));
                b
            })
            .collect();
        let statuses = join_all(bodies.iter().map(|b| put(&app, &token, &id, version, b))).await;
        let winners: Vec<usize> = (0..WRITERS).filter(|w| statuses[*w] == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: statuses {statuses:?}");
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 412),
            "round {round}: {statuses:?}"
        );
        let now = json_of(app.get(&format!("/api/v1/events/{id}"), &token).await, 200).await;
        assert_eq!(now["version"], version + 1, "round {round}");
        assert_eq!(now["title"], bodies[winners[0]]["title"], "round {round}");
    }
    let chain = audit_chain(&app, &id).await;
    assert_eq!(
        chain.len(),
        1 + rounds(),
        "one create and one update per round"
    );
    assert_chained(&chain);
}

async fn a_stale_put_cannot_undo_a_concurrent_delete(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    for round in 0..rounds() {
        let ext = format!("race-del-{round}");
        let created = json_of(app.post("/api/v1/events", &token, &event(&ext)).await, 201).await;
        let id = created["id"].as_str().unwrap().to_string();
        let mut body = event(&ext);
        body["title"] = json!("stale edit");
        let delete_path = format!("/api/v1/events/{id}?reason=duplicate");
        let (put_status, delete) = futures_util::join!(
            put(&app, &token, &id, 1, &body),
            app.delete(&delete_path, &token)
        );
        assert_eq!(delete.status().as_u16(), 200, "round {round}");
        assert!(
            put_status == 200 || put_status == 412,
            "round {round}: {put_status}"
        );
        // Whatever the order, the event ends deleted and no longer counts.
        let page = json_of(
            app.get("/api/v1/events?include_deleted=true&limit=500", &token)
                .await,
            200,
        )
        .await;
        let stored = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id.as_str())
            .unwrap()
            .clone();
        assert!(stored["deleted_at"].is_string(), "round {round}: {stored}");
        let expected_version = if put_status == 200 { 3 } else { 2 };
        assert_eq!(stored["version"], expected_version, "round {round}");
        let chain = audit_chain(&app, &id).await;
        assert_eq!(chain.last().unwrap()["action"], "delete", "round {round}");
        assert_chained(&chain);
    }
}

async fn parallel_links_to_one_report_make_one_real_event(app: TestApp) {
    app.seed_test_areas();
    let agencies = ["police", "womens-union", "labour"];
    let tokens: Vec<String> = agencies.iter().map(|a| app.agency(a)).collect();
    let viewer = app.viewer();
    for round in 0..rounds() {
        // Each round's three reports of one real event on a day of their own.
        let day = (chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()
            + chrono::Duration::days(round as i64))
        .to_string();
        let mut ids = Vec::new();
        for (a, t) in agencies.iter().zip(&tokens) {
            let mut e = event(&format!("race-link-{a}-{round}"));
            e["start_date"] = json!(day);
            e["end_date"] = json!(day);
            let created = json_of(app.post("/api/v1/events", t, &e).await, 201).await;
            ids.push(created["id"].as_str().unwrap().to_string());
        }
        // Two admins (who speak for every agency, so links take effect at
        // once) link police's report and labour's to the women's union's.
        let path = |from: usize| format!("/api/v1/events/{}/same-as", ids[from]);
        let (police_path, labour_path) = (path(0), path(2));
        let body = json!({"other_id": ids[1]});
        let (admin1, admin2) = (app.admin(), app.admin());
        let (a, c) = futures_util::join!(
            app.post(&police_path, &admin1, &body),
            app.post(&labour_path, &admin2, &body)
        );
        assert_eq!(a.status().as_u16(), 200, "round {round}");
        assert_eq!(c.status().as_u16(), 200, "round {round}");
        let slice = json_of(
            app.get(&format!("/api/v1/aggregates?from={day}&to={day}"), &viewer)
                .await,
            200,
        )
        .await;
        assert_eq!(
            slice["totals"]["events"], 1,
            "round {round}: three linked reports are one real event: {slice}"
        );
    }
}

async fn parallel_upserts_with_if_match_any_all_apply_in_turn(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let created = json_of(
        app.post("/api/v1/events", &token, &event("race-any")).await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    for round in 0..rounds() {
        let bodies: Vec<Value> = (0..WRITERS)
            .map(|w| {
                let mut b = event("race-any");
                b["title"] = json!(format!("round {round} writer {w}"));
                b
            })
            .collect();
        // `*` asks only that the event exists: every write applies, one
        // after the other, none is refused for a version it never named.
        let statuses = join_all(bodies.iter().map(|b| async {
            app.client
                .put(app.url("/api/v1/events/external/race-any"))
                .bearer_auth(&token)
                .header("If-Match", "*")
                .json(b)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }))
        .await;
        assert!(
            statuses.iter().all(|s| *s == 200),
            "round {round}: {statuses:?}"
        );
        let now = json_of(app.get(&format!("/api/v1/events/{id}"), &token).await, 200).await;
        assert_eq!(
            now["version"],
            1 + (round as i64 + 1) * WRITERS as i64,
            "round {round}"
        );
    }
    let chain = audit_chain(&app, &id).await;
    assert_eq!(chain.len(), 1 + rounds() * WRITERS);
    assert_chained(&chain);
}

async fn a_confirmation_racing_a_figure_change_never_confirms_unseen_figures(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let women = app.agency("womens-union");
    for round in 0..rounds() {
        let mut e = event(&format!("race-claim-{round}"));
        e["co_organizers"] = json!(["womens-union"]);
        let created = json_of(app.post("/api/v1/events", &police, &e).await, 201).await;
        let id = created["id"].as_str().unwrap().to_string();
        // The women's union confirms version 1 while police raises the headcount.
        let mut changed = e.clone();
        changed["attendance"]["total"] = json!(999);
        let confirm = app
            .client
            .post(app.url(&format!("/api/v1/events/{id}/claims/womens-union/confirm")))
            .bearer_auth(&women)
            .header("If-Match", "\"1\"")
            .send();
        let (c, p) = futures_util::join!(confirm, put(&app, &police, &id, 1, &changed));
        let c = c.unwrap().status().as_u16();
        assert_eq!(p, 200, "round {round}");
        // Either the confirmation came first (and the change asked again) or
        // it named a version that was gone (412): never confirmed at 999.
        assert!(c == 200 || c == 412, "round {round}: confirm answered {c}");
        let stored = json_of(app.get(&format!("/api/v1/events/{id}"), &police).await, 200).await;
        assert_eq!(stored["attendance"]["total"], 999, "round {round}");
        assert_eq!(
            stored["claims"][0]["status"], "pending",
            "round {round}: {stored}"
        );
        let chain = audit_chain(&app, &id).await;
        assert_chained(&chain);
    }
}

/// The real events of `ids` as the service groups them (admin view), checked
/// for consistency: each report is in its own group and groups agree.
async fn groups_of(app: &TestApp, ids: &[String]) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    for id in ids {
        let g = json_of(
            app.get(&format!("/api/v1/events/{id}/same-as"), &app.admin())
                .await,
            200,
        )
        .await;
        let mut members: Vec<String> = g["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        members.sort();
        assert!(members.contains(id), "{id} is in its own group: {g}");
        if !groups.contains(&members) {
            for other in &groups {
                assert!(
                    other.iter().all(|m| !members.contains(m)),
                    "overlapping groups {other:?} and {members:?}"
                );
            }
            groups.push(members);
        }
    }
    groups
}

/// A write to a linked report has to change links (its figures changed, or
/// it was deleted) while an admin links a third report to it: whatever the
/// order, the links table and the groups agree, and aggregates count one
/// real event per group.
async fn link_changes_racing_writes_to_linked_reports_keep_groups_whole(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let agencies = ["police", "womens-union", "labour"];
    let tokens: Vec<String> = agencies.iter().map(|a| app.agency(a)).collect();
    let admin = app.admin();
    for round in 0..rounds() {
        let day = (chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
            + chrono::Duration::days(round as i64))
        .to_string();
        let mut ids = Vec::new();
        let mut bodies = Vec::new();
        for (a, t) in agencies.iter().zip(&tokens) {
            let mut e = event(&format!("race-group-{a}-{round}"));
            e["start_date"] = json!(day);
            e["end_date"] = json!(day);
            let created = json_of(app.post("/api/v1/events", t, &e).await, 201).await;
            ids.push(created["id"].as_str().unwrap().to_string());
            bodies.push(e);
        }
        json_of(
            app.post(
                &format!("/api/v1/events/{}/same-as", ids[0]),
                &admin,
                &json!({"other_id": ids[1]}),
            )
            .await,
            200,
        )
        .await;
        let (link_path, link_body) = (
            format!("/api/v1/events/{}/same-as", ids[2]),
            json!({"other_id": ids[0]}),
        );
        let link = app.post(&link_path, &admin, &link_body);
        let deleting = round % 2 == 1;
        let write = async {
            if deleting {
                app.delete(&format!("/api/v1/events/{}?reason=race", ids[0]), &police)
                    .await
                    .status()
                    .as_u16()
            } else {
                let mut changed = bodies[0].clone();
                changed["attendance"]["total"] = json!(500 + round);
                put(&app, &police, &ids[0], 1, &changed).await
            }
        };
        let (l, w) = futures_util::join!(link, write);
        let l = l.status().as_u16();
        assert_eq!(w, 200, "round {round}");
        // Linking to a report deleted first is refused (422: no such event); otherwise it links.
        assert!(
            l == 200 || (deleting && l == 422),
            "round {round}: link answered {l}"
        );
        let live: Vec<String> = if deleting {
            ids[1..].to_vec()
        } else {
            ids.clone()
        };
        let groups = groups_of(&app, &live).await;
        let slice = json_of(
            app.get(
                &format!("/api/v1/aggregates?from={day}&to={day}"),
                &app.viewer(),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(
            slice["totals"]["events"],
            groups.len(),
            "round {round}: one real event per group {groups:?}"
        );
        if deleting {
            assert_eq!(
                groups.len(),
                2,
                "round {round}: the deleted report held the group together"
            );
        }
    }
}
