//! Publications (issue 17) against ground truth computed here: every
//! published value equals the model's; every small count is withheld; and
//! for every withheld cell the test exhibits two solutions of the linear
//! equations the published cells imply (each cell a sum over atoms: the
//! classes of real events, or people, found in exactly the same cells),
//! both reproducing every published cell exactly, whose values of the
//! withheld cell differ by at least k; or the cell holds an atom that no
//! published cell constrains (unbounded). Plus the attack of the issue,
//! small sex and age counts, public tokens' 403s, versions and changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sha2::Digest;

use crate::aggregates::{Dim, Real, Unit, buckets, random_dataset, units};
use crate::both_backends;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    the_differencing_attack_and_small_sex_and_age_counts_reveal_nothing,
    later_publications_cannot_be_differenced_against_earlier_ones,
    frequency_buckets_cannot_be_solved_from_identified_attendances,
    random_publications_hold_against_the_equations,
    lock_publish_republish_and_changes,
    public_tokens_read_publications_only,
);

const K: i64 = 5;

/// A table as the model computes it: its name, grouping and slice, and
/// for an overlap or frequency table its analysis.
struct ModelTable<'a> {
    name: String,
    dims: Vec<Dim>,
    /// Its filters other than dates (its slice: the period's real events
    /// that match them; its history, for first-time people: every real
    /// event up to the period's end that matches them).
    filter: &'a dyn Fn(&Real) -> bool,
    analysis: Option<&'static str>,
}

/// The first and last days of a period (`2025`, `2025-Q3`, `2025-07`).
fn bounds(period: &str) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let day = |y: i32, m: u32| chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    let end = |y: i32, m: u32| {
        (if m == 12 {
            day(y + 1, 1)
        } else {
            day(y, m + 1)
        })
        .pred_opt()
        .unwrap()
    };
    let y: i32 = period[..4].parse().unwrap();
    match &period[4..] {
        "" => (day(y, 1), end(y, 12)),
        q if q.starts_with("-Q") => {
            let n: u32 = q[2..].parse().unwrap();
            (day(y, 3 * n - 2), end(y, 3 * n))
        }
        m => {
            let m: u32 = m[1..].parse().unwrap();
            (day(y, m), end(y, m))
        }
    }
}

/// The people rows of an overlap or frequency table over `slice`.
fn people_rows(slice: &[&Real], analysis: &str) -> BTreeMap<(String, String), BTreeSet<u32>> {
    let mut agencies: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
    let mut events: BTreeMap<u32, usize> = BTreeMap::new();
    for e in slice {
        for p in &e.people {
            agencies
                .entry(*p)
                .or_default()
                .extend(e.agencies.iter().copied());
            *events.entry(*p).or_default() += 1;
        }
    }
    let mut out: BTreeMap<(String, String), BTreeSet<u32>> = BTreeMap::new();
    for (p, set) in &agencies {
        if analysis == "frequency" {
            let n = events[p];
            let label = if n >= 10 {
                "10+".to_string()
            } else {
                n.to_string()
            };
            out.entry(("events".into(), label)).or_default().insert(*p);
            continue;
        }
        let set: Vec<&str> = set.iter().copied().collect();
        out.entry(("combination".into(), set.join(";")))
            .or_default()
            .insert(*p);
        for (i, a) in set.iter().enumerate() {
            for b in &set[i + 1..] {
                out.entry(("pair".into(), format!("{a};{b}")))
                    .or_default()
                    .insert(*p);
            }
        }
    }
    out
}

/// One cell group (a row or a table's totals) of the model.
struct ModelCell {
    table: String,
    key: Option<BTreeMap<String, Option<String>>>,
    events: BTreeSet<usize>,
    people: BTreeSet<u32>,
    /// Its people first reached in its period (the row's period key's,
    /// else the publication's): none of the table's real events before
    /// that day holds them.
    first_time: BTreeSet<u32>,
}

fn model_cells(
    model: &[Real],
    tables: &[ModelTable<'_>],
    units: &BTreeMap<i64, Unit>,
    period: &str,
) -> Vec<ModelCell> {
    let (from, to) = bounds(period);
    let index: HashMap<*const Real, usize> = model
        .iter()
        .enumerate()
        .map(|(i, e)| (e as *const Real, i))
        .collect();
    let mut out = Vec::new();
    for t in tables {
        // Each person's first day over the table's history.
        let mut first: BTreeMap<u32, chrono::NaiveDate> = BTreeMap::new();
        for e in model.iter().filter(|e| (t.filter)(e) && e.date <= to) {
            for p in &e.people {
                let d = first.entry(*p).or_insert(e.date);
                *d = (*d).min(e.date);
            }
        }
        let cell = |key: Option<BTreeMap<String, Option<String>>>, events: &[&Real]| {
            let starts = key
                .as_ref()
                .and_then(|k| k.get("period").cloned().flatten())
                .map_or(from, |p| bounds(&p).0);
            let people: BTreeSet<u32> = events
                .iter()
                .flat_map(|e| e.people.iter().copied())
                .collect();
            ModelCell {
                table: t.name.clone(),
                key,
                events: events.iter().map(|e| index[&(*e as *const Real)]).collect(),
                first_time: people
                    .iter()
                    .copied()
                    .filter(|p| first[p] >= starts)
                    .collect(),
                people,
            }
        };
        let slice: Vec<&Real> = model
            .iter()
            .filter(|e| (t.filter)(e) && e.date >= from && e.date <= to)
            .collect();
        if let Some(analysis) = t.analysis {
            for ((label, value), people) in people_rows(&slice, analysis) {
                out.push(ModelCell {
                    table: t.name.clone(),
                    key: Some(BTreeMap::from([(label, Some(value))])),
                    events: BTreeSet::new(),
                    people,
                    first_time: BTreeSet::new(),
                });
            }
            let mut total = cell(None, &slice);
            total.events.clear();
            total.first_time.clear();
            out.push(total);
            continue;
        }
        if !t.dims.is_empty() {
            for (key, events) in buckets(&slice, &t.dims, units, false) {
                let names = t.dims.iter().flat_map(|d| d.fields().iter());
                let key: BTreeMap<String, Option<String>> =
                    names.map(|n| n.to_string()).zip(key).collect();
                out.push(cell(Some(key), &events));
            }
        }
        out.push(cell(None, &slice));
    }
    out
}

/// The published cells of a cell group, found by table and key.
fn published<'a>(p: &'a Value, c: &ModelCell) -> &'a Value {
    let t = p["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == c.table.as_str())
        .unwrap_or_else(|| panic!("no table {}", c.table));
    match &c.key {
        None => &t["totals"],
        Some(key) => t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == json!(key))
            .unwrap_or_else(|| panic!("table {}: no row {key:?}", c.table)),
    }
}

/// The model's value of a measure over a cell group.
fn truth(model: &[Real], c: &ModelCell, measure: &str) -> Option<i64> {
    let events: Vec<&Real> = c.events.iter().map(|i| &model[*i]).collect();
    let sum_opt = |f: fn(&Real) -> Option<i64>| {
        let v: Vec<i64> = events.iter().filter_map(|e| f(e)).collect();
        (!v.is_empty()).then(|| v.iter().sum())
    };
    let att: i64 = events.iter().map(|e| e.total).sum();
    let ident: i64 = events.iter().map(|e| e.people.len() as i64).sum();
    let unique = c.people.len() as i64;
    Some(match measure {
        "events" => events.len() as i64,
        // The model's events are one session each, none of them mass media.
        "sessions" => events.len() as i64,
        "media_items" | "audience" => 0,
        "attendances" => att,
        "female_attendances" => return sum_opt(|e| e.female),
        "male_attendances" => return sum_opt(|e| e.male),
        "under_18_attendances" => return sum_opt(|e| e.under_18),
        "identified_attendances" => ident,
        "unique_participants" => unique,
        "reach_min" => unique.max(events.iter().map(|e| e.total).max().unwrap_or(0)),
        "reach_max" => unique + att - ident,
        "people" => unique,
        "first_time_participants" => c.first_time.len() as i64,
        other => panic!("unexpected measure {other}"),
    })
}

/// For one additive measure: each withheld cell can take values at least
/// K apart (two explicit solutions reproducing every published cell), or
/// holds an atom no published cell constrains.
fn check_system(
    sets: &[BTreeSet<u64>],
    withheld: &[bool],
    mass_of: &dyn Fn(u64) -> i64,
    context: &str,
) {
    // Atoms: members by the cells holding them.
    let mut sig: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (c, s) in sets.iter().enumerate() {
        for m in s {
            sig.entry(*m).or_default().push(c);
        }
    }
    let mut atoms: BTreeMap<Vec<usize>, i64> = BTreeMap::new();
    for (m, cells) in &sig {
        *atoms.entry(cells.clone()).or_default() += mass_of(*m);
    }
    let atoms: Vec<(Vec<usize>, i64)> = atoms.into_iter().collect();
    let value = |masses: &[i64], c: usize| -> i64 {
        atoms
            .iter()
            .zip(masses)
            .filter(|((cells, _), _)| cells.contains(&c))
            .map(|(_, m)| m)
            .sum()
    };
    let truth: Vec<i64> = atoms.iter().map(|(_, m)| *m).collect();
    let published_sig = |cells: &Vec<usize>| -> Vec<usize> {
        cells.iter().copied().filter(|c| !withheld[*c]).collect()
    };
    for s in (0..sets.len()).filter(|s| withheld[*s]) {
        if value(&truth, s) == 0 {
            continue;
        }
        let inside = |a: usize| atoms[a].0.contains(&s);
        if (0..atoms.len()).any(|a| inside(a) && published_sig(&atoms[a].0).is_empty()) {
            continue; // unbounded: nothing published holds that atom
        }
        let mut classes: BTreeMap<Vec<usize>, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (a, (cells, _)) in atoms.iter().enumerate() {
            let e = classes.entry(published_sig(cells)).or_default();
            if inside(a) {
                e.0.push(a);
            } else {
                e.1.push(a);
            }
        }
        let (mut low, mut high) = (truth.clone(), truth.clone());
        for (ins, outs) in classes.values() {
            if ins.is_empty() || outs.is_empty() {
                continue;
            }
            for a in ins {
                low[outs[0]] += low[*a];
                low[*a] = 0;
            }
            for a in outs {
                high[ins[0]] += high[*a];
                high[*a] = 0;
            }
        }
        for c in (0..sets.len()).filter(|c| !withheld[*c]) {
            assert_eq!(value(&low, c), value(&truth, c), "{context}: cell {c}");
            assert_eq!(value(&high, c), value(&truth, c), "{context}: cell {c}");
        }
        let (lo, hi) = (value(&low, s), value(&high, s));
        assert!(
            hi - lo >= K,
            "{context}: withheld cell {s} (value {}) can only be {lo}..{hi} given the published cells",
            value(&truth, s)
        );
    }
}

/// Checks a publication against the model.
fn check_publication(p: &Value, model: &[Real], cells: &[ModelCell]) {
    check_publications(&[(p, cells)], model);
}

/// Checks publications against the model, and their withheld cells as one
/// system: what every one of them published is known to a reader at once.
fn check_publications(pubs: &[(&Value, &[ModelCell])], model: &[Real]) {
    let mut withheld: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for (p, cells) in pubs {
        for (m, flags) in withheld_cells(p, model, cells) {
            withheld.entry(m).or_default().extend(flags);
        }
    }
    let cells: Vec<&ModelCell> = pubs.iter().flat_map(|(_, c)| c.iter()).collect();
    check_withheld(&cells, &withheld, model);
}

/// Checks one publication's values against the model; returns, per
/// measure, whether each of its cells is withheld.
fn withheld_cells(p: &Value, model: &[Real], cells: &[ModelCell]) -> BTreeMap<String, Vec<bool>> {
    assert_eq!(p["threshold"], K);
    let measures: Vec<String> = p["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    // Issue 28: what is signed carries the first-time people.
    assert!(measures.contains(&"first_time_participants".to_string()));
    // Issue 28, case 8: with the attendances, max(unique, the largest
    // event) pins the largest event: the lower bound is never published.
    assert!(!measures.contains(&"reach_min".to_string()));
    assert!(!p.to_string().contains("reach_min"));
    // Every published row is a model row (and vice versa).
    let published_rows: usize = p["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rows"].as_array().unwrap().len() + 1)
        .sum();
    assert_eq!(published_rows, cells.len(), "rows of every table");
    // Per measure, per cell: withheld (cells without the measure: false).
    let mut withheld: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    let mut count = 0;
    let all_measures: Vec<String> = measures
        .iter()
        .cloned()
        .chain(["people".to_string()])
        .collect();
    for m in &all_measures {
        let mut flags = Vec::new();
        for c in cells {
            let table = p["tables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == c.table.as_str())
                .unwrap();
            if !table["measures"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == m.as_str())
            {
                flags.push(false);
                continue;
            }
            let pc = published(p, c);
            let suppressed = pc["suppressed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == m.as_str());
            let t = truth(model, c, m);
            let context = format!("{}/{:?}/{m}", c.table, c.key);
            if suppressed {
                assert!(pc["values"][m].is_null(), "{context}: withheld but shown");
                count += 1;
            } else {
                assert_eq!(pc["values"][m], json!(t), "{context}");
                assert!(
                    !t.is_some_and(|v| v > 0 && v < K),
                    "{context}: small count {t:?} published"
                );
            }
            flags.push(suppressed);
        }
        withheld.insert(m.clone(), flags);
    }
    assert_eq!(p["suppressed_cells"], count);
    // Issue 28 (inequalities): a part of the person-times (women's, men's,
    // children's, identified) is never published where the person-times are
    // withheld: it would bound them from below, and parts that add up to
    // the whole across cells would pin them.
    if let Some(whole) = withheld.get("attendances") {
        for part in [
            "female_attendances",
            "male_attendances",
            "under_18_attendances",
            "identified_attendances",
        ] {
            for (c, flag) in withheld
                .get(part)
                .into_iter()
                .flat_map(|f| f.iter().enumerate())
            {
                let shown = !flag && truth(model, &cells[c], part).is_some();
                assert!(
                    !(whole[c] && shown),
                    "{}/{:?}: {part} published while the person-times are withheld",
                    cells[c].table,
                    cells[c].key
                );
            }
        }
    }
    withheld
}

/// Each withheld cell of `cells` stays unknown given every published one.
fn check_withheld(cells: &[&ModelCell], withheld: &BTreeMap<String, Vec<bool>>, model: &[Real]) {
    let event_sets: Vec<BTreeSet<u64>> = cells
        .iter()
        .map(|c| c.events.iter().map(|e| *e as u64).collect())
        .collect();
    let figure = |m: &str, e: &Real| -> i64 {
        match m {
            "events" => 1,
            "attendances" => e.total,
            "female_attendances" => e.female.unwrap_or(0),
            "male_attendances" => e.male.unwrap_or(0),
            "under_18_attendances" => e.under_18.unwrap_or(0),
            _ => e.people.len() as i64,
        }
    };
    for m in [
        "events",
        "attendances",
        "female_attendances",
        "male_attendances",
        "under_18_attendances",
        "identified_attendances",
    ] {
        check_system(
            &event_sets,
            &withheld[m],
            &|e| figure(m, &model[e as usize]),
            m,
        );
    }
    let people_sets: Vec<BTreeSet<u64>> = cells
        .iter()
        .map(|c| c.people.iter().map(|p| u64::from(*p)).collect())
        .collect();
    // Unique counts and overlap and frequency cells are one system of people.
    let people_withheld: Vec<bool> = withheld["unique_participants"]
        .iter()
        .zip(&withheld["people"])
        .map(|(u, p)| *u || *p)
        .collect();
    // First-time people are subsets of the same people: one system.
    let first_sets = cells
        .iter()
        .map(|c| c.first_time.iter().map(|p| u64::from(*p)).collect());
    let all_sets: Vec<BTreeSet<u64>> = people_sets.into_iter().chain(first_sets).collect();
    let all_withheld: Vec<bool> = people_withheld
        .into_iter()
        .chain(withheld["first_time_participants"].iter().copied())
        .collect();
    check_system(&all_sets, &all_withheld, &|_| 1, "people");
    // Reach bounds are shown only with what they are computed from.
    let flags = |m: &str| withheld[m].iter().copied();
    let sources = flags("unique_participants")
        .zip(flags("attendances"))
        .zip(flags("identified_attendances"));
    for (max, ((u, a), i)) in flags("reach_max").zip(sources) {
        assert!(max || !(u || a || i), "reach_max shown without its sources");
    }
}

async fn publish(app: &TestApp, body: &Value) -> Value {
    let resp = app.post("/api/v1/publications", &app.admin(), body).await;
    let etag = resp
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    let text = {
        assert_eq!(resp.status().as_u16(), 201);
        resp.text().await.unwrap()
    };
    // The ETag is the SHA-256 of exactly the bytes served.
    let sha = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    assert_eq!(etag, Some(format!("\"{sha}\"")));
    serde_json::from_str(&text).unwrap()
}

fn real(
    kind: &'static str,
    day: &str,
    total: i64,
    people: std::ops::Range<u32>,
    male: Option<i64>,
    under_18: Option<i64>,
) -> Real {
    Real {
        agencies: ["police"].into(),
        kinds: [kind].into(),
        topics: ["human_trafficking"].into(),
        groups: BTreeSet::new(),
        units: [3].into(),
        date: day.parse().unwrap(),
        total,
        female: None,
        male,
        under_18,
        people: people.collect(),
        reports: Vec::new(),
    }
}

fn body_of(i: usize, e: &Real) -> Value {
    let mut attendance = json!({"total": e.total});
    if let Some(m) = e.male {
        attendance["male"] = json!(m);
    }
    if let Some(u) = e.under_18 {
        attendance["under_18"] = json!(u);
    }
    json!({
        "external_id": format!("x{i}"),
        "kind": e.kinds.iter().next().unwrap(),
        "title": format!("event {i}"),
        "topics": ["human_trafficking"],
        "start_date": e.date.to_string(),
        "end_date": e.date.to_string(),
        "area_code": "01234",
        "attendance": attendance,
        "participants": e.people.iter().map(|p| json!({"id_type": "citizen_id", "value": format!("0019{:08}", p)})).collect::<Vec<_>>(),
    })
}

async fn the_differencing_attack_and_small_sex_and_age_counts_reveal_nothing(app: TestApp) {
    app.seed_test_areas();
    let units = units();
    let police = app.agency("police");
    let model = july_model();
    for (i, e) in model.iter().enumerate() {
        json_of(
            app.post("/api/v1/events", &police, &body_of(i, e)).await,
            201,
        )
        .await;
    }
    the_attack_on(&app, &units, &model).await;
}

/// July 2025 by kind: 3 people at one community meeting (a returnee
/// event: one man, one under 18), 40 at training classes, 100 at law
/// dissemination sessions, 60 at extracurricular lessons.
fn july_model() -> Vec<Real> {
    let mut model = vec![real(
        "community_meeting",
        "2025-07-03",
        3,
        0..3,
        Some(1),
        Some(1),
    )];
    for i in 0..5 {
        model.push(real(
            "training_class",
            "2025-07-10",
            8,
            100 + i * 8..108 + i * 8,
            Some(4),
            None,
        ));
    }
    for i in 0..10 {
        model.push(real(
            "law_dissemination",
            "2025-07-15",
            10,
            200 + i * 10..210 + i * 10,
            Some(5),
            Some(2),
        ));
    }
    for i in 0..6 {
        model.push(real(
            "extracurricular",
            "2025-07-20",
            10,
            400 + i * 10..410 + i * 10,
            None,
            Some(10),
        ));
    }
    model
}

async fn the_attack_on(app: &TestApp, units: &BTreeMap<i64, Unit>, model: &[Real]) {
    let p = publish(
        app,
        &json!({
            "title": "Tháng 7/2025",
            "period": "2025-07",
            "tables": [
                {"group_by": "kind"},
                {"name": "training classes", "group_by": "period:month", "filters": {"kind": "training_class"}},
                {"group_by": "agency"},
            ]
        }),
    )
    .await;
    let all = |_: &Real| true;
    let training = |e: &Real| e.kinds.contains("training_class");
    let tables = [
        ModelTable {
            name: "kind".into(),
            dims: vec![Dim::Kind],
            filter: &all,
            analysis: None,
        },
        ModelTable {
            name: "training classes".into(),
            dims: vec![Dim::Month],
            filter: &training,
            analysis: None,
        },
        ModelTable {
            name: "agency".into(),
            dims: vec![Dim::Agency],
            filter: &all,
            analysis: None,
        },
    ];
    let cells = model_cells(model, &tables, units, "2025-07");
    check_publication(&p, model, &cells);
    // The 3 is withheld, and so is at least one other kind's attendances.
    let kind_rows = p["tables"][0]["rows"].as_array().unwrap();
    let row = |k: &str| kind_rows.iter().find(|r| r["key"]["kind"] == k).unwrap();
    assert!(row("community_meeting")["values"]["attendances"].is_null());
    let withheld_kinds = kind_rows
        .iter()
        .filter(|r| r["values"]["attendances"].is_null())
        .count();
    assert!(withheld_kinds >= 2, "{p}");
    // The returnee event's one man and one under-18 are withheld.
    for m in ["male_attendances", "under_18_attendances"] {
        assert!(row("community_meeting")["values"][m].is_null(), "{m}");
        assert!(
            row("community_meeting")["suppressed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == m),
            "{m}"
        );
    }
}

async fn random_publications_hold_against_the_equations(app: TestApp) {
    app.seed_test_areas();
    let units = units();
    let model = random_dataset(&app, 2026).await;
    let mut rng = StdRng::seed_from_u64(17);
    let choices = [
        Dim::Agency,
        Dim::Kind,
        Dim::Topic,
        Dim::Group,
        Dim::Province,
        Dim::District,
        Dim::Commune,
        Dim::Month,
        Dim::Quarter,
    ];
    for (round, period) in ["2025", "2024-Q3", "2024", "2025-Q3"]
        .into_iter()
        .enumerate()
    {
        let any = |_: &Real| true;
        let training = |e: &Real| e.kinds.contains("training_class");
        let women = |e: &Real| e.groups.contains("women");
        let mut specs = Vec::new();
        let mut tables: Vec<ModelTable<'_>> = Vec::new();
        let n = rng.gen_range(2..5);
        let mut used = BTreeSet::new();
        while tables.len() < n {
            let mut dims = vec![choices[rng.gen_range(0..choices.len())]];
            if rng.gen_bool(0.3) {
                let d = choices[rng.gen_range(0..choices.len())];
                if d.fields()[0] != dims[0].fields()[0]
                    && !(dims[0].fields()[0] == "period" && d.fields()[0] == "period")
                {
                    dims.push(d);
                }
            }
            let gb = dims.iter().map(|d| d.param()).collect::<Vec<_>>().join(",");
            if !used.insert(gb.clone()) {
                continue;
            }
            specs.push(json!({"group_by": gb}));
            tables.push(ModelTable {
                name: gb,
                dims,
                filter: &any,
                analysis: None,
            });
        }
        specs.push(json!({"name": "training by month", "group_by": "period:month", "filters": {"kind": "training_class"}}));
        tables.push(ModelTable {
            name: "training by month".into(),
            dims: vec![Dim::Month],
            filter: &training,
            analysis: None,
        });
        for analysis in ["overlap", "frequency"] {
            specs.push(json!({"analysis": analysis}));
            tables.push(ModelTable {
                name: analysis.into(),
                dims: vec![],
                filter: &any,
                analysis: Some(analysis),
            });
        }
        specs.push(json!({"name": "women", "filters": {"target_group": "women"}}));
        tables.push(ModelTable {
            name: "women".into(),
            dims: vec![],
            filter: &women,
            analysis: None,
        });
        let published = publish(
            &app,
            &json!({"title": format!("round {round}"), "period": period, "tables": specs}),
        )
        .await;
        let cells = model_cells(&model, &tables, &units, period);
        check_publication(&published, &model, &cells);
        let rows_of = |name: &str, label: &str| {
            published["tables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .unwrap()["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["key"].get(label).is_some())
                .count()
        };
        if period == "2024" {
            assert!(rows_of("overlap", "pair") > 0 && rows_of("frequency", "events") > 1);
        }
        if period == "2025" {
            // 2024 is history: some of 2025's people were reached before.
            let totals = cells.iter().find(|c| c.key.is_none()).unwrap();
            assert!(totals.first_time.len() < totals.people.len());
            assert!(!totals.first_time.is_empty());
        }
    }
}

async fn lock_publish_republish_and_changes(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let admin = app.admin();
    let mut model = Vec::new();
    for i in 0..12u32 {
        let kind = if i % 2 == 0 {
            "training_class"
        } else {
            "law_dissemination"
        };
        model.push(real(
            kind,
            "2025-08-05",
            20,
            i * 20..i * 20 + 20,
            None,
            None,
        ));
    }
    for (i, e) in model.iter().enumerate() {
        json_of(
            app.post("/api/v1/events", &police, &body_of(i, e)).await,
            201,
        )
        .await;
    }
    crate::periods::lock(&app, "2025-08", 201).await;
    // The default tables: agency, kind, target group, province, month.
    let v1 = publish(&app, &json!({"title": "Tháng 8", "period": "2025-08"})).await;
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["period_locked"], true);
    let names: Vec<&str> = v1["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "agency",
            "kind",
            "target_group",
            "area:province",
            "period:month"
        ]
    );
    assert_eq!(v1["tables"][0]["totals"]["values"]["attendances"], 240);
    // A correction: reopen, add a class of 30, lock, publish again.
    crate::periods::reopen(&app, "2025-08").await;
    let extra = real("training_class", "2025-08-20", 30, 1000..1030, None, None);
    json_of(
        app.post("/api/v1/events", &police, &body_of(99, &extra))
            .await,
        201,
    )
    .await;
    crate::periods::lock(&app, "2025-08", 201).await;
    let v2 = publish(
        &app,
        &json!({"title": "Tháng 8 (sửa)", "period": "2025-08"}),
    )
    .await;
    assert_eq!(v2["version"], 2);
    // Version 1 is unchanged, byte for byte.
    let resp = app
        .get(
            "/api/v1/publications/2025-08?version=1",
            &app.public_viewer().await,
        )
        .await;
    assert_eq!(resp.status().as_u16(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let text = resp.text().await.unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v1);
    assert_eq!(
        etag,
        format!("\"{}\"", hex::encode(sha2::Sha256::digest(text.as_bytes())))
    );
    // The latest is version 2; the list has both, newest first.
    let latest = json_of(app.get("/api/v1/publications/2025-08", &police).await, 200).await;
    assert_eq!(latest, v2);
    let list = json_of(app.get("/api/v1/publications?limit=1", &police).await, 200).await;
    assert_eq!(list["items"][0]["version"], 2);
    let cursor = list["next_cursor"].as_str().unwrap();
    let rest = json_of(
        app.get(
            &format!("/api/v1/publications?limit=1&cursor={cursor}"),
            &police,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rest["items"][0]["version"], 1);
    assert!(rest["next_cursor"].is_null());
    // Changes: every table's totals moved by the new class (13 events,
    // 270 attendances, 270 people); the kind table's training row too.
    let changes = json_of(
        app.get("/api/v1/publications/2025-08/changes?since=1", &police)
            .await,
        200,
    )
    .await;
    let list = changes["changes"].as_array().unwrap();
    let find = |table: &str, key: Value, m: &str| {
        list.iter()
            .find(|c| c["table"] == table && c["key"] == key && c["measure"] == m)
            .unwrap_or_else(|| panic!("no change {table} {key} {m}: {changes}"))
    };
    let c = find("agency", Value::Null, "attendances");
    assert_eq!(
        (c["before"].clone(), c["after"].clone()),
        (json!(240), json!(270))
    );
    let c = find("kind", json!({"kind": "training_class"}), "events");
    assert_eq!(
        (c["before"].clone(), c["after"].clone()),
        (json!(6), json!(7))
    );
    assert!(
        list.iter()
            .all(|c| !(c["table"] == "kind" && c["key"] == json!({"kind": "law_dissemination"}))),
        "an unchanged row is not listed"
    );
    problem(
        app.get("/api/v1/publications/2025-08/changes?since=3", &police)
            .await,
        422,
    )
    .await;
    problem(app.get("/api/v1/publications/2025-09", &police).await, 404).await;
    // CSV: each table's rows and its totals line.
    let csv = app
        .get("/api/v1/publications/2025-08.csv?version=2", &police)
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("table,row_type,"), "{csv}");
    assert_eq!(
        lines.iter().filter(|l| l.contains(",total,")).count(),
        5,
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("kind,row,") && l.contains("training_class"))
    );
    // Totals lines say TOTAL in every key column, so codes stay text.
    let keys = lines[0].split(',').position(|h| h == "events").unwrap();
    for l in lines.iter().filter(|l| l.contains(",total,")) {
        let cells: Vec<&str> = l.split(',').collect();
        assert!(cells[2..keys].iter().all(|c| *c == "TOTAL"), "{l}");
    }
    // And no key cell is empty: a table not split by a key says TOTAL
    // there, so a code column never mixes codes with empty cells.
    for l in &lines[1..] {
        let cells: Vec<&str> = l.split(',').collect();
        assert!(cells[2..keys].iter().all(|c| !c.is_empty()), "{l}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("kind,row,") && l.contains(",TOTAL,")),
        "{csv}"
    );
    // The identified share stands beside the identified person-times: the
    // line's own published values divided, empty where one is withheld.
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (att, ident, share) = (
        col("attendances"),
        col("identified_attendances"),
        col("identified_share"),
    );
    assert_eq!(share, ident + 1, "{}", lines[0]);
    let mut shares = 0;
    for l in &lines[1..] {
        let cells: Vec<&str> = l.split(',').collect();
        let (a, i) = (
            cells[att].parse::<f64>().ok(),
            cells[ident].parse::<f64>().ok(),
        );
        match (a, i) {
            (Some(a), Some(i)) if a > 0.0 => {
                let expected = ((i / a) * 10_000.0).round() / 10_000.0;
                assert_eq!(cells[share].parse::<f64>().unwrap(), expected, "{l}");
                shares += 1;
            }
            _ => assert_eq!(cells[share], "", "{l}"),
        }
    }
    assert!(shares > 0, "{csv}");
    // Only admins publish; bad requests are 422.
    problem(
        app.post(
            "/api/v1/publications",
            &police,
            &json!({"title": "x", "period": "2025-08"}),
        )
        .await,
        403,
    )
    .await;
    for (body, field) in [
        (json!({"title": "x", "period": "2025-13"}), "period"),
        (json!({"title": " ", "period": "2025-08"}), "title"),
        (
            json!({"title": "x", "period": "2025-08", "tables": []}),
            "tables",
        ),
        (
            json!({"title": "x", "period": "2025-08", "tables": [{"group_by": "nope"}]}),
            "tables[0].group_by",
        ),
        (
            json!({"title": "x", "period": "2025-08", "tables": [{"group_by": "kind"}, {"group_by": "kind"}]}),
            "tables[1].name",
        ),
    ] {
        let p = problem(app.post("/api/v1/publications", &admin, &body).await, 422).await;
        assert!(p.to_string().contains(field), "{body}: {p}");
    }
}

async fn public_tokens_read_publications_only(app: TestApp) {
    app.seed_test_areas();
    let public = app.public_viewer().await;
    for path in [
        "/api/v1/aggregates?group_by=kind",
        "/api/v1/aggregates?kind=training_class",
        "/api/v1/aggregates.csv?group_by=kind",
        "/api/v1/reach/overlap",
        "/api/v1/reach/overlap.csv",
        "/api/v1/reach/frequency",
        "/api/v1/reach/frequency.csv",
        "/api/v1/aggregates/events?kind=training_class",
    ] {
        problem(app.get(path, &public).await, 403).await;
    }
    json_of(app.get("/api/v1/publications", &public).await, 200).await;
    // Other viewers still read ad-hoc aggregates.
    json_of(
        app.get("/api/v1/aggregates?group_by=kind", &app.viewer())
            .await,
        200,
    )
    .await;
}

/// Issue 28, case 6: every cell ever published for an overlapping period is
/// one system. July is published by kind (the 3 withheld with a partner);
/// version 2 adds a table of training classes alone; then the quarter by
/// kind, and by agency. Across all three, no withheld cell can be worked
/// out, e.g. version 2 never publishes a kind version 1 withheld.
async fn later_publications_cannot_be_differenced_against_earlier_ones(app: TestApp) {
    app.seed_test_areas();
    let units = units();
    let police = app.agency("police");
    let mut model = july_model();
    // August: five law dissemination sessions of 10.
    for i in 0..5 {
        model.push(real(
            "law_dissemination",
            "2025-08-05",
            10,
            600 + i * 10..610 + i * 10,
            None,
            None,
        ));
    }
    for (i, e) in model.iter().enumerate() {
        json_of(
            app.post("/api/v1/events", &police, &body_of(i, e)).await,
            201,
        )
        .await;
    }
    fn all(_: &Real) -> bool {
        true
    }
    fn training(e: &Real) -> bool {
        e.kinds.contains("training_class")
    }
    let by = |name: &str, dims: Vec<Dim>, filter: &'static dyn Fn(&Real) -> bool| ModelTable {
        name: name.into(),
        dims,
        filter,
        analysis: None,
    };
    let v1 = publish(
        &app,
        &json!({"title": "Tháng 7/2025", "period": "2025-07",
            "tables": [{"group_by": "kind"}, {"group_by": "agency"}]}),
    )
    .await;
    let t1 = [
        by("kind", vec![Dim::Kind], &all),
        by("agency", vec![Dim::Agency], &all),
    ];
    let with_training = json!({"title": "Tháng 7/2025", "period": "2025-07",
        "tables": [{"group_by": "kind"}, {"group_by": "agency"},
            {"name": "training classes", "group_by": "", "filters": {"kind": "training_class"}}]});
    let v2 = publish(&app, &with_training).await;
    let t2 = [
        by("kind", vec![Dim::Kind], &all),
        by("agency", vec![Dim::Agency], &all),
        by("training classes", vec![], &training),
    ];
    let q = publish(
        &app,
        &json!({"title": "Quý III/2025", "period": "2025-Q3",
            "tables": [{"group_by": "kind"}, {"group_by": "period:month"}]}),
    )
    .await;
    let t3 = [
        by("kind", vec![Dim::Kind], &all),
        by("period:month", vec![Dim::Month], &all),
    ];
    // Version 3 of July repeats version 2's tables: checked against the
    // tables every earlier version published (each computed once).
    let v3 = publish(&app, &with_training).await;
    assert_eq!(v3["version"], 3);
    let (c1, c2, c3) = (
        model_cells(&model, &t1, &units, "2025-07"),
        model_cells(&model, &t2, &units, "2025-07"),
        model_cells(&model, &t3, &units, "2025-Q3"),
    );
    check_publications(
        &[
            (&v1, c1.as_slice()),
            (&v2, c2.as_slice()),
            (&q, c3.as_slice()),
            (&v3, c2.as_slice()),
        ],
        &model,
    );
    // The attack itself: version 1 withheld the training classes' 40 or
    // not; version 2's table of training classes alone says the same.
    let v1_training = v1["tables"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"]["kind"] == "training_class")
        .unwrap()["values"]["attendances"]
        .clone();
    let v2_training = v2["tables"][2]["totals"]["values"]["attendances"].clone();
    assert_eq!(
        v1_training.is_null(),
        v2_training.is_null(),
        "{v1_training} vs {v2_training}"
    );
}

/// Issue 28, case 7: a frequency table's buckets and identified
/// person-times are linked (the sum over buckets of events times people is
/// the identified person-times of the slice). 20 people at one meeting, two
/// at two more, one at three: buckets 20, 2 and 1. With 23 people and 27
/// identified person-times published, n2 + n3 = 3 and 2 n2 + 3 n3 = 7 give
/// n2 = 2, n3 = 1 exactly; so the identified person-times of that slice
/// are withheld, with whatever would give them away.
async fn frequency_buckets_cannot_be_solved_from_identified_attendances(app: TestApp) {
    app.seed_test_areas();
    let units = units();
    let police = app.agency("police");
    let model = vec![
        real("training_class", "2025-07-03", 20, 0..20, None, None),
        real("training_class", "2025-07-10", 5, 20..25, None, None),
        real("training_class", "2025-07-17", 5, 20..25, None, None),
        real("community_meeting", "2025-07-24", 2, 23..25, None, None),
    ];
    for (i, e) in model.iter().enumerate() {
        json_of(
            app.post("/api/v1/events", &police, &body_of(i, e)).await,
            201,
        )
        .await;
    }
    let p = publish(
        &app,
        &json!({"title": "Tháng 7/2025", "period": "2025-07",
            "tables": [{"analysis": "frequency"}, {"name": "totals", "group_by": ""},
                {"group_by": "kind"}]}),
    )
    .await;
    fn all(_: &Real) -> bool {
        true
    }
    let tables = [
        ModelTable {
            name: "frequency".into(),
            dims: vec![],
            filter: &all,
            analysis: Some("frequency"),
        },
        ModelTable {
            name: "totals".into(),
            dims: vec![],
            filter: &all,
            analysis: None,
        },
        ModelTable {
            name: "kind".into(),
            dims: vec![Dim::Kind],
            filter: &all,
            analysis: None,
        },
    ];
    let cells = model_cells(&model, &tables, &units, "2025-07");
    check_publication(&p, &model, &cells);
    let bucket = |b: &str| {
        p["tables"][0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"]["events"] == b)
            .unwrap()["values"]["people"]
            .clone()
    };
    assert_eq!(bucket("1"), 20);
    assert!(bucket("2").is_null() && bucket("3").is_null(), "{p}");
    assert_eq!(p["tables"][0]["totals"]["values"]["people"], 25);
    // Identified person-times of the whole slice cannot be read, nor added
    // up from the kinds' rows.
    let totals = &p["tables"][1]["totals"]["values"];
    assert!(totals["identified_attendances"].is_null(), "{p}");
    assert!(totals["reach_max"].is_null(), "{p}");
    let kinds: Vec<&Value> = p["tables"][2]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["values"]["identified_attendances"])
        .collect();
    assert!(kinds.iter().any(|v| v.is_null()), "{kinds:?}");
    let kinds_total = &p["tables"][2]["totals"]["values"]["identified_attendances"];
    assert!(kinds_total.is_null(), "{p}");
}
