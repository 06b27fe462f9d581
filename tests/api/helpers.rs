//! `TestApp`: the real application on port 0 with its own database.

use std::collections::BTreeMap;
use std::net::TcpListener;

use campaign_tracker::audit::Actor;
use campaign_tracker::auth::Role;
use campaign_tracker::config::Settings;
use campaign_tracker::startup;
use campaign_tracker::state::AppState;
use campaign_tracker::tokens::{self, NewToken};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

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
    pg: Option<(String, String)>,
    handle: actix_web::dev::ServerHandle,
}

/// Base URL of the PostgreSQL server for tests, when configured.
/// With `CT_REQUIRE_POSTGRES=1` (CI) a missing URL fails instead of skipping.
pub fn pg_base_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("CT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("CT_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
    }
    url
}

impl TestApp {
    /// Spawns an app on `db`, or None when PostgreSQL is not configured.
    pub async fn spawn(db: Db) -> Option<TestApp> {
        Self::spawn_with(db, &[]).await
    }

    /// Spawns with extra environment-style settings.
    pub async fn spawn_with(db: Db, extra: &[(&str, &str)]) -> Option<TestApp> {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let (database_url, pg) = match db {
            Db::Sqlite => (
                format!("sqlite://{}", data_dir.path().join("test.db").display()),
                None,
            ),
            Db::Postgres => {
                let Some(base) = pg_base_url() else {
                    eprintln!(
                        "TEST_DATABASE_URL is not set: PostgreSQL variant not run here (.ci/run sets it)"
                    );
                    return None;
                };
                let name = format!("ct_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&base).unwrap_or_else(|e| {
                    panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let mut url = url::Url::parse(&base).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                (url.to_string(), Some((base, name)))
            }
        };
        let mut vars: BTreeMap<String, String> = [
            ("DATA_DIR", data_dir.path().to_str().unwrap()),
            ("DATABASE_URL", database_url.as_str()),
            ("JWT_KEYS", &format!("{TEST_KID}:{TEST_KEY}")),
            ("LOAD_AREAS", "false"),
            ("DB_POOL_SIZE", "4"),
            ("DB_TIMEOUT_MS", "2000"),
            ("RATE_LIMIT_PER_MINUTE", "100000"),
            ("SQLITE_SYNCHRONOUS", "NORMAL"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        let settings = Settings::from_map(&vars).expect("test settings");
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
        Some(TestApp {
            addr,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            settings,
            state,
            data_dir,
            pg,
            handle,
        })
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

    /// A fresh connection to the test's database (for assertions on stored rows).
    pub fn conn(&self) -> campaign_tracker::db::PooledConn {
        self.state.pool.get().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the database is dropped with FORCE below anyway.
        drop(self.handle.stop(false));
        if let Some((base, name)) = self.pg.take()
            && let Ok(mut admin) = PgConnection::establish(&base)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
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
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Db::Sqlite).await.unwrap();
                    super::$name(app).await
                }
                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Db::Postgres).await {
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

/// Every operation of the served OpenAPI document.
pub async fn operations(app: &TestApp) -> Vec<Operation> {
    let doc = json(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
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
                secured: op.get("security").is_some(),
            });
        }
    }
    out
}
