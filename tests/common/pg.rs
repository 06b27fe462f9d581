//! PostgreSQL for tests, shared by both test binaries (`api` and `faults`):
//! one fresh database per test, dropped when its guard goes, and a visible
//! notice when the PostgreSQL variants are skipped.
//!
//! `TEST_DATABASE_URL` names a server and a database to connect to for
//! creating and dropping the test databases. When it is unset the PostgreSQL
//! variants skip, and say so on stderr outside libtest's capture, so the line
//! shows in a plain `cargo test` run. With `CT_REQUIRE_POSTGRES=1` (`.ci/run`)
//! a missing URL fails the test instead.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// A database created for one test. Dropping the guard drops the database
/// `WITH (FORCE)`, so connections still open (a pool, a killed service)
/// do not keep it alive, and a failing test cleans up too.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs `sql` on the server's admin database, with `{db}` standing for
    /// this database's name (for statements no session inside it can run).
    pub fn admin_execute(&self, sql: &str) -> Result<(), String> {
        PgConnection::establish(&self.admin_url)
            .map_err(|e| e.to_string())?
            .batch_execute(&sql.replace("{db}", &self.name))
            .map_err(|e| e.to_string())
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Err(e) = self.admin_execute("DROP DATABASE IF EXISTS {db} WITH (FORCE)") {
            eprintln!("test database {} was not dropped: {e}", self.name);
        }
    }
}

/// A new, empty PostgreSQL database on the `TEST_DATABASE_URL` server, or
/// None (reported as skipped) when that variable is not set.
///
/// Panics when `CT_REQUIRE_POSTGRES=1` and the URL is missing, and when the
/// URL is set but the server cannot be reached: neither is a skip.
pub fn fresh_pg_database() -> Option<PgDatabase> {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let Some(admin_url) = admin_url else {
        if std::env::var("CT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("CT_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
        }
        report_skipped(
            "PostgreSQL",
            "TEST_DATABASE_URL is not set, so every PostgreSQL variant in this test binary \
             passes without running; set TEST_DATABASE_URL=postgres://USER@HOST:PORT/DB \
             (.ci/run does, with CT_REQUIRE_POSTGRES=1 to fail instead of skipping)",
        );
        return None;
    };
    let name = format!("ct_test_{}", uuid::Uuid::new_v4().simple());
    PgConnection::establish(&admin_url)
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"))
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create test database");
    let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    // Plain connections for the test process: a test binary exits while
    // r2d2's background threads may still be reconnecting to a database its
    // guard has just dropped, and libpq's TLS/GSS libraries tear down their
    // global state at exit under those threads ("double free or corruption"
    // seen once in CI). The server is local; the service's own URL handling
    // is unchanged.
    let has = |key: &str| url.query_pairs().any(|(k, _)| k == key);
    let (ssl, gss) = (has("sslmode"), has("gssencmode"));
    if !ssl {
        url.query_pairs_mut().append_pair("sslmode", "disable");
    }
    if !gss {
        url.query_pairs_mut().append_pair("gssencmode", "disable");
    }
    Some(PgDatabase {
        admin_url,
        name,
        url: url.to_string(),
    })
}

/// Says once per test binary, on stderr and outside libtest's output
/// capture (which only catches `print!`/`eprint!`), that `what` was skipped
/// and why. A passing test's own output is hidden, so this is what a reader
/// of `cargo test` sees instead of a silent pass.
pub fn report_skipped(what: &str, why: &str) {
    static REPORTED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let first = REPORTED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(what.to_string());
    if first {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "\nSKIPPED ({what}): {why}\n");
    }
}
