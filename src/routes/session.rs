//! People sign in and out (issue 30): `POST /session` with a username and
//! password (and a TOTP code when enrolled) sets the session cookie;
//! `GET /session` shows it with its CSRF token; `DELETE /session` ends it.
//! A person changes their own password and enrols a second factor here.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::password;
use crate::accounts::session::{self, Attempt, COOKIE, SessionView};
use crate::accounts::totp::{self, Enrolment, RecoveryCodes};
use crate::error::{ApiError, Denial};
use crate::http::extract::JsonBody;
use crate::http::{AuthErrors, BodyErrors, Principal, with_conn};
use crate::state::AppState;

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Username (any case).
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    /// Password.
    #[schema(min_length = 1, max_length = 256, format = Password)]
    pub password: String,
    /// The 6-digit code of the authenticator app, or a recovery code, for
    /// an account with a second factor.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub totp: Option<String>,
}

/// A password change by the person themself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now (the one-time password after a reset).
    #[schema(format = Password)]
    pub current_password: String,
    /// The new one: at least 12 characters, not a common password, not
    /// containing the username.
    #[schema(min_length = 12, max_length = 256, format = Password)]
    pub new_password: String,
}

/// A first code confirming a second factor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirm {
    /// The 6-digit code the authenticator app shows now.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: String,
}

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the last address in `X-Forwarded-For` that is not one.
pub fn client_address(req: &HttpRequest, state: &AppState) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted = |ip: &std::net::IpAddr| state.settings.trusted_proxies.contains(ip);
    if let Some(p) = peer
        && trusted(&p)
        && let Some(fwd) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
    {
        let hop = fwd
            .rsplit(',')
            .map(str::trim)
            .filter_map(|h| h.parse::<std::net::IpAddr>().ok())
            .find(|ip| !trusted(ip));
        if let Some(ip) = hop {
            return ip.to_string();
        }
    }
    peer.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
}

fn is_loopback_host(host: &str) -> bool {
    let h = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `Secure` unless the deployment is plain HTTP on loopback.
pub(crate) fn secure_cookie(req: &HttpRequest, state: &AppState) -> bool {
    match &state.settings.public_origin {
        Some(o) => match o.strip_prefix("http://") {
            Some(host) => !is_loopback_host(host),
            None => true,
        },
        None => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            !is_loopback_host(host)
        }
    }
}

pub(crate) fn session_cookie(
    req: &HttpRequest,
    state: &AppState,
    value: String,
) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure_cookie(req, state))
        .finish()
}

fn cleared_cookie(req: &HttpRequest, state: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(req, state, String::new());
    c.make_removal();
    c
}

/// An answer carrying a session's secrets: never stored, never compressed.
fn private(mut resp: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    resp.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(header::ContentEncoding::Identity);
    resp
}

async fn start_session(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    account: crate::db::accounts::AccountRow,
    method: &'static str,
) -> Result<HttpResponse, ApiError> {
    let replaced = req.cookie(COOKIE).map(|c| c.value().to_string());
    let settings = state.settings.clone();
    let (id, view) = with_conn(state, move |c| {
        let (id, row) = session::start(c, &settings, &account, method, replaced.as_deref())?;
        let view = session::view(c, &settings, &id, &row, &account)?;
        Ok((id, view))
    })
    .await?;
    Ok(private(HttpResponse::Ok())
        .cookie(session_cookie(req, state, id))
        .json(view))
}

/// Sign in with a username and password (and `totp` when the account has
/// a second factor). Sets the session cookie (`HttpOnly`, `SameSite=Lax`,
/// `Secure` unless served over plain HTTP on loopback) with a new id;
/// answers the session with its CSRF token. Wrong password and unknown
/// username answer the same; failures slow further tries down (429 with
/// `Retry-After`), never lock an account.
#[utoipa::path(operation_id = "session_create", tag = "session", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; the cookie is set", body = SessionView,
         headers(("Set-Cookie" = String, description = "`ct_session=...; HttpOnly; SameSite=Lax; Path=/`"))),
        (status = 401, description = "Wrong username or password (`sign-in-failed`), or a second factor needed (`totp-required`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is disabled", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures: wait", body = crate::error::Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u32, description = "Seconds to wait"))),
        BodyErrors))]
#[post("/session")]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<SignIn>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let attempt = Attempt {
        username: b.username,
        password: b.password,
        totp: b.totp,
        client: client_address(&req, &state),
    };
    let account =
        session::authenticate(&state.pool, &state.hasher, &state.throttle, attempt).await?;
    start_session(&req, &state, account, "password").await
}

fn signed_in(who: &Principal) -> Result<&crate::http::principal::SignedIn, ApiError> {
    who.person.as_ref().ok_or_else(|| {
        ApiError::Unauthorized(
            "not signed in: this is about a person's session, not a token".into(),
        )
    })
}

/// The signed-in person's session: who, until when, and the CSRF token
/// to send as `X-CSRF-Token` with every change. Reading it counts as
/// activity (the idle timeout starts again).
#[utoipa::path(operation_id = "session_get", tag = "session", security(("session" = [])),
    responses((status = 200, description = "The session", body = SessionView), AuthErrors))]
#[get("/session")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    signed_in(&who)?;
    let cookie = req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    let settings = state.settings.clone();
    let view = with_conn(&state, move |c| {
        let live = session::find(c, &settings, &cookie)?
            .ok_or_else(|| ApiError::Unauthorized("the session has ended: sign in again".into()))?;
        session::view(c, &settings, &cookie, &live.session, &live.account)
    })
    .await?;
    Ok(private(HttpResponse::Ok()).json(view))
}

/// Sign out: the session ends here and on every instance.
#[utoipa::path(operation_id = "session_delete", tag = "session", security(("session" = [])),
    responses((status = 204, description = "Signed out; the cookie is cleared"), AuthErrors))]
#[delete("/session")]
pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    // The extractor found the live session; end that one.
    let hash = signed_in(&who)?.session_hash.clone();
    let actor = who.actor();
    with_conn(&state, move |c| session::end(c, &hash, &actor)).await?;
    Ok(HttpResponse::NoContent()
        .cookie(cleared_cookie(&req, &state))
        .finish())
}

/// Change one's own password (after a reset, the one-time password is the
/// current one). Every other session of the account ends; this one gets a
/// new id (and CSRF token).
#[utoipa::path(operation_id = "session_change_password", tag = "session", security(("session" = [])),
    request_body = PasswordChange,
    responses((status = 200, description = "Changed; a new session", body = SessionView), AuthErrors, BodyErrors))]
#[post("/session/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let person = signed_in(&who)?.clone();
    let b = body.0;
    if let Some(why) = password::weakness(&b.new_password, &person.username) {
        return Err(ApiError::field("new_password", why));
    }
    if b.new_password == b.current_password {
        return Err(ApiError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    let client = client_address(&req, &state);
    let attempt = Attempt {
        username: person.username.clone(),
        password: b.current_password,
        totp: None,
        client: client.clone(),
    };
    let id = person.id.clone();
    let pool = state.pool.clone();
    let stored = web::block(move || -> Result<_, ApiError> {
        let mut conn = pool.get()?;
        Ok(crate::db::accounts::get(&mut conn, &id)?.and_then(|a| a.password_hash))
    })
    .await??;
    let wait = state
        .throttle
        .wait(&person.username.to_ascii_lowercase(), &client);
    if wait > 0 {
        return Err(ApiError::TooManyRequests { retry_after: wait });
    }
    if !state
        .hasher
        .verify(&client, attempt.password, stored)
        .await?
    {
        state
            .throttle
            .failed(&person.username.to_ascii_lowercase(), &client);
        return Err(ApiError::Denied {
            kind: Denial::SignInFailed,
            detail: "the current password is wrong".into(),
        });
    }
    let hash = state.hasher.hash(&client, b.new_password).await?;
    let actor = who.actor();
    let id = person.id.clone();
    let account = with_conn(&state, move |c| {
        crate::accounts::set_password(c, &actor, &id, hash, false, None)?;
        crate::db::accounts::get(c, &id)?
            .ok_or_else(|| ApiError::NotFound("no such account".into()))
    })
    .await?;
    start_session(&req, &state, account, "password").await
}

/// Start enrolling a second factor (TOTP): answers the secret and a QR
/// code for the authenticator app. Confirm with a first code.
#[utoipa::path(operation_id = "session_totp_enrol", tag = "session", security(("session" = [])),
    responses((status = 200, description = "Scan the QR code, then confirm", body = Enrolment),
        (status = 409, description = "Already enrolled", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[post("/session/totp")]
pub async fn totp_enrol(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let id = signed_in(&who)?.id.clone();
    let out = with_conn(&state, move |c| totp::enrol(c, &id)).await?;
    Ok(private(HttpResponse::Ok()).json(out))
}

/// Confirm the second factor with the code the app shows now; answers ten
/// recovery codes, shown once. From now on sign-in asks for a code.
#[utoipa::path(operation_id = "session_totp_confirm", tag = "session", security(("session" = [])),
    request_body = TotpConfirm,
    responses((status = 200, description = "Enrolled", body = RecoveryCodes), AuthErrors, BodyErrors))]
#[post("/session/totp/confirm")]
pub async fn totp_confirm(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<TotpConfirm>,
) -> Result<HttpResponse, ApiError> {
    let id = signed_in(&who)?.id.clone();
    let actor = who.actor();
    let out = with_conn(&state, move |c| totp::confirm(c, &actor, &id, &body.0.code)).await?;
    Ok(private(HttpResponse::Ok()).json(out))
}
