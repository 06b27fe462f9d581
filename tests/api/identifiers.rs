//! Participant identifiers through the API: one person written in several
//! ways counts once, the same student id at two schools counts twice, and
//! every refused identifier names its field without echoing it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(
    unique_participants_follow_the_normalisation_rules,
    refused_identifiers_name_the_field_and_write_nothing,
);

/// One participant as sent, and who the test knows it to be.
struct Sent {
    id_type: &'static str,
    value: &'static str,
    issuer: Option<&'static str>,
    person: &'static str,
}

const fn sent(
    id_type: &'static str,
    value: &'static str,
    issuer: Option<&'static str>,
    person: &'static str,
) -> Sent {
    Sent {
        id_type,
        value,
        issuer,
        person,
    }
}

fn participant(p: &Sent) -> Value {
    let mut v = json!({"id_type": p.id_type, "value": p.value});
    if let Some(i) = p.issuer {
        v["issuer"] = json!(i);
    }
    v
}

fn event(external_id: &str, participants: &[Value]) -> Value {
    json!({
        "external_id": external_id,
        "kind": "extracurricular",
        "title": external_id,
        "topics": ["human_trafficking"],
        "start_date": "2024-03-08",
        "end_date": "2024-03-08",
        "area_code": "01234",
        "attendance": {"total": 50},
        "participants": participants,
    })
}

async fn unique_participants(app: &TestApp, viewer: &str) -> i64 {
    json_of(app.get("/api/v1/aggregates", viewer).await, 200).await["totals"]["unique_participants"]
        .as_i64()
        .expect("unique_participants is a number")
}

async fn unique_participants_follow_the_normalisation_rules(app: TestApp) {
    app.seed_test_areas();
    let viewer = app.viewer();
    // Each event, the agency that reports it, and its participants with the
    // person the test knows each to be: the ground truth is the number of
    // distinct persons posted so far.
    let events: Vec<(&str, &str, Vec<Sent>)> = vec![
        (
            "two-schools",
            "education",
            vec![
                sent("student_id", "HS0001", Some("SCHOOL_A"), "A:HS0001"),
                sent("student_id", "HS0001", Some("SCHOOL_B"), "B:HS0001"),
            ],
        ),
        (
            "one-pupil-three-ways",
            "education",
            vec![
                sent("student_id", "HS0002", Some("THPT01"), "T:HS0002"),
                sent("student_id", "ＨＳ０００２", Some("thpt-01"), "T:HS0002"),
                sent("student_id", "HS 0002", Some("ＴＨＰＴ ０１"), "T:HS0002"),
            ],
        ),
        (
            // The same pupil again, from another agency, in a fourth writing;
            // and school A's HS0001 again.
            "same-pupil-elsewhere",
            "police",
            vec![
                sent("student_id", "hs-0002", Some("thpt.01"), "T:HS0002"),
                sent("student_id", "hs0001", Some("school_a"), "A:HS0001"),
            ],
        ),
        (
            "citizen-ascii",
            "police",
            vec![sent("citizen_id", "001203004005", None, "C:001203004005")],
        ),
        (
            "citizen-full-width",
            "womens-union",
            vec![
                sent(
                    "citizen_id",
                    "００１２０３００４００５",
                    None,
                    "C:001203004005",
                ),
                sent("citizen_id", "001-203-004.005", None, "C:001203004005"),
                sent("citizen_id", "０１２ ３４５ ６７８", None, "C:012345678"),
            ],
        ),
        (
            "phones",
            "womens-union",
            vec![
                sent("phone", "０９１２ ３４５ ６７８", None, "P:912345678"),
                sent(
                    "phone",
                    "+84 912\u{2010}345\u{2010}678",
                    None,
                    "P:912345678",
                ),
            ],
        ),
    ];
    let mut people = BTreeSet::new();
    for (ext, agency, participants) in &events {
        let body = event(
            ext,
            &participants.iter().map(participant).collect::<Vec<_>>(),
        );
        let created = json_of(
            app.post("/api/v1/events", &app.agency(agency), &body).await,
            201,
        )
        .await;
        let distinct_here: BTreeSet<&str> = participants.iter().map(|p| p.person).collect();
        assert_eq!(
            created["participants_identified"],
            distinct_here.len(),
            "{ext}: distinct people in the event"
        );
        people.extend(distinct_here);
        assert_eq!(
            unique_participants(&app, &viewer).await,
            people.len() as i64,
            "after {ext}: {people:?}"
        );
    }
    assert_eq!(people.len(), 6, "the ground truth the table encodes");
}

async fn refused_identifiers_name_the_field_and_write_nothing(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "student id without issuer",
            json!([{"id_type": "phone", "value": "0912345678"},
                   {"id_type": "student_id", "value": "HS7781"}]),
            vec!["participants[1].issuer"],
        ),
        (
            "blank issuer",
            json!([{"id_type": "student_id", "value": "HS7781", "issuer": " - "}]),
            vec!["participants[0].issuer"],
        ),
        (
            "issuer that is a name, not a code",
            json!([{"id_type": "student_id", "value": "HS7781", "issuer": "Trường Lê Lợi 7781"}]),
            vec!["participants[0].issuer"],
        ),
        (
            "issuer on a phone",
            json!([{"id_type": "phone", "value": "0912345678", "issuer": "THPT7781"}]),
            vec!["participants[0].issuer"],
        ),
        (
            "issuer on a citizen id",
            json!([{"id_type": "citizen_id", "value": "001203007781", "issuer": "THPT7781"}]),
            vec!["participants[0].issuer"],
        ),
        (
            "empty student id and no issuer",
            json!([{"id_type": "student_id", "value": " -. "}]),
            vec!["participants[0].issuer", "participants[0].value"],
        ),
        (
            "citizen id of 11 digits in full width",
            json!([{"id_type": "citizen_id", "value": "０１２３４５６７７８１"}]),
            vec!["participants[0].value"],
        ),
    ];
    for (why, participants, expected) in cases {
        let mut body = event("refused", &[]);
        body["participants"] = participants;
        let resp = app.post("/api/v1/events", &police, &body).await;
        let p = problem(resp, 422).await;
        assert_eq!(fields(&p), expected, "{why}");
        let text = p.to_string();
        for secret in ["7781", "HS7781", "０１２３"] {
            assert!(
                !text.contains(secret),
                "{why}: the problem echoes a value: {text}"
            );
        }
    }
    let page = json_of(
        app.get("/api/v1/events?include_deleted=true", &app.admin())
            .await,
        200,
    )
    .await;
    assert!(
        page["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );
}
