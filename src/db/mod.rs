//! Storage: one connection type over SQLite and PostgreSQL, the pool, migrations.
//!
//! Every database function in the crate takes `&mut DbConn` and returns a
//! `QueryResult`; handlers call them inside `web::block`. SQL that differs
//! between the backends is written as one explicit `match` on [`DbConn`].

pub(crate) mod accounts;
pub(crate) mod agencies;
pub(crate) mod aggregates;
pub(crate) mod analytics;
pub(crate) mod areas;
pub(crate) mod audit;
pub(crate) mod breaches;
pub(crate) mod claims;
pub(crate) mod event_links;
pub(crate) mod events;
pub(crate) mod imports;
pub(crate) mod key_epoch;
pub mod migrate;
pub(crate) mod participants;
pub(crate) mod periods;
pub(crate) mod privacy;
pub(crate) mod publications;
pub mod raw;
pub(crate) mod reach;
pub mod schema;
pub(crate) mod sessions;
pub(crate) mod short_lived;
pub(crate) mod sso_flows;
pub(crate) mod tokens;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;

use crate::config::{DatabaseUrl, Settings, SqliteSynchronous};

pub use multi::DbConn;

/// Runs the same diesel expression on whichever backend `conn` is, for the
/// query shapes the common `MultiBackend` cannot express (multi-row inserts,
/// `ON CONFLICT`). The expression is type-checked against both backends.
#[macro_export]
macro_rules! on_both {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

mod multi {
    use diesel::prelude::*;

    /// A connection to either backend. Diesel's derive generates the common
    /// query builder backend (`MultiBackend`) for both.
    #[derive(diesel::MultiConnection)]
    pub enum DbConn {
        /// PostgreSQL.
        Pg(PgConnection),
        /// Embedded SQLite.
        Sqlite(SqliteConnection),
    }
}

/// The connection pool shared by the HTTP workers.
pub type DbPool = r2d2::Pool<Manager>;
/// A connection checked out of the pool.
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Why a connection could not be opened or prepared.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The server or file could not be reached.
    #[error("{0}")]
    Connect(#[from] diesel::ConnectionError),
    /// A set-up statement (PRAGMA) failed.
    #[error("{0}")]
    Setup(#[from] diesel::result::Error),
    /// The SQLite directory could not be created.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// An r2d2 manager that picks the backend from the URL itself, so that the
/// real connection error (not the derived `establish`'s summary) is reported,
/// and that applies the SQLite pragmas to every new connection.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    busy_timeout: Duration,
    statement_timeout: Duration,
    synchronous: SqliteSynchronous,
}

impl Manager {
    /// A manager for the configured database.
    pub fn new(settings: &Settings) -> Self {
        Self {
            url: settings.database_url.clone(),
            busy_timeout: settings.db_timeout,
            statement_timeout: settings.statement_timeout,
            synchronous: settings.sqlite_synchronous,
        }
    }

    /// Opens one connection outside the pool (CLI, migrations).
    pub fn open(&self) -> Result<DbConn, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // Timestamps are stored as UTC `timestamp`; keep the session in UTC.
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConn::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                let sync = match self.synchronous {
                    SqliteSynchronous::Full => "FULL",
                    SqliteSynchronous::Normal => "NORMAL",
                };
                // busy_timeout first, so that switching to WAL waits for a lock
                // held by another connection instead of failing at once.
                // Temporary B-trees (DISTINCT and GROUP BY over big slices)
                // go to temporary files, not memory: the bundled SQLite keeps
                // them in memory by default, which let every pooled
                // connection grow by the size of its largest aggregate.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = {sync}; PRAGMA temp_store = FILE;",
                    self.busy_timeout.as_millis()
                ))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        let mut conn = self.open()?;
        if let DbConn::Pg(c) = &mut conn {
            // A request never waits on a lock longer than it waits for a
            // connection (LOCK TABLE elsewhere: 503, not a hang), nor runs
            // a statement beyond the statement limit.
            c.batch_execute(&format!(
                "SET lock_timeout = {}; SET statement_timeout = {}",
                self.busy_timeout.as_millis(),
                self.statement_timeout.as_millis()
            ))?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        match conn {
            DbConn::Pg(c) => c.is_broken(),
            DbConn::Sqlite(c) => c.is_broken(),
        }
    }
}

/// Builds the pool. Connections are opened lazily (one at start, to fail fast
/// on a wrong URL); a request waits at most `DB_TIMEOUT_MS` for one.
pub fn build_pool(
    settings: &Settings,
    events: crate::metrics::PoolEvents,
) -> Result<DbPool, r2d2::Error> {
    r2d2::Pool::builder()
        .event_handler(Box::new(events))
        .max_size(settings.pool_size)
        .min_idle(Some(1))
        .connection_timeout(settings.db_timeout)
        .test_on_check_out(true)
        .error_handler(Box::new(r2d2::LoggingErrorHandler))
        .build(Manager::new(settings))
}

/// Runs `f` in a write transaction. On SQLite the transaction is opened with
/// `BEGIN IMMEDIATE`, so it takes the write lock (waiting up to the busy
/// timeout) before reading: a deferred transaction that reads and then
/// writes would fail with "database is locked" instead of waiting.
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Pg(_) => return conn.transaction(f),
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                log::error!("rollback failed after an error: {rollback}");
            }
            Err(e)
        }
    }
}

/// The current UTC time at microsecond precision: what PostgreSQL stores,
/// so that SQLite's text timestamps compare and round-trip the same way
/// (pagination cursors rely on it).
pub fn now() -> chrono::NaiveDateTime {
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros())
        .unwrap_or(t)
        .naive_utc()
}

/// Which backend a connection talks to, for the few places that need raw SQL.
pub fn is_postgres(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Pg(_))
}

/// Shared handle to the pool.
pub type SharedPool = Arc<DbPool>;

/// One round trip to the database (readiness).
pub fn ping(conn: &mut DbConn) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// Why the database could not take writes now, if it could not: on SQLite
/// the file's filesystem is read-only or has less than `min_free_bytes`
/// free, or the database is at its `max_page_count`; on PostgreSQL the
/// server is a read-only standby or refuses writes by default.
pub fn storage_problem(conn: &mut DbConn, min_free_bytes: u64) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Text1 {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    #[derive(QueryableByName)]
    struct Int1 {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        v: i64,
    }
    match conn {
        DbConn::Pg(pg) => {
            let read_only: Text1 = diesel::sql_query(
                "SELECT CASE WHEN pg_is_in_recovery() OR current_setting('default_transaction_read_only') = 'on' \
                 THEN 'yes' ELSE 'no' END AS v",
            )
            .get_result(pg)?;
            Ok((read_only.v == "yes").then(|| "the PostgreSQL server is read-only".to_string()))
        }
        DbConn::Sqlite(lite) => {
            let file: Text1 =
                diesel::sql_query("SELECT file AS v FROM pragma_database_list WHERE name = 'main'")
                    .get_result(lite)?;
            let pages: Int1 = diesel::sql_query("SELECT page_count AS v FROM pragma_page_count")
                .get_result(lite)?;
            let max: Int1 =
                diesel::sql_query("SELECT max_page_count AS v FROM pragma_max_page_count")
                    .get_result(lite)?;
            if max.v - pages.v < 16 {
                return Ok(Some("the database is at its maximum size".into()));
            }
            let path = std::path::Path::new(&file.v);
            let Some(dir) = path.parent().filter(|_| !file.v.is_empty()) else {
                return Ok(None); // in memory
            };
            Ok(match rustix::fs::statvfs(dir) {
                Err(e) => Some(format!("cannot inspect the database's filesystem: {e}")),
                Ok(st) if st.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY) => {
                    Some("the database's filesystem is read-only".into())
                }
                Ok(st) if st.f_bavail.saturating_mul(st.f_frsize) < min_free_bytes => {
                    Some(format!(
                        "the database's filesystem has {} MiB free, below the {} MiB required",
                        st.f_bavail.saturating_mul(st.f_frsize) / (1024 * 1024),
                        min_free_bytes / (1024 * 1024)
                    ))
                }
                Ok(_) => None,
            })
        }
    }
}
