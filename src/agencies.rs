//! Agency administration shared by the HTTP routes and the CLI: each write
//! validates, writes, and appends its audit record in one transaction.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::db::agencies::{self, AgencyChanges, AgencyRow};
use crate::db::{DbConn, write_tx};
use crate::domain::codes::valid_agency_code;
use crate::error::{ApiError, FieldError};

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

/// Every agency, active or not, by code.
pub fn list(conn: &mut DbConn) -> Result<Vec<Agency>, ApiError> {
    Ok(agencies::list(conn)?
        .into_iter()
        .map(Agency::from)
        .collect())
}

/// One agency by code; 404 when unknown.
pub fn get(conn: &mut DbConn, code: &str) -> Result<Agency, ApiError> {
    agencies::get(conn, code)?
        .map(Agency::from)
        .ok_or_else(|| ApiError::NotFound(format!("no agency {code}")))
}
