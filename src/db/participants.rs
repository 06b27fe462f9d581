//! Pseudonymous participants: one row per keyed hash, never a raw identifier.

use std::collections::HashMap;

use diesel::prelude::*;

use super::DbConn;
use super::schema::participants;

/// Returns the participant id of every key, creating missing ones. Keys are
/// inserted in sets with the backend's "insert or ignore".
pub fn ids(conn: &mut DbConn, keys: &[String]) -> QueryResult<HashMap<String, i64>> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(2000) {
        let rows: Vec<_> = chunk.iter().map(|k| participants::key.eq(k)).collect();
        crate::on_both!(&mut *conn, |c| diesel::insert_into(participants::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c))?;
        let found: Vec<(i64, String)> = participants::table
            .filter(participants::key.eq_any(chunk))
            .select((participants::id, participants::key))
            .load(conn)?;
        out.extend(found.into_iter().map(|(id, k)| (k, id)));
    }
    Ok(out)
}
