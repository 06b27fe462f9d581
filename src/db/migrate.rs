//! Embedded migrations, one folder per backend with identical names, and the
//! start-up lock that keeps several instances from migrating or seeding at once.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

/// Migrations for SQLite.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Migrations for PostgreSQL.
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Key of the PostgreSQL advisory lock taken while migrating and seeding.
const STARTUP_LOCK_KEY: i64 = 0x6361_6d70_6169_676e; // "campaign"

/// Boxed error type of diesel's migration harness.
pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies pending migrations and returns the versions applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, MigrationError> {
    let applied: Vec<MigrationVersion<'_>> = match conn {
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS)?,
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?,
    };
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Runs `f` while holding the start-up lock. On PostgreSQL this is a
/// session advisory lock, so a second instance starting at the same moment
/// waits until the first has migrated and seeded; on SQLite a single
/// `BEGIN IMMEDIATE` transaction in each step already serialises writers.
pub fn with_startup_lock<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, MigrationError>,
) -> Result<T, MigrationError> {
    if let DbConn::Pg(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})"))?;
    }
    let result = f(conn);
    if let DbConn::Pg(c) = conn
        && let Err(e) = c.batch_execute(&format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})"))
    {
        log::warn!("could not release the start-up lock: {e}");
    }
    result
}

/// Reverts the last applied migration (used by the migration tests).
pub fn revert_last(conn: &mut DbConn) -> Result<String, MigrationError> {
    let v = match conn {
        DbConn::Pg(c) => c.revert_last_migration(PG_MIGRATIONS)?,
        DbConn::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS)?,
    };
    Ok(v.to_string())
}

/// Applies the next pending migration, if any (used by the migration tests).
pub fn run_next(conn: &mut DbConn) -> Result<Option<String>, MigrationError> {
    let pending = match conn {
        DbConn::Pg(c) => c.pending_migrations(PG_MIGRATIONS)?.len(),
        DbConn::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS)?.len(),
    };
    if pending == 0 {
        return Ok(None);
    }
    let v = match conn {
        DbConn::Pg(c) => {
            let next = c.pending_migrations(PG_MIGRATIONS)?.remove(0);
            c.run_migration(&*next)?
        }
        DbConn::Sqlite(c) => {
            let next = c.pending_migrations(SQLITE_MIGRATIONS)?.remove(0);
            c.run_migration(&*next)?
        }
    };
    Ok(Some(v.to_string()))
}
