//! HTTP handlers, one file per resource, registered once in [`configure`]:
//! that registration is also what produces the OpenAPI document.

pub mod accounts;
pub mod agencies;
pub mod aggregates;
pub mod areas;
pub mod audit;
pub mod claims;
pub mod dashboard;
pub mod events;
pub mod health;
pub mod imports;
pub mod links;
pub mod metrics;
pub mod periods;
pub mod privacy;
pub mod publications;
pub mod reach;
pub mod reports;
pub mod session;
mod slice;
pub mod sso;
pub mod tokens;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Role;
use crate::error::ApiError;
use crate::events::{Reader, Writer};
use crate::http::Principal;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
    cfg.service(scope::scope("/api/v1").configure(api_v1));
}

fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(agencies::list)
        .service(agencies::create)
        .service(agencies::get)
        .service(agencies::update)
        .service(tokens::create)
        .service(tokens::list)
        .service(tokens::revoke)
        .service(tokens::whoami)
        .service(session::sign_in)
        .service(session::get)
        .service(session::sign_out)
        .service(session::change_password)
        .service(session::totp_enrol)
        .service(session::totp_confirm)
        .service(sso::info)
        .service(sso::start)
        .service(sso::callback)
        .service(accounts::list)
        .service(accounts::create)
        .service(accounts::get)
        .service(accounts::update)
        .service(accounts::reset_password)
        .service(audit::list)
        .service(audit::short_lived_events)
        .service(events::create)
        .service(events::batch)
        .service(events::list)
        .service(events::duplicate_candidates)
        .service(events::put_external)
        .service(events::get_one)
        .service(imports::template)
        .service(imports::create)
        .service(imports::get)
        .service(events::replace)
        .service(events::patch)
        .service(events::change_participants)
        .service(events::remove)
        .service(links::group)
        .service(links::link)
        .service(links::leave)
        .service(links::unlink)
        .service(links::proposals)
        .service(links::proposal)
        .service(links::approve)
        .service(links::decline)
        .service(claims::list)
        .service(claims::confirm)
        .service(claims::decline)
        .service(periods::list)
        .service(periods::lock)
        .service(periods::reopen)
        .service(privacy::create)
        .service(privacy::list)
        .service(privacy::get_one)
        .service(privacy::extend)
        .service(privacy::complete)
        .service(privacy::breach_create)
        .service(privacy::breach_list)
        .service(privacy::breach_get)
        .service(privacy::breach_notified)
        .service(privacy::retention_run)
        .service(privacy::register)
        .service(publications::publish)
        .service(publications::list)
        .service(publications::get_csv)
        .service(publications::changes)
        .service(publications::get_one)
        .service(aggregates::query)
        .service(aggregates::query_csv)
        .service(aggregates::query_xlsx)
        .service(aggregates::query_people_csv)
        .service(aggregates::events)
        .service(reach::overlap)
        .service(reach::overlap_csv)
        .service(reach::frequency)
        .service(reach::frequency_csv)
        .service(reports::summary)
        .service(areas::list)
        .service(areas::import)
        .service(areas::import_successors)
        .service(areas::create)
        .service(areas::get);
}

/// The events `who` may read: viewer (dashboard) tokens none (403).
pub(crate) fn reader(who: &Principal) -> Result<Reader, ApiError> {
    who.forbid_viewer()?;
    match (who.role, &who.agency) {
        (Role::Admin, _) => Ok(Reader::Admin),
        (_, Some(a)) => Ok(Reader::Agency(a.clone())),
        (_, None) => Err(ApiError::Forbidden(
            "this needs an agency or admin token".into(),
        )),
    }
}

/// Who may write: an admin, or an active agency (403 otherwise).
pub(crate) fn writer(who: &Principal) -> Result<Writer<'_>, ApiError> {
    match who.role {
        Role::Admin => Ok(Writer::Admin),
        _ => who.require_writing_agency().map(Writer::Agency),
    }
}
