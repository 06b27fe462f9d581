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

/// Path templates and their methods, used to answer 405 with `Allow` and to
/// compare served routes with documented ones.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    /// Builds the table from a document.
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Self {
        let value = serde_json::to_value(&doc.paths).unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(map) = value.as_object() {
            for (path, item) in map {
                let methods = item
                    .as_object()
                    .map(|m| {
                        m.keys()
                            .filter(|k| {
                                matches!(
                                    k.as_str(),
                                    "get"
                                        | "put"
                                        | "post"
                                        | "delete"
                                        | "patch"
                                        | "head"
                                        | "options"
                                )
                            })
                            .map(|k| k.to_ascii_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                routes.push((segments(path), methods));
            }
        }
        Self { routes }
    }

    /// Methods documented for a concrete request path (empty when no
    /// template matches). Only the most specific templates count:
    /// `/events/batch` is not `/events/{id}`.
    pub fn methods_for(&self, path: &str) -> Vec<String> {
        let want = segments(path);
        let is_param = |t: &String| t.starts_with('{') && t.ends_with('}');
        let matching: Vec<&(Vec<String>, Vec<String>)> = self
            .routes
            .iter()
            .filter(|(tmpl, _)| {
                tmpl.len() == want.len()
                    && tmpl.iter().zip(&want).all(|(t, w)| is_param(t) || t == w)
            })
            .collect();
        let literals = |tmpl: &Vec<String>| tmpl.iter().filter(|t| !is_param(t)).count();
        let best = matching.iter().map(|(t, _)| literals(t)).max().unwrap_or(0);
        let mut out: Vec<String> = Vec::new();
        for (tmpl, methods) in matching {
            if literals(tmpl) == best {
                for m in methods {
                    if !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
        }
        out
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
