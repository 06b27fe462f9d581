//! Administrative operations shared by the HTTP routes and the CLI: each
//! validates, writes, and appends its audit record in one transaction.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::auth::{Auth, IssuedToken, Role};
use crate::db::agencies::{self, AgencyChanges, AgencyRow};
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
    /// Viewer tokens only: a token for publication. Its aggregates suppress
    /// cells counting fewer than `SUPPRESS_K` people (and one more cell when a
    /// single one would otherwise be recoverable from the totals).
    #[serde(default)]
    pub public: bool,
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
}

impl From<TokenRow> for TokenInfo {
    fn from(r: TokenRow) -> Self {
        Self {
            id: r.jti,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            agency: r.agency_code,
            label: r.label,
            kid: r.kid,
            issued_at: r.issued_at.and_utc(),
            expires_at: r.expires_at.and_utc(),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
            public: r.public != 0,
        }
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
    write_tx(conn, |conn| {
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
        };
        tokens::insert(conn, &row)?;
        let info = TokenInfo::from(row);
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
        let before: TokenInfo = tokens::get(conn, jti)?
            .ok_or_else(|| ApiError::NotFound(format!("no token {jti}")))?
            .into();
        if tokens::revoke(conn, jti, crate::db::now())? > 0 {
            let after: TokenInfo = tokens::get(conn, jti)?
                .ok_or(diesel::result::Error::NotFound)?
                .into();
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

/// An agency as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Agency {
    /// Slug, e.g. `police`.
    pub code: String,
    /// Vietnamese name, e.g. "Công an tỉnh".
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Whether the agency can write (deactivated agencies keep their events).
    pub active: bool,
    /// Created (UTC).
    pub created_at: chrono::DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: chrono::DateTime<Utc>,
}

impl From<AgencyRow> for Agency {
    fn from(r: AgencyRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            name_en: r.name_en,
            active: r.active != 0,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// A new agency.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgency {
    /// Slug: 2-40 lower-case letters, digits and `-`, starting with a letter.
    #[schema(pattern = "^[a-z][a-z0-9-]{1,39}$")]
    pub code: String,
    /// Vietnamese name (1-200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// English name (1-200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name_en: String,
}

/// Changes to an agency; absent fields are kept.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyPatch {
    /// New Vietnamese name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    /// New English name.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name_en: Option<String>,
    /// Activate or deactivate (a deactivated agency's tokens cannot write).
    #[serde(default)]
    pub active: Option<bool>,
}

/// Whether `code` is a valid agency slug.
pub fn valid_agency_code(code: &str) -> bool {
    (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_name(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    let n = value.trim().chars().count();
    if n == 0 || n > 200 {
        errors.push(FieldError::new(field, "must be 1 to 200 characters"));
    }
}

/// Creates an agency; 409 when the code exists.
pub fn create_agency(
    conn: &mut DbConn,
    actor: &Actor,
    req: &NewAgency,
) -> Result<Agency, ApiError> {
    let mut errors = Vec::new();
    if !valid_agency_code(&req.code) {
        errors.push(FieldError::new(
            "code",
            "must be 2-40 lower-case letters, digits or '-', starting with a letter",
        ));
    }
    check_name(&mut errors, "name", &req.name);
    check_name(&mut errors, "name_en", &req.name_en);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    write_tx(conn, |conn| {
        if agencies::get(conn, &req.code)?.is_some() {
            return Err(ApiError::Conflict {
                detail: format!("agency {} already exists", req.code),
                existing_id: Some(req.code.clone()),
            });
        }
        let now = crate::db::now();
        let row = AgencyRow {
            code: req.code.clone(),
            name: req.name.trim().into(),
            name_en: req.name_en.trim().into(),
            active: 1,
            created_at: now,
            updated_at: now,
        };
        agencies::insert(conn, &row)?;
        let out = Agency::from(row);
        audit::record(
            conn,
            actor,
            "create",
            "agency",
            &out.code,
            None::<&()>,
            Some(&out),
        )?;
        Ok(out)
    })
}

/// Renames, activates or deactivates an agency.
pub fn update_agency(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    patch: &AgencyPatch,
) -> Result<Agency, ApiError> {
    let mut errors = Vec::new();
    if let Some(n) = &patch.name {
        check_name(&mut errors, "name", n);
    }
    if let Some(n) = &patch.name_en {
        check_name(&mut errors, "name_en", n);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    write_tx(conn, |conn| {
        let before: Agency = agencies::get(conn, code)?
            .ok_or_else(|| ApiError::NotFound(format!("no agency {code}")))?
            .into();
        let changes = AgencyChanges {
            name: patch.name.as_ref().map(|s| s.trim().to_string()),
            name_en: patch.name_en.as_ref().map(|s| s.trim().to_string()),
            active: patch.active.map(i32::from),
            updated_at: Some(crate::db::now()),
        };
        agencies::update(conn, code, &changes)?;
        let after: Agency = agencies::get(conn, code)?
            .ok_or(diesel::result::Error::NotFound)?
            .into();
        audit::record(
            conn,
            actor,
            "update",
            "agency",
            code,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_codes() {
        for ok in ["police", "womens-union", "labour2"] {
            assert!(valid_agency_code(ok), "{ok}");
        }
        for bad in ["", "p", "Police", "2police", "a b", "x'--", &"a".repeat(41)] {
            assert!(!valid_agency_code(bad), "{bad}");
        }
    }
}
