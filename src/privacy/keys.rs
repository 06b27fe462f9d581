//! Rotating the participant key (issue 34; README, "The participant key"):
//! `campaign-tracker keys rotate-participant-key`. No raw identifier is
//! needed: every stored key is keyed once more with the new secret
//! ([`Pseudonymizer::step`]), and new identifiers are hashed through the
//! same chain, so a person keeps one key and a leaked older secret alone
//! reverses nothing stored.
//!
//! The rotation runs in steps, each batch in one transaction with its
//! cursor (`participant_key_epoch`): the erased list and open requests'
//! keys, then the participants in id order, then every event's content
//! hash recomputed from what is stored (no version, no consent changes).
//! A crash loses at most the batch in flight, and the next run resumes
//! after the last one committed: no key is re-keyed twice or left out.
//! While it runs the service answers; writes that carry participants are
//! refused with a 503 to send again ([`crate::key_epoch`]), since stored
//! keys are then of two epochs.

use std::time::Instant;

use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::{DbConn, event_links, key_epoch as table, write_tx};
use crate::domain::Pseudonymizer;
use crate::error::ApiError;

/// What a rotation did, for the audit log and the command's last line.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rotation {
    /// The epoch before.
    pub from_epoch: i32,
    /// The epoch after.
    pub to_epoch: i32,
    /// The new secret's key id.
    pub kid: String,
    /// Keys re-keyed (participants, erased list, requests' keys).
    pub rekeyed: i64,
    /// Events whose content hash changed.
    pub rehashed: i64,
    /// Events whose hash could not be recomputed (they no longer pass
    /// today's checks): a re-send of one answers `updated` once.
    pub not_rehashed: i64,
}

/// Options of a run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Rows per transaction.
    pub batch: i64,
    /// A test's crash: the process aborts inside the transaction of this
    /// batch (counted from 1 over the run), before it commits.
    pub abort_in_batch: Option<u64>,
}

/// Rotates (or resumes a rotation) to every secret of the chain newer than
/// the database's epoch, one epoch at a time; `say` gets progress lines.
/// An error when the chain holds no newer secret and no rotation is under
/// way, or when its older secrets are not the database's.
pub fn rotate(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    options: Options,
    say: &mut dyn FnMut(String),
) -> Result<Vec<Rotation>, ApiError> {
    let mut done = Vec::new();
    let mut batches = 0u64;
    loop {
        let row = table::read(conn)?;
        let to = match row.rotating_to {
            Some(to) => {
                say(format!("resuming the rotation to epoch {to}"));
                to
            }
            None if pseudonymizer.kids().len() > row.epoch as usize + 1 => {
                start(conn, pseudonymizer)?
            }
            None if done.is_empty() => {
                return Err(ApiError::Conflict {
                    detail: format!(
                        "the key chain holds no secret newer than the database's epoch {}: add one first",
                        row.epoch
                    ),
                    existing_id: None,
                });
            }
            None => return Ok(done),
        };
        if pseudonymizer.kids().len() <= to as usize {
            return Err(ApiError::Unavailable(format!(
                "a rotation to epoch {to} is under way, but this key chain lacks that secret: run it where the key file holds it"
            )));
        }
        done.push(run_to(conn, pseudonymizer, to, options, &mut batches, say)?);
    }
}

/// Starts a rotation to the next epoch, once every write in flight ends.
fn start(conn: &mut DbConn, pseudonymizer: &Pseudonymizer) -> Result<i32, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let row = table::read(conn)?;
        if let Some(to) = row.rotating_to {
            return Ok(to);
        }
        pseudonymizer
            .adopt(row.epoch as usize, &row.kid_list())
            .map_err(ApiError::Unavailable)?;
        let to = row.epoch + 1;
        table::start(conn, to, crate::db::now())?;
        audit::record(
            conn,
            &Actor::cli(),
            "rotate_start",
            "participant_key",
            &format!("epoch-{to}"),
            None::<&()>,
            Some(&serde_json::json!({"from_epoch": row.epoch, "to_epoch": to,
                "kid": pseudonymizer.kids()[to as usize]})),
        )?;
        Ok(to)
    })
}

/// Carries the rotation under way to epoch `to` through to its end.
fn run_to(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    to: i32,
    options: Options,
    batches: &mut u64,
    say: &mut dyn FnMut(String),
) -> Result<Rotation, ApiError> {
    let step = |k: &str| {
        pseudonymizer
            .step(k, to as usize)
            .expect("the chain holds the epoch")
    };
    let crash_point = |batches: &mut u64| {
        *batches += 1;
        if options.abort_in_batch == Some(*batches) {
            eprintln!("aborting inside batch {batches}, as asked (a test's crash)");
            std::process::abort();
        }
    };
    let row = table::read(conn)?;
    if !row.lists_done {
        let n = write_tx(conn, |c| {
            let n = table::rekey_lists(c, &|k| step(k))?;
            crash_point(batches);
            Ok::<_, ApiError>(n)
        })?;
        say(format!(
            "re-keyed the erased list and open requests: {n} keys"
        ));
    }
    let after = table::read(conn)?.participants_after;
    let left = table::participants_left(conn, after)?;
    let mut keyed = 0i64;
    let mut shown = Instant::now();
    loop {
        let n = write_tx(conn, |c| {
            let after = table::read(c)?.participants_after;
            let rows = table::participants_after(c, after, options.batch)?;
            let new: Vec<(i64, String)> = rows.iter().map(|(id, k)| (*id, step(k))).collect();
            table::rekey_participants(c, &new)?;
            if !new.is_empty() {
                crash_point(batches);
            }
            Ok::<_, ApiError>(new.len() as i64)
        })?;
        if n == 0 {
            break;
        }
        keyed += n;
        if shown.elapsed().as_secs() >= 1 || keyed == left {
            say(format!("re-keyed {keyed} of {left} participants"));
            shown = Instant::now();
        }
    }
    let after = table::read(conn)?.events_after;
    let left = table::events_left(conn, after)?;
    let (mut hashed, mut failed) = (0i64, 0i64);
    loop {
        let (n, bad) = write_tx(conn, |c| {
            let after = table::read(c)?.events_after;
            let seqs = table::events_after(c, after, options.batch)?;
            let Some(&last) = seqs.last() else {
                return Ok::<_, ApiError>((0, 0));
            };
            let mut hashes = Vec::with_capacity(seqs.len());
            let mut bad = 0;
            let rows = crate::db::events::by_seqs(c, &seqs)?;
            for (seq, version, hash) in
                crate::events::patch::stored_content_hashes(c, pseudonymizer, rows)?
            {
                match hash {
                    Ok(h) => hashes.push((seq, version, h)),
                    Err(ApiError::Validation { .. }) => bad += 1,
                    Err(e) => return Err(e),
                }
            }
            table::rehash_events(c, &hashes, last)?;
            crash_point(batches);
            Ok((seqs.len() as i64, bad))
        })?;
        if n == 0 {
            break;
        }
        hashed += n;
        failed += bad;
        if shown.elapsed().as_secs() >= 1 || hashed == left {
            say(format!(
                "recomputed the content hash of {hashed} of {left} events"
            ));
            shown = Instant::now();
        }
    }
    let kids: Vec<String> = pseudonymizer.kids()[..=to as usize].to_vec();
    write_tx(conn, |c| {
        event_links::lock_all(c)?;
        let row = table::read(c)?;
        table::finish(c, to, &kids, crate::db::now())?;
        let done = Rotation {
            from_epoch: row.epoch,
            to_epoch: to,
            kid: kids[to as usize].clone(),
            rekeyed: row.rekeyed,
            rehashed: row.rehashed,
            not_rehashed: failed,
        };
        audit::record(
            c,
            &Actor::cli(),
            "rotate",
            "participant_key",
            &format!("epoch-{to}"),
            None::<&()>,
            Some(&done),
        )?;
        pseudonymizer
            .adopt(to as usize, &kids)
            .map_err(ApiError::Unavailable)?;
        say(format!(
            "the participant key is at epoch {to} ({}): {} keys re-keyed, {} content hashes changed",
            done.kid, done.rekeyed, done.rehashed
        ));
        Ok(done)
    })
}
