//! Imports of workbooks and CSV files (issue 32): the template, a dry run
//! that writes nothing, rows answered in Vietnamese by row and column, a
//! re-import that changes nothing, the participants sheet, a locked period
//! as the JSON API answers it, and every file that cannot be read as a
//! whole refused with nothing written.

use std::io::Write;
use std::time::Duration;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json as json_of, problem};
use crate::periods::lock;

crate::both_backends!(
    a_csv_with_the_api_headers_imports_once_and_again_unchanged,
    a_workbook_in_the_template_s_form_imports_with_its_participants,
    files_that_cannot_be_read_are_refused_and_write_nothing,
    an_imported_correction_moves_consent_exactly_as_a_put_does,
    the_row_limit_counts_events_and_participants_apart,
);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Uploads `bytes` and waits for the import to end.
pub(crate) async fn import(
    app: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
    dry_run: bool,
) -> Value {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/imports?dry_run={dry_run}")))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let started = json_of(resp, 202).await;
    let location = location.expect("Location");
    assert_eq!(
        location,
        format!("/api/v1/imports/{}", started["id"].as_str().unwrap())
    );
    for _ in 0..600 {
        let now = json_of(app.get(&location, token).await, 200).await;
        if now["status"] != "running" {
            assert_eq!(now["status"], "done", "{now}");
            assert_eq!(now["rows_done"], now["rows_total"]);
            return now;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the import did not end");
}

async fn events(app: &TestApp) -> usize {
    json_of(app.get("/api/v1/events?limit=500", &app.admin()).await, 200).await["items"]
        .as_array()
        .unwrap()
        .len()
}

fn statuses(answer: &Value) -> Vec<(u64, String)> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["row"].as_u64().unwrap(),
                i["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn a_csv_with_the_api_headers_imports_once_and_again_unchanged(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    // Row 2: a tally; row 3: a broadcast; row 4: three problems; row 5: a
    // date in a locked quarter (as the JSON API: `locked`).
    let csv = "\u{feff}external_id,kind,title,start_date,end_date,area_code,topics,target_groups,sessions,attendance.total,attendance.declared_people,audience.estimate\n\
        HPN-1,Họp dân,Họp dân thôn Nà Pục,02/01/2025,28/02/2025,01234,Mua bán người; Di cư an toàn,Phụ nữ,8,400,150,\n\
        HPN-2,media_broadcast,Chương trình phát thanh,03/01/2025,03/01/2025,01234,human_trafficking,,3,,,9245\n\
        HPN-3,Tiệc,Sai,2025-01-04,04/01/2025,01234,Mua bán người,,1,6.77,,\n\
        HPN-4,Họp dân,Quý đã khóa,05/01/2024,05/01/2024,01234,Mua bán người,,1,10,,\n";
    lock(&app, "2024-Q1", 201).await;
    let dry = import(&app, &wu, csv.as_bytes().to_vec(), "text/csv", true).await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(
        statuses(&dry),
        [
            (2, "created".into()),
            (3, "created".into()),
            (4, "invalid".into()),
            (5, "locked".into())
        ]
    );
    assert_eq!(events(&app).await, 0, "a dry run writes nothing");
    // Row 4's problems, in Vietnamese, each naming its column as the sheet shows it.
    let bad = &dry["items"][2];
    let problems: Vec<(String, String)> = bad["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["column"].as_str().unwrap().into(),
                p["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 3, "{bad}");
    assert!(
        problems
            .iter()
            .any(|(c, m)| c == "Hình thức" && m.contains("không có trong danh sách")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|(c, m)| c == "Ngày bắt đầu" && m.contains("dd/mm/yyyy")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|(c, m)| c == "Tổng lượt người tham dự" && m.contains("số nguyên")),
        "{problems:?}"
    );
    let real = import(&app, &wu, csv.as_bytes().to_vec(), "text/csv", false).await;
    assert_eq!(statuses(&real), statuses(&dry));
    assert_eq!(real["summary"]["created"], 2);
    assert_eq!(events(&app).await, 2);
    let totals = &json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await["totals"];
    assert_eq!(
        (
            totals["sessions"].clone(),
            totals["attendances"].clone(),
            totals["media_items"].clone(),
            totals["audience"].clone()
        ),
        (json!(8), json!(400), json!(3), json!(9245))
    );
    assert_eq!(totals["reach_min"], 150);
    // The same file again: unchanged, row by row; nothing new.
    let again = import(&app, &wu, csv.as_bytes().to_vec(), "text/csv", false).await;
    assert_eq!(
        statuses(&again),
        [
            (2, "unchanged".into()),
            (3, "unchanged".into()),
            (4, "invalid".into()),
            (5, "locked".into())
        ]
    );
    assert_eq!(events(&app).await, 2);
    // Only agencies import; a viewer reads nothing of it.
    let p = problem(
        app.client
            .post(app.url("/api/v1/imports"))
            .bearer_auth(app.viewer())
            .header("Content-Type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;
    assert!(p["detail"].is_string());
    let other = app.agency("police");
    let id = real["id"].as_str().unwrap();
    problem(app.get(&format!("/api/v1/imports/{id}"), &other).await, 404).await;
}

/// The template, as a clerk fills it (date cells, Vietnamese names, the
/// participants sheet), imports; the people are counted once.
async fn a_workbook_in_the_template_s_form_imports_with_its_participants(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    let resp = app.get("/api/v1/imports/template.xlsx", &wu).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], XLSX);
    let template = resp.bytes().await.unwrap().to_vec();
    // Its sheets, headers and drop-down lists.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(template.clone())).unwrap();
    let mut sheet1 = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet1,
    )
    .unwrap();
    assert!(sheet1.contains("<dataValidations"), "drop-down lists");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(template)).unwrap();
    use calamine::Reader;
    assert_eq!(
        book.sheet_names(),
        ["Hoạt động", "Người tham gia", "Hướng dẫn", "Danh mục"]
    );
    let header = book.worksheet_range("Hoạt động").unwrap();
    assert_eq!(header.get((0, 0)).unwrap().to_string(), "Mã hoạt động");
    assert_eq!(header.get((0, 1)).unwrap().to_string(), "Hình thức");
    // A clerk's workbook: two sessions and their people.
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    {
        let ws = wb.add_worksheet().set_name("Hoạt động").unwrap();
        for (i, h) in [
            "Mã hoạt động",
            "Hình thức",
            "Tên hoạt động",
            "Ngày bắt đầu",
            "Ngày kết thúc",
            "Địa bàn",
            "Chủ đề",
            "Số buổi",
            "Tổng lượt người tham dự",
            "Trong đó nữ",
            "Căn cứ thu thập định danh",
            "Người đồng ý",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(0, i as u16, *h).unwrap();
        }
        for (r, (id, kind, sessions, total, consent_by)) in [
            ("L-1", "Lớp tập huấn", 1, 30, "Người tham dự"),
            (
                "L-2",
                "tiết dạy lồng ghép",
                12,
                240,
                "cha me, nguoi giam ho",
            ),
        ]
        .iter()
        .enumerate()
        {
            let r = r as u32 + 1;
            ws.write_string(r, 0, *id).unwrap();
            ws.write_string(r, 1, *kind).unwrap();
            ws.write_string(r, 2, format!("Buổi {id}")).unwrap();
            let d = ExcelDateTime::from_ymd(2025, 3, 10).unwrap();
            ws.write_datetime_with_format(r, 3, &d, &date).unwrap();
            ws.write_datetime_with_format(r, 4, &d, &date).unwrap();
            ws.write_string(r, 5, "Xã A - Huyện B (01234)").unwrap();
            ws.write_string(r, 6, "Mua bán người").unwrap();
            ws.write_number(r, 7, f64::from(*sessions)).unwrap();
            ws.write_number(r, 8, f64::from(*total)).unwrap();
            ws.write_number(r, 9, 10.0).unwrap();
            ws.write_string(r, 10, "Đồng ý").unwrap();
            ws.write_string(r, 11, *consent_by).unwrap();
        }
    }
    {
        let ws = wb.add_worksheet().set_name("Người tham gia").unwrap();
        for (i, h) in ["Mã hoạt động", "Loại giấy tờ", "Số", "Mã trường"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, i as u16, *h).unwrap();
        }
        let people = [
            ("L-1", "CCCD", "001203004005", ""),
            ("L-1", "Số điện thoại", "0912 345 678", ""),
            ("L-2", "CCCD", "001 203 004 005", ""),
            ("L-2", "Mã học sinh", "hs-01", "THPT01"),
            ("L-9", "CCCD", "001203004007", ""),
        ];
        for (r, (e, t, v, s)) in people.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, *e).unwrap();
            ws.write_string(r, 1, *t).unwrap();
            ws.write_string(r, 2, *v).unwrap();
            if !s.is_empty() {
                ws.write_string(r, 3, *s).unwrap();
            }
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let answer = import(&app, &wu, bytes, XLSX, false).await;
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{answer}");
    assert_eq!(
        (items[0]["row"].clone(), items[0]["status"].clone()),
        (json!(2), json!("created"))
    );
    assert_eq!(
        (items[1]["row"].clone(), items[1]["status"].clone()),
        (json!(3), json!("created"))
    );
    // The participant naming an event the file does not hold: its own row.
    assert_eq!(items[2]["sheet"], "Người tham gia");
    assert_eq!(items[2]["row"], 6);
    assert_eq!(items[2]["status"], "invalid");
    let totals = &json_of(app.get("/api/v1/aggregates", &app.viewer()).await, 200).await["totals"];
    assert_eq!(totals["sessions"], 13);
    assert_eq!(totals["attendances"], 270);
    // The citizen id typed twice (two spellings) is one person: 3 people.
    assert_eq!(totals["unique_participants"], 3);
    assert_eq!(totals["identified_attendances"], 4);
    // The legal basis read from its columns (a pupil's: a guardian's consent).
    let listed = json_of(app.get("/api/v1/events", &wu).await, 200).await;
    let basis: std::collections::BTreeMap<String, (Value, Value)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["external_id"].as_str().unwrap().to_string(),
                (e["legal_basis"].clone(), e["consent_by"].clone()),
            )
        })
        .collect();
    assert_eq!(basis["L-1"], (json!("consent"), json!("person")));
    assert_eq!(
        basis["L-2"],
        (json!("consent"), json!("legal_representative"))
    );
}

async fn files_that_cannot_be_read_are_refused_and_write_nothing(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    let send = |bytes: Vec<u8>, ct: &'static str| {
        let app = &app;
        let wu = &wu;
        async move {
            app.client
                .post(app.url("/api/v1/imports"))
                .bearer_auth(wu)
                .header("Content-Type", ct)
                .body(bytes)
                .send()
                .await
                .unwrap()
        }
    };
    // Not a workbook, nor UTF-8 text.
    problem(send(vec![0xff, 0xfe, 0x00, 0x81, 0x90], XLSX).await, 422).await;
    // A zip that is no workbook.
    let mut plain = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    plain
        .start_file::<_, ()>("a.txt", Default::default())
        .unwrap();
    plain.write_all(b"hello").unwrap();
    problem(send(plain.finish().unwrap().into_inner(), XLSX).await, 422).await;
    // A zip bomb: 300 MB of zeros in a few hundred kilobytes.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file::<_, ()>("xl/worksheets/sheet1.xml", Default::default())
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 << 20);
    problem(send(bomb, XLSX).await, 413).await;
    // No recognisable header.
    problem(send(b"a,b,c\n1,2,3\n".to_vec(), "text/csv").await, 422).await;
    // Over the row limit.
    let mut big = String::from("external_id,kind,title\n");
    for i in 0..10_001 {
        big.push_str(&format!("x{i},Họp dân,x\n"));
    }
    let p = problem(send(big.into_bytes(), "text/csv").await, 422).await;
    assert!(p.to_string().contains("10000"), "{p}");
    // Another media type.
    let resp = send(b"{}".to_vec(), "application/json").await;
    assert_eq!(resp.status().as_u16(), 415);
    assert_eq!(events(&app).await, 0);
}

/// A row is a write like any other (issue 32): a re-import that corrects a
/// headcount sets a confirmed co-organiser's claim back to pending, exactly
/// as the same correction through `PUT` does to a twin event; a row whose
/// own id another agency also uses is that agency's business only (each
/// agency's ids are its own), and changes nothing of the other's.
async fn an_imported_correction_moves_consent_exactly_as_a_put_does(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    let police = app.agency("police");
    let csv = |id: &str, total: i64| {
        format!(
            "external_id,kind,title,start_date,end_date,area_code,topics,co_organizers,attendance.total\n\
             {id},Họp dân,Họp dân liên ngành,02/03/2025,02/03/2025,01234,Mua bán người,police,{total}\n"
        )
    };
    let first = import(
        &app,
        &wu,
        csv("JOINT-1", 40).into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(statuses(&first), [(2, "created".to_string())]);
    let id = first["items"][0]["id"].as_str().unwrap().to_string();
    // The twin, through the JSON API, with the same figures.
    let twin_body = |total: i64| {
        json!({"kind": "community_meeting", "title": "Họp dân liên ngành", "topics": ["human_trafficking"],
               "start_date": "2025-03-02", "end_date": "2025-03-02", "area_code": "01234",
               "co_organizers": ["police"], "attendance": {"total": total}})
    };
    let twin = json_of(
        app.send_json(
            reqwest::Method::PUT,
            "/api/v1/events/external/JOINT-2",
            &wu,
            &twin_body(40),
        )
        .await,
        201,
    )
    .await;
    let twin_id = twin["id"].as_str().unwrap().to_string();
    for (eid, version) in [(&id, 1), (&twin_id, twin["version"].as_i64().unwrap())] {
        crate::events::confirm(&app, &police, eid, "police", version).await;
    }
    let claim = |e: &Value| {
        e["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["agency"] == "police")
            .map(|c| c["status"].as_str().unwrap().to_string())
    };
    let read = |eid: String| {
        let app = &app;
        let wu = wu.clone();
        async move { json_of(app.get(&format!("/api/v1/events/{eid}"), &wu).await, 200).await }
    };
    assert_eq!(claim(&read(id.clone()).await).as_deref(), Some("confirmed"));
    // The same correction both ways: 40 -> 55.
    let again = import(
        &app,
        &wu,
        csv("JOINT-1", 55).into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(statuses(&again), [(2, "updated".to_string())]);
    let put = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/events/external/JOINT-2",
            &wu,
            &twin_body(55),
        )
        .await;
    assert_eq!(put.status().as_u16(), 200);
    let (imported, direct) = (read(id.clone()).await, read(twin_id.clone()).await);
    assert_eq!(imported["attendance"]["total"], 55);
    assert_eq!(claim(&imported).as_deref(), Some("pending"), "{imported}");
    assert_eq!(
        claim(&imported),
        claim(&direct),
        "the import and PUT agree: {direct}"
    );
    assert_eq!(imported["version"], direct["version"]);
    // The police's own row with the same id is the police's own event.
    let theirs = import(
        &app,
        &police,
        csv("JOINT-1", 999).into_bytes(),
        "text/csv",
        false,
    )
    .await;
    assert_eq!(
        statuses(&theirs),
        [(2, "invalid".to_string())],
        "naming itself as co-organiser: {theirs}"
    );
    let own = "external_id,kind,title,start_date,end_date,area_code,topics,attendance.total\n\
               JOINT-1,Họp dân,Họp dân của công an,02/03/2025,02/03/2025,01234,Mua bán người,999\n";
    let theirs = import(&app, &police, own.as_bytes().to_vec(), "text/csv", false).await;
    assert_eq!(statuses(&theirs), [(2, "created".to_string())]);
    assert_ne!(theirs["items"][0]["id"], first["items"][0]["id"]);
    let ours = read(id).await;
    assert_eq!(
        (ours["attendance"]["total"].clone(), ours["agency"].clone()),
        (json!(55), json!("womens-union"))
    );
}

/// 10,000 event rows at most, but the participants sheet may hold more
/// (up to 100,000: ten people an event), so a full workbook of events with
/// their people imports (issue 32's benchmark: 10,000 rows, 30,000 people).
async fn the_row_limit_counts_events_and_participants_apart(app: TestApp) {
    app.seed_test_areas();
    let wu = app.agency("womens-union");
    let workbook = |events: usize, people: usize| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("Hoạt động").unwrap();
        let headers = [
            "Mã hoạt động",
            "Hình thức",
            "Tên hoạt động",
            "Ngày bắt đầu",
            "Ngày kết thúc",
            "Địa bàn",
            "Chủ đề",
            "Tổng lượt người tham dự",
        ];
        for (i, h) in headers.iter().enumerate() {
            ws.write_string(0, i as u16, *h).unwrap();
        }
        for r in 0..events {
            let row = (r + 1) as u32;
            for (c, v) in [
                format!("R-{r}"),
                "Họp dân".into(),
                format!("Họp dân {r}"),
                "02/03/2025".into(),
                "02/03/2025".into(),
                "01234".into(),
                "Mua bán người".into(),
            ]
            .iter()
            .enumerate()
            {
                ws.write_string(row, c as u16, v).unwrap();
            }
            ws.write_number(row, 7, 20_000.0).unwrap();
        }
        let ps = wb.add_worksheet().set_name("Người tham gia").unwrap();
        for (i, h) in ["Mã hoạt động", "Loại giấy tờ", "Số"].iter().enumerate() {
            ps.write_string(0, i as u16, *h).unwrap();
        }
        for p in 0..people {
            let row = (p + 1) as u32;
            ps.write_string(row, 0, format!("R-{}", p % events))
                .unwrap();
            ps.write_string(row, 1, "CCCD").unwrap();
            ps.write_string(row, 2, format!("0012{p:08}")).unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    // Two events and 10,002 people: more rows than events may have, fine.
    let done = import(&app, &wu, workbook(2, 10_002), XLSX, true).await;
    assert_eq!(
        statuses(&done),
        [(2, "created".to_string()), (3, "created".to_string())]
    );
    // 10,001 event rows: refused whole, naming the limit; nothing written.
    let resp = app
        .client
        .post(app.url("/api/v1/imports?dry_run=true"))
        .bearer_auth(&wu)
        .header("Content-Type", XLSX)
        .body(workbook(10_001, 0))
        .send()
        .await
        .unwrap();
    let p = problem(resp, 422).await;
    assert!(p.to_string().contains("10000"), "{p}");
    assert_eq!(events(&app).await, 0);
}
