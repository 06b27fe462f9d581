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

/// Who the caller is, as the service sees its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// The token's id.
    pub id: String,
    /// `admin`, `agency` or `viewer`.
    pub role: String,
    /// The agency of an agency token.
    pub agency: Option<String>,
    /// A public viewer token: it reads publications only.
    pub public: bool,
    /// Whether the caller may write (an admin, or an active agency).
    pub can_write: bool,
}

/// The caller's own token: its role, agency and whether it is public, so
/// that a dashboard shows what the token may read (any token).
#[utoipa::path(operation_id = "tokens_whoami", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = WhoAmI), AuthErrors))]
#[get("/whoami")]
pub async fn whoami(who: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(WhoAmI {
        can_write: super::writer(&who).is_ok(),
        id: who.jti,
        role: who.role.as_str().to_string(),
        agency: who.agency,
        public: who.public,
    }))
}
