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
        assert_ne!(before, after_up, "{version} changes nothing");
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
