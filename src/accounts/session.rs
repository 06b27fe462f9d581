//! Browser sessions: a random id in an `HttpOnly` cookie, stored only as
//! its SHA-256, with an idle timeout and an absolute one; a new id at every
//! sign-in (the id a request carried before is ended: no fixation). The
//! CSRF token is derived from the id, so it is never stored either.
//!
//! Signing in ([`authenticate`]) checks the throttle first, then the
//! password (a decoy hash for unknown usernames: the same work and answer),
//! then the second factor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::password::Hasher;
use super::throttle::Throttle;
use super::{Account, totp};
use crate::audit::{self, Actor};
use crate::config::Settings;
use crate::db::accounts::{self as table, AccountRow};
use crate::db::sessions::{self, SessionRow};
use crate::db::{DbConn, DbPool, write_tx};
use crate::error::{ApiError, Denial};

/// The session cookie's name.
pub const COOKIE: &str = "ct_session";
/// A session's last request time is written at most this often.
const TOUCH_EVERY_SECS: i64 = 15;

/// The signed-in person's session, as `GET /api/v1/session` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Send it as `X-CSRF-Token` with every change made with the cookie.
    pub csrf_token: String,
    /// The session ends at this time however active (UTC).
    pub expires_at: DateTime<Utc>,
    /// ... or at this time without a request (each request moves it).
    pub idle_expires_at: DateTime<Utc>,
    /// The password was reset: change it before anything else.
    pub must_change_password: bool,
    /// Admins must enrol a second factor before anything else.
    pub must_enrol_totp: bool,
    /// The person.
    pub account: Account,
}

/// A live session and its account.
#[derive(Debug, Clone)]
pub struct Live {
    /// The stored session.
    pub session: SessionRow,
    /// Its account.
    pub account: AccountRow,
    /// Whether the account's agency may write (true without an agency).
    pub agency_active: bool,
}

/// SHA-256 (hex) of a session id: what the table keeps.
pub fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The CSRF token of a session id.
pub fn csrf_token(id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"campaign-tracker csrf\0");
    h.update(id.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

fn chrono_dur(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The actor of a signed-in person.
pub fn actor(account: &AccountRow) -> Actor {
    Actor {
        jti: None,
        role: account.role.clone(),
        agency: account.agency_code.clone(),
        person: Some(audit::Person {
            id: account.id.clone(),
            username: account.username.clone(),
        }),
    }
}

/// Starts a session for `account` (ending `replaced`, the session the
/// request carried, if any); answers the cookie value.
pub fn start(
    conn: &mut DbConn,
    settings: &Settings,
    account: &AccountRow,
    method: &str,
    replaced: Option<&str>,
) -> Result<(String, SessionRow), ApiError> {
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    let id = URL_SAFE_NO_PAD.encode(raw);
    let now = crate::db::now();
    let row = SessionRow {
        id_hash: id_hash(&id),
        account_id: account.id.clone(),
        method: method.to_string(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + chrono_dur(settings.session_max),
    };
    write_tx(conn, |conn| {
        if let Some(old) = replaced {
            sessions::delete(conn, &id_hash(old))?;
        }
        sessions::delete_expired(conn, now, now - chrono_dur(settings.session_idle))?;
        sessions::insert(conn, &row)?;
        audit::record(
            conn,
            &actor(account),
            "sign_in",
            "account",
            &account.id,
            None::<&()>,
            Some(&serde_json::json!({ "method": method })),
        )?;
        Ok::<_, ApiError>(())
    })?;
    Ok((id, row))
}

/// The live session with cookie value `id`, or None (unknown, ended,
/// idle too long, past its end, or its account disabled). Moves its last
/// request time forward.
pub fn find(conn: &mut DbConn, settings: &Settings, id: &str) -> Result<Option<Live>, ApiError> {
    let hash = id_hash(id);
    let Some((session, account, active)) = sessions::find(conn, &hash)? else {
        return Ok(None);
    };
    let now = crate::db::now();
    let idle_end = session.last_seen_at + chrono_dur(settings.session_idle);
    if session.expires_at <= now || idle_end <= now || account.disabled_at.is_some() {
        sessions::delete(conn, &hash)?;
        return Ok(None);
    }
    let mut session = session;
    if (now - session.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
        sessions::touch(conn, &hash, now)?;
        session.last_seen_at = now;
    }
    Ok(Some(Live {
        session,
        account,
        agency_active: active.is_none_or(|a| a != 0),
    }))
}

/// Ends the session with id hash `id_hash` (signing out), recorded as
/// `actor`'s.
pub fn end(conn: &mut DbConn, id_hash: &str, actor: &Actor) -> Result<(), ApiError> {
    let account = actor.person.as_ref().map_or("", |p| p.id.as_str());
    write_tx(conn, |conn| {
        sessions::delete(conn, id_hash)?;
        audit::record(
            conn,
            actor,
            "sign_out",
            "account",
            account,
            None::<&()>,
            None::<&()>,
        )?;
        Ok(())
    })
}

/// The session as the page reads it.
pub fn view(
    conn: &mut DbConn,
    settings: &Settings,
    id: &str,
    session: &SessionRow,
    account: &AccountRow,
) -> Result<SessionView, ApiError> {
    let idle_end = session.last_seen_at + chrono_dur(settings.session_idle);
    Ok(SessionView {
        csrf_token: csrf_token(id),
        expires_at: session.expires_at.and_utc(),
        idle_expires_at: idle_end.min(session.expires_at).and_utc(),
        must_change_password: account.must_change_password != 0,
        must_enrol_totp: must_enrol(settings, account),
        account: super::view(conn, account)?,
    })
}

/// Whether the deployment requires this account to enrol TOTP first.
pub fn must_enrol(settings: &Settings, account: &AccountRow) -> bool {
    settings.require_admin_mfa && account.role == "admin" && account.totp_secret.is_none()
}

/// A sign-in attempt, as typed.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// TOTP or recovery code, when enrolled.
    pub totp: Option<String>,
    /// Client address (for the throttle).
    pub client: String,
}

fn failed(detail: &str) -> ApiError {
    ApiError::Denied {
        kind: Denial::SignInFailed,
        detail: detail.into(),
    }
}

/// Records a failed sign-in in the audit log.
fn record_failure(
    conn: &mut DbConn,
    key: &str,
    attempt: &Attempt,
    account: Option<&AccountRow>,
    why: &str,
) -> Result<(), ApiError> {
    let actor = match account {
        Some(a) => actor(a),
        None => Actor {
            jti: None,
            role: "anonymous".into(),
            agency: None,
            person: None,
        },
    };
    let shown: String = key.chars().take(64).collect();
    audit::record(
        conn,
        &actor,
        "sign_in_failed",
        "account",
        account.map_or("unknown", |a| a.id.as_str()),
        None::<&()>,
        Some(&serde_json::json!({ "username": shown, "client": attempt.client, "reason": why })),
    )?;
    Ok(())
}

/// After the right password: the account's state and second factor. The
/// refusal, and whether it counts as a failure.
fn second_check(
    conn: &mut DbConn,
    account: &AccountRow,
    attempt: &Attempt,
) -> Result<Option<(ApiError, bool)>, ApiError> {
    if account.disabled_at.is_some() {
        let err = ApiError::Denied {
            kind: Denial::AccountDisabled,
            detail: "this account is disabled; ask an admin".into(),
        };
        return Ok(Some((err, false)));
    }
    if account.totp_secret.is_none() {
        return Ok(None);
    }
    let Some(code) = attempt.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
        let err = ApiError::Denied {
            kind: Denial::TotpRequired,
            detail: "enter the 6-digit code from the authenticator app (or a recovery code)".into(),
        };
        return Ok(Some((err, false)));
    };
    if totp::check(conn, account, code)? {
        return Ok(None);
    }
    let err = ApiError::Denied {
        kind: Denial::TotpRequired,
        detail: "the code is wrong or already used".into(),
    };
    Ok(Some((err, true)))
}

/// Checks a sign-in attempt: the throttle, the password, the account
/// state, the second factor. Answers the account, or the refusal (failures
/// recorded in the throttle and the audit log).
pub async fn authenticate(
    pool: &DbPool,
    hasher: &Hasher,
    throttle: &Throttle,
    attempt: Attempt,
) -> Result<AccountRow, ApiError> {
    let key = attempt.username.trim().to_ascii_lowercase();
    let client = attempt.client.clone();
    let wait = throttle.wait(&key, &client);
    if wait > 0 {
        return Err(ApiError::TooManyRequests { retry_after: wait });
    }
    let found = {
        let pool = pool.clone();
        let k = key.clone();
        actix_web::web::block(move || -> Result<_, ApiError> {
            let mut conn = pool.get()?;
            Ok(table::by_username(&mut conn, &k)?)
        })
        .await??
    };
    let stored = found.as_ref().and_then(|a| a.password_hash.clone());
    let password_ok = attempt.password.chars().count() <= super::password::MAX_LEN
        && hasher
            .verify(&client, attempt.password.clone(), stored)
            .await?;
    let pool = pool.clone();
    let k = key.clone();
    let outcome = actix_web::web::block(
        move || -> Result<Result<AccountRow, (ApiError, bool)>, ApiError> {
            let mut conn = pool.get()?;
            let conn = &mut *conn;
            let refusal = match &found {
                Some(account) if password_ok => second_check(conn, account, &attempt)?,
                _ => Some((failed("wrong username or password"), true)),
            };
            match (refusal, found) {
                (None, Some(account)) => Ok(Ok(account)),
                (Some((err, counts)), found) => {
                    if counts {
                        record_failure(conn, &k, &attempt, found.as_ref(), &err.to_string())?;
                    }
                    Ok(Err((err, counts)))
                }
                (None, None) => Ok(Err((failed("wrong username or password"), true))),
            }
        },
    )
    .await??;
    match outcome {
        Ok(account) => {
            throttle.succeeded(&key);
            Ok(account)
        }
        Err((err, counts)) => {
            if counts {
                throttle.failed(&key, &client);
            }
            Err(err)
        }
    }
}
