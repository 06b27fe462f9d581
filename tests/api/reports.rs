//! The summary report (issue 18): the 2019 provincial report's figures,
//! posted as events, come back in its own words and numbers in Vietnamese;
//! every figure equals the aggregates'; agencies' people are never added
//! up; HTML is printable and allows nothing but its stylesheet. The
//! document's parts, Word and PDF: `documents.rs` (issue 33).

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    the_2019_report_comes_back_in_its_own_numbers,
    a_joint_event_counts_once_in_the_province_and_once_per_agency,
    public_tokens_read_the_report_of_a_publication,
);

/// (agency, kind, sessions, person-times), as the 2019 report says: five
/// tally records, one per sentence of the report.
const REPORT_2019: [(&str, &str, usize, i64); 5] = [
    ("labour", "training_class", 118, 6_770),
    ("police", "campaign_launch", 1_992, 68_123),
    ("womens-union", "law_dissemination", 240, 61_345),
    ("education", "integrated_lesson", 8_035, 99_614),
    ("education", "extracurricular", 4_223, 103_430),
];

async fn get_text(app: &TestApp, path: &str, token: &str) -> (reqwest::header::HeaderMap, String) {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    let headers = resp.headers().clone();
    (headers, resp.text().await.unwrap())
}

async fn the_2019_report_comes_back_in_its_own_numbers(app: TestApp) {
    app.seed_test_areas();
    for (agency, kind, sessions, people) in REPORT_2019 {
        let token = app.agency(agency);
        json_of(
            app.post(
                "/api/v1/events",
                &token,
                &json!({"external_id": format!("2019-{kind}"), "kind": kind, "title": kind,
                        "topics": ["human_trafficking"], "start_date": "2019-01-02", "end_date": "2019-10-08",
                        "area_code": "99001", "sessions": sessions, "attendance": {"total": people}}),
            )
            .await,
            201,
        )
        .await;
    }
    let viewer = app.viewer();
    let q = "from=2019-01-01&to=2019-10-08";
    let (headers, md) = get_text(
        &app,
        &format!("/api/v1/reports/summary?{q}&format=md"),
        &viewer,
    )
    .await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/markdown"),
        "{headers:?}"
    );
    // The report's own sentences and numbers, in Vietnamese formats.
    for phrase in [
        "**Sở Lao động - Thương binh và Xã hội** đã tổ chức 118 lớp tuyên truyền, tập huấn, với 6.770 lượt người tham dự",
        "1.992 cuộc phát động phong trào, với 68.123 lượt người tham dự",
        "240 buổi tuyên truyền, phổ biến pháp luật, với 61.345 lượt người tham dự",
        "8.035 tiết dạy lồng ghép và 4.223 buổi hoạt động ngoại khóa, với 203.044 lượt người tham dự",
        "Đã tổ chức 14.608 buổi, lớp",
        "với 339.282 lượt người tham dự",
        // Nobody identified: the share says so, and the range of different
        // people runs from the largest session (61.345 / 240 sessions,
        // rounded up) to every person-time being someone else.
        "0 người được định danh (0,0% lượt tham dự); ước tính từ 256 đến 339.282 người khác nhau",
        "Kỳ báo cáo: từ ngày 01/01/2019 đến ngày 08/10/2019.",
        "| **Tổng (không tính trùng)** | 14.608 | 339.282 | 0 | 0,0% | 256 - 339.282 | 0 | 0 |",
    ] {
        assert!(md.contains(phrase), "missing {phrase:?} in\n{md}");
    }
    // Every figure is the aggregates': each agency's row, in the table.
    let answer = json_of(
        app.get(&format!("/api/v1/aggregates?group_by=agency&{q}"), &viewer)
            .await,
        200,
    )
    .await;
    let vi = |n: i64| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        out
    };
    for row in answer["rows"].as_array().unwrap() {
        let line = format!(
            "| {} | {} | {} |",
            vi(row["sessions"].as_i64().unwrap()),
            vi(row["attendances"].as_i64().unwrap()),
            vi(row["unique_participants"].as_i64().unwrap())
        );
        assert!(md.contains(&line), "{} row {line} in\n{md}", row["agency"]);
    }
    // HTML: printable, in Vietnamese, with nothing allowed but its stylesheet.
    let (headers, html) = get_text(&app, &format!("/api/v1/reports/summary?{q}"), &viewer).await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(html.contains("<html lang=\"vi\">") && html.contains("@page{size:A4"));
    assert!(html.contains("<strong>Sở Lao động - Thương binh và Xã hội</strong> đã tổ chức 118 lớp tuyên truyền, tập huấn, với 6.770 lượt người"));
    assert!(!html.contains("<script"));
    // English.
    let (_, en) = get_text(
        &app,
        &format!("/api/v1/reports/summary?{q}&lang=en&format=md"),
        &viewer,
    )
    .await;
    assert!(
        en.contains("118 awareness and training classes, with 6,770 person-times"),
        "{en}"
    );
    assert!(
        en.contains("Period: from 1 January 2019 to 8 October 2019."),
        "{en}"
    );
    // Who may ask (an agency: its own report, see documents.rs), and bad
    // requests.
    problem(
        app.get("/api/v1/reports/summary", &app.public_viewer().await)
            .await,
        403,
    )
    .await;
    for bad in [
        "lang=fr",
        "format=xlsx",
        "from=2019-10-08&to=2019-01-01",
        "area=nope",
    ] {
        problem(
            app.get(&format!("/api/v1/reports/summary?{bad}"), &viewer)
                .await,
            422,
        )
        .await;
    }
}

async fn a_joint_event_counts_once_in_the_province_and_once_per_agency(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let wu = app.agency("womens-union");
    let people = |range: std::ops::Range<u32>| {
        range
            .map(|p| json!({"id_type": "citizen_id", "value": format!("0017{p:08}")}))
            .collect::<Vec<_>>()
    };
    let joint = json_of(
        app.post(
            "/api/v1/events",
            &police,
            &json!({"external_id": "joint", "kind": "community_meeting", "title": "joint", "topics": ["human_trafficking"],
                    "start_date": "2025-03-01", "end_date": "2025-03-01", "area_code": "01234",
                    "co_organizers": ["womens-union"], "attendance": {"total": 50}, "participants": people(0..40)}),
        )
        .await,
        201,
    )
    .await;
    crate::events::confirm(&app, &wu, joint["id"].as_str().unwrap(), "womens-union", 1).await;
    // The women's union's own class reaches 10 of the same people and 5 new.
    json_of(
        app.post(
            "/api/v1/events",
            &wu,
            &json!({"external_id": "own", "kind": "training_class", "title": "own", "topics": ["human_trafficking"],
                    "start_date": "2025-03-05", "end_date": "2025-03-05", "area_code": "01234",
                    "attendance": {"total": 15}, "participants": people(30..45)}),
        )
        .await,
        201,
    )
    .await;
    let (_, md) = get_text(
        &app,
        "/api/v1/reports/summary?from=2025-03-01&to=2025-03-31&format=md",
        &app.admin(),
    )
    .await;
    for phrase in [
        // Police: the joint meeting; the union: the meeting and its class.
        "1 buổi họp dân, với 50 lượt người tham dự (40 người được định danh",
        "1 lớp tuyên truyền, tập huấn và 1 buổi họp dân, với 65 lượt người tham dự (45 người được định danh",
        // The province: 2 activities, 65 person-times, 45 people, not 3 / 115 / 85.
        "Đã tổ chức 2 buổi, lớp",
        "với 65 lượt người tham dự; 45 người được định danh",
        // The 40 people of the joint meeting were reached by both.
        "40 người được từ hai cơ quan trở lên tuyên truyền",
        "45 người lần đầu được tiếp cận trong kỳ",
        "| **Tổng (không tính trùng)** | 2 | 65 | 45 |",
    ] {
        assert!(md.contains(phrase), "missing {phrase:?} in\n{md}");
    }
}

async fn public_tokens_read_the_report_of_a_publication(app: TestApp) {
    app.seed_test_areas();
    let police = app.agency("police");
    let wu = app.agency("womens-union");
    // Police: 6 classes of 10 people; the union: one meeting of 3 (small).
    for i in 0..6 {
        let people: Vec<Value> = (i * 10..i * 10 + 10)
            .map(|p| json!({"id_type": "citizen_id", "value": format!("0016{p:08}")}))
            .collect();
        json_of(
            app.post(
                "/api/v1/events",
                &police,
                &json!({"external_id": format!("c{i}"), "kind": "training_class", "title": "c", "topics": ["human_trafficking"],
                        "start_date": "2025-04-02", "end_date": "2025-04-02", "area_code": "01234",
                        "attendance": {"total": 10}, "participants": people}),
            )
            .await,
            201,
        )
        .await;
    }
    json_of(
        app.post(
            "/api/v1/events",
            &wu,
            &json!({"external_id": "m", "kind": "community_meeting", "title": "m", "topics": ["human_trafficking"],
                    "start_date": "2025-04-03", "end_date": "2025-04-03", "area_code": "01234",
                    "attendance": {"total": 3}}),
        )
        .await,
        201,
    )
    .await;
    let p = json_of(
        app.post(
            "/api/v1/publications",
            &app.admin(),
            &json!({"title": "Tháng 4", "period": "2025-04", "tables": [
                {"group_by": "agency"}, {"group_by": "agency,kind"}, {"analysis": "overlap"}]}),
        )
        .await,
        201,
    )
    .await;
    let public = app.public_viewer().await;
    let (_, md) = get_text(
        &app,
        "/api/v1/reports/summary?period=2025-04&format=md",
        &public,
    )
    .await;
    // Each agency's paragraph states its published figures, and says
    // "(không công bố)" for withheld ones, never 0: the union's 3 people
    // are withheld, and so is a partner cell that would reveal them.
    let names = [
        ("police", "Công an tỉnh"),
        ("womens-union", "Hội Liên hiệp Phụ nữ tỉnh"),
    ];
    let mut withheld = 0;
    for row in p["tables"][0]["rows"].as_array().unwrap() {
        let agency = row["key"]["agency"].as_str().unwrap();
        let name = names.iter().find(|(c, _)| *c == agency).unwrap().1;
        let line = md
            .lines()
            .find(|l| l.starts_with(&format!("**{name}**")))
            .unwrap_or_else(|| panic!("no paragraph for {name} in\n{md}"));
        let mut shown = |m: &str| match row["values"][m].as_i64() {
            Some(v) => v.to_string(),
            None => {
                withheld += 1;
                "(không công bố)".to_string()
            }
        };
        let attendances = shown("attendances");
        let unique = shown("unique_participants");
        assert!(
            line.contains(&format!(
                "với {attendances} lượt người tham dự ({unique} người được định danh"
            )),
            "{line}"
        );
    }
    assert!(withheld >= 2, "the small count and its partner: {p}");
    for phrase in [
        "(không công bố) buổi họp dân",
        "Số liệu theo bản công bố kỳ 2025-04, phiên bản 1",
        "Kỳ báo cáo: tháng 4 năm 2025 (từ ngày 01/04/2025 đến ngày 30/04/2025).",
    ] {
        assert!(md.contains(phrase), "missing {phrase:?} in\n{md}");
    }
    // Issue 28: the first-time people are quoted as published.
    let first_time = match p["tables"][0]["totals"]["values"]["first_time_participants"].as_i64() {
        Some(v) => v.to_string(),
        None => "(không công bố)".to_string(),
    };
    assert!(
        md.contains(&format!(
            "{first_time} người lần đầu được tiếp cận trong kỳ."
        )),
        "{md}"
    );
    // Issue 28, case 9: the publication stored the names it used; renaming
    // an agency later does not change the report of that version.
    assert_eq!(
        p["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == "police")
            .unwrap()["name"],
        "Công an tỉnh"
    );
    json_of(
        app.patch(
            "/api/v1/agencies/police",
            &app.admin(),
            &json!({"name": "Công an tỉnh Bắc Kạn (tên mới)"}),
        )
        .await,
        200,
    )
    .await;
    let (_, again) = get_text(
        &app,
        "/api/v1/reports/summary?period=2025-04&format=md",
        &public,
    )
    .await;
    assert!(again.contains("**Công an tỉnh**"), "{again}");
    assert!(!again.contains("tên mới"), "{again}");
    assert!(!again.contains("danh mục hiện hành"), "{again}");
    // Its figures are the publication's; without a period a public token is refused.
    problem(app.get("/api/v1/reports/summary", &public).await, 403).await;
    problem(
        app.get(
            "/api/v1/reports/summary?period=2025-04&from=2025-04-01",
            &public,
        )
        .await,
        422,
    )
    .await;
    problem(
        app.get("/api/v1/reports/summary?period=2025-05", &public)
            .await,
        404,
    )
    .await;
}
