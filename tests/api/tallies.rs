//! Sessions, tallies and audiences (issue 31): a record may cover several
//! sessions, a tally may state the people it counted itself, mass-media
//! records state an audience and are counted apart; every measure, by
//! agency and in total, on both engines, against a model computed here;
//! and the range of different people holds against a world whose true
//! people are known.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::consent::{approve, same_as};
use crate::events::confirm;
use crate::helpers::{TestApp, fields, json as json_of, problem};

crate::both_backends!(
    a_mix_of_records_matches_the_model,
    the_range_of_people_holds_the_true_people,
    mass_media_and_tallies_are_checked_field_by_field,
    sessions_declared_people_and_audience_are_figures_for_consent,
);

/// Every answer from the SQL path (the reference the index is checked against).
mod on_the_sql_path {
    use super::*;

    crate::both_backends!(
        settings = |s| s.reach_index = false;
        a_mix_of_records_matches_the_model,
        the_range_of_people_holds_the_true_people,
    );
}

const DAY: &str = "2025-03-10";

/// A citizen id for person `n`.
fn cid(n: u32) -> String {
    format!("0012{n:08}")
}

/// A record's body: `kind`, `sessions`, `total` (None: mass media), its
/// declared people, its identified people and its audience.
#[allow(clippy::too_many_arguments)]
fn body(
    ext: &str,
    kind: &str,
    sessions: i64,
    total: Option<i64>,
    declared: Option<i64>,
    people: &[u32],
    audience: Option<i64>,
    co: &[&str],
) -> Value {
    let mut b = json!({
        "external_id": ext, "kind": kind, "title": ext, "topics": ["human_trafficking"],
        "start_date": DAY, "end_date": DAY, "area_code": "01234", "sessions": sessions,
        "co_organizers": co,
        "participants": people.iter().map(|p| json!({"id_type": "citizen_id", "value": cid(*p)})).collect::<Vec<_>>(),
    });
    if let Some(t) = total {
        b["attendance"] = json!({"total": t});
        if let Some(d) = declared {
            b["attendance"]["declared_people"] = json!(d);
        }
    }
    if let Some(a) = audience {
        b["audience"] = json!({"estimate": a, "basis": "estimate"});
    }
    b
}

/// One real event of the model: every report merged as the service must
/// (largest headcounts, sessions, declared people and audience; union of
/// people and agencies).
#[derive(Debug, Clone, Default)]
struct Real {
    agencies: BTreeSet<String>,
    media: bool,
    total: i64,
    sessions: i64,
    declared: Option<i64>,
    people: BTreeSet<u32>,
    audience: i64,
}

impl Real {
    fn merge(&mut self, o: &Real) {
        self.agencies.extend(o.agencies.iter().cloned());
        self.total = self.total.max(o.total);
        self.sessions = self.sessions.max(o.sessions);
        self.declared = self.declared.max(o.declared);
        self.people.extend(o.people.iter().copied());
        self.audience = self.audience.max(o.audience);
    }
}

/// The measures of `events` as the issue defines them, computed here.
fn model(events: &[&Real]) -> BTreeMap<&'static str, Value> {
    let live: Vec<&&Real> = events.iter().filter(|e| !e.media).collect();
    let media: Vec<&&Real> = events.iter().filter(|e| e.media).collect();
    let ident = |e: &Real| e.people.len() as i64;
    let total = |e: &Real| e.total.max(ident(e));
    let people: BTreeSet<u32> = live.iter().flat_map(|e| e.people.iter().copied()).collect();
    let unique = people.len() as i64;
    let att: i64 = live.iter().map(|e| total(e)).sum();
    let identified: i64 = live.iter().map(|e| ident(e)).sum();
    let lower = |e: &Real| match e.declared {
        Some(d) => d.max(ident(e)),
        None => ((total(e) + e.sessions - 1) / e.sessions).max(ident(e)),
    };
    let upper = |e: &Real| match e.declared {
        Some(d) => d.max(ident(e)),
        None => total(e),
    };
    let share = (att > 0).then(|| ((identified as f64 / att as f64) * 10_000.0).round() / 10_000.0);
    BTreeMap::from([
        ("events", json!(events.len())),
        (
            "sessions",
            json!(live.iter().map(|e| e.sessions).sum::<i64>()),
        ),
        ("attendances", json!(att)),
        ("identified_attendances", json!(identified)),
        ("identified_share", json!(share)),
        ("unique_participants", json!(unique)),
        (
            "reach_min",
            json!(unique.max(live.iter().map(|e| lower(e)).max().unwrap_or(0))),
        ),
        (
            "reach_max",
            json!(unique + live.iter().map(|e| upper(e) - ident(e)).sum::<i64>()),
        ),
        (
            "media_items",
            json!(media.iter().map(|e| e.sessions).sum::<i64>()),
        ),
        (
            "audience",
            json!(media.iter().map(|e| e.audience).sum::<i64>()),
        ),
    ])
}

fn check(answer: &Value, expected: &BTreeMap<&'static str, Value>, what: &str) {
    for (m, v) in expected {
        assert_eq!(&answer[*m], v, "{what}: {m} in {answer}");
    }
}

/// The service's rows by agency and totals, checked against the model.
async fn check_all(app: &TestApp, reals: &[Real]) {
    let answer = json_of(
        app.get("/api/v1/aggregates?group_by=agency", &app.viewer())
            .await,
        200,
    )
    .await;
    let engine = if app.settings.reach_index {
        "index"
    } else {
        "sql"
    };
    assert_eq!(
        answer["meta"]["engine"], engine,
        "the engine under test answered"
    );
    let all: Vec<&Real> = reals.iter().collect();
    check(&answer["totals"], &model(&all), "totals");
    let agencies: BTreeSet<&String> = reals.iter().flat_map(|r| r.agencies.iter()).collect();
    let rows = answer["rows"].as_array().unwrap();
    assert_eq!(rows.len(), agencies.len(), "{answer}");
    for a in agencies {
        let mine: Vec<&Real> = reals.iter().filter(|r| r.agencies.contains(a)).collect();
        let row = rows.iter().find(|r| r["agency"] == a.as_str()).unwrap();
        check(row, &model(&mine), a);
    }
    // The kinds apart: a grouping by kind holds the broadcasts' audience in
    // their own rows only.
    let by_kind = json_of(
        app.get("/api/v1/aggregates?group_by=kind", &app.viewer())
            .await,
        200,
    )
    .await;
    for row in by_kind["rows"].as_array().unwrap() {
        let media = [
            "media_broadcast",
            "loudspeaker",
            "printed_materials",
            "online_post",
        ]
        .contains(&row["kind"].as_str().unwrap());
        if media {
            assert_eq!(row["attendances"], 0, "{row}");
            assert_eq!(row["sessions"], 0, "{row}");
            assert_eq!(row["unique_participants"], 0, "{row}");
        } else {
            assert_eq!(row["audience"], 0, "{row}");
            assert_eq!(row["media_items"], 0, "{row}");
        }
    }
}

fn real(agency: &str, media: bool, b: &Value) -> Real {
    Real {
        agencies: [agency.to_string()].into(),
        media,
        total: b["attendance"]["total"].as_i64().unwrap_or(0),
        sessions: b["sessions"].as_i64().unwrap(),
        declared: b["attendance"]["declared_people"].as_i64(),
        people: b["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_str().unwrap()[4..].parse().unwrap())
            .collect(),
        audience: b["audience"]["estimate"].as_i64().unwrap_or(0),
    }
}

async fn post(app: &TestApp, token: &str, b: &Value) -> Value {
    json_of(app.post("/api/v1/events", token, b).await, 201).await
}

/// Identified events, tallies with and without declared people, linked
/// duplicates (a tally linked with an identified report), a joint event
/// and linked mass-media records: every measure, by agency and in total.
async fn a_mix_of_records_matches_the_model(app: TestApp) {
    app.seed_test_areas();
    let (police, wu, education, labour) = (
        app.agency("police"),
        app.agency("womens-union"),
        app.agency("education"),
        app.agency("labour"),
    );
    let mut reals: Vec<Real> = Vec::new();
    // Lone records.
    for (token, agency, b) in [
        (
            &police,
            "police",
            body(
                "p1",
                "training_class",
                1,
                Some(40),
                None,
                &[1, 2, 3],
                None,
                &[],
            ),
        ),
        (
            &police,
            "police",
            body(
                "p2",
                "community_meeting",
                8,
                Some(400),
                None,
                &[],
                None,
                &[],
            ),
        ),
        (
            &wu,
            "womens-union",
            body(
                "w1",
                "law_dissemination",
                4,
                Some(200),
                Some(90),
                &[2, 4],
                None,
                &[],
            ),
        ),
        (
            &education,
            "education",
            body(
                "e1",
                "integrated_lesson",
                120,
                Some(2_400),
                Some(60),
                &[],
                None,
                &[],
            ),
        ),
        (
            &police,
            "police",
            body(
                "b1",
                "media_broadcast",
                3,
                None,
                None,
                &[],
                Some(5_000),
                &[],
            ),
        ),
        (
            &wu,
            "womens-union",
            body("b2", "loudspeaker", 1, None, None, &[], Some(1_200), &[]),
        ),
    ] {
        let media = b.get("audience").is_some();
        let out = post(&app, token, &b).await;
        assert_eq!(out["sessions"], b["sessions"]);
        assert_eq!(out.get("attendance").is_none(), media, "{out}");
        reals.push(real(agency, media, &b));
    }
    // A duplicate: police's tally with declared people, the women's union's
    // identified report of the same meeting; linked, they are one event.
    let p3 = body(
        "p3",
        "community_meeting",
        2,
        Some(30),
        Some(20),
        &[1, 5],
        None,
        &[],
    );
    let w2 = body(
        "w2",
        "community_meeting",
        1,
        Some(35),
        None,
        &[5, 6],
        None,
        &[],
    );
    let p3_id = post(&app, &police, &p3).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let w2_id = post(&app, &wu, &w2).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = same_as(&app, &police, &p3_id, &w2_id, 202).await;
    approve(&app, &wu, out["proposal"]["id"].as_str().unwrap(), 200).await;
    let mut linked = real("police", false, &p3);
    linked.merge(&real("womens-union", false, &w2));
    reals.push(linked);
    // Two agencies' posts about one online article: one item, the larger audience.
    let b3 = body("b3", "online_post", 1, None, None, &[], Some(800), &[]);
    let b4 = body("b4", "online_post", 1, None, None, &[], Some(1_000), &[]);
    let b3_id = post(&app, &education, &b3).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b4_id = post(&app, &labour, &b4).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = same_as(&app, &education, &b3_id, &b4_id, 202).await;
    approve(&app, &labour, out["proposal"]["id"].as_str().unwrap(), 200).await;
    let mut linked = real("education", true, &b3);
    linked.merge(&real("labour", true, &b4));
    reals.push(linked);
    // A joint class: labour's, confirmed by education.
    let l1 = body(
        "l1",
        "training_class",
        2,
        Some(50),
        None,
        &[1, 7],
        None,
        &["education"],
    );
    let l1_out = post(&app, &labour, &l1).await;
    confirm(
        &app,
        &education,
        l1_out["id"].as_str().unwrap(),
        "education",
        1,
    )
    .await;
    let mut joint = real("labour", false, &l1);
    joint.agencies.insert("education".into());
    reals.push(joint);
    check_all(&app, &reals).await;
    // The range is the model's, not a collapse to the identified people:
    // 120 lessons with 60 declared pupils and 400 meeting person-times over 8
    // meetings both bound it from below.
    let totals = &json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await["totals"];
    assert!(totals["reach_min"].as_i64().unwrap() >= 90, "{totals}");
    assert!(totals["identified_share"].as_f64().unwrap() < 1.0);
}

/// A world whose true people are known: each record's sessions draw people
/// from a population, its attendance is what the sessions add up to, some
/// of its people are identified, some records declare their true distinct
/// people (a sign-in sheet). Whatever the draw, the true number of
/// different people lies in [`reach_min`, `reach_max`], in total and in
/// every agency's row.
async fn the_range_of_people_holds_the_true_people(app: TestApp) {
    app.seed_test_areas();
    let agencies = ["police", "womens-union", "education", "labour"];
    let tokens: Vec<String> = agencies.iter().map(|a| app.agency(a)).collect();
    let mut rng = StdRng::seed_from_u64(31);
    let mut truth: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    let mut all: BTreeSet<u32> = BTreeSet::new();
    let mut items: Vec<Vec<Value>> = vec![Vec::new(); agencies.len()];
    for i in 0..60 {
        let a = rng.gen_range(0..agencies.len());
        // Each agency works with its own part of a population of 400.
        let base = a as u32 * 70;
        let sessions = if rng.gen_bool(0.5) {
            rng.gen_range(2..10)
        } else {
            1
        };
        let mut attendance = 0i64;
        let mut present: BTreeSet<u32> = BTreeSet::new();
        for _ in 0..sessions {
            let size = rng.gen_range(3..25);
            for _ in 0..size {
                present.insert(base + rng.gen_range(0..180));
            }
            attendance += size;
        }
        // A person drawn twice in one session is one person-time; the
        // record's person-times are at least its distinct people.
        let attendance = attendance.max(present.len() as i64);
        let identified: Vec<u32> = present
            .iter()
            .copied()
            .filter(|_| rng.gen_bool(0.2))
            .collect();
        let declared = rng.gen_bool(0.3).then_some(present.len() as i64);
        items[a].push(body(
            &format!("r{i}"),
            "community_meeting",
            sessions,
            Some(attendance),
            declared,
            &identified,
            None,
            &[],
        ));
        truth
            .entry(agencies[a])
            .or_default()
            .extend(present.iter().copied());
        all.extend(present);
    }
    for (token, items) in tokens.iter().zip(&items) {
        if !items.is_empty() {
            json_of(
                app.post("/api/v1/events/batch", token, &json!({ "items": items }))
                    .await,
                200,
            )
            .await;
        }
    }
    let answer = json_of(
        app.get("/api/v1/aggregates?group_by=agency", &app.viewer())
            .await,
        200,
    )
    .await;
    let engine = if app.settings.reach_index {
        "index"
    } else {
        "sql"
    };
    assert_eq!(
        answer["meta"]["engine"], engine,
        "the engine under test answered"
    );
    let holds = |m: &Value, n: usize, what: &str| {
        let (lo, hi) = (
            m["reach_min"].as_i64().unwrap(),
            m["reach_max"].as_i64().unwrap(),
        );
        assert!(
            lo <= n as i64 && n as i64 <= hi,
            "{what}: {lo} <= {n} <= {hi}"
        );
        // Never narrower than what is certain: the identified people.
        assert!(lo >= m["unique_participants"].as_i64().unwrap(), "{what}");
    };
    holds(&answer["totals"], all.len(), "totals");
    for row in answer["rows"].as_array().unwrap() {
        let a = row["agency"].as_str().unwrap();
        holds(row, truth[a].len(), a);
    }
}

/// Each rule of the new fields, with every problem named (and nothing stored).
async fn mass_media_and_tallies_are_checked_field_by_field(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "a broadcast with attendance and participants",
            {
                let mut b = body("x1", "media_broadcast", 1, Some(100), None, &[1], None, &[]);
                b["audience"] = json!({"estimate": 100});
                b
            },
            vec!["attendance", "participants"],
        ),
        (
            "a broadcast without its audience",
            body("x2", "loudspeaker", 1, None, None, &[], None, &[]),
            vec!["audience"],
        ),
        (
            "a class with an audience",
            body("x3", "training_class", 1, Some(10), None, &[], Some(5), &[]),
            vec!["audience"],
        ),
        (
            "declared people above the person-times",
            body(
                "x4",
                "training_class",
                3,
                Some(10),
                Some(11),
                &[],
                None,
                &[],
            ),
            vec!["attendance.declared_people"],
        ),
        (
            "declared people below the identified",
            body(
                "x5",
                "training_class",
                3,
                Some(10),
                Some(1),
                &[1, 2],
                None,
                &[],
            ),
            vec!["attendance.declared_people"],
        ),
        (
            "no session",
            body("x6", "training_class", 0, Some(10), None, &[], None, &[]),
            vec!["sessions"],
        ),
        (
            "an unknown basis and a negative audience",
            {
                let mut b = body("x7", "printed_materials", 1, None, None, &[], None, &[]);
                b["audience"] = json!({"estimate": -1, "basis": "guess"});
                b
            },
            vec!["audience.basis", "audience.estimate"],
        ),
    ];
    for (what, b, expected) in cases {
        let p = problem(app.post("/api/v1/events", &police, &b).await, 422).await;
        let mut got = fields(&p);
        got.sort();
        assert_eq!(got, expected, "{what}: {p}");
    }
    let page = json_of(app.get("/api/v1/events", &app.admin()).await, 200).await;
    assert_eq!(page["items"], json!([]), "nothing stored");
    // A broadcast as it should be: its audience, with the basis defaulted.
    let out = post(
        &app,
        &police,
        &body(
            "ok",
            "media_broadcast",
            2,
            None,
            None,
            &[],
            Some(9_245),
            &[],
        ),
    )
    .await;
    assert_eq!(
        out["audience"],
        json!({"estimate": 9_245, "basis": "estimate"})
    );
    assert!(out.get("attendance").is_none());
    assert_eq!(out["participants_identified"], 0);
}

/// Sessions, declared people and audience are figures a co-organiser
/// agrees to: changing any sets its confirmation back to pending; a title
/// change does not.
async fn sessions_declared_people_and_audience_are_figures_for_consent(app: TestApp) {
    app.seed_test_areas();
    let (police, wu) = (app.agency("police"), app.agency("womens-union"));
    let mut tally = body(
        "t",
        "community_meeting",
        4,
        Some(100),
        Some(40),
        &[],
        None,
        &["womens-union"],
    );
    let mut media = body(
        "m",
        "media_broadcast",
        1,
        None,
        None,
        &[],
        Some(3_000),
        &["womens-union"],
    );
    let mut ids = Vec::new();
    for b in [&tally, &media] {
        let id = post(&app, &police, b).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        confirm(&app, &wu, &id, "womens-union", 1).await;
        ids.push(id);
    }
    let put = |id: String, version: i64, b: Value| {
        let app = &app;
        let police = &police;
        async move {
            let resp = app
                .client
                .put(app.url(&format!("/api/v1/events/{id}")))
                .bearer_auth(police)
                .header("If-Match", format!("\"{version}\""))
                .json(&b)
                .send()
                .await
                .unwrap();
            json_of(resp, 200).await
        }
    };
    let mut version = 1;
    tally["title"] = json!("renamed");
    let out = put(ids[0].clone(), version, tally.clone()).await;
    assert_eq!(
        out["claims"][0]["status"], "confirmed",
        "a title is not a figure"
    );
    version += 1;
    let changes: [fn(&mut Value); 2] = [
        |b| b["sessions"] = json!(5),
        |b| b["attendance"]["declared_people"] = json!(41),
    ];
    for change in changes {
        change(&mut tally);
        let out = put(ids[0].clone(), version, tally.clone()).await;
        assert_eq!(out["claims"][0]["status"], "pending", "{tally}");
        confirm(&app, &wu, &ids[0], "womens-union", version + 1).await;
        version += 1;
    }
    media["audience"]["estimate"] = json!(3_001);
    let out = put(ids[1].clone(), 1, media).await;
    assert_eq!(out["claims"][0]["status"], "pending");
}
