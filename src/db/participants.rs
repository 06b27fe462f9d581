//! Pseudonymous participants: one row per keyed hash, never a raw identifier.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConn;
use super::schema::participants;

/// Returns the participant id of every key, creating missing ones. Known
/// keys are looked up first and only new ones inserted (with the backend's
/// "insert or ignore" for a concurrent insert of the same key), so
/// re-posting people never burns sequence values (issue 29: a nightly
/// re-sync would otherwise run ids past 2^32).
pub fn ids(conn: &mut DbConn, keys: &[String]) -> QueryResult<HashMap<String, i64>> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(2000) {
        let found: Vec<(i64, String)> = participants::table
            .filter(participants::key.eq_any(chunk))
            .select((participants::id, participants::key))
            .load(conn)?;
        out.extend(found.into_iter().map(|(id, k)| (k, id)));
        let new: Vec<&String> = chunk.iter().filter(|k| !out.contains_key(*k)).collect();
        if new.is_empty() {
            continue;
        }
        let rows: Vec<_> = new.iter().map(|k| participants::key.eq(*k)).collect();
        crate::on_both!(&mut *conn, |c| diesel::insert_into(participants::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c))?;
        let created: Vec<(i64, String)> = participants::table
            .filter(participants::key.eq_any(&new))
            .select((participants::id, participants::key))
            .load(conn)?;
        out.extend(created.into_iter().map(|(id, k)| (k, id)));
    }
    Ok(out)
}
