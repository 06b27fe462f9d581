//! The reach analytics as JSON and CSV, with small-cell suppression for
//! public tokens: a count from 1 to k-1 is suppressed, and so is what would
//! reveal it by subtraction (the next smallest cell of a partition, a pair
//! that a suppressed combination is part of, the mean when a bucket is
//! suppressed).

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::{EVENTS_AT_LEAST, Frequency, Overlap};
use crate::aggregates::suppress::{small, with_complement};
use crate::aggregates::{Engine, Filters};
use crate::error::ApiError;

/// What a reach analytics answer covers and how it was computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReachMeta {
    /// The slice.
    pub filters: Filters,
    /// When the answer was computed.
    pub generated_at: chrono::DateTime<Utc>,
    /// Which engine computed it: `index` (the in-memory reach index) or
    /// `sql` (the database; while the index is being built, or with
    /// `AGGREGATES_ENGINE=sql`). Both give the same figures.
    pub engine: Engine,
    /// For public tokens: the smallest published count, and what was suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<CellSuppression>,
}

/// Small-cell suppression applied to a public token's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CellSuppression {
    /// Counts from 1 to k-1 are suppressed.
    pub k: i64,
    /// Cells suppressed (combinations and pairs, or buckets).
    pub cells_suppressed: usize,
    /// Whether the slice's number of people is suppressed.
    pub people_suppressed: bool,
}

/// One exact set of agencies and the people it reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct Combination {
    /// The agencies (codes in byte order) whose real events these people
    /// attended: all of them, and no other.
    pub agencies: Vec<String>,
    /// People reached by exactly these agencies (null when suppressed).
    pub people: Option<i64>,
    /// True (public tokens only) when the count is suppressed.
    pub suppressed: bool,
}

/// Two agencies and the people both reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairView {
    /// One agency.
    pub a: String,
    /// The other (after `a` in byte order).
    pub b: String,
    /// People reached by both, each at least once (null when suppressed).
    pub both: Option<i64>,
    /// True (public tokens only) when the count is suppressed.
    pub suppressed: bool,
}

/// The overlap between agencies.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "people": 1000,
    "combinations": [
        {"agencies": ["police"], "people": 520, "suppressed": false},
        {"agencies": ["womens-union"], "people": 300, "suppressed": false},
        {"agencies": ["police", "womens-union"], "people": 180, "suppressed": false}
    ],
    "pairs": [{"a": "police", "b": "womens-union", "both": 180, "suppressed": false}],
    "meta": {"filters": {"from": "2024-01-01", "to": "2024-12-31", "agency": [], "kind": null,
        "topic": null, "target_group": null, "area": null, "areas": "as_recorded"},
        "generated_at": "2026-12-05T10:00:00Z", "engine": "index"}
}))]
pub struct OverlapAnswer {
    /// Identified people of the slice (null when suppressed).
    pub people: Option<i64>,
    /// People by the exact set of agencies that reached them, largest
    /// first: they add up to `people`.
    pub combinations: Vec<Combination>,
    /// Every pair of the agencies that reached anyone, with the people
    /// reached by both (0 included), largest first.
    pub pairs: Vec<PairView>,
    /// The slice and the engine.
    pub meta: ReachMeta,
}

/// People who attended a number of real events.
#[derive(Debug, Serialize, ToSchema)]
pub struct Bucket {
    /// Exactly this many real events (buckets 1 to 9).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<i64>,
    /// This many real events or more (the last bucket, 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_at_least: Option<i64>,
    /// People (null when suppressed).
    pub people: Option<i64>,
    /// True (public tokens only) when the count is suppressed.
    pub suppressed: bool,
}

/// How often people were reached.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "people": 1000,
    "buckets": [
        {"events": 1, "people": 610, "suppressed": false},
        {"events": 2, "people": 200, "suppressed": false},
        {"events": 3, "people": 90, "suppressed": false},
        {"events": 4, "people": 40, "suppressed": false},
        {"events": 5, "people": 20, "suppressed": false},
        {"events": 6, "people": 15, "suppressed": false},
        {"events": 7, "people": 10, "suppressed": false},
        {"events": 8, "people": 5, "suppressed": false},
        {"events": 9, "people": 0, "suppressed": false},
        {"events_at_least": 10, "people": 10, "suppressed": false}
    ],
    "mean_events_per_person": 1.83,
    "meta": {"filters": {"from": null, "to": null, "agency": [], "kind": null,
        "topic": null, "target_group": null, "area": null, "areas": "as_recorded"},
        "generated_at": "2026-12-05T10:00:00Z", "engine": "index"}
}))]
pub struct FrequencyAnswer {
    /// Identified people of the slice (null when suppressed).
    pub people: Option<i64>,
    /// People by the number of real events of the slice they attended: 1
    /// to 9, then 10 or more; they add up to `people`.
    pub buckets: Vec<Bucket>,
    /// Real events attended per person, on average (null without people,
    /// or when a bucket is suppressed, since it would reveal it).
    pub mean_events_per_person: Option<f64>,
    /// The slice and the engine.
    pub meta: ReachMeta,
}

fn meta(filters: Filters, engine: Engine, suppression: Option<CellSuppression>) -> ReachMeta {
    ReachMeta {
        filters,
        generated_at: Utc::now(),
        engine,
        suppression,
    }
}

/// Cells of a partition to suppress: the small ones, and the next smallest
/// non-zero one when only one is small.
fn partition(counts: &[i64], k: i64) -> Vec<bool> {
    with_complement(counts.iter().map(|n| small(*n, k)).collect(), |i| {
        (if counts[i] == 0 { i64::MAX } else { counts[i] }, 0)
    })
}

impl OverlapAnswer {
    /// The view of `o`; `k`: suppress small cells (public tokens).
    pub fn new(o: &Overlap, filters: Filters, engine: Engine, k: Option<i64>) -> Self {
        let counts: Vec<i64> = o.combinations.iter().map(|c| c.1).collect();
        let hidden = k.map_or_else(|| vec![false; counts.len()], |k| partition(&counts, k));
        let pairs: Vec<PairView> = o
            .pairs()
            .into_iter()
            .map(|p| {
                // A pair is the sum of the combinations holding both.
                let suppressed = k.is_some_and(|k| {
                    small(p.both, k)
                        || o.combinations
                            .iter()
                            .zip(&hidden)
                            .any(|((set, _), h)| *h && set.contains(&p.a) && set.contains(&p.b))
                });
                PairView {
                    both: (!suppressed).then_some(p.both),
                    a: p.a,
                    b: p.b,
                    suppressed,
                }
            })
            .collect();
        let people_hidden = k.is_some_and(|k| small(o.people, k));
        let suppression = k.map(|k| CellSuppression {
            k,
            cells_suppressed: hidden.iter().filter(|h| **h).count()
                + pairs.iter().filter(|p| p.suppressed).count(),
            people_suppressed: people_hidden,
        });
        OverlapAnswer {
            people: (!people_hidden).then_some(o.people),
            combinations: o
                .combinations
                .iter()
                .zip(&hidden)
                .map(|((agencies, n), h)| Combination {
                    agencies: agencies.clone(),
                    people: (!h).then_some(*n),
                    suppressed: *h,
                })
                .collect(),
            pairs,
            meta: meta(filters, engine, suppression),
        }
    }

    /// As CSV: `row_type` (`combination`, `pair`, then one `total`),
    /// `agencies` (`;`-separated; `TOTAL` on the total line), `people`
    /// (for a pair: reached by both) and `suppressed`.
    pub fn to_csv(&self) -> Result<String, ApiError> {
        let mut lines = vec![[
            "row_type".to_string(),
            "agencies".into(),
            "people".into(),
            "suppressed".into(),
        ]];
        let num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        for c in &self.combinations {
            lines.push([
                "combination".into(),
                c.agencies.join(";"),
                num(c.people),
                c.suppressed.to_string(),
            ]);
        }
        for p in &self.pairs {
            lines.push([
                "pair".into(),
                format!("{};{}", p.a, p.b),
                num(p.both),
                p.suppressed.to_string(),
            ]);
        }
        lines.push([
            "total".into(),
            "TOTAL".into(),
            num(self.people),
            self.people.is_none().to_string(),
        ]);
        write(lines)
    }
}

impl FrequencyAnswer {
    /// The view of `f`; `k`: suppress small cells (public tokens).
    pub fn new(f: &Frequency, filters: Filters, engine: Engine, k: Option<i64>) -> Self {
        let buckets = f.buckets();
        let counts: Vec<i64> = buckets.iter().map(|b| b.1).collect();
        let hidden = k.map_or_else(|| vec![false; counts.len()], |k| partition(&counts, k));
        let people_hidden = k.is_some_and(|k| small(f.people, k));
        let any_hidden = people_hidden || hidden.iter().any(|h| *h);
        FrequencyAnswer {
            people: (!people_hidden).then_some(f.people),
            buckets: buckets
                .iter()
                .zip(&hidden)
                .map(|((events, n), h)| Bucket {
                    events: (*events < EVENTS_AT_LEAST).then_some(*events),
                    events_at_least: (*events == EVENTS_AT_LEAST).then_some(*events),
                    people: (!h).then_some(*n),
                    suppressed: *h,
                })
                .collect(),
            mean_events_per_person: if any_hidden { None } else { f.mean() },
            meta: meta(
                filters,
                engine,
                k.map(|k| CellSuppression {
                    k,
                    cells_suppressed: hidden.iter().filter(|h| **h).count(),
                    people_suppressed: people_hidden,
                }),
            ),
        }
    }

    /// As CSV: `row_type` (`bucket`, then one `total`), `events` (a
    /// bucket's exact number), `events_at_least` (the last bucket's),
    /// `people`, `mean_events_per_person` (on the total line) and `suppressed`.
    pub fn to_csv(&self) -> Result<String, ApiError> {
        let num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let mut lines = vec![[
            "row_type".to_string(),
            "events".into(),
            "events_at_least".into(),
            "people".into(),
            "mean_events_per_person".into(),
            "suppressed".into(),
        ]];
        for b in &self.buckets {
            lines.push([
                "bucket".into(),
                num(b.events),
                num(b.events_at_least),
                num(b.people),
                String::new(),
                b.suppressed.to_string(),
            ]);
        }
        lines.push([
            "total".into(),
            String::new(),
            String::new(),
            num(self.people),
            self.mean_events_per_person
                .map(|m| format!("{m:.4}"))
                .unwrap_or_default(),
            self.people.is_none().to_string(),
        ]);
        write(lines)
    }
}

/// Writes CSV lines (every cell is a code, a number or a boolean: nothing
/// a spreadsheet would run).
fn write<const N: usize>(lines: Vec<[String; N]>) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for l in lines {
        w.write_record(&l)
            .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))?;
    }
    crate::aggregates::csv::finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_small_combination_hides_the_next_and_the_pairs_it_is_part_of() {
        let o = Overlap::new(
            133,
            vec![
                (set(&["police"]), 100),
                (set(&["police", "womens-union"]), 3),
                (set(&["womens-union"]), 30),
            ],
        );
        let v = OverlapAnswer::new(&o, Filters::default(), Engine::Sql, Some(5));
        let hidden: Vec<bool> = v.combinations.iter().map(|c| c.suppressed).collect();
        assert_eq!(hidden, vec![false, true, true]);
        assert_eq!(v.pairs.len(), 1);
        assert!(v.pairs[0].suppressed && v.pairs[0].both.is_none());
        assert_eq!(v.people, Some(133));
        let open = OverlapAnswer::new(&o, Filters::default(), Engine::Sql, None);
        assert_eq!(open.pairs[0].both, Some(3));
        let csv = open.to_csv().unwrap();
        assert!(
            csv.contains("combination,police;womens-union,3,false"),
            "{csv}"
        );
        assert!(csv.contains("pair,police;womens-union,3,false"), "{csv}");
        assert!(csv.ends_with("total,TOTAL,133,false\n"), "{csv}");
    }

    #[test]
    fn a_small_bucket_hides_the_next_nonzero_one_and_the_mean() {
        let f = Frequency::new(62, vec![(1, 50), (2, 10), (3, 2)]);
        let v = FrequencyAnswer::new(&f, Filters::default(), Engine::Index, Some(5));
        let hidden: Vec<bool> = v.buckets.iter().map(|b| b.suppressed).collect();
        let mut expected = vec![false; 10];
        expected[1] = true;
        expected[2] = true;
        assert_eq!(hidden, expected, "zero buckets do not protect anything");
        assert_eq!(v.mean_events_per_person, None);
        let open = FrequencyAnswer::new(&f, Filters::default(), Engine::Index, None);
        assert_eq!(open.buckets[9].events_at_least, Some(10));
        let csv = open.to_csv().unwrap();
        assert!(csv.contains("bucket,,10,0,,false"), "{csv}");
        assert!(csv.ends_with("total,,,62,1.2258,false\n"), "{csv}");
    }
}
