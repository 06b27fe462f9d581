//! Consent that covers everyone a change touches (issue 28): co-organisers
//! are parties to links, approvals name the figures approved, kind, topics
//! and target groups are figures, candidates and proposals reveal nothing
//! before consent, claim queues are bounded, and public tokens read no
//! token ids or free text. Each case is one of the attacks, tried
//! with real tokens on both databases; the expected figures are written
//! out by hand from the events each test posts.

use serde_json::{Value, json};

use crate::both_backends;
use crate::consent::{
    agency_row, approve, approve_at, post, put_by_id, report, revision, same_as, totals,
};
use crate::events::confirm;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    confirmed_co_organizers_are_parties_to_a_link,
    a_new_co_organizer_on_a_linked_report_is_asked_before_it_sees_the_merge,
    an_approval_names_the_figures_it_agrees_to,
    kind_topics_and_target_groups_are_figures,
    candidates_and_proposals_reveal_no_figures_before_consent,
    a_party_that_left_stops_seeing_the_proposal,
    candidates_are_bounded_per_report,
    claim_queues_are_bounded,
    public_tokens_read_no_token_ids_or_reasons_of_locks,
    live_answers_over_a_locked_period_say_so_and_its_publication_stays,
);

const DAY: &str = "2024-03-08";

/// `n` distinct citizen ids starting at `from`.
fn citizens(from: u32, n: u32) -> Vec<String> {
    (from..from + n).map(|i| format!("0011{i:08}")).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The viewer's `group_by=agency` row of `agency`: unique people.
async fn people_of(app: &TestApp, agency: &str) -> i64 {
    let a = json_of(
        app.get("/api/v1/aggregates?group_by=agency", &app.viewer())
            .await,
        200,
    )
    .await;
    a["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == agency)
        .map(|r| r["unique_participants"].as_i64().unwrap())
        .unwrap_or(0)
}

async fn version_of(app: &TestApp, token: &str, id: &str) -> i64 {
    json_of(app.get(&format!("/api/v1/events/{id}"), token).await, 200).await["version"]
        .as_i64()
        .unwrap()
}

async fn proposal(app: &TestApp, token: &str, id: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/link-proposals/{id}"), token)
            .await,
        200,
    )
    .await
}

fn waiting(p: &Value) -> Vec<String> {
    p["waiting_for"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// The report of `agency` in a proposal as the caller sees it.
fn report_of<'a>(p: &'a Value, agency: &str) -> &'a Value {
    p["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == agency)
        .unwrap()
}

/// Case 1: the women's union's 40-person event has labour as confirmed
/// co-organiser; police proposes its 100,000-person report as the same
/// event and the women's union approves. Labour's row must not move until
/// labour itself approves.
async fn confirmed_co_organizers_are_parties_to_a_link(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, labour) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("labour"),
    );
    let mut w = report("w", DAY, 40, &refs(&citizens(1, 2)));
    w["co_organizers"] = json!(["labour"]);
    let w = post(&app, &wu, &w).await;
    confirm(&app, &labour, &w, "labour", 1).await;
    assert_eq!(agency_row(&app, "", "labour").await, (40, 1));
    assert_eq!(people_of(&app, "labour").await, 2);
    let p = post(
        &app,
        &police,
        &report("p", DAY, 100_000, &refs(&citizens(100, 30))),
    )
    .await;

    let out = same_as(&app, &police, &p, &w, 202).await;
    assert_eq!(waiting(&out["proposal"]), ["labour", "womens-union"]);
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    let out = approve(&app, &wu, &pid, 202).await;
    assert_eq!(waiting(&out["proposal"]), ["labour"]);
    // Labour's row and people are its own event's, not police's.
    assert_eq!(agency_row(&app, "", "labour").await, (40, 1));
    assert_eq!(people_of(&app, "labour").await, 2);
    assert_eq!(totals(&app, "").await["events"], 2);
    // Labour is asked, and sees what it would agree to.
    let seen = proposal(&app, &labour, &pid).await;
    assert_eq!(report_of(&seen, "police")["attendance_total"], 100_000);
    // Once labour agrees, the merged event counts in its row.
    approve(&app, &labour, &pid, 200).await;
    assert_eq!(agency_row(&app, "", "labour").await, (100_000, 1));
    assert_eq!(people_of(&app, "labour").await, 32);
    assert_eq!(totals(&app, "").await["events"], 1);
}

/// Case 1, second path: naming a co-organiser on a report that is already
/// linked takes the link back to a proposal that the new party (and the
/// other agencies, who never agreed to it) must approve; confirming the
/// claim gives the new party the report's own figures only.
async fn a_new_co_organizer_on_a_linked_report_is_asked_before_it_sees_the_merge(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, education) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("education"),
    );
    let w_body = report("w", DAY, 40, &refs(&citizens(1, 2)));
    let w = post(&app, &wu, &w_body).await;
    let p = post(
        &app,
        &police,
        &report("p", DAY, 100_000, &refs(&citizens(100, 30))),
    )
    .await;
    let out = same_as(&app, &police, &p, &w, 202).await;
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    approve(&app, &wu, &pid, 200).await;
    assert_eq!(totals(&app, "").await["events"], 1);

    let mut named = w_body.clone();
    named["co_organizers"] = json!(["education"]);
    let v = version_of(&app, &wu, &w).await;
    put_by_id(&app, &wu, &w, v, &named).await;
    // Unlinked until everyone agrees again, education included.
    assert_eq!(totals(&app, "").await["events"], 2);
    let listed = json_of(app.get("/api/v1/link-proposals", &police).await, 200).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(waiting(&items[0]), ["education", "police"]);
    // Education confirms its claim: the women's union's 40, not police's 100,000.
    let v = version_of(&app, &wu, &w).await;
    confirm(&app, &education, &w, "education", v).await;
    assert_eq!(agency_row(&app, "", "education").await, (40, 1));
    assert_eq!(people_of(&app, "education").await, 2);
    assert_eq!(agency_row(&app, "", "police").await, (100_000, 1));
}

/// Case 2: an approval names a revision; an edit of any report in the
/// proposal voids the approvals given so far, and approving a stale
/// revision (or none) is refused.
async fn an_approval_names_the_figures_it_agrees_to(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let w = post(&app, &wu, &report("w", DAY, 30, &[])).await;
    let p_body = report("p", DAY, 30, &[]);
    let p = post(&app, &police, &p_body).await;
    let out = same_as(&app, &police, &p, &w, 202).await;
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    let read = proposal(&app, &wu, &pid).await;
    assert_eq!(report_of(&read, "police")["attendance_total"], 30);
    let r1 = read["revision"].as_i64().unwrap();

    // Police edits its report to 1,000,000 after the women's union read 30.
    let mut big = p_body.clone();
    big["attendance"]["total"] = json!(1_000_000);
    put_by_id(&app, &police, &p, 1, &big).await;
    let stale = approve_at(&app, &wu, &pid, r1, 412).await;
    assert!(stale["detail"].as_str().unwrap().contains("revision"));
    // Without If-Match, or with `*`, nothing is agreed to.
    problem(
        app.post(
            &format!("/api/v1/link-proposals/{pid}/approve"),
            &wu,
            &json!({}),
        )
        .await,
        428,
    )
    .await;
    let star = app
        .client
        .post(app.url(&format!("/api/v1/link-proposals/{pid}/approve")))
        .bearer_auth(&wu)
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    problem(star, 428).await;
    // The edit voided every approval, the proposer's own too; its figures
    // are hidden from the women's union until police agrees to them.
    let now = proposal(&app, &wu, &pid).await;
    assert_ne!(now["revision"].as_i64().unwrap(), r1);
    assert_eq!(waiting(&now), ["police", "womens-union"]);
    assert_eq!(report_of(&now, "police")["figures_shown"], false);
    assert!(report_of(&now, "police").get("attendance_total").is_none());
    // Re-posting the pair without If-Match is idempotent: no approval.
    let again = same_as(&app, &police, &p, &w, 202).await;
    assert_eq!(waiting(&again["proposal"]), ["police", "womens-union"]);
    assert_eq!(agency_row(&app, "", "womens-union").await, (30, 1));
    // Police agrees to its new figures; the women's union reads and agrees.
    let out = approve(&app, &police, &pid, 202).await;
    assert_eq!(waiting(&out["proposal"]), ["womens-union"]);
    let read = proposal(&app, &wu, &pid).await;
    assert_eq!(report_of(&read, "police")["attendance_total"], 1_000_000);
    approve_at(&app, &wu, &pid, read["revision"].as_i64().unwrap(), 200).await;
    assert_eq!(agency_row(&app, "", "womens-union").await, (1_000_000, 1));
}

/// The topics of labour's rows.
async fn labour_topics(app: &TestApp) -> Vec<String> {
    json_of(
        app.get(
            "/api/v1/aggregates?group_by=topic&agency=labour",
            &app.viewer(),
        )
        .await,
        200,
    )
    .await["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["topic"].as_str().unwrap().to_string())
        .collect()
}

/// Case 3: the reporting agency changes the kind, the topics or the target
/// groups: a confirmed claim goes back to pending and a link back to a
/// proposal, as for headcounts.
async fn kind_topics_and_target_groups_are_figures(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, labour) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("labour"),
    );
    let mut w_body = report("w", DAY, 40, &[]);
    w_body["co_organizers"] = json!(["labour"]);
    let w = post(&app, &wu, &w_body).await;
    confirm(&app, &labour, &w, "labour", 1).await;
    assert_eq!(
        labour_topics(&app).await,
        ["human_trafficking", "safe_migration"]
    );
    for (field, value) in [
        ("topics", json!(["drug_prevention"])),
        ("target_groups", json!(["youth"])),
        ("kind", json!("campaign_launch")),
    ] {
        let mut changed = w_body.clone();
        changed[field] = value;
        let v = version_of(&app, &wu, &w).await;
        let out = put_by_id(&app, &wu, &w, v, &changed).await;
        assert_eq!(out["claims"][0]["status"], "pending", "{field}");
        assert_eq!(agency_row(&app, "", "labour").await, (0, 0), "{field}");
        assert!(labour_topics(&app).await.is_empty(), "{field}");
        confirm(&app, &labour, &w, "labour", v + 1).await;
        w_body = changed;
    }

    // A link goes back to a proposal when the other report's kind changes.
    let mut p_body = report("p", DAY, 10, &[]);
    p_body["kind"] = json!("campaign_launch");
    let p = post(&app, &police, &p_body).await;
    let out = same_as(&app, &police, &p, &w, 202).await;
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    approve(&app, &wu, &pid, 202).await;
    approve(&app, &labour, &pid, 200).await;
    assert_eq!(totals(&app, "").await["events"], 1);
    let mut moved = p_body.clone();
    moved["kind"] = json!("law_dissemination");
    put_by_id(&app, &police, &p, 1, &moved).await;
    assert_eq!(totals(&app, "").await["events"], 2);
    let kinds = json_of(
        app.get(
            "/api/v1/aggregates?group_by=kind&agency=womens-union",
            &app.viewer(),
        )
        .await,
        200,
    )
    .await;
    let kinds: Vec<&str> = kinds["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["campaign_launch"]);
}

/// Case 4: a probe spanning a year over a whole province matches nothing;
/// a proposal shows the other agency's figures only once it approves; a
/// withdrawn proposal leaves nothing read.
async fn candidates_and_proposals_reveal_no_figures_before_consent(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let w = post(&app, &wu, &report("w", DAY, 77, &refs(&citizens(1, 3)))).await;
    let mut probe = report("probe", "2024-01-01", 1, &[]);
    probe["end_date"] = json!("2024-12-31");
    probe["area_code"] = json!("06");
    let probe = post(&app, &police, &probe).await;
    let cands = json_of(
        app.get("/api/v1/events/duplicate-candidates", &police)
            .await,
        200,
    )
    .await;
    assert!(cands["items"].as_array().unwrap().is_empty(), "{cands}");
    let refused = same_as(&app, &police, &probe, &w, 422).await;
    let missing = same_as(
        &app,
        &police,
        &probe,
        "00000000-0000-4000-8000-000000000000",
        422,
    )
    .await;
    assert_eq!(refused["errors"], missing["errors"]);

    // A short report at the same place and day is a candidate, shown
    // without figures.
    let p = post(&app, &police, &report("p", DAY, 5, &[])).await;
    let cands = json_of(
        app.get("/api/v1/events/duplicate-candidates", &police)
            .await,
        200,
    )
    .await;
    let items = cands["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let keys: Vec<&str> = items[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "agency",
            "event_id",
            "meetings",
            "other_agency",
            "other_id",
            "reasons"
        ],
        "no figures in a candidate"
    );
    // What a person needs to recognise the meeting: days, kind, place.
    for m in items[0]["meetings"].as_array().unwrap() {
        let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["area", "area_name", "end_date", "kind", "start_date"]
        );
        assert_eq!(m["start_date"], DAY);
        assert_eq!(m["area"], "01234");
    }
    let out = same_as(&app, &police, &p, &w, 202).await;
    let seen = report_of(&out["proposal"], "womens-union");
    assert_eq!(seen["figures_shown"], false);
    for hidden in [
        "attendance_total",
        "participants_identified",
        "topics",
        "target_groups",
    ] {
        assert!(seen.get(hidden).is_none(), "{hidden}: {seen}");
    }
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    let listed = json_of(app.get("/api/v1/link-proposals", &police).await, 200).await;
    assert!(
        report_of(&listed["items"][0], "womens-union")
            .get("attendance_total")
            .is_none()
    );
    // The women's union sees police's figures: police agreed by proposing.
    let theirs = proposal(&app, &wu, &pid).await;
    assert_eq!(report_of(&theirs, "police")["attendance_total"], 5);
    // Withdrawn: the answer shows nothing more.
    let gone = json_of(
        app.delete(&format!("/api/v1/link-proposals/{pid}"), &police)
            .await,
        200,
    )
    .await;
    assert!(
        report_of(&gone, "womens-union")
            .get("attendance_total")
            .is_none()
    );
    // Once the women's union approves, police sees what it agreed to share.
    let out = same_as(&app, &police, &p, &w, 202).await;
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    let rev = revision(&app, &wu, &pid).await;
    let linked = approve_at(&app, &wu, &pid, rev, 200).await;
    assert_eq!(linked["status"], "linked");
    let group = json_of(
        app.get(&format!("/api/v1/events/{p}/same-as"), &police)
            .await,
        200,
    )
    .await;
    assert_eq!(report_of(&group, "womens-union")["attendance_total"], 77);
}

/// Case 4: labour, linked with the women's union, approves police's
/// proposal and then takes its report out: it is no longer a party and
/// reads the proposal no more.
async fn a_party_that_left_stops_seeing_the_proposal(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, labour) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("labour"),
    );
    let w = post(&app, &wu, &report("w", DAY, 30, &[])).await;
    let l = post(&app, &labour, &report("l", DAY, 20, &[])).await;
    same_as(&app, &app.admin(), &l, &w, 200).await;
    let p = post(&app, &police, &report("p", DAY, 500, &[])).await;
    let out = same_as(&app, &police, &p, &w, 202).await;
    assert_eq!(waiting(&out["proposal"]), ["labour", "womens-union"]);
    let pid = out["proposal"]["id"].as_str().unwrap().to_string();
    approve(&app, &labour, &pid, 202).await;
    json_of(
        app.delete(&format!("/api/v1/events/{l}/same-as"), &labour)
            .await,
        200,
    )
    .await;
    problem(
        app.get(&format!("/api/v1/link-proposals/{pid}"), &labour)
            .await,
        404,
    )
    .await;
    let listed = json_of(app.get("/api/v1/link-proposals", &labour).await, 200).await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    // Its approval no longer counts either; the women's union's real event
    // changed, so everyone left is asked again.
    assert_eq!(
        waiting(&proposal(&app, &wu, &pid).await),
        ["police", "womens-union"]
    );
}

/// Case 4: one report is in at most 20 candidate pairs.
async fn candidates_are_bounded_per_report(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let w = post(&app, &wu, &report("w", DAY, 30, &[])).await;
    let items: Vec<Value> = (0..25)
        .map(|i| report(&format!("p{i}"), DAY, 10, &[]))
        .collect();
    app.post_batch(&police, items).await;
    let cands = json_of(
        app.get("/api/v1/events/duplicate-candidates?limit=100", &wu)
            .await,
        200,
    )
    .await;
    let with_w = cands["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["event_id"] == w.as_str() || c["other_id"] == w.as_str())
        .count();
    assert_eq!(with_w, 20);
}

/// Case 5: one agency may have at most 200 claims pending on another.
async fn claim_queues_are_bounded(app: TestApp) {
    app.seed_test_areas();
    let (police, labour) = (app.agency("police"), app.agency("labour"));
    let named = |ext: String| {
        let mut e = report(&ext, DAY, 10, &[]);
        e["co_organizers"] = json!(["labour"]);
        e
    };
    let items: Vec<Value> = (0..200).map(|i| named(format!("c{i}"))).collect();
    let out = json_of(
        app.post("/api/v1/events/batch", &police, &json!({ "items": items }))
            .await,
        200,
    )
    .await;
    assert_eq!(out["summary"]["created"], 200, "{}", out["summary"]);
    let first = out["items"][0]["id"].as_str().unwrap().to_string();
    // Over the quota: a batch item is invalid, naming the field ...
    let more = vec![named("c200".into()), report("plain", DAY, 10, &[])];
    let out = json_of(
        app.post("/api/v1/events/batch", &police, &json!({ "items": more }))
            .await,
        200,
    )
    .await;
    assert_eq!(out["items"][0]["status"], "invalid");
    assert_eq!(
        out["items"][0]["errors"][0]["field"],
        "items[0].co_organizers"
    );
    assert_eq!(out["items"][1]["status"], "created");
    // A dry run of naming labour on a stored event says the same.
    let mut renamed = report("plain", DAY, 10, &[]);
    renamed["co_organizers"] = json!(["labour"]);
    let out = json_of(
        app.post(
            "/api/v1/events/batch?mode=upsert&dry_run=true",
            &police,
            &json!({ "items": [renamed] }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["items"][0]["status"], "invalid", "{out}");
    assert_eq!(
        out["items"][0]["errors"][0]["field"],
        "items[0].co_organizers"
    );
    // ... and a single write answers 429 with the limit.
    let p = problem(
        app.post("/api/v1/events", &police, &named("c201".into()))
            .await,
        429,
    )
    .await;
    assert_eq!(p["type"], "urn:campaign-tracker:problem:quota-exceeded");
    assert!(p["detail"].as_str().unwrap().contains("200"), "{p}");
    assert_eq!(p["errors"][0]["field"], "co_organizers");
    // Naming another agency is not affected; labour's answer frees a place.
    let mut other = report("edu", DAY, 10, &[]);
    other["co_organizers"] = json!(["education"]);
    post(&app, &police, &other).await;
    confirm(&app, &labour, &first, "labour", 1).await;
    post(&app, &police, &named("c202".into())).await;
    problem(
        app.post("/api/v1/events", &police, &named("c203".into()))
            .await,
        429,
    )
    .await;
}

/// Case 9: public tokens read periods and dates only.
async fn public_tokens_read_no_token_ids_or_reasons_of_locks(app: TestApp) {
    crate::periods::lock(&app, "2024-Q1", 201).await;
    let public = app.public_viewer().await;
    let page = json_of(app.get("/api/v1/periods", &public).await, 200).await;
    let lock = &page["items"][0];
    assert_eq!(lock["period"], "2024-Q1");
    for hidden in ["locked_by", "reason", "reopened_by", "reopen_reason"] {
        assert!(lock.get(hidden).is_none(), "{hidden}: {lock}");
    }
    let page = json_of(app.get("/api/v1/periods", &app.admin()).await, 200).await;
    assert_eq!(page["items"][0]["reason"], "Báo cáo đã ký");
    assert!(page["items"][0]["locked_by"].is_string());
}

/// March 2024's live aggregates.
async fn march(app: &TestApp) -> Value {
    json_of(
        app.get(
            "/api/v1/aggregates?from=2024-03-01&to=2024-03-31",
            &app.viewer(),
        )
        .await,
        200,
    )
    .await
}

/// Case 10: a locked period's live first-time people still move when an
/// earlier, open period gains events (the history before it changed); the
/// live answer says it covers a locked period, and the publication, what
/// was signed, stays byte for byte.
async fn live_answers_over_a_locked_period_say_so_and_its_publication_stays(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let people = citizens(1, 6);
    post(
        &app,
        &police,
        &report("m1", "2024-03-05", 10, &refs(&people)),
    )
    .await;
    json_of(
        app.post(
            "/api/v1/publications",
            &app.admin(),
            &json!({"title": "Tháng 3/2024", "period": "2024-03", "tables": [{"group_by": "agency"}]}),
        )
        .await,
        201,
    )
    .await;
    crate::periods::lock(&app, "2024-03", 201).await;
    let published = app
        .get("/api/v1/publications/2024-03", &app.viewer())
        .await
        .text()
        .await
        .unwrap();
    let before = march(&app).await;
    assert_eq!(before["totals"]["first_time_participants"], 6);
    assert_eq!(before["meta"]["locked_periods"], json!(["2024-03"]));
    // February is open: two of March's people were reached then first.
    post(
        &app,
        &police,
        &report("f1", "2024-02-10", 4, &refs(&people[..2])),
    )
    .await;
    let after = march(&app).await;
    assert_eq!(after["totals"]["first_time_participants"], 4);
    assert_eq!(after["totals"]["unique_participants"], 6);
    assert_eq!(after["meta"]["locked_periods"], json!(["2024-03"]));
    let again = app
        .get("/api/v1/publications/2024-03", &app.viewer())
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(published, again, "a publication never changes");
    // What was signed quotes the first-time people as published: six.
    let signed: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(
        signed["tables"][0]["totals"]["values"]["first_time_participants"],
        6
    );
    let report = app
        .get(
            "/api/v1/reports/summary?period=2024-03&format=md",
            &app.viewer(),
        )
        .await;
    assert_eq!(report.status().as_u16(), 200);
    let report = report.text().await.unwrap();
    assert!(report.contains("6 người lần đầu"), "{report}");
    // Answers that cover no locked period say so too.
    let feb = json_of(
        app.get(
            "/api/v1/aggregates?from=2024-02-01&to=2024-02-29",
            &app.viewer(),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(feb["meta"]["locked_periods"], json!([]));
    let all = json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await;
    assert_eq!(all["meta"]["locked_periods"], json!(["2024-03"]));
}
