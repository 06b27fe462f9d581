//! People's accounts and browser sessions (issue 30), and SECURITY.md's
//! "People's sessions" table: sign-in, the cookie, CSRF and origin,
//! throttling, disabling, resets, fixation, instances sharing sessions,
//! the second factor, area-scoped accounts, and the audit log by person.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::events::event;
use crate::helpers::{TestApp, json as json_of, problem};
use campaign_tracker::accounts::{self, NewAccount, password};
use campaign_tracker::audit::Actor;
use campaign_tracker::auth::Role;

both_backends!(
    sign_in_sets_a_locked_down_cookie_and_names_the_person,
    wrong_password_and_unknown_user_answer_the_same_and_slow_down,
    cookie_writes_need_the_csrf_token_and_own_origin,
    disabled_account_and_reset_password_end_live_sessions,
    sign_in_replaces_the_session_it_was_sent_with,
    sessions_work_on_another_instance_and_end_on_sign_out,
    admins_manage_accounts_over_http,
    audit_log_names_the_person,
    area_scoped_viewer_sees_its_area_only,
    second_factor_is_asked_and_codes_are_used_once,
    a_flood_of_sign_ins_from_one_address_is_bounded,
);

both_backends!(
    settings = |s| s.require_admin_mfa = true;
    admins_must_enrol_a_second_factor_when_required,
);

both_backends!(single_sign_on_is_off_unless_configured);

both_backends!(
    settings = |s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    behind_a_trusted_proxy_failures_count_per_forwarded_address,
);

both_backends!(forwarded_addresses_from_untrusted_peers_are_ignored);

both_backends!(
    settings = |s| s.public_origin = Some("https://pctmbn.example.vn".into());
    behind_a_tls_proxy_the_cookie_is_secure_and_writes_come_from_its_origin,
);

both_backends!(
    settings = |s| s.session_idle = std::time::Duration::from_secs(1);
    a_session_ends_after_its_idle_time,
);

both_backends!(
    settings = |s| s.session_max = std::time::Duration::from_secs(2);
    a_session_ends_at_its_absolute_end_however_active,
);

both_backends!(
    settings = |s| s.home_area = Some("06".into());
    the_home_area_is_the_default_scope_of_reports,
);

// A provider that cannot be reached (port 9 on loopback): the end-to-end
// flow through a real provider is scripts/oidc.sh, in .ci/run.
both_backends!(
    settings = |s| s.oidc = Some(campaign_tracker::config::OidcSettings {
        issuer: "http://127.0.0.1:9".into(),
        client_id: "campaign-tracker".into(),
        client_secret: "secret".into(),
        claim_is_email: true,
    });
    single_sign_on_refuses_unknown_state_and_an_unreachable_provider,
);

const PASSWORD: &str = "song Hong chay qua ba tinh";

/// Makes an account directly (test set-up) with [`PASSWORD`].
fn person(
    app: &TestApp,
    username: &str,
    role: Role,
    agency: Option<&str>,
    area: Option<&str>,
) -> String {
    let mut conn = app.conn();
    let req = NewAccount {
        username: username.into(),
        display_name: format!("Người {username}"),
        email: None,
        role,
        agency: agency.map(str::to_string),
        area: area.map(str::to_string),
    };
    let hash = password::hash_now(PASSWORD).unwrap();
    accounts::create(&mut conn, &Actor::cli(), &req, hash, false)
        .expect("create account")
        .id
}

/// A signed-in browser: its cookie value and CSRF token.
#[derive(Debug, Clone)]
struct Browser {
    cookie: String,
    csrf: String,
}

fn set_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("ct_session="))
}

async fn sign_in_raw(
    app: &TestApp,
    username: &str,
    password: &str,
    extra: Value,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({"username": username, "password": password});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let mut req = app.client.post(app.url("/api/v1/session")).json(&body);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("ct_session={c}"));
    }
    req.send().await.unwrap()
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> Browser {
    let resp = sign_in_raw(app, username, password, json!({}), None).await;
    let header = set_cookie(&resp).expect("a session cookie");
    let cookie = header
        .trim_start_matches("ct_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = json_of(resp, 200).await;
    Browser {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
    }
}

impl Browser {
    /// A request as the dashboard sends it: cookie, CSRF token, own origin.
    async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = app
            .client
            .request(method, app.url(path))
            .header("cookie", format!("ct_session={}", self.cookie))
            .header("x-csrf-token", &self.csrf)
            .header("origin", &app.addr);
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.unwrap()
    }

    async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        app.client
            .get(app.url(path))
            .header("cookie", format!("ct_session={}", self.cookie))
            .send()
            .await
            .unwrap()
    }
}

async fn sign_in_sets_a_locked_down_cookie_and_names_the_person(app: TestApp) {
    person(&app, "Lan.WU", Role::Agency, Some("womens-union"), None);
    let resp = sign_in_raw(&app, "lan.wu", PASSWORD, json!({}), None).await;
    let cookie = set_cookie(&resp).unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body = json_of(resp, 200).await;
    assert_eq!(body["account"]["username"], "Lan.WU");
    assert_eq!(body["account"]["agency_name"], "Hội Liên hiệp Phụ nữ tỉnh");
    assert_eq!(body["must_change_password"], false);
    let b = sign_in(&app, "LAN.wu", PASSWORD).await;
    let me = json_of(b.get(&app, "/api/v1/whoami").await, 200).await;
    assert_eq!(me["kind"], "session");
    assert_eq!(me["username"], "Lan.WU");
    assert_eq!(me["display_name"], "Người Lan.WU");
    assert_eq!(me["role"], "agency");
    assert_eq!(me["agency"], "womens-union");
    assert_eq!(me["can_write"], true);
    assert!(me["session_expires_at"].is_string());
    // The session view: idle end before the absolute end, about 30 min away.
    let s = json_of(b.get(&app, "/api/v1/session").await, 200).await;
    let idle =
        chrono::DateTime::parse_from_rfc3339(s["idle_expires_at"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(s["expires_at"].as_str().unwrap()).unwrap();
    let now = chrono::Utc::now();
    assert!((idle.with_timezone(&chrono::Utc) - now).num_minutes() >= 29);
    assert!((end.with_timezone(&chrono::Utc) - now).num_hours() >= 11);
    assert_eq!(s["csrf_token"], b.csrf.as_str());
    // A session cookie that was never issued is refused.
    let forged = Browser {
        cookie: "x".repeat(43),
        csrf: String::new(),
    };
    problem(forged.get(&app, "/api/v1/whoami").await, 401).await;
}

async fn wrong_password_and_unknown_user_answer_the_same_and_slow_down(app: TestApp) {
    person(&app, "minh", Role::Viewer, None, None);
    let wrong = sign_in_raw(&app, "minh", "not the password at all", json!({}), None).await;
    assert!(set_cookie(&wrong).is_none());
    let wrong = problem(wrong, 401).await;
    let unknown = problem(
        sign_in_raw(&app, "nobody", "not the password at all", json!({}), None).await,
        401,
    )
    .await;
    assert_eq!(
        wrong, unknown,
        "the same answer whether the username exists"
    );
    assert_eq!(wrong["type"], "urn:campaign-tracker:problem:sign-in-failed");
    // One failure so far for minh; the second and third are still
    // answered, the fourth try (even with the right password) must wait.
    for _ in 0..2 {
        problem(
            sign_in_raw(&app, "minh", "still not the password", json!({}), None).await,
            401,
        )
        .await;
    }
    let slowed = sign_in_raw(&app, "minh", PASSWORD, json!({}), None).await;
    let retry: u64 = slowed.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    problem(slowed, 429).await;
    // Another username from the same address is not slowed yet; unknown
    // usernames are slowed like known ones.
    for _ in 0..3 {
        problem(
            sign_in_raw(&app, "ghost", "guess guess guess", json!({}), None).await,
            401,
        )
        .await;
    }
    problem(
        sign_in_raw(&app, "ghost", "guess guess guess", json!({}), None).await,
        429,
    )
    .await;
    // After the delay, the right password works and clears the count.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    sign_in(&app, "minh", PASSWORD).await;
    problem(
        sign_in_raw(&app, "minh", "wrong once more", json!({}), None).await,
        401,
    )
    .await;
}

async fn count_events(app: &TestApp) -> usize {
    let page = json_of(app.get("/api/v1/events?limit=500", &app.admin()).await, 200).await;
    page["items"].as_array().unwrap().len()
}

async fn cookie_writes_need_the_csrf_token_and_own_origin(app: TestApp) {
    app.seed_test_areas();
    person(&app, "lan", Role::Agency, Some("womens-union"), None);
    let b = sign_in(&app, "lan", PASSWORD).await;
    let body = event("wu-csrf");
    let url = app.url("/api/v1/events");
    let with_cookie = || {
        app.client
            .post(&url)
            .header("cookie", format!("ct_session={}", b.cookie))
            .json(&body)
    };
    // No token.
    let p = problem(
        with_cookie()
            .header("origin", &app.addr)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(p["type"], "urn:campaign-tracker:problem:csrf");
    // A wrong token.
    problem(
        with_cookie()
            .header("origin", &app.addr)
            .header("x-csrf-token", "nope")
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    // The right token from a foreign origin, and with no origin at all.
    problem(
        with_cookie()
            .header("origin", "https://evil.example")
            .header("x-csrf-token", &b.csrf)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    problem(
        with_cookie()
            .header("x-csrf-token", &b.csrf)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert_eq!(count_events(&app).await, 0, "nothing was written");
    // As the dashboard sends it.
    let created = json_of(
        b.send(&app, Method::POST, "/api/v1/events", Some(&body))
            .await,
        201,
    )
    .await;
    assert_eq!(created["agency"], "womens-union");
    assert_eq!(count_events(&app).await, 1);
    // Reading needs no token.
    json_of(
        b.get(
            &app,
            &format!("/api/v1/events/{}", created["id"].as_str().unwrap()),
        )
        .await,
        200,
    )
    .await;
}

async fn disabled_account_and_reset_password_end_live_sessions(app: TestApp) {
    let id = person(&app, "minh", Role::Viewer, None, None);
    let admin = app.admin();
    let b = sign_in(&app, "minh", PASSWORD).await;
    json_of(b.get(&app, "/api/v1/whoami").await, 200).await;
    let disabled = json_of(
        app.patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            &json!({"disabled": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(disabled["disabled"], true);
    problem(b.get(&app, "/api/v1/whoami").await, 401).await;
    let refused = problem(
        sign_in_raw(&app, "minh", PASSWORD, json!({}), None).await,
        403,
    )
    .await;
    assert_eq!(
        refused["type"],
        "urn:campaign-tracker:problem:account-disabled"
    );
    app.patch(
        &format!("/api/v1/accounts/{id}"),
        &admin,
        &json!({"disabled": false}),
    )
    .await;
    let b = sign_in(&app, "minh", PASSWORD).await;

    // A reset ends the session and gives a one-time password that must be
    // changed before anything else.
    let reset = json_of(
        app.post(
            &format!("/api/v1/accounts/{id}/reset-password"),
            &admin,
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    let otp = reset["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(reset["account"]["must_change_password"], true);
    problem(b.get(&app, "/api/v1/whoami").await, 401).await;
    problem(
        sign_in_raw(&app, "minh", PASSWORD, json!({}), None).await,
        401,
    )
    .await;
    let b = sign_in(&app, "minh", &otp).await;
    let first = problem(b.get(&app, "/api/v1/agencies").await, 403).await;
    assert_eq!(
        first["type"],
        "urn:campaign-tracker:problem:password-change-required"
    );
    json_of(b.get(&app, "/api/v1/whoami").await, 200).await;
    // Weak new passwords are refused with the reason.
    for (weak, why) in [
        ("short", "at least 12"),
        ("password1234", "common"),
        ("minh-minh-minh-2025", "username"),
    ] {
        let p = problem(
            b.send(
                &app,
                Method::POST,
                "/api/v1/session/password",
                Some(&json!({"current_password": otp, "new_password": weak})),
            )
            .await,
            422,
        )
        .await;
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(why),
            "{p}"
        );
    }
    let changed = b
        .send(
            &app,
            Method::POST,
            "/api/v1/session/password",
            Some(&json!({"current_password": otp, "new_password": "mot ngay moi tren song Da"})),
        )
        .await;
    let fresh_cookie = set_cookie(&changed).unwrap();
    let view = json_of(changed, 200).await;
    assert_eq!(view["must_change_password"], false);
    problem(b.get(&app, "/api/v1/whoami").await, 401).await;
    let fresh = Browser {
        cookie: fresh_cookie
            .trim_start_matches("ct_session=")
            .split(';')
            .next()
            .unwrap()
            .into(),
        csrf: view["csrf_token"].as_str().unwrap().into(),
    };
    json_of(fresh.get(&app, "/api/v1/agencies").await, 200).await;
    problem(sign_in_raw(&app, "minh", &otp, json!({}), None).await, 401).await;
}

async fn sign_in_replaces_the_session_it_was_sent_with(app: TestApp) {
    person(&app, "minh", Role::Viewer, None, None);
    let first = sign_in(&app, "minh", PASSWORD).await;
    let resp = sign_in_raw(&app, "minh", PASSWORD, json!({}), Some(&first.cookie)).await;
    let second = set_cookie(&resp).unwrap();
    assert!(!second.contains(&first.cookie), "a new id at sign-in");
    json_of(resp, 200).await;
    problem(first.get(&app, "/api/v1/whoami").await, 401).await;
    // A session id planted before sign-in (never issued) is not adopted.
    let planted = "planted-session-id-0000000000000000000000";
    let resp = sign_in_raw(&app, "minh", PASSWORD, json!({}), Some(planted)).await;
    assert!(!set_cookie(&resp).unwrap().contains(planted));
    let stale = Browser {
        cookie: planted.into(),
        csrf: String::new(),
    };
    problem(stale.get(&app, "/api/v1/whoami").await, 401).await;
}

async fn sessions_work_on_another_instance_and_end_on_sign_out(app: TestApp) {
    person(&app, "minh", Role::Viewer, None, None);
    let b = sign_in(&app, "minh", PASSWORD).await;
    let twin = app.twin(|_| {}).await;
    let me = json_of(b.get(&twin, "/api/v1/whoami").await, 200).await;
    assert_eq!(me["username"], "minh");
    let out = b.send(&twin, Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(out.status(), 204);
    let cleared = set_cookie(&out).unwrap();
    assert!(
        cleared.contains("Max-Age=0") || cleared.contains("max-age=0"),
        "{cleared}"
    );
    problem(b.get(&app, "/api/v1/whoami").await, 401).await;
    problem(b.get(&twin, "/api/v1/whoami").await, 401).await;
    drop(twin);
}

async fn admins_manage_accounts_over_http(app: TestApp) {
    app.seed_test_areas();
    let admin = app.admin();
    let created = app
        .post(
            "/api/v1/accounts",
            &admin,
            &json!({"username": "Lan", "display_name": "Nguyễn Thị Lan",
            "role": "agency", "agency": "womens-union", "email": "Lan@Example.vn"}),
        )
        .await;
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let created = json_of(created, 201).await;
    let id = created["account"]["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/api/v1/accounts/{id}"));
    assert_eq!(created["account"]["email"], "lan@example.vn");
    assert_eq!(created["account"]["must_change_password"], true);
    assert!(created["one_time_password"].as_str().unwrap().len() >= 12);
    assert!(created["account"].get("password_hash").is_none());
    let dup = problem(
        app.post(
            "/api/v1/accounts",
            &admin,
            &json!({"username": "LAN", "display_name": "x", "role": "viewer"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(dup["existing_id"], id.as_str());
    let bad = problem(
        app.post("/api/v1/accounts", &admin,
            &json!({"username": "a b", "display_name": "", "role": "agency", "area": "00000", "email": "no"})).await,
        422,
    )
    .await;
    let mut named: Vec<String> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    named.sort();
    assert_eq!(
        named,
        ["agency", "area", "display_name", "email", "username"]
    );
    // Only admins.
    for token in [app.viewer(), app.agency("police")] {
        problem(app.get("/api/v1/accounts", &token).await, 403).await;
    }
    let changed = json_of(
        app.patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            &json!({"role": "viewer", "agency": null, "area": "06", "display_name": "Chị Lan"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["role"], "viewer");
    assert_eq!(changed["agency"], Value::Null);
    assert_eq!(changed["area_name"], "Tỉnh Bắc Kạn");
    problem(
        app.patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            &json!({"role": "admin"}),
        )
        .await,
        422,
    )
    .await;
    // Paging by username.
    for i in 0..3 {
        person(&app, &format!("user{i}"), Role::Viewer, None, None);
    }
    let page = json_of(app.get("/api/v1/accounts?limit=2", &admin).await, 200).await;
    let mut seen: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap().into())
        .collect();
    let next = page["next_cursor"].as_str().unwrap().to_string();
    let rest = json_of(
        app.get(&format!("/api/v1/accounts?limit=2&cursor={next}"), &admin)
            .await,
        200,
    )
    .await;
    seen.extend(
        rest["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["username"].as_str().unwrap().to_string()),
    );
    assert_eq!(seen, ["Lan", "user0", "user1", "user2"]);
    assert!(rest["next_cursor"].is_null());
    // The last enabled admin account cannot be disabled or demoted.
    let only = person(&app, "root", Role::Admin, None, None);
    let p = problem(
        app.patch(
            &format!("/api/v1/accounts/{only}"),
            &admin,
            &json!({"disabled": true}),
        )
        .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("last enabled admin"));
    person(&app, "root2", Role::Admin, None, None);
    json_of(
        app.patch(
            &format!("/api/v1/accounts/{only}"),
            &admin,
            &json!({"role": "viewer"}),
        )
        .await,
        200,
    )
    .await;
    problem(app.get("/api/v1/accounts/nope", &admin).await, 404).await;
}

async fn audit_log_names_the_person(app: TestApp) {
    app.seed_test_areas();
    let id = person(&app, "Lan", Role::Agency, Some("womens-union"), None);
    person(&app, "minh", Role::Viewer, None, None);
    problem(
        sign_in_raw(&app, "lan", "not her password", json!({}), None).await,
        401,
    )
    .await;
    let b = sign_in(&app, "lan", PASSWORD).await;
    let created = json_of(
        b.send(&app, Method::POST, "/api/v1/events", Some(&event("wu-a")))
            .await,
        201,
    )
    .await;
    b.send(&app, Method::DELETE, "/api/v1/session", None).await;
    let m = sign_in(&app, "minh", PASSWORD).await;
    m.send(&app, Method::DELETE, "/api/v1/session", None).await;
    let admin = app.admin();
    let log = json_of(app.get("/api/v1/audit?person=LAN", &admin).await, 200).await;
    let items = log["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["sign_out", "create", "sign_in", "sign_in_failed"]);
    for e in items {
        assert_eq!(e["actor"]["account_id"], id.as_str());
        assert_eq!(e["actor"]["username"], "Lan");
        assert_eq!(e["actor"]["jti"], Value::Null);
    }
    assert_eq!(items[1]["entity_id"], created["id"]);
    let by_id = json_of(
        app.get(&format!("/api/v1/audit?person={id}"), &admin).await,
        200,
    )
    .await;
    assert_eq!(by_id["items"].as_array().unwrap().len(), 4);
    // Failed sign-ins of unknown usernames are recorded too, without a person.
    problem(
        sign_in_raw(&app, "stranger", "guess guess guess", json!({}), None).await,
        401,
    )
    .await;
    let failed = json_of(
        app.get("/api/v1/audit?entity=account&entity_id=unknown", &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(failed["items"][0]["action"], "sign_in_failed");
    assert_eq!(failed["items"][0]["after"]["username"], "stranger");
}

async fn area_scoped_viewer_sees_its_area_only(app: TestApp) {
    app.seed_test_areas();
    // Two events in Bắc Kạn (06), three in Tỉnh Thử (99); 10 people each.
    let police = app.agency("police");
    let mut expected = std::collections::BTreeMap::new();
    for (i, (commune, province, total)) in [
        ("01234", "06", 40),
        ("01237", "06", 25),
        ("99001", "99", 7),
        ("99001", "99", 9),
        ("99001", "99", 11),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = event(&format!("p{i}"));
        e["area_code"] = json!(commune);
        e["start_date"] = json!("2024-05-01");
        e["end_date"] = json!("2024-05-01");
        e["attendance"] = json!({"total": total});
        e["participants"] = json!([]);
        json_of(app.post("/api/v1/events", &police, &e).await, 201).await;
        *expected.entry(province).or_insert(0) += total;
    }
    person(&app, "thu", Role::Viewer, None, Some("99"));
    let b = sign_in(&app, "thu", PASSWORD).await;
    let mine = json_of(b.get(&app, "/api/v1/aggregates").await, 200).await;
    assert_eq!(mine["totals"]["events"], 3);
    assert_eq!(mine["totals"]["attendances"], expected["99"]);
    let inside = json_of(b.get(&app, "/api/v1/aggregates?area=99001").await, 200).await;
    assert_eq!(inside["totals"]["attendances"], expected["99"]);
    let p = problem(b.get(&app, "/api/v1/aggregates?area=06").await, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("99"));
    problem(b.get(&app, "/api/v1/aggregates?area=01234").await, 403).await;
    problem(b.get(&app, "/api/v1/reach/overlap?area=06").await, 403).await;
    let report = b.get(&app, "/api/v1/reports/summary").await;
    assert_eq!(report.status(), 200);
    // An agency account scoped to Tỉnh Thử lists only its events there.
    person(&app, "police99", Role::Agency, Some("police"), Some("99"));
    let clerk = sign_in(&app, "police99", PASSWORD).await;
    let listed = json_of(clerk.get(&app, "/api/v1/events?limit=500").await, 200).await;
    let codes: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["area_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["99001", "99001", "99001"]);
    problem(clerk.get(&app, "/api/v1/events?area=06").await, 403).await;
    // An unscoped viewer sees both provinces.
    let all = json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await;
    assert_eq!(
        all["totals"]["attendances"],
        expected["06"] + expected["99"]
    );
    // A viewer token scoped the same way.
    let token = json_of(
        app.post(
            "/api/v1/tokens",
            &app.admin(),
            &json!({"role": "viewer", "label": "wall", "area": "06"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(token["area"], "06");
    let t = token["token"].as_str().unwrap();
    let bk = json_of(app.get("/api/v1/aggregates", t).await, 200).await;
    assert_eq!(bk["totals"]["attendances"], expected["06"]);
    problem(app.get("/api/v1/aggregates?area=99", t).await, 403).await;
    problem(
        app.post(
            "/api/v1/tokens",
            &app.admin(),
            &json!({"role": "agency", "agency": "police", "label": "x", "area": "06"}),
        )
        .await,
        422,
    )
    .await;
}

fn code_at(secret: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.into()).to_bytes().unwrap();
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into())
        .generate(at)
}

async fn second_factor_is_asked_and_codes_are_used_once(app: TestApp) {
    person(&app, "minh", Role::Viewer, None, None);
    let b = sign_in(&app, "minh", PASSWORD).await;
    let enrol = json_of(
        b.send(&app, Method::POST, "/api/v1/session/totp", None)
            .await,
        200,
    )
    .await;
    let secret = enrol["secret"].as_str().unwrap().to_string();
    assert!(
        enrol["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(!enrol["qr_png_base64"].as_str().unwrap().is_empty());
    let now = chrono::Utc::now().timestamp() as u64;
    problem(
        b.send(
            &app,
            Method::POST,
            "/api/v1/session/totp/confirm",
            Some(&json!({"code": "000000"})),
        )
        .await,
        422,
    )
    .await;
    let codes = json_of(
        b.send(
            &app,
            Method::POST,
            "/api/v1/session/totp/confirm",
            Some(&json!({"code": code_at(&secret, now)})),
        )
        .await,
        200,
    )
    .await;
    let recovery: Vec<String> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().into())
        .collect();
    assert_eq!(recovery.len(), 10);
    // The password alone no longer signs in.
    let p = problem(
        sign_in_raw(&app, "minh", PASSWORD, json!({}), None).await,
        401,
    )
    .await;
    assert_eq!(p["type"], "urn:campaign-tracker:problem:totp-required");
    // The code just used is not accepted again; the next step's is, once.
    problem(
        sign_in_raw(
            &app,
            "minh",
            PASSWORD,
            json!({"totp": code_at(&secret, now)}),
            None,
        )
        .await,
        401,
    )
    .await;
    let next = code_at(&secret, now + 30);
    json_of(
        sign_in_raw(&app, "minh", PASSWORD, json!({"totp": next}), None).await,
        200,
    )
    .await;
    problem(
        sign_in_raw(&app, "minh", PASSWORD, json!({"totp": next}), None).await,
        401,
    )
    .await;
    // A recovery code works once (failures so far: 2, under the delay).
    json_of(
        sign_in_raw(&app, "minh", PASSWORD, json!({"totp": recovery[0]}), None).await,
        200,
    )
    .await;
    problem(
        sign_in_raw(&app, "minh", PASSWORD, json!({"totp": recovery[0]}), None).await,
        401,
    )
    .await;
    let me = json_of(app.get("/api/v1/accounts", &app.admin()).await, 200).await;
    assert_eq!(me["items"][0]["totp_enabled"], true);
}

async fn admins_must_enrol_a_second_factor_when_required(app: TestApp) {
    person(&app, "root", Role::Admin, None, None);
    person(&app, "minh", Role::Viewer, None, None);
    let b = sign_in(&app, "root", PASSWORD).await;
    let s = json_of(b.get(&app, "/api/v1/session").await, 200).await;
    assert_eq!(s["must_enrol_totp"], true);
    let p = problem(b.get(&app, "/api/v1/agencies").await, 403).await;
    assert_eq!(p["type"], "urn:campaign-tracker:problem:mfa-required");
    let enrol = json_of(
        b.send(&app, Method::POST, "/api/v1/session/totp", None)
            .await,
        200,
    )
    .await;
    let now = chrono::Utc::now().timestamp() as u64;
    let code = code_at(enrol["secret"].as_str().unwrap(), now);
    json_of(
        b.send(
            &app,
            Method::POST,
            "/api/v1/session/totp/confirm",
            Some(&json!({"code": code})),
        )
        .await,
        200,
    )
    .await;
    json_of(b.get(&app, "/api/v1/agencies").await, 200).await;
    // Viewers are not asked.
    let v = sign_in(&app, "minh", PASSWORD).await;
    json_of(v.get(&app, "/api/v1/agencies").await, 200).await;
}

async fn location(app: &TestApp, path: &str) -> String {
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), 303, "{path}");
    assert!(set_cookie(&resp).is_none(), "{path}: no session");
    resp.headers()["location"].to_str().unwrap().to_string()
}

async fn single_sign_on_is_off_unless_configured(app: TestApp) {
    let info = json_of(
        app.client
            .get(app.url("/api/v1/session/sso"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(info, json!({"enabled": false, "url": null}));
    problem(
        app.client
            .get(app.url("/api/v1/session/sso/start"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    assert_eq!(
        location(&app, "/api/v1/session/sso/callback?code=c&state=s").await,
        "/dashboard/?sso_error=provider"
    );
}

async fn single_sign_on_refuses_unknown_state_and_an_unreachable_provider(app: TestApp) {
    let info = json_of(
        app.client
            .get(app.url("/api/v1/session/sso"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        info,
        json!({"enabled": true, "url": "/api/v1/session/sso/start"})
    );
    let p = problem(
        app.client
            .get(app.url("/api/v1/session/sso/start"))
            .send()
            .await
            .unwrap(),
        503,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("provider"), "{p}");
    for path in [
        "/api/v1/session/sso/callback?code=c&state=never-issued",
        "/api/v1/session/sso/callback?state=never-issued",
        "/api/v1/session/sso/callback",
        "/api/v1/session/sso/callback?code=&error=&state=&x=1",
    ] {
        assert_eq!(location(&app, path).await, "/dashboard/?sso_error=state");
    }
    assert_eq!(
        location(
            &app,
            "/api/v1/session/sso/callback?error=access_denied&state=x"
        )
        .await,
        "/dashboard/?sso_error=provider"
    );
    let log = json_of(
        app.get(
            "/api/v1/audit?entity=account&entity_id=unknown",
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(
        items
            .iter()
            .all(|e| e["action"] == "sign_in_failed" && e["after"]["method"] == "sso")
    );
}

async fn a_flood_of_sign_ins_from_one_address_is_bounded(app: TestApp) {
    // 16 sign-ins at once from one address, each with its own unknown
    // username (under every failure delay): each needs an Argon2id hash,
    // computed one at a time per address, with at most 4 in flight; the
    // rest are refused at once with 429, none waits for memory.
    let attempts = (0..16).map(|i| {
        let app = &app;
        async move {
            let resp = sign_in_raw(
                app,
                &format!("flood{i}"),
                "guess guess guess",
                json!({}),
                None,
            )
            .await;
            let retry = resp.headers().get("retry-after").is_some();
            (resp.status().as_u16(), retry)
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let refused_at_once = answers.iter().filter(|(s, _)| *s == 429).count();
    assert!(
        answers.iter().all(|(s, _)| *s == 401 || *s == 429),
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == 429)
            .all(|(_, retry)| *retry)
    );
    assert!(
        refused_at_once >= 1,
        "some were refused at once: {answers:?}"
    );
    assert!(
        answers.iter().filter(|(s, _)| *s == 401).count() >= 4,
        "{answers:?}"
    );
    // The service still answers, and a real person still gets in.
    person(&app, "minh", Role::Viewer, None, None);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    json_of(
        sign_in_raw(&app, "minh", PASSWORD, json!({}), None).await,
        200,
    )
    .await;
}

async fn the_home_area_is_the_default_scope_of_reports(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    for (i, (commune, total)) in [("01234", 40), ("99001", 7)].into_iter().enumerate() {
        let mut e = event(&format!("h{i}"));
        e["area_code"] = json!(commune);
        e["attendance"] = json!({"total": total});
        json_of(app.post("/api/v1/events", &police, &e).await, 201).await;
    }
    let viewer = app.viewer();
    let me = json_of(app.get("/api/v1/whoami", &viewer).await, 200).await;
    assert_eq!(me["home_area"], "06");
    let home = app
        .get("/api/v1/reports/summary?lang=en&format=md", &viewer)
        .await
        .text()
        .await
        .unwrap();
    let other = app
        .get("/api/v1/reports/summary?lang=en&format=md&area=99", &viewer)
        .await
        .text()
        .await
        .unwrap();
    // Only Bắc Kạn's event (40) by default; only Tỉnh Thử's (7) when asked.
    assert!(
        home.contains("| Provincial Police | 1 | 40 | 2 |"),
        "{home}"
    );
    assert!(
        other.contains("| Provincial Police | 1 | 7 | 2 |"),
        "{other}"
    );
}

async fn a_session_ends_after_its_idle_time(app: TestApp) {
    person(&app, "minh", Role::Viewer, None, None);
    let b = sign_in(&app, "minh", PASSWORD).await;
    json_of(b.get(&app, "/api/v1/whoami").await, 200).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1300)).await;
    let p = problem(b.get(&app, "/api/v1/whoami").await, 401).await;
    assert!(
        p["detail"].as_str().unwrap().contains("sign in again"),
        "{p}"
    );
}

async fn a_session_ends_at_its_absolute_end_however_active(app: TestApp) {
    person(&app, "minh", Role::Viewer, None, None);
    let b = sign_in(&app, "minh", PASSWORD).await;
    let s = json_of(b.get(&app, "/api/v1/session").await, 200).await;
    let end = chrono::DateTime::parse_from_rfc3339(s["expires_at"].as_str().unwrap()).unwrap();
    assert!((end.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds() <= 2000);
    // Active all along (idle time is 30 minutes), and still ended.
    for _ in 0..3 {
        json_of(b.get(&app, "/api/v1/whoami").await, 200).await;
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1400)).await;
    problem(b.get(&app, "/api/v1/whoami").await, 401).await;
}

async fn behind_a_tls_proxy_the_cookie_is_secure_and_writes_come_from_its_origin(app: TestApp) {
    app.seed_test_areas();
    person(&app, "lan", Role::Agency, Some("womens-union"), None);
    let resp = sign_in_raw(&app, "lan", PASSWORD, json!({}), None).await;
    let cookie = set_cookie(&resp).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    let b = sign_in(&app, "lan", PASSWORD).await;
    // The request's own host is not the public origin: refused.
    let p = problem(
        b.send(&app, Method::POST, "/api/v1/events", Some(&event("tls-1")))
            .await,
        403,
    )
    .await;
    assert_eq!(p["type"], "urn:campaign-tracker:problem:csrf");
    let ok = app
        .client
        .post(app.url("/api/v1/events"))
        .header("cookie", format!("ct_session={}", b.cookie))
        .header("x-csrf-token", &b.csrf)
        .header("origin", "https://pctmbn.example.vn")
        .json(&event("tls-2"))
        .send()
        .await
        .unwrap();
    json_of(ok, 201).await;
}

async fn wrong_from(app: &TestApp, username: &str, forwarded: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": username, "password": "guess guess guess"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn behind_a_trusted_proxy_failures_count_per_forwarded_address(app: TestApp) {
    // Ten failures from 10.0.0.1 (each a fresh username, under its own
    // delay) slow that address down; 10.0.0.2 behind the same proxy is not.
    for i in 0..10 {
        assert_eq!(
            wrong_from(&app, &format!("a{i}"), "203.0.113.9, 10.0.0.1").await,
            401
        );
    }
    assert_eq!(wrong_from(&app, "a-next", "10.0.0.1").await, 429);
    assert_eq!(wrong_from(&app, "b0", "10.0.0.2").await, 401);
    let log = json_of(
        app.get(
            "/api/v1/audit?entity=account&entity_id=unknown&limit=1",
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(log["items"][0]["after"]["client"], "10.0.0.2");
}

async fn forwarded_addresses_from_untrusted_peers_are_ignored(app: TestApp) {
    // A client cannot escape the per-address delay by inventing addresses.
    for i in 0..10 {
        assert_eq!(
            wrong_from(&app, &format!("a{i}"), &format!("10.0.0.{i}")).await,
            401
        );
    }
    assert_eq!(wrong_from(&app, "a-next", "10.9.9.9").await, 429);
    let log = json_of(
        app.get(
            "/api/v1/audit?entity=account&entity_id=unknown&limit=1",
            &app.admin(),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(log["items"][0]["after"]["client"], "127.0.0.1");
}
