//! Consent between agencies (issue 13): each attack an agency could make on
//! another's figures, tried with real tokens on both databases, and shown
//! to change nobody's figures or reveal anything. The expected figures are
//! written out by hand from the events each test posts.

use serde_json::{Value, json};

use crate::both_backends;
use crate::events::{confirm, event};
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    a_claim_counts_for_the_named_agency_only_once_it_confirms,
    a_link_needs_every_affected_agency_and_deletes_regroup,
    agency_aggregates_cannot_probe_other_agencies_participants,
    routes_answer_alike_for_invisible_and_missing_events,
    batches_and_upserts_follow_the_same_consent_rules,
    proposals_are_listed_in_pages_to_the_agencies_involved,
);

/// An event on `day` with `total` attendees and the given citizen ids.
pub(crate) fn report(ext: &str, day: &str, total: i64, citizens: &[&str]) -> Value {
    let mut e = event(ext);
    e["start_date"] = json!(day);
    e["end_date"] = json!(day);
    e["attendance"] = json!({ "total": total });
    e["participants"] = citizens
        .iter()
        .map(|c| json!({"id_type": "citizen_id", "value": c}))
        .collect();
    e
}

/// The viewer's `group_by=agency` row of `agency` (attendances, events).
pub(crate) async fn agency_row(app: &TestApp, query: &str, agency: &str) -> (i64, i64) {
    let a = json_of(
        app.get(
            &format!("/api/v1/aggregates?group_by=agency{query}"),
            &app.viewer(),
        )
        .await,
        200,
    )
    .await;
    a["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == agency)
        .map(|r| {
            (
                r["attendances"].as_i64().unwrap(),
                r["events"].as_i64().unwrap(),
            )
        })
        .unwrap_or((0, 0))
}

pub(crate) async fn totals(app: &TestApp, query: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/aggregates?{query}"), &app.viewer())
            .await,
        200,
    )
    .await["totals"]
        .clone()
}

async fn ids_listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    json_of(
        app.get(&format!("/api/v1/events?limit=500{query}"), token)
            .await,
        200,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// Links (or proposes to link) report `from` to `other` as `token`.
pub(crate) async fn same_as(
    app: &TestApp,
    token: &str,
    from: &str,
    other: &str,
    status: u16,
) -> Value {
    let body = json!({ "other_id": other });
    json_of(
        app.post(&format!("/api/v1/events/{from}/same-as"), token, &body)
            .await,
        status,
    )
    .await
}

/// The revision of link proposal `id` as `token` reads it now.
pub(crate) async fn revision(app: &TestApp, token: &str, id: &str) -> i64 {
    let resp = app
        .get(&format!("/api/v1/link-proposals/{id}"), token)
        .await;
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let p = json_of(resp, 200).await;
    assert_eq!(etag, format!("\"{}\"", p["revision"]));
    p["revision"].as_i64().unwrap()
}

/// Approves link proposal `id` as `token` at `revision`.
pub(crate) async fn approve_at(
    app: &TestApp,
    token: &str,
    id: &str,
    revision: i64,
    status: u16,
) -> Value {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/link-proposals/{id}/approve")))
        .bearer_auth(token)
        .header("If-Match", format!("\"{revision}\""))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    json_of(resp, status).await
}

/// Approves link proposal `id` as `token`, at the revision it reads first.
pub(crate) async fn approve(app: &TestApp, token: &str, id: &str, status: u16) -> Value {
    let rev = revision(app, token, id).await;
    approve_at(app, token, id, rev, status).await
}

pub(crate) async fn post(app: &TestApp, token: &str, body: &Value) -> String {
    json_of(app.post("/api/v1/events", token, body).await, 201).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) async fn put_by_id(
    app: &TestApp,
    token: &str,
    id: &str,
    version: i64,
    body: &Value,
) -> Value {
    let resp = app
        .client
        .put(app.url(&format!("/api/v1/events/{id}")))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap();
    json_of(resp, 200).await
}

/// Attack 1: police names the women's union on a 1,000,000-person event.
async fn a_claim_counts_for_the_named_agency_only_once_it_confirms(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, labour) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("labour"),
    );
    let own = post(&app, &wu, &report("wu-own", "2024-03-08", 30, &[])).await;
    let mut big = report("claim", "2024-03-08", 1_000_000, &[]);
    big["co_organizers"] = json!(["womens-union"]);
    let claim = post(&app, &police, &big).await;

    // Pending: the women's union's row, list and reads are untouched; the
    // event counts once in the totals and in the police's row.
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));
    assert_eq!(agency_row(&app, "", "police").await, (1_000_000, 1));
    assert_eq!(totals(&app, "").await["attendances"], 1_000_030);
    assert_eq!(ids_listed(&app, &wu, "").await, vec![own.clone()]);
    problem(app.get(&format!("/api/v1/events/{claim}"), &wu).await, 404).await;
    let agg = json_of(
        app.get("/api/v1/aggregates?agency=womens-union", &app.viewer())
            .await,
        200,
    )
    .await;
    assert_eq!(agg["totals"]["attendances"], 30);

    // It sees the claim waiting for it, with the figures it is asked to agree to.
    let waiting = json_of(app.get("/api/v1/claims?status=pending", &wu).await, 200).await;
    let items = waiting["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["event"]["id"], claim.as_str());
    assert_eq!(items[0]["event"]["attendance"]["total"], 1_000_000);
    assert!(
        json_of(app.get("/api/v1/claims", &labour).await, 200).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    problem(
        app.get("/api/v1/claims?agency=womens-union", &police).await,
        403,
    )
    .await;

    // Nobody else can answer for it: not the reporter, not a third agency.
    for (token, agency) in [
        (&police, "womens-union"),
        (&labour, "womens-union"),
        (&labour, "labour"),
    ] {
        let resp = app
            .client
            .post(app.url(&format!("/api/v1/events/{claim}/claims/{agency}/confirm")))
            .bearer_auth(token)
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        problem(resp, 404).await;
    }
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));

    // A confirmation needs If-Match (the figures it agrees to): 428, 412.
    let url = app.url(&format!(
        "/api/v1/events/{claim}/claims/womens-union/confirm"
    ));
    let resp = app.client.post(&url).bearer_auth(&wu).send().await.unwrap();
    problem(resp, 428).await;
    let resp = app
        .client
        .post(&url)
        .bearer_auth(&wu)
        .header("If-Match", "\"7\"")
        .send()
        .await
        .unwrap();
    problem(resp, 412).await;

    // It declines: nothing of it counts for the women's union.
    let declined = json_of(
        app.post(
            &format!("/api/v1/events/{claim}/claims/womens-union/decline"),
            &wu,
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));
    // The reporter re-sending the same claim with other figures changes nothing.
    let mut bigger = big.clone();
    bigger["attendance"]["total"] = json!(2_000_000);
    let after = put_by_id(&app, &police, &claim, 1, &bigger).await;
    assert_eq!(after["claims"][0]["status"], "declined");
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));

    // A real joint event: confirmed at version 1, it counts for both.
    let mut joint = report("joint", "2024-03-08", 50, &[]);
    joint["co_organizers"] = json!(["womens-union"]);
    let joint_id = post(&app, &police, &joint).await;
    let out = confirm(&app, &wu, &joint_id, "womens-union", 1).await;
    assert_eq!(out["status"], "confirmed");
    assert_eq!(agency_row(&app, "", "womens-union").await, (80, 2));
    json_of(
        app.get(&format!("/api/v1/events/{joint_id}"), &wu).await,
        200,
    )
    .await;
    assert!(ids_listed(&app, &wu, "").await.contains(&joint_id));
    // A title change keeps the confirmation; a headcount change asks again.
    let mut retitled = joint.clone();
    retitled["title"] = json!("Họp dân liên ngành");
    let v2 = put_by_id(&app, &police, &joint_id, 1, &retitled).await;
    assert_eq!(v2["claims"][0]["status"], "confirmed");
    assert_eq!(agency_row(&app, "", "womens-union").await, (80, 2));
    for change in [
        json!({"attendance": {"total": 5000}}),
        json!({"start_date": "2024-03-07"}),
        json!({"area_code": "99001"}),
        json!({"participants": [{"id_type": "citizen_id", "value": "001203004099"}]}),
    ] {
        let current = json_of(
            app.get(&format!("/api/v1/events/{joint_id}"), &police)
                .await,
            200,
        )
        .await;
        let version = current["version"].as_i64().unwrap();
        confirm(&app, &wu, &joint_id, "womens-union", version).await;
        let mut body = joint.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let changed = put_by_id(&app, &police, &joint_id, version, &body).await;
        assert_eq!(changed["claims"][0]["status"], "pending", "{change}");
        assert_eq!(
            agency_row(&app, "", "womens-union").await,
            (30, 1),
            "after {change} the women's union has only its own event"
        );
        problem(
            app.get(&format!("/api/v1/events/{joint_id}"), &wu).await,
            404,
        )
        .await;
        joint = body;
    }
    // An admin confirms for it.
    let current = json_of(
        app.get(&format!("/api/v1/events/{joint_id}"), &police)
            .await,
        200,
    )
    .await;
    confirm(
        &app,
        &app.admin(),
        &joint_id,
        "womens-union",
        current["version"].as_i64().unwrap(),
    )
    .await;
    assert_eq!(agency_row(&app, "", "womens-union").await.1, 2);
    // Every answer is in the event's audit trail.
    let trail = json_of(
        app.get(
            &format!("/api/v1/audit?entity=event&entity_id={joint_id}&limit=500"),
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "confirm_claim").count(), 5);
    let trail = json_of(
        app.get(
            &format!("/api/v1/audit?entity=event&entity_id={claim}"),
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "decline_claim")
    );
}

/// Attack 2: police links its own 5,000,000-person event to the women's
/// union's report, moves dates, pulls labour in, and deletes its own.
async fn a_link_needs_every_affected_agency_and_deletes_regroup(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, labour, education) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("labour"),
        app.agency("education"),
    );
    let day = "2024-03-08";
    let w = post(&app, &wu, &report("w", day, 30, &["001100000001"])).await;
    let p = post(
        &app,
        &police,
        &report("p", day, 5_000_000, &["001100000002"]),
    )
    .await;
    let l = post(&app, &labour, &report("l", day, 20, &["001100000003"])).await;
    // Another day's women's report: not a duplicate candidate of p.
    let far = post(&app, &wu, &report("far", "2024-09-01", 10, &[])).await;
    let base = (
        agency_row(&app, "", "womens-union").await,
        totals(&app, "").await,
    );
    assert_eq!(base.0, (40, 2));

    // Proposing is all police can do; the women's union's figures stay.
    let out = same_as(&app, &police, &p, &w, 202).await;
    assert_eq!(out["status"], "proposed");
    assert_eq!(out["proposal"]["waiting_for"], json!(["womens-union"]));
    // The women's union is shown what it would merge with; police is not
    // shown the women's union's figures before it agrees.
    let pid = out["proposal"]["id"].as_str().unwrap();
    let police_side = &out["proposal"]["reports"];
    assert!(
        police_side
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["agency"] == "womens-union" && r.get("attendance_total").is_none()),
        "{police_side}"
    );
    let seen = json_of(
        app.get(&format!("/api/v1/link-proposals/{pid}"), &wu).await,
        200,
    )
    .await;
    let mut shown: Vec<(String, i64)> = seen["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["agency"].as_str().unwrap().to_string(),
                r["attendance_total"].as_i64().unwrap(),
            )
        })
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        vec![
            ("police".to_string(), 5_000_000),
            ("womens-union".to_string(), 30)
        ]
    );
    assert_eq!(agency_row(&app, "", "womens-union").await, base.0);
    assert_eq!(totals(&app, "").await, base.1);
    // A report that is neither its own, visible to it, nor a candidate
    // answers exactly like one that does not exist.
    let unknown = same_as(
        &app,
        &police,
        &p,
        "00000000-0000-4000-8000-000000000000",
        422,
    )
    .await;
    let hidden = same_as(&app, &police, &p, &far, 422).await;
    assert_eq!(unknown["errors"], hidden["errors"]);
    // Only from its own report: from the women's union's, 404 as if absent.
    problem(
        app.post(
            &format!("/api/v1/events/{w}/same-as"),
            &police,
            &json!({"other_id": p}),
        )
        .await,
        404,
    )
    .await;

    // The women's union sees the proposal and agrees: one real event.
    let group = json_of(
        app.get(&format!("/api/v1/events/{w}/same-as"), &wu).await,
        200,
    )
    .await;
    assert_eq!(group["proposals"][0]["from_id"], p.as_str());
    let pid = group["proposals"][0]["id"].as_str().unwrap().to_string();
    let listed = json_of(app.get("/api/v1/link-proposals", &wu).await, 200).await;
    assert_eq!(listed["items"][0]["id"], pid.as_str());
    assert!(
        json_of(app.get("/api/v1/link-proposals", &education).await, 200).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    approve(&app, &wu, &pid, 200).await;
    assert_eq!(totals(&app, "").await["events"], 3, "p+w, l, far");
    // Education, with no report in the group, cannot read it.
    problem(
        app.get(&format!("/api/v1/events/{w}/same-as"), &education)
            .await,
        404,
    )
    .await;

    // Police moves its report's date to pull the real event out of a slice:
    // the link goes back to a proposal; the women's report keeps its day.
    let mut moved = report("p", "2024-01-02", 5_000_000, &["001100000002"]);
    moved["end_date"] = json!("2024-01-02");
    put_by_id(&app, &police, &p, 1, &moved).await;
    assert_eq!(
        agency_row(&app, "&from=2024-03-01&to=2024-03-31", "womens-union").await,
        (30, 1)
    );
    let group = json_of(
        app.get(&format!("/api/v1/events/{w}/same-as"), &wu).await,
        200,
    )
    .await;
    assert_eq!(group["reports"].as_array().unwrap().len(), 1);
    assert_eq!(
        group["proposals"][0]["waiting_for"],
        json!(["womens-union"])
    );
    // Police restores the date; the women's union approves again.
    put_by_id(
        &app,
        &police,
        &p,
        2,
        &report("p", day, 5_000_000, &["001100000002"]),
    )
    .await;
    let pid = json_of(app.get("/api/v1/link-proposals", &wu).await, 200).await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Police's second edit voided every approval, its own too: consent is
    // to the figures as they are now.
    approve(&app, &wu, &pid, 202).await;
    approve(&app, &police, &pid, 200).await;

    // Police pulls labour's report into the group: labour agrees, but the
    // women's union (whose real event it would change) has not.
    let out = same_as(&app, &police, &p, &l, 202).await;
    assert_eq!(
        out["proposal"]["waiting_for"],
        json!(["labour", "womens-union"])
    );
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    let out = approve(&app, &labour, &pid, 202).await;
    assert_eq!(out["proposal"]["waiting_for"], json!(["womens-union"]));
    let wu_row = agency_row(&app, "", "womens-union").await;
    assert_eq!(
        totals(&app, "").await["events"],
        3,
        "labour's report stays apart"
    );
    assert_eq!(totals(&app, "").await["unique_participants"], 3);
    // The women's union agrees: one real event of three reports.
    approve(&app, &wu, &pid, 200).await;
    assert_eq!(totals(&app, "").await["events"], 2);
    assert_eq!(wu_row, (5_000_010, 2));

    // Police deletes its report: the other two are separate events again.
    json_of(
        app.delete(&format!("/api/v1/events/{p}?reason=gone"), &police)
            .await,
        200,
    )
    .await;
    let t = totals(&app, "").await;
    assert_eq!(t["events"], 3, "w, l, far");
    assert_eq!(t["attendances"], 60);
    assert_eq!(agency_row(&app, "", "womens-union").await, (40, 2));
    let group = json_of(
        app.get(&format!("/api/v1/events/{w}/same-as"), &wu).await,
        200,
    )
    .await;
    assert_eq!(group["reports"].as_array().unwrap().len(), 1);

    // An agency may always take its own report out; a proposal can be declined.
    let out = same_as(&app, &labour, &l, &w, 202).await;
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    json_of(
        app.delete(&format!("/api/v1/link-proposals/{pid}"), &wu)
            .await,
        200,
    )
    .await;
    problem(
        app.delete(&format!("/api/v1/link-proposals/{pid}"), &wu)
            .await,
        404,
    )
    .await;
    assert_eq!(totals(&app, "").await["events"], 3);
    // Linked by an admin (at once), then left by the women's union.
    same_as(&app, &app.admin(), &l, &w, 200).await;
    assert_eq!(totals(&app, "").await["events"], 2);
    json_of(
        app.delete(&format!("/api/v1/events/{w}/same-as"), &wu)
            .await,
        200,
    )
    .await;
    assert_eq!(totals(&app, "").await["events"], 3);
}

/// Attack 3: an agency reads `unique_participants`, posts an event with one
/// identifier, reads again, deletes. Its tokens see only its own events, so
/// the answer is the same whether or not the person was at another
/// agency's event.
async fn agency_aggregates_cannot_probe_other_agencies_participants(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let attended = "001199999901";
    let absent = "001199999902";
    post(
        &app,
        &wu,
        &report("returnees", "2024-07-10", 12, &[attended, "001199999903"]),
    )
    .await;
    let slice = "/api/v1/aggregates?from=2024-07-01&to=2024-07-31";
    let read = |token: String| {
        let app = &app;
        async move { json_of(app.get(slice, &token).await, 200).await }
    };
    let before = read(police.clone()).await;
    assert_eq!(before["totals"]["unique_participants"], 0);
    assert_eq!(before["meta"]["filters"]["scope"], "police");
    let mut seen = Vec::new();
    for (i, probe) in [attended, absent].iter().enumerate() {
        let id = post(
            &app,
            &police,
            &report(&format!("probe-{i}"), "2024-07-10", 1, &[probe]),
        )
        .await;
        seen.push(read(police.clone()).await["totals"].clone());
        json_of(
            app.delete(&format!("/api/v1/events/{id}?reason=probe"), &police)
                .await,
            200,
        )
        .await;
    }
    assert_eq!(seen[0], seen[1], "attended and absent look the same");
    assert_eq!(seen[0]["unique_participants"], 1);
    // Asking for the other agency's events explicitly still shows only its own.
    let other = json_of(
        app.get(&format!("{slice}&agency=womens-union"), &police)
            .await,
        200,
    )
    .await;
    assert_eq!(other["totals"]["events"], 0);
    // Dashboards (viewer tokens, which cannot write) see the province.
    let viewer = read(app.viewer()).await;
    assert_eq!(viewer["totals"]["unique_participants"], 2);
    assert!(viewer["meta"]["filters"].get("scope").is_none());
    // The women's union sees its own.
    assert_eq!(read(wu).await["totals"]["unique_participants"], 2);
    // The probes are visible to admins as events deleted soon after creation.
    let listed = json_of(
        app.get(
            "/api/v1/audit/short-lived-events?agency=police",
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    let mut probes: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["external_id"].as_str().unwrap())
        .collect();
    probes.sort();
    assert_eq!(probes, ["probe-0", "probe-1"]);
}

/// Attack 7 and the visibility rule: every route answers alike for an
/// event the caller may not see and one that does not exist, before
/// looking at the rest of the request; lists show nothing a GET would not.
async fn routes_answer_alike_for_invisible_and_missing_events(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let theirs = post(&app, &wu, &report("theirs", "2024-03-08", 30, &[])).await;
    let mine = post(&app, &police, &report("mine", "2024-03-08", 20, &[])).await;
    let missing = "00000000-0000-4000-8000-000000000000".to_string();
    for target in [&theirs, &missing] {
        let status = |resp: reqwest::Response| resp.status().as_u16();
        let base = format!("/api/v1/events/{target}");
        assert_eq!(status(app.get(&base, &police).await), 404);
        assert_eq!(
            status(app.get(&format!("{base}/same-as"), &police).await),
            404
        );
        for body in [json!({"other_id": mine}), json!({}), json!({"other_id": 5})] {
            assert_eq!(
                status(app.post(&format!("{base}/same-as"), &police, &body).await),
                404,
                "{body}"
            );
        }
        assert_eq!(
            status(app.delete(&format!("{base}/same-as/{mine}"), &police).await),
            404
        );
        assert_eq!(
            status(app.delete(&format!("{base}/same-as"), &police).await),
            404
        );
        // A body that would fail validation still gets 404 first.
        let resp = app
            .client
            .put(app.url(&base))
            .bearer_auth(&police)
            .header("If-Match", "\"1\"")
            .json(&json!({"kind": "party"}))
            .send()
            .await
            .unwrap();
        assert_eq!(status(resp), 404);
        let resp = app
            .client
            .post(app.url(&format!("{base}/claims/police/confirm")))
            .bearer_auth(&police)
            .send()
            .await
            .unwrap();
        assert_eq!(status(resp), 404, "404 before 428");
        assert_eq!(
            status(app.delete(&format!("{base}?reason=x"), &police).await),
            404
        );
    }
    // A confirmed co-organiser of a deleted joint event: GET is 404, so the
    // list with include_deleted does not show it either.
    let mut joint = report("joint", "2024-03-08", 50, &[]);
    joint["co_organizers"] = json!(["womens-union"]);
    let joint_id = post(&app, &police, &joint).await;
    confirm(&app, &wu, &joint_id, "womens-union", 1).await;
    assert!(
        ids_listed(&app, &wu, "&include_deleted=true")
            .await
            .contains(&joint_id)
    );
    json_of(
        app.delete(
            &format!("/api/v1/events/{joint_id}?reason=cancelled"),
            &police,
        )
        .await,
        200,
    )
    .await;
    problem(
        app.get(&format!("/api/v1/events/{joint_id}"), &wu).await,
        404,
    )
    .await;
    let listed = json_of(
        app.get("/api/v1/events?limit=500&include_deleted=true", &wu)
            .await,
        200,
    )
    .await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["id"], theirs.as_str());
    assert!(items.iter().all(|e| e.get("delete_reason").is_none()));
    // The reporter still sees its deleted event with the reason.
    let own = json_of(
        app.get("/api/v1/events?limit=500&include_deleted=true", &police)
            .await,
        200,
    )
    .await;
    assert!(
        own["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == joint_id.as_str() && e["delete_reason"] == "cancelled")
    );
}

/// Every way in follows the same rules: a batch names co-organisers as
/// claims, and a batch upsert or a PUT by external id that changes the
/// figures asks again, and takes a linked report out of its real event.
async fn batches_and_upserts_follow_the_same_consent_rules(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let w = post(&app, &wu, &report("w", "2024-03-08", 30, &[])).await;
    let mut joint = report("b-joint", "2024-03-08", 500, &[]);
    joint["co_organizers"] = json!(["womens-union"]);
    let dup = report("b-dup", "2024-03-08", 700, &[]);
    let out = json_of(
        app.post(
            "/api/v1/events/batch",
            &police,
            &json!({"items": [joint, dup]}),
        )
        .await,
        200,
    )
    .await;
    let ids: Vec<String> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));
    confirm(&app, &wu, &ids[0], "womens-union", 1).await;
    // The women's union agrees that police's other report is its own event.
    let linked = same_as(&app, &police, &ids[1], &w, 202).await;
    let pid = linked["proposal"]["id"].as_str().unwrap();
    approve(&app, &wu, pid, 200).await;
    assert_eq!(
        agency_row(&app, "", "womens-union").await,
        (1200, 2),
        "500 + max(30, 700)"
    );
    // A batch upsert with new headcounts: the claim is pending and the link a
    // proposal again; the women's union is back to its own 30.
    let mut joint2 = joint.clone();
    joint2["attendance"]["total"] = json!(900);
    let mut dup2 = dup.clone();
    dup2["attendance"]["total"] = json!(9000);
    let out = json_of(
        app.post(
            "/api/v1/events/batch?mode=upsert",
            &police,
            &json!({"items": [joint2, dup2]}),
        )
        .await,
        200,
    )
    .await;
    assert!(
        out["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "updated"),
        "{out}"
    );
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));
    // The same through PUT by external id, after the women's union agreed again.
    confirm(&app, &wu, &ids[0], "womens-union", 2).await;
    assert_eq!(agency_row(&app, "", "womens-union").await, (930, 2));
    let mut joint3 = joint.clone();
    joint3["start_date"] = json!("2024-03-01");
    json_of(
        app.send_json(
            reqwest::Method::PUT,
            "/api/v1/events/external/b-joint",
            &police,
            &joint3,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));
}

async fn proposals_are_listed_in_pages_to_the_agencies_involved(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, education) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("education"),
    );
    let w = post(&app, &wu, &report("w", "2024-03-08", 30, &[])).await;
    let mut made = Vec::new();
    for i in 0..3 {
        let p = post(
            &app,
            &police,
            &report(&format!("p{i}"), "2024-03-08", 10, &[]),
        )
        .await;
        let out = same_as(&app, &police, &p, &w, 202).await;
        made.push(out["proposal"]["id"].as_str().unwrap().to_string());
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/link-proposals?limit=2".to_string();
    loop {
        let page = json_of(app.get(&path, &wu).await, 200).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/link-proposals?limit=2&cursor={c}"),
            None => break,
        }
    }
    seen.sort();
    made.sort();
    assert_eq!(seen, made);
    let theirs = json_of(app.get("/api/v1/link-proposals", &police).await, 200).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 3);
    let none = json_of(app.get("/api/v1/link-proposals", &education).await, 200).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    problem(app.get("/api/v1/link-proposals?cursor=x", &wu).await, 422).await;
    problem(app.get("/api/v1/link-proposals", &app.viewer()).await, 403).await;
    // Proposals change nothing until approved.
    assert_eq!(totals(&app, "").await["events"], 4);
}
