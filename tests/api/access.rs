//! Agencies, tokens, roles, the audit log, and the Access and JWT tables of
//! SECURITY.md.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TEST_KEY, TEST_KID, TestApp, fields, json as json_of, problem};

both_backends!(
    seeded_agencies_are_listed_to_any_token,
    admin_adds_renames_and_deactivates_an_agency,
    agency_validation_names_every_bad_field,
    every_protected_route_refuses_missing_and_bad_tokens,
    forged_tokens_are_refused,
    revoked_token_is_refused,
    roles_are_enforced,
    unknown_body_fields_are_rejected,
    tokens_over_http_show_the_token_once,
    audit_log_records_every_write_with_cursor_pagination,
    deactivated_agency_tokens_cannot_be_issued,
);

async fn seeded_agencies_are_listed_to_any_token(app: TestApp) {
    for token in [app.admin(), app.viewer(), app.agency("police")] {
        let list = json_of(app.get("/api/v1/agencies", &token).await, 200).await;
        let codes: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, vec!["education", "labour", "police", "womens-union"]);
    }
    let one = json_of(
        app.get("/api/v1/agencies/womens-union", &app.viewer())
            .await,
        200,
    )
    .await;
    assert_eq!(one["name"], "Hội Liên hiệp Phụ nữ tỉnh");
    assert_eq!(one["active"], true);
    problem(app.get("/api/v1/agencies/nope", &app.viewer()).await, 404).await;
}

async fn admin_adds_renames_and_deactivates_an_agency(app: TestApp) {
    let admin = app.admin();
    let body = json!({"code": "health", "name": "Sở Y tế", "name_en": "Department of Health"});
    let resp = app.post("/api/v1/agencies", &admin, &body).await;
    assert_eq!(resp.headers()["location"], "/api/v1/agencies/health");
    assert_eq!(json_of(resp, 201).await["active"], true);
    let dup = problem(app.post("/api/v1/agencies", &admin, &body).await, 409).await;
    assert_eq!(dup["existing_id"], "health");

    let renamed = json_of(
        app.patch(
            "/api/v1/agencies/labour",
            &admin,
            &json!({"name": "Sở Nội vụ", "active": false}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "Sở Nội vụ");
    assert_eq!(renamed["active"], false);
    assert_eq!(
        renamed["name_en"],
        "Department of Labour, Invalids and Social Affairs"
    );
    problem(
        app.patch("/api/v1/agencies/nope", &admin, &json!({"active": false}))
            .await,
        404,
    )
    .await;
    // Still listed: never deleted.
    let list = json_of(app.get("/api/v1/agencies", &admin).await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 5);
}

async fn agency_validation_names_every_bad_field(app: TestApp) {
    let p = problem(
        app.post(
            "/api/v1/agencies",
            &app.admin(),
            &json!({"code": "Bad Code", "name": "", "name_en": "x".repeat(201)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["code", "name", "name_en"]);
    let p = problem(
        app.post("/api/v1/agencies", &app.admin(), &json!({"code": "x1"}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&p),
        vec!["name", "name_en"],
        "every missing field at once"
    );
}

/// Every documented operation that declares bearer security, with path
/// parameters filled in.
async fn protected_operations(app: &TestApp) -> Vec<(Method, String)> {
    let out: Vec<(Method, String)> = crate::helpers::operations(app)
        .await
        .into_iter()
        .filter(|o| o.secured)
        .map(|o| (o.method, o.path))
        .collect();
    assert!(out.len() >= 8, "expected the protected routes, got {out:?}");
    out
}

fn sign(claims: &Value, alg: Algorithm, kid: Option<&str>, key: &[u8]) -> String {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_string);
    jsonwebtoken::encode(&h, claims, &EncodingKey::from_secret(key)).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn assert_401(app: &TestApp, method: Method, path: &str, auth: Option<&str>) {
    let mut req = app.client.request(method.clone(), app.url(path));
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let resp = req
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap()),
        Some("Bearer"),
        "{method} {path}"
    );
    problem(resp, 401).await;
}

async fn every_protected_route_refuses_missing_and_bad_tokens(app: TestApp) {
    let expired = sign(
        &json!({"iss": "campaign-tracker", "aud": "campaign-tracker-api", "sub": "x", "role": "admin",
                "iat": now() - 7200, "nbf": now() - 7200, "exp": now() - 3600, "jti": "j"}),
        Algorithm::HS256,
        Some(TEST_KID),
        TEST_KEY.as_bytes(),
    );
    let other_key = sign(
        &json!({"iss": "campaign-tracker", "aud": "campaign-tracker-api", "sub": "x", "role": "admin",
                "iat": now(), "nbf": now(), "exp": now() + 3600, "jti": "j"}),
        Algorithm::HS256,
        Some(TEST_KID),
        b"another-secret-another-secret-another",
    );
    for (method, path) in protected_operations(&app).await {
        assert_401(&app, method.clone(), &path, None).await;
        assert_401(&app, method.clone(), &path, Some("Bearer not.a.jwt")).await;
        assert_401(&app, method.clone(), &path, Some("Basic YWRtaW46YWRtaW4=")).await;
        assert_401(
            &app,
            method.clone(),
            &path,
            Some(&format!("Bearer {expired}")),
        )
        .await;
        assert_401(
            &app,
            method.clone(),
            &path,
            Some(&format!("Bearer {other_key}")),
        )
        .await;
    }
}

/// Claims of a real, recorded token, so each forgery differs in one way only.
fn real_claims(app: &TestApp) -> Value {
    let token = app.admin();
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn forged_tokens_are_refused(app: TestApp) {
    let base = real_claims(&app);
    let key = TEST_KEY.as_bytes();
    // The untouched claims work: every refusal below is for its own reason.
    let good = sign(&base, Algorithm::HS256, Some(TEST_KID), key);
    json_of(app.get("/api/v1/agencies", &good).await, 200).await;

    let with = |k: &str, v: Value| {
        let mut c = base.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = base.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let header_b64 = |h: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h)
    };
    let payload_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&base).unwrap())
    };
    let cases: Vec<(&str, String)> = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                header_b64(r#"{"alg":"none","typ":"JWT","kid":"test"}"#),
                payload_b64
            ),
        ),
        ("HS512", sign(&base, Algorithm::HS512, Some(TEST_KID), key)),
        (
            "no exp",
            sign(&without("exp"), Algorithm::HS256, Some(TEST_KID), key),
        ),
        (
            "expired beyond leeway",
            sign(
                &with("exp", json!(now() - 10)),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        (
            "nbf in the future",
            sign(
                &with("nbf", json!(now() + 60)),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        (
            "no nbf",
            sign(&without("nbf"), Algorithm::HS256, Some(TEST_KID), key),
        ),
        (
            "no aud",
            sign(&without("aud"), Algorithm::HS256, Some(TEST_KID), key),
        ),
        (
            "wrong aud",
            sign(
                &with("aud", json!("someone-else")),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        (
            "no iss",
            sign(&without("iss"), Algorithm::HS256, Some(TEST_KID), key),
        ),
        (
            "wrong iss",
            sign(
                &with("iss", json!("evil")),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        (
            "exp as string",
            sign(
                &with("exp", json!((now() + 3600).to_string())),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        (
            "nbf as object",
            sign(
                &with("nbf", json!({"t": 1})),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        ("no kid", sign(&base, Algorithm::HS256, None, key)),
        (
            "unknown kid",
            sign(&base, Algorithm::HS256, Some("retired"), key),
        ),
        (
            "path kid",
            sign(&base, Algorithm::HS256, Some("../../etc/passwd"), key),
        ),
        (
            "sql kid",
            sign(&base, Algorithm::HS256, Some("' OR 1=1 --"), key),
        ),
        (
            "huge kid",
            sign(&base, Algorithm::HS256, Some(&"k".repeat(10_000)), key),
        ),
        (
            "role escalation",
            sign(
                &with("role", json!("agency")),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
        (
            "unknown jti",
            sign(
                &with("jti", json!("00000000-0000-0000-0000-000000000000")),
                Algorithm::HS256,
                Some(TEST_KID),
                key,
            ),
        ),
    ];
    for (why, token) in cases {
        let resp = app.get("/api/v1/agencies", &token).await;
        assert_eq!(resp.status(), 401, "{why}");
        assert_eq!(resp.headers()["www-authenticate"], "Bearer", "{why}");
    }
}

async fn revoked_token_is_refused(app: TestApp) {
    let admin = app.admin();
    let victim = app.viewer();
    json_of(app.get("/api/v1/agencies", &victim).await, 200).await;
    let tokens = json_of(app.get("/api/v1/tokens", &admin).await, 200).await;
    let id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["role"] == "viewer")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = json_of(
        app.delete(&format!("/api/v1/tokens/{id}"), &admin).await,
        200,
    )
    .await;
    assert!(revoked["revoked_at"].is_string());
    problem(app.get("/api/v1/agencies", &victim).await, 401).await;
    problem(
        app.delete("/api/v1/tokens/no-such-token", &admin).await,
        404,
    )
    .await;
}

async fn roles_are_enforced(app: TestApp) {
    let viewer = app.viewer();
    let agency = app.agency("police");
    let admin_writes: Vec<(Method, &str, Value)> = vec![
        (
            Method::POST,
            "/api/v1/agencies",
            json!({"code": "zz", "name": "a", "name_en": "b"}),
        ),
        (
            Method::PATCH,
            "/api/v1/agencies/police",
            json!({"active": false}),
        ),
        (
            Method::POST,
            "/api/v1/tokens",
            json!({"role": "admin", "label": "x"}),
        ),
        (Method::GET, "/api/v1/tokens", json!({})),
        (Method::DELETE, "/api/v1/tokens/x", json!({})),
        (Method::GET, "/api/v1/audit", json!({})),
    ];
    for token in [&viewer, &agency] {
        for (m, path, body) in &admin_writes {
            let resp = app.send_json(m.clone(), path, token, body).await;
            problem(resp, 403).await;
        }
    }
    // Nothing changed.
    let police = json_of(app.get("/api/v1/agencies/police", &viewer).await, 200).await;
    assert_eq!(police["active"], true);
}

async fn unknown_body_fields_are_rejected(app: TestApp) {
    let p = problem(
        app.post(
            "/api/v1/agencies",
            &app.admin(),
            &json!({"code": "zz", "name": "a", "name_en": "b", "created_at": "2020-01-01"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["created_at"]);
    let p = problem(
        app.patch(
            "/api/v1/agencies/police",
            &app.admin(),
            &json!({"code": "other"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["code"]);
    // Malformed JSON and wrong content type.
    let resp = app
        .client
        .post(app.url("/api/v1/agencies"))
        .bearer_auth(app.admin())
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    problem(resp, 400).await;
    let resp = app
        .client
        .post(app.url("/api/v1/agencies"))
        .bearer_auth(app.admin())
        .header("content-type", "text/plain")
        .body("code=x")
        .send()
        .await
        .unwrap();
    problem(resp, 415).await;
    let resp = app
        .client
        .post(app.url("/api/v1/agencies"))
        .bearer_auth(app.admin())
        .header("content-type", "application/json")
        .body(vec![b' '; app.settings.body_limit + 10])
        .send()
        .await
        .unwrap();
    problem(resp, 413).await;
}

async fn tokens_over_http_show_the_token_once(app: TestApp) {
    let admin = app.admin();
    let resp = app
        .post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "agency", "agency": "education", "label": "EDU sync", "ttl_days": 30}),
        )
        .await;
    let created = json_of(resp, 201).await;
    let token = created["token"].as_str().unwrap().to_string();
    assert_eq!(created["agency"], "education");
    assert!(created["expires_at"].is_string());
    // The new token works.
    json_of(app.get("/api/v1/agencies", &token).await, 200).await;
    // Listing never shows tokens.
    let list = app
        .get("/api/v1/tokens", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&token));
    assert!(list.contains(created["id"].as_str().unwrap()));
    // Bad requests name their fields.
    let p = problem(
        app.post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "agency", "label": "", "ttl_days": 0}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["label", "ttl_days", "agency"]);
    let p = problem(
        app.post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "agency", "agency": "nope", "label": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["agency"]);
    let p = problem(
        app.post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "viewer", "agency": "police", "label": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["agency"]);
    let p = problem(
        app.post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "root", "label": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["role"]);
}

async fn rate_limit_is_per_token(app: TestApp) {
    let (a, b) = (app.viewer(), app.viewer());
    for _ in 0..5 {
        json_of(app.get("/api/v1/agencies", &a).await, 200).await;
    }
    let resp = app.get("/api/v1/agencies", &a).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    problem(resp, 429).await;
    // Another token is unaffected.
    json_of(app.get("/api/v1/agencies", &b).await, 200).await;
}

both_backends!(settings = |s| s.rate_limit_per_minute = 5; rate_limit_is_per_token);

async fn audit_log_records_every_write_with_cursor_pagination(app: TestApp) {
    let admin = app.admin();
    json_of(
        app.post(
            "/api/v1/agencies",
            &admin,
            &json!({"code": "health", "name": "Sở Y tế", "name_en": "Health"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.patch("/api/v1/agencies/health", &admin, &json!({"active": false}))
            .await,
        200,
    )
    .await;
    let page = json_of(
        app.get("/api/v1/audit?entity=agency&entity_id=health", &admin)
            .await,
        200,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["before"]["active"], true);
    assert_eq!(items[0]["after"]["active"], false);
    assert_eq!(items[0]["actor"]["role"], "admin");
    assert_eq!(items[1]["action"], "create");
    assert!(items[1]["before"].is_null());
    // Token issues are audited too, without the token.
    let created = json_of(
        app.post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "viewer", "label": "dash"}),
        )
        .await,
        201,
    )
    .await;
    let audit_text = app
        .get("/api/v1/audit?entity=token&limit=500", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(audit_text.contains(created["id"].as_str().unwrap()));
    assert!(!audit_text.contains(created["token"].as_str().unwrap()));
    // Cursor pagination walks every record exactly once.
    let mut seen = Vec::new();
    let mut path = "/api/v1/audit?limit=2".to_string();
    loop {
        let page = json_of(app.get(&path, &admin).await, 200).await;
        for i in page["items"].as_array().unwrap() {
            seen.push(i["id"].as_i64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/audit?limit=2&cursor={c}"),
            None => break,
        }
    }
    let total = json_of(app.get("/api/v1/audit?limit=500", &admin).await, 200).await["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(seen.len(), total);
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted, seen, "newest first, no repeats");
    problem(app.get("/api/v1/audit?cursor=abc", &admin).await, 422).await;
    problem(app.get("/api/v1/audit?bogus=1", &admin).await, 422).await;
}

async fn deactivated_agency_tokens_cannot_be_issued(app: TestApp) {
    let admin = app.admin();
    json_of(
        app.patch("/api/v1/agencies/labour", &admin, &json!({"active": false}))
            .await,
        200,
    )
    .await;
    let p = problem(
        app.post(
            "/api/v1/tokens",
            &admin,
            &json!({"role": "agency", "agency": "labour", "label": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["agency"]);
}
