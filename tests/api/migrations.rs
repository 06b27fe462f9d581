//! The two migration folders agree, and every `down.sql` undoes its `up.sql`.

use std::path::Path;

use campaign_tracker::config::DatabaseUrl;
use campaign_tracker::db::{DbConn, Manager, migrate};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::test_settings;
use crate::pg::fresh_pg_database;

fn names(dir: &str) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !n.starts_with('.'))
            .collect();
    v.sort();
    v
}

#[test]
fn both_backends_have_the_same_migration_names() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for n in &sqlite {
        for dir in ["sqlite", "postgres"] {
            for f in ["up.sql", "down.sql"] {
                let p = format!("{}/migrations/{dir}/{n}/{f}", env!("CARGO_MANIFEST_DIR"));
                assert!(std::path::Path::new(&p).exists(), "{p} missing");
            }
        }
    }
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Item {
    #[diesel(sql_type = Text)]
    item: String,
}

/// Tables, columns and indexes, excluding diesel's own bookkeeping.
fn schema_snapshot(conn: &mut DbConn) -> Vec<String> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS item FROM sqlite_master \
             WHERE name NOT LIKE '__diesel%' AND name NOT LIKE 'sqlite_%'"
        }
        DbConn::Pg(_) => {
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
               || ' ' || COALESCE(column_default, '') AS item \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%' \
             UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename NOT LIKE '__diesel%' \
             UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace AND conname NOT LIKE '__diesel%'"
        }
    };
    let mut items: Vec<String> = diesel::sql_query(sql)
        .load::<Item>(conn)
        .unwrap()
        .into_iter()
        .map(|i| i.item)
        .collect();
    items.sort();
    items
}

/// Migrations that change rows, not the schema (their down.sql cannot
/// bring back what they rewrote, and need not: the rows stay valid).
const DATA_ONLY: &[&str] = &[
    // Unit names in sentence case ("Thành phố", issue 33).
    "20261209000016",
];

fn check_down_undoes_up(url: DatabaseUrl) {
    let settings = test_settings(Path::new("/nonexistent"), url);
    let mut conn = Manager::new(&settings).open().unwrap();
    let mut count = 0;
    loop {
        let before = schema_snapshot(&mut conn);
        let Some(version) = migrate::run_next(&mut conn).unwrap() else {
            break;
        };
        let after_up = schema_snapshot(&mut conn);
        if DATA_ONLY.contains(&version.to_string().as_str()) {
            assert_eq!(before, after_up, "{version} is listed as data only");
        } else {
            assert_ne!(before, after_up, "{version} changes nothing");
        }
        let reverted = migrate::revert_last(&mut conn).unwrap();
        assert_eq!(reverted, version);
        assert_eq!(
            schema_snapshot(&mut conn),
            before,
            "down.sql of {version} does not undo its up.sql"
        );
        // Apply it again to move on to the next one.
        assert_eq!(
            migrate::run_next(&mut conn).unwrap().as_deref(),
            Some(version.as_str())
        );
        count += 1;
    }
    assert_eq!(count, names("sqlite").len());
}

#[test]
fn down_undoes_up_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    check_down_undoes_up(DatabaseUrl::Sqlite(dir.path().join("m.db")));
}

#[test]
fn down_undoes_up_on_postgres() {
    if let Some(db) = fresh_pg_database() {
        check_down_undoes_up(DatabaseUrl::Postgres(db.url().to_string()));
    }
}

#[derive(QueryableByName, Debug)]
struct Moved {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    attendance_total: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    attendance_female: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    audience_estimate: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sessions: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    kept: i64,
}

/// Issue 31's migration: a stored broadcast's total becomes its audience
/// (its attendance goes, its version moves on), its identified participants
/// are kept and the migration's log lists it for an admin; other events
/// keep their figures, as one session each.
fn broadcasts_move_to_their_audience(url: DatabaseUrl) {
    let settings = test_settings(Path::new("/nonexistent"), url);
    let mut conn = Manager::new(&settings).open().unwrap();
    // Up to the accounts' single sign-on, the migration before issue 31's.
    while let Some(v) = migrate::run_next(&mut conn).unwrap() {
        if v.contains("000013") {
            break;
        }
    }
    for sql in [
        "INSERT INTO areas (id, code, name, name_folded, level, created_at) VALUES (1, '01234', 'Xã A', 'xa a', 'commune', '2025-01-01 00:00:00')",
        "INSERT INTO events (seq, id, agency_code, external_id, kind, title, start_date, end_date, area_id, attendance_total, \
         attendance_female, participants_identified, content_hash, group_seq, version, created_at, updated_at) VALUES \
         (1, 'b', 'police', 'b', 'media_broadcast', 'radio', '2024-03-01', '2024-03-01', 1, 5000, 2600, 1, 'h', 1, 3, \
          '2024-03-01 00:00:00', '2024-03-01 00:00:00'), \
         (2, 'c', 'police', 'c', 'training_class', 'class', '2024-03-01', '2024-03-01', 1, 40, 20, 1, 'h', 2, 1, \
          '2024-03-01 00:00:00', '2024-03-01 00:00:00')",
        "INSERT INTO participants (id, key) VALUES (1, 'k1')",
        "INSERT INTO event_participants (event_seq, participant_id) VALUES (1, 1), (2, 1)",
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    while migrate::run_next(&mut conn).unwrap().is_some() {}
    let rows: Vec<Moved> = diesel::sql_query(
        "SELECT attendance_total, attendance_female, audience_estimate, sessions, version, \
         (SELECT COUNT(*) FROM event_participants p WHERE p.event_seq = e.seq) AS kept FROM events e ORDER BY seq",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(
        (
            rows[0].attendance_total,
            rows[0].attendance_female,
            rows[0].audience_estimate
        ),
        (0, None, Some(5000))
    );
    assert_eq!((rows[0].sessions, rows[0].version, rows[0].kept), (1, 4, 1));
    assert_eq!(
        (
            rows[1].attendance_total,
            rows[1].attendance_female,
            rows[1].audience_estimate
        ),
        (40, Some(20), None)
    );
    assert_eq!((rows[1].sessions, rows[1].version, rows[1].kept), (1, 1, 1));
    let logged: Vec<Item> = diesel::sql_query(
        "SELECT entity_id || ' ' || before_json || ' ' || after_json AS item FROM audit_log \
         WHERE action = 'migrate_broadcast'",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    let entry = logged[0].item.replace(' ', "");
    assert!(entry.starts_with("b{"), "{entry}");
    assert!(
        entry.contains("\"total\":5000") && entry.contains("\"female\":2600"),
        "{entry}"
    );
    assert!(
        entry.contains("\"participants_kept_not_counted\":1"),
        "{entry}"
    );
}

#[test]
fn broadcasts_move_to_their_audience_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    broadcasts_move_to_their_audience(DatabaseUrl::Sqlite(dir.path().join("m.db")));
}

#[test]
fn broadcasts_move_to_their_audience_on_postgres() {
    if let Some(db) = fresh_pg_database() {
        broadcasts_move_to_their_audience(DatabaseUrl::Postgres(db.url().to_string()));
    }
}
