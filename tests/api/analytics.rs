//! Reach analytics against an independent model: on random datasets (joint
//! events confirmed and pending, linked reports, deletions), the overlap
//! between agencies and the frequency of reach equal plain sets and maps
//! computed here, for viewer and agency tokens, on both databases and both
//! engines; combinations and buckets partition the people; the last
//! period's cumulative people are the slice's unique people; CSV carries
//! the same figures. (Public tokens get 403: `publications.rs`.)

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::aggregates::{AGENCIES, Real, pick, random_dataset, units};
use crate::helpers::{TestApp, json as json_of};

/// The model's overlap: people by their exact set of agencies.
fn expected_overlap(events: &[&Real]) -> (i64, BTreeMap<Vec<String>, i64>) {
    let mut agencies_of: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
    for e in events {
        for p in &e.people {
            agencies_of.entry(*p).or_default().extend(e.agencies.iter());
        }
    }
    let mut combos: BTreeMap<Vec<String>, i64> = BTreeMap::new();
    for set in agencies_of.values() {
        *combos
            .entry(set.iter().map(|a| a.to_string()).collect())
            .or_default() += 1;
    }
    (agencies_of.len() as i64, combos)
}

/// The model's pairs: people reached by both agencies, for every pair of
/// agencies that reached anyone.
fn expected_pairs(events: &[&Real]) -> BTreeMap<(String, String), i64> {
    let mut people_of: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for e in events {
        for a in &e.agencies {
            people_of.entry(a).or_default().extend(e.people.iter());
        }
    }
    people_of.retain(|_, p| !p.is_empty());
    let mut pairs = BTreeMap::new();
    for (a, pa) in &people_of {
        for (b, pb) in &people_of {
            if a < b {
                pairs.insert(
                    (a.to_string(), b.to_string()),
                    pa.intersection(pb).count() as i64,
                );
            }
        }
    }
    pairs
}

/// The model's frequency: people by number of real events attended.
fn expected_frequency(events: &[&Real]) -> (i64, BTreeMap<i64, i64>, Option<f64>) {
    let mut times: BTreeMap<u32, i64> = BTreeMap::new();
    for e in events {
        for p in &e.people {
            *times.entry(*p).or_default() += 1;
        }
    }
    let mut buckets: BTreeMap<i64, i64> = (1..=10).map(|b| (b, 0)).collect();
    for n in times.values() {
        *buckets.get_mut(&(*n).min(10)).unwrap() += 1;
    }
    let people = times.len() as i64;
    let mean = (people > 0).then(|| times.values().sum::<i64>() as f64 / people as f64);
    (people, buckets, mean)
}

fn check_overlap(answer: &Value, events: &[&Real], what: &str) {
    let (people, combos) = expected_overlap(events);
    assert_eq!(answer["people"], json!(people), "{what}");
    let got: BTreeMap<Vec<String>, i64> = answer["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let set: Vec<String> = c["agencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            (set, c["people"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(got, combos, "{what}: combinations");
    let sizes: Vec<i64> = answer["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["people"].as_i64().unwrap())
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "{what}: largest first"
    );
    assert_eq!(sizes.iter().sum::<i64>(), people, "{what}: a partition");
    let pairs: BTreeMap<(String, String), i64> = answer["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                (
                    p["a"].as_str().unwrap().to_string(),
                    p["b"].as_str().unwrap().to_string(),
                ),
                p["both"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pairs, expected_pairs(events), "{what}: pairs");
}

fn check_frequency(answer: &Value, events: &[&Real], what: &str) {
    let (people, buckets, mean) = expected_frequency(events);
    assert_eq!(answer["people"], json!(people), "{what}");
    let got: Vec<(i64, i64)> = answer["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let n = b["events"]
                .as_i64()
                .or_else(|| b["events_at_least"].as_i64())
                .unwrap();
            (n, b["people"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        got,
        buckets.into_iter().collect::<Vec<_>>(),
        "{what}: buckets"
    );
    assert_eq!(answer["buckets"][9]["events_at_least"], 10, "{what}");
    assert_eq!(
        got.iter().map(|b| b.1).sum::<i64>(),
        people,
        "{what}: a partition"
    );
    match mean {
        None => assert!(answer["mean_events_per_person"].is_null(), "{what}"),
        Some(m) => {
            let served = answer["mean_events_per_person"].as_f64().unwrap();
            assert!((served - m).abs() < 1e-9, "{what}: mean {served} != {m}");
        }
    }
}

async fn overlap_and_frequency_match_the_model(app: TestApp) {
    app.seed_test_areas();
    let units = units();
    let viewer = app.viewer();
    let engine = if app.settings.reach_index {
        "index"
    } else {
        "sql"
    };
    let from = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2025, 8, 15).unwrap();
    for seed in [11u64, 4321] {
        let model = random_dataset(&app, seed).await;
        let cases: Vec<(String, Vec<&Real>)> = vec![
            (String::new(), model.iter().collect()),
            (
                "agency=police".into(),
                pick(&model, &|e| e.agencies.contains("police")),
            ),
            (
                "kind=training_class&topic=safe_migration".into(),
                pick(&model, &|e| {
                    e.kinds.contains("training_class") && e.topics.contains("safe_migration")
                }),
            ),
            (
                format!("from={from}&to={to}"),
                pick(&model, &|e| e.date >= from && e.date <= to),
            ),
            (
                "area=058".into(),
                pick(&model, &|e| {
                    e.units.iter().any(|u| units[u].district == Some(2))
                }),
            ),
            (
                "area=19&areas=current".into(),
                pick(&model, &|e| {
                    e.units
                        .iter()
                        .any(|u| units[&units[u].current].province == Some(5))
                }),
            ),
        ];
        for (q, events) in &cases {
            let what = format!("seed {seed} {q}");
            let o = json_of(
                app.get(&format!("/api/v1/reach/overlap?{q}"), &viewer)
                    .await,
                200,
            )
            .await;
            assert_eq!(o["meta"]["engine"], engine);
            check_overlap(&o, events, &what);
            let f = json_of(
                app.get(&format!("/api/v1/reach/frequency?{q}"), &viewer)
                    .await,
                200,
            )
            .await;
            assert_eq!(f["meta"]["engine"], engine);
            check_frequency(&f, events, &what);
            // The CSV says the same.
            let csv = app
                .get(&format!("/api/v1/reach/overlap.csv?{q}"), &viewer)
                .await
                .text()
                .await
                .unwrap();
            let lines: Vec<&str> = csv.lines().collect();
            assert_eq!(lines[0], "row_type,agencies,people,suppressed");
            assert_eq!(
                lines.last().unwrap(),
                &format!("total,TOTAL,{},false", o["people"]),
                "{what}"
            );
            assert_eq!(
                lines.len(),
                2 + o["combinations"].as_array().unwrap().len()
                    + o["pairs"].as_array().unwrap().len()
            );
            for c in o["combinations"].as_array().unwrap() {
                let set: Vec<&str> = c["agencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                let line = format!("combination,{},{},false", set.join(";"), c["people"]);
                assert!(lines.contains(&line.as_str()), "{what}: {line}");
            }
            let csv = app
                .get(&format!("/api/v1/reach/frequency.csv?{q}"), &viewer)
                .await
                .text()
                .await
                .unwrap();
            let lines: Vec<&str> = csv.lines().collect();
            assert_eq!(
                lines[0],
                "row_type,events,events_at_least,people,mean_events_per_person,suppressed"
            );
            assert_eq!(
                lines[1],
                format!("bucket,1,,{},,false", f["buckets"][0]["people"])
            );
            assert_eq!(
                lines[10],
                format!("bucket,,10,{},,false", f["buckets"][9]["people"])
            );
            assert!(
                lines[11].starts_with(&format!("total,,,{},", f["people"])),
                "{what}"
            );
            // The last period's cumulative people are the slice's people.
            let a = json_of(
                app.get(
                    &format!("/api/v1/aggregates?group_by=period:month&{q}"),
                    &viewer,
                )
                .await,
                200,
            )
            .await;
            let rows = a["rows"].as_array().unwrap();
            if let Some(last) = rows.last() {
                assert_eq!(
                    last["cumulative_participants"], a["totals"]["unique_participants"],
                    "{what}"
                );
                assert_eq!(a["totals"]["unique_participants"], o["people"], "{what}");
            }
        }
        // An agency token sees its own (and confirmed joint) events only.
        for agency in AGENCIES {
            let token = app.agency(agency);
            let own = pick(&model, &|e| e.agencies.contains(agency));
            let what = format!("seed {seed} as {agency}");
            let o = json_of(app.get("/api/v1/reach/overlap", &token).await, 200).await;
            check_overlap(&o, &own, &what);
            assert_eq!(o["meta"]["filters"]["scope"], agency);
            let f = json_of(app.get("/api/v1/reach/frequency", &token).await, 200).await;
            check_frequency(&f, &own, &what);
        }
    }
}

async fn bad_slices_get_a_problem(app: TestApp) {
    let viewer = app.viewer();
    for (q, field) in [
        ("from=2025-02-01&to=2025-01-01", "to"),
        ("areas=everywhere", "areas"),
        ("group_by=agency", "group_by"),
        ("area=99999", "area"),
    ] {
        for path in ["overlap", "frequency", "overlap.csv", "frequency.csv"] {
            let p = crate::helpers::problem(
                app.get(&format!("/api/v1/reach/{path}?{q}"), &viewer).await,
                422,
            )
            .await;
            assert_eq!(crate::helpers::fields(&p), [field], "{path}?{q}");
        }
    }
}

crate::both_backends!(
    overlap_and_frequency_match_the_model,
    bad_slices_get_a_problem,
);

/// The same tests with every answer from the SQL path.
mod on_the_sql_path {
    use super::*;

    crate::both_backends!(
    settings = |s| s.reach_index = false;
    overlap_and_frequency_match_the_model,
    );
}
