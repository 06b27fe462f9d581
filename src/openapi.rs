//! The OpenAPI document: a base (info, security, tags) that route
//! registration fills with every path and schema.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::AppExt;

/// Base document; paths come from [`crate::routes::configure`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "campaign-tracker",
        description = "Records anti-human-trafficking outreach events reported by partner agencies \
and answers deduplicated aggregates: events, attendances (person-times, \"lượt người\") and \
unique participants (\"người\").\n\nEvery error is `application/problem+json` (RFC 9457). \
Authenticate with `Authorization: Bearer <JWT>`; tokens are issued by an admin.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Probes for load balancers and orchestrators"),
        (name = "events", description = "Outreach events: each agency records and corrects its own"),
        (name = "claims", description = "Co-organiser claims: a joint event counts for a named agency only once it confirms"),
        (name = "links", description = "Same-as links between agencies' reports of one real event: proposals that every affected agency approves"),
        (name = "aggregates", description = "Deduplicated counts: events, person-times and unique people over any slice"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A token issued by `campaign-tracker token issue` or `POST /api/v1/tokens`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The full document, as the service serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts()
        .1
}

/// The document as pretty JSON with a trailing newline (what `openapi/openapi.json` holds).
pub fn document_json() -> String {
    let mut s = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::route_table::RouteTable;

    #[test]
    fn route_table_matches_templates() {
        let doc = document();
        let table = RouteTable::from_doc(&doc);
        assert_eq!(table.methods_for("/healthz"), vec!["GET"]);
        assert!(table.methods_for("/nope").is_empty());
    }

    #[test]
    fn document_is_openapi_3_1_with_bearer_auth() {
        let v: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        assert_eq!(v["openapi"], "3.1.0");
        assert_eq!(
            v["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
}
