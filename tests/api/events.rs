//! Recording events: validation, idempotency, upsert, batches, races,
//! visibility, If-Match, soft delete, and pseudonymised participants.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Db, TestApp, fields, json as json_of, problem};

both_backends!(
    create_returns_201_with_location_and_etag,
    every_validation_rule_names_its_field,
    area_code_is_resolved_on_the_start_date,
    same_external_id_same_body_is_idempotent_and_other_body_conflicts,
    put_by_external_id_creates_replaces_and_checks_if_match,
    batch_reports_every_item_and_dry_run_writes_nothing,
    twenty_parallel_identical_posts_store_one_event,
    other_agencies_cannot_see_or_touch_an_event,
    put_by_id_requires_if_match,
    soft_delete_hides_the_event_and_keeps_it_for_audit,
    raw_participant_values_are_never_stored_or_returned,
    deactivated_agency_cannot_write,
    list_filters_and_cursor_pagination,
    created_views_equal_what_is_read_back,
);

/// A valid event body.
pub fn event(external_id: &str) -> Value {
    json!({
        "external_id": external_id,
        "kind": "training_class",
        "title": "Lớp tập huấn phòng, chống mua bán người",
        "topics": ["human_trafficking", "safe_migration"],
        "start_date": "2024-03-08",
        "end_date": "2024-03-09",
        "area_code": "01234",
        "target_groups": ["women", "girls"],
        "attendance": {"total": 40, "female": 30, "male": 10, "under_18": 5},
        "participants": [
            {"id_type": "citizen_id", "value": "001203004005"},
            {"id_type": "phone", "value": "0912 345 678"},
            {"id_type": "phone", "value": "+84912345678"}
        ]
    })
}

async fn count_events(app: &TestApp) -> i64 {
    let page = json_of(
        app.get(
            "/api/v1/events?limit=500&include_deleted=true",
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    page["items"].as_array().unwrap().len() as i64
}

async fn create_returns_201_with_location_and_etag(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("womens-union");
    let resp = app.post("/api/v1/events", &token, &event("wu-1")).await;
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let e = json_of(resp, 201).await;
    assert_eq!(
        location,
        format!("/api/v1/events/{}", e["id"].as_str().unwrap())
    );
    assert_eq!(e["agency"], "womens-union");
    assert_eq!(
        e["participants_identified"], 2,
        "the two phone spellings are one person"
    );
    assert_eq!(e["version"], 1);
    assert_eq!(e["area_code"], "01234");
    assert_eq!(e["topics"], json!(["human_trafficking", "safe_migration"]));
    assert!(e.get("participants").is_none());
    let got = app.get(&location, &token).await;
    assert_eq!(got.headers()["etag"], "\"1\"");
    assert_eq!(json_of(got, 200).await, e);
}

async fn every_validation_rule_names_its_field(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let with = |k: &str, v: Value| {
        let mut b = event("v-1");
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = event("v-1");
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let tomorrow_plus = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .to_string();
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "no external_id",
            without("external_id"),
            vec!["external_id"],
        ),
        (
            "long external_id",
            with("external_id", json!("x".repeat(129))),
            vec!["external_id"],
        ),
        ("unknown kind", with("kind", json!("party")), vec!["kind"]),
        ("empty title", with("title", json!("")), vec!["title"]),
        (
            "long title",
            with("title", json!("t".repeat(301))),
            vec!["title"],
        ),
        ("no topics", with("topics", json!([])), vec!["topics"]),
        (
            "bad topic",
            with("topics", json!(["human_trafficking", "weather"])),
            vec!["topics[1]"],
        ),
        (
            "bad date",
            with("start_date", json!("2024-13-01")),
            vec!["start_date"],
        ),
        (
            "end before start",
            with("end_date", json!("2024-03-01")),
            vec!["end_date"],
        ),
        (
            "before 2000",
            json!({"start_date": "1999-12-31", "end_date": "1999-12-31"}),
            vec!["start_date", "end_date"],
        ),
        (
            "future",
            json!({"start_date": tomorrow_plus, "end_date": tomorrow_plus}),
            vec!["start_date", "end_date"],
        ),
        (
            "self co-organiser",
            with("co_organizers", json!(["police"])),
            vec!["co_organizers[0]"],
        ),
        (
            "unknown co-organiser",
            with("co_organizers", json!(["martians"])),
            vec!["co_organizers"],
        ),
        (
            "bad target group",
            with("target_groups", json!(["aliens"])),
            vec!["target_groups[0]"],
        ),
        ("no attendance", without("attendance"), vec!["attendance"]),
        (
            "female+male > total",
            with("attendance", json!({"total": 10, "female": 8, "male": 8})),
            vec!["attendance"],
        ),
        (
            "under_18 > total",
            with("attendance", json!({"total": 10, "under_18": 11})),
            vec!["attendance.under_18"],
        ),
        (
            "negative",
            with("attendance", json!({"total": -1})),
            vec!["attendance.total"],
        ),
        (
            "total < identified",
            with("attendance", json!({"total": 1})),
            vec!["attendance.total"],
        ),
        (
            "bad citizen id",
            with(
                "participants",
                json!([{"id_type": "citizen_id", "value": "12-34"}]),
            ),
            vec!["participants[0].value"],
        ),
        (
            "bad phone",
            with(
                "participants",
                json!([{"id_type": "phone", "value": "+1 415 555 0100"}]),
            ),
            vec!["participants[0].value"],
        ),
        (
            "bad id type",
            with(
                "participants",
                json!([{"id_type": "passport", "value": "B1234567"}]),
            ),
            vec!["participants[0].id_type"],
        ),
        (
            "unknown area",
            with("area_code", json!("77777")),
            vec!["area_code"],
        ),
        (
            "agency in body",
            with("agency", json!("education")),
            vec!["agency"],
        ),
        ("id in body", with("id", json!("x")), vec!["id"]),
        (
            "created_at in body",
            with("created_at", json!("2024-01-01T00:00:00Z")),
            vec!["created_at"],
        ),
        (
            "wrong type",
            with("attendance", json!({"total": "forty"})),
            vec!["attendance.total"],
        ),
    ];
    for (why, body, expected) in cases {
        let mut body = body;
        if body.get("external_id").is_none() && why != "no external_id" {
            // Partial bodies: fill the rest from the valid event.
            let mut full = event("v-1");
            for (k, v) in body.as_object().unwrap() {
                full[k] = v.clone();
            }
            body = full;
        }
        let p = problem(app.post("/api/v1/events", &token, &body).await, 422).await;
        let got = fields(&p);
        for f in &expected {
            assert!(
                got.contains(&f.to_string()),
                "{why}: expected {f} in {got:?}"
            );
        }
    }
    // Too many participants.
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"id_type": "student_id", "value": format!("S{i}"), "issuer": "THPT01"}))
        .collect();
    let mut body = event("v-many");
    body["participants"] = json!(many);
    body["attendance"] = json!({"total": 20000});
    let p = problem(app.post("/api/v1/events", &token, &body).await, 422).await;
    assert_eq!(fields(&p), vec!["participants"]);
    assert_eq!(count_events(&app).await, 0, "nothing written");
}

async fn area_code_is_resolved_on_the_start_date(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    // 01234 names Xã Yên Đĩnh before the reform and Xã Chợ Mới after it.
    json_of(
        app.post("/api/v1/events", &token, &event("a-before")).await,
        201,
    )
    .await;
    let mut after = event("a-after");
    after["start_date"] = json!("2025-08-01");
    after["end_date"] = json!("2025-08-01");
    json_of(app.post("/api/v1/events", &token, &after).await, 201).await;
    // 01237 was retired on 2025-06-30.
    let mut retired = event("a-retired");
    retired["area_code"] = json!("01237");
    retired["start_date"] = json!("2025-08-01");
    retired["end_date"] = json!("2025-08-01");
    let p = problem(app.post("/api/v1/events", &token, &retired).await, 422).await;
    assert_eq!(fields(&p), vec!["area_code"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2025-06-30"),
        "{p}"
    );
    // Events in district 058 (pre-2025) include the commune below it.
    let page = json_of(app.get("/api/v1/events?area=058", &app.admin()).await, 200).await;
    let ext: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(ext, vec!["a-before"]);
    let page = json_of(app.get("/api/v1/events?area=19", &app.admin()).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

async fn same_external_id_same_body_is_idempotent_and_other_body_conflicts(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("labour");
    let first = json_of(app.post("/api/v1/events", &token, &event("l-1")).await, 201).await;
    // Participant order and spelling do not change the content.
    let mut same = event("l-1");
    same["participants"] = json!([
        {"id_type": "phone", "value": "84912345678"},
        {"id_type": "citizen_id", "value": "001203004005"}
    ]);
    let again = json_of(app.post("/api/v1/events", &token, &same).await, 200).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["version"], 1);
    let mut other = event("l-1");
    other["title"] = json!("Another title");
    let p = problem(app.post("/api/v1/events", &token, &other).await, 409).await;
    assert_eq!(p["existing_id"], first["id"]);
    assert_eq!(count_events(&app).await, 1);
    // Another agency's identical external id is its own event.
    let b = json_of(
        app.post("/api/v1/events", &app.agency("police"), &event("l-1"))
            .await,
        201,
    )
    .await;
    assert_ne!(b["id"], first["id"]);
    assert_eq!(count_events(&app).await, 2);
}

async fn put_by_external_id_creates_replaces_and_checks_if_match(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("education");
    let url = "/api/v1/events/external/edu-7";
    let mut body = event("edu-7");
    body.as_object_mut().unwrap().remove("external_id");
    let created = app.send_json(Method::PUT, url, &token, &body).await;
    assert!(created.headers().get("location").is_some());
    let created = json_of(created, 201).await;
    let unchanged = json_of(app.send_json(Method::PUT, url, &token, &body).await, 200).await;
    assert_eq!(unchanged["version"], 1);
    body["title"] = json!("Tiết dạy lồng ghép");
    body["kind"] = json!("integrated_lesson");
    let updated = json_of(app.send_json(Method::PUT, url, &token, &body).await, 200).await;
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["kind"], "integrated_lesson");
    // Stale If-Match.
    body["title"] = json!("Third");
    let resp = app
        .client
        .put(app.url(url))
        .bearer_auth(&token)
        .header("If-Match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(resp, 412).await;
    let resp = app
        .client
        .put(app.url(url))
        .bearer_auth(&token)
        .header("If-Match", "\"2\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(resp, 200).await["version"], 3);
    // Mismatched body external id.
    body["external_id"] = json!("other");
    let p = problem(app.send_json(Method::PUT, url, &token, &body).await, 422).await;
    assert_eq!(fields(&p), vec!["external_id"]);
    assert_eq!(count_events(&app).await, 1);
}

async fn batch_reports_every_item_and_dry_run_writes_nothing(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("womens-union");
    json_of(
        app.post("/api/v1/events", &token, &event("b-existing"))
            .await,
        201,
    )
    .await;
    let mut changed = event("b-existing");
    changed["title"] = json!("changed");
    let mut invalid = event("b-bad");
    invalid["kind"] = json!("party");
    let mut dup_other = event("b-new");
    dup_other["title"] = json!("different");
    let items = json!([event("b-new"), event("b-existing"), changed, invalid, {"external_id": "b-shape", "bogus": 1}, event("b-new"), dup_other]);
    let dry = json_of(
        app.post(
            "/api/v1/events/batch?dry_run=true",
            &token,
            &json!({"items": items}),
        )
        .await,
        200,
    )
    .await;
    let statuses = |r: &Value| {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["status"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&dry),
        vec![
            "created",
            "unchanged",
            "conflict",
            "invalid",
            "invalid",
            "unchanged",
            "conflict"
        ]
    );
    assert_eq!(dry["dry_run"], true);
    assert_eq!(count_events(&app).await, 1, "dry run wrote nothing");

    let real = json_of(
        app.post("/api/v1/events/batch", &token, &json!({"items": items}))
            .await,
        200,
    )
    .await;
    assert_eq!(
        statuses(&real),
        vec![
            "created",
            "unchanged",
            "conflict",
            "invalid",
            "invalid",
            "unchanged",
            "conflict"
        ]
    );
    let items_out = real["items"].as_array().unwrap();
    assert_eq!(items_out[3]["errors"][0]["field"], "items[3].kind");
    assert_eq!(items_out[4]["errors"][0]["field"], "items[4].bogus");
    assert_eq!(items_out[4]["external_id"], "b-shape");
    assert_eq!(items_out[5]["id"], items_out[0]["id"]);
    assert_eq!(real["summary"]["created"], 1);
    assert_eq!(count_events(&app).await, 2);

    let upsert = json_of(
        app.post(
            "/api/v1/events/batch?mode=upsert",
            &token,
            &json!({"items": [changed_title("b-existing")]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(statuses(&upsert), vec!["updated"]);
    // Items carry the version they leave (issue 29): the created one 1,
    // the unchanged one its stored 1, the updated one 2 (the event's own
    // ETag), none where nothing was written or read.
    let versions = |r: &Value| {
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["version"].as_i64())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        versions(&real),
        vec![Some(1), Some(1), None, None, None, None, None]
    );
    assert!(versions(&dry).iter().all(Option::is_none), "{dry}");
    assert_eq!(versions(&upsert), vec![Some(2)]);
    let stored = app
        .get(
            &format!(
                "/api/v1/events/{}",
                upsert["items"][0]["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    assert_eq!(stored.headers()["etag"], "\"2\"");
    // Limits.
    problem(
        app.post("/api/v1/events/batch", &token, &json!({"items": []}))
            .await,
        422,
    )
    .await;
    let too_many: Vec<Value> = (0..1001).map(|i| event(&format!("m{i}"))).collect();
    let p = problem(
        app.post("/api/v1/events/batch", &token, &json!({"items": too_many}))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["items"]);
    problem(
        app.post(
            "/api/v1/events/batch?mode=merge",
            &token,
            &json!({"items": [event("x")]}),
        )
        .await,
        422,
    )
    .await;
}

fn changed_title(ext: &str) -> Value {
    let mut e = event(ext);
    e["title"] = json!("changed");
    e
}

async fn twenty_parallel_identical_posts_store_one_event(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let body = event("race-1");
    let futures: Vec<_> = (0..20)
        .map(|_| app.post("/api/v1/events", &token, &body))
        .collect();
    let responses = futures_util::future::join_all(futures).await;
    let mut ids = std::collections::BTreeSet::new();
    let mut created = 0;
    for r in responses {
        let status = r.status().as_u16();
        assert!(
            status == 201 || status == 200,
            "status {status}: {}",
            r.text().await.unwrap()
        );
        created += usize::from(status == 201);
        ids.insert(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(count_events(&app).await, 1);
}

async fn other_agencies_cannot_see_or_touch_an_event(app: TestApp) {
    app.seed_test_areas();
    let agencies = ["police", "womens-union", "education", "labour"];
    let tokens: Vec<String> = agencies.iter().map(|a| app.agency(a)).collect();
    let mut ids = Vec::new();
    for (a, t) in agencies.iter().zip(&tokens) {
        let e = json_of(
            app.post("/api/v1/events", t, &event(&format!("{a}-own")))
                .await,
            201,
        )
        .await;
        ids.push(e["id"].as_str().unwrap().to_string());
    }
    for (i, t) in tokens.iter().enumerate() {
        for (j, id) in ids.iter().enumerate() {
            if i == j {
                continue;
            }
            let path = format!("/api/v1/events/{id}");
            problem(app.get(&path, t).await, 404).await;
            let resp = app
                .client
                .put(app.url(&path))
                .bearer_auth(t)
                .header("If-Match", "\"1\"")
                .json(&changed_title("x"))
                .send()
                .await
                .unwrap();
            problem(resp, 404).await;
            problem(app.delete(&format!("{path}?reason=mine"), t).await, 404).await;
        }
        let page = json_of(app.get("/api/v1/events", t).await, 200).await;
        let own: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(own, vec![ids[i].as_str()]);
        // Asking for another agency's events by filter shows nothing.
        let page = json_of(
            app.get(
                &format!("/api/v1/events?agency={}", agencies[(i + 1) % 4]),
                t,
            )
            .await,
            200,
        )
        .await;
        assert!(page["items"].as_array().unwrap().is_empty());
    }
    // B's rows unchanged.
    for id in &ids {
        let e = json_of(
            app.get(&format!("/api/v1/events/{id}"), &app.admin()).await,
            200,
        )
        .await;
        assert_eq!(e["version"], 1);
    }
    // A named co-organiser sees the joint event once it confirmed, but
    // cannot write it.
    let mut joint = event("joint-1");
    joint["co_organizers"] = json!(["education"]);
    let j = json_of(app.post("/api/v1/events", &tokens[0], &joint).await, 201).await;
    let path = format!("/api/v1/events/{}", j["id"].as_str().unwrap());
    problem(app.get(&path, &tokens[2]).await, 404).await;
    confirm(&app, &tokens[2], j["id"].as_str().unwrap(), "education", 1).await;
    json_of(app.get(&path, &tokens[2]).await, 200).await;
    problem(
        app.delete(&format!("{path}?reason=x"), &tokens[2]).await,
        404,
    )
    .await;
    let page = json_of(app.get("/api/v1/events", &tokens[2]).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    // Dashboards read aggregates, not events; nor can they write.
    let viewer = app.viewer();
    problem(app.get("/api/v1/events", &viewer).await, 403).await;
    problem(app.get(&path, &viewer).await, 403).await;
    problem(app.post("/api/v1/events", &viewer, &event("v")).await, 403).await;
    problem(
        app.post(
            "/api/v1/events/batch",
            &viewer,
            &json!({"items": [event("v")]}),
        )
        .await,
        403,
    )
    .await;
    // Admins read everything, but only agencies post (the agency comes from the token).
    let page = json_of(app.get("/api/v1/events", &app.admin()).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    problem(
        app.post("/api/v1/events", &app.admin(), &event("adm"))
            .await,
        403,
    )
    .await;
}

async fn put_by_id_requires_if_match(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let e = json_of(app.post("/api/v1/events", &token, &event("p-1")).await, 201).await;
    let path = format!("/api/v1/events/{}", e["id"].as_str().unwrap());
    let body = changed_title("p-1");
    problem(app.send_json(Method::PUT, &path, &token, &body).await, 428).await;
    let stale = app
        .client
        .put(app.url(&path))
        .bearer_auth(&token)
        .header("If-Match", "\"7\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(stale, 412).await;
    let ok = app
        .client
        .put(app.url(&path))
        .bearer_auth(&token)
        .header("If-Match", "\"1\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers()["etag"], "\"2\"");
    assert_eq!(json_of(ok, 200).await["title"], "changed");
    // An admin can replace it too, and the external id cannot change.
    let mut renamed = changed_title("p-other");
    renamed["title"] = json!("x");
    let resp = app
        .client
        .put(app.url(&path))
        .bearer_auth(app.admin())
        .header("If-Match", "\"2\"")
        .json(&renamed)
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&problem(resp, 422).await), vec!["external_id"]);
}

async fn soft_delete_hides_the_event_and_keeps_it_for_audit(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("police");
    let e = json_of(app.post("/api/v1/events", &token, &event("d-1")).await, 201).await;
    let id = e["id"].as_str().unwrap();
    let path = format!("/api/v1/events/{id}");
    let p = problem(app.delete(&path, &token).await, 422).await;
    assert_eq!(fields(&p), vec!["reason"]);
    let deleted = json_of(
        app.delete(&format!("{path}?reason=duplicate%20entry"), &token)
            .await,
        200,
    )
    .await;
    assert_eq!(deleted["delete_reason"], "duplicate entry");
    let page = json_of(app.get("/api/v1/events", &token).await, 200).await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let page = json_of(
        app.get("/api/v1/events?include_deleted=true", &token).await,
        200,
    )
    .await;
    assert_eq!(page["items"][0]["id"], id);
    let audit = json_of(
        app.get(
            &format!("/api/v1/audit?entity=event&entity_id={id}"),
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["delete", "create"]);
    // Sending it again with restore=true restores it (issue 29: without it, a 409).
    let restored = json_of(
        app.send_json(
            Method::PUT,
            "/api/v1/events/external/d-1?restore=true",
            &token,
            &event("d-1"),
        )
        .await,
        200,
    )
    .await;
    assert!(restored.get("deleted_at").is_none());
}

async fn raw_participant_values_are_never_stored_or_returned(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("labour");
    let secret_cid = "079188001234";
    let secret_phone = "0987654321";
    let mut body = event("priv-1");
    body["participants"] = json!([
        {"id_type": "citizen_id", "value": secret_cid},
        {"id_type": "phone", "value": secret_phone},
        {"id_type": "agency_ref", "value": "REF-SECRET-77"}
    ]);
    let mut texts = Vec::new();
    texts.push(
        app.post("/api/v1/events", &token, &body)
            .await
            .text()
            .await
            .unwrap(),
    );
    // A bad identifier's error does not echo it either.
    let mut bad = event("priv-2");
    bad["participants"] = json!([{"id_type": "citizen_id", "value": "07918800123X"}]);
    texts.push(
        app.post("/api/v1/events", &token, &bad)
            .await
            .text()
            .await
            .unwrap(),
    );
    let mut wrong_type = event("priv-3");
    wrong_type["participants"] = json!([{"id_type": "citizen_id", "value": 79188001234_i64}]);
    texts.push(
        app.post("/api/v1/events", &token, &wrong_type)
            .await
            .text()
            .await
            .unwrap(),
    );
    texts.push(
        app.post(
            "/api/v1/events/batch",
            &token,
            &json!({"items": [bad.clone(), body.clone()]}),
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    texts.push(
        app.get("/api/v1/events", &token)
            .await
            .text()
            .await
            .unwrap(),
    );
    texts.push(
        app.get("/api/v1/audit?limit=500", &app.admin())
            .await
            .text()
            .await
            .unwrap(),
    );
    for t in &texts {
        for secret in [
            secret_cid,
            secret_phone,
            "912345678",
            "987654321",
            "REF-SECRET-77",
            "07918800123X",
            "79188001234",
        ] {
            assert!(!t.contains(secret), "{secret} leaked in {t}");
        }
    }
    // The stored bytes.
    let dump = match app.db {
        Db::Sqlite => {
            drop(app.state.pool.clone());
            let mut bytes = Vec::new();
            for f in ["test.db", "test.db-wal"] {
                if let Ok(b) = std::fs::read(app.data_dir.path().join(f)) {
                    bytes.extend(b);
                }
            }
            bytes
        }
        Db::Postgres => {
            let url = app.settings.database_url.clone();
            let campaign_tracker::config::DatabaseUrl::Postgres(url) = url else {
                unreachable!()
            };
            std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&url)
                .output()
                .expect("pg_dump")
                .stdout
        }
    };
    assert!(dump.len() > 1000, "the dump holds the data");
    let text = String::from_utf8_lossy(&dump);
    for secret in [
        secret_cid,
        secret_phone,
        "+84987654321",
        "REF-SECRET-77",
        "agency_ref:labour",
    ] {
        assert!(!text.contains(secret), "{secret} is in the database file");
    }
}

async fn deactivated_agency_cannot_write(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("labour");
    json_of(app.post("/api/v1/events", &token, &event("x-1")).await, 201).await;
    json_of(
        app.patch(
            "/api/v1/agencies/labour",
            &app.admin(),
            &json!({"active": false}),
        )
        .await,
        200,
    )
    .await;
    problem(app.post("/api/v1/events", &token, &event("x-2")).await, 403).await;
    problem(
        app.post(
            "/api/v1/events/batch",
            &token,
            &json!({"items": [event("x-3")]}),
        )
        .await,
        403,
    )
    .await;
    // It still reads its own events.
    let page = json_of(app.get("/api/v1/events", &token).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // And nobody can name it as a co-organiser.
    let mut joint = event("j");
    joint["co_organizers"] = json!(["labour"]);
    let p = problem(
        app.post("/api/v1/events", &app.agency("police"), &joint)
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["co_organizers"]);
}

async fn list_filters_and_cursor_pagination(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("education");
    let mut expected = Vec::new();
    for i in 0..7 {
        let mut e = event(&format!("f-{i}"));
        if i % 2 == 0 {
            e["kind"] = json!("extracurricular");
            e["topics"] = json!(["drug_prevention"]);
            e["target_groups"] = json!(["students"]);
        }
        e["start_date"] = json!(format!("2024-0{}-01", i + 1));
        e["end_date"] = json!(format!("2024-0{}-01", i + 1));
        expected.push(
            json_of(app.post("/api/v1/events", &token, &e).await, 201).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/events?limit=3".to_string();
    loop {
        let page = json_of(app.get(&path, &token).await, 200).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/events?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    let count = |q: &str| {
        let q = q.to_string();
        let app = &app;
        let token = token.clone();
        async move {
            json_of(app.get(&format!("/api/v1/events?{q}"), &token).await, 200).await["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("kind=extracurricular").await, 4);
    assert_eq!(count("topic=drug_prevention").await, 4);
    assert_eq!(count("target_group=students").await, 4);
    assert_eq!(count("target_group=women").await, 3);
    assert_eq!(count("from=2024-03-01&to=2024-05-01").await, 3);
    assert_eq!(count("agency=education&agency=police").await, 7);
    assert_eq!(count("limit=500").await, 7);
    let since = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    assert_eq!(
        count(&format!("updated_since={}", since.replace('+', "%2B"))).await,
        0
    );
    problem(app.get("/api/v1/events?kind=party", &token).await, 422).await;
    // Issue 29: a page size out of range is refused, not clamped.
    for bad in ["limit=0", "limit=-1", "limit=501", "limit=1000000"] {
        let p = problem(app.get(&format!("/api/v1/events?{bad}"), &token).await, 422).await;
        assert_eq!(crate::helpers::fields(&p), ["limit"], "{bad}");
    }
    problem(app.get("/api/v1/events?cursor=zzz", &token).await, 422).await;
    problem(app.get("/api/v1/events?area=77777", &token).await, 422).await;
}

/// New events' views are built from the request, not read back: the POST
/// answer, the batch's events and their audit records must still equal what
/// a GET returns, sets in the same order whatever the order of the request.
async fn created_views_equal_what_is_read_back(app: TestApp) {
    app.seed_test_areas();
    let token = app.agency("womens-union");
    let admin = app.admin();
    let shuffled = |id: &str| {
        let mut e = event(id);
        // Request order differs from both the vocabularies' and byte order.
        e["topics"] = json!(["safe_migration", "child_protection", "human_trafficking"]);
        e["target_groups"] = json!(["women", "students", "girls"]);
        e["co_organizers"] = json!(["police", "labour"]);
        e
    };
    let posted = json_of(
        app.post("/api/v1/events", &token, &shuffled("v-single"))
            .await,
        201,
    )
    .await;
    assert_eq!(
        posted["topics"],
        json!(["child_protection", "human_trafficking", "safe_migration"])
    );
    assert_eq!(
        posted["target_groups"],
        json!(["girls", "students", "women"])
    );
    assert_eq!(posted["co_organizers"], json!(["labour", "police"]));
    let batch = json_of(
        app.post(
            "/api/v1/events/batch",
            &token,
            &json!({"items": [shuffled("v-batch-1"), event("v-batch-2")]}),
        )
        .await,
        200,
    )
    .await;
    let mut ids = vec![posted["id"].as_str().unwrap().to_string()];
    for item in batch["items"].as_array().unwrap() {
        assert_eq!(item["status"], "created");
        ids.push(item["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        let stored = json_of(app.get(&format!("/api/v1/events/{id}"), &token).await, 200).await;
        assert_eq!(stored["id"], json!(id));
        if *id == ids[0] {
            assert_eq!(posted, stored, "the POST answer is the stored event");
        }
        let audit = json_of(
            app.get(
                &format!("/api/v1/audit?entity=event&entity_id={id}"),
                &admin,
            )
            .await,
            200,
        )
        .await;
        let records = audit["items"].as_array().unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0]["action"], "create");
        assert_eq!(
            records[0]["after"], stored,
            "the audit record is the stored event"
        );
    }
}

/// Confirms the claim naming `agency` on event `id` at `version`.
pub async fn confirm(app: &TestApp, token: &str, id: &str, agency: &str, version: i64) -> Value {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/events/{id}/claims/{agency}/confirm")))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .send()
        .await
        .unwrap();
    json_of(resp, 200).await
}
