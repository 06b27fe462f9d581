//! Rotating the participant key (issue 34, `keys rotate-participant-key`):
//! every count is the model's before, in the middle of (after a crash
//! injected inside a batch) and after the rotation, on both engines; the
//! crashed run is finished by running the command again; a person posted
//! after it still deduplicates with their earlier events; the erased list
//! and an open request's keys follow; re-sent events stay `unchanged` at
//! their version; no stored key is the old secret's any more; while it is
//! under way, writes carrying participants are refused (503) and others
//! pass.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both_backends;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    rotation_keeps_every_count_and_resumes_after_a_crash,
    writes_racing_a_rotation_store_only_the_new_chain,
);

fn cid(n: u32) -> String {
    format!("0013{n:08}")
}

/// The person who asks for erasure before the rotation.
const ERASED: u32 = 4;
/// The person whose access request is open across the rotation.
const ASKING: u32 = 9;

/// 24 reports: (external id, agency, day, people), built here.
fn records() -> Vec<(String, &'static str, String, Vec<u32>)> {
    let agencies = ["police", "womens-union", "education"];
    (0..24usize)
        .map(|i| {
            let day = format!("2024-{:02}-{:02}", 1 + i % 6, 3 + i);
            let people = (0..2 + i % 4)
                .map(|j| ((i * 7 + j * 5) % 30) as u32)
                .collect();
            (format!("r{i}"), agencies[i % 3], day, people)
        })
        .collect()
}

fn body(ext: &str, day: &str, people: &[u32]) -> Value {
    json!({
        "external_id": ext, "kind": "training_class", "title": ext,
        "topics": ["human_trafficking"], "start_date": day, "end_date": day,
        "area_code": "01234", "attendance": {"total": 40},
        "participants": people.iter()
            .map(|p| json!({"id_type": "citizen_id", "value": cid(*p)}))
            .collect::<Vec<_>>(),
    })
}

/// Unique people per agency, per month and in total, worked out here from
/// the reports written (less the erased person).
fn model(written: &[(String, &str, String, Vec<u32>)]) -> BTreeMap<String, usize> {
    model_with(written, Some(ERASED))
}

/// [`model`], less the person `erased` if any.
fn model_with(
    written: &[(String, &str, String, Vec<u32>)],
    erased: Option<u32>,
) -> BTreeMap<String, usize> {
    let mut rows: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for (_, agency, day, people) in written {
        for key in [
            format!("agency {agency}"),
            format!("month {}", &day[..7]),
            "total".into(),
        ] {
            rows.entry(key)
                .or_default()
                .extend(people.iter().filter(|p| Some(**p) != erased));
        }
    }
    rows.into_iter().map(|(k, p)| (k, p.len())).collect()
}

/// The service's unique people per agency, per month and in total.
async fn answered(app: &TestApp) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (dim, field) in [("agency", "agency"), ("period:month", "period")] {
        let a = json_of(
            app.get(&format!("/api/v1/aggregates?group_by={dim}"), &app.viewer())
                .await,
            200,
        )
        .await;
        for r in a["rows"].as_array().unwrap() {
            let key = format!(
                "{} {}",
                dim.rsplit(':').next().unwrap(),
                r[field].as_str().unwrap()
            );
            let n = r["unique_participants"].as_u64().unwrap() as usize;
            if n > 0 {
                out.insert(key, n);
            }
        }
        out.insert(
            "total".into(),
            a["totals"]["unique_participants"].as_u64().unwrap() as usize,
        );
    }
    out
}

/// The stored participant keys.
fn stored_keys(app: &TestApp) -> BTreeSet<String> {
    use campaign_tracker::db::schema::participants;
    let mut conn = app.conn();
    participants::table
        .select(participants::key)
        .load::<String>(&mut *conn)
        .unwrap()
        .into_iter()
        .collect()
}

fn hmac_hex(secret: &[u8], text: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap();
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The secrets of the key file, oldest first.
fn secrets(app: &TestApp) -> Vec<String> {
    std::fs::read_to_string(app.data_dir.path().join("participant.key"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split_once(':').unwrap().1.to_string())
        .collect()
}

/// Posts `body` until the instance has taken the database's epoch (it
/// reads it every 2 s: until then a write of participants is a 503).
async fn post_when_taken(app: &TestApp, token: &str, body: &Value) -> Value {
    let started = Instant::now();
    loop {
        let resp = app.post("/api/v1/events", token, body).await;
        if resp.status().as_u16() != 503 {
            return json_of(resp, 201).await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still 503 after 20 s"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn rotation_keeps_every_count_and_resumes_after_a_crash(app: TestApp) {
    app.seed_test_areas();
    let mut written = records();
    let mut versions = BTreeMap::new();
    for (ext, agency, day, people) in &written {
        let e = json_of(
            app.post(
                "/api/v1/events",
                &app.agency(agency),
                &body(ext, day, people),
            )
            .await,
            201,
        )
        .await;
        versions.insert(ext.clone(), e["version"].as_i64().unwrap());
    }
    let admin = app.admin();
    let person = |n: u32| json!({"id_type": "citizen_id", "value": cid(n)});
    let erased = json_of(
        app.post(
            "/api/v1/privacy/requests",
            &admin,
            &json!({"kind": "erasure", "identifier": person(ERASED)}),
        )
        .await,
        201,
    )
    .await;
    assert!(erased["removed"].as_i64().unwrap() > 0, "{erased}");
    let open = json_of(
        app.post(
            "/api/v1/privacy/requests",
            &admin,
            &json!({"kind": "access", "defer": true, "identifier": person(ASKING)}),
        )
        .await,
        201,
    )
    .await;
    let expected = model(&written);
    assert_eq!(answered(&app).await, expected, "before the rotation");
    let old_secret = secrets(&app)[0].clone();
    let before_keys = stored_keys(&app);
    assert!(before_keys.contains(&hmac_hex(
        old_secret.as_bytes(),
        &format!("citizen_id:{}", cid(1))
    )));

    // A crash inside the third batch (lists, then participants 7 by 7).
    let crashed = app.cli(&[
        "keys",
        "rotate-participant-key",
        "--batch",
        "7",
        "--abort-in-batch",
        "3",
    ]);
    assert!(!crashed.status.success(), "the crash was not injected");
    assert_eq!(secrets(&app).len(), 2, "the new secret is in the key file");
    // Half-way: the counts are the model's; participants wait, tallies pass.
    assert_eq!(
        answered(&app).await,
        expected,
        "in the middle of the rotation"
    );
    let p = problem(
        app.post(
            "/api/v1/events",
            &app.agency("police"),
            &body("late", "2024-07-01", &[1]),
        )
        .await,
        503,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("rotated"), "{p}");
    let tally = json!({"external_id": "tally", "kind": "community_meeting", "title": "Họp dân",
        "topics": ["human_trafficking"], "start_date": "2024-07-02", "end_date": "2024-07-02",
        "area_code": "01234", "attendance": {"total": 60}});
    json_of(
        app.post("/api/v1/events", &app.agency("police"), &tally)
            .await,
        201,
    )
    .await;
    {
        use campaign_tracker::db::schema::participant_key_epoch as e;
        let mut conn = app.conn();
        let (epoch, to, after): (i32, Option<i32>, i64) = e::table
            .select((e::epoch, e::rotating_to, e::participants_after))
            .first(&mut *conn)
            .unwrap();
        assert_eq!((epoch, to), (0, Some(1)));
        // Batch 1 (the lists) and batch 2 (7 participants) committed; 3 not.
        let done = before_keys.len().min(7);
        let ids: Vec<i64> = campaign_tracker::db::schema::participants::table
            .select(campaign_tracker::db::schema::participants::id)
            .order(campaign_tracker::db::schema::participants::id)
            .load(&mut *conn)
            .unwrap();
        assert_eq!(after, ids[done - 1], "the cursor is after the second batch");
    }

    // Run again: it resumes and finishes.
    let out = app.cli(&["keys", "rotate-participant-key", "--batch", "7"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("epoch 1"), "{said}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("resuming"));
    assert_eq!(answered(&app).await, expected, "after the rotation");
    let register = json_of(app.get("/api/v1/privacy/register", &admin).await, 200).await;
    let key = &register["participant_key"];
    assert_eq!(key["epoch"], 1, "{key}");
    assert_eq!(key["rotating"], false);
    assert!(key["last_rotation_finished_at"].is_string(), "{key}");
    // The database names the chain's key ids, never a secret.
    {
        use campaign_tracker::db::schema::participant_key_epoch as e;
        let kids: String = e::table.select(e::kids).first(&mut *app.conn()).unwrap();
        assert_eq!(kids.split(',').count(), 2, "{kids}");
        for secret in secrets(&app) {
            assert!(!kids.contains(&secret));
        }
    }

    // Every key is the new chain's: one step of the new secret over the old key.
    let new_secret = secrets(&app)[1].clone();
    let after_keys = stored_keys(&app);
    let stepped: BTreeSet<String> = before_keys
        .iter()
        .map(|k| hmac_hex(new_secret.as_bytes(), k))
        .collect();
    assert_eq!(after_keys, stepped, "each key re-keyed exactly once");
    assert!(
        after_keys.is_disjoint(&before_keys),
        "no old-secret key is left"
    );

    // Re-sent as they were, every report is unchanged at its version.
    for agency in ["police", "womens-union", "education"] {
        let items: Vec<Value> = written
            .iter()
            .filter(|r| r.1 == agency)
            .map(|(ext, _, day, people)| body(ext, day, people))
            .collect();
        let resp = app
            .post(
                "/api/v1/events/batch?mode=upsert",
                &app.agency(agency),
                &json!({ "items": items }),
            )
            .await;
        if resp.status().as_u16() == 503 {
            // The instance has not read the new epoch yet: wait for it below.
            post_when_taken(
                &app,
                &app.agency("labour"),
                &body("probe", "2024-08-01", &[29]),
            )
            .await;
            written.push(("probe".into(), "labour", "2024-08-01".into(), vec![29]));
            let out = json_of(
                app.post(
                    "/api/v1/events/batch?mode=upsert",
                    &app.agency(agency),
                    &json!({ "items": items }),
                )
                .await,
                200,
            )
            .await;
            check_unchanged(&out, &versions);
        } else {
            check_unchanged(&json_of(resp, 200).await, &versions);
        }
    }

    // A person posted now deduplicates with their earlier reports.
    let new = body("after", "2024-03-28", &[1, 2, 31]);
    post_when_taken(&app, &app.agency("labour"), &new).await;
    written.push((
        "after".into(),
        "labour",
        "2024-03-28".into(),
        vec![1, 2, 31],
    ));
    let expected = model(&written);
    assert_eq!(
        answered(&app).await,
        expected,
        "a new report after the rotation"
    );
    assert_eq!(
        expected["total"],
        model(&written[..written.len() - 1])["total"] + 1,
        "only person 31 is new"
    );

    // The erased person stays out; the open request finds its person.
    let resent = post_when_taken(
        &app,
        &app.agency("labour"),
        &body("again", "2024-09-01", &[ERASED, 5]),
    )
    .await;
    assert_eq!(resent["erased_participants"], 1, "{resent}");
    assert_eq!(resent["participants_identified"], 1, "{resent}");
    written.push((
        "again".into(),
        "labour",
        "2024-09-01".into(),
        vec![ERASED, 5],
    ));
    let expected = model(&written);
    let done = json_of(
        app.post(
            &format!(
                "/api/v1/privacy/requests/{}/complete",
                open["id"].as_str().unwrap()
            ),
            &admin,
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    let holding = written.iter().filter(|r| r.3.contains(&ASKING)).count();
    assert!(holding > 0);
    assert_eq!(
        done["events_found"].as_u64().unwrap() as usize,
        holding,
        "{done}"
    );

    // Nothing left to rotate without a new secret: it adds one and rotates.
    let again = app.cli(&["keys", "rotate-participant-key"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("epoch 2"));
    assert_eq!(secrets(&app).len(), 3);
    assert_eq!(answered(&app).await, expected, "after a second rotation");
}

fn check_unchanged(out: &Value, versions: &BTreeMap<String, i64>) {
    for item in out["items"].as_array().unwrap() {
        assert_eq!(item["status"], "unchanged", "{item}");
        let ext = item["external_id"].as_str().unwrap();
        assert_eq!(item["version"].as_i64(), Some(versions[ext]), "{item}");
    }
}

/// The key of citizen id `n` through the chain of `secrets`.
fn chain_key(secrets: &[String], n: u32) -> String {
    let mut key = hmac_hex(secrets[0].as_bytes(), &format!("citizen_id:{}", cid(n)));
    for s in &secrets[1..] {
        key = hmac_hex(s.as_bytes(), &key);
    }
    key
}

/// Four writers post reports with people (old and new) while the command
/// rotates the key in small batches: each write is stored or refused with
/// a 503 and sent again; in the end every stored key is the new chain's
/// key of a person written (none of the old chain, none twice) and the
/// counts are the model's of every write accepted.
async fn writes_racing_a_rotation_store_only_the_new_chain(app: TestApp) {
    app.seed_test_areas();
    let mut written = records();
    for (ext, agency, day, people) in &written {
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
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut command = app.cli_command(&["keys", "rotate-participant-key", "--batch", "1"]);
    let cli = {
        let done = done.clone();
        std::thread::spawn(move || {
            let out = command.output().unwrap();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            out
        })
    };
    let writers = ["police", "womens-union", "education", "labour"]
        .into_iter()
        .enumerate()
        .map(|(w, agency)| {
            let app = &app;
            let done = done.clone();
            async move {
                let token = app.agency(agency);
                let mut mine = Vec::new();
                let mut refused = 0;
                // Until the command has ended, and a few more after.
                let mut after = 0;
                for i in 0..2000u32 {
                    if done.load(std::sync::atomic::Ordering::SeqCst) {
                        after += 1;
                        if after > 3 {
                            break;
                        }
                    }
                    let ext = format!("race-{w}-{i}");
                    let people: Vec<u32> = vec![(i * 3 + w as u32) % 45, 40 + (i + w as u32) % 8];
                    let day = format!("2024-{:02}-10", 1 + i % 9);
                    loop {
                        let resp = app
                            .post("/api/v1/events", &token, &body(&ext, &day, &people))
                            .await;
                        match resp.status().as_u16() {
                            201 => break,
                            503 => {
                                refused += 1;
                                actix_web::rt::time::sleep(Duration::from_millis(50)).await;
                            }
                            s => panic!("{ext}: {s} {}", resp.text().await.unwrap()),
                        }
                    }
                    mine.push((ext, agency, day, people));
                }
                (mine, refused)
            }
        });
    let results = futures_util::future::join_all(writers).await;
    let out = cli.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let refused: usize = results.iter().map(|r| r.1).sum();
    for (mine, _) in results {
        written.extend(mine);
    }
    eprintln!("writes refused while the key rotated: {refused}");
    assert!(
        refused > 0,
        "no write met the rotation: the race was not run"
    );
    let secrets = secrets(&app);
    assert_eq!(secrets.len(), 2);
    let people: BTreeSet<u32> = written.iter().flat_map(|r| r.3.iter().copied()).collect();
    let expected_keys: BTreeSet<String> = people.iter().map(|p| chain_key(&secrets, *p)).collect();
    assert_eq!(
        stored_keys(&app),
        expected_keys,
        "every key is the new chain's, once"
    );
    let model = model_with(&written, None);
    assert_eq!(answered(&app).await, model);
}
