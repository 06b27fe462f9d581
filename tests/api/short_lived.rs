//! `GET /api/v1/audit/short-lived-events`: events deleted soon after their
//! creation (the trace a "post, read an aggregate, delete" probe leaves).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use campaign_tracker::db::schema::events;

use crate::both_backends;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(
    an_event_deleted_at_once_is_listed_with_its_facts,
    lifetimes_are_compared_to_the_microsecond,
    filters_pagination_and_bad_parameters,
);

const PATH: &str = "/api/v1/audit/short-lived-events";

fn event(external_id: &str, phones: &[&str]) -> Value {
    json!({
        "external_id": external_id,
        "kind": "community_meeting",
        "title": external_id,
        "topics": ["human_trafficking"],
        "start_date": "2024-03-08",
        "end_date": "2024-03-08",
        "area_code": "01234",
        "attendance": {"total": 20},
        "participants": phones.iter().map(|p| json!({"id_type": "phone", "value": p})).collect::<Vec<_>>(),
    })
}

/// Creates an event and returns its view.
async fn create(app: &TestApp, token: &str, external_id: &str, phones: &[&str]) -> Value {
    json_of(
        app.post("/api/v1/events", token, &event(external_id, phones))
            .await,
        201,
    )
    .await
}

/// Deletes an event and returns its view.
async fn delete(app: &TestApp, token: &str, id: &Value, reason: &str) -> Value {
    json_of(
        app.delete(
            &format!("/api/v1/events/{}?reason={reason}", id.as_str().unwrap()),
            token,
        )
        .await,
        200,
    )
    .await
}

async fn list(app: &TestApp, query: &str) -> Value {
    json_of(app.get(&format!("{PATH}{query}"), &app.admin()).await, 200).await
}

fn external_ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["external_id"].as_str().unwrap())
        .collect()
}

async fn sorted_ids(app: &TestApp, query: &str) -> Vec<String> {
    let mut ids: Vec<String> = external_ids(&list(app, query).await)
        .into_iter()
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

fn stored_times(app: &TestApp, external_id: &str) -> (NaiveDateTime, Option<NaiveDateTime>) {
    events::table
        .filter(events::external_id.eq(external_id))
        .select((events::created_at, events::deleted_at))
        .first(&mut *app.conn())
        .unwrap()
}

fn set_created_at(app: &TestApp, external_id: &str, t: NaiveDateTime) {
    diesel::update(events::table.filter(events::external_id.eq(external_id)))
        .set(events::created_at.eq(t))
        .execute(&mut *app.conn())
        .unwrap();
}

async fn an_event_deleted_at_once_is_listed_with_its_facts(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    create(&app, &police, "kept-1", &["0912000001"]).await;
    let probe = create(&app, &police, "probe", &["0912000002", "0912000003"]).await;
    create(&app, &police, "kept-2", &["0912000004"]).await;
    let deleted = delete(&app, &police, &probe["id"], "entered%20by%20mistake").await;

    let page = list(&app, "").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let item = &items[0];
    assert_eq!(item["id"], probe["id"]);
    assert_eq!(item["agency"], "police");
    assert_eq!(item["external_id"], "probe");
    assert_eq!(item["created_at"], probe["created_at"]);
    assert_eq!(item["deleted_at"], deleted["deleted_at"]);
    assert_eq!(item["participants_identified"], 2);
    assert_eq!(item["delete_reason"], "entered by mistake");
    let (created_at, deleted_at) = stored_times(&app, "probe");
    assert_eq!(
        item["lived_seconds"],
        (deleted_at.unwrap() - created_at).num_seconds()
    );
    assert!(item["lived_seconds"].as_i64().unwrap() < 60);
    assert!(page["next_cursor"].is_null());

    // Admin only.
    for token in [&police, &app.viewer()] {
        problem(app.get(PATH, token).await, 403).await;
    }
}

async fn lifetimes_are_compared_to_the_microsecond(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    // Each event's lifetime is set exactly, after its deletion, from the
    // stored deletion time.
    let lifetimes = [
        ("exactly-60-min", Duration::minutes(60)),
        (
            "60-min-and-1-us",
            Duration::minutes(60) + Duration::microseconds(1),
        ),
        (
            "59-min",
            Duration::minutes(59) + Duration::microseconds(999_999),
        ),
        ("2-hours", Duration::hours(2)),
        ("8-days", Duration::days(8)),
    ];
    for (ext, lived) in lifetimes {
        let e = create(&app, &police, ext, &[]).await;
        delete(&app, &police, &e["id"], "x").await;
        let (_, deleted_at) = stored_times(&app, ext);
        set_created_at(&app, ext, deleted_at.unwrap() - lived);
        let (created_at, _) = stored_times(&app, ext);
        assert_eq!(
            deleted_at.unwrap() - created_at,
            lived,
            "{ext} stored exactly"
        );
    }
    assert_eq!(sorted_ids(&app, "").await, ["59-min", "exactly-60-min"]);
    assert_eq!(
        sorted_ids(&app, "?within_minutes=59").await,
        Vec::<String>::new()
    );
    assert_eq!(
        sorted_ids(&app, "?within_minutes=61").await,
        ["59-min", "60-min-and-1-us", "exactly-60-min"]
    );
    assert_eq!(
        sorted_ids(&app, "?within_minutes=120").await,
        ["2-hours", "59-min", "60-min-and-1-us", "exactly-60-min"]
    );
    assert_eq!(
        sorted_ids(&app, "?within_minutes=10080").await,
        ["2-hours", "59-min", "60-min-and-1-us", "exactly-60-min"],
        "eight days is more than the longest window"
    );
    let exact = list(&app, "?within_minutes=60").await;
    let item = exact["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["external_id"] == "exactly-60-min")
        .unwrap();
    assert_eq!(item["lived_seconds"], 3600);
    let item = &list(&app, "?within_minutes=10080").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["external_id"] == "59-min")
        .unwrap()
        .clone();
    assert_eq!(
        item["lived_seconds"],
        59 * 60,
        "whole seconds, rounded down"
    );
}

async fn filters_pagination_and_bad_parameters(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let education = app.agency("education");
    for (token, ext) in [
        (&police, "p1"),
        (&education, "e1"),
        (&police, "p2"),
        (&education, "e2"),
        (&police, "p3"),
    ] {
        let e = create(&app, token, ext, &["0912000009"]).await;
        delete(&app, token, &e["id"], "probe").await;
    }
    // A restored event is no longer deleted: not listed.
    json_of(
        app.send_json(
            reqwest::Method::PUT,
            "/api/v1/events/external/p3?restore=true",
            &police,
            &event("p3", &["0912000009"]),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(
        external_ids(&list(&app, "").await),
        ["e2", "p2", "e1", "p1"]
    );
    assert_eq!(
        external_ids(&list(&app, "?agency=police").await),
        ["p2", "p1"]
    );
    assert!(external_ids(&list(&app, "?agency=labour").await).is_empty());

    // Dates bound the deletion day in Vietnam's calendar.
    let today = campaign_tracker_today();
    let yesterday = today - Duration::days(1);
    let tomorrow = today + Duration::days(1);
    assert_eq!(
        list(&app, &format!("?from={today}&to={today}")).await["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(external_ids(&list(&app, &format!("?from={tomorrow}")).await).is_empty());
    assert!(external_ids(&list(&app, &format!("?to={yesterday}")).await).is_empty());

    // Pages of one walk every item once, in order.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_string();
    loop {
        let page = list(&app, &query).await;
        seen.extend(external_ids(&page).into_iter().map(str::to_string));
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["e2", "p2", "e1", "p1"]);
    let page = list(&app, "?limit=3&agency=education").await;
    assert_eq!(external_ids(&page), ["e2", "e1"]);
    assert!(page["next_cursor"].is_null());

    let admin = app.admin();
    for (query, field) in [
        ("?within_minutes=0", "within_minutes"),
        ("?within_minutes=10081", "within_minutes"),
        ("?within_minutes=-5", "within_minutes"),
        ("?within_minutes=abc", "within_minutes"),
        ("?cursor=abc", "cursor"),
        ("?from=2024-03-02&to=2024-03-01", "to"),
        ("?from=2024-02-30", "from"),
        ("?from=1899-12-31", "from"),
        ("?to=0999-12-31", "to"),
        ("?to=10000-01-01", "to"),
        ("?to=2101-01-01", "to"),
        ("?bogus=1", "bogus"),
    ] {
        let p = problem(app.get(&format!("{PATH}{query}"), &admin).await, 422).await;
        assert_eq!(fields(&p), [field], "{query}");
    }
}

/// Today in Vietnam, as the service counts days.
fn campaign_tracker_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + Duration::hours(7)).date_naive()
}
