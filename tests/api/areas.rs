//! Administrative areas: imports (all or nothing), search, dates, the
//! hierarchy and successors, on hand-made lists and on the real ones.

use std::collections::BTreeMap;

use campaign_tracker::db::schema::{area_successors, areas};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, fields, json as json_of, problem};

both_backends!(
    malformed_csv_reports_every_bad_row_and_writes_nothing,
    reimporting_the_same_file_changes_nothing,
    admin_adds_a_village_and_it_appears_under_its_commune,
    only_admins_import_or_add_areas,
    unknown_codes_and_dates_outside_a_period_are_404,
    cli_imports_print_every_bad_row_or_a_summary,
);

const PROVINCES: &str = "code,name,level,parent_code
01,Thành phố Hà Nội,province,
48,Thành phố Đà Nẵng,province,
";
const COMMUNES: &str = "code,name,level,parent_code
00004,Phường Ba Đình,commune,01
00008,Phường Ngọc Hà,commune,01
20194,Phường Hải Châu,commune,48
";

async fn post_csv(app: &TestApp, path: &str, token: &str, body: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// Imports `csv` as units valid from 2025-07-01, expecting 200.
async fn import_2025(app: &TestApp, admin: &str, csv: &str) -> Value {
    json_of(
        post_csv(
            app,
            "/api/v1/areas/import?valid_from=2025-07-01",
            admin,
            csv,
        )
        .await,
        200,
    )
    .await
}

fn stored_units(app: &TestApp) -> i64 {
    areas::table.count().get_result(&mut *app.conn()).unwrap()
}

async fn malformed_csv_reports_every_bad_row_and_writes_nothing(app: TestApp) {
    let admin = app.admin();
    import_2025(&app, &admin, PROVINCES).await;
    let before = stored_units(&app);
    let bad = "code,name,level,parent_code
02,Tỉnh Hà Giang,province,
,Xã Không Mã,commune,02
00010,,commune,02
00011,Xã A,hamlet,02
00012,Xã B,commune,99
00013,Xã C,commune,
00014,Xã D,commune,02
00014,Xã D bis,commune,02
00015,Xã E,province,02
00016,Xã F,commune,00014
00017,Xã G,commune,02,extra
";
    let p = problem(
        post_csv(
            &app,
            "/api/v1/areas/import?valid_from=2025-07-01",
            &admin,
            bad,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            "line 3", "line 4", "line 5", "line 6", "line 7", "line 9", "line 10", "line 11",
            "line 12"
        ],
        "{p}"
    );
    let messages: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    for (i, wanted) in [
        "missing code",
        "missing name",
        "hamlet",
        "unknown parent 99",
        "missing parent_code",
        "appears twice",
        "a province has no parent",
        "a commune cannot be under a commune",
        "5 fields",
    ]
    .iter()
    .enumerate()
    {
        assert!(messages[i].contains(wanted), "{}: {}", wanted, messages[i]);
    }
    assert_eq!(stored_units(&app), before, "nothing was written");

    // The same rows fixed import fine.
    let good = "code,name,level,parent_code\n02,Tỉnh Hà Giang,province,\n00014,Xã D,commune,02\n";
    assert_eq!(import_2025(&app, &admin, good).await["created"], 2);

    // Bad dates, a reversed period, a missing period, a wrong content type.
    let p = problem(
        post_csv(
            &app,
            "/api/v1/areas/import?valid_from=2025-13-01",
            &admin,
            good,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["valid_from"]);
    let p = problem(
        post_csv(
            &app,
            "/api/v1/areas/import?valid_from=2025-07-01&valid_until=2025-01-01",
            &admin,
            good,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["valid_until"]);
    let p = problem(
        post_csv(&app, "/api/v1/areas/import", &admin, good).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["valid_from"]);
    problem(
        app.post(
            "/api/v1/areas/import?valid_from=2025-07-01",
            &admin,
            &json!({}),
        )
        .await,
        415,
    )
    .await;

    // Successors: every bad row, nothing written.
    let bad_links = "old_code,new_code,default
02,01,1
77,01,1
02,01,1
02,48,2
";
    import_2025(&app, &admin, COMMUNES).await;
    let p = problem(
        post_csv(&app, "/api/v1/areas/successors/import", &admin, bad_links).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["line 2", "line 3", "line 4", "line 5"], "{p}");
    let links: i64 = area_successors::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(links, 0);
}

async fn reimporting_the_same_file_changes_nothing(app: TestApp) {
    let admin = app.admin();
    let path = "/api/v1/areas/import?valid_until=2025-06-30";
    let old = "code,name,level,parent_code
01,Thành phố Hà Nội,province,
001,Quận Ba Đình,district,01
00001,Phường Phúc Xá,commune,001
00004,Phường Trúc Bạch,commune,001
";
    let first = json_of(post_csv(&app, path, &admin, old).await, 200).await;
    assert_eq!(first, json!({"created": 4, "changed": 0, "unchanged": 0}));
    let again = json_of(post_csv(&app, path, &admin, old).await, 200).await;
    assert_eq!(again, json!({"created": 0, "changed": 0, "unchanged": 4}));
    let renamed = old.replace("Phường Phúc Xá", "Phường Phúc Xá Mới");
    let changed = json_of(post_csv(&app, path, &admin, &renamed).await, 200).await;
    assert_eq!(changed, json!({"created": 0, "changed": 1, "unchanged": 3}));

    import_2025(&app, &admin, PROVINCES).await;
    import_2025(&app, &admin, COMMUNES).await;
    let links = "old_code,new_code,default\n00001,00004,1\n00004,00004,1\n00004,00008,0\n";
    let s = json_of(
        post_csv(&app, "/api/v1/areas/successors/import", &admin, links).await,
        200,
    )
    .await;
    assert_eq!(s["created"], 3);
    let s = json_of(
        post_csv(&app, "/api/v1/areas/successors/import", &admin, links).await,
        200,
    )
    .await;
    assert_eq!(s, json!({"created": 0, "changed": 0, "unchanged": 3}));

    // One audit record per import, not one per row.
    let audit = json_of(
        app.get("/api/v1/audit?entity=area_import", &admin).await,
        200,
    )
    .await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0]["entity_id"], "successors");
    assert_eq!(items[0]["after"]["unchanged"], 3);
    assert_eq!(items[6]["entity_id"], "units:..2025-06-30");
    assert_eq!(items[6]["action"], "import");
}

async fn admin_adds_a_village_and_it_appears_under_its_commune(app: TestApp) {
    let admin = app.admin();
    import_2025(&app, &admin, PROVINCES).await;
    import_2025(&app, &admin, COMMUNES).await;
    let village = json!({
        "code": "0000401", "name": "Tổ dân phố Đội Cấn", "level": "village", "parent_code": "00004"
    });
    let resp = app.post("/api/v1/areas", &admin, &village).await;
    assert_eq!(
        resp.headers()["location"],
        "/api/v1/areas/0000401?on=2025-07-01"
    );
    let created = json_of(resp, 201).await;
    assert_eq!(
        created,
        json!({"code": "0000401", "name": "Tổ dân phố Đội Cấn", "level": "village",
               "parent_code": "00004", "valid_from": "2025-07-01", "valid_until": null})
    );
    problem(app.post("/api/v1/areas", &admin, &village).await, 409).await;

    let viewer = app.viewer();
    let children = json_of(app.get("/api/v1/areas?parent=00004", &viewer).await, 200).await;
    let codes: Vec<&str> = children["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["0000401"]);
    let found = json_of(app.get("/api/v1/areas?q=doi%20can", &viewer).await, 200).await;
    assert_eq!(found["items"][0]["code"], "0000401");

    let one = json_of(app.get("/api/v1/areas/0000401", &viewer).await, 200).await;
    let ancestors: Vec<&str> = one["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, ["00004", "01"]);
    assert_eq!(one["current"]["code"], "0000401");

    // Bad units name their fields.
    let p = problem(
        app.post(
            "/api/v1/areas",
            &admin,
            &json!({"code": "x y", "name": "", "level": "village", "parent_code": "01"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["code", "name", "parent_code"]);
    let p = problem(
        app.post(
            "/api/v1/areas",
            &admin,
            &json!({"code": "1", "name": "A", "level": "hamlet"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["level"]);
    let p = problem(
        app.post(
            "/api/v1/areas",
            &admin,
            &json!({"code": "0000402", "name": "Thôn B", "level": "village",
                    "parent_code": "00004", "valid_from": "2025-01-01"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["parent_code"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("valid from 2025-07-01"),
        "{p}"
    );

    let audit = json_of(app.get("/api/v1/audit?entity=area", &admin).await, 200).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1);
    assert_eq!(audit["items"][0]["action"], "create");
    assert_eq!(audit["items"][0]["entity_id"], "0000401");
}

async fn only_admins_import_or_add_areas(app: TestApp) {
    let admin = app.admin();
    import_2025(&app, &admin, PROVINCES).await;
    for token in [app.viewer(), app.agency("police")] {
        problem(
            post_csv(
                &app,
                "/api/v1/areas/import?valid_from=2025-07-01",
                &token,
                COMMUNES,
            )
            .await,
            403,
        )
        .await;
        problem(
            post_csv(
                &app,
                "/api/v1/areas/successors/import",
                &token,
                "old_code,new_code,default\n",
            )
            .await,
            403,
        )
        .await;
        problem(
            app.post(
                "/api/v1/areas",
                &token,
                &json!({"code": "03", "name": "X", "level": "province"}),
            )
            .await,
            403,
        )
        .await;
        // Reading is open to every token.
        let list = json_of(app.get("/api/v1/areas", &token).await, 200).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
    }
    problem(app.get("/api/v1/areas", "not-a-token").await, 401).await;
    assert_eq!(stored_units(&app), 2);
}

async fn unknown_codes_and_dates_outside_a_period_are_404(app: TestApp) {
    let admin = app.admin();
    import_2025(&app, &admin, PROVINCES).await;
    let p = problem(app.get("/api/v1/areas/77", &admin).await, 404).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("unknown area code 77")
    );
    let p = problem(app.get("/api/v1/areas/01?on=2025-06-30", &admin).await, 404).await;
    assert_eq!(
        p["detail"],
        "area 01 is not valid on 2025-06-30: it is valid from 2025-07-01"
    );
    let p = problem(app.get("/api/v1/areas/01?on=yesterday", &admin).await, 422).await;
    assert_eq!(fields(&p), ["on"]);
    let p = problem(app.get("/api/v1/areas?level=hamlet", &admin).await, 422).await;
    assert_eq!(fields(&p), ["level"]);
    let p = problem(app.get("/api/v1/areas?parent=77", &admin).await, 422).await;
    assert_eq!(fields(&p), ["parent"]);
    let p = problem(app.get("/api/v1/areas?bogus=1", &admin).await, 422).await;
    assert_eq!(fields(&p), ["bogus"]);
}

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    app.cli(args)
}

async fn cli_imports_print_every_bad_row_or_a_summary(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let provinces = write("provinces.csv", PROVINCES);
    let out = cli(
        &app,
        &["areas", "import", &provinces, "--valid-from", "2025-07-01"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "created 2, changed 0, unchanged 0\n"
    );
    let out = cli(
        &app,
        &["areas", "import", &provinces, "--valid-from", "2025-07-01"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "created 0, changed 0, unchanged 2\n"
    );

    let bad = write(
        "bad.csv",
        "code,name,level,parent_code\n00001,,commune,01\n00002,Xã B,commune,99\n00003,Xã C,commune,01\n",
    );
    let out = cli(
        &app,
        &["areas", "import", &bad, "--valid-from", "2025-07-01"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with("using ")).collect();
    assert_eq!(lines[0], "line 2: missing name");
    assert_eq!(lines[1], "line 3: unknown parent 99");
    assert!(lines[2].contains("2 problem(s)"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(stored_units(&app), 2, "nothing was written");

    let communes = write("communes.csv", COMMUNES);
    let out = cli(
        &app,
        &["areas", "import", &communes, "--valid-from", "2025-07-01"],
    );
    assert!(out.status.success());
    let links = write("links.csv", "old_code,new_code,default\n");
    let out = cli(&app, &["areas", "import-successors", &links]);
    assert_eq!(out.status.code(), Some(1), "no data rows");
    // The server sees what the command line imported.
    let page = json_of(app.get("/api/v1/areas?parent=01", &app.viewer()).await, 200).await;
    assert_eq!(codes(&page), ["00004", "00008"]);
}

// ---- The real lists, loaded on first start -------------------------------

/// `(level, count)` of a shipped CSV file, read independently of the service.
fn csv_counts(file: &str) -> BTreeMap<String, i64> {
    let path = format!("{}/data/areas/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let mut counts = BTreeMap::new();
    for rec in rdr.records() {
        *counts.entry(rec.unwrap()[2].to_string()).or_insert(0) += 1;
    }
    counts
}

fn csv_rows(file: &str) -> i64 {
    let path = format!("{}/data/areas/{file}", env!("CARGO_MANIFEST_DIR"));
    csv::Reader::from_path(path).unwrap().records().count() as i64
}

/// `(level, count)` of the stored units before (`true`) or after the reform.
fn stored_counts(app: &TestApp, before: bool) -> BTreeMap<String, i64> {
    let mut conn = app.conn();
    let rows: Vec<(String, i64)> = if before {
        areas::table
            .filter(areas::valid_until.is_not_null())
            .group_by(areas::level)
            .select((areas::level, diesel::dsl::count_star()))
            .load(&mut *conn)
            .unwrap()
    } else {
        areas::table
            .filter(areas::valid_until.is_null())
            .group_by(areas::level)
            .select((areas::level, diesel::dsl::count_star()))
            .load(&mut *conn)
            .unwrap()
    };
    rows.into_iter().collect()
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap().to_string())
        .collect()
}

async fn real_lists_are_loaded_and_reimport_changes_nothing(app: TestApp) {
    let before = csv_counts("vn-admin-units-pre-2025.csv");
    let after = csv_counts("vn-admin-units-2025.csv");
    assert_eq!(before["province"], 63);
    assert_eq!(before["district"], 696);
    assert_eq!(before["commune"], 10_035);
    assert_eq!(after["province"], 34);
    assert_eq!(after["commune"], 3_321);
    assert_eq!(stored_counts(&app, true), before);
    assert_eq!(stored_counts(&app, false), after);
    // Every old commune has a successor, and so has every old province and district.
    let links: i64 = area_successors::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert!(links >= csv_rows("vn-admin-units-2025-successors.csv") + 63 + 696);
    let unmapped: i64 = areas::table
        .filter(areas::current_id.is_null())
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(unmapped, 0, "every unit maps to a current one");

    let admin = app.admin();
    let data = |f: &str| {
        std::fs::read_to_string(format!("{}/data/areas/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let s = json_of(
        post_csv(
            &app,
            "/api/v1/areas/import?valid_from=2025-07-01",
            &admin,
            &data("vn-admin-units-2025.csv"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        s,
        json!({"created": 0, "changed": 0, "unchanged": 34 + 3321})
    );
    let s = json_of(
        post_csv(
            &app,
            "/api/v1/areas/successors/import",
            &admin,
            &data("vn-admin-units-2025-successors.csv"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (s["created"].as_u64(), s["changed"].as_u64()),
        (Some(0), Some(0))
    );
}

async fn real_lists_search_dates_and_successors(app: TestApp) {
    let viewer = app.viewer();
    // Accent- and case-insensitive search, on a pre-2025 date.
    for q in [
        "cho%20moi",
        "CH%E1%BB%A2%20M%E1%BB%9AI",
        "Ch%E1%BB%A3%20M%E1%BB%9Bi",
    ] {
        let page = json_of(
            app.get(
                &format!("/api/v1/areas?q={q}&level=district&on=2025-01-01"),
                &viewer,
            )
            .await,
            200,
        )
        .await;
        let names: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Huyện Chợ Mới", "Huyện Chợ Mới"], "q={q}");
        assert_eq!(codes(&page), ["065", "893"]);
    }
    // "đ" matches "d" (and the other way round).
    let with_d_bar = json_of(
        app.get(
            "/api/v1/areas?q=%C4%91%C3%A0%20n%E1%BA%B5ng&level=province",
            &viewer,
        )
        .await,
        200,
    )
    .await;
    let plain = json_of(
        app.get("/api/v1/areas?q=da%20nang&level=province", &viewer)
            .await,
        200,
    )
    .await;
    assert_eq!(codes(&with_d_bar), ["48"]);
    assert_eq!(codes(&with_d_bar), codes(&plain));
    assert_eq!(with_d_bar["items"][0]["name"], "Thành phố Đà Nẵng");

    // `on` picks the period: 30628 is a township before the reform, a commune after.
    let old = json_of(
        app.get("/api/v1/areas/30628?on=2025-06-30", &viewer).await,
        200,
    )
    .await;
    let new = json_of(
        app.get("/api/v1/areas/30628?on=2025-07-01", &viewer).await,
        200,
    )
    .await;
    assert_eq!(old["name"], "Thị trấn Chợ Mới");
    assert_eq!(old["parent_code"], "893");
    assert_eq!(old["valid_until"], "2025-06-30");
    assert_eq!(new["name"], "Xã Chợ Mới");
    assert_eq!(new["parent_code"], "91");
    assert_eq!(new["valid_from"], "2025-07-01");
    let ancestors: Vec<&str> = old["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, ["893", "89"]);
    assert_eq!(old["successors"][0]["code"], "30628");
    assert_eq!(old["successors"][0]["valid_from"], "2025-07-01");
    assert_eq!(old["successors"][0]["default"], true);
    assert_eq!(old["current"]["name"], "Xã Chợ Mới");
    assert!(
        new["predecessors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Thị trấn Chợ Mới")
    );
    let listed_new = json_of(
        app.get(
            "/api/v1/areas?q=cho%20moi&level=commune&on=2025-07-01",
            &viewer,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(codes(&listed_new), ["02086", "30628"]);
    let listed_old = json_of(
        app.get(
            "/api/v1/areas?q=cho%20moi&level=commune&on=2025-06-30",
            &viewer,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(codes(&listed_old), ["30628"]);

    // A district maps to the province that received its communes.
    let district = json_of(
        app.get("/api/v1/areas/893?on=2025-01-01", &viewer).await,
        200,
    )
    .await;
    assert_eq!(district["successors"].as_array().unwrap().len(), 1);
    assert_eq!(district["current"]["level"], "province");
    assert_eq!(district["current"]["code"], new["ancestors"][0]["code"]);
    let p = problem(app.get("/api/v1/areas/893", &viewer).await, 404).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("valid until 2025-06-30")
    );

    // Paging through An Giang's districts (before the reform) with the cursor.
    let expected = {
        let path = format!(
            "{}/data/areas/vn-admin-units-pre-2025.csv",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut rdr = csv::Reader::from_path(path).unwrap();
        let mut v: Vec<String> = rdr
            .records()
            .map(|r| r.unwrap())
            .filter(|r| &r[3] == "89")
            .map(|r| r[0].to_string())
            .collect();
        v.sort();
        v
    };
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json_of(
            app.get(
                &format!("/api/v1/areas?parent=89&on=2025-01-01&limit=4{cursor}"),
                &viewer,
            )
            .await,
            200,
        )
        .await;
        seen.extend(codes(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

// The real lists load on first start; each test gets its own database.
both_backends!(
    settings = |s| s.load_areas = true;
    real_lists_are_loaded_and_reimport_changes_nothing,
    real_lists_search_dates_and_successors,
);
