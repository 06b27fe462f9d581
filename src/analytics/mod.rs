//! Reach analytics over the identified people of a slice (the same slices,
//! real events and token rules as the aggregates):
//! - [`Overlap`]: people by the exact set of agencies whose real events
//!   they attended (a joint event counts for each confirmed organiser), and
//!   people reached by both agencies of each pair;
//! - [`Frequency`]: people by how many real events of the slice they attended.
//!
//! The reach index answers them from memory (`reach::analytics`); the SQL
//! path here is the reference and the answer while the index is built:
//! [`sql`] writes the statements over the aggregate statement's slice,
//! [`crate::db::analytics`] runs them. [`view`] writes the answers as JSON
//! or CSV (not for public tokens, which read publications).

pub mod sql;
pub mod view;

use std::collections::BTreeMap;

use crate::aggregates::Request;
use crate::db::DbConn;
use crate::db::analytics::{AnalyticsRow, load_rows};
use crate::error::ApiError;

/// The last frequency bucket: this many real events or more.
pub const EVENTS_AT_LEAST: i64 = 10;

/// People by the exact set of agencies that reached them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// Identified people of the slice.
    pub people: i64,
    /// Each set of agencies (codes in byte order) with its people, largest
    /// first, then by the codes; they partition `people`.
    pub combinations: Vec<(Vec<String>, i64)>,
}

/// People reached by both agencies of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The first agency (in byte order).
    pub a: String,
    /// The second agency.
    pub b: String,
    /// People reached by both (each at least once).
    pub both: i64,
}

impl Overlap {
    /// An answer from unordered combinations.
    pub fn new(people: i64, mut combinations: Vec<(Vec<String>, i64)>) -> Self {
        for (agencies, _) in &mut combinations {
            agencies.sort();
        }
        combinations.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        Overlap {
            people,
            combinations,
        }
    }

    /// Every pair of the agencies that reached anyone, with the people
    /// reached by both (0 included): largest first, then by the codes.
    pub fn pairs(&self) -> Vec<Pair> {
        let mut both: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        let mut agencies: Vec<&str> = self
            .combinations
            .iter()
            .flat_map(|(a, _)| a.iter().map(String::as_str))
            .collect();
        agencies.sort_unstable();
        agencies.dedup();
        for (i, a) in agencies.iter().enumerate() {
            for b in &agencies[i + 1..] {
                both.insert((a, b), 0);
            }
        }
        for (set, n) in &self.combinations {
            for (i, a) in set.iter().enumerate() {
                for b in &set[i + 1..] {
                    *both.entry((a, b)).or_default() += n;
                }
            }
        }
        let mut pairs: Vec<Pair> = both
            .into_iter()
            .map(|((a, b), both)| Pair {
                a: a.to_string(),
                b: b.to_string(),
                both,
            })
            .collect();
        pairs.sort_by(|x, y| {
            y.both
                .cmp(&x.both)
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        pairs
    }
}

/// People by how many real events of the slice they attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frequency {
    /// Identified people of the slice.
    pub people: i64,
    /// (real events, people who attended exactly that many), by events.
    pub histogram: Vec<(i64, i64)>,
}

impl Frequency {
    /// An answer from an unordered histogram.
    pub fn new(people: i64, mut histogram: Vec<(i64, i64)>) -> Self {
        histogram.retain(|(_, n)| *n > 0);
        histogram.sort_unstable();
        Frequency { people, histogram }
    }

    /// People who attended 1, 2, ... 9 real events, then 10 or more.
    pub fn buckets(&self) -> Vec<(i64, i64)> {
        (1..=EVENTS_AT_LEAST)
            .map(|b| {
                let n = self
                    .histogram
                    .iter()
                    .filter(|(e, _)| *e == b || (b == EVENTS_AT_LEAST && *e > b))
                    .map(|(_, n)| n)
                    .sum();
                (b, n)
            })
            .collect()
    }

    /// Real events per person, on average (None without people).
    pub fn mean(&self) -> Option<f64> {
        let attended: i64 = self.histogram.iter().map(|(e, n)| e * n).sum();
        (self.people > 0).then(|| attended as f64 / self.people as f64)
    }
}

/// Runs the statement `build` writes for the request (on its backend, with
/// the units its area filter names); returns the slice's people and the rows.
fn run(
    conn: &mut DbConn,
    request: &Request,
    build: fn(bool, &Request, Option<&[i64]>) -> crate::aggregates::sql::Statement,
) -> Result<(i64, Vec<AnalyticsRow>), ApiError> {
    let ids = crate::aggregates::area_ids(conn, &request.filters)?;
    let statement = build(crate::db::is_postgres(conn), request, ids.as_deref());
    let rows = load_rows(conn, &statement.text, &statement.binds)?;
    let people = rows
        .iter()
        .find(|r| r.part == sql::PEOPLE)
        .map_or(0, |r| r.people);
    Ok((people, rows))
}

/// The overlap between agencies, computed in the database.
pub fn overlap(conn: &mut DbConn, request: &Request) -> Result<Overlap, ApiError> {
    let (people, rows) = run(conn, request, sql::overlap)?;
    let combinations = rows
        .into_iter()
        .filter(|r| r.part == sql::COMBINATION)
        .map(|r| {
            let set = r.key.unwrap_or_default();
            (set.split(',').map(str::to_string).collect(), r.people)
        })
        .collect();
    Ok(Overlap::new(people, combinations))
}

/// How often people were reached, computed in the database.
pub fn frequency(conn: &mut DbConn, request: &Request) -> Result<Frequency, ApiError> {
    let (people, rows) = run(conn, request, sql::frequency)?;
    let histogram = rows
        .into_iter()
        .filter(|r| r.part == sql::BUCKET)
        .map(|r| (r.events.unwrap_or(0), r.people))
        .collect();
    Ok(Frequency::new(people, histogram))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pairs_add_up_the_combinations_holding_both() {
        let o = Overlap::new(
            10,
            vec![
                (set(&["police"]), 4),
                (set(&["womens-union", "police"]), 3),
                (set(&["labour", "police", "womens-union"]), 2),
                (set(&["labour"]), 1),
            ],
        );
        assert_eq!(o.combinations[1].0, set(&["police", "womens-union"]));
        let pairs: Vec<(String, String, i64)> =
            o.pairs().into_iter().map(|p| (p.a, p.b, p.both)).collect();
        assert_eq!(
            pairs,
            vec![
                ("police".into(), "womens-union".into(), 5),
                ("labour".into(), "police".into(), 2),
                ("labour".into(), "womens-union".into(), 2),
            ]
        );
    }

    #[test]
    fn buckets_close_with_ten_or_more() {
        let f = Frequency::new(7, vec![(12, 1), (1, 3), (2, 2), (10, 1), (4, 0)]);
        let b = f.buckets();
        assert_eq!(b.len(), 10);
        assert_eq!(b[0], (1, 3));
        assert_eq!(b[1], (2, 2));
        assert_eq!(b[3], (4, 0));
        assert_eq!(b[9], (10, 2));
        assert_eq!(f.mean(), Some((3.0 + 4.0 + 10.0 + 12.0) / 7.0));
        assert_eq!(Frequency::new(0, vec![]).mean(), None);
    }
}
