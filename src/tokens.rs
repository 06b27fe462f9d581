//! Token administration shared by the HTTP routes and the CLI: each write
//! validates, writes, and appends its audit record in one transaction.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::auth::{Auth, IssuedToken, Role};
use crate::db::agencies;
use crate::db::tokens::{self, TokenRow};
use crate::db::{DbConn, write_tx};
use crate::error::{ApiError, FieldError};

/// Longest token lifetime, in days.
pub const MAX_TTL_DAYS: u32 = 3650;
/// Default token lifetime, in days.
pub const DEFAULT_TTL_DAYS: u32 = 365;

/// A request to issue a token.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// `admin`, `agency` (needs `agency`) or `viewer`.
    pub role: Role,
    /// Agency code, for agency tokens only.
    #[serde(default)]
    pub agency: Option<String>,
    /// Who holds it, e.g. "Women's Union sync job" (1-200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub label: String,
    /// Lifetime in days (1-3650, default 365).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub ttl_days: Option<u32>,
    /// Viewer tokens only: a token for the public. It reads publications
    /// (`GET /publications`, with disclosure control across each) and
    /// nothing ad hoc: aggregates, reach analytics and drill-downs are 403.
    #[serde(default)]
    pub public: bool,
    /// Viewer tokens only: an area code (typically a province) the token's
    /// answers are limited to, as if `area=` were always set.
    #[serde(default)]
    pub area: Option<String>,
}

/// A token's metadata (never the token itself).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Token id (`jti`).
    pub id: String,
    /// Role.
    pub role: Role,
    /// Agency of an agency token.
    pub agency: Option<String>,
    /// Label.
    pub label: String,
    /// Key id that signed it.
    pub kid: String,
    /// Issued (UTC).
    pub issued_at: chrono::DateTime<Utc>,
    /// Expires (UTC).
    pub expires_at: chrono::DateTime<Utc>,
    /// Revoked (UTC), if it was.
    pub revoked_at: Option<chrono::DateTime<Utc>>,
    /// A public (publication) viewer token.
    pub public: bool,
    /// The area its answers are limited to.
    pub area: Option<String>,
}

impl TryFrom<TokenRow> for TokenInfo {
    type Error = ApiError;

    /// A stored role the code does not know is a corrupt row, never a
    /// silent `viewer`.
    fn try_from(r: TokenRow) -> Result<Self, ApiError> {
        let role = Role::parse(&r.role).ok_or_else(|| {
            ApiError::internal(format!(
                "token {} has an unknown stored role {:?}",
                r.jti, r.role
            ))
        })?;
        Ok(Self {
            id: r.jti,
            role,
            agency: r.agency_code,
            label: r.label,
            kid: r.kid,
            issued_at: r.issued_at.and_utc(),
            expires_at: r.expires_at.and_utc(),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
            public: r.public != 0,
            area: r.area_code,
        })
    }
}

/// Validates and issues a token, recording its `jti` and an audit entry.
pub fn issue_token(
    conn: &mut DbConn,
    auth: &Auth,
    actor: &Actor,
    req: &NewToken,
) -> Result<(IssuedToken, TokenInfo), ApiError> {
    let mut errors = Vec::new();
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 200 {
        errors.push(FieldError::new("label", "must be 1 to 200 characters"));
    }
    let ttl = req.ttl_days.unwrap_or(DEFAULT_TTL_DAYS);
    if ttl == 0 || ttl > MAX_TTL_DAYS {
        errors.push(FieldError::new(
            "ttl_days",
            format!("must be 1 to {MAX_TTL_DAYS}"),
        ));
    }
    match (req.role, &req.agency) {
        (Role::Agency, None) => {
            errors.push(FieldError::new("agency", "an agency token needs an agency"))
        }
        (Role::Admin | Role::Viewer, Some(_)) => errors.push(FieldError::new(
            "agency",
            "only agency tokens name an agency",
        )),
        _ => {}
    }
    if req.public && req.role != Role::Viewer {
        errors.push(FieldError::new(
            "public",
            "only viewer tokens can be public",
        ));
    }
    let area = req.area.clone().filter(|a| !a.is_empty());
    if area.is_some() && (req.role != Role::Viewer || req.public) {
        errors.push(FieldError::new(
            "area",
            "only (non-public) viewer tokens are scoped to an area",
        ));
    }
    write_tx(conn, |conn| {
        if let Some(a) = &area
            && crate::db::areas::ids_with_code(conn, a)?.is_empty()
        {
            errors.push(FieldError::new("area", "unknown administrative unit code"));
        }
        if let (Role::Agency, Some(code)) = (req.role, &req.agency) {
            match agencies::get(conn, code)? {
                None => errors.push(FieldError::new("agency", "no such agency")),
                Some(a) if a.active == 0 => {
                    errors.push(FieldError::new("agency", "the agency is deactivated"))
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let issued = auth.issue(
            req.role,
            req.agency.clone(),
            label,
            chrono::Duration::days(i64::from(ttl)),
        )?;
        let row = TokenRow {
            jti: issued.claims.jti.clone(),
            role: req.role.as_str().into(),
            agency_code: req.agency.clone(),
            label: label.to_string(),
            kid: issued.kid.clone(),
            issued_at: chrono::DateTime::from_timestamp(issued.claims.iat, 0)
                .unwrap_or_default()
                .naive_utc(),
            expires_at: chrono::DateTime::from_timestamp(issued.claims.exp, 0)
                .unwrap_or_default()
                .naive_utc(),
            revoked_at: None,
            public: i32::from(req.public),
            area_code: area.clone(),
        };
        tokens::insert(conn, &row)?;
        let info = TokenInfo::try_from(row)?;
        audit::record(
            conn,
            actor,
            "issue",
            "token",
            &info.id,
            None::<&()>,
            Some(&info),
        )?;
        Ok((issued, info))
    })
}

/// Revokes a token by id; 404 when unknown. Revoking twice is harmless.
pub fn revoke_token(conn: &mut DbConn, actor: &Actor, jti: &str) -> Result<TokenInfo, ApiError> {
    write_tx(conn, |conn| {
        let before = TokenInfo::try_from(
            tokens::get(conn, jti)?.ok_or_else(|| ApiError::NotFound(format!("no token {jti}")))?,
        )?;
        if tokens::revoke(conn, jti, crate::db::now())? > 0 {
            let after = TokenInfo::try_from(
                tokens::get(conn, jti)?.ok_or(diesel::result::Error::NotFound)?,
            )?;
            audit::record(
                conn,
                actor,
                "revoke",
                "token",
                jti,
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        } else {
            Ok(before)
        }
    })
}

/// Every issued token, newest first (metadata only).
pub fn list_tokens(conn: &mut DbConn) -> Result<Vec<TokenInfo>, ApiError> {
    tokens::list(conn)?
        .into_iter()
        .map(TokenInfo::try_from)
        .collect()
}
