//! The audit log: one mechanism every write path calls inside its own
//! transaction, so a change and its record commit or roll back together.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::audit_log;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Token id (None for the command line).
    pub jti: Option<String>,
    /// `admin`, `agency`, `viewer`, or `cli`.
    pub role: String,
    /// Agency of an agency token.
    pub agency: Option<String>,
}

impl Actor {
    /// The command line, run by whoever holds the server's configuration.
    pub fn cli() -> Self {
        Self {
            jti: None,
            role: "cli".into(),
            agency: None,
        }
    }
}

/// A stored audit record.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    /// Cursor.
    pub id: i64,
    /// When.
    pub at: NaiveDateTime,
    /// Actor token.
    pub actor_jti: Option<String>,
    /// Actor role.
    pub actor_role: String,
    /// Actor agency.
    pub actor_agency: Option<String>,
    /// Action.
    pub action: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// Before (JSON).
    pub before_json: Option<String>,
    /// After (JSON).
    pub after_json: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAudit<'a> {
    at: NaiveDateTime,
    actor_jti: Option<&'a str>,
    actor_role: &'a str,
    actor_agency: Option<&'a str>,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    before_json: Option<String>,
    after_json: Option<String>,
}

/// Appends one record. Call it inside the transaction that makes the change.
/// `before` and `after` must be the public views of the entity (never a
/// token or a raw participant identifier).
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(NewAudit {
            at: crate::db::now(),
            actor_jti: actor.jti.as_deref(),
            actor_role: &actor.role,
            actor_agency: actor.agency.as_deref(),
            action,
            entity_type,
            entity_id,
            before_json: before.map(to_json),
            after_json: after.map(to_json),
        })
        .execute(conn)
        .map(|_| ())
}

/// Appends one `action` record per entity of one type, with no `before`,
/// in multi-row INSERTs. Call it inside the transaction that makes the change.
pub fn record_created<A: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    entity_type: &str,
    created: &[(&str, &A)],
) -> QueryResult<()> {
    let at = crate::db::now();
    let rows: Vec<NewAudit<'_>> = created
        .iter()
        .map(|(id, after)| NewAudit {
            at,
            actor_jti: actor.jti.as_deref(),
            actor_role: &actor.role,
            actor_agency: actor.agency.as_deref(),
            action: "create",
            entity_type,
            entity_id: id,
            before_json: None,
            after_json: Some(to_json(after)),
        })
        .collect();
    for chunk in rows.chunks(500) {
        crate::on_both!(&mut *conn, |c| diesel::insert_into(audit_log::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Filters for listing the log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Entity type.
    pub entity_type: Option<String>,
    /// Entity id.
    pub entity_id: Option<String>,
    /// Actor token id.
    pub actor: Option<String>,
    /// At or after.
    pub from: Option<NaiveDateTime>,
    /// Before.
    pub to: Option<NaiveDateTime>,
    /// Records with id below this (the cursor), newest first.
    pub before_id: Option<i64>,
}

/// Records matching the filter, newest first, at most `limit`.
pub fn list(conn: &mut DbConn, f: &AuditFilter, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(t) = &f.entity_type {
        q = q.filter(audit_log::entity_type.eq(t.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit_log::actor_jti.eq(a.clone()));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_log::at.lt(to));
    }
    if let Some(b) = f.before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    q.order(audit_log::id.desc()).limit(limit).load(conn)
}
