//! Unit tests on small hand-made trees, in an in-memory SQLite database.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::*;
use crate::audit::Actor;
use crate::error::ApiError;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn db() -> DbConn {
    let mut c = SqliteConnection::establish(":memory:").unwrap();
    c.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    let mut conn = DbConn::Sqlite(c);
    crate::db::migrate::run_pending(&mut conn).unwrap();
    conn
}

fn units(conn: &mut DbConn, csv: &str, from: Option<&str>, until: Option<&str>) -> ImportSummary {
    import_units(
        conn,
        csv,
        from.map(d),
        until.map(d),
        &Actor::cli(),
        &|_, _| {},
    )
    .unwrap()
}

fn successors(conn: &mut DbConn, csv: &str) -> ImportSummary {
    import_successors(conn, csv, &Actor::cli(), &|_, _| {}).unwrap()
}

/// The unit with `code` valid on `on`.
fn at(conn: &mut DbConn, code: &str, on: &str) -> AreaRow {
    match resolve(conn, code, d(on)).unwrap() {
        Resolution::Found(r) => r,
        other => panic!("{code} on {on}: {other:?}"),
    }
}

fn code_of(conn: &mut DbConn, id: Option<i64>) -> Option<String> {
    let id = id?;
    Some(rows_by_ids(conn, &[id]).unwrap().remove(0).code)
}

/// Before: province 01 > district 001 > communes 00001, 00002, 00003;
/// province 02 > district 002 > commune 00010. After the reform (2025-07-01):
/// province 01 (code reused) > communes 00001 (code reused: formed from old
/// 00001 and part of 00002) and 00020 (the rest of 00002, and 00003 and
/// 00010): old province 02 merged into 01.
const OLD: &str = "code,name,level,parent_code
01,Thành phố Hà Nội,province,
001,Quận Ba Đình,district,01
00001,Phường Phúc Xá,commune,001
00002,Phường Trúc Bạch,commune,001
00003,Xã Đông Anh,commune,001
02,Tỉnh Hà Giang,province,
002,Huyện Chợ Mới,district,02
00010,Xã Yên Đĩnh,commune,002
";
const NEW: &str = "code,name,level,parent_code
01,Thành phố Hà Nội,province,
00001,Phường Ba Đình,commune,01
00020,Xã Đông Anh,commune,01
";
const LINKS: &str = "old_code,new_code,default
00001,00001,1
00002,00001,1
00002,00020,0
00003,00020,1
00010,00020,1
";

fn reform(conn: &mut DbConn) {
    units(conn, OLD, None, Some("2025-06-30"));
    units(conn, NEW, Some("2025-07-01"), None);
    successors(conn, LINKS);
}

#[test]
fn fold_ignores_case_accents_and_d_bar() {
    assert_eq!(fold("CHỢ MỚI"), fold("cho moi"));
    assert_eq!(fold("CHỢ MỚI"), "cho moi");
    assert_eq!(fold("Đà Nẵng"), "da nang");
    assert_eq!(fold("đ"), "d");
    assert_eq!(fold("Thừa Thiên Huế"), "thua thien hue");
    assert_eq!(fold("Ương Ưởng Ơn"), "uong uong on");
    assert!(fold("Huyện Chợ Mới").contains(&fold("chợ mới")));
}

#[test]
fn periods_contain_cover_and_overlap() {
    let old = Period {
        from: None,
        until: Some(d("2025-06-30")),
    };
    let new = Period {
        from: Some(d("2025-07-01")),
        until: None,
    };
    assert!(old.contains(d("1990-01-01")) && old.contains(d("2025-06-30")));
    assert!(!old.contains(d("2025-07-01")) && new.contains(d("2025-07-01")));
    assert!(!old.overlaps(&new) && !new.overlaps(&old));
    let always = Period {
        from: None,
        until: None,
    };
    assert!(always.covers(&old) && always.covers(&new) && !old.covers(&always));
    assert!(always.overlaps(&new));
    assert_eq!(new.describe(), "valid from 2025-07-01");
}

#[test]
fn resolve_picks_the_unit_valid_on_the_date() {
    let mut conn = db();
    reform(&mut conn);
    let before = at(&mut conn, "00001", "2025-06-30");
    let after = at(&mut conn, "00001", "2025-07-01");
    assert_eq!(before.name, "Phường Phúc Xá");
    assert_eq!(after.name, "Phường Ba Đình");
    assert_ne!(before.id, after.id);
    match resolve(&mut conn, "00002", d("2025-08-01")).unwrap() {
        Resolution::NotValidOn { valid } => assert_eq!(valid, vec![(None, Some(d("2025-06-30")))]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        resolve(&mut conn, "00020", d("2024-01-01"))
            .unwrap()
            .into_result("00020", d("2024-01-01"))
            .unwrap_err(),
        "area 00020 is not valid on 2024-01-01: it is valid from 2025-07-01"
    );
    assert_eq!(
        resolve(&mut conn, "99999", d("2024-01-01")).unwrap(),
        Resolution::Unknown
    );
    assert_eq!(ids_with_code(&mut conn, "00001").unwrap(), {
        let mut v = vec![before.id, after.id];
        v.sort();
        v
    });
}

#[test]
fn ancestor_columns_include_self() {
    let mut conn = db();
    reform(&mut conn);
    let p = at(&mut conn, "01", "2025-01-01");
    let dist = at(&mut conn, "001", "2025-01-01");
    let c = at(&mut conn, "00002", "2025-01-01");
    assert_eq!(
        (p.province_id, p.district_id, p.commune_id),
        (Some(p.id), None, None)
    );
    assert_eq!(
        (dist.province_id, dist.district_id, dist.commune_id),
        (Some(p.id), Some(dist.id), None)
    );
    assert_eq!(
        (c.province_id, c.district_id, c.commune_id),
        (Some(p.id), Some(dist.id), Some(c.id))
    );
    // After the reform a commune hangs directly under its province.
    let p2 = at(&mut conn, "01", "2025-07-01");
    let c2 = at(&mut conn, "00020", "2025-07-01");
    assert_ne!(p.id, p2.id);
    assert_eq!(
        (c2.province_id, c2.district_id, c2.commune_id),
        (Some(p2.id), None, Some(c2.id))
    );
    // Everything below district 001: itself and its three communes.
    let below = ids_below(&mut conn, &[dist.id]).unwrap();
    assert_eq!(below.len(), 4);
    assert!(below.contains(&c.id));
}

#[test]
fn current_follows_default_successors_across_a_split() {
    let mut conn = db();
    reform(&mut conn);
    let cur = |conn: &mut DbConn, code: &str| {
        let r = at(conn, code, "2025-01-01");
        code_of(conn, r.current_id)
    };
    // 00002 was divided between 00001 (default) and 00020.
    assert_eq!(cur(&mut conn, "00002").as_deref(), Some("00001"));
    assert_eq!(cur(&mut conn, "00003").as_deref(), Some("00020"));
    // Provinces and districts follow from their communes.
    assert_eq!(cur(&mut conn, "02").as_deref(), Some("01"));
    assert_eq!(cur(&mut conn, "002").as_deref(), Some("01"));
    assert_eq!(cur(&mut conn, "001").as_deref(), Some("01"));
    let new01 = at(&mut conn, "01", "2025-07-01");
    assert_eq!(cur(&mut conn, "01"), Some("01".into()));
    assert_eq!(at(&mut conn, "02", "2025-01-01").current_id, Some(new01.id));
    // A current unit maps to itself.
    let n = at(&mut conn, "00020", "2025-07-01");
    assert_eq!(n.current_id, Some(n.id));
    // The derived links are stored as successors.
    let old02 = at(&mut conn, "02", "2025-01-01");
    let detail = detail(&mut conn, &old02).unwrap();
    assert_eq!(detail.successors.len(), 1);
    assert!(detail.successors[0].default);
    assert_eq!(detail.current.unwrap().code, "01");
}

#[test]
fn current_is_computed_as_of_a_date_and_follows_chains() {
    let mut conn = db();
    units(
        &mut conn,
        "code,name,level,parent_code\n1,A,province,\n",
        None,
        Some("2019-12-31"),
    );
    units(
        &mut conn,
        "code,name,level,parent_code\n2,B,province,\n",
        Some("2020-01-01"),
        Some("2025-06-30"),
    );
    units(
        &mut conn,
        "code,name,level,parent_code\n3,C,province,\n",
        Some("2025-07-01"),
        None,
    );
    successors(&mut conn, "old_code,new_code,default\n1,2,1\n2,3,1\n");
    let a = at(&mut conn, "1", "2019-01-01");
    let c = at(&mut conn, "3", "2026-01-01");
    assert_eq!(a.current_id, Some(c.id), "A -> B -> C");
    // As of 2024, B is current, C is in the future.
    refresh_derived(&mut conn, d("2024-01-01")).unwrap();
    let a = at(&mut conn, "1", "2019-01-01");
    let b = at(&mut conn, "2", "2024-01-01");
    assert_eq!(a.current_id, Some(b.id));
    assert_eq!(at(&mut conn, "3", "2026-01-01").current_id, None);
}

#[test]
fn reimporting_the_same_file_changes_nothing_and_changes_are_counted() {
    let mut conn = db();
    assert_eq!(
        units(&mut conn, OLD, None, Some("2025-06-30")),
        ImportSummary {
            created: 8,
            changed: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        units(&mut conn, OLD, None, Some("2025-06-30")),
        ImportSummary {
            created: 0,
            changed: 0,
            unchanged: 8
        }
    );
    let renamed = OLD.replace("Xã Yên Đĩnh,commune,002", "Xã Yên Định,commune,001");
    let s = units(&mut conn, &renamed, None, Some("2025-06-30"));
    assert_eq!((s.created, s.changed, s.unchanged), (0, 1, 7));
    let c = at(&mut conn, "00010", "2025-01-01");
    let dist = at(&mut conn, "001", "2025-01-01");
    assert_eq!(c.name_folded, "xa yen dinh");
    assert_eq!(
        c.district_id,
        Some(dist.id),
        "ancestors follow the new parent"
    );
    units(&mut conn, NEW, Some("2025-07-01"), None);
    assert_eq!(successors(&mut conn, LINKS).created, 5);
    assert_eq!(
        successors(&mut conn, LINKS),
        ImportSummary {
            created: 0,
            changed: 0,
            unchanged: 5
        }
    );
}

fn row_count(conn: &mut DbConn) -> i64 {
    count(conn).unwrap()
}

fn bad_lines(e: ApiError) -> Vec<(String, String)> {
    match e {
        ApiError::Validation { errors, .. } => {
            errors.into_iter().map(|f| (f.field, f.message)).collect()
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_bad_file_reports_every_bad_row_and_writes_nothing() {
    let mut conn = db();
    units(&mut conn, OLD, None, Some("2025-06-30"));
    let before = row_count(&mut conn);
    let bad = "code,name,level,parent_code
03,Tỉnh Mới,province,
031,,district,03
032,Huyện X,city,03
033,Huyện Y,district,77
00099,Xã Z,commune,03x
034,Huyện W,district,03
034,Huyện W bis,district,03
00098,Xã V,district,034
01,Hà Nội,province,
0400,Thôn A,village,
";
    let errors = bad_lines(
        import_units(
            &mut conn,
            bad,
            Some(d("2025-01-01")),
            Some(d("2025-06-30")),
            &Actor::cli(),
            &|_, _| {},
        )
        .unwrap_err(),
    );
    let lines: Vec<&str> = errors.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        lines,
        [
            "line 3", "line 4", "line 5", "line 6", "line 8", "line 9", "line 10", "line 11"
        ],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("missing name"));
    assert!(errors[1].1.contains("city"));
    assert!(errors[2].1.contains("unknown parent 77"));
    assert!(errors[4].1.contains("appears twice"));
    assert!(
        errors[5]
            .1
            .contains("a district cannot be under a district")
    );
    assert!(errors[6].1.contains("overlaps"), "{}", errors[6].1);
    assert!(errors[7].1.contains("missing parent_code"));
    assert_eq!(row_count(&mut conn), before);

    // A parent stored only for part of the period is not enough.
    let e = bad_lines(
        import_units(
            &mut conn,
            "code,name,level,parent_code\n00050,Xã Q,commune,001\n",
            Some(d("2025-01-01")),
            None,
            &Actor::cli(),
            &|_, _| {},
        )
        .unwrap_err(),
    );
    assert!(e[0].1.contains("not valid throughout"), "{e:?}");

    // Bad period, bad header.
    let e = bad_lines(
        import_units(
            &mut conn,
            OLD,
            Some(d("2025-06-30")),
            Some(d("2025-01-01")),
            &Actor::cli(),
            &|_, _| {},
        )
        .unwrap_err(),
    );
    assert_eq!(e[0].0, "valid_until");
    let e = bad_lines(
        import_units(
            &mut conn,
            "code,name,level\n1,A,province\n",
            None,
            Some(d("2025-06-30")),
            &Actor::cli(),
            &|_, _| {},
        )
        .unwrap_err(),
    );
    assert_eq!(e[0].0, "line 1");
    assert!(e[0].1.contains("parent_code"));
    assert_eq!(row_count(&mut conn), before);
}

#[test]
fn a_bad_successor_file_reports_every_bad_row() {
    let mut conn = db();
    units(&mut conn, OLD, None, Some("2025-06-30"));
    units(&mut conn, NEW, Some("2025-07-01"), None);
    let bad = "old_code,new_code,default
00001,00001,1
00001,00001,1
00002,00001,1
00002,00020,1
00003,99999,1
00020,00001,1
00010,00020,maybe
,00020,1
";
    let errors =
        bad_lines(import_successors(&mut conn, bad, &Actor::cli(), &|_, _| {}).unwrap_err());
    let lines: Vec<&str> = errors.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        lines,
        ["line 3", "line 5", "line 6", "line 7", "line 8", "line 9"],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("twice"));
    assert!(errors[1].1.contains("more than one default"));
    assert!(errors[2].1.contains("unknown new_code 99999"));
    assert!(errors[3].1.contains("no retired unit"));
    assert!(errors[4].1.contains("maybe"));
    assert!(errors[5].1.contains("missing old_code"));
    let links: i64 = crate::db::schema::area_successors::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(links, 0);
}

#[test]
fn an_admin_adds_a_village_under_a_commune() {
    let mut conn = db();
    reform(&mut conn);
    let req = NewArea {
        code: "0002001".into(),
        name: "Thôn Đông".into(),
        level: Level::Village,
        parent_code: Some("00020".into()),
        valid_from: None,
        valid_until: None,
    };
    let area = create_area(&mut conn, &Actor::cli(), &req).unwrap();
    assert_eq!(area.parent_code.as_deref(), Some("00020"));
    assert_eq!(
        area.valid_from,
        Some(d("2025-07-01")),
        "the parent's period"
    );
    let v = at(&mut conn, "0002001", "2026-01-01");
    let c = at(&mut conn, "00020", "2026-01-01");
    assert_eq!(v.commune_id, Some(c.id));
    assert_eq!(v.province_id, c.province_id);
    assert_eq!(v.current_id, Some(v.id));
    assert!(matches!(
        create_area(&mut conn, &Actor::cli(), &req).unwrap_err(),
        ApiError::Conflict { .. }
    ));
    let wrong = NewArea {
        code: "x y".into(),
        name: String::new(),
        parent_code: Some("01".into()),
        ..req
    };
    let fields: Vec<String> = bad_lines(create_area(&mut conn, &Actor::cli(), &wrong).unwrap_err())
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["code", "name", "parent_code"]);
}
