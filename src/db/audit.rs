//! The audit log table: append-only records, listed newest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::audit_log;

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
    /// Acting person's account.
    pub actor_account: Option<String>,
    /// Acting person's username.
    pub actor_username: Option<String>,
}

/// A record to append (the entity views already serialised).
#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit<'a> {
    /// When.
    pub at: NaiveDateTime,
    /// Actor token.
    pub actor_jti: Option<&'a str>,
    /// Actor role.
    pub actor_role: &'a str,
    /// Actor agency.
    pub actor_agency: Option<&'a str>,
    /// Action.
    pub action: &'a str,
    /// Entity type.
    pub entity_type: &'a str,
    /// Entity id.
    pub entity_id: &'a str,
    /// Before (JSON).
    pub before_json: Option<String>,
    /// After (JSON).
    pub after_json: Option<String>,
    /// Acting person's account.
    pub actor_account: Option<&'a str>,
    /// Acting person's username.
    pub actor_username: Option<&'a str>,
}

/// Appends records, in multi-row INSERTs of at most 500.
pub fn insert(conn: &mut DbConn, rows: &[NewAudit<'_>]) -> QueryResult<()> {
    for chunk in rows.chunks(500) {
        crate::on_both!(&mut *conn, |c| diesel::insert_into(audit_log::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
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
    /// Acting person's account id.
    pub person: Option<String>,
    /// What happened (`create`, `migrate_broadcast`, ...).
    pub action: Option<String>,
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
    if let Some(p) = &f.person {
        q = q.filter(audit_log::actor_account.eq(p.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a.clone()));
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

/// An actor as the audit log names it: role, agency, token id.
pub type ActorNamed = (String, Option<String>, Option<String>);

/// Who recorded the latest `action` on an entity: its role and agency (and
/// token id), e.g. who deleted an event.
pub fn last_actor(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
    action: &str,
) -> QueryResult<Option<ActorNamed>> {
    use super::schema::audit_log::dsl as a;
    a::audit_log
        .filter(a::entity_type.eq(entity_type))
        .filter(a::entity_id.eq(entity_id))
        .filter(a::action.eq(action))
        .order(a::id.desc())
        .select((a::actor_role, a::actor_agency, a::actor_jti))
        .first(conn)
        .optional()
}
