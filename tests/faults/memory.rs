//! Memory under attack (issue 29), on the real binary: one agency token
//! holding events built to make the largest answers the budget lets
//! through, sending them many at once with a second token, a viewer's
//! parallel heavy groupings, invented HTTP methods (metrics labels) and the
//! duplicate candidates walk, while a thread samples the process's resident
//! memory. The service must answer every attack with a bounded status (200,
//! 422, 429 or 503), never fail, and its resident memory must stay within
//! the answers' budget over what it holds at rest.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Service, env_for, issue};

/// What the attacks may add to the process's resident memory over what it
/// holds at rest: `HEAVY_AT_ONCE` (4) answers of up to `ANSWER_CELLS_MAX`
/// cells being computed, `ANSWER_CELLS_AT_ONCE` cells being written (each
/// answer holds its place and cells until the client has read it), the
/// allocator's per-thread memory of the blocking threads, and the HTTP
/// buffers of about 350 connections. (Measured: 58 to 71 MB; 110 to 140
/// before the allocator gave freed memory back at once.)
const ALLOWANCE_MB: u64 = 120;

/// The attacker's events: with 72 rows each of 20 columns (4 keys and 16
/// measures), the largest answer under the default `ANSWER_CELLS_MAX`
/// (250,000 cells).
const EVENTS: usize = 250_000 / (72 * 20);

fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Communes valid in 2024, where the events are placed.
async fn communes(client: &reqwest::Client, addr: &str, token: &str, n: usize) -> Vec<String> {
    let mut codes = Vec::new();
    let mut cursor: Option<String> = None;
    while codes.len() < n {
        let mut url = format!("{addr}/api/v1/areas?level=commune&on=2024-06-01&limit=500");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            codes.push(item["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    codes.truncate(n);
    codes
}

/// Seeds `n` tallies of one token's agency, each in its own commune and
/// month, with every topic and target group: a grouping by commune, month,
/// topic and target group then has 72 rows per event.
async fn seed(client: &reqwest::Client, addr: &str, token: &str, prefix: &str, codes: &[String]) {
    let topics = [
        "human_trafficking",
        "drug_prevention",
        "crime_prevention",
        "social_evils",
        "gender_equality",
        "child_protection",
        "safe_migration",
        "other",
    ];
    let groups = [
        "students",
        "women",
        "girls",
        "youth",
        "ethnic_minorities",
        "migrant_workers",
        "general_public",
        "officials",
        "returnees",
    ];
    for (chunk_no, chunk) in codes.chunks(200).enumerate() {
        let items: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let n = chunk_no * 200 + i;
                let month = 1 + n % 12;
                json!({
                    "external_id": format!("{prefix}-{n}"), "kind": "community_meeting",
                    "title": "Họp dân", "topics": topics, "target_groups": groups,
                    "start_date": format!("2024-{month:02}-10"), "end_date": format!("2024-{month:02}-10"),
                    "area_code": code, "attendance": {"total": 40 + n % 17}
                })
            })
            .collect();
        let resp = client
            .post(format!("{addr}/api/v1/events/batch"))
            .bearer_auth(token)
            .json(&json!({ "items": items }))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["summary"]["created"].as_u64(),
            Some(chunk.len() as u64),
            "{body}"
        );
    }
}

type Statuses = Arc<Mutex<std::collections::BTreeMap<u16, usize>>>;

/// Sends one GET, reads its whole body as a client would, and counts its
/// status.
async fn count_status(client: reqwest::Client, url: String, token: String, statuses: Statuses) {
    let resp = client.get(url).bearer_auth(&token).send().await.unwrap();
    let status = resp.status().as_u16();
    let _ = resp.bytes().await;
    *statuses.lock().unwrap().entry(status).or_default() += 1;
}

/// The attacks, and the process's memory while they run.
pub async fn attacks_stay_within_the_memory_budget(url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env_for(dir.path(), url);
    let metrics_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    env.push(("METRICS_BIND".into(), metrics_addr.clone()));
    let police = issue(
        &env,
        &[
            "token", "issue", "--role", "agency", "--agency", "police", "--label", "attacker",
        ],
    );
    let police2 = issue(
        &env,
        &[
            "token",
            "issue",
            "--role",
            "agency",
            "--agency",
            "police",
            "--label",
            "attacker-2",
        ],
    );
    let viewer = issue(
        &env,
        &["token", "issue", "--role", "viewer", "--label", "viewer"],
    );
    let svc = Service::start(&env);
    let addr = svc.addr.clone();
    let client = reqwest::Client::new();
    // Events x 72 rows of 20 columns, just under the default budget of
    // cells per answer (`ANSWER_CELLS_MAX`).
    let codes = communes(&client, &addr, &police, EVENTS).await;
    assert_eq!(codes.len(), EVENTS);
    seed(&client, &addr, &police, "mem", &codes).await;
    let heavy =
        "group_by=area:commune,period:month,topic,target_group&from=2024-01-01&to=2024-12-31";
    // One answer first: it is within the budget and right.
    let one: Value = client
        .get(format!("{addr}/api/v1/aggregates?{heavy}"))
        .bearer_auth(&police)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = one["rows"].as_array().unwrap();
    assert_eq!(rows.len(), EVENTS * 72, "every event's 72 rows");
    let expected: u64 = (0..EVENTS as u64).map(|n| 40 + n % 17).sum();
    assert_eq!(one["totals"]["attendances"].as_u64(), Some(expected));
    drop(one);
    // At rest, after one answer was built (the allocator keeps some).
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let pid = svc.child.id();
    // The service started itself again with the allocator's setting.
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(
        environ
            .split(|b| *b == 0)
            .any(|v| v == b"MIMALLOC_PURGE_DELAY=0"),
        "serve runs with MIMALLOC_PURGE_DELAY=0"
    );
    let at_rest = rss_kb(pid, "VmRSS:");
    let peak = Arc::new(AtomicU64::new(at_rest));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid, "VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let statuses: Statuses = Arc::default();
    let mut tasks = Vec::new();
    // Two agency tokens, 8 heavy answers each at once, in 3 rounds; a
    // viewer's 32 heavy groupings at once; as JSON and as CSV.
    for round in 0..3 {
        for (token, n) in [(&police, 8), (&police2, 8), (&viewer, 32)] {
            for i in 0..n {
                let (client, addr, token, statuses) = (
                    client.clone(),
                    addr.clone(),
                    token.clone(),
                    statuses.clone(),
                );
                let path = if (i + round) % 2 == 0 {
                    "aggregates"
                } else {
                    "aggregates.csv"
                };
                let url = format!("{addr}/api/v1/{path}?{heavy}");
                tasks.push(actix_web::rt::spawn(count_status(
                    client, url, token, statuses,
                )));
            }
        }
        // Invented methods, which must not grow the metrics.
        for i in 0..300 {
            let (client, addr) = (client.clone(), addr.clone());
            tasks.push(actix_web::rt::spawn(async move {
                let method =
                    reqwest::Method::from_bytes(format!("X{round}M{i}").as_bytes()).unwrap();
                let _ = client
                    .request(method, format!("{addr}/api/v1/events"))
                    .send()
                    .await;
            }));
        }
        // The duplicate candidates, walked by the attacker.
        {
            let (client, addr, token, statuses) = (
                client.clone(),
                addr.clone(),
                police.clone(),
                statuses.clone(),
            );
            let url = format!("{addr}/api/v1/events/duplicate-candidates");
            tasks.push(actix_web::rt::spawn(count_status(
                client, url, token, statuses,
            )));
        }
        for t in tasks.drain(..) {
            t.await.unwrap();
        }
    }
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();

    let peak = peak.load(Ordering::Relaxed);
    let statuses = statuses.lock().unwrap().clone();
    eprintln!(
        "memory: {} MB at rest, {} MB at the peak of the attacks; statuses {statuses:?}",
        at_rest / 1024,
        peak / 1024
    );
    for status in statuses.keys() {
        assert!(
            [200, 429, 503].contains(status),
            "status {status} under attack: {statuses:?}"
        );
    }
    assert!(
        statuses.get(&200).copied().unwrap_or(0) >= 3,
        "the attacks were answered, some at least: {statuses:?}"
    );
    assert!(
        peak.saturating_sub(at_rest) <= ALLOWANCE_MB * 1024,
        "resident memory grew from {} MB to {} MB under the attacks (allowed: {ALLOWANCE_MB} MB more)",
        at_rest / 1024,
        peak / 1024
    );
    // The metrics stayed small: invented methods fold into one label.
    let metrics = client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !metrics.contains("X0M1"),
        "an invented method became a label"
    );
    let log = svc.log.lock().unwrap().clone();
    assert!(!log.contains("panicked"), "{log}");
}
