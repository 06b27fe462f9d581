//! Changes to a stored event that keep what is not sent: a JSON merge
//! patch (RFC 7396, `PATCH /events/{id}`), and participants added and
//! removed (`POST /events/{id}/participants`). Raw identifiers are never
//! stored, so a change cannot re-send the people it keeps: both start from
//! the stored participant keys, and both end in the one write path
//! ([`super::write`]), with the same consent effects as a `PUT`.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::groups::in_write_tx;
use super::input::{EventBody, ParticipantInput, ValidEvent, validate_keyed};
use super::view::{EventOut, Writer, view};
use super::write::{Outcome, store_replacement, writable};
use crate::audit::Actor;
use crate::db::DbConn;
use crate::db::events::{EventRow, participant_keys_of};
use crate::domain::{IdType, Pseudonymizer, Versions, normalize_identifier};
use crate::error::{ApiError, FieldError};

/// Participants to add and to remove, each typed as the person gave it
/// (normalised and hashed like any participant; removal matches the hash).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantsChange {
    /// People to add (at most 10,000 in all on the event).
    #[serde(default)]
    pub add: Vec<ParticipantInput>,
    /// People to remove: each must be one of the event's participants.
    #[serde(default)]
    pub remove: Vec<ParticipantInput>,
}

/// Applies RFC 7396: members of `patch` replace those of `target`, `null`
/// removes one, objects merge recursively.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// A stored event as the body that would write it again (its participants
/// aside: they are keys).
fn as_body(e: &EventOut) -> Value {
    let mut doc = serde_json::json!({
        "external_id": e.external_id,
        "kind": e.kind,
        "title": e.title,
        "description": e.description,
        "topics": e.topics,
        "start_date": e.start_date.to_string(),
        "end_date": e.end_date.to_string(),
        "area_code": e.area_code,
        "co_organizers": e.co_organizers,
        "target_groups": e.target_groups,
        "sessions": e.sessions,
    });
    if let Some(a) = &e.attendance {
        doc["attendance"] = serde_json::to_value(a).unwrap_or(Value::Null);
    }
    if let Some(a) = &e.audience {
        doc["audience"] = serde_json::to_value(a).unwrap_or(Value::Null);
    }
    // `unknown` is how a basis not stated reads: it is not sent back.
    if let Some(b) = e.legal_basis.as_deref().filter(|b| *b != "unknown") {
        doc["legal_basis"] = Value::from(b);
    }
    if let Some(r) = &e.legal_reference {
        doc["legal_reference"] = Value::from(r.as_str());
    }
    if let Some(c) = &e.consent_by {
        doc["consent_by"] = Value::from(c.as_str());
    }
    if e.description.is_none()
        && let Some(o) = doc.as_object_mut()
    {
        o.remove("description");
    }
    doc
}

/// Validates `doc` as the new content of `existing`, keeping `keys` as its
/// participants.
fn revalidate(
    pseudonymizer: &Pseudonymizer,
    existing: &EventRow,
    doc: Value,
    keys: BTreeSet<String>,
    children: bool,
) -> Result<ValidEvent, ApiError> {
    let body: EventBody = serde_json::from_value(doc)
        .map_err(|e| ApiError::field("body", format!("could not be read: {e}")))?;
    let v = validate_keyed(
        &body,
        &existing.agency_code,
        pseudonymizer,
        keys,
        existing.holds_children || children,
    )
    .map_err(ApiError::validation)?;
    if v.external_id != existing.external_id {
        return Err(ApiError::field(
            "external_id",
            "cannot change; it must equal the stored external_id",
        ));
    }
    Ok(v)
}

/// `PATCH /events/{id}`: the stored event with `patch` merged in. Fields
/// not in the patch stay; `participants` is refused (a merge patch would
/// replace the whole list).
pub fn patch_by_id(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    writer: Writer<'_>,
    id: &str,
    patch: &Value,
    if_match: Option<Versions>,
) -> Result<(Outcome, EventOut), ApiError> {
    let Value::Object(members) = patch else {
        return Err(ApiError::field(
            "body",
            "a merge patch is a JSON object of the fields to change",
        ));
    };
    if members.contains_key("participants") {
        return Err(ApiError::field(
            "participants",
            "participants change through POST /api/v1/events/{id}/participants ({\"add\": [...], \"remove\": [...]}): a merge patch would replace the whole list",
        ));
    }
    in_write_tx(conn, |conn| {
        let existing = writable(conn, writer, id)?;
        let mut doc = as_body(&view(conn, existing.clone())?);
        merge_patch(&mut doc, patch);
        let keys: BTreeSet<String> = participant_keys_of(conn, existing.seq)?
            .into_iter()
            .collect();
        let v = revalidate(pseudonymizer, &existing, doc, keys, false)?;
        store_replacement(conn, actor, existing, &v, if_match.clone())
    })
}

/// The keyed hash of each participant typed, or the field errors
/// (`{list}[i].value`, never echoing it).
fn keys_of(
    list: &[ParticipantInput],
    name: &str,
    agency: &str,
    pseudonymizer: &Pseudonymizer,
    epoch: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let Some(id_type) = IdType::parse(&p.id_type) else {
            errors.push(FieldError::new(
                format!("{name}[{i}].id_type"),
                format!("expected one of: {}", IdType::expected()),
            ));
            continue;
        };
        match normalize_identifier(id_type, &p.value, p.issuer.as_deref(), agency) {
            Ok(canonical) => out.push(pseudonymizer.key_at(&canonical, epoch)),
            Err(problems) => {
                for problem in problems {
                    errors.push(FieldError::new(
                        format!("{name}[{i}].{}", problem.field.as_str()),
                        problem.message,
                    ));
                }
            }
        }
    }
    out
}

/// `POST /events/{id}/participants`: adds and removes participants, keeping
/// the others. A person to remove who is not among the event's
/// participants is a 422 (a typing mistake must not pass silently). An
/// empty change changes nothing (200, unchanged).
pub fn change_participants(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    writer: Writer<'_>,
    id: &str,
    change: &ParticipantsChange,
    if_match: Option<Versions>,
) -> Result<(Outcome, EventOut), ApiError> {
    if change.add.len() + change.remove.len() > super::input::MAX_PARTICIPANTS {
        return Err(ApiError::field(
            "add",
            format!(
                "at most {} participants per change",
                super::input::MAX_PARTICIPANTS
            ),
        ));
    }
    in_write_tx(conn, |conn| {
        let existing = writable(conn, writer, id)?;
        let agency = existing.agency_code.clone();
        // The keys typed are compared with the stored ones: both of the
        // database's epoch, or the change is refused (sent again).
        let epoch = pseudonymizer.epoch();
        crate::key_epoch::check(conn, epoch, true)?;
        let mut errors = Vec::new();
        let add = keys_of(
            &change.add,
            "add",
            &agency,
            pseudonymizer,
            epoch,
            &mut errors,
        );
        let remove = keys_of(
            &change.remove,
            "remove",
            &agency,
            pseudonymizer,
            epoch,
            &mut errors,
        );
        let mut keys: BTreeSet<String> = participant_keys_of(conn, existing.seq)?
            .into_iter()
            .collect();
        for (i, k) in remove.iter().enumerate() {
            if !keys.remove(k) {
                errors.push(FieldError::new(
                    format!("remove[{i}]"),
                    "not among this event's participants (check the number typed)",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        keys.extend(add);
        if keys.len() > super::input::MAX_PARTICIPANTS {
            return Err(ApiError::field(
                "add",
                format!(
                    "at most {} participants per event",
                    super::input::MAX_PARTICIPANTS
                ),
            ));
        }
        let doc = as_body(&view(conn, existing.clone())?);
        // Student ids added: children's data from now on (a removal cannot
        // tell, since only keys are stored).
        let children = change
            .add
            .iter()
            .any(|p| IdType::parse(&p.id_type) == Some(IdType::StudentId));
        let v = ValidEvent {
            key_epoch: epoch,
            ..revalidate(pseudonymizer, &existing, doc, keys, children)?
        };
        store_replacement(conn, actor, existing, &v, if_match.clone())
    })
}

/// A stored event's recomputed hash: its seq, its version, and the hash or
/// why it no longer passes today's checks.
pub type StoredHash = (i64, i64, Result<String, ApiError>);

/// The content hash each of `rows` has when sent again as stored: its
/// body and its stored participant keys, read for all of them at once. A
/// key rotation recomputes every event's hash so, once its keys are
/// re-keyed, so that a re-sent event stays unchanged. Per row: its seq, its
/// version and the hash, or why it no longer passes today's checks.
pub fn stored_content_hashes(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    rows: Vec<EventRow>,
) -> Result<Vec<StoredHash>, ApiError> {
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let mut keys = crate::db::events::participant_keys_of_many(conn, &seqs)?;
    let outs = super::view::views(conn, rows.clone())?;
    Ok(rows
        .iter()
        .zip(outs)
        .map(|(row, out)| {
            let stored: BTreeSet<String> = keys
                .remove(&row.seq)
                .unwrap_or_default()
                .into_iter()
                .collect();
            let hash = revalidate(pseudonymizer, row, as_body(&out), stored, false)
                .and_then(|v| v.content_hash());
            (row.seq, row.version, hash)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        // RFC 7396, appendix A (a selection).
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (target, patch, expected) in cases {
            let mut t = target.clone();
            merge_patch(&mut t, &patch);
            assert_eq!(t, expected, "{target} + {patch}");
        }
    }
}
