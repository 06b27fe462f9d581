//! Enumerations are closed on input and open on output.
//!
//! A request must use one of the listed values (the server refuses any
//! other with a 422), but an answer may carry a value added after a client
//! was generated: a new event kind, claim status or item status. So every
//! place an answer names an enumeration reads
//! `anyOf: [{$ref: Enum}, {type: string}]`, and a generated client keeps an
//! unknown value as a plain string instead of failing to parse the answer.
//!
//! Schemas used both in requests and answers that hold an enumeration
//! (e.g. `Audience` with its `basis`) get an answer copy named
//! `<Name>Out` (more `Out` if that name is taken); the request keeps the closed `<Name>`.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

use super::{SCHEMAS, schema_ref};

/// The rule, said once in the document's description.
pub const RULE: &str = "Enumerations are closed in requests and open in answers: \
an answer may carry a value added after your client was generated (a new kind of event, \
a new claim or item status), so clients must accept values not listed.";

/// Rewrites a document (as JSON) so that answers' enumerations are open.
pub fn open_output_enums(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let enums: BTreeSet<String> = schemas
        .iter()
        .filter(|(_, s)| s.get("enum").is_some())
        .map(|(n, _)| n.clone())
        .collect();
    let (mut inputs, mut outputs) = (BTreeSet::new(), BTreeSet::new());
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|m| m.values()) {
                for part in ["parameters", "requestBody"] {
                    if let Some(v) = op.get(part) {
                        reach(v, &schemas, &mut inputs);
                    }
                }
                if let Some(v) = op.get("responses") {
                    reach(v, &schemas, &mut outputs);
                }
            }
        }
    }
    // Shared schemas that reach an enumeration get an answer copy.
    let copied: BTreeMap<String, String> = inputs
        .intersection(&outputs)
        .filter(|n| !enums.contains(*n))
        .filter(|n| {
            let mut seen = BTreeSet::new();
            reach(&schemas[n.as_str()], &schemas, &mut seen);
            seen.iter().any(|s| enums.contains(s))
        })
        .map(|n| {
            let mut copy = format!("{n}Out");
            while schemas.contains_key(&copy) {
                copy.push_str("Out");
            }
            (n.clone(), copy)
        })
        .collect();
    let rewrite = |v: &mut Value| open_refs(v, &enums, &copied);
    let mut new_schemas = Map::new();
    for (name, schema) in &schemas {
        let mut schema = schema.clone();
        if let Some(copy) = copied.get(name) {
            let mut answer = schema.clone();
            rewrite(&mut answer);
            new_schemas.insert(copy.clone(), answer);
        } else if outputs.contains(name) && !inputs.contains(name) && !enums.contains(name) {
            rewrite(&mut schema);
        }
        new_schemas.insert(name.clone(), schema);
    }
    doc["components"]["schemas"] = Value::Object(new_schemas);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                if let Some(v) = op.get_mut("responses") {
                    rewrite(v);
                }
            }
        }
    }
}

/// Every component schema `v` refers to, directly or through others.
fn reach(v: &Value, schemas: &Map<String, Value>, seen: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = schema_ref(m)
                && seen.insert(name.to_string())
                && let Some(s) = schemas.get(name)
            {
                reach(s, schemas, seen);
            }
            m.values().for_each(|x| reach(x, schemas, seen));
        }
        Value::Array(a) => a.iter().for_each(|x| reach(x, schemas, seen)),
        _ => {}
    }
}

/// Opens every reference to an enumeration in `v` and points references
/// to copied schemas at their answer copies.
fn open_refs(v: &mut Value, enums: &BTreeSet<String>, copied: &BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            let target = schema_ref(m).map(str::to_string);
            match target {
                Some(name) if enums.contains(&name) => {
                    m.remove("$ref");
                    m.insert(
                        "anyOf".into(),
                        json!([{ "$ref": format!("{SCHEMAS}{name}") }, { "type": "string" }]),
                    );
                }
                Some(name) if copied.contains_key(&name) => {
                    m.insert("$ref".into(), json!(format!("{SCHEMAS}{}", copied[&name])));
                }
                _ => m.values_mut().for_each(|x| open_refs(x, enums, copied)),
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| open_refs(x, enums, copied)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_open_enumerations_and_requests_keep_them_closed() {
        let mut doc = json!({
            "paths": {"/e": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
            }}},
            "components": {"schemas": {
                "Kind": {"type": "string", "enum": ["a", "b"]},
                "Basis": {"type": "string", "enum": ["x"]},
                "Shared": {"type": "object", "properties": {"basis": {"oneOf": [{"$ref": "#/components/schemas/Basis", "description": "d"}, {"type": "null"}]}}},
                "In": {"type": "object", "properties": {"kind": {"$ref": "#/components/schemas/Kind"}, "s": {"$ref": "#/components/schemas/Shared"}}},
                "Out": {"type": "object", "properties": {
                    "kind": {"$ref": "#/components/schemas/Kind"},
                    "kinds": {"type": "array", "items": {"$ref": "#/components/schemas/Kind"}},
                    "s": {"$ref": "#/components/schemas/Shared"}}}
            }}
        });
        open_output_enums(&mut doc);
        let s = &doc["components"]["schemas"];
        let open = json!({"anyOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "string"}]});
        assert_eq!(s["Out"]["properties"]["kind"], open);
        assert_eq!(s["Out"]["properties"]["kinds"]["items"], open);
        assert_eq!(
            s["Out"]["properties"]["s"]["$ref"],
            "#/components/schemas/SharedOut"
        );
        assert_eq!(
            s["In"]["properties"]["kind"]["$ref"],
            "#/components/schemas/Kind"
        );
        assert_eq!(
            s["In"]["properties"]["s"]["$ref"],
            "#/components/schemas/Shared"
        );
        assert_eq!(
            s["Shared"]["properties"]["basis"]["oneOf"][0]["$ref"],
            "#/components/schemas/Basis"
        );
        assert_eq!(
            s["SharedOut"]["properties"]["basis"]["oneOf"][0],
            json!({"anyOf": [{"$ref": "#/components/schemas/Basis"}, {"type": "string"}], "description": "d"})
        );
        assert_eq!(s["Kind"]["enum"], json!(["a", "b"]));
    }
}
