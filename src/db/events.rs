//! Event tables: the event row, its sets (topics, target groups,
//! co-organisers), and its pseudonymous participants.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    event_co_organizers, event_participants, event_target_groups, event_topics, events,
};
use crate::domain::ClaimStatus;

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    /// Join key.
    pub seq: i64,
    /// Public id.
    pub id: String,
    /// Reporting agency.
    pub agency_code: String,
    /// Agency's own id.
    pub external_id: String,
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Area unit.
    pub area_id: i64,
    /// People present.
    pub attendance_total: i64,
    /// Women present.
    pub attendance_female: Option<i64>,
    /// Men present.
    pub attendance_male: Option<i64>,
    /// Under-18s present.
    pub attendance_under_18: Option<i64>,
    /// Distinct identified participants.
    pub participants_identified: i64,
    /// Content hash.
    pub content_hash: String,
    /// Real-event group.
    pub group_seq: i64,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
    /// Deleted.
    pub deleted_at: Option<NaiveDateTime>,
    /// Why deleted.
    pub delete_reason: Option<String>,
    /// Sessions covered.
    pub sessions: i64,
    /// Distinct people the agency counted itself.
    pub declared_people: Option<i64>,
    /// A mass-media record's estimated audience.
    pub audience_estimate: Option<i64>,
    /// How the audience was estimated.
    pub audience_basis: Option<String>,
    /// The legal basis of its identifiers (None: not stated).
    pub legal_basis: Option<String>,
    /// The law providing for collecting them.
    pub legal_reference: Option<String>,
    /// Who consented.
    pub consent_by: Option<String>,
    /// Whether student ids were sent.
    pub holds_children: bool,
}

impl EventRow {
    /// The row [`insert_many`] stores for a new event: its seq, its own
    /// real-event group, and nothing deleted.
    pub fn inserted(seq: i64, identity: &EventIdentity, values: &EventValues) -> Self {
        EventRow {
            seq,
            id: identity.id.clone(),
            agency_code: identity.agency_code.clone(),
            external_id: identity.external_id.clone(),
            kind: values.kind.clone(),
            title: values.title.clone(),
            description: values.description.clone(),
            start_date: values.start_date,
            end_date: values.end_date,
            area_id: values.area_id,
            attendance_total: values.attendance_total,
            attendance_female: values.attendance_female,
            attendance_male: values.attendance_male,
            attendance_under_18: values.attendance_under_18,
            participants_identified: values.participants_identified,
            content_hash: values.content_hash.clone(),
            group_seq: seq,
            version: identity.version,
            created_at: identity.created_at,
            updated_at: identity.updated_at,
            deleted_at: None,
            delete_reason: None,
            sessions: values.sessions,
            declared_people: values.declared_people,
            audience_estimate: values.audience_estimate,
            audience_basis: values.audience_basis.clone(),
            legal_basis: values.legal_basis.clone(),
            legal_reference: values.legal_reference.clone(),
            consent_by: values.consent_by.clone(),
            holds_children: values.holds_children,
        }
    }
}

/// The writable columns of an event.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct EventValues {
    /// Kind.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Area unit.
    pub area_id: i64,
    /// People present.
    pub attendance_total: i64,
    /// Women present.
    pub attendance_female: Option<i64>,
    /// Men present.
    pub attendance_male: Option<i64>,
    /// Under-18s present.
    pub attendance_under_18: Option<i64>,
    /// Distinct identified participants.
    pub participants_identified: i64,
    /// Content hash.
    pub content_hash: String,
    /// Sessions covered.
    pub sessions: i64,
    /// Distinct people the agency counted itself.
    pub declared_people: Option<i64>,
    /// A mass-media record's estimated audience.
    pub audience_estimate: Option<i64>,
    /// How the audience was estimated.
    pub audience_basis: Option<String>,
    /// The legal basis of its identifiers (None: not stated).
    pub legal_basis: Option<String>,
    /// The law providing for collecting them.
    pub legal_reference: Option<String>,
    /// Who consented.
    pub consent_by: Option<String>,
    /// Whether student ids were sent.
    pub holds_children: bool,
}

/// Columns set only when an event is created.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct EventIdentity {
    /// Public id.
    pub id: String,
    /// Reporting agency.
    pub agency_code: String,
    /// Agency's own id.
    pub external_id: String,
    /// Real-event group (temporary 0; set to seq right after insert).
    pub group_seq: i64,
    /// Version 1.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Updated.
    pub updated_at: NaiveDateTime,
}

/// The sets that belong to an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSets {
    /// Topic names.
    pub topics: Vec<String>,
    /// Target group names.
    pub target_groups: Vec<String>,
    /// Co-organising agencies named on the event, with their answers.
    pub co_organizers: Vec<CoOrganizer>,
}

/// A co-organiser named on an event and its answer to that claim.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CoOrganizer {
    /// The named agency.
    pub agency_code: String,
    /// `pending`, `confirmed` or `declined` (a `ClaimStatus` wire name).
    pub status: String,
    /// When it answered.
    pub decided_at: Option<NaiveDateTime>,
}

/// Reads events with `read`, then on PostgreSQL locks their rows until the
/// transaction ends (`FOR UPDATE`, in `seq` order) and reads them again, so a
/// read-check-write sees the latest committed version and no other writer
/// can change the rows before it commits: two `PUT`s with the same
/// `If-Match` cannot both succeed, and a stale `PUT` cannot undo a delete.
/// SQLite needs only the one read: `BEGIN IMMEDIATE` already serialises
/// writers.
pub fn read_locked(
    conn: &mut DbConn,
    read: impl Fn(&mut DbConn) -> QueryResult<Vec<EventRow>>,
) -> QueryResult<Vec<EventRow>> {
    let rows = read(conn)?;
    let DbConn::Pg(pg) = conn else {
        return Ok(rows);
    };
    if rows.is_empty() {
        return Ok(rows);
    }
    let mut seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    seqs.sort_unstable();
    for chunk in seqs.chunks(500) {
        events::table
            .filter(events::seq.eq_any(chunk))
            .order(events::seq)
            .select(events::seq)
            .for_update()
            .load::<i64>(pg)?;
    }
    read(conn)
}

/// An event by agency and external id (deleted ones included).
pub fn by_external(
    conn: &mut DbConn,
    agency: &str,
    external_id: &str,
) -> QueryResult<Option<EventRow>> {
    events::table
        .filter(events::agency_code.eq(agency))
        .filter(events::external_id.eq(external_id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// Events of an agency with any of these external ids.
pub fn by_externals(
    conn: &mut DbConn,
    agency: &str,
    external_ids: &[String],
) -> QueryResult<Vec<EventRow>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(500) {
        out.extend(
            events::table
                .filter(events::agency_code.eq(agency))
                .filter(events::external_id.eq_any(chunk))
                .select(EventRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// An event by public id.
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<EventRow>> {
    events::table
        .filter(events::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// An event by public id that must exist (a re-read after a write in the
/// same transaction); `NotFound` otherwise.
pub fn by_id_required(conn: &mut DbConn, id: &str) -> QueryResult<EventRow> {
    events::table
        .filter(events::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
}

/// Public ids of events by seq, sorted.
pub fn ids_by_seq(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<String>> {
    let mut ids: Vec<String> = events::table
        .filter(events::seq.eq_any(seqs))
        .select(events::id)
        .load(conn)?;
    ids.sort();
    Ok(ids)
}

/// Events by seq, in seq order.
pub fn by_seqs(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<Vec<EventRow>> {
    let mut out = Vec::with_capacity(seqs.len());
    for chunk in seqs.chunks(500) {
        out.extend(
            events::table
                .filter(events::seq.eq_any(chunk))
                .select(EventRow::as_select())
                .order(events::seq)
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Inserts new events set-wise (one multi-row INSERT and one UPDATE per 500
/// events) and returns their seqs in input order; each is its own real-event group.
pub fn insert_many(
    conn: &mut DbConn,
    rows: &[(&EventIdentity, &EventValues)],
) -> QueryResult<Vec<i64>> {
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(500) {
        let values: Vec<_> = chunk.iter().map(|(i, v)| (*i, *v)).collect();
        let got: Vec<(String, i64)> =
            crate::on_both!(&mut *conn, |c| diesel::insert_into(events::table)
                .values(values)
                .returning((events::id, events::seq))
                .get_results(c))?;
        let by_id: HashMap<String, i64> = got.into_iter().collect();
        let seqs = chunk
            .iter()
            .map(|(i, _)| {
                by_id
                    .get(&i.id)
                    .copied()
                    .ok_or(diesel::result::Error::NotFound)
            })
            .collect::<QueryResult<Vec<i64>>>()?;
        diesel::update(events::table.filter(events::seq.eq_any(&seqs)))
            .set(events::group_seq.eq(events::seq))
            .execute(conn)?;
        out.extend(seqs);
    }
    Ok(out)
}

/// Replaces an event's values, bumping its version; un-deletes it.
pub fn update(
    conn: &mut DbConn,
    seq: i64,
    values: &EventValues,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(events::table.filter(events::seq.eq(seq)))
        .set((
            values,
            events::version.eq(events::version + 1),
            events::updated_at.eq(now),
            events::deleted_at.eq(None::<NaiveDateTime>),
            events::delete_reason.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Soft-deletes an event.
pub fn soft_delete(
    conn: &mut DbConn,
    seq: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(events::table.filter(events::seq.eq(seq)))
        .set((
            events::deleted_at.eq(Some(now)),
            events::delete_reason.eq(Some(reason)),
            events::version.eq(events::version + 1),
            events::updated_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Replaces an event's sets and participants.
pub fn replace_children(
    conn: &mut DbConn,
    seq: i64,
    sets: &EventSets,
    participant_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(event_topics::table.filter(event_topics::event_seq.eq(seq))).execute(conn)?;
    diesel::delete(event_target_groups::table.filter(event_target_groups::event_seq.eq(seq)))
        .execute(conn)?;
    diesel::delete(event_co_organizers::table.filter(event_co_organizers::event_seq.eq(seq)))
        .execute(conn)?;
    diesel::delete(event_participants::table.filter(event_participants::event_seq.eq(seq)))
        .execute(conn)?;
    insert_children(conn, &[(seq, sets, participant_ids)])
}

/// Inserts `(event_seq, value)` pairs into a child table in chunks of
/// multi-row INSERTs (one statement per chunk, not per row).
macro_rules! insert_pairs {
    ($conn:expr, $table:ident, $col:ident, $pairs:expr, $chunk:expr) => {{
        let rows: Vec<_> = $pairs
            .map(|(seq, v)| ($table::event_seq.eq(seq), $table::$col.eq(v)))
            .collect();
        for chunk in rows.chunks($chunk) {
            crate::on_both!(&mut *$conn, |c| diesel::insert_into($table::table)
                .values(chunk)
                .execute(c))?;
        }
    }};
}

/// Inserts sets and participant links for several new events, in sets.
pub fn insert_children(conn: &mut DbConn, items: &[(i64, &EventSets, &[i64])]) -> QueryResult<()> {
    let each = |f: fn(&EventSets) -> &Vec<String>| {
        items
            .iter()
            .flat_map(move |(seq, s, _)| f(s).iter().map(move |v| (*seq, v)))
    };
    insert_pairs!(conn, event_topics, topic, each(|s| &s.topics), 1000);
    insert_pairs!(
        conn,
        event_target_groups,
        target_group,
        each(|s| &s.target_groups),
        1000
    );
    let claims: Vec<_> = items
        .iter()
        .flat_map(|(seq, s, _)| {
            s.co_organizers.iter().map(move |c| {
                (
                    event_co_organizers::event_seq.eq(*seq),
                    event_co_organizers::agency_code.eq(&c.agency_code),
                    event_co_organizers::status.eq(&c.status),
                    event_co_organizers::decided_at.eq(c.decided_at),
                )
            })
        })
        .collect();
    for chunk in claims.chunks(500) {
        crate::on_both!(&mut *conn, |c| diesel::insert_into(
            event_co_organizers::table
        )
        .values(chunk)
        .execute(c))?;
    }
    let parts = items
        .iter()
        .flat_map(|(seq, _, ids)| ids.iter().map(move |p| (*seq, *p)));
    insert_pairs!(conn, event_participants, participant_id, parts, 5000);
    Ok(())
}

/// An event's participant ids, in ascending order.
pub fn participant_ids_of(conn: &mut DbConn, seq: i64) -> QueryResult<Vec<i64>> {
    event_participants::table
        .filter(event_participants::event_seq.eq(seq))
        .select(event_participants::participant_id)
        .order(event_participants::participant_id)
        .load(conn)
}

/// The keys of one event's participants.
pub fn participant_keys_of(conn: &mut DbConn, seq: i64) -> QueryResult<Vec<String>> {
    use super::schema::participants;
    event_participants::table
        .inner_join(participants::table)
        .filter(event_participants::event_seq.eq(seq))
        .select(participants::key)
        .load(conn)
}

/// The keys of several events' participants, by event seq.
pub fn participant_keys_of_many(
    conn: &mut DbConn,
    seqs: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    use super::schema::participants;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in seqs.chunks(2000) {
        let rows: Vec<(i64, String)> = event_participants::table
            .inner_join(participants::table)
            .filter(event_participants::event_seq.eq_any(chunk))
            .select((event_participants::event_seq, participants::key))
            .load(conn)?;
        for (seq, key) in rows {
            out.entry(seq).or_default().push(key);
        }
    }
    Ok(out)
}

/// Sets of several events.
pub fn sets_of(conn: &mut DbConn, seqs: &[i64]) -> QueryResult<HashMap<i64, EventSets>> {
    let mut out: HashMap<i64, EventSets> =
        seqs.iter().map(|s| (*s, EventSets::default())).collect();
    for chunk in seqs.chunks(500) {
        let t: Vec<(i64, String)> = event_topics::table
            .filter(event_topics::event_seq.eq_any(chunk))
            .select((event_topics::event_seq, event_topics::topic))
            .order((event_topics::event_seq, event_topics::topic))
            .load(conn)?;
        for (s, v) in t {
            out.entry(s).or_default().topics.push(v);
        }
        let g: Vec<(i64, String)> = event_target_groups::table
            .filter(event_target_groups::event_seq.eq_any(chunk))
            .select((
                event_target_groups::event_seq,
                event_target_groups::target_group,
            ))
            .order((
                event_target_groups::event_seq,
                event_target_groups::target_group,
            ))
            .load(conn)?;
        for (s, v) in g {
            out.entry(s).or_default().target_groups.push(v);
        }
        let c: Vec<(i64, String, String, Option<NaiveDateTime>)> = event_co_organizers::table
            .filter(event_co_organizers::event_seq.eq_any(chunk))
            .select((
                event_co_organizers::event_seq,
                event_co_organizers::agency_code,
                event_co_organizers::status,
                event_co_organizers::decided_at,
            ))
            .order((
                event_co_organizers::event_seq,
                event_co_organizers::agency_code,
            ))
            .load(conn)?;
        for (s, agency_code, status, decided_at) in c {
            out.entry(s).or_default().co_organizers.push(CoOrganizer {
                agency_code,
                status,
                decided_at,
            });
        }
    }
    // Byte order, whatever the database's collation: the same order as views
    // built in memory from a request, and the order candidates' shared
    // topics are listed in.
    for sets in out.values_mut() {
        sets.topics.sort();
        sets.target_groups.sort();
        sets.co_organizers.sort();
    }
    Ok(out)
}

/// Filters for listing events.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events reported or co-organised by this agency (agency tokens).
    pub visible_to: Option<String>,
    /// Reporting agency is one of these.
    pub agencies: Vec<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Has this topic.
    pub topic: Option<String>,
    /// Has this target group.
    pub target_group: Option<String>,
    /// Area unit ids (the unit and everything below it).
    pub area_ids: Option<Vec<i64>>,
    /// start_date >= from.
    pub from: Option<NaiveDate>,
    /// start_date <= to.
    pub to: Option<NaiveDate>,
    /// updated_at >= this.
    pub updated_since: Option<NaiveDateTime>,
    /// Include soft-deleted events.
    pub include_deleted: bool,
    /// Resume after (updated_at, seq).
    pub after: Option<(NaiveDateTime, i64)>,
}

/// Events matching the filter in (updated_at, seq) order, at most `limit`.
pub fn list(conn: &mut DbConn, f: &EventFilter, limit: i64) -> QueryResult<Vec<EventRow>> {
    let mut q = events::table.select(EventRow::as_select()).into_boxed();
    if let Some(a) = &f.visible_to {
        // Its own events (deleted ones too, when asked), and live events it
        // confirmed co-organising: what `GET /events/{id}` would show it.
        let co = event_co_organizers::table
            .filter(event_co_organizers::agency_code.eq(a.clone()))
            .filter(event_co_organizers::status.eq(ClaimStatus::Confirmed.as_str()))
            .select(event_co_organizers::event_seq);
        q = q.filter(
            events::agency_code
                .eq(a.clone())
                .or(events::seq.eq_any(co).and(events::deleted_at.is_null())),
        );
    }
    if !f.agencies.is_empty() {
        q = q.filter(events::agency_code.eq_any(f.agencies.clone()));
    }
    if let Some(k) = &f.kind {
        q = q.filter(events::kind.eq(k.clone()));
    }
    if let Some(t) = &f.topic {
        let sub = event_topics::table
            .filter(event_topics::topic.eq(t.clone()))
            .select(event_topics::event_seq);
        q = q.filter(events::seq.eq_any(sub));
    }
    if let Some(g) = &f.target_group {
        let sub = event_target_groups::table
            .filter(event_target_groups::target_group.eq(g.clone()))
            .select(event_target_groups::event_seq);
        q = q.filter(events::seq.eq_any(sub));
    }
    if let Some(ids) = &f.area_ids {
        q = q.filter(events::area_id.eq_any(super::areas::ids_at_or_below(ids)));
    }
    if let Some(from) = f.from {
        q = q.filter(events::start_date.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(events::start_date.le(to));
    }
    if let Some(t) = f.updated_since {
        q = q.filter(events::updated_at.ge(t));
    }
    if !f.include_deleted {
        q = q.filter(events::deleted_at.is_null());
    }
    if let Some((t, seq)) = f.after {
        q = q.filter(
            events::updated_at
                .gt(t)
                .or(events::updated_at.eq(t).and(events::seq.gt(seq))),
        );
    }
    q.order((events::updated_at, events::seq))
        .limit(limit)
        .load(conn)
}
