//! Token management over HTTP (admin only). The token itself is returned
//! once, at creation; afterwards only its metadata exists.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::http::Principal;
use crate::http::extract::JsonBody;
use crate::http::{AuthErrors, BodyErrors, NotFound, with_conn};
use crate::state::AppState;
use crate::tokens::{self, NewToken, TokenInfo};

/// A newly issued token: the only time the JWT is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The bearer token (JWT). Store it now: it cannot be shown again.
    pub token: String,
    /// Its metadata; `id` is the `jti` used to revoke it.
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Issue a token (admin): `admin`, `agency` (with `agency`) or `viewer`.
#[utoipa::path(operation_id = "tokens_create", tag = "tokens", security(("bearer" = [])), request_body = NewToken,
    responses(
        (status = 201, description = "Issued", body = CreatedToken,
         headers(("Location" = String, description = "URL of the token's metadata"))),
        AuthErrors, BodyErrors))]
#[post("/tokens")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<NewToken>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let auth = state.auth.clone();
    let (issued, info) = with_conn(&state, move |c| {
        tokens::issue_token(c, &auth, &actor, &body.0)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", info.id)))
        // An answer carrying a secret is never compressed (BREACH).
        .insert_header(actix_web::http::header::ContentEncoding::Identity)
        .json(CreatedToken {
            token: issued.token,
            info,
        }))
}

/// List issued tokens, newest first (admin). Metadata only: never the tokens.
#[utoipa::path(operation_id = "tokens_list", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, description = "Token metadata", body = Vec<TokenInfo>), AuthErrors))]
#[get("/tokens")]
pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let infos = with_conn(&state, tokens::list_tokens).await?;
    Ok(HttpResponse::Ok().json(infos))
}

/// Revoke a token (admin). It is refused from the next request on.
#[utoipa::path(operation_id = "tokens_revoke", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, description = "Token id (`jti`)")),
    responses((status = 200, description = "Revoked", body = TokenInfo), AuthErrors, NotFound))]
#[delete("/tokens/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let id = id.into_inner();
    let info = with_conn(&state, move |c| tokens::revoke_token(c, &actor, &id)).await?;
    Ok(HttpResponse::Ok().json(info))
}

/// Who the caller is: a system's token or a signed-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// `token` (a system's bearer token) or `session` (a signed-in person).
    #[schema(pattern = "^(token|session)$")]
    pub kind: String,
    /// The token's id, or the person's account id.
    pub id: String,
    /// `admin`, `agency` or `viewer`.
    pub role: String,
    /// The agency of an agency token or account.
    pub agency: Option<String>,
    /// That agency's name.
    pub agency_name: Option<String>,
    /// The area the caller's answers are limited to.
    pub area: Option<String>,
    /// A public viewer token: it reads publications only.
    pub public: bool,
    /// Whether the caller may write (an admin, or an active agency).
    pub can_write: bool,
    /// The person's username (sessions).
    pub username: Option<String>,
    /// The person's name (sessions).
    pub display_name: Option<String>,
    /// When the session ends however active (sessions; UTC).
    pub session_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The deployment's own area (`HOME_AREA`): the default scope of
    /// pickers and reports.
    pub home_area: Option<String>,
    /// How reporting periods cut their months (`REPORTING_PERIODS`):
    /// `calendar` (the 1st to the month's end) or `decree-09` (the 15th of
    /// the month before to the 14th); pickers fill dates by it.
    #[schema(value_type = String, example = "calendar")]
    pub reporting_periods: &'static str,
}

/// The caller: its role, agency and scope, and for a signed-in person
/// their name and when the session ends (any token or session).
#[utoipa::path(operation_id = "tokens_whoami", tag = "tokens", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The caller", body = WhoAmI), AuthErrors))]
#[get("/whoami")]
pub async fn whoami(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let agency_name = match who.agency.clone() {
        None => None,
        Some(code) => {
            with_conn(&state, move |c| {
                Ok(crate::db::accounts::agency_name(c, &code)?.map(|(name, _)| name))
            })
            .await?
        }
    };
    let person = who.person.clone();
    Ok(HttpResponse::Ok().json(WhoAmI {
        kind: if person.is_some() { "session" } else { "token" }.into(),
        can_write: super::writer(&who).is_ok(),
        id: person
            .as_ref()
            .map_or_else(|| who.jti.clone(), |p| p.id.clone()),
        role: who.role.as_str().to_string(),
        agency: who.agency,
        agency_name,
        area: who.area,
        public: who.public,
        username: person.as_ref().map(|p| p.username.clone()),
        display_name: person.as_ref().map(|p| p.display_name.clone()),
        session_expires_at: person.map(|p| p.expires_at.and_utc()),
        home_area: state.settings.home_area.clone(),
        reporting_periods: state.settings.period_rule.as_str(),
    }))
}
