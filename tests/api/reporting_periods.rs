//! Reporting periods under the cut-off of Decree 09/2019/NĐ-CP (issue 33):
//! with `REPORTING_PERIODS=decree-09` a month runs from the 15th of the
//! month before to the 14th, and everything that names a period follows:
//! `group_by=period:*` on both engines (people and first-time people
//! included), locks, the report's name for the period, what `/whoami` tells
//! the dashboard's picker. The rule cannot change while a period is locked.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, json as json_of};
use crate::periods::{lock, reopen};
use campaign_tracker::config::PeriodRule;

both_backends!(
    settings = |s| s.period_rule = campaign_tracker::config::PeriodRule::Decree09;
    every_period_is_cut_on_the_14th,
);

both_backends!(the_rule_cannot_change_while_a_period_is_locked,);

/// (external id, day, attendance, people by number): days either side of
/// the 14th/15th cut, across a quarter's and a year's end.
const RECORDS: [(&str, &str, i64, &[u32]); 8] = [
    ("a", "2024-06-14", 10, &[1]),
    ("b", "2024-06-15", 20, &[1, 2]),
    ("c", "2024-09-14", 40, &[3]),
    ("d", "2024-09-15", 80, &[2]),
    ("e", "2024-12-14", 160, &[]),
    ("f", "2024-12-15", 320, &[4]),
    ("g", "2025-01-10", 640, &[1]),
    ("h", "2025-03-31", 1280, &[5]),
];

fn body(external_id: &str, day: &str, total: i64, people: &[u32]) -> Value {
    json!({
        "external_id": external_id,
        "kind": "training_class",
        "title": external_id,
        "topics": ["human_trafficking"],
        "start_date": day,
        "end_date": day,
        "area_code": "01234",
        "attendance": {"total": total},
        "participants": people.iter()
            .map(|p| json!({"id_type": "citizen_id", "value": format!("0011{p:08}")}))
            .collect::<Vec<_>>(),
    })
}

/// The reporting month of a day, worked out here: from the 15th, the next
/// calendar month.
fn month_of(day: &str) -> (i32, u32) {
    let d: NaiveDate = day.parse().unwrap();
    match (d.day() >= 15, d.month()) {
        (false, m) => (d.year(), m),
        (true, 12) => (d.year() + 1, 1),
        (true, m) => (d.year(), m + 1),
    }
}

fn key(dim: &str, (y, m): (i32, u32)) -> String {
    match dim {
        "period:month" => format!("{y:04}-{m:02}"),
        "period:quarter" => format!("{y:04}-Q{}", m.div_ceil(3)),
        _ => format!("{y:04}"),
    }
}

/// Per period key: attendances, people, first-time people.
fn model(dim: &str) -> BTreeMap<String, (i64, usize, usize)> {
    let mut rows: BTreeMap<String, (i64, BTreeSet<u32>)> = BTreeMap::new();
    for (_, day, total, people) in RECORDS {
        let r = rows.entry(key(dim, month_of(day))).or_default();
        r.0 += total;
        r.1.extend(people.iter().copied());
    }
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    rows.into_iter()
        .map(|(k, (total, people))| {
            let first = people.difference(&seen).count();
            seen.extend(people.iter().copied());
            (k, (total, people.len(), first))
        })
        .collect()
}

async fn rows(app: &TestApp, dim: &str) -> BTreeMap<String, (i64, usize, usize)> {
    let answer = json_of(
        app.get(&format!("/api/v1/aggregates?group_by={dim}"), &app.viewer())
            .await,
        200,
    )
    .await;
    let field = dim.split(':').nth(1).unwrap();
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let n = |f: &str| r[f].as_i64().unwrap_or_else(|| panic!("{f} in {r}"));
            (
                r["period"]
                    .as_str()
                    .or(r[field].as_str())
                    .unwrap()
                    .to_string(),
                (
                    n("attendances"),
                    n("unique_participants") as usize,
                    n("first_time_participants") as usize,
                ),
            )
        })
        .collect()
}

async fn every_period_is_cut_on_the_14th(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    for (id, day, total, people) in RECORDS {
        let resp = app
            .post("/api/v1/events", &police, &body(id, day, total, people))
            .await;
        assert_eq!(
            resp.status(),
            201,
            "{id} {day}: {}",
            resp.text().await.unwrap()
        );
    }
    // The model has what the cut moves: June's 15th in July, December's
    // 15th in the next year.
    let months = model("period:month");
    assert_eq!(months["2024-06"], (10, 1, 1));
    assert_eq!(months["2024-07"], (20, 2, 1));
    assert_eq!(months["2025-01"], (320 + 640, 2, 1));
    let sql = app.twin(|s| s.reach_index = false).await;
    for engine in [&app, &sql] {
        for dim in ["period:month", "period:quarter", "period:year"] {
            assert_eq!(
                rows(engine, dim).await,
                model(dim),
                "{dim}, index {}",
                engine.settings.reach_index
            );
        }
    }

    // The dashboard's picker learns the rule.
    let me = json_of(app.get("/api/v1/whoami", &app.viewer()).await, 200).await;
    assert_eq!(me["reporting_periods"], "decree-09");

    // A lock of quarter III holds 15 June to 14 September.
    let locked = lock(&app, "2024-Q3", 201).await;
    assert_eq!(locked["starts_on"], "2024-06-15", "{locked}");
    assert_eq!(locked["ends_on"], "2024-09-14", "{locked}");
    for (id, day, status) in [
        ("in-first", "2024-06-15", 409),
        ("in-last", "2024-09-14", 409),
        ("before", "2024-06-14", 201),
        ("after", "2024-09-15", 201),
    ] {
        let resp = app
            .post("/api/v1/events", &police, &body(id, day, 1, &[]))
            .await;
        assert_eq!(resp.status(), status, "{day}");
    }

    // The report names the quarter those days are.
    let report = app
        .get(
            "/api/v1/reports/summary?from=2024-06-15&to=2024-09-14&format=md",
            &app.viewer(),
        )
        .await;
    assert_eq!(report.status(), 200);
    let text = report.text().await.unwrap();
    assert!(text.contains("quý III năm 2024"), "{text}");
    let calendar = app
        .get(
            "/api/v1/reports/summary?from=2024-07-01&to=2024-09-30&format=md",
            &app.viewer(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(!calendar.contains("quý III năm 2024"), "{calendar}");
    assert!(calendar.contains("01/07/2024"), "{calendar}");
}

async fn the_rule_cannot_change_while_a_period_is_locked(app: TestApp) {
    let prepare = |rule: PeriodRule| {
        let mut settings = app.settings.clone();
        settings.period_rule = rule;
        async move {
            actix_web::rt::task::spawn_blocking(move || {
                campaign_tracker::startup::prepare(&settings).map(|_| ())
            })
            .await
            .unwrap()
        }
    };
    // Nothing locked or published: the rule may change, and back.
    prepare(PeriodRule::Decree09).await.unwrap();
    prepare(PeriodRule::Calendar).await.unwrap();
    lock(&app, "2024-Q3", 201).await;
    let refused = prepare(PeriodRule::Decree09).await.unwrap_err().to_string();
    assert!(
        refused.contains("REPORTING_PERIODS is decree-09")
            && refused.contains("made with calendar"),
        "{refused}"
    );
    // The same rule starts as before.
    prepare(PeriodRule::Calendar).await.unwrap();
    reopen(&app, "2024-Q3").await;
    prepare(PeriodRule::Decree09).await.unwrap();
}
