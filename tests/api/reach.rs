//! The reach index answers exactly as the SQL path (aggregates, overlap
//! and frequency): random writes through
//! the API (creates, upserts, replacements, deletes, claims confirmed and
//! declined, links proposed, approved and removed, admin links, a change of
//! the units' current successors), each followed by random aggregate
//! requests (filters x groupings x area modes x JSON/CSV, as admin, viewer
//! and agency tokens), answered by three instances on one
//! database: the instance written to (index), a second instance (index,
//! kept current only through the change log) and a third on the SQL path.
//! Every answer must be identical apart from `generated_at` and
//! `meta.engine`.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TEST_AREAS, TestApp, json as json_of};

both_backends!(
    the_index_answers_exactly_as_sql_after_random_writes,
    concurrent_identical_requests_each_see_every_earlier_write
);

const AGENCIES: [&str; 4] = ["police", "womens-union", "education", "labour"];
const KINDS: [&str; 3] = ["training_class", "community_meeting", "law_dissemination"];
const TOPICS: [&str; 3] = ["human_trafficking", "drug_prevention", "safe_migration"];
const GROUPS: [&str; 3] = ["women", "students", "youth"];
const DIMS: [&str; 10] = [
    "agency",
    "kind",
    "topic",
    "target_group",
    "area:province",
    "area:district",
    "area:commune",
    "period:month",
    "period:quarter",
    "period:year",
];

/// A stored report: its id, its agency and its external id.
#[derive(Clone)]
struct Stored {
    id: String,
    agency: usize,
    external_id: String,
    live: bool,
    body: Value,
}

fn random_body(rng: &mut StdRng, agency: usize, external_id: &str) -> Value {
    let after_reform = rng.gen_bool(0.4);
    let date = if after_reform {
        chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()
            + chrono::Duration::days(rng.gen_range(0..120))
    } else {
        chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
            + chrono::Duration::days(rng.gen_range(0..500))
    };
    // Units valid on the date (helpers::TEST_AREAS ids).
    let unit = if after_reform {
        [5, 6, 8][rng.gen_range(0..3)]
    } else {
        [1, 2, 3, 4, 8][rng.gen_range(0..5)]
    };
    let code = TEST_AREAS.iter().find(|a| a.0 == unit).unwrap().1;
    let co: Vec<&str> = AGENCIES
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != agency && rng.gen_bool(0.25))
        .map(|(_, a)| *a)
        .collect();
    let mut topics: BTreeSet<&str> = TOPICS
        .iter()
        .copied()
        .filter(|_| rng.gen_bool(0.4))
        .collect();
    if topics.is_empty() {
        topics.insert(TOPICS[rng.gen_range(0..3)]);
    }
    let groups: BTreeSet<&str> = GROUPS
        .iter()
        .copied()
        .filter(|_| rng.gen_bool(0.3))
        .collect();
    let people: BTreeSet<u32> = (0..rng.gen_range(0..7))
        .map(|_| (rng.gen_range(1.0f64..30.0).powi(2) / 30.0) as u32)
        .collect();
    let total = people.len() as i64 + rng.gen_range(0..25);
    let mut attendance = json!({"total": total});
    if rng.gen_bool(0.5) {
        attendance["female"] = json!(rng.gen_range(0..=total));
    }
    if rng.gen_bool(0.3) {
        attendance["under_18"] = json!(rng.gen_range(0..=total));
    }
    // Tallies over several sessions, some with the people they counted
    // (issue 31); and mass-media records, with an audience instead.
    if total > people.len() as i64 && rng.gen_bool(0.3) {
        attendance["declared_people"] = json!(rng.gen_range(people.len() as i64..=total));
    }
    let sessions = if rng.gen_bool(0.3) {
        rng.gen_range(2..12)
    } else {
        1
    };
    let media = rng.gen_bool(0.15);
    let mut body = json!({
        "external_id": external_id,
        "kind": KINDS[rng.gen_range(0..3)],
        "sessions": sessions,
        "title": format!("report {external_id}"),
        "topics": topics,
        "target_groups": groups,
        "co_organizers": co,
        "start_date": date.to_string(),
        "end_date": date.to_string(),
        "area_code": code,
        "attendance": attendance,
        "participants": people.iter()
            .map(|p| json!({"id_type": "citizen_id", "value": format!("0011{p:08}")}))
            .collect::<Vec<_>>(),
    });
    if media {
        body["kind"] = json!(["media_broadcast", "loudspeaker"][rng.gen_range(0..2)]);
        body["audience"] = json!({"estimate": rng.gen_range(0..20_000), "basis": "estimate"});
        let o = body.as_object_mut().unwrap();
        o.remove("attendance");
        o.remove("participants");
    }
    body
}

/// A random aggregate query string.
fn random_query(rng: &mut StdRng) -> String {
    let mut q: Vec<String> = Vec::new();
    let dims = rng.gen_range(0..4);
    let mut chosen: Vec<&str> = Vec::new();
    while chosen.len() < dims {
        let d = DIMS[rng.gen_range(0..DIMS.len())];
        if !chosen.contains(&d) {
            chosen.push(d);
        }
    }
    if !chosen.is_empty() {
        q.push(format!("group_by={}", chosen.join(",")));
    }
    if rng.gen_bool(0.3) {
        q.push(format!("from=2024-{:02}-01", rng.gen_range(1..13)));
    }
    if rng.gen_bool(0.3) {
        q.push(format!("to=2025-{:02}-15", rng.gen_range(1..13)));
    }
    if rng.gen_bool(0.2) {
        q.push(format!("agency={}", AGENCIES[rng.gen_range(0..4)]));
        if rng.gen_bool(0.3) {
            q.push(format!("agency={}", AGENCIES[rng.gen_range(0..4)]));
        }
    }
    if rng.gen_bool(0.15) {
        q.push(format!("kind={}", KINDS[rng.gen_range(0..3)]));
    }
    if rng.gen_bool(0.15) {
        q.push(format!("topic={}", TOPICS[rng.gen_range(0..3)]));
    }
    if rng.gen_bool(0.15) {
        q.push(format!("target_group={}", GROUPS[rng.gen_range(0..3)]));
    }
    if rng.gen_bool(0.25) {
        // Codes of every period, one of them reused, and one unknown.
        let codes = ["06", "058", "01234", "01237", "19", "99", "99001", "77777"];
        q.push(format!("area={}", codes[rng.gen_range(0..codes.len())]));
    }
    if rng.gen_bool(0.5) {
        q.push("areas=current".into());
    }
    q.join("&")
}

/// An answer without what may differ between engines and instances.
fn comparable(status: u16, body: &str, csv: bool) -> (u16, Value) {
    if csv && status == 200 {
        return (status, Value::String(body.to_string()));
    }
    let mut v: Value = serde_json::from_str(body).unwrap_or(Value::String(body.to_string()));
    if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("generated_at");
        meta.remove("engine");
    }
    (status, v)
}

async fn ask(app: &TestApp, path: &str, token: &str) -> (u16, String, Option<String>) {
    let resp = app.get(path, token).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let engine = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["meta"]["engine"].as_str().map(str::to_string));
    (status, text, engine)
}

async fn the_index_answers_exactly_as_sql_after_random_writes(app: TestApp) {
    app.seed_test_areas();
    let follower = app.twin(|_| {}).await;
    let sql = app.twin(|s| s.reach_index = false).await;
    let admin = app.admin();
    let viewer = app.viewer();
    let agency_tokens: Vec<String> = AGENCIES.iter().map(|a| app.agency(a)).collect();
    let rounds: usize = std::env::var("CT_REACH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let mut rng = StdRng::seed_from_u64(15);
    let mut stored: Vec<Stored> = Vec::new();
    let mut compared = 0;
    // How often each kind of write took effect.
    let mut done = [0usize; 9];
    for round in 0..rounds {
        // Writes: mostly creates, then everything else.
        for step in 0..12 {
            let op = if stored.len() < 6 {
                0
            } else {
                rng.gen_range(0..9)
            };
            let live: Vec<usize> = (0..stored.len()).filter(|i| stored[*i].live).collect();
            match op {
                0..=2 => {
                    let agency = rng.gen_range(0..4);
                    let ext = format!("r{round}-{step}");
                    let body = random_body(&mut rng, agency, &ext);
                    let out = json_of(
                        app.post("/api/v1/events", &agency_tokens[agency], &body)
                            .await,
                        201,
                    )
                    .await;
                    done[0] += 1;
                    stored.push(Stored {
                        id: out["id"].as_str().unwrap().to_string(),
                        agency,
                        external_id: ext,
                        live: true,
                        body,
                    });
                }
                3 if !live.is_empty() => {
                    // Upsert with new figures (claims go back to pending).
                    let s = stored[live[rng.gen_range(0..live.len())]].clone();
                    let body = random_body(&mut rng, s.agency, &s.external_id);
                    let i = stored.iter().position(|x| x.id == s.id).unwrap();
                    stored[i].body = body.clone();
                    let resp = app
                        .send_json(
                            reqwest::Method::PUT,
                            &format!("/api/v1/events/external/{}", s.external_id),
                            &agency_tokens[s.agency],
                            &body,
                        )
                        .await;
                    assert_eq!(resp.status(), 200);
                    done[3] += 1;
                }
                4 if !live.is_empty() => {
                    let i = live[rng.gen_range(0..live.len())];
                    let s = &stored[i];
                    let resp = app
                        .delete(
                            &format!("/api/v1/events/{}?reason=test", s.id),
                            &agency_tokens[s.agency],
                        )
                        .await;
                    assert_eq!(resp.status(), 200);
                    stored[i].live = false;
                    done[4] += 1;
                }
                5 => {
                    // Answer a waiting claim: confirm or decline.
                    let a = rng.gen_range(0..4);
                    let claims = json_of(
                        app.get("/api/v1/claims?status=pending", &agency_tokens[a])
                            .await,
                        200,
                    )
                    .await;
                    if let Some(c) = claims["items"].as_array().and_then(|i| i.first()) {
                        let id = c["event"]["id"].as_str().unwrap();
                        let version = c["event"]["version"].as_i64().unwrap();
                        let verb = if rng.gen_bool(0.7) {
                            "confirm"
                        } else {
                            "decline"
                        };
                        let resp = app
                            .client
                            .post(app.url(&format!(
                                "/api/v1/events/{id}/claims/{}/{verb}",
                                AGENCIES[a]
                            )))
                            .bearer_auth(&agency_tokens[a])
                            .header("If-Match", format!("\"{version}\""))
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(resp.status(), 200, "{verb}");
                        done[5] += 1;
                    }
                }
                6 if !live.is_empty() => {
                    // Another agency reports the same meeting (same date and
                    // place: a duplicate candidate) and proposes the link;
                    // every agency asked approves.
                    let original = stored[live[rng.gen_range(0..live.len())]].clone();
                    let agency = (original.agency + rng.gen_range(1..4)) % 4;
                    let ext = format!("dup{round}-{step}");
                    let mut body = random_body(&mut rng, agency, &ext);
                    for field in ["start_date", "end_date", "area_code"] {
                        body[field] = original.body[field].clone();
                    }
                    let out = json_of(
                        app.post("/api/v1/events", &agency_tokens[agency], &body)
                            .await,
                        201,
                    )
                    .await;
                    let id = out["id"].as_str().unwrap().to_string();
                    stored.push(Stored {
                        id: id.clone(),
                        agency,
                        external_id: ext,
                        live: true,
                        body,
                    });
                    let resp = app
                        .post(
                            &format!("/api/v1/events/{id}/same-as"),
                            &agency_tokens[agency],
                            &json!({"other_id": original.id}),
                        )
                        .await;
                    let status = resp.status().as_u16();
                    let out: Value = resp.json().await.unwrap();
                    // 422: not a candidate for this agency (e.g. the original
                    // is already linked with one of its reports).
                    assert!([200, 202, 422].contains(&status), "{status} {out}");
                    if status == 422 {
                        continue;
                    }
                    if status == 202 {
                        let pid = out["proposal"]["id"].as_str().unwrap().to_string();
                        for a in out["proposal"]["waiting_for"].as_array().unwrap() {
                            let a = AGENCIES.iter().position(|x| x == a).unwrap();
                            let r = app.approve_link(&pid, &agency_tokens[a]).await;
                            assert!(r.status().is_success(), "{}", r.status());
                        }
                    }
                    done[6] += 1;
                }
                7 if live.len() >= 2 => {
                    // An admin links two reports at once.
                    let i = live[rng.gen_range(0..live.len())];
                    let j = live[rng.gen_range(0..live.len())];
                    if i == j {
                        continue;
                    }
                    let resp = app
                        .post(
                            &format!("/api/v1/events/{}/same-as", stored[i].id),
                            &admin,
                            &json!({"other_id": stored[j].id}),
                        )
                        .await;
                    let status = resp.status().as_u16();
                    let text = resp.text().await.unwrap();
                    assert!([200, 409, 422].contains(&status), "{status} {text}");
                    if status == 200 {
                        done[7] += 1;
                    }
                }
                8 if !live.is_empty() => {
                    // Take a report out of its real event.
                    let s = &stored[live[rng.gen_range(0..live.len())]];
                    let resp = app
                        .delete(
                            &format!("/api/v1/events/{}/same-as", s.id),
                            &agency_tokens[s.agency],
                        )
                        .await;
                    assert!(resp.status().is_success(), "{}", resp.status());
                    done[8] += 1;
                }
                _ => {}
            }
        }
        if round == rounds / 2 {
            // The units' current successors change (as a successor import
            // does): `areas=current` answers move.
            let mut conn = app.conn();
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE areas SET current_id = 8 WHERE id IN (3, 4)")
                .execute(&mut *conn)
                .unwrap();
        }
        // Queries: every instance, every kind of token.
        for _ in 0..25 {
            // (Public tokens read publications only: 403 here.)
            let token = match rng.gen_range(0..3) {
                0 => admin.clone(),
                1 => viewer.clone(),
                _ => agency_tokens[rng.gen_range(0..4)].clone(),
            };
            let csv = rng.gen_bool(0.25);
            // Reach analytics take the same slices, without a grouping.
            let endpoint = [
                "reach/overlap",
                "reach/frequency",
                "aggregates",
                "aggregates",
            ][rng.gen_range(0..4)];
            let mut query = random_query(&mut rng);
            if endpoint.starts_with("reach") {
                query = query
                    .split('&')
                    .filter(|p| !p.starts_with("group_by="))
                    .collect::<Vec<_>>()
                    .join("&");
            }
            let path = format!(
                "/api/v1/{endpoint}{}?{query}",
                if csv { ".csv" } else { "" },
            );
            let (s1, b1, e1) = ask(&app, &path, &token).await;
            let (s2, b2, e2) = ask(&follower, &path, &token).await;
            let (s3, b3, e3) = ask(&sql, &path, &token).await;
            if s1 == 200 && !csv {
                assert_eq!(e1.as_deref(), Some("index"), "{path}");
                assert_eq!(e2.as_deref(), Some("index"), "{path}");
                assert_eq!(e3.as_deref(), Some("sql"), "{path}");
            }
            let reference = comparable(s3, &b3, csv);
            assert_eq!(comparable(s1, &b1, csv), reference, "round {round}: {path}");
            assert_eq!(
                comparable(s2, &b2, csv),
                reference,
                "round {round}, second instance: {path}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 25 * rounds);
    // creates, upserts, deletes, claim answers, approved proposals, direct
    // links and removals all happened.
    for (op, n) in done.iter().enumerate() {
        assert!(
            op == 1 || op == 2 || *n > 0,
            "write kind {op} never happened: {done:?}"
        );
    }
    assert!(
        stored.iter().filter(|s| s.live).count() > 5,
        "the dataset kept some live reports"
    );
    drop(sql);
    drop(follower);
}

/// Identical requests sent together share one computation (and one read
/// of the change log); each still counts every write acknowledged before
/// it was sent.
async fn concurrent_identical_requests_each_see_every_earlier_write(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let viewer = app.viewer();
    let mut rng = StdRng::seed_from_u64(3);
    for i in 0..6 {
        let mut body = random_body(&mut rng, 0, &format!("c{i}"));
        body["co_organizers"] = json!([]);
        json_of(app.post("/api/v1/events", &police, &body).await, 201).await;
        let answers = futures_util::future::join_all(
            (0..8).map(|_| app.get("/api/v1/aggregates?group_by=agency", &viewer)),
        )
        .await;
        for resp in answers {
            let a = json_of(resp, 200).await;
            assert_eq!(a["meta"]["engine"], "index");
            assert_eq!(a["totals"]["events"], i + 1, "write {i}");
        }
    }
}

/// The totals' attendances, answered by the index.
async fn attendances(app: &TestApp, viewer: &str) -> i64 {
    let a = json_of(app.get("/api/v1/aggregates", viewer).await, 200).await;
    assert_eq!(a["meta"]["engine"], "index");
    a["totals"]["attendances"].as_i64().unwrap()
}

/// Two transactions commit in the opposite order of their change-log
/// sequence numbers: the index applies both (a reader that only asked for
/// rows above the last seq it saw would miss the first).
#[actix_web::test]
async fn a_change_committed_after_a_later_one_is_not_missed_on_postgres() {
    use diesel::{Connection, RunQueryDsl};
    let Some(app) = TestApp::spawn_with(crate::helpers::Db::Postgres, |_| {}).await else {
        return;
    };
    app.seed_test_areas();
    let police = app.agency("police");
    let mut rng = StdRng::seed_from_u64(1);
    let mut ids = Vec::new();
    for i in 0..2 {
        let mut body = random_body(&mut rng, 0, &format!("o{i}"));
        body["co_organizers"] = json!([]);
        body["participants"] = json!([]);
        body["attendance"] = json!({"total": 10});
        let out = json_of(app.post("/api/v1/events", &police, &body).await, 201).await;
        ids.push(out["id"].as_str().unwrap().to_string());
    }
    let viewer = app.viewer();
    assert_eq!(attendances(&app, &viewer).await, 20);
    let url = match &app.settings.database_url {
        campaign_tracker::config::DatabaseUrl::Postgres(u) => u.clone(),
        _ => unreachable!(),
    };
    let mut first = diesel::PgConnection::establish(&url).unwrap();
    let mut second = diesel::PgConnection::establish(&url).unwrap();
    let set = |c: &mut diesel::PgConnection, id: &str, total: i64| {
        diesel::sql_query(format!(
            "UPDATE events SET attendance_total = {total} WHERE id = '{id}'"
        ))
        .execute(c)
        .unwrap();
    };
    let last_seq = |c: &mut diesel::PgConnection| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct S {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            seq: i64,
        }
        diesel::sql_query("SELECT MAX(seq) AS seq FROM reach_changes")
            .load::<S>(c)
            .unwrap()[0]
            .seq
    };
    diesel::sql_query("BEGIN").execute(&mut first).unwrap();
    set(&mut first, &ids[0], 1000);
    let first_seq = last_seq(&mut first);
    diesel::sql_query("BEGIN").execute(&mut second).unwrap();
    set(&mut second, &ids[1], 300);
    let second_seq = last_seq(&mut second);
    assert!(
        first_seq < second_seq,
        "the first transaction took the lower seq"
    );
    diesel::sql_query("COMMIT").execute(&mut second).unwrap();
    // The index has read past the second transaction's (higher) seq ...
    assert_eq!(attendances(&app, &viewer).await, 10 + 300);
    diesel::sql_query("COMMIT").execute(&mut first).unwrap();
    // ... and still applies the first, committed later with a lower seq.
    assert_eq!(attendances(&app, &viewer).await, 1000 + 300);
    // The background reader of another instance gets there by itself.
    let other = app.twin(|_| {}).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(attendances(&other, &viewer).await, 1300);
    drop(other);
}
