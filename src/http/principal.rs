//! The authenticated caller ([`Principal`]) as an actix extractor, and its
//! role guards. A caller is a system with a bearer token, or a person with
//! a session cookie; a change made with the cookie must carry the CSRF
//! token and come from the service's own origin.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::Utc;

use crate::accounts::session::{self, COOKIE, Live};
use crate::auth::Role;
use crate::db::tokens;
use crate::error::{ApiError, Denial};
use crate::state::AppState;

/// The signed-in person behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Account id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// The session's id hash.
    pub session_hash: String,
    /// When the session ends however active (UTC).
    pub expires_at: chrono::NaiveDateTime,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Token id, or `account:<id>` for a person: the key of per-caller
    /// limits.
    pub jti: String,
    /// Role.
    pub role: Role,
    /// Agency (agency tokens).
    pub agency: Option<String>,
    /// Whether that agency is active (false for a deactivated one).
    pub agency_active: bool,
    /// A public viewer token: it reads publications only.
    pub public: bool,
    /// The area the caller's answers are limited to.
    pub area: Option<String>,
    /// The person, when signed in with a session.
    pub person: Option<SignedIn>,
    /// The caller's place among its requests handled at once
    /// (`TOKEN_REQUESTS_AT_ONCE`), held while any copy of this value lives.
    pub slot: Slot,
}

/// A place among a caller's requests handled at once; see
/// [`Principal::slot`]. Every slot compares equal (it is not part of who
/// the caller is).
#[derive(Debug, Clone, Default)]
pub struct Slot {
    _held: Option<std::sync::Arc<crate::gate::Pass>>,
}

impl PartialEq for Slot {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Slot {}

/// A place for one more request of `key`: waits for one of the caller's
/// places (503 after a while), 429 with too many running or waiting.
async fn slot(state: &AppState, key: &str) -> Result<Slot, ApiError> {
    let pass = state.requests.enter(key).await?;
    Ok(Slot {
        _held: Some(std::sync::Arc::new(pass)),
    })
}

impl Principal {
    /// Allows admins only.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(ApiError::Forbidden("this needs an admin token".into())),
        }
    }

    /// Allows agency tokens of active agencies; returns the agency code.
    pub fn require_writing_agency(&self) -> Result<&str, ApiError> {
        match (self.role, &self.agency) {
            (Role::Agency, Some(code)) if self.agency_active => Ok(code),
            (Role::Agency, Some(code)) => Err(ApiError::Forbidden(format!(
                "agency {code} is deactivated and cannot write"
            ))),
            _ => Err(ApiError::Forbidden("this needs an agency token".into())),
        }
    }

    /// Rejects viewer (dashboard) tokens.
    pub fn forbid_viewer(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Viewer => Err(ApiError::Forbidden("dashboard tokens are read-only".into())),
            _ => Ok(()),
        }
    }

    /// Rejects public (publication) viewer tokens: ad-hoc queries cannot be
    /// made safe against differencing, so they read publications only.
    pub fn forbid_public(&self) -> Result<(), ApiError> {
        if self.public {
            return Err(ApiError::Forbidden(
                "public tokens read publications only (GET /api/v1/publications): ad-hoc queries could be differenced to reveal small counts".into(),
            ));
        }
        Ok(())
    }

    /// The actor as recorded in the audit log.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            jti: self.person.is_none().then(|| self.jti.clone()),
            role: self.role.as_str().to_string(),
            agency: self.agency.clone(),
            person: self.person.as_ref().map(|p| crate::audit::Person {
                id: p.id.clone(),
                username: p.username.clone(),
            }),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("sign in, or send a bearer token".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("invalid Authorization header".into()))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("invalid Authorization header".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "the Authorization scheme must be Bearer".into(),
        ));
    }
    Ok(token.trim().to_string())
}

/// Whether `req` comes from the service's own origin: its `Origin`
/// (or, without one, its `Referer`) is `PUBLIC_ORIGIN`, or the request's
/// own `Host` over plain HTTP when that is not set.
fn same_origin(req: &HttpRequest, state: &AppState) -> bool {
    let own = match &state.settings.public_origin {
        Some(o) => o.clone(),
        None => match req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
        {
            Some(host) => format!("http://{host}"),
            None => return false,
        },
    };
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
            let u = url::Url::parse(referer).ok()?;
            Some(u.origin().ascii_serialization())
        });
    origin.is_some_and(|o| o.eq_ignore_ascii_case(&own))
}

/// Paths a person may use before changing a reset password or enrolling
/// a required second factor.
fn allowed_before_setup(path: &str) -> bool {
    path == "/api/v1/whoami" || path == "/api/v1/session" || path.starts_with("/api/v1/session/")
}

/// Checks a cookie-authenticated request: CSRF token and origin for
/// changes, then the account's pending set-up.
fn check_session_request(
    req: &HttpRequest,
    state: &AppState,
    cookie: &str,
    live: &Live,
) -> Result<(), ApiError> {
    if !req.method().is_safe() {
        let sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let expected = session::csrf_token(cookie);
        let token_ok =
            crate::accounts::totp::constant_time_eq(sent.as_bytes(), expected.as_bytes());
        if !token_ok || !same_origin(req, state) {
            return Err(ApiError::Denied {
                kind: Denial::Csrf,
                detail: "a change made with the session cookie needs the X-CSRF-Token header \
                         and must come from this service's own pages; nothing was changed"
                    .into(),
            });
        }
    }
    if allowed_before_setup(req.path()) {
        return Ok(());
    }
    if live.account.must_change_password != 0 {
        return Err(ApiError::Denied {
            kind: Denial::PasswordChangeRequired,
            detail: "the password was reset: change it first (POST /api/v1/session/password)"
                .into(),
        });
    }
    if session::must_enrol(&state.settings, &live.account) {
        return Err(ApiError::Denied {
            kind: Denial::MfaRequired,
            detail: "admins must enrol a second factor first (POST /api/v1/session/totp)".into(),
        });
    }
    Ok(())
}

/// The caller of a request carrying the session cookie `cookie`.
async fn from_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    cookie: String,
) -> Result<Principal, ApiError> {
    let pool = state.pool.clone();
    let settings = state.settings.clone();
    let c = cookie.clone();
    let live = web::block(move || -> Result<_, ApiError> {
        let mut conn = pool.get()?;
        session::find(&mut conn, &settings, &c)
    })
    .await??
    .ok_or_else(|| ApiError::Unauthorized("the session has ended: sign in again".into()))?;
    check_session_request(&req, &state, &cookie, &live)?;
    let a = &live.account;
    let role = Role::parse(&a.role).ok_or_else(|| {
        ApiError::internal(format!("account {} has an unknown stored role", a.id))
    })?;
    let agency_active = live.agency_active;
    let jti = format!("account:{}", a.id);
    state.limiter.check(&jti)?;
    let slot = slot(&state, &jti).await?;
    Ok(Principal {
        jti,
        role,
        agency: a.agency_code.clone(),
        agency_active,
        public: false,
        area: a.area_code.clone(),
        person: Some(SignedIn {
            id: a.id.clone(),
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            session_hash: live.session.id_hash.clone(),
            expires_at: live.session.expires_at,
        }),
        slot,
    })
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let cookie = req.cookie(COOKIE).map(|c| c.value().to_string());
        if !req.headers().contains_key(header::AUTHORIZATION)
            && let (Some(cookie), Some(state)) = (cookie, state.clone())
        {
            return Box::pin(from_session(req.clone(), state, cookie));
        }
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let claims = state.auth.verify(&token?)?;
            let pool = state.pool.clone();
            let jti = claims.jti.clone();
            let record = web::block(move || -> Result<_, ApiError> {
                let mut conn = pool.get()?;
                Ok(tokens::find_active(
                    &mut conn,
                    &jti,
                    Utc::now().naive_utc(),
                )?)
            })
            .await??;
            let record = record.ok_or_else(|| {
                ApiError::Unauthorized("invalid token: revoked or unknown".into())
            })?;
            if record.role != claims.role.as_str() || record.agency_code != claims.agency {
                return Err(ApiError::Unauthorized(
                    "invalid token: does not match its record".into(),
                ));
            }
            state.limiter.check(&claims.jti)?;
            let slot = slot(&state, &claims.jti).await?;
            Ok(Principal {
                jti: claims.jti,
                role: claims.role,
                agency: claims.agency,
                agency_active: record.agency_active.unwrap_or(true),
                public: record.public,
                area: record.area_code,
                person: None,
                slot,
            })
        })
    }
}
