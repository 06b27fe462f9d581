//! The report as a document to sign (issue 33): Word and PDF produced in
//! the service, with every part of an administrative document (Decree
//! 30/2020/NĐ-CP), the area and the period named, every filter applied and
//! stated, each figure equal to the aggregates' and to the model the test
//! posts, a table one level below the area, sex and age, a year earlier,
//! and an agency's own report. The Word file is read back here (its XML);
//! `scripts/documents.sh` reads both files with python-docx, pdftotext and
//! pdffonts.

use std::io::Read;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, json as json_of, problem};

both_backends!(
    settings = |s| {
        s.letterhead = campaign_tracker::config::Letterhead {
            issuer: vec![
                "UBND TỈNH BẮC KẠN".into(),
                "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI".into(),
            ],
            number_symbol: Some("BC-SLĐTBXH".into()),
            place: Some("Bắc Kạn".into()),
            addressee: Some("Ủy ban nhân dân tỉnh Bắc Kạn".into()),
            recipients: vec!["Bộ Lao động - Thương binh và Xã hội;".into(), "Lưu: VT.".into()],
            signer: vec!["KT. GIÁM ĐỐC".into(), "PHÓ GIÁM ĐỐC".into()],
            signer_name: Some("Nguyễn Văn An".into()),
        };
    };
    the_word_report_has_every_part_and_the_aggregates_figures,
    filters_and_an_agencys_own_report_are_stated_and_applied,
    the_pdf_is_a4_with_the_font_embedded,
    a_workbook_for_people_names_everything_and_totals_without_double_counting,
    the_people_s_csv_is_the_workbook_s_table_with_a_byte_order_mark,
);

/// One record: (agency, external id, kind, area, start date, sessions,
/// total, female, male, under 18, identified people).
type Record = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    i64,
    i64,
    i64,
    u32,
);

/// Q3 2024 in Bắc Kạn (two communes of Huyện Chợ Mới), the same quarter of
/// 2023, one record outside the quarter and one outside the province.
const RECORDS: [Record; 6] = [
    (
        "police",
        "p1",
        "training_class",
        "01234",
        "2024-07-15",
        3,
        120,
        70,
        50,
        30,
        4,
    ),
    (
        "womens-union",
        "w1",
        "community_meeting",
        "01237",
        "2024-08-02",
        1,
        40,
        40,
        0,
        5,
        0,
    ),
    (
        "police",
        "p2",
        "law_dissemination",
        "01237",
        "2024-09-30",
        2,
        60,
        20,
        40,
        0,
        2,
    ),
    (
        "police",
        "p0",
        "training_class",
        "01234",
        "2023-08-10",
        1,
        80,
        30,
        50,
        10,
        0,
    ),
    (
        "police",
        "p3",
        "training_class",
        "01234",
        "2024-06-30",
        1,
        999,
        1,
        1,
        1,
        0,
    ),
    (
        "womens-union",
        "w2",
        "training_class",
        "99001",
        "2024-08-10",
        1,
        777,
        2,
        2,
        2,
        0,
    ),
];

const Q3: &str = "from=2024-07-01&to=2024-09-30";

async fn post_records(app: &TestApp) {
    app.seed_test_areas();
    for (agency, id, kind, area, day, sessions, total, female, male, under_18, people) in RECORDS {
        let participants: Vec<Value> = (0..people)
            .map(|n| json!({"id_type": "citizen_id", "value": format!("0012{n:08}")}))
            .collect();
        json_of(
            app.post(
                "/api/v1/events",
                &app.agency(agency),
                &json!({"external_id": id, "kind": kind, "title": id, "topics": ["human_trafficking"],
                        "start_date": day, "end_date": day, "area_code": area, "sessions": sessions,
                        "attendance": {"total": total, "female": female, "male": male, "under_18": under_18},
                        "participants": participants}),
            )
            .await,
            201,
        )
        .await;
    }
}

/// Vietnamese thousands: 6.770.
fn vi(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

async fn bytes(app: &TestApp, path: &str, token: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    let headers = resp.headers().clone();
    (headers, resp.bytes().await.unwrap().to_vec())
}

/// A part of a Word file, as XML.
fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip file");
    let mut out = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the Word file"))
        .read_to_string(&mut out)
        .unwrap();
    out
}

/// The text of a Word part: its `w:t` runs, each paragraph and each table
/// row on its own line, each table cell followed by " | ".
fn text_of(xml: &str) -> String {
    let mut out = String::new();
    let mut in_cell = 0;
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        let Some(j) = rest[i..].find('>') else { break };
        let tag = &rest[i + 1..i + j];
        let after = &rest[i + j + 1..];
        if tag.starts_with("w:t ") || tag == "w:t" {
            let end = after.find("</w:t>").unwrap_or(0);
            out.push_str(
                &after[..end]
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'"),
            );
            rest = &after[end..];
            continue;
        }
        match tag {
            "/w:p" if in_cell == 0 => out.push('\n'),
            "/w:p" => out.push(' '),
            "w:tc" => in_cell += 1,
            "/w:tc" => {
                in_cell -= 1;
                // The cell's paragraph left a space.
                if out.ends_with(' ') {
                    out.pop();
                }
                out.push_str(" | ");
            }
            "/w:tr" => out.push('\n'),
            _ => {}
        }
        rest = after;
    }
    out
}

/// The line of the text holding `first` (a table row or a paragraph).
fn line_of<'a>(text: &'a str, first: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(first))
        .unwrap_or_else(|| panic!("no line starting {first:?} in\n{text}"))
}

async fn the_word_report_has_every_part_and_the_aggregates_figures(app: TestApp) {
    post_records(&app).await;
    let viewer = app.viewer();
    let (headers, docx) = bytes(
        &app,
        &format!("/api/v1/reports/summary?{Q3}&area=06&format=docx"),
        &viewer,
    )
    .await;
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"bao-cao-2024-07-01-2024-09-30.docx\""
    );
    let xml = part(&docx, "word/document.xml");
    let text = text_of(&xml);
    for phrase in [
        "UBND TỈNH BẮC KẠN",
        "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        "/BC-SLĐTBXH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Bắc Kạn, ngày ",
        "BÁO CÁO",
        "Kết quả công tác tuyên truyền phòng, chống mua bán người quý III năm 2024 trên địa bàn tỉnh Bắc Kạn",
        "Kính gửi: Ủy ban nhân dân tỉnh Bắc Kạn",
        "Kỳ báo cáo: quý III năm 2024 (từ ngày 01/07/2024 đến ngày 30/09/2024).",
        "2. Tổng hợp trên địa bàn tỉnh Bắc Kạn (không tính trùng)",
        "Huyện, thị xã, thành phố",
        "So sánh với cùng kỳ năm trước",
        "II. ĐÁNH GIÁ CHUNG",
        "III. TỒN TẠI, HẠN CHẾ",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ",
        "Nơi nhận:",
        "- Bộ Lao động - Thương binh và Xã hội;",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn An",
        "Kỳ báo cáo chưa khóa sổ",
    ] {
        assert!(text.contains(phrase), "missing {phrase:?} in\n{text}");
    }
    // The model: Q3 2024 in Bắc Kạn is p1, w1 and p2 (p3 is in June, w2
    // in another province, p0 a year earlier).
    let (sessions, total, female, male, under_18) =
        (3 + 1 + 2, 120 + 40 + 60, 70 + 40 + 20, 50 + 40, 30 + 5);
    let people = 4; // p1's four people include p2's two
    let total_row = line_of(&text, "Tổng (không tính trùng)");
    assert!(
        total_row.starts_with(&format!(
            "Tổng (không tính trùng) | {} | {} | {people} | ",
            vi(sessions),
            vi(total)
        )),
        "{total_row}"
    );
    assert!(
        text.contains(&format!(
            "Trong tổng số lượt người tham dự có {female} lượt nữ, {male} lượt nam và {under_18} lượt người dưới 18 tuổi"
        )),
        "{text}"
    );
    // Each agency's figures are the aggregates' with the same filters.
    let answer = json_of(
        app.get(
            &format!("/api/v1/aggregates?group_by=agency&{Q3}&area=06"),
            &viewer,
        )
        .await,
        200,
    )
    .await;
    let names = [
        ("police", "Công an tỉnh"),
        ("womens-union", "Hội Liên hiệp Phụ nữ tỉnh"),
    ];
    for row in answer["rows"].as_array().unwrap() {
        let name = names
            .iter()
            .find(|(c, _)| row["agency"] == *c)
            .map(|(_, n)| *n)
            .expect("a known agency");
        let line = line_of(&text, &format!("{name} | "));
        assert!(
            line.starts_with(&format!(
                "{name} | {} | {} | {} | ",
                vi(row["sessions"].as_i64().unwrap()),
                vi(row["attendances"].as_i64().unwrap()),
                vi(row["unique_participants"].as_i64().unwrap())
            )),
            "{line} vs {row}"
        );
    }
    assert_eq!(answer["rows"].as_array().unwrap().len(), 2);
    // One level below the province: its only district, with everything.
    let district = line_of(&text, "Huyện Chợ Mới | ");
    assert!(
        district.starts_with(&format!(
            "Huyện Chợ Mới | {sessions} | {total} | {people} | "
        )),
        "{district}"
    );
    // A year earlier: p0 alone.
    let events = line_of(&text, "Số hoạt động | ");
    assert_eq!(events.trim_end(), "Số hoạt động | 3 | 1 | +200,0% |");
    let attendance = line_of(&text, "Lượt người tham dự | ");
    assert_eq!(
        attendance.trim_end(),
        "Lượt người tham dự | 220 | 80 | +175,0% |"
    );
    // The page: A4, left 30 mm, right, top and bottom 20 mm; the first
    // page has its own (empty) header, the others the page number.
    assert!(
        xml.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\""),
        "page size"
    );
    assert!(
        xml.contains("w:top=\"1134\"")
            && xml.contains("w:left=\"1701\"")
            && xml.contains("w:right=\"1134\"")
            && xml.contains("w:bottom=\"1134\""),
        "margins"
    );
    assert!(xml.contains("<w:titlePg"), "a first page of its own");
    let headers: Vec<String> = (1..=2)
        .map(|i| part(&docx, &format!("word/header{i}.xml")))
        .collect();
    assert!(
        headers.iter().any(|h| h.contains("PAGE")) && headers.iter().any(|h| !h.contains("PAGE")),
        "one header numbers the pages, the first page's does not"
    );
    assert!(
        part(&docx, "word/styles.xml").contains("Times New Roman"),
        "Times New Roman"
    );

    // One level below a district: its communes.
    let (_, md) = bytes(
        &app,
        &format!("/api/v1/reports/summary?{Q3}&area=058&format=md"),
        &viewer,
    )
    .await;
    let md = String::from_utf8(md).unwrap();
    for line in [
        "trên địa bàn huyện Chợ Mới",
        "| Xã Yên Đĩnh (đến 30/06/2025) | 3 | 120 | 4 |",
        "| Xã Như Cố | 3 | 100 | 2 |",
    ] {
        assert!(md.contains(line), "missing {line:?} in\n{md}");
    }
}

async fn filters_and_an_agencys_own_report_are_stated_and_applied(app: TestApp) {
    post_records(&app).await;
    let viewer = app.viewer();
    // A kind: stated, and only its activities counted.
    let (_, md) = bytes(
        &app,
        &format!("/api/v1/reports/summary?{Q3}&area=06&kind=community_meeting&format=md"),
        &viewer,
    )
    .await;
    let md = String::from_utf8(md).unwrap();
    for phrase in [
        "Số liệu trong báo cáo chỉ tính các hoạt động có loại hoạt động: Họp dân.",
        "| **Tổng (không tính trùng)** | 1 | 40 | 0 |",
    ] {
        assert!(md.contains(phrase), "missing {phrase:?} in\n{md}");
    }
    // A topic and an agency: stated.
    let (_, md) = bytes(
        &app,
        &format!("/api/v1/reports/summary?{Q3}&topic=human_trafficking&agency=police&format=md"),
        &viewer,
    )
    .await;
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains("chỉ tính các hoạt động có cơ quan: Công an tỉnh; chủ đề: Mua bán người."),
        "{md}"
    );
    assert!(
        md.contains("| **Tổng (không tính trùng)** | 5 | 180 | 4 |"),
        "{md}"
    );
    // An agency's own report: its figures, labelled as its own; nobody
    // else's activities.
    let (_, md) = bytes(
        &app,
        &format!("/api/v1/reports/summary?{Q3}&format=md"),
        &app.agency("womens-union"),
    )
    .await;
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains(
            "2. Tổng hợp của Hội Liên hiệp Phụ nữ tỉnh (hoạt động của đơn vị) (không tính trùng)"
        ),
        "{md}"
    );
    // w1 (40) and w2 (777, another province: no area asked).
    assert!(
        md.contains("| **Tổng (không tính trùng)** | 2 | 817 | 0 |"),
        "{md}"
    );
    assert!(!md.contains("Công an tỉnh"), "{md}");
    // An agency reads no publication's report; bad formats are named.
    problem(
        app.get(
            "/api/v1/reports/summary?period=2024-Q3",
            &app.agency("police"),
        )
        .await,
        422,
    )
    .await;
    for bad in ["format=xlsx", "lang=fr"] {
        problem(
            app.get(&format!("/api/v1/reports/summary?{bad}"), &viewer)
                .await,
            422,
        )
        .await;
    }
}

async fn the_pdf_is_a4_with_the_font_embedded(app: TestApp) {
    post_records(&app).await;
    let (headers, pdf) = bytes(
        &app,
        &format!("/api/v1/reports/summary?{Q3}&area=06&format=pdf"),
        &app.viewer(),
    )
    .await;
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF file");
    let find = |needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
    // The font is embedded (a subset of Liberation Serif, as a TrueType
    // font program), and the page is A4 (595 x 842 points).
    assert!(find(b"LiberationSerif"), "the font is named");
    assert!(find(b"/FontFile2"), "the font program is embedded");
    assert!(find(b"595.2756") && find(b"841.8898"), "A4 media box");
}

async fn a_workbook_for_people_names_everything_and_totals_without_double_counting(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};
    post_records(&app).await;
    let viewer = app.viewer();
    let q = format!("{Q3}&area=06&group_by=agency,area:district");
    let (headers, body) = bytes(&app, &format!("/api/v1/aggregates.xlsx?{q}"), &viewer).await;
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).expect("a workbook");
    assert_eq!(book.sheet_names(), vec!["Số liệu", "Ghi chú"]);
    let sheet = book.worksheet_range("Số liệu").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows[0][..7],
        [
            "Cơ quan, đơn vị",
            "Mã cơ quan",
            "Huyện, thị xã, thành phố",
            "Mã huyện",
            "Số hoạt động",
            "Số buổi, lớp",
            "Lượt người tham dự"
        ]
    );
    let people = rows[0]
        .iter()
        .position(|h| h == "Số người (đã loại trùng, có CCCD/SĐT)")
        .unwrap();
    // Each row is the aggregates' row, named.
    let answer = json_of(
        app.get(&format!("/api/v1/aggregates?{q}"), &viewer).await,
        200,
    )
    .await;
    let json_rows = answer["rows"].as_array().unwrap();
    assert_eq!(rows.len(), json_rows.len() + 2, "header, rows, total");
    let names = [
        ("police", "Công an tỉnh"),
        ("womens-union", "Hội Liên hiệp Phụ nữ tỉnh"),
    ];
    for (got, want) in rows[1..].iter().zip(json_rows) {
        let name = names.iter().find(|(c, _)| want["agency"] == *c).unwrap().1;
        assert_eq!(got[0], name);
        assert_eq!(got[1], want["agency"].as_str().unwrap());
        assert_eq!(got[2], "Huyện Chợ Mới");
        assert_eq!(got[3], "058");
        assert_eq!(got[6], want["attendances"].to_string());
        assert_eq!(got[people], want["unique_participants"].to_string());
    }
    // The model's totals (see the Word report): 220 person-times, 4 people.
    let total = rows.last().unwrap();
    assert_eq!(total[0], "Tổng (không tính trùng)");
    assert_eq!((total[6].as_str(), total[people].as_str()), ("220", "4"));
    let notes = book.worksheet_range("Ghi chú").unwrap();
    let first = notes.get((0, 0)).unwrap().to_string();
    assert_eq!(first, "Kỳ: quý III năm 2024");
}

/// The dashboard's CSV download (issue 33): the workbook's table, as
/// Excel on Windows reads it (a byte-order mark, then UTF-8): Vietnamese
/// headers, names beside codes, the model's total without double
/// counting, what the figures cover; the API's CSV for programs unchanged.
async fn the_people_s_csv_is_the_workbook_s_table_with_a_byte_order_mark(app: TestApp) {
    post_records(&app).await;
    let viewer = app.viewer();
    let q = format!("{Q3}&area=06&group_by=agency");
    let (headers, body) = bytes(&app, &format!("/api/v1/aggregates/people.csv?{q}"), &viewer).await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("so-lieu.csv")
    );
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark first");
    let text = String::from_utf8(body[3..].to_vec()).expect("UTF-8");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows[0][..4],
        [
            "Cơ quan, đơn vị",
            "Mã cơ quan",
            "Số hoạt động",
            "Số buổi, lớp"
        ]
    );
    let people = rows[0]
        .iter()
        .position(|h| h == "Số người (đã loại trùng, có CCCD/SĐT)")
        .unwrap();
    let attendances = rows[0]
        .iter()
        .position(|h| h == "Lượt người tham dự")
        .unwrap();
    let names: Vec<&str> = rows[1..3].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["Công an tỉnh", "Hội Liên hiệp Phụ nữ tỉnh"]);
    // The model's totals (see the Word report): 220 person-times, 4 people.
    let total = &rows[3];
    assert_eq!(total[0], "Tổng (không tính trùng)");
    assert_eq!(
        (total[attendances].as_str(), total[people].as_str()),
        ("220", "4")
    );
    assert_eq!(rows[4], [""], "an empty line before the notes");
    assert_eq!(rows[5], ["Kỳ: quý III năm 2024"]);
    // Programs' CSV: no mark, codes as headers.
    let (_, plain) = bytes(&app, &format!("/api/v1/aggregates.csv?{q}"), &viewer).await;
    let head = String::from_utf8_lossy(&plain)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        !plain.starts_with(b"\xEF\xBB\xBF") && head.split(',').any(|h| h == "agency"),
        "{head}"
    );
    // A public token reads neither.
    problem(
        app.get(
            &format!("/api/v1/aggregates/people.csv?{q}"),
            &app.public_viewer().await,
        )
        .await,
        403,
    )
    .await;
}
