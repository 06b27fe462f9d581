//! The document says exactly what the server requires: for every operation
//! with a JSON body, the fields the server reports missing in an empty body
//! are the schema's required fields (nested objects included), and a body
//! holding only the schema's required fields is never refused for a missing
//! one. Checked against the served document, on both databases.

use serde_json::{Map, Value, json};

use crate::both_backends;
use crate::events::event;
use crate::helpers::{TestApp, json as json_of, openapi};

both_backends!(required_fields_in_the_document_are_what_the_server_requires);

/// Resolves a `$ref` to its schema.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The required fields of a schema, as dotted paths (nested objects too).
fn required(doc: &Value, schema: &Value, prefix: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        let path = format!("{prefix}{name}");
        out.push(path.clone());
        let prop = resolve(doc, &schema["properties"][name]);
        if prop["properties"].is_object() {
            required(doc, prop, &format!("{path}."), out);
        }
    }
}

/// A value of `schema` holding only required fields, with plausible values.
fn minimal(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or_default(),
        t => t.clone(),
    };
    match kind
        .as_str()
        .unwrap_or(if schema["properties"].is_object() {
            "object"
        } else {
            "string"
        }) {
        "object" => {
            let mut m = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                m.insert(name.into(), minimal(doc, &schema["properties"][name]));
            }
            Value::Object(m)
        }
        "array" => json!([minimal(doc, &schema["items"])]),
        "integer" | "number" => json!(1),
        "boolean" => json!(true),
        _ if schema["format"] == "date" => json!("2024-03-08"),
        _ => json!("x1"),
    }
}

/// The fields a 422 answer reports as missing.
fn missing(problem: &Value) -> Vec<String> {
    let mut out: Vec<String> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            let m = e["message"].as_str().unwrap_or_default().to_lowercase();
            m.starts_with("required") || m.starts_with("missing field")
        })
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn required_fields_in_the_document_are_what_the_server_requires(app: TestApp) {
    app.seed_test_areas();
    let doc = openapi(&app).await;
    let (admin, police) = (app.admin(), app.agency("police"));
    let own = json_of(
        app.post("/api/v1/events", &police, &event("contract-1"))
            .await,
        201,
    )
    .await;
    let id = own["id"].as_str().unwrap().to_string();
    let account = json_of(
        app.post(
            "/api/v1/accounts",
            &admin,
            &json!({"username": "lan", "display_name": "Lan", "role": "viewer"}),
        )
        .await,
        201,
    )
    .await;
    let account = account["account"]["id"].as_str().unwrap().to_string();
    // Every JSON body of the document, each with a caller that may send it
    // and a path naming something that exists.
    let cases: Vec<(&str, &str, String, &String)> = vec![
        (
            "post",
            "/api/v1/agencies",
            "/api/v1/agencies".into(),
            &admin,
        ),
        (
            "patch",
            "/api/v1/agencies/{code}",
            "/api/v1/agencies/labour".into(),
            &admin,
        ),
        ("post", "/api/v1/areas", "/api/v1/areas".into(), &admin),
        ("post", "/api/v1/events", "/api/v1/events".into(), &police),
        (
            "post",
            "/api/v1/events/batch",
            "/api/v1/events/batch".into(),
            &police,
        ),
        (
            "put",
            "/api/v1/events/external/{external_id}",
            "/api/v1/events/external/contract-2".into(),
            &police,
        ),
        (
            "put",
            "/api/v1/events/{id}",
            format!("/api/v1/events/{id}"),
            &police,
        ),
        (
            "post",
            "/api/v1/events/{id}/same-as",
            format!("/api/v1/events/{id}/same-as"),
            &police,
        ),
        (
            "post",
            "/api/v1/events/{id}/participants",
            format!("/api/v1/events/{id}/participants"),
            &police,
        ),
        ("post", "/api/v1/tokens", "/api/v1/tokens".into(), &admin),
        (
            "post",
            "/api/v1/accounts",
            "/api/v1/accounts".into(),
            &admin,
        ),
        (
            "patch",
            "/api/v1/accounts/{id}",
            format!("/api/v1/accounts/{account}"),
            &admin,
        ),
        // The session's bodies are read before the caller is checked
        // (a token has no session: 401 once the body is whole).
        ("post", "/api/v1/session", "/api/v1/session".into(), &admin),
        (
            "post",
            "/api/v1/session/password",
            "/api/v1/session/password".into(),
            &admin,
        ),
        (
            "post",
            "/api/v1/session/totp/confirm",
            "/api/v1/session/totp/confirm".into(),
            &admin,
        ),
        ("post", "/api/v1/periods", "/api/v1/periods".into(), &admin),
        (
            "post",
            "/api/v1/publications",
            "/api/v1/publications".into(),
            &admin,
        ),
        (
            "post",
            "/api/v1/periods/{period}/reopen",
            "/api/v1/periods/2025-07/reopen".into(),
            &admin,
        ),
        (
            "post",
            "/api/v1/privacy/requests",
            "/api/v1/privacy/requests".into(),
            &admin,
        ),
        (
            "post",
            "/api/v1/privacy/requests/{id}/extend",
            "/api/v1/privacy/requests/x1/extend".into(),
            &admin,
        ),
        (
            "post",
            "/api/v1/privacy/breaches",
            "/api/v1/privacy/breaches".into(),
            &admin,
        ),
        (
            "post",
            "/api/v1/privacy/breaches/{id}/notified",
            "/api/v1/privacy/breaches/x1/notified".into(),
            &admin,
        ),
    ];
    let mut documented: Vec<(String, String)> = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["requestBody"]["content"]["application/json"].is_object() {
                documented.push((method.clone(), template.clone()));
            }
        }
    }
    documented.sort();
    let mut checked: Vec<(String, String)> = cases
        .iter()
        .map(|(m, t, _, _)| (m.to_string(), t.to_string()))
        .collect();
    checked.sort();
    assert_eq!(
        checked, documented,
        "every JSON body of the document is checked"
    );
    for (method, template, path, token) in cases {
        let op = &doc["paths"][template][method];
        let schema = &op["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} documents a JSON body"
        );
        let mut in_doc = Vec::new();
        required(&doc, schema, "", &mut in_doc);
        in_doc.sort();
        let send = |body: Value| {
            let req = app
                .client
                .request(method.to_uppercase().parse().unwrap(), app.url(&path))
                .bearer_auth(token)
                .header("If-Match", "*")
                .json(&body);
            async move { req.send().await.unwrap() }
        };
        // The server's required fields are the document's.
        let resp = send(json!({})).await;
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let said = missing(&body);
        for field in &said {
            assert!(
                in_doc.contains(field),
                "{method} {template}: the server requires {field}, the document does not ({in_doc:?})"
            );
        }
        if in_doc.is_empty() {
            assert_ne!(status, 422, "{method} {template}: {body}");
        } else {
            // Top-level required fields are each reported for `{}`, except
            // one the path supplies: `PUT /events/external/{external_id}`
            // takes the external id from the path (a body value must equal it).
            let from_path = template.contains("{external_id}");
            for field in in_doc
                .iter()
                .filter(|f| !f.contains('.'))
                .filter(|f| !(from_path && *f == "external_id"))
            {
                assert!(
                    said.contains(field),
                    "{method} {template}: the document requires {field}, the server accepted its absence: {body}"
                );
            }
        }
        // A body with only the required fields is not refused for a missing
        // one, but for the fields the document requires by kind: an event
        // needs `attendance` unless it is mass media (then `audience`).
        let mut body = minimal(&doc, schema);
        if body.get("kind").is_some() && body.get("attendance").is_none() {
            let described = serde_json::to_string(&doc).unwrap();
            assert!(
                described.contains("Required, except for the mass-media kinds"),
                "the document does not say when attendance is required"
            );
            body["attendance"] = json!({"total": 1});
        }
        let resp = send(body.clone()).await;
        let answer: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(
            missing(&answer).is_empty(),
            "{method} {template}: {body} was refused for missing fields: {answer}"
        );
    }
}
