//! The README is true: its walkthrough runs as written against a fresh
//! service (the real binary) and prints exactly the outputs it shows, and
//! its configuration table is the one `config::VARIABLES` holds.
//!
//! A block preceded by `<!-- walkthrough -->` is run (all of them in one
//! bash script, in order, so variables carry over); a block preceded by
//! `<!-- walkthrough output -->` is what the block before it prints (JSON
//! compared as values, apart from `generated_at`; text compared exactly).
//! The script runs with `cargo run -q --release --` replaced by the test's
//! binary and `http://127.0.0.1:8080` by the test service's address.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const README: &str = include_str!("../../README.md");
const MARK_RUN: &str = "<!-- walkthrough -->";
const MARK_OUTPUT: &str = "<!-- walkthrough output -->";

/// A fenced block after a marker: its info string and body.
struct Block {
    info: String,
    body: String,
}

/// The blocks following `marker` lines, in order, with their positions.
fn blocks_after(marker: &str) -> Vec<(usize, Block)> {
    let lines: Vec<&str> = README.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() != marker {
            continue;
        }
        let fence = lines[i + 1];
        assert!(
            fence.starts_with("```"),
            "line {}: a block must follow {marker}",
            i + 2
        );
        let end = (i + 2..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .expect("closing fence");
        out.push((
            i,
            Block {
                info: fence.trim_start_matches('`').to_string(),
                body: lines[i + 2..end].join("\n"),
            },
        ));
    }
    out
}

/// Starts the real binary on a fresh data directory; returns its address,
/// the directory and the child.
fn start_service(dir: &std::path::Path) -> (String, std::process::Child, Arc<Mutex<String>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_campaign-tracker"))
        .env("DATA_DIR", dir)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("SQLITE_SYNCHRONOUS", "NORMAL")
        .env_remove("DATABASE_URL")
        .env_remove("JWT_KEYS")
        .env_remove("PARTICIPANT_KEY")
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    {
        let log = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
    }
    let started = Instant::now();
    let addr = loop {
        let text = log.lock().unwrap().clone();
        if let Some(rest) = text.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no start: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // The walkthrough's aggregates come from the reach index (`meta.engine`):
    // wait until /readyz says it is built (on an empty database, at once).
    let ready = loop {
        let out = Command::new("curl")
            .args(["-s", &format!("{addr}/readyz")])
            .output()
            .unwrap();
        let body = String::from_utf8_lossy(&out.stdout).to_string();
        if body.contains(r#""aggregates_engine":"index""#) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(90) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        ready,
        "the reach index was not built: {}",
        log.lock().unwrap()
    );
    (addr, child, log)
}

fn without_generated_at(mut v: Value) -> Value {
    if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
        meta.remove("generated_at");
    }
    v
}

#[test]
fn the_walkthrough_prints_what_the_readme_shows() {
    for tool in ["bash", "curl", "jq"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap()
            .status
            .success();
        assert!(found, "the README walkthrough needs {tool}");
    }
    let runs = blocks_after(MARK_RUN);
    let outputs = blocks_after(MARK_OUTPUT);
    assert!(runs.len() >= 3, "the README has a walkthrough");
    let dir = tempfile::tempdir().unwrap();
    let (addr, mut child, log) = start_service(dir.path());
    let bin = env!("CARGO_BIN_EXE_campaign-tracker");
    let mut script = String::from("set -euo pipefail\n");
    for (n, (_, block)) in runs.iter().enumerate() {
        assert_eq!(block.info, "sh", "walkthrough blocks are sh");
        script.push_str(&format!("echo '@@@ block {n}'\n"));
        script.push_str(
            &block
                .body
                .replace("cargo run -q --release --", bin)
                .replace("http://127.0.0.1:8080", &addr),
        );
        script.push('\n');
    }
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("JWT_KEYS")
        .env_remove("PARTICIPANT_KEY")
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "the walkthrough failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nservice log:\n{}",
        log.lock().unwrap()
    );
    assert!(
        !stderr.contains("WARNING"),
        "the CLI found the service's data directory: {stderr}"
    );
    // What each run block printed.
    let printed: Vec<String> = stdout
        .split("@@@ block ")
        .skip(1)
        .map(|chunk| {
            chunk
                .split_once('\n')
                .map_or("", |(_, rest)| rest)
                .to_string()
        })
        .collect();
    assert_eq!(printed.len(), runs.len(), "{stdout}");
    for (pos, shown) in &outputs {
        // The output belongs to the last run block before it.
        let n = runs
            .iter()
            .rposition(|(p, _)| p < pos)
            .expect("an output follows a block");
        let got = printed[n].trim();
        match shown.info.as_str() {
            "json" => {
                let got: Value = serde_json::from_str(got)
                    .unwrap_or_else(|e| panic!("block {n} printed no JSON ({e}): {got}"));
                let shown: Value = serde_json::from_str(&shown.body).unwrap_or_else(|e| {
                    panic!(
                        "README line {}: not JSON ({e}); the block printed {got:#}",
                        pos + 1
                    )
                });
                assert_eq!(
                    without_generated_at(got),
                    without_generated_at(shown),
                    "README line {}",
                    pos + 1
                );
            }
            "text" => assert_eq!(got, shown.body.trim(), "README line {}", pos + 1),
            other => panic!(
                "README line {}: output blocks are json or text, not {other}",
                pos + 1
            ),
        }
    }
}

#[test]
fn the_configuration_table_is_the_list_the_service_reads() {
    let table = campaign_tracker::config::markdown_table();
    assert!(
        README.contains(&table),
        "README's configuration table differs from config::VARIABLES; it should be:\n{table}"
    );
}

#[test]
fn help_lists_every_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_campaign-tracker"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for v in campaign_tracker::config::VARIABLES {
        assert!(help.contains(v.name), "--help does not name {}", v.name);
    }
}

#[test]
fn a_command_run_from_an_empty_directory_warns_and_names_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_campaign-tracker"))
            .current_dir(dir.path())
            .env_remove("DATA_DIR")
            .env_remove("DATABASE_URL")
            .env_remove("JWT_KEYS")
            .env_remove("PARTICIPANT_KEY")
            .env("LOAD_AREAS", "false")
            .args(["token", "issue", "--role", "viewer"])
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success());
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(err.contains("WARNING"), "{err}");
    assert!(err.contains("NEW, EMPTY service"), "{err}");
    let data = std::fs::canonicalize(dir.path()).unwrap().join("data");
    for file in ["campaign-tracker.db", "jwt.key", "participant.key"] {
        assert!(
            err.contains(&data.join(file).display().to_string()),
            "names {file}: {err}"
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&first.stdout).lines().count(),
        1,
        "stdout holds only the token"
    );
    // The second run finds what the first created: no warning.
    let second = run();
    assert!(second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(!err.contains("WARNING"), "{err}");
    assert!(!err.contains("(new)"), "{err}");
}
