//! Same-as links: two agencies' reports of one real event. Linked reports
//! form a real-event group (the smallest seq among them), which aggregates
//! count once.

use std::collections::BTreeSet;

use serde::Serialize;
use utoipa::ToSchema;

use super::write::Writer;
use crate::audit::{self, Actor};
use crate::db::events::{self as table, EventRow};
use crate::db::{DbConn, event_links, write_tx};
use crate::error::ApiError;

/// The reports forming one real event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SameAs {
    /// The event asked about.
    pub id: String,
    /// Every report of the same real event, this one included, by id.
    pub same_as: Vec<String>,
}

/// Reassigns `group_seq` for the component of linked reports containing
/// `start`: the smallest seq of the component. Returns the component.
fn regroup(conn: &mut DbConn, start: i64) -> Result<Vec<i64>, ApiError> {
    let mut component = BTreeSet::from([start]);
    let mut frontier = vec![start];
    while let Some(s) = frontier.pop() {
        for (a, b) in event_links::touching(conn, s)? {
            for n in [a, b] {
                if component.insert(n) {
                    frontier.push(n);
                }
            }
        }
    }
    let group = *component.iter().next().expect("non-empty");
    let members: Vec<i64> = component.into_iter().collect();
    event_links::set_group(conn, &members, group)?;
    Ok(members)
}

fn same_as_view(conn: &mut DbConn, id: &str, members: &[i64]) -> Result<SameAs, ApiError> {
    Ok(SameAs {
        id: id.to_string(),
        same_as: table::ids_by_seq(conn, members)?,
    })
}

/// Who may link or unlink two reports: an admin, or the owner of either.
fn may_link(who: Writer<'_>, a: &EventRow, b: &EventRow) -> bool {
    who.owns(a) || who.owns(b)
}

/// A link's two ends in stored order (`lo < hi`).
fn ends(a: &EventRow, b: &EventRow) -> (i64, i64) {
    (a.seq.min(b.seq), a.seq.max(b.seq))
}

/// Links two reports of the same real event by different agencies. The
/// writer must be an admin or own one of them. Linking twice is harmless.
pub fn link(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
) -> Result<SameAs, ApiError> {
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let a = table::by_id(conn, id)?.filter(|r| r.deleted_at.is_none());
        let b = table::by_id(conn, other_id)?.filter(|r| r.deleted_at.is_none());
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) if may_link(who, &a, &b) => (a, b),
            (Some(_), None) => return Err(ApiError::field("other_id", "no such event")),
            _ => return Err(ApiError::NotFound(format!("no event {id}"))),
        };
        if a.seq == b.seq {
            return Err(ApiError::field(
                "other_id",
                "an event cannot be linked to itself",
            ));
        }
        if a.agency_code == b.agency_code {
            return Err(ApiError::field(
                "other_id",
                "both reports are by the same agency; delete the duplicate instead",
            ));
        }
        let (lo, hi) = ends(&a, &b);
        let exists = event_links::exists(conn, lo, hi)?;
        if !exists {
            event_links::insert(conn, lo, hi)?;
        }
        let members = regroup(conn, a.seq)?;
        let out = same_as_view(conn, id, &members)?;
        if !exists {
            audit::record(conn, actor, "link", "event", id, None::<&()>, Some(&out))?;
        }
        Ok(out)
    })
}

/// Removes the direct link between two reports; both fall back to the real
/// events their remaining links form.
pub fn unlink(
    conn: &mut DbConn,
    actor: &Actor,
    who: Writer<'_>,
    id: &str,
    other_id: &str,
) -> Result<SameAs, ApiError> {
    let no_link = || ApiError::NotFound(format!("no link between {id} and {other_id}"));
    write_tx(conn, |conn| {
        event_links::lock_all(conn)?;
        let a = table::by_id(conn, id)?;
        let b = table::by_id(conn, other_id)?;
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) if may_link(who, &a, &b) => (a, b),
            _ => return Err(no_link()),
        };
        let (lo, hi) = ends(&a, &b);
        let before_members = regroup(conn, a.seq)?;
        let before = same_as_view(conn, id, &before_members)?;
        if event_links::delete(conn, lo, hi)? == 0 {
            return Err(no_link());
        }
        regroup(conn, b.seq)?;
        let members = regroup(conn, a.seq)?;
        let out = same_as_view(conn, id, &members)?;
        audit::record(
            conn,
            actor,
            "unlink",
            "event",
            id,
            Some(&before),
            Some(&out),
        )?;
        Ok(out)
    })
}
