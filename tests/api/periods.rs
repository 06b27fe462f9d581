//! Locked periods (issue 17): once an admin locks a period, every write
//! path that would move its figures answers 409 `period-locked`, on both
//! databases; reopening (with a reason) lets them through again; both are
//! audited; a lock taken while writes are in flight never lets one of them
//! land in the locked period after it.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::both_backends;
use crate::events::confirm;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(
    a_lock_refuses_every_write_path_until_reopened,
    a_linked_report_outside_the_period_is_held_by_its_real_event,
    a_lock_taken_during_writes_lets_none_through_after_it,
    lock_requests_are_checked,
);

const LOCKED_TYPE: &str = "urn:campaign-tracker:problem:period-locked";

fn report(external_id: &str, day: &str, total: i64) -> Value {
    json!({
        "external_id": external_id,
        "kind": "training_class",
        "title": external_id,
        "topics": ["human_trafficking"],
        "start_date": day,
        "end_date": day,
        "area_code": "01234",
        "attendance": {"total": total},
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    json_of(app.post("/api/v1/events", token, body).await, 201).await
}

/// Asserts that `resp` is the 409 naming `period`.
async fn refused(resp: reqwest::Response, period: &str) {
    let p = problem(resp, 409).await;
    assert_eq!(p["type"], LOCKED_TYPE, "{p}");
    assert_eq!(p["locked_period"], period, "{p}");
}

pub(crate) async fn lock(app: &TestApp, period: &str, status: u16) -> Value {
    json_of(
        app.post(
            "/api/v1/periods",
            &app.admin(),
            &json!({"period": period, "reason": "Báo cáo đã ký"}),
        )
        .await,
        status,
    )
    .await
}

pub(crate) async fn reopen(app: &TestApp, period: &str) -> Value {
    json_of(
        app.post(
            &format!("/api/v1/periods/{period}/reopen"),
            &app.admin(),
            &json!({"reason": "a duplicated class to correct"}),
        )
        .await,
        200,
    )
    .await
}

async fn put(
    app: &TestApp,
    token: &str,
    id: &str,
    version: i64,
    body: &Value,
) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/events/{id}")))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn put_external(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    let path = format!(
        "/api/v1/events/external/{}",
        body["external_id"].as_str().unwrap()
    );
    app.send_json(reqwest::Method::PUT, &path, token, body)
        .await
}

/// `events` and `attendances` of July 2025 as the viewer reads them.
async fn july(app: &TestApp) -> (i64, i64) {
    let t = json_of(
        app.get(
            "/api/v1/aggregates?from=2025-07-01&to=2025-07-31",
            &app.viewer(),
        )
        .await,
        200,
    )
    .await["totals"]
        .clone();
    (
        t["events"].as_i64().unwrap(),
        t["attendances"].as_i64().unwrap(),
    )
}

async fn a_lock_refuses_every_write_path_until_reopened(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let wu = app.agency("womens-union");
    let admin = app.admin();
    let a = create(&app, &police, &report("a-july", "2025-07-10", 40)).await;
    create(&app, &wu, &report("b-july", "2025-07-31", 25)).await;
    let mut joint_body = report("j-july", "2025-07-20", 60);
    joint_body["co_organizers"] = json!(["womens-union"]);
    let joint = create(&app, &police, &joint_body).await;
    let c = create(&app, &police, &report("c-august", "2025-08-01", 15)).await;
    // The women's union's report of police's class: a duplicate candidate.
    let dup = create(&app, &wu, &report("a-july", "2025-07-10", 40)).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    // Ground truth from the bodies posted: four July events, 40 + 25 + 60 + 40.
    assert_eq!(july(&app).await, (4, 165));

    let l = lock(&app, "2025-07", 201).await;
    assert_eq!(l["period"], "2025-07");
    assert_eq!(l["starts_on"], "2025-07-01");
    assert_eq!(l["ends_on"], "2025-07-31");
    assert_eq!(l["active"], true);
    // Locking again returns the same lock.
    assert_eq!(lock(&app, "2025-07", 200).await["id"], l["id"]);

    // Every way to move July's figures is refused.
    refused(
        app.post(
            "/api/v1/events",
            &police,
            &report("new-july", "2025-07-01", 9),
        )
        .await,
        "2025-07",
    )
    .await;
    let mut changed = report("a-july", "2025-07-10", 41);
    refused(put_external(&app, &police, &changed).await, "2025-07").await;
    refused(put(&app, &police, &id(&a), 1, &changed).await, "2025-07").await;
    changed["start_date"] = json!("2025-08-02");
    changed["end_date"] = json!("2025-08-02");
    refused(put(&app, &police, &id(&a), 1, &changed).await, "2025-07").await;
    // Into July from August.
    let into = report("c-august", "2025-07-31", 15);
    refused(put(&app, &police, &id(&c), 1, &into).await, "2025-07").await;
    refused(
        app.delete(
            &format!("/api/v1/events/{}?reason=mistake", id(&a)),
            &police,
        )
        .await,
        "2025-07",
    )
    .await;
    // Admins are refused too: they reopen first.
    refused(
        app.delete(&format!("/api/v1/events/{}?reason=mistake", id(&a)), &admin)
            .await,
        "2025-07",
    )
    .await;
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/events/{}/claims/womens-union/confirm",
            id(&joint)
        )))
        .bearer_auth(&wu)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    refused(resp, "2025-07").await;
    for token in [&police, &admin] {
        refused(
            app.post(
                &format!("/api/v1/events/{}/same-as", id(&a)),
                token,
                &json!({"other_id": id(&dup)}),
            )
            .await,
            "2025-07",
        )
        .await;
    }
    // A batch answers each item: locked ones are refused, the rest stored.
    let batch = json!({"items": [
        report("new-july-2", "2025-07-05", 7),
        report("new-august", "2025-08-05", 8),
        report("a-july", "2025-07-10", 99),
    ]});
    for dry in ["true", "false"] {
        let out = json_of(
            app.post(
                &format!("/api/v1/events/batch?mode=upsert&dry_run={dry}"),
                &police,
                &batch,
            )
            .await,
            200,
        )
        .await;
        let statuses: Vec<&str> = out["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["locked", "created", "locked"], "{out}");
        assert_eq!(out["summary"]["locked"], 2);
        assert_eq!(out["items"][0]["errors"][0]["field"], "items[0].start_date");
        assert!(
            out["items"][2]["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("2025-07")
        );
    }
    // Re-sending what is stored is not a change: a sync job's retry passes.
    json_of(
        put_external(&app, &police, &report("a-july", "2025-07-10", 40)).await,
        200,
    )
    .await;
    // Outside the period, writes go on.
    json_of(
        put(
            &app,
            &police,
            &id(&c),
            1,
            &report("c-august", "2025-08-03", 16),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(july(&app).await, (4, 165));

    // Every token sees the lock.
    let listed = json_of(app.get("/api/v1/periods", &police).await, 200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["items"][0]["period"], "2025-07");

    // Reopened, the same writes pass.
    let r = reopen(&app, "2025-07").await;
    assert_eq!(r["active"], false);
    assert_eq!(r["reopen_reason"], "a duplicated class to correct");
    confirm(&app, &wu, &id(&joint), "womens-union", 1).await;
    json_of(
        put(
            &app,
            &police,
            &id(&a),
            1,
            &report("a-july", "2025-07-10", 41),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(july(&app).await, (4, 166));
    let listed = json_of(app.get("/api/v1/periods", &police).await, 200).await;
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
    let history = json_of(
        app.get("/api/v1/periods?all=true", &app.viewer()).await,
        200,
    )
    .await;
    assert_eq!(
        history["items"][0]["reopen_reason"],
        "a duplicated class to correct"
    );

    // Both are in the audit log, on the period.
    let audit = json_of(
        app.get("/api/v1/audit?entity=period&entity_id=2025-07", &admin)
            .await,
        200,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 2, "{audit}");
    assert!(
        actions.contains(&"lock") && actions.contains(&"reopen"),
        "{audit}"
    );
}

async fn a_linked_report_outside_the_period_is_held_by_its_real_event(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let wu = app.agency("womens-union");
    let admin = app.admin();
    let a = create(&app, &police, &report("a-july", "2025-07-31", 40)).await;
    let w = create(&app, &wu, &report("w-august", "2025-08-01", 40)).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    json_of(
        app.post(
            &format!("/api/v1/events/{}/same-as", id(&a)),
            &admin,
            &json!({"other_id": id(&w)}),
        )
        .await,
        200,
    )
    .await;
    lock(&app, "2025-07", 201).await;
    // The August report is part of a real event dated in July: changing,
    // deleting or unlinking it would move July's figures.
    refused(
        put(&app, &wu, &id(&w), 1, &report("w-august", "2025-08-01", 41)).await,
        "2025-07",
    )
    .await;
    refused(
        app.delete(&format!("/api/v1/events/{}?reason=x", id(&w)), &wu)
            .await,
        "2025-07",
    )
    .await;
    refused(
        app.delete(&format!("/api/v1/events/{}/same-as", id(&w)), &wu)
            .await,
        "2025-07",
    )
    .await;
    refused(
        app.delete(
            &format!("/api/v1/events/{}/same-as/{}", id(&w), id(&a)),
            &wu,
        )
        .await,
        "2025-07",
    )
    .await;
    // A year lock covers it too; reopening the month leaves the year.
    lock(&app, "2025", 201).await;
    reopen(&app, "2025-07").await;
    refused(
        put(&app, &wu, &id(&w), 1, &report("w-august", "2025-08-01", 41)).await,
        "2025",
    )
    .await;
    reopen(&app, "2025").await;
    json_of(
        put(&app, &wu, &id(&w), 1, &report("w-august", "2025-08-01", 41)).await,
        200,
    )
    .await;
}

fn instant(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn a_lock_taken_during_writes_lets_none_through_after_it(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let rounds = std::env::var("CT_RACE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    for round in 0..rounds {
        let writes = (0..12).map(|i| {
            let body = report(&format!("r{round}-{i}"), "2025-03-15", 1);
            let app = &app;
            let police = &police;
            async move {
                app.post("/api/v1/events", police, &body)
                    .await
                    .status()
                    .as_u16()
            }
        });
        let locking = async { lock(&app, "2025-03", 201).await };
        let (statuses, l) = futures_util::join!(join_all(writes), locking);
        let locked_at = instant(&l["locked_at"]);
        // Every write was either stored before the lock or refused.
        let stored: Vec<Value> = json_of(
            app.get(
                "/api/v1/events?limit=500&from=2025-03-01&to=2025-03-31",
                &police,
            )
            .await,
            200,
        )
        .await["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["external_id"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("r{round}-"))
            })
            .cloned()
            .collect();
        let created = statuses.iter().filter(|s| **s == 201).count();
        let refused = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!(created + refused, statuses.len(), "{statuses:?}");
        assert_eq!(stored.len(), created, "round {round}");
        for e in &stored {
            assert!(
                instant(&e["created_at"]) < locked_at,
                "{e} stored after the lock at {locked_at}"
            );
        }
        reopen(&app, "2025-03").await;
    }
}

async fn lock_requests_are_checked(app: TestApp) {
    let police = app.agency("police");
    let admin = app.admin();
    problem(
        app.post(
            "/api/v1/periods",
            &police,
            &json!({"period": "2025-07", "reason": "x"}),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.post(
            "/api/v1/periods/2025-07/reopen",
            &app.viewer(),
            &json!({"reason": "x"}),
        )
        .await,
        403,
    )
    .await;
    for (body, field) in [
        (json!({"period": "2025-13", "reason": "x"}), "period"),
        (json!({"period": "2025-Q5", "reason": "x"}), "period"),
        (json!({"period": "25", "reason": "x"}), "period"),
        (json!({"period": "2025-07", "reason": "  "}), "reason"),
    ] {
        let p = problem(app.post("/api/v1/periods", &admin, &body).await, 422).await;
        assert_eq!(fields(&p), [field], "{p}");
    }
    problem(
        app.post("/api/v1/periods", &admin, &json!({"period": "2025-07"}))
            .await,
        422,
    )
    .await;
    problem(
        app.post(
            "/api/v1/periods/2025-08/reopen",
            &admin,
            &json!({"reason": "x"}),
        )
        .await,
        404,
    )
    .await;
    problem(app.get("/api/v1/periods?period=July", &police).await, 422).await;
    // Pagination, newest first.
    for p in ["2024", "2024-Q1", "2024-02", "2023"] {
        lock(&app, p, 201).await;
    }
    let first = json_of(app.get("/api/v1/periods?limit=3", &police).await, 200).await;
    let names: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["period"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["2023", "2024-02", "2024-Q1"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = json_of(
        app.get(&format!("/api/v1/periods?limit=3&cursor={cursor}"), &police)
            .await,
        200,
    )
    .await;
    assert_eq!(rest["items"][0]["period"], "2024");
    assert!(rest["next_cursor"].is_null());
    let one = json_of(
        app.get("/api/v1/periods?period=2024-Q1", &police).await,
        200,
    )
    .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
}
