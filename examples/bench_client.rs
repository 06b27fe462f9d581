//! The benchmark's load generator: an HTTP client that drives a running
//! campaign-tracker and times it from the outside (the service never times
//! itself). `scripts/bench.sh` runs it; each command prints one JSON line.
//!
//! ```text
//! bench_client ingest  URL TOKENS DATA_DIR batch|single CONCURRENCY [LIMIT] [LINKS_CSV ADMIN_TOKEN]
//! bench_client query   URL TOKEN PATH_AND_QUERY REQUESTS CONCURRENCY
//! ```
//!
//! `TOKENS` is a file of `agency=token` lines; `DATA_DIR` is what
//! `campaign-tracker dev generate` wrote. `ingest` posts the first `LIMIT`
//! events (default: all) round-robin over the agencies' files, either in
//! batches of 1,000 (`POST /events/batch`) or one by one (`POST /events`),
//! from `CONCURRENCY` clients, and fails unless every event is created. With
//! `LINKS_CSV`, it then links the duplicate reports as the same event.
//! `query` sends `REQUESTS` GETs from `CONCURRENCY` clients and reports the
//! latency median and p95, failing on any status but 200.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

type Queue<T> = Arc<Mutex<VecDeque<T>>>;

fn fail(msg: String) -> ! {
    eprintln!("bench_client: {msg}");
    std::process::exit(1)
}

fn tokens(path: &str) -> HashMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| fail(format!("{path}: {e}")))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(a, t)| (a.trim().to_string(), t.trim().to_string()))
        .collect()
}

/// Up to `limit` (agency, event line) pairs, round-robin over the agencies.
fn events(dir: &str, agencies: &[String], limit: usize) -> Vec<(String, String)> {
    let mut readers: Vec<(String, std::io::Lines<BufReader<std::fs::File>>)> = agencies
        .iter()
        .map(|a| {
            let path = format!("{dir}/api/{a}.ndjson");
            let f = std::fs::File::open(&path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
            (a.clone(), BufReader::new(f).lines())
        })
        .collect();
    let mut out = Vec::new();
    while out.len() < limit && !readers.is_empty() {
        readers.retain_mut(|(a, lines)| match lines.next() {
            Some(Ok(l)) if out.len() < limit => {
                out.push((a.clone(), l));
                true
            }
            _ => false,
        });
    }
    out
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .expect("client")
}

/// Sends a request and reads its JSON answer (null when there is none);
/// a transport failure ends the run.
async fn call(req: reqwest::RequestBuilder, what: &str) -> (reqwest::StatusCode, Value) {
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| fail(format!("{what}: {e}")));
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A string field of a JSON answer.
fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

async fn ingest(args: &[String]) {
    let [url, tokens_file, dir, mode, conc, rest @ ..] = args else {
        fail("ingest URL TOKENS DATA_DIR batch|single CONCURRENCY [LIMIT] [LINKS ADMIN]".into())
    };
    let concurrency: usize = conc.parse().unwrap_or_else(|_| fail("concurrency".into()));
    let limit: usize = rest
        .first()
        .map_or(usize::MAX, |l| l.parse().unwrap_or(usize::MAX));
    let tokens = tokens(tokens_file);
    let mut agencies: Vec<String> = tokens.keys().filter(|a| *a != "admin").cloned().collect();
    agencies.sort();
    let all = events(dir, &agencies, limit);
    let total = all.len();
    // Work units: one event, or 1,000 events of one agency.
    let mut units: VecDeque<(String, Vec<String>)> = VecDeque::new();
    if mode == "batch" {
        let mut by_agency: HashMap<String, Vec<String>> = HashMap::new();
        for (a, l) in all {
            let v = by_agency.entry(a.clone()).or_default();
            v.push(l);
            if v.len() == 1000 {
                units.push_back((a.clone(), std::mem::take(v)));
            }
        }
        let mut rest: Vec<_> = by_agency
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        rest.sort();
        units.extend(rest);
    } else {
        units.extend(all.into_iter().map(|(a, l)| (a, vec![l])));
    }
    let queue: Queue<(String, Vec<String>)> = Arc::new(Mutex::new(units));
    let ids: Arc<Mutex<HashMap<(String, String), String>>> = Arc::default();
    let client = http_client();
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (queue, ids, client, tokens) =
                (queue.clone(), ids.clone(), client.clone(), tokens.clone());
            let (url, batch) = (url.clone(), mode == "batch");
            actix_web::rt::spawn(async move {
                loop {
                    let Some((agency, lines)) = queue.lock().expect("queue").pop_front() else {
                        return;
                    };
                    let token = &tokens[&agency];
                    let items: Vec<Value> = lines
                        .iter()
                        .map(|l| serde_json::from_str(l).expect("generated JSON"))
                        .collect();
                    let (path, body) = if batch {
                        ("/events/batch", json!({ "items": items }))
                    } else {
                        ("/events", items[0].clone())
                    };
                    let req = client
                        .post(format!("{url}{path}"))
                        .bearer_auth(token)
                        .json(&body);
                    let (status, out) = call(req, &format!("POST {path}")).await;
                    let created: Vec<(String, String)> = if batch {
                        if status != 200 || out["summary"]["created"] != json!(items.len()) {
                            fail(format!("batch answered {status}: {}", out["summary"]))
                        }
                        out["items"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|i| (text(&i["external_id"]), text(&i["id"])))
                            .collect()
                    } else {
                        if status != 201 {
                            fail(format!("POST /events answered {status}: {out}"))
                        }
                        vec![(text(&out["external_id"]), text(&out["id"]))]
                    };
                    let mut ids = ids.lock().expect("ids");
                    for (ext, id) in created {
                        ids.insert((agency.clone(), ext), id);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut linked = 0;
    if let [_, links, admin, ..] = rest {
        let ids = ids.lock().expect("ids").clone();
        let text = std::fs::read_to_string(links).unwrap_or_else(|e| fail(format!("{links}: {e}")));
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (Some(a), Some(b)) = (
                ids.get(&(f[0].into(), f[1].into())),
                ids.get(&(f[2].into(), f[3].into())),
            ) else {
                continue; // one of the pair is beyond LIMIT
            };
            let req = client
                .post(format!("{url}/events/{a}/same-as"))
                .bearer_auth(admin)
                .json(&json!({ "other_id": b }));
            let (status, out) = call(req, "link").await;
            if status != 200 {
                fail(format!("link answered {status}: {out}"));
            }
            linked += 1;
        }
    }
    println!(
        "{}",
        json!({
            "bench": format!("ingest_{mode}"),
            "concurrency": concurrency,
            "events": total,
            "seconds": seconds,
            "events_per_s": total as f64 / seconds,
            "linked": linked,
        })
    );
}

async fn query(args: &[String]) {
    let [url, token, path, n, conc] = args else {
        fail("query URL TOKEN PATH REQUESTS CONCURRENCY".into())
    };
    let n: usize = n.parse().unwrap_or_else(|_| fail("requests".into()));
    let concurrency: usize = conc.parse().unwrap_or_else(|_| fail("concurrency".into()));
    let client = http_client();
    let remaining = Arc::new(Mutex::new(n));
    let times: Arc<Mutex<Vec<f64>>> = Arc::default();
    let body: Arc<Mutex<Option<Value>>> = Arc::default();
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (remaining, times, body, client) = (
                remaining.clone(),
                times.clone(),
                body.clone(),
                client.clone(),
            );
            let url = format!("{url}{path}");
            let token = token.clone();
            actix_web::rt::spawn(async move {
                loop {
                    {
                        let mut r = remaining.lock().expect("remaining");
                        if *r == 0 {
                            return;
                        }
                        *r -= 1;
                    }
                    // Timed to the answer's last byte; parsed after.
                    let t = Instant::now();
                    let resp = client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap_or_else(|e| fail(format!("GET {url}: {e}")));
                    let status = resp.status();
                    // Read into a buffer of the announced size (large
                    // answers are tens of MB; growing one costs copies).
                    let mut resp = resp;
                    let mut bytes = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
                    while let Some(chunk) = resp
                        .chunk()
                        .await
                        .unwrap_or_else(|e| fail(format!("GET {url}: {e}")))
                    {
                        bytes.extend_from_slice(&chunk);
                    }
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    if status != 200 {
                        fail(format!(
                            "GET {url} answered {status}: {}",
                            String::from_utf8_lossy(&bytes)
                        ));
                    }
                    let mut out: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    out["bytes"] = json!(bytes.len());
                    times.lock().expect("times").push(ms);
                    *body.lock().expect("body") = Some(out);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("worker");
    }
    let wall = started.elapsed().as_secs_f64();
    let mut t = times.lock().expect("times").clone();
    t.sort_by(f64::total_cmp);
    let pct = |p: f64| t[((t.len() as f64 * p).ceil() as usize).clamp(1, t.len()) - 1];
    let last = body.lock().expect("body").clone().unwrap_or_default();
    let totals = last.get("totals").cloned();
    println!(
        "{}",
        json!({
            "bench": "query",
            "path": path,
            "concurrency": concurrency,
            "requests": t.len(),
            "median_ms": pct(0.5),
            "p95_ms": pct(0.95),
            "min_ms": t[0],
            "max_ms": t[t.len() - 1],
            "requests_per_s": t.len() as f64 / wall,
            "totals": totals,
            "meta_engine": last["meta"]["engine"],
            "rows": last["rows"].as_array().map_or(0, Vec::len),
            "bytes": last["bytes"],
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    actix_web::rt::System::new().block_on(async move {
        match args.first().map(String::as_str) {
            Some("ingest") => ingest(&args[1..]).await,
            Some("query") => query(&args[1..]).await,
            _ => fail("usage: bench_client ingest|query ...".into()),
        }
    });
}
