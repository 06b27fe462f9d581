//! `TestApp`: the real application on port 0 with its own database.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use campaign_tracker::audit::Actor;
use campaign_tracker::auth::Role;
use campaign_tracker::config::{DatabaseUrl, Settings, SqliteSynchronous};
use campaign_tracker::startup;
use campaign_tracker::state::AppState;
use campaign_tracker::tokens::{self, NewToken};

use crate::pg::{PgDatabase, fresh_pg_database};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

type AreaSeed = (
    i64,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<&'static str>,
    Option<&'static str>,
);

/// A small tree: a pre-2025 province (06) with a district (058) and two
/// communes (01234, 01237) that merged into a post-2025 commune reusing the
/// code 01234 under a new province (19); and a province (99) with a commune
/// (99001) valid throughout.
pub const TEST_AREAS: &[AreaSeed] = &[
    (
        1,
        "06",
        "Tỉnh Bắc Kạn",
        "province",
        None,
        Some(1),
        None,
        None,
        5,
        None,
        Some("2025-06-30"),
    ),
    (
        2,
        "058",
        "Huyện Chợ Mới",
        "district",
        Some(1),
        Some(1),
        Some(2),
        None,
        5,
        None,
        Some("2025-06-30"),
    ),
    (
        3,
        "01234",
        "Xã Yên Đĩnh",
        "commune",
        Some(2),
        Some(1),
        Some(2),
        Some(3),
        6,
        None,
        Some("2025-06-30"),
    ),
    (
        4,
        "01237",
        "Xã Như Cố",
        "commune",
        Some(2),
        Some(1),
        Some(2),
        Some(4),
        6,
        None,
        Some("2025-06-30"),
    ),
    (
        5,
        "19",
        "Tỉnh Thái Nguyên",
        "province",
        None,
        Some(5),
        None,
        None,
        5,
        Some("2025-07-01"),
        None,
    ),
    (
        6,
        "01234",
        "Xã Chợ Mới",
        "commune",
        Some(5),
        Some(5),
        None,
        Some(6),
        6,
        Some("2025-07-01"),
        None,
    ),
    (
        7,
        "99",
        "Tỉnh Thử",
        "province",
        None,
        Some(7),
        None,
        None,
        7,
        None,
        None,
    ),
    (
        8,
        "99001",
        "Xã Thử",
        "commune",
        Some(7),
        Some(7),
        None,
        Some(8),
        8,
        None,
        None,
    ),
];

/// A signing key every test app uses, so tests can forge tokens with it.
pub const TEST_KEY: &str = "0123456789abcdef0123456789abcdef";
pub const TEST_KID: &str = "test";

pub struct TestApp {
    pub addr: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub state: AppState,
    pub data_dir: tempfile::TempDir,
    handle: actix_web::dev::ServerHandle,
    /// Dropped after the server stops (fields drop after `Drop::drop`).
    pg: Option<PgDatabase>,
}

/// Waits until the reach index is built (it is built in the background
/// at start; an empty database takes milliseconds), so that tests see the
/// engine the service answers with in production.
pub async fn wait_for_index(state: &AppState) {
    if !state.settings.reach_index {
        return;
    }
    let started = std::time::Instant::now();
    while !state.reach.is_ready() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the reach index was not built within 60 s"
        );
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The settings every test app starts from: a small pool, a short wait for
/// it, the test signing key, no shipped units, and no practical rate limit
/// nor per-token limit of requests at once (races of many parallel
/// requests of one token are the point of several tests; the bounds tests
/// set it low).
pub fn test_settings(data_dir: &Path, database_url: DatabaseUrl) -> Settings {
    let mut settings = Settings::from_map(&BTreeMap::new()).expect("default settings");
    settings.data_dir = data_dir.to_path_buf();
    settings.database_url = database_url;
    settings.jwt_keys = vec![(TEST_KID.to_string(), TEST_KEY.as_bytes().to_vec())];
    settings.load_areas = false;
    settings.pool_size = 4;
    settings.db_timeout = Duration::from_millis(2000);
    settings.rate_limit_per_minute = 100_000;
    settings.token_requests_at_once = 64;
    settings.sqlite_synchronous = SqliteSynchronous::Normal;
    settings
}

impl TestApp {
    /// Spawns an app on `db` with [`test_settings`] changed by `tweak`, or
    /// None when PostgreSQL is not configured (reported as skipped).
    pub async fn spawn_with(db: Db, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let (database_url, pg) = match db {
            Db::Sqlite => (DatabaseUrl::Sqlite(data_dir.path().join("test.db")), None),
            Db::Postgres => {
                let pg = fresh_pg_database()?;
                (DatabaseUrl::Postgres(pg.url().to_string()), Some(pg))
            }
        };
        let mut settings = test_settings(data_dir.path(), database_url);
        tweak(&mut settings);
        Some(Self::start(db, settings, data_dir, pg).await)
    }

    /// Another instance of the service on this app's database (as a second
    /// server behind a load balancer would be), with this app's settings
    /// changed by `tweak`. Drop it before this app.
    pub async fn twin(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        tweak(&mut settings);
        let unused_dir = tempfile::tempdir().expect("tempdir");
        Self::start(self.db, settings, unused_dir, None).await
    }

    /// Prepares the database, starts a server on port 0 and waits for its
    /// reach index.
    async fn start(
        db: Db,
        settings: Settings,
        data_dir: tempfile::TempDir,
        pg: Option<PgDatabase>,
    ) -> TestApp {
        let state = {
            let s = settings.clone();
            actix_web::rt::task::spawn_blocking(move || startup::prepare(&s))
                .await
                .unwrap()
                .expect("prepare")
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let server = startup::run(listener, state.clone()).expect("server");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        wait_for_index(&state).await;
        TestApp {
            addr,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            settings,
            state,
            data_dir,
            handle,
            pg,
        }
    }

    /// A public viewer token (published figures: small cells suppressed),
    /// issued by an admin over HTTP.
    pub async fn public_viewer(&self) -> String {
        let created = json(
            self.post(
                "/api/v1/tokens",
                &self.admin(),
                &serde_json::json!({"role": "viewer", "label": "portal", "public": true}),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(created["public"], true);
        created["token"].as_str().unwrap().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    /// Issues a token directly (test set-up).
    pub fn token(&self, role: Role, agency: Option<&str>) -> String {
        let mut conn = self.state.pool.get().unwrap();
        let req = NewToken {
            role,
            agency: agency.map(str::to_string),
            label: format!("test {}", role.as_str()),
            ttl_days: Some(1),
            public: false,
            area: None,
        };
        tokens::issue_token(&mut conn, &self.state.auth, &Actor::cli(), &req)
            .expect("issue token")
            .0
            .token
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, None)
    }

    pub fn viewer(&self) -> String {
        self.token(Role::Viewer, None)
    }

    pub fn agency(&self, code: &str) -> String {
        self.token(Role::Agency, Some(code))
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    /// Posts `items` as one batch as `token`; the batch must answer 200
    /// (each item's own status is in the answer returned).
    pub async fn post_batch(
        &self,
        token: &str,
        items: Vec<serde_json::Value>,
    ) -> serde_json::Value {
        json(
            self.post(
                "/api/v1/events/batch",
                token,
                &serde_json::json!({ "items": items }),
            )
            .await,
            200,
        )
        .await
    }

    /// Approves link proposal `pid` as `token` at the revision it reads
    /// first: an approval names the figures it agrees to.
    pub async fn approve_link(&self, pid: &str, token: &str) -> reqwest::Response {
        let read = self
            .get(&format!("/api/v1/link-proposals/{pid}"), token)
            .await;
        assert_eq!(read.status().as_u16(), 200, "reading proposal {pid}");
        let etag = read.headers()["etag"].to_str().unwrap().to_string();
        self.client
            .post(self.url(&format!("/api/v1/link-proposals/{pid}/approve")))
            .bearer_auth(token)
            .header("If-Match", etag)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.send_json(reqwest::Method::PATCH, path, token, body)
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Loads a small hand-made tree of units (see [`TEST_AREAS`]).
    pub fn seed_test_areas(&self) {
        use diesel::RunQueryDsl;
        let mut conn = self.conn();
        for (id, code, name, level, parent, p, d, c, _, from, until) in TEST_AREAS {
            let opt = |v: &Option<i64>| v.map_or("NULL".to_string(), |x| x.to_string());
            let date = |v: &Option<&str>| v.map_or("NULL".to_string(), |x| format!("'{x}'"));
            let sql = format!(
                "INSERT INTO areas (id, code, name, name_folded, level, parent_id, province_id, district_id, commune_id, \
                 current_id, valid_from, valid_until, created_at) VALUES ({id}, '{code}', '{name}', '{}', '{level}', {}, {}, {}, {}, NULL, {}, {}, '2025-01-01 00:00:00')",
                name.to_lowercase(),
                opt(parent),
                opt(p),
                opt(d),
                opt(c),
                date(from),
                date(until)
            );
            diesel::sql_query(sql)
                .execute(&mut *conn)
                .expect("seed area");
        }
        for (id, .., cur, _, _) in TEST_AREAS {
            diesel::sql_query(format!(
                "UPDATE areas SET current_id = {cur} WHERE id = {id}"
            ))
            .execute(&mut *conn)
            .expect("seed current_id");
        }
        if self.db == Db::Postgres {
            diesel::sql_query("SELECT setval('areas_id_seq', 100)")
                .execute(&mut *conn)
                .unwrap();
        }
    }

    /// Makes the PostgreSQL database refuse new sessions and ends the open
    /// ones (`refuse`), or accept them again: the database is down for this
    /// app alone, without stopping a server other tests share.
    pub fn refuse_pg_connections(&self, refuse: bool) {
        let pg = self.pg.as_ref().expect("a PostgreSQL test app");
        let sql = if refuse {
            "ALTER DATABASE {db} WITH ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
        } else {
            "ALTER DATABASE {db} WITH ALLOW_CONNECTIONS true"
        };
        pg.admin_execute(sql).expect("change ALLOW_CONNECTIONS");
    }

    /// Makes the database refuse to grow or to write (`full`), or lifts it:
    /// on SQLite every pooled connection's `max_page_count` is pinned to the
    /// current size (SQLITE_FULL once a write needs a new page); on
    /// PostgreSQL the database defaults to read-only transactions and its
    /// sessions are ended, so the pool reconnects read-only.
    pub fn storage_full(&self, full: bool) {
        use diesel::RunQueryDsl;
        match &self.pg {
            Some(pg) => {
                let sql = if full {
                    "ALTER DATABASE {db} SET default_transaction_read_only = on; \
                     SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
                } else {
                    "ALTER DATABASE {db} SET default_transaction_read_only = off; \
                     SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"
                };
                pg.admin_execute(sql)
                    .expect("change default_transaction_read_only");
            }
            None => {
                let pragma = if full {
                    "PRAGMA max_page_count = 1"
                } else {
                    "PRAGMA max_page_count = 1073741823"
                };
                let mut held: Vec<_> = (0..self.settings.pool_size)
                    .map(|_| self.state.pool.get().unwrap())
                    .collect();
                for c in &mut held {
                    diesel::sql_query(pragma).execute(&mut **c).unwrap();
                }
            }
        }
    }

    /// Runs the binary against this app's database and data directory (its
    /// key files), with no shipped units and no log.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_command(args).output().unwrap()
    }

    /// The command [`Self::cli`] runs, to run elsewhere (another thread).
    pub fn cli_command(&self, args: &[&str]) -> std::process::Command {
        let url = match &self.settings.database_url {
            DatabaseUrl::Postgres(u) => u.clone(),
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
        };
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_campaign-tracker"));
        command
            .env("DATA_DIR", self.data_dir.path())
            .env("DATABASE_URL", url)
            .env("JWT_KEYS", format!("{TEST_KID}:{TEST_KEY}"))
            .env("LOAD_AREAS", "false")
            .env("RUST_LOG", "off")
            .args(args);
        command
    }

    /// A fresh connection to the test's database (for assertions on stored rows).
    pub fn conn(&self) -> campaign_tracker::db::PooledConn {
        self.state.pool.get().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the database guard drops it WITH (FORCE) after this.
        drop(self.handle.stop(false));
    }
}

/// Reads a response as JSON, asserting its status.
pub async fn json(resp: reqwest::Response, status: u16) -> serde_json::Value {
    let got = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = resp.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({ct}): {text}"))
}

/// Asserts a problem+json answer with the status, returns the body.
pub async fn problem(resp: reqwest::Response, status: u16) -> serde_json::Value {
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "status {}", resp.status());
    let body = json(resp, status).await;
    assert_eq!(body["status"], status);
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string());
    body
}

/// Field names of a validation problem.
pub fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Defines `mod name { sqlite, postgres }` test pairs for `async fn name(app: TestApp)`.
/// With `settings = |s| ...;` first, every app of the list starts from
/// [`test_settings`] changed by that closure.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $crate::both_backends!(settings = |_| {}; $($name),*);
    };
    (settings = $tweak:expr; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::helpers::TestApp::spawn_with($crate::helpers::Db::Sqlite, $tweak)
                        .await
                        .unwrap();
                    super::$name(app).await
                }
                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) =
                        $crate::helpers::TestApp::spawn_with($crate::helpers::Db::Postgres, $tweak).await
                    {
                        super::$name(app).await
                    }
                }
            }
        )*
    };
}

/// A documented operation: its method, its path with parameters filled in
/// (`x1`), its template, and whether it declares bearer security.
pub struct Operation {
    pub method: reqwest::Method,
    pub path: String,
    pub template: String,
    pub secured: bool,
}

/// The served OpenAPI document.
pub async fn openapi(app: &TestApp) -> serde_json::Value {
    json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// Every operation of the served OpenAPI document.
pub async fn operations(app: &TestApp) -> Vec<Operation> {
    let doc = openapi(app).await;
    let mut out = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push(Operation {
                method: reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                path: template
                    .split('/')
                    .map(|s| if s.starts_with('{') { "x1" } else { s })
                    .collect::<Vec<_>>()
                    .join("/"),
                template: template.clone(),
                secured: op["security"].as_array().is_some_and(|s| !s.is_empty()),
            });
        }
    }
    out
}
