//! Retention of identifiers (issue 34, `PARTICIPANT_RETENTION_YEARS`):
//! events that ended more than the retention ago lose their people's keys
//! only where their period is published; their live figures then count
//! those people as unidentified attendance (headcounts stay), on both
//! engines, as a model computed here says; the publication reads the same
//! byte for byte; a dry run changes nothing; a second run clears nothing
//! more; only admins, and only when the setting is set.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    settings = |s| s.retention_years = Some(5);
    old_identifiers_go_only_where_the_period_is_published,
);
both_backends!(retention_needs_its_setting,);

fn cid(n: u32) -> String {
    format!("0012{n:08}")
}

fn event(ext: &str, day: &str, total: i64, people: &[u32]) -> Value {
    json!({"external_id": ext, "kind": "community_meeting", "title": ext, "topics": ["human_trafficking"],
        "start_date": day, "end_date": day, "area_code": "01234", "attendance": {"total": total},
        "participants": people.iter().map(|n| json!({"id_type": "citizen_id", "value": cid(*n)})).collect::<Vec<_>>()})
}

/// People and person-times of `from..to`, as the service answers.
async fn figures(app: &TestApp, from: &str, to: &str) -> (u64, u64) {
    let a = json_of(
        app.get(
            &format!("/api/v1/aggregates?from={from}&to={to}"),
            &app.viewer(),
        )
        .await,
        200,
    )
    .await;
    (
        a["totals"]["unique_participants"].as_u64().unwrap(),
        a["totals"]["attendances"].as_u64().unwrap(),
    )
}

async fn old_identifiers_go_only_where_the_period_is_published(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let women = app.agency("womens-union");
    // A: 2019-Q1 (to be published), B: 2019-Q2 (not published), both past
    // five years; C: 2024, within them. Person 1 is at all three.
    let mut ids = Vec::new();
    for (token, ext, day, total, people) in [
        (&police, "a", "2019-02-10", 30, vec![1, 2, 3]),
        (&police, "b", "2019-05-10", 20, vec![1, 4]),
        (&women, "c", "2024-03-10", 25, vec![1, 5]),
    ] {
        let e = json_of(
            app.post("/api/v1/events", token, &event(ext, day, total, &people))
                .await,
            201,
        )
        .await;
        ids.push(e["id"].as_str().unwrap().to_string());
    }
    let admin = app.admin();
    json_of(
        app.post(
            "/api/v1/publications",
            &admin,
            &json!({"title": "Quý I/2019", "period": "2019-Q1"}),
        )
        .await,
        201,
    )
    .await;
    let published = app
        .get("/api/v1/publications/2019-Q1", &admin)
        .await
        .bytes()
        .await
        .unwrap();
    let sql = app.twin(|s| s.reach_index = false).await;
    for engine in [&app, &sql] {
        assert_eq!(
            figures(engine, "2019-01-01", "2019-12-31").await,
            (4, 50),
            "before"
        );
    }
    // Today in Vietnam, five years back: the cutoff.
    let today = (Utc::now() + Duration::hours(7)).date_naive();
    // (29 February falls to the 28th; every other day exists five years back.)
    let cutoff = NaiveDate::from_ymd_opt(today.year() - 5, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(today.year() - 5, today.month(), 28))
        .unwrap();
    let run = |dry: bool| {
        let app = &app;
        let admin = admin.clone();
        async move {
            json_of(
                app.post(
                    &format!("/api/v1/privacy/retention?dry_run={dry}"),
                    &admin,
                    &json!({}),
                )
                .await,
                200,
            )
            .await
        }
    };
    let dry = run(true).await;
    assert_eq!(
        (
            dry["events_past_retention"].as_u64(),
            dry["events_cleared"].as_u64(),
            dry["links_removed"].as_u64()
        ),
        (Some(2), Some(1), Some(0)),
        "{dry}"
    );
    assert_eq!(dry["published_periods"], json!(["2019-Q1"]));
    assert_eq!(dry["cutoff"], json!(cutoff.to_string()));
    assert_eq!(
        figures(&app, "2019-01-01", "2019-12-31").await,
        (4, 50),
        "a dry run changes nothing"
    );
    let done = run(false).await;
    assert_eq!(
        (
            done["events_cleared"].as_u64(),
            done["links_removed"].as_u64()
        ),
        (Some(1), Some(3)),
        "{done}"
    );
    // The model: A keeps its 30 person-times, without people; person 1
    // stays identified through B. 2019: {1, 4}; its first quarter: nobody.
    for engine in [&app, &sql] {
        assert_eq!(
            figures(engine, "2019-01-01", "2019-12-31").await,
            (2, 50),
            "after, index {}",
            engine.settings.reach_index
        );
        assert_eq!(figures(engine, "2019-01-01", "2019-03-31").await, (0, 30));
        assert_eq!(figures(engine, "2024-01-01", "2024-12-31").await, (2, 25));
    }
    let identified = |i: usize| {
        let (app, id, token) = (
            &app,
            ids[i].clone(),
            if i == 2 {
                women.clone()
            } else {
                police.clone()
            },
        );
        async move {
            json_of(app.get(&format!("/api/v1/events/{id}"), &token).await, 200).await["participants_identified"].as_i64()
        }
    };
    assert_eq!(
        (
            identified(0).await,
            identified(1).await,
            identified(2).await
        ),
        (Some(0), Some(2), Some(2))
    );
    // The signed figures read the same, byte for byte.
    let after = app
        .get("/api/v1/publications/2019-Q1", &admin)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(published, after);
    // Person 2 is no longer known to the service; person 1 still is (B, C).
    let access = |n: u32| {
        let (app, admin) = (&app, admin.clone());
        async move {
            json_of(app.post("/api/v1/privacy/requests", &admin,
                &json!({"kind": "access", "identifier": {"id_type": "citizen_id", "value": cid(n)}})).await, 201).await
        }
    };
    assert_eq!(access(2).await["events"].as_array().map(Vec::len), Some(0));
    assert_eq!(access(1).await["events"].as_array().map(Vec::len), Some(2));
    // The register counts what is held: persons 1, 4, 5 (2 and 3 are
    // forgotten with event A's links), in events B and C.
    let register = json_of(app.get("/api/v1/privacy/register", &admin).await, 200).await;
    let figures = &register["figures"];
    assert_eq!(
        (
            figures["identifiers_held"].as_i64(),
            figures["events_with_identifiers"].as_i64()
        ),
        (Some(3), Some(2)),
        "{register}"
    );
    assert!(
        register["retention"]
            .as_str()
            .is_some_and(|r| r.starts_with("5 năm") && r.contains("5 years")),
        "{register}"
    );
    // Again: nothing more to clear.
    let again = run(false).await;
    assert_eq!(
        (
            again["events_past_retention"].as_u64(),
            again["events_cleared"].as_u64()
        ),
        (Some(1), Some(0)),
        "{again}"
    );
    // Recorded with counts only.
    let audit = json_of(
        app.get("/api/v1/audit?entity=privacy_retention", &admin)
            .await,
        200,
    )
    .await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert!(!audit.to_string().contains(&cid(2)), "{audit}");
    // Only admins.
    for token in [police, app.viewer()] {
        problem(
            app.post("/api/v1/privacy/retention", &token, &json!({}))
                .await,
            403,
        )
        .await;
    }
}

async fn retention_needs_its_setting(app: TestApp) {
    let p = problem(
        app.post("/api/v1/privacy/retention", &app.admin(), &json!({}))
            .await,
        409,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("PARTICIPANT_RETENTION_YEARS"),
        "{p}"
    );
}
