//! The area tables: units (`areas`) and successor links (`area_successors`).
//!
//! Every unit stores its ancestor at each level, itself included
//! ([`ANCESTOR_COLUMNS`]), so "a unit and everything below it" is one
//! indexed comparison per column: [`ids_at_or_below`] for diesel queries,
//! [`at_or_below_sql`] for hand-written SQL.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{area_successors, areas};

/// The columns holding a unit's ancestor at each level (itself included at
/// its own level), top down: the unit with id X and everything below it are
/// the rows with X in its own id column or in one of these.
pub const ANCESTOR_COLUMNS: [&str; 3] = ["province_id", "district_id", "commune_id"];

/// A stored unit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = areas)]
pub struct AreaRow {
    /// Surrogate id.
    pub id: i64,
    /// Official code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// [`fold`](crate::areas::fold) of the name.
    pub name_folded: String,
    /// `province`, `district`, `commune` or `village`.
    pub level: String,
    /// Parent unit.
    pub parent_id: Option<i64>,
    /// Province ancestor (self for a province).
    pub province_id: Option<i64>,
    /// District ancestor (self for a district).
    pub district_id: Option<i64>,
    /// Commune ancestor (self for a commune).
    pub commune_id: Option<i64>,
    /// The unit valid today this one maps to.
    pub current_id: Option<i64>,
    /// First valid day.
    pub valid_from: Option<NaiveDate>,
    /// Last valid day.
    pub valid_until: Option<NaiveDate>,
    /// Created (UTC).
    pub created_at: NaiveDateTime,
}

/// The derived columns of one unit: its ancestors and its current unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Derived {
    /// Province ancestor.
    pub province_id: Option<i64>,
    /// District ancestor.
    pub district_id: Option<i64>,
    /// Commune ancestor.
    pub commune_id: Option<i64>,
    /// The unit valid today it maps to.
    pub current_id: Option<i64>,
}

impl Derived {
    /// The derived columns as stored in `r`.
    pub fn of(r: &AreaRow) -> Self {
        Self {
            province_id: r.province_id,
            district_id: r.district_id,
            commune_id: r.commune_id,
            current_id: r.current_id,
        }
    }

    /// Sets the derived columns of `r`.
    pub fn set_on(&self, r: &mut AreaRow) {
        r.province_id = self.province_id;
        r.district_id = self.district_id;
        r.commune_id = self.commune_id;
        r.current_id = self.current_id;
    }
}

/// Filters of the unit list, as the table holds them.
#[derive(Debug, Clone, Copy)]
pub struct ListFilter<'a> {
    /// Units valid on this day.
    pub on: NaiveDate,
    /// Direct children of this unit.
    pub parent_id: Option<i64>,
    /// Units of this stored level.
    pub level: Option<&'a str>,
    /// Units whose folded name contains this (already folded) text.
    pub folded_query: Option<&'a str>,
    /// Units with a code after this one.
    pub after_code: Option<&'a str>,
}

/// Rows per multi-row `INSERT`, ids per `IN` list (well under both
/// backends' bind limits).
const CHUNK: usize = 500;

/// The ids of the units `ids` and of every unit below them, as a subquery
/// for `column.eq_any(..)`: the one definition of "at or below". Not boxed,
/// because a boxed subquery cannot run on a `MultiConnection`.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn ids_at_or_below(ids: &[i64]) -> _ {
    let own: Vec<i64> = ids.to_vec();
    let province: Vec<i64> = ids.to_vec();
    let district: Vec<i64> = ids.to_vec();
    let commune: Vec<i64> = ids.to_vec();
    areas::table
        .filter(
            areas::id
                .eq_any(own)
                .or(areas::province_id.eq_any(province))
                .or(areas::district_id.eq_any(district))
                .or(areas::commune_id.eq_any(commune)),
        )
        .select(areas::id)
}

/// The same condition for hand-written SQL: `alias.id_column IN (..) OR
/// alias.province_id IN (..) OR ..`, where `id_column` holds the unit's own
/// id (`id` on `areas`, e.g. `area_id` elsewhere) and `in_list` returns
/// the placeholders of the ids (called once per column, so that each
/// column can bind its own).
pub fn at_or_below_sql(
    alias: &str,
    id_column: &str,
    mut in_list: impl FnMut() -> String,
) -> String {
    std::iter::once(id_column)
        .chain(ANCESTOR_COLUMNS)
        .map(|col| format!("{alias}.{col} IN ({})", in_list()))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Ids of the given units and of every unit below them, in id order: what
/// [`ids_at_or_below`] selects, loaded (the import template lists them; the
/// tests check that definition with it).
pub fn ids_below(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ids_at_or_below(ids).order(areas::id).load(conn)
}

/// Every unit that ever had `code` (all periods).
pub fn with_code(conn: &mut DbConn, code: &str) -> QueryResult<Vec<AreaRow>> {
    areas::table
        .filter(areas::code.eq(code))
        .select(AreaRow::as_select())
        .load(conn)
}

/// Every unit that ever had one of `codes` (at most 500 codes).
pub fn with_codes(conn: &mut DbConn, codes: &[&str]) -> QueryResult<Vec<AreaRow>> {
    areas::table
        .filter(areas::code.eq_any(codes))
        .select(AreaRow::as_select())
        .load(conn)
}

/// The unit with `code` whose first valid day is `from` (`None`: open).
pub fn with_code_from(
    conn: &mut DbConn,
    code: &str,
    from: Option<NaiveDate>,
) -> QueryResult<AreaRow> {
    let q = areas::table
        .filter(areas::code.eq(code))
        .select(AreaRow::as_select())
        .into_boxed();
    let q = match from {
        None => q.filter(areas::valid_from.is_null()),
        Some(d) => q.filter(areas::valid_from.eq(d)),
    };
    q.first(conn)
}

/// Ids of every unit that ever had `code`, in id order.
pub fn ids_with_code(conn: &mut DbConn, code: &str) -> QueryResult<Vec<i64>> {
    areas::table
        .filter(areas::code.eq(code))
        .order(areas::id)
        .select(areas::id)
        .load(conn)
}

/// Units by id, in id order.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<AreaRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    areas::table
        .filter(areas::id.eq_any(ids))
        .order(areas::id)
        .select(AreaRow::as_select())
        .load(conn)
}

/// Codes of the units `ids`, in one query per 500 ids.
pub fn codes_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = areas::table
            .filter(areas::id.eq_any(chunk))
            .select((areas::id, areas::code))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Every stored unit.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<AreaRow>> {
    areas::table.select(AreaRow::as_select()).load(conn)
}

/// Number of stored units (every period).
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    areas::table.count().get_result(conn)
}

/// Units matching the filter, by code, at most `limit`.
pub fn list(conn: &mut DbConn, f: &ListFilter<'_>, limit: i64) -> QueryResult<Vec<AreaRow>> {
    let mut q = areas::table
        .select(AreaRow::as_select())
        .filter(areas::valid_from.is_null().or(areas::valid_from.le(f.on)))
        .filter(areas::valid_until.is_null().or(areas::valid_until.ge(f.on)))
        .into_boxed();
    if let Some(p) = f.parent_id {
        q = q.filter(areas::parent_id.eq(p));
    }
    if let Some(l) = f.level {
        q = q.filter(areas::level.eq(l.to_string()));
    }
    if let Some(text) = f.folded_query {
        let escaped: String = text
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        q = q.filter(areas::name_folded.like(format!("%{escaped}%")).escape('\\'));
    }
    if let Some(after) = f.after_code {
        q = q.filter(areas::code.gt(after.to_string()));
    }
    q.order(areas::code).limit(limit).load(conn)
}

/// Changes a stored unit's name, folded name, parent and end date to those of `r`.
pub fn update_unit(conn: &mut DbConn, r: &AreaRow) -> QueryResult<usize> {
    diesel::update(areas::table.filter(areas::id.eq(r.id)))
        .set((
            areas::name.eq(&r.name),
            areas::name_folded.eq(&r.name_folded),
            areas::parent_id.eq(r.parent_id),
            areas::valid_until.eq(r.valid_until),
        ))
        .execute(conn)
}

/// Writes the derived columns of the given units, in multi-row statements.
pub fn update_derived(conn: &mut DbConn, rows: &[(i64, Derived)]) -> QueryResult<()> {
    // Large statements: PostgreSQL joins each one's VALUES with the table.
    for chunk in rows.chunks(5000) {
        conn.batch_execute(&bulk_update_sql(chunk))?;
    }
    Ok(())
}

/// `UPDATE areas ... FROM (VALUES ...)`: portable between SQLite (3.33+) and
/// PostgreSQL, whose `VALUES` columns are both named `column1`, `column2`...
/// Every value is an id read from the database, so nothing is interpolated
/// from user input.
fn bulk_update_sql(rows: &[(i64, Derived)]) -> String {
    let id =
        |v: Option<i64>| v.map_or_else(|| "CAST(NULL AS BIGINT)".to_string(), |v| v.to_string());
    let values: Vec<String> = rows
        .iter()
        .map(|(i, d)| {
            format!(
                "({i}, {}, {}, {}, {})",
                id(d.province_id),
                id(d.district_id),
                id(d.commune_id),
                id(d.current_id)
            )
        })
        .collect();
    format!(
        "UPDATE areas SET province_id = v.column2, district_id = v.column3, \
         commune_id = v.column4, current_id = v.column5 \
         FROM (VALUES {}) AS v WHERE areas.id = v.column1",
        values.join(", ")
    )
}

#[derive(Insertable)]
#[diesel(table_name = areas, treat_none_as_default_value = false)]
struct InsertArea<'a> {
    id: i64,
    code: &'a str,
    name: &'a str,
    name_folded: &'a str,
    level: &'a str,
    parent_id: Option<i64>,
    province_id: Option<i64>,
    district_id: Option<i64>,
    commune_id: Option<i64>,
    current_id: Option<i64>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl<'a> From<&'a AreaRow> for InsertArea<'a> {
    fn from(r: &'a AreaRow) -> Self {
        Self {
            id: r.id,
            code: &r.code,
            name: &r.name,
            name_folded: &r.name_folded,
            level: &r.level,
            parent_id: r.parent_id,
            province_id: r.province_id,
            district_id: r.district_id,
            commune_id: r.commune_id,
            current_id: r.current_id,
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            created_at: r.created_at,
        }
    }
}

/// Inserts units with their ids (from [`next_ids`]), by multi-row `INSERT`s
/// of at most 500 rows; `progress(n)` after each with the rows written so far.
/// Diesel's `MultiConnection` has no batch insert of its own, so each
/// statement runs on the backend's connection.
pub fn insert_units(
    conn: &mut DbConn,
    rows: &[AreaRow],
    progress: &dyn Fn(u64),
) -> QueryResult<()> {
    in_chunks(rows, progress, |chunk| {
        let batch: Vec<InsertArea<'_>> = chunk.iter().map(InsertArea::from).collect();
        crate::on_both!(&mut *conn, |c| diesel::insert_into(areas::table)
            .values(&batch)
            .execute(c))
    })
}

/// Runs `write` on chunks of at most [`CHUNK`] items, calling `progress`
/// with the number written so far after each.
fn in_chunks<T>(
    items: &[T],
    progress: &dyn Fn(u64),
    mut write: impl FnMut(&[T]) -> QueryResult<usize>,
) -> QueryResult<()> {
    let mut done = 0;
    for chunk in items.chunks(CHUNK) {
        write(chunk)?;
        done += chunk.len() as u64;
        progress(done);
    }
    Ok(())
}

/// `n` fresh ids for `areas`, taken before inserting so that rows can refer
/// to each other (and to themselves) in one multi-row `INSERT`. On SQLite
/// the caller holds the write lock (`BEGIN IMMEDIATE`), so nobody else
/// allocates meanwhile; on PostgreSQL the ids come from the column's sequence.
pub fn next_ids(conn: &mut DbConn, n: usize) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    match conn {
        DbConn::Pg(c) => Ok(diesel::sql_query(format!(
            "SELECT nextval(pg_get_serial_sequence('areas', 'id')) AS id \
             FROM generate_series(1, {n}) ORDER BY 1"
        ))
        .load::<Id>(c)?
        .into_iter()
        .map(|r| r.id)
        .collect()),
        DbConn::Sqlite(c) => {
            // AUTOINCREMENT never reuses an id, even of a deleted row.
            let last = diesel::sql_query(
                "SELECT COALESCE(MAX(id), 0) AS id FROM (SELECT MAX(id) AS id FROM areas \
                 UNION ALL SELECT seq AS id FROM sqlite_sequence WHERE name = 'areas')",
            )
            .get_result::<Id>(c)?
            .id;
            Ok((1..=n as i64).map(|k| last + k).collect())
        }
    }
}

/// A successor link: old unit, new unit, whether it is the default.
pub type Link = (i64, i64, bool);

/// Successors (`forward`) or predecessors of unit `id`, with their default flag.
pub fn links_of(conn: &mut DbConn, id: i64, forward: bool) -> QueryResult<Vec<(i64, bool)>> {
    let pairs: Vec<(i64, i32)> = if forward {
        area_successors::table
            .filter(area_successors::old_id.eq(id))
            .select((area_successors::new_id, area_successors::is_default))
            .load(conn)?
    } else {
        area_successors::table
            .filter(area_successors::new_id.eq(id))
            .select((area_successors::old_id, area_successors::is_default))
            .load(conn)?
    };
    Ok(pairs.into_iter().map(|(i, d)| (i, d != 0)).collect())
}

/// Every default successor link, old id -> new id.
pub fn default_successors(conn: &mut DbConn) -> QueryResult<HashMap<i64, i64>> {
    Ok(area_successors::table
        .filter(area_successors::is_default.eq(1))
        .select((area_successors::old_id, area_successors::new_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Every successor link.
pub fn all_links(conn: &mut DbConn) -> QueryResult<Vec<Link>> {
    Ok(area_successors::table
        .select((
            area_successors::old_id,
            area_successors::new_id,
            area_successors::is_default,
        ))
        .load::<(i64, i64, i32)>(conn)?
        .into_iter()
        .map(|(old, new, def)| (old, new, def != 0))
        .collect())
}

/// Sets the default flag of the link `old` -> `new`.
pub fn set_link_default(
    conn: &mut DbConn,
    old: i64,
    new: i64,
    default: bool,
) -> QueryResult<usize> {
    diesel::update(
        area_successors::table
            .filter(area_successors::old_id.eq(old))
            .filter(area_successors::new_id.eq(new)),
    )
    .set(area_successors::is_default.eq(i32::from(default)))
    .execute(conn)
}

/// Removes the link `old` -> `new`.
pub fn delete_link(conn: &mut DbConn, old: i64, new: i64) -> QueryResult<usize> {
    diesel::delete(
        area_successors::table
            .filter(area_successors::old_id.eq(old))
            .filter(area_successors::new_id.eq(new)),
    )
    .execute(conn)
}

#[derive(Insertable)]
#[diesel(table_name = area_successors)]
struct InsertLink {
    old_id: i64,
    new_id: i64,
    is_default: i32,
}

/// Inserts links by multi-row `INSERT`s of at most 500 rows (see
/// [`insert_units`]); `progress(n)` after each with the links written so far.
pub fn insert_links(conn: &mut DbConn, links: &[Link], progress: &dyn Fn(u64)) -> QueryResult<()> {
    in_chunks(links, progress, |chunk| {
        let batch: Vec<InsertLink> = chunk
            .iter()
            .map(|&(old_id, new_id, default)| InsertLink {
                old_id,
                new_id,
                is_default: i32::from(default),
            })
            .collect();
        crate::on_both!(&mut *conn, |c| diesel::insert_into(area_successors::table)
            .values(&batch)
            .execute(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_or_below_sql_names_the_unit_and_each_ancestor_column() {
        let mut n = 0;
        let sql = at_or_below_sql("ev", "area_id", || {
            n += 1;
            format!("${n}")
        });
        assert_eq!(
            sql,
            "ev.area_id IN ($1) OR ev.province_id IN ($2) OR ev.district_id IN ($3) \
             OR ev.commune_id IN ($4)"
        );
    }
}
