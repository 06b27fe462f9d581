//! The binary's own behaviour: configuration errors and token commands.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_campaign-tracker"))
}

#[test]
fn short_signing_secret_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .env("DATA_DIR", dir.path())
        .env("JWT_KEYS", "k1:too-short")
        .env("BIND_ADDR", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shorter than 32 bytes"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, not a panic trace: {err}");
}

#[test]
fn invalid_configuration_is_one_line() {
    let out = bin()
        .env("DATABASE_URL", "mysql://x")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DATABASE_URL"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn token_issue_prints_only_the_token_and_list_and_revoke_work() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        bin()
            .env("DATA_DIR", dir.path())
            .env("LOAD_AREAS", "false")
            .env("RUST_LOG", "off")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "token", "issue", "--role", "agency", "--agency", "police", "--label", "sync",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    // The generated key file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("jwt.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let list = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.contains("police") && list.contains("sync"));
    assert!(!list.contains(token));
    let jti = list
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    assert!(run(&["token", "revoke", &jti]).status.success());
    let list = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    assert!(
        !list.lines().nth(1).unwrap().ends_with('\t'),
        "revoked_at filled: {list}"
    );
    let bad = run(&["token", "issue", "--role", "agency"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("agency"));
}

/// The real binary on the real lists: a request carrying participant
/// identifiers leaves no trace of them in the log.
#[actix_web::test]
async fn participant_identifiers_never_reach_the_log() {
    use std::io::{BufRead, BufReader};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let env = |c: &mut Command| {
        c.env("DATA_DIR", dir.path())
            .env("RUST_LOG", "debug")
            .env("BIND_ADDR", "127.0.0.1:0");
    };
    let mut issue = bin();
    env(&mut issue);
    let out = issue
        .args(["token", "issue", "--role", "agency", "--agency", "police"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let mut serve = bin();
    env(&mut serve);
    let mut child = serve
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let log = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        })
    };
    let started = std::time::Instant::now();
    let addr = loop {
        let text = log.lock().unwrap().clone();
        if let Some(rest) = text.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "the service did not start: {text}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let client = reqwest::Client::new();
    let secret = "079188005555";
    let body = serde_json::json!({
        "external_id": "log-1", "kind": "home_visit", "title": "Thăm hộ gia đình", "topics": ["human_trafficking"],
        "start_date": "2024-05-02", "end_date": "2024-05-02", "area_code": "00004",
        "attendance": {"total": 2},
        "participants": [{"id_type": "citizen_id", "value": secret}, {"id_type": "phone", "value": "0977 111 222"}]
    });
    let resp = client
        .post(format!("{addr}/api/v1/events"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let mut bad = body.clone();
    bad["participants"][0]["value"] = serde_json::json!("07918800555X");
    let resp = client
        .post(format!("{addr}/api/v1/events"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let text = log.lock().unwrap().clone();
    assert!(
        text.contains("POST /api/v1/events"),
        "one line per request: {text}"
    );
    for needle in [secret, "07918800555X", "0977111222", "977111222", &token] {
        assert!(!text.contains(needle), "{needle} is in the log");
    }
}

/// Two instances starting at once on one PostgreSQL database: the advisory
/// lock makes one migrate and seed while the other waits, so both succeed and
/// the units are loaded once.
#[test]
fn two_instances_starting_at_once_do_not_race() {
    use diesel::prelude::*;
    let Some(db) = crate::pg::fresh_pg_database() else {
        return;
    };
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let children: Vec<_> = dirs
        .iter()
        .map(|d| {
            bin()
                .env("DATA_DIR", d.path())
                .env("DATABASE_URL", db.url())
                .env("RUST_LOG", "warn")
                .arg("migrate")
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut conn = PgConnection::establish(db.url()).unwrap();
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let units: Vec<N> = diesel::sql_query("SELECT COUNT(*) AS n FROM areas")
        .load(&mut conn)
        .unwrap();
    drop(conn);
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let expected: usize = ["vn-admin-units-pre-2025.csv", "vn-admin-units-2025.csv"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(format!("{}/data/areas/{f}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .lines()
                .skip(1)
                .filter(|l| !l.trim().is_empty())
                .count()
        })
        .sum();
    assert_eq!(
        units[0].n as usize, expected,
        "the lists were loaded exactly once"
    );
}
