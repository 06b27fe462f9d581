//! The audit log: one mechanism every write path calls inside its own
//! transaction, so a change and its record commit or roll back together.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::audit::{self as table, AuditRow, NewAudit};
use crate::error::ApiError;

pub use crate::db::audit::AuditFilter;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Token id (None for the command line).
    pub jti: Option<String>,
    /// `admin`, `agency`, `viewer`, or `cli`.
    pub role: String,
    /// Agency of an agency token.
    pub agency: Option<String>,
    /// The signed-in person (None for a token or the command line).
    pub person: Option<Person>,
}

/// A signed-in person, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Account id.
    pub id: String,
    /// Username.
    pub username: String,
}

impl Actor {
    /// Whether the actor speaks for every agency (an admin or the command
    /// line): its links and co-organiser claims need no one else's consent.
    pub fn speaks_for_every_agency(&self) -> bool {
        matches!(self.role.as_str(), "admin" | "cli")
    }

    /// The command line, run by whoever holds the server's configuration.
    pub fn cli() -> Self {
        Self {
            jti: None,
            role: "cli".into(),
            agency: None,
            person: None,
        }
    }

    /// How locks and publications name who made them: the username, the
    /// token id, or the role (`cli`).
    pub fn name(&self) -> String {
        match (&self.person, &self.jti) {
            (Some(p), _) => p.username.clone(),
            (None, Some(jti)) => jti.clone(),
            (None, None) => self.role.clone(),
        }
    }
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
    table::insert(
        conn,
        &[NewAudit {
            at: crate::db::now(),
            actor_jti: actor.jti.as_deref(),
            actor_role: &actor.role,
            actor_agency: actor.agency.as_deref(),
            actor_account: actor.person.as_ref().map(|p| p.id.as_str()),
            actor_username: actor.person.as_ref().map(|p| p.username.as_str()),
            action,
            entity_type,
            entity_id,
            before_json: before.map(to_json).transpose()?,
            after_json: after.map(to_json).transpose()?,
        }],
    )
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
        .map(|(id, after)| {
            Ok(NewAudit {
                at,
                actor_jti: actor.jti.as_deref(),
                actor_role: &actor.role,
                actor_agency: actor.agency.as_deref(),
                actor_account: actor.person.as_ref().map(|p| p.id.as_str()),
                actor_username: actor.person.as_ref().map(|p| p.username.as_str()),
                action: "create",
                entity_type,
                entity_id: id,
                before_json: None,
                after_json: Some(to_json(after)?),
            })
        })
        .collect::<QueryResult<_>>()?;
    table::insert(conn, &rows)
}

/// A view that cannot be serialised fails the write (and rolls back its
/// transaction) instead of recording `null`.
fn to_json<T: Serialize>(v: &T) -> QueryResult<String> {
    serde_json::to_string(v).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

/// Who made a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditActor {
    /// Token id, absent for a person or the command line.
    pub jti: Option<String>,
    /// `admin`, `agency`, `viewer`, `cli`, or `anonymous` (a failed sign-in).
    pub role: String,
    /// Agency of an agency token or account.
    pub agency: Option<String>,
    /// The signed-in person's account id.
    pub account_id: Option<String>,
    /// ... and username.
    pub username: Option<String>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Record id.
    pub id: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: AuditActor,
    /// `create`, `update`, `delete`, `issue`, `revoke`, `import`, `link`, ...
    pub action: String,
    /// Entity type.
    pub entity_type: String,
    /// Entity id.
    pub entity_id: String,
    /// The entity before the change (absent for creations).
    pub before: Option<serde_json::Value>,
    /// The entity after the change (absent for deletions).
    pub after: Option<serde_json::Value>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = ApiError;

    /// A stored `before`/`after` that is not JSON is a corrupt record: an
    /// error, never a silent `null`.
    fn try_from(r: AuditRow) -> Result<Self, ApiError> {
        let parse = |side: &str, s: Option<String>| {
            s.map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(|e| {
                    ApiError::internal_with(
                        format!("audit record {} has unreadable {side} JSON", r.id),
                        e,
                    )
                })
        };
        Ok(Self {
            id: r.id,
            at: r.at.and_utc(),
            actor: AuditActor {
                jti: r.actor_jti.clone(),
                role: r.actor_role.clone(),
                agency: r.actor_agency.clone(),
                account_id: r.actor_account.clone(),
                username: r.actor_username.clone(),
            },
            action: r.action.clone(),
            entity_type: r.entity_type.clone(),
            entity_id: r.entity_id.clone(),
            before: parse("before", r.before_json.clone())?,
            after: parse("after", r.after_json.clone())?,
        })
    }
}

/// Records matching the filter, newest first, at most `limit`.
pub fn list(
    conn: &mut DbConn,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>, ApiError> {
    table::list(conn, filter, limit)?
        .into_iter()
        .map(AuditEntry::try_from)
        .collect()
}

pub use crate::db::short_lived::ShortLivedFilter;

/// An event deleted soon after it was created. Posting an event with one
/// identifier, reading an aggregate and deleting the event again would tell
/// an agency whether that person attended anything: this listing makes such
/// probing visible.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortLivedEvent {
    /// Event id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Reporting agency.
    pub agency: String,
    /// The agency's own id for the event.
    pub external_id: String,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was deleted (UTC).
    pub deleted_at: DateTime<Utc>,
    /// Whole seconds between creation and deletion.
    pub lived_seconds: i64,
    /// Distinct identified participants it had.
    pub participants_identified: i64,
    /// The reason given for deleting it.
    pub delete_reason: Option<String>,
}

/// Deleted events that lived at most `filter.within_minutes`, newest
/// deletion first, at most `limit`; each with its `seq`, which with
/// `deleted_at` is the pagination key.
pub fn short_lived_events(
    conn: &mut DbConn,
    filter: &ShortLivedFilter,
    limit: i64,
) -> Result<Vec<(ShortLivedEvent, i64)>, ApiError> {
    Ok(crate::db::short_lived::list(conn, filter, limit)?
        .into_iter()
        .map(|r| {
            let event = ShortLivedEvent {
                lived_seconds: (r.deleted_at - r.created_at).num_seconds(),
                id: r.id,
                agency: r.agency_code,
                external_id: r.external_id,
                created_at: r.created_at.and_utc(),
                deleted_at: r.deleted_at.and_utc(),
                participants_identified: r.participants_identified,
                delete_reason: r.delete_reason,
            };
            (event, r.seq)
        })
        .collect())
}
