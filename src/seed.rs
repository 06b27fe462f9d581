//! First-start seeding, run under the start-up lock after migrations.

use std::time::Instant;

use crate::areas;
use crate::audit::Actor;
use crate::config::Settings;
use crate::db::migrate::MigrationError;
use crate::db::{DbConn, write_tx};
use crate::error::ApiError;

/// Seeds a new database and keeps derived data fresh. Agencies are seeded
/// by their migration. The administrative units shipped in the binary are
/// loaded here when `LOAD_AREAS` is on and the table is empty: the pre-2025
/// list, the 2025 list and the successors, in one transaction, so a crash
/// half-way leaves an empty table that the next start fills. On a database
/// that has units, their `current_id` is brought up to date (a validity
/// boundary may have passed since the last start).
pub fn first_start(conn: &mut DbConn, settings: &Settings) -> Result<(), MigrationError> {
    let started = Instant::now();
    let loaded = write_tx(conn, |conn| -> Result<Option<[u64; 3]>, ApiError> {
        if areas::count(conn)? > 0 {
            let changed = areas::refresh_derived(conn, crate::domain::calendar::today())?;
            if changed > 0 {
                log::info!("administrative areas: {changed} current mapping(s) updated");
            }
            return Ok(None);
        }
        if !settings.load_areas {
            return Ok(None);
        }
        let actor = Actor {
            jti: None,
            role: "system".into(),
            agency: None,
            person: None,
        };
        let none = &|_, _| {};
        let old = areas::import_units_in_tx(
            conn,
            areas::PRE_2025_UNITS,
            None,
            Some(areas::last_day_before_reform()),
            &actor,
            none,
        )?;
        let new = areas::import_units_in_tx(
            conn,
            areas::UNITS_2025,
            Some(areas::reform_date()),
            None,
            &actor,
            none,
        )?;
        let links = areas::import_successors_in_tx(conn, areas::SUCCESSORS_2025, &actor, none)?;
        Ok(Some([old.created, new.created, links.created]))
    })
    .map_err(|e| -> MigrationError { format!("loading administrative areas: {e}").into() })?;
    if let Some([old, new, links]) = loaded {
        log::info!(
            "loaded administrative areas: {old} units before 2025-07-01, {new} from then on, \
             {links} successor links, in {} ms",
            started.elapsed().as_millis()
        );
    }
    Ok(())
}
