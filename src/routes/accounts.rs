//! People's accounts over HTTP (admin): list, create (with a one-time
//! password, shown once), change (name, e-mail, role, agency, area,
//! disabled) and reset a password.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accounts::{self, Account, AccountPatch, NewAccount, password};
use crate::error::ApiError;
use crate::http::extract::{JsonBody, QueryParams};
use crate::http::{AuthErrors, BodyErrors, NotFound, Principal, page_size, with_conn};
use crate::state::AppState;

/// An account with its one-time password: the only time it is shown. The
/// person signs in with it and must choose their own at once.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountWithPassword {
    /// Hand it to the person (it is not stored anywhere readable).
    pub one_time_password: String,
    /// The account.
    pub account: Account,
}

/// Paging of the account list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// Page size, 1-500 (default 100; outside that range: 422).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Accounts whose username sorts after this one (the `next_cursor`
    /// of the previous page).
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    /// Accounts by username.
    pub items: Vec<Account>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// List accounts by username (admin).
#[utoipa::path(operation_id = "accounts_list", tag = "accounts", security(("bearer" = []), ("session" = [])),
    params(AccountQuery),
    responses((status = 200, description = "A page of accounts", body = AccountPage),
        (status = 422, description = "Invalid paging", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[get("/accounts")]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<AccountQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let limit = page_size(q.0.limit, 100)?;
    let after = q.0.cursor;
    let mut items = with_conn(&state, move |c| {
        accounts::list(c, after.as_deref(), limit + 1)
    })
    .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|a| a.username.to_ascii_lowercase())
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AccountPage { items, next_cursor }))
}

/// Create an account (admin): it gets a one-time password, answered once,
/// which the person changes at first sign-in.
#[utoipa::path(operation_id = "accounts_create", tag = "accounts", security(("bearer" = []), ("session" = [])),
    request_body = NewAccount,
    responses(
        (status = 201, description = "Created", body = AccountWithPassword,
         headers(("Location" = String, description = "URL of the account"))),
        (status = 409, description = "The username is taken", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors))]
#[post("/accounts")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<NewAccount>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let one_time = password::one_time();
    let client = super::session::client_address(&req, &state);
    let hash = state.hasher.hash(&client, one_time.clone()).await?;
    let actor = who.actor();
    let account = with_conn(&state, move |c| {
        accounts::create(c, &actor, &body.0, hash, true)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/accounts/{}", account.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(header::ContentEncoding::Identity)
        .json(AccountWithPassword {
            one_time_password: one_time,
            account,
        }))
}

/// One account (admin).
#[utoipa::path(operation_id = "accounts_get", tag = "accounts", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The account", body = Account), AuthErrors, NotFound))]
#[get("/accounts/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let id = id.into_inner();
    let account = with_conn(&state, move |c| accounts::get(c, &id)).await?;
    Ok(HttpResponse::Ok().json(account))
}

/// Change an account (admin): name, e-mail, role, agency, area, or
/// `disabled` (disabling ends its sessions at once; so does a change of
/// role, agency or area). The last enabled admin cannot be disabled or
/// demoted (409).
#[utoipa::path(operation_id = "accounts_update", tag = "accounts", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Account id")), request_body = AccountPatch,
    responses((status = 200, description = "Changed", body = Account),
        (status = 409, description = "It would leave no enabled admin", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthErrors, NotFound, BodyErrors))]
#[patch("/accounts/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
    body: JsonBody<AccountPatch>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let id = id.into_inner();
    let account = with_conn(&state, move |c| accounts::update(c, &actor, &id, &body.0)).await?;
    Ok(HttpResponse::Ok().json(account))
}

/// Reset a password (admin): answers a one-time password, shown once,
/// that must be changed at the next sign-in; every session of the account
/// ends.
#[utoipa::path(operation_id = "accounts_reset_password", tag = "accounts", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "Reset", body = AccountWithPassword), AuthErrors, NotFound))]
#[post("/accounts/{id}/reset-password")]
pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let id = id.into_inner();
    let check = id.clone();
    with_conn(&state, move |c| accounts::get(c, &check)).await?;
    let one_time = password::one_time();
    let client = super::session::client_address(&req, &state);
    let hash = state.hasher.hash(&client, one_time.clone()).await?;
    let actor = who.actor();
    let account = with_conn(&state, move |c| {
        accounts::set_password(c, &actor, &id, hash, true, None)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(header::ContentEncoding::Identity)
        .json(AccountWithPassword {
            one_time_password: one_time,
            account,
        }))
}
