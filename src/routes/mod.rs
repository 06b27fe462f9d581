//! HTTP handlers, one file per resource, registered once in [`configure`]:
//! that registration is also what produces the OpenAPI document.

pub mod health;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
    cfg.service(scope::scope("/api/v1").configure(api_v1));
}

fn api_v1(_cfg: &mut ServiceConfig) {}
