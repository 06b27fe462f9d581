//! The participant key's epoch and a rotation's progress (one row), and
//! the re-keying of stored keys (issue 34). No secret is ever stored here:
//! the row names the chain's key ids only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    erased_participants, events, participant_key_epoch as epoch, participants, privacy_request_keys,
};

/// The row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = epoch)]
pub struct EpochRow {
    /// Keys are made with the first `epoch + 1` secrets.
    pub epoch: i32,
    /// The chain's key ids, comma-separated.
    pub kids: String,
    /// The epoch a rotation under way goes to.
    pub rotating_to: Option<i32>,
    /// The last participant id re-keyed.
    pub participants_after: i64,
    /// Whether the erased list and requests' keys are re-keyed.
    pub lists_done: bool,
    /// The last event seq whose content hash is recomputed.
    pub events_after: i64,
    /// Keys re-keyed.
    pub rekeyed: i64,
    /// Content hashes changed.
    pub rehashed: i64,
    /// When the last rotation started.
    pub started_at: Option<NaiveDateTime>,
    /// When it finished.
    pub finished_at: Option<NaiveDateTime>,
}

impl EpochRow {
    /// The key ids, oldest first (none before the first start records them).
    pub fn kid_list(&self) -> Vec<String> {
        self.kids
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Reads the row.
pub fn read(conn: &mut DbConn) -> QueryResult<EpochRow> {
    epoch::table
        .filter(epoch::id.eq(1))
        .select(EpochRow::as_select())
        .first(conn)
}

/// Reads the row, locking it against a rotation's start or end until the
/// transaction ends (PostgreSQL; SQLite's writers are serialised).
pub fn read_shared(conn: &mut DbConn) -> QueryResult<EpochRow> {
    match conn {
        DbConn::Pg(pg) => epoch::table
            .filter(epoch::id.eq(1))
            .select(EpochRow::as_select())
            .for_share()
            .first(pg),
        DbConn::Sqlite(_) => read(conn),
    }
}

/// Records the first key id of a database that names none yet (the first
/// start; a second instance starting at once keeps the first's).
pub fn name_first_kid(conn: &mut DbConn, kid: &str) -> QueryResult<usize> {
    diesel::update(
        epoch::table
            .filter(epoch::id.eq(1))
            .filter(epoch::kids.eq("")),
    )
    .set(epoch::kids.eq(kid))
    .execute(conn)
}

/// Starts a rotation to `to`: the cursors go back to the start.
pub fn start(conn: &mut DbConn, to: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(epoch::table.filter(epoch::id.eq(1)))
        .set((
            epoch::rotating_to.eq(Some(to)),
            epoch::participants_after.eq(0),
            epoch::lists_done.eq(false),
            epoch::events_after.eq(0),
            epoch::rekeyed.eq(0),
            epoch::rehashed.eq(0),
            epoch::started_at.eq(Some(now)),
            epoch::finished_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Ends the rotation: keys are made at `to` with the chain `kids`.
pub fn finish(
    conn: &mut DbConn,
    to: i32,
    kids: &[String],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(epoch::table.filter(epoch::id.eq(1)))
        .set((
            epoch::epoch.eq(to),
            epoch::kids.eq(kids.join(",")),
            epoch::rotating_to.eq(None::<i32>),
            epoch::finished_at.eq(Some(now)),
        ))
        .execute(conn)
}

/// Up to `limit` participants after id `after`, in id order.
pub fn participants_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    participants::table
        .filter(participants::id.gt(after))
        .order(participants::id)
        .limit(limit)
        .select((participants::id, participants::key))
        .load(conn)
}

/// Sets the keys of participants (id, new key) and moves the cursor past
/// the last one, counting them.
pub fn rekey_participants(conn: &mut DbConn, rows: &[(i64, String)]) -> QueryResult<()> {
    for (id, key) in rows {
        diesel::update(participants::table.filter(participants::id.eq(id)))
            .set(participants::key.eq(key))
            .execute(conn)?;
    }
    if let Some((last, _)) = rows.last() {
        diesel::update(epoch::table.filter(epoch::id.eq(1)))
            .set((
                epoch::participants_after.eq(last),
                epoch::rekeyed.eq(epoch::rekeyed + rows.len() as i64),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The keys of open requests: (request id, key).
pub type RequestKeys = Vec<(String, String)>;

/// Every key on the erased list and kept with an open request.
pub fn list_keys(conn: &mut DbConn) -> QueryResult<(Vec<String>, RequestKeys)> {
    let erased = erased_participants::table
        .select(erased_participants::key)
        .order(erased_participants::key)
        .load(conn)?;
    let kept = privacy_request_keys::table
        .select((privacy_request_keys::request_id, privacy_request_keys::key))
        .order((privacy_request_keys::request_id, privacy_request_keys::key))
        .load(conn)?;
    Ok((erased, kept))
}

/// Re-keys the erased list and requests' keys (`rekey`: old key to new) and
/// marks them done, in the caller's transaction.
pub fn rekey_lists(conn: &mut DbConn, rekey: &dyn Fn(&str) -> String) -> QueryResult<usize> {
    let (erased, kept) = list_keys(conn)?;
    for k in &erased {
        diesel::update(erased_participants::table.filter(erased_participants::key.eq(k)))
            .set(erased_participants::key.eq(rekey(k)))
            .execute(conn)?;
    }
    for (request, k) in &kept {
        diesel::update(
            privacy_request_keys::table
                .filter(privacy_request_keys::request_id.eq(request))
                .filter(privacy_request_keys::key.eq(k)),
        )
        .set(privacy_request_keys::key.eq(rekey(k)))
        .execute(conn)?;
    }
    diesel::update(epoch::table.filter(epoch::id.eq(1)))
        .set((
            epoch::lists_done.eq(true),
            epoch::rekeyed.eq(epoch::rekeyed + (erased.len() + kept.len()) as i64),
        ))
        .execute(conn)?;
    Ok(erased.len() + kept.len())
}

/// Up to `limit` event seqs after `after`, in order (live and deleted).
pub fn events_after(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<i64>> {
    events::table
        .filter(events::seq.gt(after))
        .order(events::seq)
        .limit(limit)
        .select(events::seq)
        .load(conn)
}

/// Sets recomputed content hashes (seq, version it was computed at, hash):
/// an event written since keeps the writer's. Moves the cursor to `last`,
/// counting the hashes changed.
pub fn rehash_events(
    conn: &mut DbConn,
    hashes: &[(i64, i64, String)],
    last: i64,
) -> QueryResult<usize> {
    let mut changed = 0;
    for (seq, version, hash) in hashes {
        changed += diesel::update(
            events::table
                .filter(events::seq.eq(seq))
                .filter(events::version.eq(version))
                .filter(events::content_hash.ne(hash)),
        )
        .set(events::content_hash.eq(hash))
        .execute(conn)?;
    }
    diesel::update(epoch::table.filter(epoch::id.eq(1)))
        .set((
            epoch::events_after.eq(last),
            epoch::rehashed.eq(epoch::rehashed + changed as i64),
        ))
        .execute(conn)?;
    Ok(changed)
}

/// How many participants are left to re-key after `after`.
pub fn participants_left(conn: &mut DbConn, after: i64) -> QueryResult<i64> {
    participants::table
        .filter(participants::id.gt(after))
        .count()
        .get_result(conn)
}

/// How many events are left to rehash after `after`.
pub fn events_left(conn: &mut DbConn, after: i64) -> QueryResult<i64> {
    events::table
        .filter(events::seq.gt(after))
        .count()
        .get_result(conn)
}
