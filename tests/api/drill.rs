//! Drill-down (`GET /api/v1/aggregates/events`): for every row of several
//! groupings of a random dataset, the listed real events are exactly the
//! model's events of that row (compared by their reports), each with the
//! model's figures, and their sums equal both the model's row and the
//! aggregate answer's row; agency tokens see their own slice and only the
//! reports they may read.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::aggregates::{AGENCIES, Dim, Real, buckets, pick, random_dataset, units};
use crate::both_backends;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    every_rows_events_are_listed_with_its_figures,
    drill_down_requests_are_checked
);

const SEED: u64 = 99;

/// The drill-down parameter of a dimension's key.
fn key_param(d: Dim) -> &'static str {
    match d {
        Dim::Agency => "agency",
        Dim::Kind => "kind",
        Dim::Topic => "topic",
        Dim::Group => "target_group",
        Dim::Province => "province",
        Dim::District => "district",
        Dim::Commune => "commune",
        Dim::Month | Dim::Quarter | Dim::Year => "period",
    }
}

/// The query selecting a row's key, or None when a key is null.
fn key_query(dims: &[Dim], key: &[Option<String>]) -> Option<String> {
    let mut at = 0;
    let mut params = Vec::new();
    for d in dims {
        let fields = d.fields();
        for (i, field) in fields.iter().enumerate() {
            let name = if i == 0 { key_param(*d) } else { field };
            params.push(format!("{name}={}", key[at + i].as_ref()?));
        }
        at += fields.len();
    }
    Some(params.join("&"))
}

/// Every page of a drill-down; the totals of the first page.
async fn drill_all(app: &TestApp, token: &str, query: &str, limit: usize) -> (Vec<Value>, Value) {
    let mut items = Vec::new();
    let mut cursor = String::new();
    let mut totals = Value::Null;
    loop {
        let page = json_of(
            app.get(
                &format!("/api/v1/aggregates/events?{query}&limit={limit}{cursor}"),
                token,
            )
            .await,
            200,
        )
        .await;
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit);
        items.extend(got.iter().cloned());
        if totals.is_null() {
            totals = page["totals"].clone();
        }
        assert_eq!(
            page["totals"], totals,
            "totals are the row's, on every page"
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return (items, totals),
        }
    }
}

/// A report's index in the dataset, from its external id `s{seed}-r{i}`.
fn index_of(report: &Value) -> usize {
    let ext = report["external_id"].as_str().unwrap();
    ext.rsplit_once("-r").unwrap().1.parse().unwrap()
}

/// A real event's identity: the indices of its live reports.
fn members(e: &Real) -> BTreeSet<usize> {
    e.reports.iter().map(|r| r.0).collect()
}

/// Checks a row's listed events against the model's, for `agency` (None:
/// an admin, who sees every report).
fn check_row(
    listed: &[Value],
    totals: &Value,
    expected: &[&Real],
    agency: Option<&str>,
    context: &str,
) {
    let model: BTreeMap<BTreeSet<usize>, &Real> =
        expected.iter().map(|e| (members(e), *e)).collect();
    let mut seen = BTreeSet::new();
    for item in listed {
        let shown: BTreeSet<usize> = item["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(index_of)
            .collect();
        // The model event holding the shown reports.
        let (key, e) = model
            .iter()
            .find(|(m, _)| !shown.is_empty() && shown.is_subset(m))
            .unwrap_or_else(|| panic!("{context}: no model event holds {shown:?}"));
        assert!(seen.insert(key.clone()), "{context}: listed twice: {key:?}");
        let visible: BTreeSet<usize> = e
            .reports
            .iter()
            .filter(|(_, a, confirmed)| agency.is_none_or(|x| *a == x || confirmed.contains(x)))
            .map(|r| r.0)
            .collect();
        assert_eq!(shown, visible, "{context}: reports shown");
        assert_eq!(
            item["hidden_reports"].as_u64().unwrap() as usize,
            e.reports.len() - visible.len(),
            "{context}"
        );
        assert_eq!(item["attendances"], e.total, "{context}");
        assert_eq!(item["identified_attendances"], e.people.len(), "{context}");
        assert_eq!(
            item["female_attendances"],
            serde_json::json!(e.female),
            "{context}"
        );
        assert_eq!(item["start_date"], e.date.to_string(), "{context}");
    }
    let expected_keys: BTreeSet<BTreeSet<usize>> = model.keys().cloned().collect();
    assert_eq!(seen, expected_keys, "{context}: the row's events");
    assert_eq!(totals["events"], expected.len(), "{context}");
    assert_eq!(
        totals["attendances"],
        expected.iter().map(|e| e.total).sum::<i64>(),
        "{context}"
    );
    assert_eq!(
        totals["identified_attendances"],
        expected.iter().map(|e| e.people.len()).sum::<usize>(),
        "{context}"
    );
}

async fn every_rows_events_are_listed_with_its_figures(app: TestApp) {
    app.seed_test_areas();
    let units = units();
    let model = random_dataset(&app, SEED).await;
    let all: Vec<&Real> = model.iter().collect();
    let admin = app.admin();
    let groupings: Vec<Vec<Dim>> = vec![
        vec![Dim::Agency],
        vec![Dim::Kind],
        vec![Dim::Topic],
        vec![Dim::Group],
        vec![Dim::District],
        vec![Dim::Province, Dim::Month],
        vec![Dim::Commune, Dim::Quarter],
        vec![Dim::Agency, Dim::Year, Dim::Kind],
    ];
    let mut checked = 0;
    for dims in &groupings {
        let gb = dims.iter().map(|d| d.param()).collect::<Vec<_>>().join(",");
        let answer = json_of(
            app.get(&format!("/api/v1/aggregates?group_by={gb}"), &admin)
                .await,
            200,
        )
        .await;
        let rows = answer["rows"].as_array().unwrap();
        for (key, events) in buckets(&all, dims, &units, false) {
            let Some(query) = key_query(dims, &key) else {
                continue;
            };
            // Paging is exercised on the larger rows.
            let limit = if events.len() > 6 { 4 } else { 100 };
            let (listed, totals) = drill_all(&app, &admin, &query, limit).await;
            let context = format!("group_by={gb} {query}");
            check_row(&listed, &totals, &events, None, &context);
            checked += 1;
            // ... and the row of the aggregate answer itself.
            let row = rows
                .iter()
                .find(|r| {
                    query.split('&').all(|kv| {
                        let (k, v) = kv.split_once('=').unwrap();
                        r[k] == v
                    })
                })
                .unwrap_or_else(|| panic!("{context}: no such row in the answer"));
            for m in [
                "events",
                "attendances",
                "female_attendances",
                "identified_attendances",
            ] {
                assert_eq!(totals[m], row[m], "{context}: {m}");
            }
        }
    }
    // Rows with a null key (no district after the reform) are skipped.
    assert!(checked >= 80, "only {checked} rows drilled");
    // Keys combine with filters: dated, and in a pre-reform district.
    let from = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2025, 8, 15).unwrap();
    let dated = pick(&model, &|e| e.date >= from && e.date <= to);
    for (key, events) in buckets(&dated, &[Dim::Kind], &units, false) {
        let query = format!(
            "from={from}&to={to}&{}",
            key_query(&[Dim::Kind], &key).unwrap()
        );
        let (listed, totals) = drill_all(&app, &admin, &query, 100).await;
        check_row(&listed, &totals, &events, None, &query);
    }
    let in_058 = pick(&model, &|e| {
        e.units.iter().any(|u| units[u].district == Some(2))
    });
    for (key, events) in buckets(&in_058, &[Dim::Month], &units, false) {
        let query = format!("area=058&{}", key_query(&[Dim::Month], &key).unwrap());
        let (listed, totals) = drill_all(&app, &admin, &query, 100).await;
        check_row(&listed, &totals, &events, None, &query);
    }
    // An agency drills into its own slice and sees its own reports and
    // those it confirmed co-organising; the rest are counted, not shown.
    for agency in AGENCIES {
        let token = app.agency(agency);
        let own = pick(&model, &|e| e.agencies.contains(agency));
        for dims in [vec![Dim::Kind], vec![Dim::Agency, Dim::Quarter]] {
            for (key, events) in buckets(&own, &dims, &units, false) {
                let query = key_query(&dims, &key).unwrap();
                let (listed, totals) = drill_all(&app, &token, &query, 100).await;
                check_row(
                    &listed,
                    &totals,
                    &events,
                    Some(agency),
                    &format!("{agency} {query}"),
                );
            }
        }
    }
}

async fn drill_down_requests_are_checked(app: TestApp) {
    app.seed_test_areas();
    let admin = app.admin();
    for token in [app.viewer(), app.public_viewer().await] {
        problem(
            app.get("/api/v1/aggregates/events?kind=training_class", &token)
                .await,
            403,
        )
        .await;
    }
    for (query, field) in [
        ("period=2025-13", "period"),
        ("period=July", "period"),
        ("province=99999", "province"),
        ("commune=nope", "commune"),
        ("area=nope", "area"),
        ("kind=nope", "kind"),
        ("cursor=zzz", "cursor"),
    ] {
        let p = problem(
            app.get(&format!("/api/v1/aggregates/events?{query}"), &admin)
                .await,
            422,
        )
        .await;
        assert!(p.to_string().contains(field), "{query}: {p}");
    }
    let empty = json_of(
        app.get("/api/v1/aggregates/events?period=2030", &admin)
            .await,
        200,
    )
    .await;
    assert!(empty["items"].as_array().unwrap().is_empty());
    assert_eq!(empty["totals"]["events"], 0);
    assert_eq!(empty["totals"]["attendances"], 0);
}
