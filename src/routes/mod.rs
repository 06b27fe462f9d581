//! HTTP handlers, one file per resource, registered once in [`configure`]:
//! that registration is also what produces the OpenAPI document.

pub mod agencies;
pub mod aggregates;
pub mod areas;
pub mod audit;
pub mod events;
pub mod health;
pub mod tokens;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

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
        .service(audit::list)
        .service(audit::short_lived_events)
        .service(events::create)
        .service(events::batch)
        .service(events::list)
        .service(events::duplicate_candidates)
        .service(events::put_external)
        .service(events::get_one)
        .service(events::replace)
        .service(events::remove)
        .service(events::link)
        .service(events::unlink)
        .service(aggregates::query)
        .service(areas::list)
        .service(areas::import)
        .service(areas::import_successors)
        .service(areas::create)
        .service(areas::get);
}
