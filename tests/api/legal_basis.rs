//! The legal basis of each event's identifiers (issue 34): stated with the
//! participants, read back (`unknown` where it was not), kept by corrections;
//! a write without it is accepted until 2027-07-01 with `Deprecation` and
//! `Sunset` headers; student ids (children's data) need a legal
//! representative's consent or a law named, also when they are added
//! later or the reference is patched away; aggregates do not change; the
//! processing register counts events by basis as a model of the test's
//! own writes says. Both databases.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(the_legal_basis_is_stated_checked_and_counted,);

fn citizen(n: u32) -> Value {
    json!({"id_type": "citizen_id", "value": format!("0015{n:08}")})
}

fn student(n: u32) -> Value {
    json!({"id_type": "student_id", "value": format!("HS{n:04}"), "issuer": "THCS-01"})
}

fn body(ext: &str, people: Vec<Value>, basis: Value) -> Value {
    let mut b = json!({
        "external_id": ext, "kind": "training_class", "title": ext,
        "topics": ["human_trafficking"], "start_date": "2024-10-05", "end_date": "2024-10-05",
        "area_code": "01234", "attendance": {"total": 30}, "participants": people,
    });
    if let Value::Object(m) = basis {
        b.as_object_mut().unwrap().extend(m);
    }
    b
}

/// `method` with `If-Match: "version"`.
async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
    version: i64,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The `Deprecation` value: 2026-12-07T00:00:00Z as `@` Unix seconds.
const DEPRECATION: &str = "@1796601600";
const SUNSET: &str = "Thu, 01 Jul 2027 00:00:00 GMT";

async fn the_legal_basis_is_stated_checked_and_counted(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let school = app.agency("education");
    // Stated basis of each live event holding people, and whether it holds
    // children's data, as this test writes them (the model).
    let mut model: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
    let mut people: BTreeSet<String> = BTreeSet::new();

    // Without a basis: accepted, read as unknown, the headers say until when.
    let a = body("a", vec![citizen(1), citizen(2)], json!({}));
    let resp = app.post("/api/v1/events", &police, &a).await;
    assert_eq!(resp.headers()["deprecation"], DEPRECATION);
    assert_eq!(resp.headers()["sunset"], SUNSET);
    let out = json_of(resp, 201).await;
    assert_eq!(out["legal_basis"], "unknown");
    model.insert("a", ("unknown", false));
    people.extend(["c1".into(), "c2".into()]);
    // The same body again is unchanged (no basis: the hash is as before).
    let again = app.post("/api/v1/events", &police, &a).await;
    assert_eq!(again.status(), 200);

    // Children's data: consent must be a legal representative's.
    let b = |consent_by: Value| {
        body(
            "b",
            vec![student(1), student(2), citizen(1)],
            json!({"legal_basis": "consent", "consent_by": consent_by}),
        )
    };
    let p = problem(
        app.post("/api/v1/events", &school, &b(Value::Null)).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["consent_by"], "{p}");
    let p = problem(
        app.post("/api/v1/events", &school, &b(json!("person")))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["consent_by"], "{p}");
    let resp = app
        .post("/api/v1/events", &school, &b(json!("legal_representative")))
        .await;
    assert!(resp.headers().get("deprecation").is_none());
    let out = json_of(resp, 201).await;
    assert_eq!(out["legal_basis"], "consent");
    assert_eq!(out["consent_by"], "legal_representative");
    model.insert("b", ("consent", true));
    people.extend(["s1".into(), "s2".into()]);

    // Or a public task or legal obligation with the law named.
    let c = |reference: Value| {
        body(
            "c",
            vec![student(3)],
            json!({"legal_basis": "public_task", "legal_reference": reference}),
        )
    };
    let p = problem(
        app.post("/api/v1/events", &school, &c(Value::Null)).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["legal_reference"], "{p}");
    let p = problem(
        app.post("/api/v1/events", &school, &c(json!(" "))).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["legal_reference"], "{p}");
    let out = json_of(
        app.post(
            "/api/v1/events",
            &school,
            &c(json!("Luật Trẻ em 2016, Điều 33")),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(out["legal_reference"], "Luật Trẻ em 2016, Điều 33");
    let c_id = out["id"].as_str().unwrap().to_string();
    model.insert("c", ("public_task", true));
    people.insert("s3".into());
    // A correction keeps the basis; patching the law away is refused.
    let out = json_of(
        send(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/v1/events/{c_id}"),
            &school,
            &json!({"title": "c, sửa"}),
            1,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["legal_basis"], "public_task");
    assert_eq!(out["legal_reference"], "Luật Trẻ em 2016, Điều 33");
    let p = problem(
        send(
            &app,
            reqwest::Method::PATCH,
            &format!("/api/v1/events/{c_id}"),
            &school,
            &json!({"legal_reference": null}),
            2,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["legal_reference"], "{p}");

    // Adults under a legal obligation: no reference needed, until a child
    // is added.
    let e = body(
        "e",
        vec![citizen(3)],
        json!({"legal_basis": "legal_obligation"}),
    );
    let out = json_of(app.post("/api/v1/events", &police, &e).await, 201).await;
    let e_id = out["id"].as_str().unwrap().to_string();
    model.insert("e", ("legal_obligation", false));
    people.insert("c3".into());
    let p = problem(
        send(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/events/{e_id}/participants"),
            &police,
            &json!({"add": [student(9)]}),
            1,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["legal_reference"], "{p}");

    // A tally has none; bad values are named.
    let mut d = body("d", vec![], json!({}));
    d.as_object_mut().unwrap().remove("participants");
    let out = json_of(app.post("/api/v1/events", &police, &d).await, 201).await;
    assert!(out.get("legal_basis").is_none(), "{out}");
    let p = problem(
        app.post(
            "/api/v1/events",
            &police,
            &body(
                "x",
                vec![citizen(4)],
                json!({"legal_basis": "contract", "consent_by": "person"}),
            ),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&p).into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from(["legal_basis".to_string(), "consent_by".to_string()]),
        "{p}"
    );

    // A batch with an item lacking it carries the headers; one without, not.
    let batch = |items: Vec<Value>| json!({ "items": items });
    let resp = app
        .post(
            "/api/v1/events/batch?mode=upsert",
            &police,
            &batch(vec![body("f", vec![citizen(5)], json!({}))]),
        )
        .await;
    assert_eq!(resp.headers()["deprecation"], DEPRECATION);
    json_of(resp, 200).await;
    model.insert("f", ("unknown", false));
    people.insert("c5".into());
    let resp = app
        .post(
            "/api/v1/events/batch?mode=upsert",
            &police,
            &batch(vec![body(
                "g",
                vec![citizen(6)],
                json!({"legal_basis": "consent", "consent_by": "person"}),
            )]),
        )
        .await;
    assert!(resp.headers().get("deprecation").is_none());
    json_of(resp, 200).await;
    model.insert("g", ("consent", false));
    people.insert("c6".into());

    // Aggregates count people as ever: the basis is no figure.
    let agg = json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await;
    assert_eq!(
        agg["totals"]["unique_participants"].as_u64().unwrap() as usize,
        people.len()
    );
    assert_eq!(
        agg["totals"]["attendances"].as_u64().unwrap() as usize,
        30 * (model.len() + 1),
        "every report's 30, the tally's included"
    );

    // The register counts events by basis as the model says.
    let register = json_of(app.get("/api/v1/privacy/register", &app.admin()).await, 200).await;
    let counted: BTreeMap<String, (i64, i64)> = register["legal_bases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["legal_basis"].as_str().unwrap().to_string(),
                (
                    r["events"].as_i64().unwrap(),
                    r["events_with_children"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    let mut expected: BTreeMap<String, (i64, i64)> =
        ["consent", "legal_obligation", "public_task", "unknown"]
            .iter()
            .map(|b| (b.to_string(), (0, 0)))
            .collect();
    for (basis, children) in model.values() {
        let row = expected.get_mut(*basis).unwrap();
        row.0 += 1;
        row.1 += i64::from(*children);
    }
    assert_eq!(counted, expected, "{register}");

    // The same register as a Word document for the dossier: each basis's
    // row holds the model's counts; and as a PDF.
    let resp = app
        .get("/api/v1/privacy/register?format=docx", &app.admin())
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"so-dang-ky-xu-ly-du-lieu-ca-nhan-"),
        "{disposition}"
    );
    let docx = resp.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    let cells: Vec<String> = xml
        .split("</w:tc>")
        .map(|c| {
            let mut text = String::new();
            let mut in_tag = false;
            for ch in c.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(ch),
                    _ => {}
                }
            }
            text.trim().to_string()
        })
        .collect();
    for (words, basis) in [
        ("Sự đồng ý của chủ thể dữ liệu", "consent"),
        (
            "Thực hiện nghĩa vụ theo quy định của pháp luật",
            "legal_obligation",
        ),
        ("Thực hiện nhiệm vụ vì lợi ích công cộng", "public_task"),
        ("Chưa ghi nhận cơ sở pháp lý", "unknown"),
    ] {
        let i = cells
            .iter()
            .position(|c| c.ends_with(words) || c.contains(words))
            .unwrap_or_else(|| panic!("{words} not in the document"));
        let (events, children) = expected[basis];
        assert_eq!(cells[i + 1], events.to_string(), "{basis}");
        assert_eq!(cells[i + 2], children.to_string(), "{basis}");
    }
    assert!(xml.contains("CƠ SỞ PHÁP LÝ"));
    let pdf = app
        .get("/api/v1/privacy/register?format=pdf", &app.admin())
        .await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let p = problem(
        app.get("/api/v1/privacy/register?format=xml", &app.admin())
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["format"]);
}
