//! Which chain of the participant key writes hash with (issue 34, key
//! rotation). The database holds the epoch (keys are made with the first
//! `epoch + 1` secrets of the chain) and the chain's key ids; each instance
//! caches the epoch in its [`Pseudonymizer`]. Every write transaction that
//! stores keys calls [`check`] with the epoch its keys were made at: it is
//! refused (503, sent again) when a rotation is under way or the epoch
//! moved since, so no instance ever stores keys of another chain than the
//! database's.

use crate::db::{DbConn, key_epoch};
use crate::domain::Pseudonymizer;
use crate::error::ApiError;

/// Refuses a write of keys made at epoch `used` unless the database is at
/// that epoch and no rotation is under way. Writes without keys (`has_keys`
/// false) always pass. Inside the write's transaction; the row is read
/// with a share lock, so a rotation starts or ends only between writes.
pub fn check(conn: &mut DbConn, used: usize, has_keys: bool) -> Result<(), ApiError> {
    if !has_keys {
        return Ok(());
    }
    let row = not_rotating(conn)?;
    if row.epoch as usize == used {
        return Ok(());
    }
    Err(ApiError::Unavailable(if used == Pseudonymizer::UNUSABLE {
        "this instance's participant key is not the database's (see its log); participants cannot be taken here (nothing was saved)".to_string()
    } else {
        format!(
            "the participant key moved to epoch {} while this request was read; send it again in a few seconds (nothing was saved)",
            row.epoch
        )
    }))
}

/// Refuses (503) while a rotation is under way: stored keys are then of
/// two epochs. Returns the row, read with a share lock.
pub fn not_rotating(conn: &mut DbConn) -> Result<key_epoch::EpochRow, ApiError> {
    let row = key_epoch::read_shared(conn)?;
    match row.rotating_to {
        Some(to) => Err(ApiError::Unavailable(format!(
            "the participant key is being rotated (to epoch {to}); participants are taken again as soon as it ends: send this again in a minute (nothing was saved)"
        ))),
        None => Ok(row),
    }
}

/// How often an instance reads the database's epoch.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Takes the database's epoch and key ids: an error when this chain cannot
/// make keys at it (the pseudonymizer is then unusable until it can).
pub fn follow_once(conn: &mut DbConn, pseudonymizer: &Pseudonymizer) -> Result<bool, String> {
    let row =
        key_epoch::read(conn).map_err(|e| format!("reading the participant key's epoch: {e}"))?;
    if row.epoch as usize == pseudonymizer.epoch() {
        return Ok(false);
    }
    pseudonymizer.adopt(row.epoch as usize, &row.kid_list())?;
    Ok(true)
}

/// Follows the database's epoch every [`FOLLOW_EVERY`] until the
/// pseudonymizer is dropped: a rotation made by the command line (or
/// another instance) is taken within seconds.
pub fn follow(pool: crate::db::DbPool, pseudonymizer: std::sync::Weak<Pseudonymizer>) {
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(FOLLOW_EVERY).await;
            let Some(p) = pseudonymizer.upgrade() else {
                return;
            };
            let pool = pool.clone();
            // An idle connection or none: under load, the next tick reads
            // it (a background read never waits for, or times out on, the pool).
            let result = actix_web::web::block(move || -> Result<bool, String> {
                match pool.try_get() {
                    Some(mut conn) => follow_once(&mut conn, &p),
                    None => Ok(false),
                }
            })
            .await;
            match result {
                Ok(Ok(true)) => log::info!("participant key: now at the database's new epoch"),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => log::error!("participant key: {e}"),
                Err(e) => log::warn!("participant key: {e}"),
            }
        }
    });
}

/// At startup: a database that names no key yet records this chain's first
/// key id; then the instance takes the database's epoch. An error (the
/// chain lacks the epoch, or holds other secrets) is returned to be logged:
/// the instance still serves, and [`check`] refuses its writes of keys.
pub fn adopt_at_start(conn: &mut DbConn, pseudonymizer: &Pseudonymizer) -> Result<(), String> {
    let err = |e: diesel::result::Error| format!("reading the participant key's epoch: {e}");
    let mut row = key_epoch::read(conn).map_err(err)?;
    if row.kids.is_empty() {
        key_epoch::name_first_kid(conn, &pseudonymizer.kids()[0]).map_err(err)?;
        row = key_epoch::read(conn).map_err(err)?;
    }
    pseudonymizer.adopt(row.epoch as usize, &row.kid_list())
}
