//! Partner agencies: any valid token reads them; admins add, rename and
//! deactivate them (never delete: events keep pointing at their agency).

use actix_web::{HttpResponse, get, patch, post, web};

use crate::agencies::{self, Agency, AgencyPatch, NewAgency};
use crate::error::ApiError;
use crate::http::Principal;
use crate::http::extract::JsonBody;
use crate::http::{AuthErrors, BodyErrors, NotFound, with_conn};
use crate::state::AppState;

/// List every agency, active or not, by code.
#[utoipa::path(operation_id = "agencies_list", tag = "agencies", security(("bearer" = [])),
    responses((status = 200, description = "All agencies", body = Vec<Agency>), AuthErrors))]
#[get("/agencies")]
pub async fn list(state: web::Data<AppState>, _who: Principal) -> Result<HttpResponse, ApiError> {
    let all = with_conn(&state, agencies::list).await?;
    Ok(HttpResponse::Ok().json(all))
}

/// One agency by code.
#[utoipa::path(operation_id = "agencies_get", tag = "agencies", security(("bearer" = [])),
    params(("code" = String, Path, description = "Agency code, e.g. `police`")),
    responses((status = 200, description = "The agency", body = Agency), AuthErrors, NotFound))]
#[get("/agencies/{code}")]
pub async fn get(
    state: web::Data<AppState>,
    _who: Principal,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = code.into_inner();
    let agency = with_conn(&state, move |c| agencies::get(c, &code)).await?;
    Ok(HttpResponse::Ok().json(agency))
}

/// Add an agency (admin). The code is permanent; names can change later.
#[utoipa::path(operation_id = "agencies_create", tag = "agencies", security(("bearer" = [])), request_body = NewAgency,
    responses(
        (status = 201, description = "Created", body = Agency,
         headers(("Location" = String, description = "URL of the new agency"))),
        (status = 409, description = "The code exists", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthErrors, BodyErrors))]
#[post("/agencies")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    body: JsonBody<NewAgency>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let agency = with_conn(&state, move |c| agencies::create_agency(c, &actor, &body.0)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/agencies/{}", agency.code)))
        .json(agency))
}

/// Rename, deactivate or reactivate an agency (admin). A deactivated
/// agency's tokens still authenticate but can no longer write.
#[utoipa::path(operation_id = "agencies_update", tag = "agencies", security(("bearer" = [])), request_body = AgencyPatch,
    params(("code" = String, Path, description = "Agency code")),
    responses((status = 200, description = "Updated", body = Agency), AuthErrors, BodyErrors, NotFound))]
#[patch("/agencies/{code}")]
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    code: web::Path<String>,
    body: JsonBody<AgencyPatch>,
) -> Result<HttpResponse, ApiError> {
    who.require_admin()?;
    let actor = who.actor();
    let code = code.into_inner();
    let agency = with_conn(&state, move |c| {
        agencies::update_agency(c, &actor, &code, &body.0)
    })
    .await?;
    Ok(HttpResponse::Ok().json(agency))
}
