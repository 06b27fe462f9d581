//! The reach analytics as JSON and CSV. (Public tokens, whose small cells
//! were withheld here, read publications instead; the `suppressed` fields
//! stay, always false, so that existing clients keep working.)

use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

use super::{EVENTS_AT_LEAST, Frequency, Overlap};
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
}

/// One exact set of agencies and the people it reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct Combination {
    /// The agencies (codes in byte order) whose real events these people
    /// attended: all of them, and no other.
    pub agencies: Vec<String>,
    /// People reached by exactly these agencies.
    pub people: Option<i64>,
    /// Always false (kept for existing clients).
    pub suppressed: bool,
}

/// Two agencies and the people both reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairView {
    /// One agency.
    pub a: String,
    /// The other (after `a` in byte order).
    pub b: String,
    /// People reached by both, each at least once.
    pub both: Option<i64>,
    /// Always false (kept for existing clients).
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
    /// Identified people of the slice.
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
    /// People.
    pub people: Option<i64>,
    /// Always false (kept for existing clients).
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
    /// Identified people of the slice.
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

fn meta(filters: Filters, engine: Engine) -> ReachMeta {
    ReachMeta {
        filters,
        generated_at: Utc::now(),
        engine,
    }
}

impl OverlapAnswer {
    /// The view of `o`.
    pub fn new(o: &Overlap, filters: Filters, engine: Engine) -> Self {
        OverlapAnswer {
            people: Some(o.people),
            combinations: o
                .combinations
                .iter()
                .map(|(agencies, n)| Combination {
                    agencies: agencies.clone(),
                    people: Some(*n),
                    suppressed: false,
                })
                .collect(),
            pairs: o
                .pairs()
                .into_iter()
                .map(|p| PairView {
                    both: Some(p.both),
                    a: p.a,
                    b: p.b,
                    suppressed: false,
                })
                .collect(),
            meta: meta(filters, engine),
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
    /// The view of `f`.
    pub fn new(f: &Frequency, filters: Filters, engine: Engine) -> Self {
        FrequencyAnswer {
            people: Some(f.people),
            buckets: f
                .buckets()
                .iter()
                .map(|(events, n)| Bucket {
                    events: (*events < EVENTS_AT_LEAST).then_some(*events),
                    events_at_least: (*events == EVENTS_AT_LEAST).then_some(*events),
                    people: Some(*n),
                    suppressed: false,
                })
                .collect(),
            mean_events_per_person: f.mean(),
            meta: meta(filters, engine),
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
    fn overlap_csv_has_combinations_pairs_and_the_total() {
        let o = Overlap::new(
            133,
            vec![
                (set(&["police"]), 100),
                (set(&["police", "womens-union"]), 3),
                (set(&["womens-union"]), 30),
            ],
        );
        let open = OverlapAnswer::new(&o, Filters::default(), Engine::Sql);
        assert_eq!(open.pairs[0].both, Some(3));
        assert_eq!(open.people, Some(133));
        let csv = open.to_csv().unwrap();
        assert!(
            csv.contains("combination,police;womens-union,3,false"),
            "{csv}"
        );
        assert!(csv.contains("pair,police;womens-union,3,false"), "{csv}");
        assert!(csv.ends_with("total,TOTAL,133,false\n"), "{csv}");
    }

    #[test]
    fn frequency_csv_has_every_bucket_and_the_mean() {
        let f = Frequency::new(62, vec![(1, 50), (2, 10), (3, 2)]);
        let open = FrequencyAnswer::new(&f, Filters::default(), Engine::Index);
        assert_eq!(open.buckets[9].events_at_least, Some(10));
        let csv = open.to_csv().unwrap();
        assert!(csv.contains("bucket,,10,0,,false"), "{csv}");
        assert!(csv.ends_with("total,,,62,1.2258,false\n"), "{csv}");
    }
}
