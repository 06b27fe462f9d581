//! An erasure in a published period (issue 34): the stored publication is
//! not rewritten (the same bytes after), and `changes?live=true` lists
//! exactly the cells a republish would change, as a model of the test's
//! own writes says: the erased person's agency row and the totals lose one
//! person; the other agency's row does not move. Admins only; `since` and
//! `live` together or neither are named. Both databases.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(an_erasure_shows_in_what_a_republish_would_change,);

fn cid(n: u32) -> Value {
    json!({"id_type": "citizen_id", "value": format!("0016{n:08}")})
}

fn body(ext: &str, day: &str, people: &[u32]) -> Value {
    json!({
        "external_id": ext, "kind": "training_class", "title": ext,
        "topics": ["human_trafficking"], "start_date": day, "end_date": day,
        "area_code": "01234", "attendance": {"total": 40},
        "participants": people.iter().map(|p| cid(*p)).collect::<Vec<_>>(),
    })
}

/// The person who asks to be erased: at two police reports.
const PERSON: u32 = 3;

async fn an_erasure_shows_in_what_a_republish_would_change(app: TestApp) {
    app.seed_test_areas();
    let reports: [(&str, &str, &str, Vec<u32>); 3] = [
        ("police", "p1", "2024-02-10", (1..=8).collect()),
        ("police", "p2", "2024-03-05", vec![PERSON, 9, 10]),
        ("womens-union", "w1", "2024-02-20", (20..=29).collect()),
    ];
    for (agency, ext, day, people) in &reports {
        json_of(
            app.post(
                "/api/v1/events",
                &app.agency(agency),
                &body(ext, day, people),
            )
            .await,
            201,
        )
        .await;
    }
    let admin = app.admin();
    json_of(
        app.post(
            "/api/v1/publications",
            &admin,
            &json!({"title": "Quý I/2024", "period": "2024-Q1", "tables": [{"group_by": "agency"}]}),
        )
        .await,
        201,
    )
    .await;
    let stored = app
        .get("/api/v1/publications/2024-Q1", &admin)
        .await
        .bytes()
        .await
        .unwrap();
    // Nothing changed yet: a republish would publish the same.
    let same = json_of(
        app.get("/api/v1/publications/2024-Q1/changes?live=true", &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(same["live"], true);
    assert_eq!(same["changes"], json!([]), "{same}");

    json_of(
        app.post(
            "/api/v1/privacy/requests",
            &admin,
            &json!({"kind": "erasure", "identifier": cid(PERSON)}),
        )
        .await,
        201,
    )
    .await;
    let after = app
        .get("/api/v1/publications/2024-Q1", &admin)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored, after, "the stored publication is not rewritten");

    // The model, per agency and in total, before and after the person
    // goes: people (all first-time: nothing precedes the quarter),
    // identified person-times, and the range's upper bound (people plus
    // every report's unidentified attendance).
    let figures = |without: Option<u32>, key: &str| -> BTreeMap<&'static str, i64> {
        let mine: Vec<Vec<u32>> = reports
            .iter()
            .filter(|r| key == "total" || r.0 == key)
            .map(|r| {
                r.3.iter()
                    .copied()
                    .filter(|p| Some(*p) != without)
                    .collect()
            })
            .collect();
        let people: BTreeSet<u32> = mine.iter().flatten().copied().collect();
        let identified: i64 = mine.iter().map(|m| m.len() as i64).sum();
        let unidentified: i64 = mine.iter().map(|m| 40 - m.len() as i64).sum();
        BTreeMap::from([
            ("unique_participants", people.len() as i64),
            ("first_time_participants", people.len() as i64),
            ("identified_attendances", identified),
            ("reach_max", people.len() as i64 + unidentified),
        ])
    };
    let mut expected: BTreeSet<(String, String, i64, i64)> = BTreeSet::new();
    for key in ["police", "womens-union", "total"] {
        let (before, after) = (figures(None, key), figures(Some(PERSON), key));
        for (m, b) in &before {
            if *b != after[m] {
                expected.insert((key.into(), m.to_string(), *b, after[m]));
            }
        }
    }
    let live = json_of(
        app.get("/api/v1/publications/2024-Q1/changes?live=true", &admin)
            .await,
        200,
    )
    .await;
    let got: BTreeSet<(String, String, i64, i64)> = live["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let key = c["key"]["agency"].as_str().unwrap_or("total").to_string();
            (
                key,
                c["measure"].as_str().unwrap().to_string(),
                c["before"].as_i64().unwrap(),
                c["after"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected, "{live}");
    assert!(
        !live["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["key"]["agency"] == "womens-union"),
        "the other agency's row does not move: {live}"
    );

    // Admins only; since and live are one or the other.
    problem(
        app.get(
            "/api/v1/publications/2024-Q1/changes?live=true",
            &app.viewer(),
        )
        .await,
        403,
    )
    .await;
    let p = problem(
        app.get(
            "/api/v1/publications/2024-Q1/changes?live=true&since=1",
            &admin,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["live"]);
    let p = problem(
        app.get("/api/v1/publications/2024-Q1/changes", &admin)
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["since"]);
}
