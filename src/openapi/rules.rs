//! Rules the request readers enforce on every operation, stated in the
//! document so that a schema-valid request is never refused for them
//! (schemathesis checks it, `scripts/fuzz.sh`):
//! - a query parameter may not be empty (`?agency=`: leave it out instead)
//!   and no parameter may hold NUL ([`crate::http::extract::parse_query`]);
//! - no text in a JSON body may hold NUL (`parse_json`);
//! - dates and times in parameters fall in 1900 to 2100
//!   ([`crate::domain::calendar::Day`]);
//! - a period is a year, a quarter or a month of 1900 to 2100
//!   ([`crate::periods::Period::parse`]);
//! - a query string over 8 KiB is a 414 on any operation that takes query
//!   parameters (`http::middleware::check_request_target`).

use serde_json::{Map, Value, json};

/// No NUL character: the readers refuse it in parameters and bodies.
pub const NO_NUL: &str = "^[^\\u0000]*$";
/// A date or a time whose year is 1900 to 2100.
pub const YEARS_1900_TO_2100: &str = "^(19[0-9]{2}|20[0-9]{2}|2100)-";
/// A year (2025), a quarter (2025-Q3) or a month (2025-07), 1900 to 2100.
pub const PERIOD: &str = "^(19[0-9]{2}|20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$";
/// `group_by`: known dimensions separated by commas, spaces around them
/// and empty items ignored ([`crate::aggregates::dimension::GroupBy`]; a
/// key twice, or more than four, is a 422 a pattern does not state).
pub const GROUP_BY: &str = "^\\s*(D)?\\s*(,\\s*(D)?\\s*)*$";
const DIMENSIONS: &str =
    "agency|kind|topic|target_group|area:(province|district|commune)|period:(month|quarter|year)";

use super::schema_ref;

/// States the rules on `doc` (the document as JSON).
pub fn state_reader_rules(doc: &mut Value) {
    let mut body_schemas = std::collections::BTreeSet::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                let takes_query = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
                if takes_query
                    && let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut)
                {
                    responses.entry("414").or_insert(json!({
                        "description": "The query string is over 8 KiB",
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    }));
                }
                for p in op
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    parameter(p);
                }
                if let Some(body) = op.pointer_mut("/requestBody/content/application~1json/schema")
                {
                    no_nul_in_text(body, &mut body_schemas);
                }
            }
        }
    }
    // Schemas the bodies refer to, and those they refer to in turn.
    let mut done = std::collections::BTreeSet::new();
    while let Some(name) = body_schemas.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        let mut found = std::collections::BTreeSet::new();
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            no_nul_in_text(schema, &mut found);
        }
        body_schemas.extend(found);
    }
}

fn parameter(p: &mut Value) {
    let (name, query) = (
        p["name"].as_str().unwrap_or_default().to_string(),
        p["in"] == "query",
    );
    let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    let target = if schema.get("type").and_then(Value::as_str) == Some("array") {
        match schema.get_mut("items").and_then(Value::as_object_mut) {
            Some(items) => items,
            None => return,
        }
    } else {
        schema
    };
    if !is_text(target) {
        return;
    }
    if query {
        target.entry("minLength").or_insert(json!(1));
    }
    match (name.as_str(), target.get("format").and_then(Value::as_str)) {
        (_, Some("date" | "date-time")) => {
            target.insert("pattern".into(), json!(YEARS_1900_TO_2100));
        }
        ("period", _) => {
            target.insert("pattern".into(), json!(PERIOD));
        }
        ("group_by", _) => {
            target.insert("pattern".into(), json!(GROUP_BY.replace('D', DIMENSIONS)));
        }
        _ => {
            target.entry("pattern").or_insert(json!(NO_NUL));
        }
    }
}

/// Whether `schema` is a plain string (possibly nullable), not an
/// enumeration or a reference.
fn is_text(schema: &Map<String, Value>) -> bool {
    if schema.contains_key("enum") || schema.contains_key("$ref") {
        return false;
    }
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Adds [`NO_NUL`] to every free text in `v` (not formatted, not already
/// patterned) and collects the schemas `v` refers to.
fn no_nul_in_text(v: &mut Value, refs: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = schema_ref(m) {
                refs.insert(name.to_string());
            }
            if is_text(m) && !m.contains_key("format") {
                m.entry("pattern").or_insert(json!(NO_NUL));
            }
            m.values_mut().for_each(|x| no_nul_in_text(x, refs));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| no_nul_in_text(x, refs)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_bodies_state_what_the_readers_refuse() {
        let mut doc = json!({
            "paths": {"/x": {"post": {
                "parameters": [
                    {"name": "agency", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                    {"name": "from", "in": "query", "schema": {"type": ["string", "null"], "format": "date"}},
                    {"name": "period", "in": "path", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Kind"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}
            }}},
            "components": {"schemas": {
                "Kind": {"type": "string", "enum": ["a"]},
                "In": {"type": "object", "properties": {
                    "title": {"type": "string"},
                    "day": {"type": "string", "format": "date"},
                    "inner": {"$ref": "#/components/schemas/Inner"}}},
                "Inner": {"type": "object", "properties": {"note": {"type": ["string", "null"]}}}
            }}
        });
        state_reader_rules(&mut doc);
        let ps = &doc["paths"]["/x"]["post"]["parameters"];
        assert_eq!(
            ps[0]["schema"]["items"],
            json!({"type": "string", "minLength": 1, "pattern": NO_NUL})
        );
        assert_eq!(ps[1]["schema"]["pattern"], YEARS_1900_TO_2100);
        assert_eq!(
            ps[2]["schema"],
            json!({"type": "string", "pattern": PERIOD})
        );
        assert_eq!(ps[3]["schema"], json!({"type": "integer"}));
        assert_eq!(
            ps[4]["schema"],
            json!({"$ref": "#/components/schemas/Kind"})
        );
        let s = &doc["components"]["schemas"];
        assert_eq!(s["In"]["properties"]["title"]["pattern"], NO_NUL);
        assert!(s["In"]["properties"]["day"].get("pattern").is_none());
        assert_eq!(s["Inner"]["properties"]["note"]["pattern"], NO_NUL);
        assert!(s["Kind"].get("pattern").is_none());
    }
}
