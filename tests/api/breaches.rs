//! The breach log (issue 34): a breach recorded gets its deadline to
//! notify, 72 hours from detection, computed here; a notification in time
//! is `notified`, a late one needs its reason and is `notified_late`; a
//! breach is notified once; only admins; bad bodies named; on both
//! databases.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(breaches_carry_their_deadline_and_their_notification,);

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn breaches_carry_their_deadline_and_their_notification(app: TestApp) {
    let admin = app.admin();
    let detected = Utc::now() - Duration::hours(80);
    let body = json!({
        "detected_at": detected.to_rfc3339(),
        "description": "Một máy tính của cán bộ bị mất, trong có tệp xuất số liệu",
        "data_categories": ["aggregates", "accounts"],
        "subjects_estimate": 0,
        "measures": "Đã khóa tài khoản và đổi mật khẩu"
    });
    let late = json_of(
        app.post("/api/v1/privacy/breaches", &admin, &body).await,
        201,
    )
    .await;
    let notify_by = detected + Duration::hours(72);
    assert_eq!(
        at(&late["notify_by"]).timestamp(),
        notify_by.timestamp(),
        "{late}"
    );
    assert_eq!(late["status"], "open");
    assert_eq!(late["data_categories"], json!(["aggregates", "accounts"]));
    let id = late["id"].as_str().unwrap().to_string();
    // Notified now: 8 hours after the deadline, so the reason is required.
    let notify = |reason: Option<&str>| {
        let mut n = json!({"notified_at": Utc::now().to_rfc3339(), "notified_to": "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05)"});
        if let Some(r) = reason {
            n["late_reason"] = json!(r);
        }
        n
    };
    let path = format!("/api/v1/privacy/breaches/{id}/notified");
    let p = problem(app.post(&path, &admin, &notify(None)).await, 422).await;
    assert_eq!(fields(&p), ["late_reason"], "{p}");
    let done = json_of(
        app.post(&path, &admin, &notify(Some("Phát hiện vào cuối tuần")))
            .await,
        200,
    )
    .await;
    assert_eq!(
        (done["status"].as_str(), done["late_reason"].as_str()),
        (Some("notified_late"), Some("Phát hiện vào cuối tuần"))
    );
    problem(app.post(&path, &admin, &notify(Some("lần hai"))).await, 409).await;
    // One detected an hour ago, notified in time: no reason needed.
    let recent = json!({"detected_at": (Utc::now() - Duration::hours(1)).to_rfc3339(), "description": "Lộ mã truy cập của một hệ thống",
        "data_categories": ["citizen_id"], "subjects_estimate": 120});
    let fresh = json_of(
        app.post("/api/v1/privacy/breaches", &admin, &recent).await,
        201,
    )
    .await;
    let fid = fresh["id"].as_str().unwrap();
    let ok = json_of(
        app.post(
            &format!("/api/v1/privacy/breaches/{fid}/notified"),
            &admin,
            &notify(None),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ok["status"], "notified");
    // Listed newest first, one per page.
    let page = json_of(
        app.get("/api/v1/privacy/breaches?limit=1", &admin).await,
        200,
    )
    .await;
    assert_eq!(page["items"][0]["id"], fresh["id"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = json_of(
        app.get(
            &format!("/api/v1/privacy/breaches?limit=1&cursor={cursor}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(next["items"][0]["id"], late["id"]);
    assert!(next["next_cursor"].is_null());
    let one = json_of(
        app.get(&format!("/api/v1/privacy/breaches/{id}"), &admin)
            .await,
        200,
    )
    .await;
    assert_eq!(one["status"], "notified_late");
    // In the audit log, with who recorded it.
    let audit = json_of(
        app.get("/api/v1/audit?entity=privacy_breach", &admin).await,
        200,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "create").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "notify").count(),
        2,
        "{actions:?}"
    );
    // Only admins.
    for token in [app.agency("police"), app.viewer()] {
        problem(
            app.post("/api/v1/privacy/breaches", &token, &body).await,
            403,
        )
        .await;
        problem(app.get("/api/v1/privacy/breaches", &token).await, 403).await;
    }
    // Bad bodies, named.
    let future = json!({"detected_at": (Utc::now() + Duration::hours(2)).to_rfc3339(), "description": " ",
        "data_categories": ["passwords", "phone", "phone"], "subjects_estimate": -1});
    let p = problem(
        app.post("/api/v1/privacy/breaches", &admin, &future).await,
        422,
    )
    .await;
    let mut named = fields(&p);
    named.sort();
    assert_eq!(
        named,
        [
            "data_categories[0]",
            "data_categories[2]",
            "description",
            "detected_at",
            "subjects_estimate"
        ],
        "{p}"
    );
    // No identifier in the log: a citizen id typed in the description is refused.
    let typed = json!({"detected_at": detected.to_rfc3339(),
        "description": "Lộ hồ sơ của 001203004005", "data_categories": ["citizen_id"]});
    let p = problem(
        app.post("/api/v1/privacy/breaches", &admin, &typed).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["description"], "{p}");
    assert!(!p.to_string().contains("001203004005"), "{p}");
    let none =
        json!({"detected_at": detected.to_rfc3339(), "description": "x", "data_categories": []});
    let p = problem(
        app.post("/api/v1/privacy/breaches", &admin, &none).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["data_categories"], "{p}");
    problem(
        app.post(
            "/api/v1/privacy/breaches/nope/notified",
            &admin,
            &notify(None),
        )
        .await,
        404,
    )
    .await;
    let p = problem(
        app.post(
            &format!("/api/v1/privacy/breaches/{fid}/notified"),
            &admin,
            &notify(None),
        )
        .await,
        409,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("notified already"),
        "{p}"
    );
    // A notification before the breach was detected, or not a time.
    let third = json_of(
        app.post("/api/v1/privacy/breaches", &admin, &recent).await,
        201,
    )
    .await;
    let third = format!(
        "/api/v1/privacy/breaches/{}/notified",
        third["id"].as_str().unwrap()
    );
    let early = json!({"notified_at": (Utc::now() - Duration::hours(3)).to_rfc3339(), "notified_to": "A05"});
    assert_eq!(
        fields(&problem(app.post(&third, &admin, &early).await, 422).await),
        ["notified_at"]
    );
    // The register counts them: three recorded, one not notified yet.
    let register = json_of(app.get("/api/v1/privacy/register", &admin).await, 200).await;
    assert_eq!(
        (
            register["figures"]["breaches"].as_i64(),
            register["figures"]["breaches_not_notified"].as_i64()
        ),
        (Some(3), Some(1)),
        "{register}"
    );
    problem(
        app.get("/api/v1/privacy/register", &app.viewer()).await,
        403,
    )
    .await;
    let garbled = json!({"notified_at": "hôm qua", "notified_to": ""});
    let mut named = fields(&problem(app.post(&third, &admin, &garbled).await, 422).await);
    named.sort();
    assert_eq!(named, ["notified_at", "notified_to"]);
}
