//! The OpenAPI document: a base (info, security, tags) that route
//! registration fills with every path and schema.

use utoipa::OpenApi;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa_actix_web::AppExt;

mod open_enums;
mod rules;

/// Base document; paths come from [`crate::routes::configure`].
#[derive(OpenApi)]
#[openapi(
    info(
        title = "campaign-tracker",
        description = "Records anti-human-trafficking outreach events reported by partner agencies \
and answers deduplicated aggregates: events, attendances (person-times, \"lượt người\") and \
unique participants (\"người\").\n\nEvery error is `application/problem+json` (RFC 9457). \
Systems authenticate with `Authorization: Bearer <JWT>` (tokens are issued by an admin); \
people sign in (`POST /api/v1/session`) and the browser sends the `ct_session` cookie, with the \
`X-CSRF-Token` header on every change.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "campaign-tracker maintainers (see the README)")
    ),
    servers((url = "http://127.0.0.1:8080", description = "A local instance (the default BIND_ADDR); use your deployment's address")),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Probes for load balancers and orchestrators"),
        (name = "events", description = "Outreach events: each agency records and corrects its own"),
        (name = "imports", description = "Events from a workbook or a CSV file: the Vietnamese template, an upload checked row by row, its progress"),
        (name = "claims", description = "Co-organiser claims: a joint event counts for a named agency only once it confirms"),
        (name = "links", description = "Same-as links between agencies' reports of one real event: proposals that every affected agency approves"),
        (name = "aggregates", description = "Deduplicated counts: events, person-times and unique people over any slice"),
        (name = "reach", description = "Reach analytics: overlap between agencies and how often people were reached"),
        (name = "reports", description = "The summary report a province signs: per agency, province-wide without double counting, in Vietnamese or English"),
        (name = "periods", description = "Locked periods: once figures are signed, no write may move them until an admin reopens the period"),
        (name = "publications", description = "Published figures: fixed tables for a period, with disclosure control across the set, versioned and hashed; every token reads them"),
        (name = "agencies", description = "Partner agencies (admins manage them; every token reads them)"),
        (name = "tokens", description = "API tokens (admins issue, list and revoke them)"),
        (name = "session", description = "People sign in and out, change their password and enrol a second factor"),
        (name = "accounts", description = "People's accounts (admins create, change, disable them and reset passwords)"),
        (name = "privacy", description = "Requests from the people recorded (Law 91/2025/QH15): access to what is held about them, erasure (admins); see PRIVACY.md"),
        (name = "audit", description = "The audit log of every change (admins)"),
        (name = "areas", description = "Vietnam's administrative units, before and after the 2025 reform"),
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
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::accounts::session::COOKIE,
                "A person's session, set by `POST /api/v1/session`. Every request made with it \
                 that changes anything needs the `X-CSRF-Token` header (`csrf_token` of \
                 `GET /api/v1/session`) and an `Origin` of the service itself.",
            ))),
        );
    }
}

/// The full document, as the service serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    let doc = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts()
        .1;
    tidy(doc)
}

/// What the derive macros cannot say, said on the generated document (the
/// served one and the committed one alike):
/// - an aggregate row is one flat object (its keys, the measures and
///   `suppressed`), not an `allOf` that generated clients drop;
/// - an operation without authentication declares `security: []`;
/// - an operation's description is its whole doc comment, and its summary
///   that text's first clause ([`summary_of`]);
/// - a file upload (`application/octet-stream`) is a binary string.
pub fn tidy(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema};
    if let Some(components) = doc.components.as_mut() {
        // Every problem type, from the one table.
        if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem")
            && let Some(RefOr::T(Schema::Object(type_))) = problem.properties.get_mut("type")
        {
            let kinds: Vec<String> = crate::error::PROBLEM_TYPES
                .iter()
                .map(|p| {
                    format!(
                        "- `{}` ({}): {}",
                        crate::error::problem_type(p.slug),
                        p.statuses,
                        p.meaning
                    )
                })
                .collect();
            type_.description = Some(format!(
                "A URI naming the kind of problem, one of:\n\n{}\n\nClients must accept kinds not listed here (new ones may be added).",
                kinds.join("\n")
            ));
        }
        let (measures, required) = match components.schemas.get("Measures") {
            Some(RefOr::T(Schema::Object(m))) => (m.properties.clone(), m.required.clone()),
            _ => Default::default(),
        };
        if let Some(RefOr::T(Schema::AllOf(all))) = components.schemas.get("AggregateRow") {
            let mut row = ObjectBuilder::new().description(all.description.clone());
            for part in &all.items {
                if let RefOr::T(Schema::Object(o)) = part {
                    for (name, schema) in &o.properties {
                        row = row.property(name, schema.clone());
                    }
                }
            }
            for (name, schema) in measures {
                row = row.property(name, schema);
            }
            for name in required {
                row = row.required(name);
            }
            let row = row.required("suppressed").build();
            components
                .schemas
                .insert("AggregateRow".into(), RefOr::T(Schema::Object(row)));
        }
    }
    for item in doc.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            match op.security.as_mut() {
                None => op.security = Some(Vec::new()),
                // People reach every route a token does, with the cookie.
                Some(reqs)
                    if reqs.len() == 1
                        && serde_json::to_value(&reqs[0])
                            .is_ok_and(|v| v.get("bearer").is_some()) =>
                {
                    reqs.push(SecurityRequirement::new("session", Vec::<String>::new()));
                }
                Some(_) => {}
            }
            // The whole doc comment is the description (utoipa splits off
            // its first paragraph); its first clause the summary.
            let full = match (op.summary.take(), op.description.take()) {
                (Some(s), Some(d)) if s != d => Some(format!("{s}\n\n{d}")),
                (s, d) => d.or(s),
            };
            op.summary = full.as_deref().map(summary_of);
            op.description = full;
            if let Some(RefOr::T(upload)) = op.request_body.as_mut().and_then(|b| match b {
                RefOr::T(body) => body.content.get_mut("application/octet-stream"),
                RefOr::Ref(_) => None,
            }) {
                upload.schema = Some(RefOr::T(Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                            utoipa::openapi::schema::KnownFormat::Binary,
                        )))
                        .build(),
                )));
            }
        }
    }
    doc
}

/// Where the document's component schemas are referred to from.
const SCHEMAS: &str = "#/components/schemas/";

/// The component schema a JSON schema object refers to (`$ref`), if any.
fn schema_ref(m: &serde_json::Map<String, serde_json::Value>) -> Option<&str> {
    m.get("$ref")
        .and_then(serde_json::Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMAS))
}

/// The document as served and committed: [`tidy`]'s, with the answers'
/// enumerations opened ([`open_enums`]) and that rule stated in its
/// description, and the rules every request reader enforces stated on
/// parameters and bodies ([`rules`]). (A JSON value: utoipa's types cannot read an `anyOf` with
/// siblings back.)
pub fn published(doc: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut value = serde_json::to_value(doc).unwrap_or_default();
    open_enums::open_output_enums(&mut value);
    rules::state_reader_rules(&mut value);
    let description = value["info"]["description"].as_str().unwrap_or_default();
    value["info"]["description"] = format!("{description}\n\n{}", open_enums::RULE).into();
    value
}

/// An operation's summary: its description's first clause, up to the
/// first `:`, `;` or end of sentence outside parentheses and code, on one
/// line, without its final period (e.g. "Reset a password (admin)"); the
/// description keeps the whole text.
pub fn summary_of(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut depth, mut code) = (0i32, false);
    let mut end = flat.len();
    let chars: Vec<(usize, char)> = flat.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        match c {
            '`' => code = !code,
            '(' if !code => depth += 1,
            ')' if !code => depth -= 1,
            ':' | ';' | '.' if !code && depth == 0 => {
                let next = chars.get(i + 1).map(|&(_, n)| n);
                if next.is_none_or(|n| n == ' ') {
                    end = at;
                    break;
                }
            }
            _ => {}
        }
    }
    flat[..end].trim().trim_end_matches('.').to_string()
}

/// The document as pretty JSON with a trailing newline (what `openapi/openapi.json` holds).
pub fn document_json() -> String {
    let mut s = serde_json::to_string_pretty(&published(&document()))
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
    fn summaries_are_first_clauses_distinct_from_descriptions() {
        assert_eq!(
            summary_of("Reset a password (admin): answers a one-time password,\nshown once."),
            "Reset a password (admin)"
        );
        assert_eq!(
            summary_of("List accounts by username (admin)."),
            "List accounts by username (admin)"
        );
        assert_eq!(
            summary_of(
                "Import a workbook (`.xlsx`) or a CSV file (UTF-8, with or without a BOM) of events: the body."
            ),
            "Import a workbook (`.xlsx`) or a CSV file (UTF-8, with or without a BOM) of events"
        );
        let doc = document();
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                let (summary, description) = (
                    op.summary.as_deref().unwrap_or(""),
                    op.description.as_deref().unwrap_or(""),
                );
                assert!(
                    !summary.is_empty() && summary != description,
                    "{path}: {summary:?}"
                );
                assert!(
                    summary.chars().count() <= 160 && !summary.contains('\n'),
                    "{path}: {summary:?}"
                );
            }
        }
    }

    #[test]
    fn document_is_openapi_3_1_with_bearer_auth() {
        let v: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
        assert_eq!(v["openapi"], "3.1.0");
        assert_eq!(
            v["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        // Answers carry open enumerations, requests closed ones.
        let schemas = &v["components"]["schemas"];
        assert_eq!(
            schemas["EventOut"]["properties"]["kind"]["anyOf"][1]["type"],
            "string"
        );
        assert_eq!(
            schemas["EventInput"]["properties"]["kind"]["$ref"],
            "#/components/schemas/Kind"
        );
    }
}
