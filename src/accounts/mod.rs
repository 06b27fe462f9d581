//! People's accounts (issue 30): an official or a clerk signs in by name
//! and every action is recorded under it. Account administration here is
//! shared by the HTTP routes and the CLI: each write validates, writes and
//! appends its audit record in one transaction. Sessions are in
//! [`session`], passwords in [`password`], slowing failed sign-ins in
//! [`throttle`], the second factor in [`totp`].

pub mod password;
pub mod session;
pub mod sso;
pub mod throttle;
pub mod totp;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::db::accounts::{self as table, AccountRow};
use crate::db::{DbConn, sessions, write_tx};
use crate::error::{ApiError, FieldError};

/// An account as the API shows it (never a hash or a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Account {
    /// Account id.
    #[schema(format = Uuid)]
    pub id: String,
    /// Username (unique whatever its case).
    pub username: String,
    /// Name shown, e.g. "Nguyễn Thị Lan".
    pub display_name: String,
    /// E-mail (single sign-on may match it).
    pub email: Option<String>,
    /// `admin`, `agency` (with `agency`) or `viewer`.
    pub role: Role,
    /// Agency of an agency account.
    pub agency: Option<String>,
    /// The agency's name.
    pub agency_name: Option<String>,
    /// The area the account's answers cover (none: everywhere).
    pub area: Option<String>,
    /// The area's name.
    pub area_name: Option<String>,
    /// Disabled accounts cannot sign in; their sessions have ended.
    pub disabled: bool,
    /// The password was reset: the next sign-in must change it.
    pub must_change_password: bool,
    /// A second factor (TOTP) is enrolled.
    pub totp_enabled: bool,
    /// The account can sign in with a password (else single sign-on only).
    pub has_password: bool,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

/// Builds the API view of a stored account, naming its agency and area.
pub fn view(conn: &mut DbConn, r: &AccountRow) -> Result<Account, ApiError> {
    let role = Role::parse(&r.role).ok_or_else(|| {
        ApiError::internal(format!(
            "account {} has an unknown stored role {:?}",
            r.id, r.role
        ))
    })?;
    let agency_name = match &r.agency_code {
        Some(code) => table::agency_name(conn, code)?.map(|(name, _)| name),
        None => None,
    };
    let area_name = match &r.area_code {
        Some(code) => crate::db::areas::with_code(conn, code)?
            .into_iter()
            .max_by_key(|a| a.valid_from)
            .map(|a| a.name),
        None => None,
    };
    Ok(Account {
        id: r.id.clone(),
        username: r.username.clone(),
        display_name: r.display_name.clone(),
        email: r.email.clone(),
        role,
        agency: r.agency_code.clone(),
        agency_name,
        area: r.area_code.clone(),
        area_name,
        disabled: r.disabled_at.is_some(),
        must_change_password: r.must_change_password != 0,
        totp_enabled: r.totp_secret.is_some(),
        has_password: r.password_hash.is_some(),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

/// A new account (admin). It gets a one-time password, shown once, that
/// the person changes at first sign-in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// 3-64 letters, digits, `.`, `_`, `-` or `@`; unique whatever its case.
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._@-]{3,64}$")]
    pub username: String,
    /// Name shown (1-200 characters).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub display_name: String,
    /// E-mail, optional (single sign-on may match it).
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// `admin`, `agency` (needs `agency`) or `viewer`.
    pub role: Role,
    /// Agency code, for agency accounts only.
    #[serde(default)]
    pub agency: Option<String>,
    /// Area code the account's answers are limited to (agency and viewer
    /// accounts), typically its province.
    #[serde(default)]
    pub area: Option<String>,
}

/// Changes to an account (admin); absent fields stay as they are, `null`
/// clears `email`, `agency` or `area`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// Name shown.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// E-mail (`null` clears it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub email: Option<Option<String>>,
    /// Role.
    #[serde(default)]
    pub role: Option<Role>,
    /// Agency (`null` clears it; agency accounts need one).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub agency: Option<Option<String>>,
    /// Area scope (`null`: everywhere).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub area: Option<Option<String>>,
    /// `true` disables the account and ends its sessions; `false` enables it.
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// A field present in the body, `null` or not (absent stays `None`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The lower-case key of a username, or why it is invalid.
pub fn username_key(username: &str) -> Result<String, FieldError> {
    let u = username.trim();
    let ok = (3..=64).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(u.to_ascii_lowercase())
    } else {
        Err(FieldError::new(
            "username",
            "must be 3-64 letters, digits, '.', '_', '-' or '@'",
        ))
    }
}

fn check_email(errors: &mut Vec<FieldError>, email: &Option<String>) -> Option<String> {
    let e = email.as_deref().map(str::trim).filter(|e| !e.is_empty())?;
    let parts: Vec<&str> = e.split('@').collect();
    if e.len() > 254 || parts.len() != 2 || parts[0].is_empty() || !parts[1].contains('.') {
        errors.push(FieldError::new("email", "must be an e-mail address"));
    }
    Some(e.to_ascii_lowercase())
}

fn check_display_name(errors: &mut Vec<FieldError>, name: &str) {
    let n = name.trim().chars().count();
    if n == 0 || n > 200 {
        errors.push(FieldError::new(
            "display_name",
            "must be 1 to 200 characters",
        ));
    }
}

/// Checks role, agency and area together, against the database.
fn check_scope(
    conn: &mut DbConn,
    errors: &mut Vec<FieldError>,
    row: &AccountRow,
) -> Result<(), ApiError> {
    match (row.role.as_str(), &row.agency_code) {
        ("agency", None) => errors.push(FieldError::new(
            "agency",
            "an agency account needs an agency",
        )),
        ("agency", Some(code)) => match table::agency_name(conn, code)? {
            None => errors.push(FieldError::new("agency", "no such agency")),
            Some((_, 0)) => errors.push(FieldError::new("agency", "the agency is deactivated")),
            Some(_) => {}
        },
        (_, Some(_)) => errors.push(FieldError::new(
            "agency",
            "only agency accounts name an agency",
        )),
        _ => {}
    }
    if let Some(area) = &row.area_code {
        if row.role == "admin" {
            errors.push(FieldError::new("area", "admin accounts cover every area"));
        } else if crate::db::areas::ids_with_code(conn, area)?.is_empty() {
            errors.push(FieldError::new("area", "unknown administrative unit code"));
        }
    }
    Ok(())
}

/// Creates an account with a password hash: a one-time password's
/// (`must_change`: the person chooses their own at first sign-in) or one
/// the person chose (the CLI, checked against the policy there).
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    req: &NewAccount,
    password_hash: String,
    must_change: bool,
) -> Result<Account, ApiError> {
    let mut errors = Vec::new();
    let key = username_key(&req.username).map_err(|e| errors.push(e)).ok();
    check_display_name(&mut errors, &req.display_name);
    let email = check_email(&mut errors, &req.email);
    let now = crate::db::now();
    let row = AccountRow {
        id: uuid::Uuid::new_v4().to_string(),
        username: req.username.trim().to_string(),
        username_key: key.unwrap_or_default(),
        display_name: req.display_name.trim().to_string(),
        email,
        role: req.role.as_str().to_string(),
        agency_code: req.agency.clone().filter(|a| !a.is_empty()),
        area_code: req.area.clone().filter(|a| !a.is_empty()),
        password_hash: Some(password_hash),
        must_change_password: i32::from(must_change),
        disabled_at: None,
        totp_secret: None,
        totp_pending: None,
        totp_last_step: None,
        recovery_codes: None,
        created_at: now,
        updated_at: now,
    };
    write_tx(conn, |conn| {
        check_scope(conn, &mut errors, &row)?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        if let Some(existing) = table::by_username(conn, &row.username_key)? {
            return Err(ApiError::Conflict {
                detail: format!("the username {} is taken", existing.username),
                existing_id: Some(existing.id),
            });
        }
        table::insert(conn, &row)?;
        let out = view(conn, &row)?;
        audit::record(
            conn,
            actor,
            "create",
            "account",
            &out.id,
            None::<&()>,
            Some(&out),
        )?;
        Ok(out)
    })
}

fn load(conn: &mut DbConn, id: &str) -> Result<AccountRow, ApiError> {
    table::get(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("no account {id}")))
}

/// One account.
pub fn get(conn: &mut DbConn, id: &str) -> Result<Account, ApiError> {
    let row = load(conn, id)?;
    view(conn, &row)
}

/// Accounts in username order after the cursor `after` (a username).
pub fn list(conn: &mut DbConn, after: Option<&str>, limit: i64) -> Result<Vec<Account>, ApiError> {
    let after = after.map(str::to_ascii_lowercase);
    table::list(conn, after.as_deref(), limit)?
        .iter()
        .map(|r| view(conn, r))
        .collect()
}

/// One account by username (the CLI).
pub fn by_username(conn: &mut DbConn, username: &str) -> Result<AccountRow, ApiError> {
    let key = username_key(username).map_err(|e| ApiError::validation(vec![e]))?;
    table::by_username(conn, &key)?
        .ok_or_else(|| ApiError::NotFound(format!("no account {username}")))
}

/// The account id a username (any case) or an account id names; the text
/// itself when neither (it then matches nothing).
pub fn person_id(conn: &mut DbConn, person: &str) -> Result<String, ApiError> {
    if let Ok(key) = username_key(person)
        && let Some(row) = table::by_username(conn, &key)?
    {
        return Ok(row.id);
    }
    Ok(person.to_string())
}

/// Refuses a change that would leave no enabled admin account while admin
/// accounts exist (someone must be able to sign in and manage).
fn keep_an_admin(
    conn: &mut DbConn,
    before: &AccountRow,
    after: &AccountRow,
) -> Result<(), ApiError> {
    let was = before.role == "admin" && before.disabled_at.is_none();
    let is = after.role == "admin" && after.disabled_at.is_none();
    if was && !is && table::enabled_admins(conn)? <= 1 {
        return Err(ApiError::Conflict {
            detail: "this is the last enabled admin account: make another admin first".into(),
            existing_id: None,
        });
    }
    Ok(())
}

/// Applies a patch; disabling ends every session of the account at once.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    patch: &AccountPatch,
) -> Result<Account, ApiError> {
    write_tx(conn, |conn| {
        let before_row = load(conn, id)?;
        let before = view(conn, &before_row)?;
        let mut row = before_row.clone();
        let mut errors = Vec::new();
        if let Some(n) = &patch.display_name {
            check_display_name(&mut errors, n);
            row.display_name = n.trim().to_string();
        }
        if let Some(e) = &patch.email {
            row.email = check_email(&mut errors, e);
        }
        if let Some(r) = patch.role {
            row.role = r.as_str().to_string();
        }
        if let Some(a) = &patch.agency {
            row.agency_code = a.clone().filter(|a| !a.is_empty());
        }
        if let Some(a) = &patch.area {
            row.area_code = a.clone().filter(|a| !a.is_empty());
        }
        match patch.disabled {
            Some(true) if row.disabled_at.is_none() => row.disabled_at = Some(crate::db::now()),
            Some(false) => row.disabled_at = None,
            _ => {}
        }
        check_scope(conn, &mut errors, &row)?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        if row == before_row {
            return Ok(before);
        }
        keep_an_admin(conn, &before_row, &row)?;
        row.updated_at = crate::db::now();
        table::update(conn, &row)?;
        let scope_changed = (&row.role, &row.agency_code, &row.area_code)
            != (
                &before_row.role,
                &before_row.agency_code,
                &before_row.area_code,
            );
        if row.disabled_at.is_some() || scope_changed {
            sessions::delete_for_account(conn, id, None)?;
        }
        let after = view(conn, &row)?;
        let action = match (before.disabled, after.disabled) {
            (false, true) => "disable",
            (true, false) => "enable",
            _ => "update",
        };
        audit::record(
            conn,
            actor,
            action,
            "account",
            id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Sets a new password hash (`must_change`: a reset by an admin) and ends
/// every session of the account but `keep`.
pub fn set_password(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    hash: String,
    must_change: bool,
    keep: Option<&str>,
) -> Result<Account, ApiError> {
    write_tx(conn, |conn| {
        let mut row = load(conn, id)?;
        row.password_hash = Some(hash);
        row.must_change_password = i32::from(must_change);
        row.updated_at = crate::db::now();
        table::update(conn, &row)?;
        sessions::delete_for_account(conn, id, keep)?;
        let out = view(conn, &row)?;
        let action = if must_change {
            "reset_password"
        } else {
            "change_password"
        };
        audit::record(conn, actor, action, "account", id, None::<&()>, Some(&out))?;
        Ok(out)
    })
}
