//! Soft deletion: deleting an event with a reason, alone or as a batch
//! item (why a write may not bring it back is [`super::write`]'s).

use super::groups::in_write_tx;
use super::view::{EventOut, Writer, view};
use super::write::writable;
use crate::audit::{self, Actor};
use crate::db::DbConn;
use crate::db::events::{self as table, EventRow};
use crate::error::ApiError;

/// Soft-deletes an event with a reason; deleting a deleted event changes nothing.
pub fn delete(
    conn: &mut DbConn,
    actor: &Actor,
    writer: Writer<'_>,
    id: &str,
    reason: &str,
) -> Result<EventOut, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::field("reason", "required, 1 to 500 characters"));
    }
    in_write_tx(conn, |conn| {
        let row = writable(conn, writer, id)?;
        if row.deleted_at.is_some() {
            return view(conn, row);
        }
        crate::periods::guard(conn, &[row.group_seq], &[])?;
        delete_row(conn, actor, row, reason)
    })
}

/// Soft-deletes a live event in the caller's transaction (its period
/// checked), takes it out of its real event, and audits it.
pub(super) fn delete_row(
    conn: &mut DbConn,
    actor: &Actor,
    row: EventRow,
    reason: &str,
) -> Result<EventOut, ApiError> {
    let before = view(conn, row.clone())?;
    table::soft_delete(conn, row.seq, reason, crate::db::now())?;
    super::groups::removed(conn, actor, &row)?;
    let after_row = table::by_id_required(conn, &row.id)?;
    let after = view(conn, after_row)?;
    audit::record(
        conn,
        actor,
        "delete",
        "event",
        &row.id,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}
