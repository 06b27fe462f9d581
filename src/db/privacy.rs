//! Requests from the people recorded (`privacy_requests`), the list of
//! erased keys (`erased_participants`), and the queries an access or an
//! erasure runs on the participants of events. Only keyed hashes reach
//! these functions, never a raw identifier.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::privacy_requests as requests;
use super::schema::{
    areas, erased_participants, event_participants, events, participants, privacy_request_keys,
};

/// Keys per statement (well under SQLite's variable limit).
const CHUNK: usize = 2000;

/// One stored request.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = requests)]
pub struct RequestRow {
    /// Order of arrival.
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// `access` or `erasure`.
    pub kind: String,
    /// `open` or `done`.
    pub status: String,
    /// Received (UTC).
    pub received_at: NaiveDateTime,
    /// Who registered it.
    pub received_by: String,
    /// Last day to acknowledge it.
    pub acknowledge_by: NaiveDate,
    /// Last day to complete it.
    pub due_date: NaiveDate,
    /// When it was extended.
    pub extended_at: Option<NaiveDateTime>,
    /// Why.
    pub extension_reason: Option<String>,
    /// When it was completed.
    pub completed_at: Option<NaiveDateTime>,
    /// Identifiers given (their number).
    pub identifiers: i64,
    /// Reports found holding the person.
    pub events_found: i64,
    /// Links removed.
    pub links_removed: i64,
    /// Free text.
    pub note: Option<String>,
}

/// A request to store.
#[derive(Debug, Insertable)]
#[diesel(table_name = requests)]
pub struct NewRequest<'a> {
    /// Public id.
    pub id: &'a str,
    /// `access` or `erasure`.
    pub kind: &'a str,
    /// `open` or `done`.
    pub status: &'a str,
    /// Received (UTC).
    pub received_at: NaiveDateTime,
    /// Who registered it.
    pub received_by: &'a str,
    /// Last day to acknowledge it.
    pub acknowledge_by: NaiveDate,
    /// Last day to complete it.
    pub due_date: NaiveDate,
    /// When it was completed.
    pub completed_at: Option<NaiveDateTime>,
    /// Identifiers given.
    pub identifiers: i64,
    /// Reports found.
    pub events_found: i64,
    /// Links removed.
    pub links_removed: i64,
    /// Free text.
    pub note: Option<&'a str>,
}

/// Stores a request and returns it.
pub fn insert(conn: &mut DbConn, new: &NewRequest<'_>) -> QueryResult<RequestRow> {
    diesel::insert_into(requests::table)
        .values(new)
        .execute(conn)?;
    by_id(conn, new.id)?.ok_or(diesel::result::Error::NotFound)
}

/// The request with public id `id`.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<RequestRow>> {
    requests::table
        .filter(requests::id.eq(id))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

/// Records the one extension of a request: its new due date and why.
pub fn extend(
    conn: &mut DbConn,
    seq: i64,
    due_date: NaiveDate,
    at: NaiveDateTime,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(requests::table.filter(requests::seq.eq(seq)))
        .set((
            requests::due_date.eq(due_date),
            requests::extended_at.eq(Some(at)),
            requests::extension_reason.eq(Some(reason)),
        ))
        .execute(conn)
}

/// Marks a request carried out, with what it found and removed.
pub fn complete(
    conn: &mut DbConn,
    seq: i64,
    at: NaiveDateTime,
    events_found: i64,
    links_removed: i64,
) -> QueryResult<usize> {
    diesel::update(requests::table.filter(requests::seq.eq(seq)))
        .set((
            requests::status.eq("done"),
            requests::completed_at.eq(Some(at)),
            requests::events_found.eq(events_found),
            requests::links_removed.eq(links_removed),
        ))
        .execute(conn)
}

/// Keeps the keys of an open request until it is carried out.
pub fn keep_keys(conn: &mut DbConn, request_id: &str, keys: &[String]) -> QueryResult<usize> {
    let rows: Vec<_> = keys
        .iter()
        .map(|k| {
            (
                privacy_request_keys::request_id.eq(request_id),
                privacy_request_keys::key.eq(k),
            )
        })
        .collect();
    let mut n = 0;
    for chunk in rows.chunks(CHUNK / 2) {
        n += crate::on_both!(&mut *conn, |c| diesel::insert_into(
            privacy_request_keys::table
        )
        .values(chunk)
        .execute(c))?;
    }
    Ok(n)
}

/// The keys kept with a request.
pub fn kept_keys(conn: &mut DbConn, request_id: &str) -> QueryResult<Vec<String>> {
    privacy_request_keys::table
        .filter(privacy_request_keys::request_id.eq(request_id))
        .select(privacy_request_keys::key)
        .order(privacy_request_keys::key)
        .load(conn)
}

/// Forgets the keys kept with a request (it was carried out).
pub fn drop_keys(conn: &mut DbConn, request_id: &str) -> QueryResult<usize> {
    diesel::delete(
        privacy_request_keys::table.filter(privacy_request_keys::request_id.eq(request_id)),
    )
    .execute(conn)
}

/// A page of requests, open ones first, then newest first: those after
/// `after` (the `(open, seq)` of the previous page's last, open as 1),
/// only `status` when given; at most `limit`.
pub fn page(
    conn: &mut DbConn,
    status: Option<&str>,
    after: Option<(bool, i64)>,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    // 'open' sorts after 'done': descending puts open ones first.
    let mut q = requests::table
        .select(RequestRow::as_select())
        .order((requests::status.desc(), requests::seq.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(requests::status.eq(s.to_string()));
    }
    if let Some((open, seq)) = after {
        let here = if open { "open" } else { "done" };
        q = q.filter(
            requests::status
                .lt(here)
                .or(requests::status.eq(here).and(requests::seq.lt(seq))),
        );
    }
    q.load(conn)
}

/// The participant ids of `keys` that are stored (none is created).
pub fn participant_ids(conn: &mut DbConn, keys: &[String]) -> QueryResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        out.extend(
            participants::table
                .filter(participants::key.eq_any(chunk))
                .select(participants::id)
                .load::<i64>(conn)?,
        );
    }
    Ok(out)
}

/// Which of `keys` are on the erased list.
pub fn erased_among<'a>(
    conn: &mut DbConn,
    keys: impl IntoIterator<Item = &'a String>,
) -> QueryResult<HashSet<String>> {
    let keys: Vec<&String> = keys.into_iter().collect();
    let mut out = HashSet::new();
    for chunk in keys.chunks(CHUNK) {
        out.extend(
            erased_participants::table
                .filter(erased_participants::key.eq_any(chunk))
                .select(erased_participants::key)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// Puts `keys` on the erased list (a key already there keeps its first
/// erasure); returns how many were new.
pub fn mark_erased(
    conn: &mut DbConn,
    keys: &[String],
    request_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut new = 0;
    for chunk in keys.chunks(CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|k| {
                (
                    erased_participants::key.eq(k),
                    erased_participants::erased_at.eq(at),
                    erased_participants::request_id.eq(request_id),
                )
            })
            .collect();
        new += crate::on_both!(&mut *conn, |c| diesel::insert_into(
            erased_participants::table
        )
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(c))?;
    }
    Ok(new)
}

/// The reports (live or deleted) holding any of participants `ids`, each
/// with how many of them it holds.
pub fn holding(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    let mut out: HashMap<i64, i64> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<i64> = event_participants::table
            .filter(event_participants::participant_id.eq_any(chunk))
            .select(event_participants::event_seq)
            .load(conn)?;
        for seq in rows {
            *out.entry(seq).or_default() += 1;
        }
    }
    Ok(out)
}

/// A report holding the person, as an access answer shows it.
#[derive(Debug, Clone, Queryable)]
pub struct HeldEvent {
    /// Real-event group.
    pub group_seq: i64,
    /// Public id.
    pub id: String,
    /// Reporting agency.
    pub agency_code: String,
    /// Kind.
    pub kind: String,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Deleted (UTC).
    pub deleted_at: Option<NaiveDateTime>,
    /// The unit's code.
    pub area_code: String,
    /// The unit's official name.
    pub area_name: String,
    /// The unit's first valid day.
    pub area_from: Option<NaiveDate>,
    /// The unit's last valid day.
    pub area_until: Option<NaiveDate>,
}

/// Reports `seqs` with their units, in date order.
pub fn held_events(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<HeldEvent>> {
    let mut out = Vec::new();
    for chunk in seqs.chunks(CHUNK) {
        out.extend(
            events::table
                .inner_join(areas::table)
                .filter(events::seq.eq_any(chunk))
                .select((
                    events::group_seq,
                    events::id,
                    events::agency_code,
                    events::kind,
                    events::start_date,
                    events::end_date,
                    events::deleted_at,
                    areas::code,
                    areas::name,
                    areas::valid_from,
                    areas::valid_until,
                ))
                .load::<HeldEvent>(conn)?,
        );
    }
    out.sort_by(|a, b| (a.start_date, &a.id).cmp(&(b.start_date, &b.id)));
    Ok(out)
}

/// Of unit `codes`, those another unit shares (their names carry dates).
pub fn shared_codes(conn: &mut DbConn, codes: &[String]) -> QueryResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in codes.chunks(CHUNK) {
        let rows: Vec<(String, i64)> = areas::table
            .filter(areas::code.eq_any(chunk))
            .group_by(areas::code)
            .select((areas::code, diesel::dsl::count_star()))
            .load(conn)?;
        out.extend(rows.into_iter().filter(|(_, n)| *n > 1).map(|(c, _)| c));
    }
    Ok(out)
}

/// Removes participants `ids` from every report, then the participants
/// themselves (their keys stay only on the erased list), and lowers each
/// report's stored identified count by what it lost (`held`). The update of
/// each report adds a row to the reach index's change log (its trigger):
/// every instance reloads those real events. Returns the links removed.
pub fn erase(conn: &mut DbConn, ids: &[i64], held: &HashMap<i64, i64>) -> QueryResult<usize> {
    let mut removed = 0;
    for chunk in ids.chunks(CHUNK) {
        removed += diesel::delete(
            event_participants::table.filter(event_participants::participant_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    let mut seqs: Vec<(i64, i64)> = held.iter().map(|(s, n)| (*s, *n)).collect();
    seqs.sort_unstable();
    for (seq, n) in seqs {
        diesel::update(events::table.filter(events::seq.eq(seq)))
            .set(events::participants_identified.eq(events::participants_identified - n))
            .execute(conn)?;
    }
    for chunk in ids.chunks(CHUNK) {
        diesel::delete(participants::table.filter(participants::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(removed)
}

/// Reports (live or deleted) that ended before `cutoff` and still hold
/// identified people: their `seq` and first day.
pub fn holding_before(conn: &mut DbConn, cutoff: NaiveDate) -> QueryResult<Vec<(i64, NaiveDate)>> {
    events::table
        .filter(events::end_date.lt(cutoff))
        .filter(events::participants_identified.gt(0))
        .select((events::seq, events::start_date))
        .order(events::seq)
        .load(conn)
}

/// Retention: takes every participant out of reports `seqs` (their stored
/// identified count set to 0, which adds each to the reach index's change
/// log), then forgets participants no report holds any more. Returns the
/// links removed.
pub fn forget_people_of(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<usize> {
    let mut removed = 0;
    for chunk in seqs.chunks(CHUNK) {
        removed += diesel::delete(
            event_participants::table.filter(event_participants::event_seq.eq_any(chunk)),
        )
        .execute(conn)?;
        diesel::update(events::table.filter(events::seq.eq_any(chunk)))
            .set(events::participants_identified.eq(0))
            .execute(conn)?;
    }
    if removed > 0 {
        diesel::delete(
            participants::table
                .filter(diesel::dsl::not(participants::id.eq_any(
                    event_participants::table.select(event_participants::participant_id),
                ))),
        )
        .execute(conn)?;
    }
    Ok(removed)
}

/// What the processing register counts, read in one place.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegisterCounts {
    /// Keyed identifiers held (people, one key per identifier).
    pub identifiers_held: i64,
    /// Live reports holding identified people.
    pub events_with_identifiers: i64,
    /// Identifiers on the erased list.
    pub erased: i64,
    /// Requests open.
    pub requests_open: i64,
    /// Requests open past their due date (`today`).
    pub requests_overdue: i64,
    /// Requests done.
    pub requests_done: i64,
    /// Breaches recorded.
    pub breaches: i64,
    /// Breaches not notified yet.
    pub breaches_open: i64,
}

/// The counts of the processing register, as of `today` (Vietnam).
pub fn register_counts(conn: &mut DbConn, today: NaiveDate) -> QueryResult<RegisterCounts> {
    use super::schema::privacy_breaches as breaches;
    let count = diesel::dsl::count_star();
    Ok(RegisterCounts {
        identifiers_held: participants::table.select(count).first(conn)?,
        events_with_identifiers: events::table
            .filter(events::deleted_at.is_null())
            .filter(events::participants_identified.gt(0))
            .select(count)
            .first(conn)?,
        erased: erased_participants::table.select(count).first(conn)?,
        requests_open: requests::table
            .filter(requests::status.eq("open"))
            .select(count)
            .first(conn)?,
        requests_overdue: requests::table
            .filter(requests::status.eq("open"))
            .filter(requests::due_date.lt(today))
            .select(count)
            .first(conn)?,
        requests_done: requests::table
            .filter(requests::status.eq("done"))
            .select(count)
            .first(conn)?,
        breaches: breaches::table.select(count).first(conn)?,
        breaches_open: breaches::table
            .filter(breaches::notified_at.is_null())
            .select(count)
            .first(conn)?,
    })
}

/// Live events holding identified people, by legal basis as stored (None:
/// not stated) and whether they hold children's data: (basis, children,
/// events).
pub fn events_by_legal_basis(conn: &mut DbConn) -> QueryResult<Vec<(Option<String>, bool, i64)>> {
    events::table
        .filter(events::deleted_at.is_null())
        .filter(events::participants_identified.gt(0))
        .group_by((events::legal_basis, events::holds_children))
        .select((
            events::legal_basis,
            events::holds_children,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}
