//! Batches: the envelope (a list of objects, each parsed on its own so one
//! malformed item does not reject the others), and up to the configured
//! limit of events written in one transaction, each answered in order.

use super::batch_delete::{self, Deletion};
use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::claims::ClaimQuota;
use super::input::{EventBody, ValidEvent, validate_body};
use super::refs::{check_refs, load_refs};
use super::write::{Decision, Fresh, Mode, Outcome, create_many, decide, retry_lost_race, store};
use crate::audit::Actor;
use crate::db::DbConn;
use crate::db::events::{self as table, EventRow};
use crate::domain::Pseudonymizer;
use crate::error::{ApiError, FieldError};
use crate::periods::Locks;

/// Status of one batch item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Stored as a new event (or would be, in a dry run).
    Created,
    /// Replaced an existing event (upsert mode).
    Updated,
    /// Identical to the stored event.
    Unchanged,
    /// The external id names an event with other content (create mode), or
    /// appears twice in the batch with different content.
    Conflict,
    /// Failed validation; see `errors`.
    Invalid,
    /// Would change the figures of a locked period; `errors` names it
    /// (`items[i].start_date`). Nothing was written for it.
    Locked,
    /// A deletion item: the event was deleted (or would be, in a dry run).
    Deleted,
}

/// The result of one batch item, in request order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchItem {
    /// Position in the request.
    pub index: usize,
    /// The item's external id, when it had one.
    pub external_id: Option<String>,
    /// What happened.
    pub status: ItemStatus,
    /// The event's id (absent for invalid items and dry-run creations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The event's version after the item (its `ETag`, to send as
    /// `If-Match` in a later correction): present for `created`, `updated`
    /// and `unchanged` items that were written or read, absent otherwise
    /// (dry runs, a repeat of an earlier item of the same batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Field errors (invalid) or the conflict's explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// How many of the item's participants are on the erased list (people
    /// who asked to be erased, PRIVACY.md) and were left out of the stored
    /// event. Absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub erased_participants: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A batch's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchResult {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Counts by status.
    pub summary: BatchSummary,
    /// Every item in request order.
    pub items: Vec<BatchItem>,
}

/// How many items ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct BatchSummary {
    /// Items stored as new events.
    pub created: usize,
    /// Items that replaced an event.
    pub updated: usize,
    /// Items identical to the stored event (or deletions of a deleted one).
    pub unchanged: usize,
    /// Items in conflict.
    pub conflict: usize,
    /// Invalid items.
    pub invalid: usize,
    /// Items refused by a locked period.
    pub locked: usize,
    /// Deletion items that deleted an event.
    pub deleted: usize,
}

impl BatchSummary {
    /// The counts of `items`.
    fn of(items: &[BatchItem]) -> Self {
        let mut s = BatchSummary::default();
        for i in items {
            *match i.status {
                ItemStatus::Created => &mut s.created,
                ItemStatus::Updated => &mut s.updated,
                ItemStatus::Unchanged => &mut s.unchanged,
                ItemStatus::Conflict => &mut s.conflict,
                ItemStatus::Invalid => &mut s.invalid,
                ItemStatus::Locked => &mut s.locked,
                ItemStatus::Deleted => &mut s.deleted,
            } += 1;
        }
        s
    }

    /// Each status with its count, by the API's name.
    pub fn counts(&self) -> [(&'static str, usize); 7] {
        [
            (ItemStatus::Created.as_str(), self.created),
            (ItemStatus::Updated.as_str(), self.updated),
            (ItemStatus::Unchanged.as_str(), self.unchanged),
            (ItemStatus::Conflict.as_str(), self.conflict),
            (ItemStatus::Invalid.as_str(), self.invalid),
            (ItemStatus::Locked.as_str(), self.locked),
            (ItemStatus::Deleted.as_str(), self.deleted),
        ]
    }
}

impl BatchItem {
    /// An item answered with `status` and no errors.
    pub(super) fn done(
        index: usize,
        external_id: Option<String>,
        status: ItemStatus,
        id: Option<String>,
    ) -> Self {
        BatchItem {
            index,
            external_id,
            status,
            id,
            version: None,
            errors: None,
            erased_participants: 0,
        }
    }

    /// An item that failed validation.
    pub(super) fn invalid(
        index: usize,
        external_id: Option<String>,
        errors: Vec<FieldError>,
    ) -> Self {
        BatchItem {
            index,
            external_id,
            status: ItemStatus::Invalid,
            id: None,
            version: None,
            errors: Some(errors),
            erased_participants: 0,
        }
    }

    /// An item whose external id names other content; `detail` says which.
    pub(super) fn conflict(
        index: usize,
        external_id: Option<String>,
        id: Option<String>,
        detail: impl Into<String>,
    ) -> Self {
        BatchItem {
            index,
            external_id,
            status: ItemStatus::Conflict,
            id,
            version: None,
            errors: Some(vec![FieldError::new(
                format!("items[{index}].external_id"),
                detail,
            )]),
            erased_participants: 0,
        }
    }
}

impl BatchItem {
    /// An item refused because it would change a locked period.
    fn locked(
        index: usize,
        external_id: Option<String>,
        id: Option<String>,
        detail: String,
    ) -> Self {
        BatchItem {
            index,
            external_id,
            status: ItemStatus::Locked,
            id,
            version: None,
            errors: Some(vec![FieldError::new(
                format!("items[{index}].start_date"),
                detail,
            )]),
            erased_participants: 0,
        }
    }

    /// The item for a write refused by `e` when it is a lock (`locked`) or
    /// names an agency over its claim quota (`invalid`, naming
    /// `items[i].co_organizers`); `Err(e)` otherwise.
    pub(super) fn refused(
        index: usize,
        external_id: Option<String>,
        id: Option<String>,
        e: ApiError,
    ) -> Result<Self, ApiError> {
        match e {
            ApiError::Locked { detail, .. } => Ok(Self::locked(index, external_id, id, detail)),
            ApiError::QuotaExceeded { field, detail } => Ok(BatchItem {
                index,
                external_id,
                status: ItemStatus::Invalid,
                id,
                version: None,
                errors: Some(vec![FieldError::new(
                    format!("items[{index}].{field}"),
                    detail,
                )]),
                erased_participants: 0,
            }),
            e => Err(e),
        }
    }
}

impl From<Outcome> for ItemStatus {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Created => ItemStatus::Created,
            Outcome::Updated => ItemStatus::Updated,
            Outcome::Unchanged => ItemStatus::Unchanged,
        }
    }
}

impl ItemStatus {
    /// The status as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Created => "created",
            ItemStatus::Updated => "updated",
            ItemStatus::Unchanged => "unchanged",
            ItemStatus::Conflict => "conflict",
            ItemStatus::Invalid => "invalid",
            ItemStatus::Locked => "locked",
            ItemStatus::Deleted => "deleted",
        }
    }
}

/// A batch's items, each parsed on its own.
#[derive(Debug)]
pub struct Items {
    /// Every item as read: its well-formed fields and its structural errors
    /// (a deletion item: an empty placeholder).
    inputs: Vec<EventBody>,
    /// The deletion items, by index.
    deletions: HashMap<usize, Deletion>,
    /// Per item: its `external_id` as sent, when it is a string.
    external_ids: Vec<Option<String>>,
}

impl Items {
    /// Whether an item sends participants without their legal basis (the
    /// answer then carries the deprecation headers).
    pub fn lacks_legal_basis(&self) -> bool {
        self.inputs
            .iter()
            .any(|b| !b.input.participants.is_empty() && b.input.legal_basis.is_none())
    }

    /// Checks the envelope: 1 to `limit` items, each a JSON object (422
    /// naming every one that is not). Each item is then read with `parse`,
    /// the same reader as a single event's body; an item with errors is
    /// answered `invalid` with all of them, and does not reject the batch.
    /// Any other parse error does.
    pub fn parse(
        items: &[serde_json::Value],
        limit: usize,
        parse: impl Fn(&[u8]) -> Result<EventBody, ApiError>,
    ) -> Result<Self, ApiError> {
        check_size(items.len(), limit)?;
        let not_objects: Vec<FieldError> = items
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_object())
            .map(|(i, _)| FieldError::new(format!("items[{i}]"), "must be a JSON object"))
            .collect();
        if !not_objects.is_empty() {
            return Err(ApiError::validation(not_objects));
        }
        let mut out = Items {
            inputs: Vec::with_capacity(items.len()),
            deletions: HashMap::new(),
            external_ids: Vec::with_capacity(items.len()),
        };
        for (index, item) in items.iter().enumerate() {
            if batch_delete::is_deletion(item) {
                match batch_delete::parse(item) {
                    Ok(d) => {
                        out.external_ids.push(Some(d.external_id.clone()));
                        out.deletions.insert(index, d);
                        out.inputs.push(EventBody::default());
                    }
                    Err(errors) => {
                        out.external_ids.push(None);
                        out.inputs.push(EventBody {
                            shape_errors: errors,
                            unreadable: true,
                            ..EventBody::default()
                        });
                    }
                }
                continue;
            }
            let bytes = serde_json::to_vec(item)
                .map_err(|e| ApiError::internal_with("re-serialising a batch item", e))?;
            match parse(&bytes) {
                Ok(body) => out.inputs.push(body),
                Err(ApiError::Validation { errors, .. }) => out.inputs.push(EventBody {
                    shape_errors: errors,
                    unreadable: true,
                    ..EventBody::default()
                }),
                Err(e) => return Err(e),
            }
            out.external_ids.push(
                item.get("external_id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }
}

/// A batch holds 1 to `limit` events.
fn check_size(len: usize, limit: usize) -> Result<(), ApiError> {
    if len == 0 || len > limit {
        return Err(ApiError::field(
            "items",
            format!("a batch holds 1 to {limit} events"),
        ));
    }
    Ok(())
}

/// Writes a batch's items in one transaction. Invalid and conflicting items
/// are reported and skipped; the valid ones are stored (unless `dry_run`).
/// Items that did not read cleanly are answered with every error found.
pub fn write_batch(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    agency: &str,
    items: &Items,
    mode: Mode,
    dry_run: bool,
) -> Result<BatchResult, ApiError> {
    let mut result = write_inputs(conn, pseudonymizer, actor, agency, items, mode, dry_run)?;
    // An item with a malformed external_id is still named as it was sent.
    for item in &mut result.items {
        if item.external_id.is_none() {
            item.external_id = items.external_ids[item.index].clone();
        }
    }
    Ok(result)
}

/// [`write_batch`] on parsed inputs.
fn write_inputs(
    conn: &mut DbConn,
    pseudonymizer: &Pseudonymizer,
    actor: &Actor,
    agency: &str,
    batch: &Items,
    mode: Mode,
    dry_run: bool,
) -> Result<BatchResult, ApiError> {
    let (inputs, deletions) = (&batch.inputs, &batch.deletions);
    let validated: Vec<Result<ValidEvent, Vec<FieldError>>> = inputs
        .iter()
        .enumerate()
        .map(|(i, body)| {
            if deletions.contains_key(&i) {
                Err(Vec::new())
            } else {
                validate_body(body, agency, pseudonymizer, &format!("items[{i}]."))
            }
        })
        .collect();
    // External ids the batch writes: a deletion of one of them conflicts.
    let written: HashSet<String> = validated
        .iter()
        .filter_map(|v| v.as_ref().ok())
        .map(|v| v.external_id.clone())
        .collect();
    let run = |conn: &mut DbConn| -> Result<Vec<BatchItem>, ApiError> {
        let externals: Vec<String> = validated
            .iter()
            .filter_map(|v| v.as_ref().ok())
            .map(|v| v.external_id.clone())
            .collect();
        let mut existing: HashMap<String, EventRow> =
            table::read_locked(conn, |c| table::by_externals(c, agency, &externals))?
                .into_iter()
                .map(|r| (r.external_id.clone(), r))
                .collect();
        let valid: Vec<&ValidEvent> = validated.iter().filter_map(|v| v.as_ref().ok()).collect();
        // Keys of another epoch than the database's would compare (and a
        // dry run answer) wrongly: refused before anything is read.
        let epochs: HashSet<usize> = valid
            .iter()
            .filter(|v| !v.participant_keys.is_empty())
            .map(|v| v.key_epoch)
            .collect();
        for epoch in epochs {
            crate::key_epoch::check(conn, epoch, true)?;
        }
        let refs = load_refs(conn, &valid)?;
        let locks = Locks::load(conn)?;
        let mut quota = ClaimQuota::new(actor);
        let now = crate::db::now();
        // New events are inserted together after the loop.
        let mut fresh: Vec<Fresh<'_>> = Vec::new();
        // Within the batch, a repeated external id is compared with its first occurrence.
        let mut seen: HashMap<String, (String, Option<String>)> = HashMap::new();
        let mut items = Vec::with_capacity(inputs.len());
        for (index, v) in validated.iter().enumerate() {
            if let Some(d) = deletions.get(&index) {
                items.push(batch_delete::apply(
                    conn, actor, agency, index, d, &written, &locks, dry_run,
                )?);
                continue;
            }
            let external_id = inputs[index].input.external_id.clone();
            let v = match v {
                Err(errors) => {
                    items.push(BatchItem::invalid(index, external_id, errors.clone()));
                    continue;
                }
                Ok(v) => v,
            };
            let hash = v.content_hash()?;
            if let Some((first, id)) = seen.get(&v.external_id) {
                items.push(if *first == hash {
                    BatchItem::done(index, external_id, ItemStatus::Unchanged, id.clone())
                } else {
                    BatchItem::conflict(
                        index,
                        external_id,
                        id.clone(),
                        "repeated in this batch with different content",
                    )
                });
                continue;
            }
            let area_id = match check_refs(&refs, v, &format!("items[{index}].")) {
                Ok(a) => a,
                Err(errors) => {
                    items.push(BatchItem::invalid(index, external_id, errors));
                    continue;
                }
            };
            let old = existing.remove(&v.external_id);
            let item = match old {
                None => match locks.check(v.start_date) {
                    Err(e) => BatchItem::refused(index, external_id, None, e)?,
                    Ok(()) => match quota.take(conn, agency, &v.co_organizers, &[]) {
                        Err(e) => BatchItem::refused(index, external_id, None, e)?,
                        Ok(()) if dry_run => {
                            BatchItem::done(index, external_id, ItemStatus::Created, None)
                        }
                        Ok(()) => {
                            let new = Fresh::new(v, agency, area_id, now)?;
                            let id = new.id().to_string();
                            fresh.push(new);
                            BatchItem {
                                version: Some(1),
                                ..BatchItem::done(index, external_id, ItemStatus::Created, Some(id))
                            }
                        }
                    },
                },
                Some(o) if dry_run && decide(&o, &hash, mode) == Decision::Deleted => {
                    let detail = super::write::deleted_detail(conn, &o)?;
                    BatchItem::conflict(index, external_id, Some(o.id), detail)
                }
                Some(o) if dry_run => {
                    let status = match decide(&o, &hash, mode) {
                        Decision::Unchanged => ItemStatus::Unchanged,
                        Decision::Conflict | Decision::Deleted => ItemStatus::Conflict,
                        Decision::Replace => ItemStatus::Updated,
                    };
                    // A dry run refuses what the write would: a lock, the claim quota.
                    let guarded = match status {
                        ItemStatus::Updated => locks
                            .check_groups(conn, &[o.group_seq], &[o.start_date, v.start_date])
                            .and_then(|()| {
                                let previous = table::sets_of(conn, &[o.seq])?
                                    .remove(&o.seq)
                                    .unwrap_or_default()
                                    .co_organizers;
                                quota.take(conn, agency, &v.co_organizers, &previous)
                            }),
                        _ => Ok(()),
                    };
                    match guarded {
                        Ok(()) => BatchItem::done(index, external_id, status, Some(o.id)),
                        Err(e) => BatchItem::refused(index, external_id, Some(o.id), e)?,
                    }
                }
                old => {
                    let id = old.as_ref().map(|o| o.id.clone());
                    match store(conn, actor, agency, v, area_id, old, mode, None, &mut quota) {
                        Ok((outcome, row)) => BatchItem {
                            erased_participants: row.erased_participants,
                            version: Some(row.version),
                            ..BatchItem::done(index, external_id, outcome.into(), Some(row.id))
                        },
                        Err(ApiError::Conflict {
                            detail,
                            existing_id,
                        }) => BatchItem::conflict(index, external_id, existing_id, detail),
                        Err(e) => BatchItem::refused(index, external_id, id, e)?,
                    }
                }
            };
            seen.insert(v.external_id.clone(), (hash, item.id.clone()));
            items.push(item);
        }
        let erased: HashMap<String, usize> = create_many(conn, actor, &fresh)?
            .into_iter()
            .filter(|e| e.erased_participants > 0)
            .map(|e| (e.id, e.erased_participants))
            .collect();
        for item in &mut items {
            if let Some(n) = item.id.as_ref().and_then(|id| erased.get(id)) {
                item.erased_participants = *n;
            }
        }
        Ok(items)
    };
    let items = if dry_run {
        run(conn)?
    } else {
        retry_lost_race(conn, run)?
    };
    Ok(BatchResult {
        dry_run,
        summary: BatchSummary::of(&items),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_the_wire_names() {
        for s in [
            ItemStatus::Created,
            ItemStatus::Updated,
            ItemStatus::Unchanged,
            ItemStatus::Conflict,
            ItemStatus::Invalid,
            ItemStatus::Locked,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    fn parse(items: serde_json::Value, limit: usize) -> Result<Items, ApiError> {
        let items = items.as_array().unwrap().clone();
        Items::parse(&items, limit, |b| {
            serde_json::from_slice(b).map_err(|e| ApiError::field("title", e.to_string()))
        })
    }

    #[test]
    fn envelope_holds_1_to_limit_objects() {
        assert!(parse(serde_json::json!([]), 2).is_err());
        assert!(parse(serde_json::json!([{}, {}, {}]), 2).is_err());
        let Err(ApiError::Validation { errors, .. }) = parse(serde_json::json!([{}, 1, "x"]), 5)
        else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["items[1]", "items[2]"]);
    }

    #[test]
    fn a_malformed_item_keeps_its_errors_and_external_id() {
        let items = parse(
            serde_json::json!([{"external_id": "a"}, {"external_id": "b", "title": 5}]),
            5,
        )
        .unwrap();
        assert!(items.inputs[0].shape_errors.is_empty());
        let errors = &items.inputs[1].shape_errors;
        assert_eq!(errors[0].field, "title");
        assert_eq!(items.external_ids[1].as_deref(), Some("b"));
    }
}
