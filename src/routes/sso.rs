//! Signing in through the province's single sign-on (OpenID Connect):
//! `GET /session/sso` says whether it is configured, `/session/sso/start`
//! sends the browser to the provider, `/session/sso/callback` brings it
//! back signed in (or to the dashboard with `sso_error`).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts::session;
use crate::accounts::sso::{COOKIE, FLOW_TTL, Refusal};
use crate::audit::{self, Actor};
use crate::error::ApiError;
use crate::http::with_conn;
use crate::state::AppState;

/// Whether people can sign in through single sign-on.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoInfo {
    /// Single sign-on is configured (`OIDC_ISSUER`).
    pub enabled: bool,
    /// Where the sign-in button sends the browser, when enabled.
    pub url: Option<String>,
}

/// The provider's answer.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    /// The authorization code.
    pub code: Option<String>,
    /// The state sent at the start.
    pub state: Option<String>,
    /// The provider's error, when it refused.
    pub error: Option<String>,
}

impl Callback {
    /// The first non-empty value of each parameter; others are ignored.
    fn read(query: &str) -> Self {
        let mut out = Callback {
            code: None,
            state: None,
            error: None,
        };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "code" => &mut out.code,
                "state" => &mut out.state,
                "error" => &mut out.error,
                _ => continue,
            };
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v.into_owned());
            }
        }
        out
    }
}

/// The service's own origin (`PUBLIC_ORIGIN`, else this request's host
/// over plain HTTP).
fn origin(req: &HttpRequest, state: &AppState) -> String {
    state.settings.public_origin.clone().unwrap_or_else(|| {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    })
}

fn redirect(to: &str) -> actix_web::HttpResponseBuilder {
    let mut r = HttpResponse::SeeOther();
    r.insert_header((header::LOCATION, to.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    r
}

/// Whether single sign-on is configured, and where its button leads.
#[utoipa::path(operation_id = "session_sso", tag = "session",
    responses((status = 200, description = "Single sign-on", body = SsoInfo)))]
#[get("/session/sso")]
pub async fn info(state: web::Data<AppState>) -> HttpResponse {
    let enabled = state.sso.is_some();
    HttpResponse::Ok().json(SsoInfo {
        enabled,
        url: enabled.then(|| "/api/v1/session/sso/start".to_string()),
    })
}

/// Start signing in through single sign-on: 303 to the provider
/// (authorization code with PKCE, a fresh state and nonce), with a
/// cookie binding the flow to this browser for 10 minutes.
#[utoipa::path(operation_id = "session_sso_start", tag = "session",
    responses((status = 303, description = "To the provider", headers(("Location" = String, description = "The provider's authorization URL"))),
        (status = 404, description = "Single sign-on is not configured", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/session/sso/start")]
pub async fn start(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let sso = state
        .sso
        .clone()
        .ok_or_else(|| ApiError::NotFound("single sign-on is not configured".into()))?;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let browser = URL_SAFE_NO_PAD.encode(raw);
    let redirect_uri = format!("{}/api/v1/session/sso/callback", origin(&req, &state));
    let b = browser.clone();
    let url = with_conn(&state, move |c| sso.start(c, &redirect_uri, &b)).await?;
    let cookie = Cookie::build(COOKIE, browser)
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/api/v1/session/sso")
        .secure(super::session::secure_cookie(&req, &state))
        .max_age(actix_web::cookie::time::Duration::seconds(
            FLOW_TTL.as_secs() as i64,
        ))
        .finish();
    Ok(redirect(&url).cookie(cookie).finish())
}

/// Where the provider sends the browser back: on success the session
/// cookie is set and the browser goes to `/dashboard/`; on any refusal to
/// `/dashboard/?sso_error=` `state` (unknown, used, expired or another
/// browser's), `provider` (refused, or its answer failed verification),
/// `no_account` or `disabled`. No account is ever created here.
#[utoipa::path(operation_id = "session_sso_callback", tag = "session", params(Callback),
    responses((status = 303, description = "To the dashboard, signed in or with `sso_error`",
        headers(("Location" = String, description = "`/dashboard/` or `/dashboard/?sso_error=...`")))))]
#[get("/session/sso/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Some(sso) = state.sso.clone() else {
        return Ok(redirect("/dashboard/?sso_error=provider").finish());
    };
    // Read leniently: whatever the provider (or anyone) put in the address,
    // the browser goes back to the dashboard, never to an error page.
    let q = Callback::read(req.query_string());
    let browser = req.cookie(COOKIE).map(|c| c.value().to_string());
    let client = super::session::client_address(&req, &state);
    let replaced = req.cookie(session::COOKIE).map(|c| c.value().to_string());
    let settings = state.settings.clone();
    let outcome = with_conn(&state, move |c| {
        let result = match (q.error, q.code, q.state) {
            (None, Some(code), Some(st)) => sso.finish(c, &code, &st, browser.as_deref())?,
            (Some(e), _, Some(st)) => {
                // Use up the flow even when the provider refused.
                crate::accounts::sso::abandon(c, &st)?;
                Err((
                    Refusal::Provider,
                    format!("the provider answered error={e}"),
                ))
            }
            _ => Err((Refusal::State, "no code or state".into())),
        };
        match result {
            Ok(account) => {
                let (id, _) = session::start(c, &settings, &account, "sso", replaced.as_deref())?;
                Ok(Ok(id))
            }
            Err((refusal, why)) => {
                let anonymous = Actor {
                    jti: None,
                    role: "anonymous".into(),
                    agency: None,
                    person: None,
                };
                audit::record(
                    c,
                    &anonymous,
                    "sign_in_failed",
                    "account",
                    "unknown",
                    None::<&()>,
                    Some(&serde_json::json!({"method": "sso", "reason": why, "client": client})),
                )?;
                Ok(Err(refusal))
            }
        }
    })
    .await?;
    let mut clear = Cookie::build(COOKIE, "")
        .path("/api/v1/session/sso")
        .finish();
    clear.make_removal();
    Ok(match outcome {
        Ok(id) => redirect("/dashboard/")
            .cookie(super::session::session_cookie(&req, &state, id))
            .cookie(clear)
            .finish(),
        Err(refusal) => redirect(&format!("/dashboard/?sso_error={}", refusal.as_str()))
            .cookie(clear)
            .finish(),
    })
}
