//! Deletions as batch items (`{"delete": {"external_id", "reason"}}`): a
//! sync job that removes an event sends its deletion in the same batch as
//! its writes. A deletion applies to an event stored before the batch; an
//! external id both written and deleted in one batch is a conflict.

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::batch::{BatchItem, ItemStatus};
use crate::audit::Actor;
use crate::db::DbConn;
use crate::db::events as table;
use crate::error::{ApiError, FieldError};
use crate::periods::Locks;

/// A deletion item: the agency's own external id and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deletion {
    /// The event's external id (the agency's own).
    pub external_id: String,
    /// Why it is deleted (1 to 500 characters), kept with the event.
    pub reason: String,
}

/// A batch item that is a deletion, in its envelope.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletionItem {
    /// What to delete.
    pub delete: Deletion,
}

/// Whether a batch item is a deletion (an object whose only key is
/// `delete`).
pub fn is_deletion(item: &serde_json::Value) -> bool {
    item.as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key("delete"))
}

/// Reads a deletion item, or its field errors (named from the item, as a
/// batch item's shape errors are: `delete.reason`).
pub fn parse(item: &serde_json::Value) -> Result<Deletion, Vec<FieldError>> {
    let at = |f: &str| format!("delete{f}");
    let d: DeletionItem = serde_json::from_value(item.clone()).map_err(|e| {
        vec![FieldError::new(
            at(""),
            format!("must be {{\"external_id\": \"...\", \"reason\": \"...\"}}: {e}"),
        )]
    })?;
    let mut errors = Vec::new();
    let ext = d.delete.external_id.trim();
    if ext.is_empty() || ext.chars().count() > 128 || ext.chars().any(char::is_control) {
        errors.push(FieldError::new(
            at(".external_id"),
            "required, 1 to 128 printable characters",
        ));
    }
    let reason = d.delete.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new(
            at(".reason"),
            "required, 1 to 500 characters",
        ));
    }
    if errors.is_empty() {
        Ok(Deletion {
            external_id: ext.to_string(),
            reason: reason.to_string(),
        })
    } else {
        Err(errors)
    }
}

/// Applies deletion item `index` for `agency` inside the batch's
/// transaction (or says what it would do, in a dry run): `deleted`;
/// `unchanged` when already deleted; `invalid` when no event of the agency
/// has that external id; `conflict` when another item writes it; `locked`
/// in a locked period.
#[expect(
    clippy::too_many_arguments,
    reason = "the batch's context, each part distinct"
)]
pub(super) fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    agency: &str,
    index: usize,
    d: &Deletion,
    written: &HashSet<String>,
    locks: &Locks,
    dry_run: bool,
) -> Result<BatchItem, ApiError> {
    let ext = Some(d.external_id.clone());
    if written.contains(&d.external_id) {
        return Ok(BatchItem::conflict(
            index,
            ext,
            None,
            "written by another item of this batch as well: send the deletion in a batch of its own",
        ));
    }
    let external = [d.external_id.clone()];
    let row = table::read_locked(conn, |c| table::by_externals(c, agency, &external))?
        .into_iter()
        .next();
    let Some(row) = row else {
        return Ok(BatchItem::invalid(
            index,
            ext,
            vec![FieldError::new(
                format!("items[{index}].delete.external_id"),
                "no event of yours has this external_id",
            )],
        ));
    };
    if row.deleted_at.is_some() {
        return Ok(BatchItem::done(
            index,
            ext,
            ItemStatus::Unchanged,
            Some(row.id),
        ));
    }
    if let Err(e) = locks.check_groups(conn, &[row.group_seq], &[row.start_date]) {
        return BatchItem::refused(index, ext, Some(row.id), e);
    }
    let id = row.id.clone();
    if !dry_run {
        super::delete::delete_row(conn, actor, row, &d.reason)?;
    }
    Ok(BatchItem::done(index, ext, ItemStatus::Deleted, Some(id)))
}
