//! Imports of workbooks and CSV files (issue 32): the template, an upload
//! (answered `202` with the import's URL; it runs in the background), and
//! its progress and answer.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, Problem};
use crate::http::extract::{QueryParams, RawBody};
use crate::http::{AuthErrors, NotFound, Principal, with_conn};
use crate::imports::{self, Import};
use crate::state::AppState;

/// Whether an import only checks.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true`: every row is checked and answered, nothing is written (default false).
    pub dry_run: Option<bool>,
}

/// The import template (any signed-in caller): a workbook with Vietnamese
/// headers, drop-down lists for kind, topics, target groups, place (the
/// units within the caller's area, or the deployment's `HOME_AREA`) and
/// audience basis, a participants sheet keyed by the event's own id, and
/// instructions.
#[utoipa::path(operation_id = "imports_template", tag = "imports", security(("bearer" = [])),
    responses((status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), AuthErrors))]
#[get("/imports/template.xlsx")]
pub async fn template(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, ApiError> {
    let area = who
        .area
        .clone()
        .or_else(|| state.settings.home_area.clone());
    let places = with_conn(&state, move |c| match area {
        Some(code) => crate::areas::place_labels(c, &code),
        None => Ok(Vec::new()),
    })
    .await?;
    let bytes = imports::template::workbook(&places)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"mau-nhap-hoat-dong.xlsx\"",
        ))
        .body(bytes))
}

/// Import a workbook (`.xlsx`) or a CSV file (UTF-8, with or without a
/// BOM) of events (an agency): the body is the file. Headers are the
/// template's Vietnamese ones or the API's field names (`external_id`,
/// `kind`, `title`, `start_date`, `end_date`, `area_code`, `topics` and
/// `target_groups` `;`-separated, `sessions`, `attendance.total`, ...).
/// Dates are date cells or `dd/mm/yyyy`. Every row is answered like a
/// batch item, with Vietnamese messages naming its row and column; rows are
/// upserted by the agency's own id, 500 per transaction; a re-import
/// answers `unchanged`. A file that cannot be read as a whole (not a
/// workbook nor UTF-8 CSV, a zip bomb, more than 10,000 rows, no
/// recognisable header) is a 4xx and writes nothing. Answered `202` at
/// once; `Location` is the import, to poll.
#[utoipa::path(operation_id = "imports_create", tag = "imports", security(("bearer" = [])), params(ImportQuery),
    request_body(content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "text/csv"), (Vec<u8> = "application/octet-stream")),
        description = "The file itself"),
    responses((status = 202, description = "Started", body = Import, headers(("Location" = String, description = "The import"))),
        (status = 413, description = "Too large, or a workbook that would inflate too much", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a file type this takes", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable file, too many rows, no header", body = Problem, content_type = "application/problem+json"),
        AuthErrors))]
#[post("/imports")]
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    q: QueryParams<ImportQuery>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let agency = who.require_writing_agency()?.to_string();
    let dry_run = q.0.dry_run.unwrap_or(false);
    let prepared = web::block(move || imports::prepare(&body.0))
        .await
        .map_err(|e| ApiError::internal(format!("reading an import: {e}")))??;
    let actor = who.actor();
    let rows = prepared.rows();
    let id = with_conn(&state, {
        let (agency, actor) = (agency.clone(), actor.clone());
        move |c| imports::start(c, &agency, &actor, dry_run, rows)
    })
    .await?;
    let first = with_conn(&state, {
        let id = id.clone();
        move |c| imports::get(c, &id, None)
    })
    .await?;
    actix_web::rt::spawn(run(
        state.clone(),
        id.clone(),
        agency,
        actor,
        prepared,
        dry_run,
    ));
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/imports/{id}")))
        .json(first))
}

/// Writes an import's rows, chunk by chunk, recording progress.
async fn run(
    state: web::Data<AppState>,
    id: String,
    agency: String,
    actor: crate::audit::Actor,
    prepared: imports::Prepared,
    dry_run: bool,
) {
    let mut items = prepared.answered;
    let mut done = items.len();
    for chunk in prepared.to_write.chunks(imports::CHUNK) {
        let chunk = chunk.to_vec();
        let (pseudo, actor, agency, sheet, id2) = (
            state.pseudonymizer.clone(),
            actor.clone(),
            agency.clone(),
            prepared.sheet.clone(),
            id.clone(),
        );
        let n = chunk.len();
        let written = with_conn(&state, move |c| {
            let out = imports::write_chunk(c, &pseudo, &actor, &agency, &sheet, &chunk, dry_run)?;
            imports::record(c, &id2, done + n, None)?;
            Ok(out)
        })
        .await;
        match written {
            Ok(out) => {
                items.extend(out);
                done += n;
            }
            Err(e) => {
                log::warn!("import {id} failed: {e}");
                let id = id.clone();
                let why = format!("{e}");
                let _ = with_conn(&state, move |c| imports::fail(c, &id, done, &why)).await;
                return;
            }
        }
    }
    let id2 = id.clone();
    if let Err(e) = with_conn(&state, move |c| {
        imports::record(c, &id2, done, Some(&mut items))
    })
    .await
    {
        log::warn!("recording the end of import {id} failed: {e}");
    }
}

/// An import's progress and, once done, every row's answer (its agency or
/// an admin).
#[utoipa::path(operation_id = "imports_get", tag = "imports", security(("bearer" = [])),
    params(("id" = String, Path, description = "Import id")),
    responses((status = 200, description = "The import", body = Import), AuthErrors, NotFound))]
#[get("/imports/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let agency = if who.require_admin().is_ok() {
        None
    } else {
        Some(who.require_writing_agency()?.to_string())
    };
    let id = id.into_inner();
    let out = with_conn(&state, move |c| imports::get(c, &id, agency.as_deref())).await?;
    Ok(HttpResponse::Ok().json(out))
}
