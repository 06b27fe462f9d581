//! Single writes: create (POST), upsert (PUT by external id) and replace
//! (PUT by id), and the pieces a batch shares with them: what to do with an
//! existing event ([`decide`]), storing one event, inserting new ones
//! set-wise, and the retry after a lost race. Soft deletion is
//! [`super::delete`].

use crate::domain::Versions;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use super::claims::{ClaimQuota, new_names, next_claims};
use super::groups::in_write_tx;
use super::input::{EventBody, ValidEvent, validate_body};
use super::refs::resolve_refs;
use super::view::{EventOut, Writer, view};
use crate::audit::{self, Actor};
use crate::db::events::{
    self as table, CoOrganizer, EventIdentity, EventRow, EventSets, EventValues,
};
use crate::db::{DbConn, participants, privacy};
use crate::domain::Pseudonymizer;
use crate::error::ApiError;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new event was stored.
    Created,
    /// An existing event was replaced.
    Updated,
    /// The same content was already stored; nothing changed.
    Unchanged,
}

/// How a write treats an existing event with the same external id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Existing with the same content: unchanged; with other content: 409.
    Create,
    /// Existing: replaced; deleted: 409 (a sync does not undo a deletion
    /// a person made).
    Upsert,
    /// As `Upsert`, and a deleted event is restored (`restore=true`).
    Restore,
}

impl Mode {
    /// The `mode` query parameter of a batch (`create`, the default, or
    /// `upsert`) with its `restore` flag (upsert only).
    pub fn from_param(mode: Option<&str>, restore: bool) -> Result<Self, ApiError> {
        match (mode, restore) {
            (None | Some("create"), false) => Ok(Mode::Create),
            (Some("upsert"), false) => Ok(Mode::Upsert),
            (Some("upsert"), true) => Ok(Mode::Restore),
            (None | Some("create"), true) => Err(ApiError::field(
                "restore",
                "restores a deleted event by replacing it: use it with mode=upsert",
            )),
            _ => Err(ApiError::field("mode", "must be create or upsert")),
        }
    }
}

/// What a write does to the stored event with the same external id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// Live with the same content: nothing to write (200 unchanged).
    Unchanged,
    /// Other content in create mode: 409.
    Conflict,
    /// Deleted, and the write does not say `restore=true`: 409 naming the
    /// deletion.
    Deleted,
    /// Other content in upsert mode, or deleted with `restore=true`:
    /// replace it.
    Replace,
}

/// The one rule for an existing event: a deleted one is restored only when
/// the write says so; the same content hash on a live event is unchanged;
/// otherwise create mode conflicts and upsert replaces.
pub(super) fn decide(old: &EventRow, content_hash: &str, mode: Mode) -> Decision {
    if old.deleted_at.is_some() {
        if mode == Mode::Restore {
            Decision::Replace
        } else {
            Decision::Deleted
        }
    } else if old.content_hash == content_hash {
        Decision::Unchanged
    } else if mode == Mode::Create {
        Decision::Conflict
    } else {
        Decision::Replace
    }
}

/// Why a write may not bring back a deleted event: when, why and by whom
/// it was deleted, and how to restore it (the detail of its conflict).
pub(super) fn deleted_detail(conn: &mut DbConn, old: &EventRow) -> Result<String, ApiError> {
    let by = crate::db::audit::last_actor(conn, "event", &old.id, "delete")?
        .map(|(role, agency, jti)| {
            let who = match agency {
                Some(a) => format!("{a} ({role})"),
                None => role,
            };
            jti.map_or(who.clone(), |j| format!("{who}, token {j}"))
        })
        .unwrap_or_else(|| "unknown".into());
    Ok(format!(
        "external_id {} names event {}, deleted on {} by {by}: {}; send it with restore=true (mode=upsert) to restore it",
        old.external_id,
        old.id,
        old.deleted_at
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        old.delete_reason.as_deref().unwrap_or("no reason recorded"),
    ))
}

/// Runs `f` in a write transaction ([`in_write_tx`]). A concurrent insert of the same
/// external id fails it on the unique constraint (a conflict without an
/// existing id): it is retried once, and then sees the winner.
pub(super) fn retry_lost_race<T>(
    conn: &mut DbConn,
    mut f: impl FnMut(&mut DbConn) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    match in_write_tx(conn, &mut f) {
        Err(ApiError::Conflict {
            existing_id: None, ..
        }) => in_write_tx(conn, f),
        other => other,
    }
}

/// The writable columns of a validated event in unit `area_id`.
fn values_of(v: &ValidEvent, area_id: i64) -> Result<EventValues, ApiError> {
    Ok(EventValues {
        kind: v.kind.as_str().into(),
        title: v.title.clone(),
        description: v.description.clone(),
        start_date: v.start_date,
        end_date: v.end_date,
        area_id,
        attendance_total: v.attendance.as_ref().and_then(|a| a.total).unwrap_or(0),
        attendance_female: v.attendance.as_ref().and_then(|a| a.female),
        attendance_male: v.attendance.as_ref().and_then(|a| a.male),
        attendance_under_18: v.attendance.as_ref().and_then(|a| a.under_18),
        participants_identified: v.participant_keys.len() as i64,
        content_hash: v.content_hash()?,
        sessions: v.sessions,
        declared_people: v.attendance.as_ref().and_then(|a| a.declared_people),
        audience_estimate: v.audience.as_ref().and_then(|a| a.estimate),
        audience_basis: v.audience.as_ref().and_then(|a| a.basis.clone()),
        legal_basis: v.legal_basis.map(|b| b.as_str().to_string()),
        legal_reference: v.legal_reference.clone(),
        consent_by: v.consent_by.map(|c| c.as_str().to_string()),
        holds_children: v.holds_children,
    })
}

/// The sets a validated event stores, with its co-organiser claims.
fn sets_of(v: &ValidEvent, co_organizers: Vec<CoOrganizer>) -> EventSets {
    EventSets {
        topics: v.topics.iter().map(|t| t.as_str().to_string()).collect(),
        target_groups: v
            .target_groups
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        co_organizers,
    }
}

/// Whether a replacement changes the figures a co-organiser or a linked
/// agency agreed to: the people, the headcounts (declared people among
/// them), the sessions, the audience, the dates, the place, the kind, the
/// topics or the target groups (each moves the event between rows).
fn figures_changed(
    old: &EventRow,
    new: &EventValues,
    old_sets: &EventSets,
    new_sets: &EventSets,
    old_people: &[i64],
    new_people: &[i64],
) -> bool {
    let mut new_people = new_people.to_vec();
    new_people.sort_unstable();
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    old.kind != new.kind
        || sorted(&old_sets.topics) != sorted(&new_sets.topics)
        || sorted(&old_sets.target_groups) != sorted(&new_sets.target_groups)
        || old.start_date != new.start_date
        || old.end_date != new.end_date
        || old.area_id != new.area_id
        || old.attendance_total != new.attendance_total
        || old.attendance_female != new.attendance_female
        || old.attendance_male != new.attendance_male
        || old.attendance_under_18 != new.attendance_under_18
        || old.sessions != new.sessions
        || old.declared_people != new.declared_people
        || old.audience_estimate != new.audience_estimate
        || old.audience_basis != new.audience_basis
        || old_people != new_people.as_slice()
}

/// The keys of `sent` that are not on the erased list, and how many were
/// (people who asked to be erased: a write never brings them back).
fn without_erased(
    conn: &mut DbConn,
    sent: &BTreeSet<String>,
) -> Result<(BTreeSet<String>, usize), ApiError> {
    let erased = privacy::erased_among(conn, sent)?;
    let kept = not_erased(sent, &erased);
    let dropped = sent.len() - kept.len();
    Ok((kept, dropped))
}

/// The keys of `sent` not in `erased`.
fn not_erased(
    sent: &BTreeSet<String>,
    erased: &std::collections::HashSet<String>,
) -> BTreeSet<String> {
    sent.iter()
        .filter(|k| !erased.contains(*k))
        .cloned()
        .collect()
}

fn participant_ids(conn: &mut DbConn, keys: &BTreeSet<String>) -> Result<Vec<i64>, ApiError> {
    let keys_vec: Vec<String> = keys.iter().cloned().collect();
    ids_of(&participants::ids(conn, &keys_vec)?, keys)
}

/// The ids of `keys` in a key-to-id map that must hold every one of them.
fn ids_of(map: &HashMap<String, i64>, keys: &BTreeSet<String>) -> Result<Vec<i64>, ApiError> {
    keys.iter()
        .map(|k| {
            map.get(k)
                .copied()
                .ok_or_else(|| ApiError::internal("participant key vanished"))
        })
        .collect()
}

/// The content hash to compare with `old`'s: what was sent, or, when some
/// of the people sent are erased and that differs, what was stored (the
/// sent content without them). A re-sent event whose stored hash was
/// recomputed from what is stored (a key rotation cannot see erased keys)
/// stays unchanged.
fn stored_hash(
    old: &EventRow,
    v: &ValidEvent,
    values: &EventValues,
    kept: &BTreeSet<String>,
    erased: usize,
) -> Result<String, ApiError> {
    if erased == 0 || old.content_hash == values.content_hash {
        return Ok(values.content_hash.clone());
    }
    let stored = ValidEvent {
        participant_keys: kept.clone(),
        ..v.clone()
    }
    .content_hash()?;
    Ok(if stored == old.content_hash {
        stored
    } else {
        values.content_hash.clone()
    })
}

/// Stores one validated event for `agency` (inside a transaction), deciding
/// between create, replace and unchanged. `if_match` is the version the
/// caller expects to replace, when it sent `If-Match`.
#[expect(
    clippy::too_many_arguments,
    reason = "the write's context, each part distinct"
)]
pub(super) fn store(
    conn: &mut DbConn,
    actor: &Actor,
    agency: &str,
    v: &ValidEvent,
    area_id: i64,
    existing: Option<EventRow>,
    mode: Mode,
    if_match: Option<&Versions>,
    quota: &mut ClaimQuota,
) -> Result<(Outcome, EventOut), ApiError> {
    crate::key_epoch::check(conn, v.key_epoch, !v.participant_keys.is_empty())?;
    let now = crate::db::now();
    let mut values = values_of(v, area_id)?;
    match existing {
        Some(old) => {
            // The content hash is of what was sent; the people stored are
            // those not erased (ARCHITECTURE.md, "Erasure").
            let (kept, erased) = without_erased(conn, &v.participant_keys)?;
            values.participants_identified = kept.len() as i64;
            if let Some(expected) = if_match
                && !expected.matches(old.version)
            {
                return Err(ApiError::PreconditionFailed(format!(
                    "the event is at version {}, not {}",
                    old.version,
                    expected.describe()
                )));
            }
            match decide(&old, &stored_hash(&old, v, &values, &kept, erased)?, mode) {
                Decision::Unchanged => {
                    let mut out = view(conn, old)?;
                    out.erased_participants = erased;
                    return Ok((Outcome::Unchanged, out));
                }
                Decision::Deleted => {
                    return Err(ApiError::Conflict {
                        detail: deleted_detail(conn, &old)?,
                        existing_id: Some(old.id),
                    });
                }
                Decision::Conflict => {
                    return Err(ApiError::Conflict {
                        detail: format!(
                            "external_id {} already names event {} with different content; use PUT to replace it",
                            v.external_id, old.id
                        ),
                        existing_id: Some(old.id),
                    });
                }
                Decision::Replace => {}
            }
            crate::periods::guard(conn, &[old.group_seq], &[old.start_date, v.start_date])?;
            let before = view(conn, old.clone())?;
            let ids = participant_ids(conn, &kept)?;
            let old_ids = table::participant_ids_of(conn, old.seq)?;
            let old_sets = table::sets_of(conn, &[old.seq])?
                .remove(&old.seq)
                .unwrap_or_default();
            let new_sets = sets_of(v, Vec::new());
            let changed = figures_changed(&old, &values, &old_sets, &new_sets, &old_ids, &ids);
            let previous = old_sets.co_organizers;
            // A new name is a new party to the real event: the agencies
            // linked with this report are asked again, as for new figures.
            let new_party = !new_names(&v.co_organizers, &previous).is_empty();
            quota.take(conn, agency, &v.co_organizers, &previous)?;
            let claims = next_claims(
                &v.co_organizers,
                &previous,
                changed,
                actor.speaks_for_every_agency(),
                now,
            );
            table::update(conn, old.seq, &values, now)?;
            table::replace_children(conn, old.seq, &sets_of(v, claims), &ids)?;
            if changed || new_party {
                super::groups::figures_changed(conn, actor, &old)?;
            }
            let row = table::by_id_required(conn, &old.id)?;
            let after = view(conn, row.clone())?;
            audit::record(
                conn,
                actor,
                "update",
                "event",
                &row.id,
                Some(&before),
                Some(&after),
            )?;
            Ok((
                Outcome::Updated,
                EventOut {
                    erased_participants: erased,
                    ..after
                },
            ))
        }
        None => {
            if if_match.is_some() {
                return Err(ApiError::PreconditionFailed(
                    "the event does not exist yet".into(),
                ));
            }
            crate::periods::guard(conn, &[], &[v.start_date])?;
            quota.take(conn, agency, &v.co_organizers, &[])?;
            let new = Fresh::new(v, agency, area_id, now)?;
            let out = create_many(conn, actor, std::slice::from_ref(&new))?;
            Ok((
                Outcome::Created,
                out.into_iter()
                    .next()
                    .ok_or_else(|| ApiError::internal("inserting one event gave no view"))?,
            ))
        }
    }
}

/// A new event ready to insert.
pub(super) struct Fresh<'a> {
    v: &'a ValidEvent,
    identity: EventIdentity,
    values: EventValues,
    sets: EventSets,
}

impl<'a> Fresh<'a> {
    /// A new event with a new public id (UUID v4).
    pub(super) fn new(
        v: &'a ValidEvent,
        agency: &str,
        area_id: i64,
        now: chrono::NaiveDateTime,
    ) -> Result<Self, ApiError> {
        Ok(Fresh {
            v,
            identity: EventIdentity {
                id: uuid::Uuid::new_v4().to_string(),
                agency_code: agency.to_string(),
                external_id: v.external_id.clone(),
                group_seq: 0,
                version: 1,
                created_at: now,
                updated_at: now,
            },
            values: values_of(v, area_id)?,
            // Only agencies create events: every claim starts pending.
            sets: sets_of(v, next_claims(&v.co_organizers, &[], false, false, now)),
        })
    }

    /// The new event's public id.
    pub(super) fn id(&self) -> &str {
        &self.identity.id
    }
}

/// Inserts new events set-wise, inside the caller's transaction: a few
/// statements per 500 events (rows, participants, sets, audit records)
/// rather than a dozen per event. Returns their views in order, built in
/// memory: what [`super::view::views`] would read back.
pub(super) fn create_many(
    conn: &mut DbConn,
    actor: &Actor,
    fresh: &[Fresh<'_>],
) -> Result<Vec<EventOut>, ApiError> {
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let epochs: BTreeSet<usize> = fresh
        .iter()
        .filter(|f| !f.v.participant_keys.is_empty())
        .map(|f| f.v.key_epoch)
        .collect();
    for epoch in epochs {
        crate::key_epoch::check(conn, epoch, true)?;
    }
    let sent: BTreeSet<&String> = fresh
        .iter()
        .flat_map(|f| f.v.participant_keys.iter())
        .collect();
    // People who asked to be erased are left out (and counted in the answer).
    let erased = privacy::erased_among(conn, sent.iter().copied())?;
    let kept: Vec<BTreeSet<String>> = fresh
        .iter()
        .map(|f| not_erased(&f.v.participant_keys, &erased))
        .collect();
    let values: Vec<EventValues> = fresh
        .iter()
        .zip(&kept)
        .map(|(f, k)| EventValues {
            participants_identified: k.len() as i64,
            ..f.values.clone()
        })
        .collect();
    let rows: Vec<(&EventIdentity, &EventValues)> = fresh
        .iter()
        .zip(&values)
        .map(|(f, v)| (&f.identity, v))
        .collect();
    let seqs = table::insert_many(conn, &rows)?;
    let keys: Vec<String> = sent
        .into_iter()
        .filter(|k| !erased.contains(*k))
        .cloned()
        .collect();
    let ids = participants::ids(conn, &keys)?;
    let per_event = kept
        .iter()
        .map(|k| ids_of(&ids, k))
        .collect::<Result<Vec<_>, _>>()?;
    let children: Vec<(i64, &EventSets, &[i64])> = fresh
        .iter()
        .zip(&seqs)
        .zip(&per_event)
        .map(|((f, seq), p)| (*seq, &f.sets, p.as_slice()))
        .collect();
    table::insert_children(conn, &children)?;
    let mut views: Vec<EventOut> = fresh
        .iter()
        .zip(&seqs)
        .zip(&values)
        .map(|((f, seq), values)| {
            EventOut::new(
                EventRow::inserted(*seq, &f.identity, values),
                f.sets.clone(),
                f.v.area_code.clone(),
            )
        })
        .collect::<Result<_, _>>()?;
    let records: Vec<(&str, &EventOut)> = views.iter().map(|v| (v.id.as_str(), v)).collect();
    audit::record_created(conn, actor, "event", &records)?;
    for ((view, f), k) in views.iter_mut().zip(fresh).zip(&kept) {
        view.erased_participants = f.v.participant_keys.len() - k.len();
    }
    Ok(views)
}

/// What a write expects of the stored event with its external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Nothing: create it, or (upsert) replace whatever is stored.
    Nothing,
    /// One of those versions (`If-Match: "7"` or a list): 412 otherwise,
    /// or when there is none.
    Version(Versions),
    /// Any stored version (`If-Match: *`): 412 when there is none.
    Existing,
    /// None stored (`If-None-Match: *`): create only, 412 when one is.
    Absent,
}

/// Writes one validated event: POST (`Mode::Create`) or PUT by external id
/// (`Mode::Upsert`). The precondition is checked against the row read and
/// locked in the write's own transaction. A concurrent insert of the same
/// external id is caught by the unique constraint and the write is retried
/// once against the winner.
pub fn write_one(
    conn: &mut DbConn,
    actor: &Actor,
    agency: &str,
    v: &ValidEvent,
    mode: Mode,
    expected: Expected,
) -> Result<(Outcome, EventOut), ApiError> {
    retry_lost_race(conn, |conn| {
        let area_id = resolve_refs(conn, v)?;
        let existing = table::read_locked(conn, |c| {
            Ok(table::by_external(c, agency, &v.external_id)?
                .into_iter()
                .collect())
        })?
        .into_iter()
        .next();
        let if_match = match (expected.clone(), &existing) {
            (Expected::Nothing, _) => None,
            (Expected::Version(versions), _) => Some(versions),
            (Expected::Existing, Some(row)) => Some(Versions::one(row.version)),
            (Expected::Existing, None) => {
                return Err(ApiError::PreconditionFailed(
                    "If-Match: * but the event does not exist".into(),
                ));
            }
            (Expected::Absent, None) => None,
            (Expected::Absent, Some(row)) => {
                return Err(ApiError::PreconditionFailed(format!(
                    "If-None-Match: * but event {} is stored under this external_id",
                    row.id
                )));
            }
        };
        let mut quota = ClaimQuota::new(actor);
        store(
            conn,
            actor,
            agency,
            v,
            area_id,
            existing,
            mode,
            if_match.as_ref(),
            &mut quota,
        )
    })
}

/// Replaces an event by public id (`PUT /events/{id}`), owner or admin
/// only. `if_match` is the version the caller replaces; `None` (`If-Match: *`)
/// takes whatever version is stored.
pub fn replace_by_id(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    writer: Writer<'_>,
    id: &str,
    input: &EventBody,
    if_match: Option<Versions>,
) -> Result<(Outcome, EventOut), ApiError> {
    in_write_tx(conn, |conn| {
        let existing = writable(conn, writer, id)?;
        let v = validate_body(input, &existing.agency_code, pseudonymizer, "")
            .map_err(ApiError::validation)?;
        if v.external_id != existing.external_id {
            return Err(ApiError::field(
                "external_id",
                "cannot change; it must equal the stored external_id",
            ));
        }
        store_replacement(conn, actor, existing, &v, if_match.clone())
    })
}

/// Stores `v` as the new content of `existing` (inside the caller's write
/// transaction, `existing` read under its lock): a replacement by id, a
/// merge patch or a change of participants. `if_match` is the version the
/// caller changes (`None`: whatever is stored).
pub(super) fn store_replacement(
    conn: &mut DbConn,
    actor: &Actor,
    existing: EventRow,
    v: &ValidEvent,
    if_match: Option<Versions>,
) -> Result<(Outcome, EventOut), ApiError> {
    let if_match = if_match.unwrap_or_else(|| Versions::one(existing.version));
    let area_id = resolve_refs(conn, v)?;
    let agency = existing.agency_code.clone();
    store(
        conn,
        actor,
        &agency,
        v,
        area_id,
        Some(existing),
        Mode::Upsert,
        Some(&if_match),
        &mut ClaimQuota::new(actor),
    )
}

/// 404 unless `writer` may change event `id`: the check a route on one
/// event makes before judging the rest of the request (the write itself
/// checks again under its lock).
pub fn check_writable(conn: &mut DbConn, writer: Writer<'_>, id: &str) -> Result<(), ApiError> {
    match table::by_id(conn, id)? {
        Some(r) if writer.owns(&r) => Ok(()),
        _ => Err(ApiError::NotFound(format!("no event {id}"))),
    }
}

/// The event if `writer` may change it; otherwise it "does not exist" (404).
pub fn writable(conn: &mut DbConn, writer: Writer<'_>, id: &str) -> Result<EventRow, ApiError> {
    let row = table::read_locked(conn, |c| Ok(table::by_id(c, id)?.into_iter().collect()))?;
    match row.into_iter().next() {
        Some(r) if writer.owns(&r) => Ok(r),
        _ => Err(ApiError::NotFound(format!("no event {id}"))),
    }
}
