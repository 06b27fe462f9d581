//! Small-cell suppression for public (publication) tokens.

use super::{Answer, GroupBy, Measures};
use crate::error::ApiError;

/// Complementary suppression across several margins is not done: a
/// publication token groups by one dimension at a time.
pub fn check_grouping(group_by: &GroupBy) -> Result<(), ApiError> {
    if group_by.len() > 1 {
        return Err(ApiError::field(
            "group_by",
            "public tokens group by at most one dimension",
        ));
    }
    Ok(())
}

/// Which cells of an answer a public token may not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// Per row, in order: suppressed or not.
    pub rows: Vec<bool>,
    /// Whether the totals are suppressed.
    pub totals: bool,
}

/// Whether a published count is small: from 1 to k-1.
pub fn small(v: i64, k: i64) -> bool {
    (1..k).contains(&v)
}

/// Cells of a partition (cells that add up to a published total) to
/// suppress: the `small` ones and, when exactly one is small, the cell with
/// the next smallest `size` too, so that the total minus the published
/// cells does not reveal it.
pub fn with_complement(small: Vec<bool>, size: impl Fn(usize) -> (i64, i64)) -> Vec<bool> {
    let mut out = small;
    if out.iter().filter(|s| **s).count() == 1
        && let Some(i) = (0..out.len()).filter(|i| !out[*i]).min_by_key(|i| size(*i))
    {
        out[i] = true;
    }
    out
}

/// Small-cell suppression for publication (statistical disclosure control).
/// A cell is sensitive when any count of people in it (attendances, unique
/// participants, the reach lower bound, first-time or cumulative
/// participants) is from 1 to k-1. When exactly one row is sensitive, the
/// row with the next smallest attendance is suppressed too, so that the
/// totals minus the published rows do not reveal it.
pub fn suppress(answer: &Answer, k: i64) -> Suppression {
    let sensitive = |m: &Measures| {
        [
            Some(m.attendances),
            Some(m.unique_participants),
            Some(m.reach_min),
            Some(m.first_time_participants),
            m.cumulative_participants,
        ]
        .into_iter()
        .flatten()
        .any(|v| small(v, k))
    };
    let mut small_rows: Vec<bool> = answer.rows.iter().map(|r| sensitive(&r.measures)).collect();
    cumulative_chain(answer, &mut small_rows, k);
    let rows = with_complement(small_rows, |i| {
        let m = &answer.rows[i].measures;
        (m.attendances, m.events)
    });
    Suppression {
        totals: sensitive(&answer.totals),
        rows,
    }
}

/// With a grouping by period (public tokens group by one dimension, so
/// the rows are periods, in order), consecutive cumulative counts differ by
/// the people new in a period: a row whose difference from the last
/// published row is small is suppressed, and published rows are dropped
/// from the end while the totals' people minus the last one's would be
/// small. Merging two differences that are each 0 or at least k keeps
/// them so, whatever else is suppressed afterwards.
fn cumulative_chain(answer: &Answer, rows: &mut [bool], k: i64) {
    let mut published: Vec<(usize, i64)> = Vec::new();
    let mut last = 0;
    for (i, r) in answer.rows.iter().enumerate() {
        let Some(c) = r.measures.cumulative_participants else {
            return;
        };
        if rows[i] {
            continue;
        }
        if small(c - last, k) {
            rows[i] = true;
        } else {
            last = c;
            published.push((i, c));
        }
    }
    while let Some((i, c)) = published.last().copied()
        && small(answer.totals.unique_participants - c, k)
    {
        rows[i] = true;
        published.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregates::Row;

    fn row(key: &str, attendances: i64, unique: i64) -> Row {
        Row {
            keys: vec![Some(key.into())],
            names: vec![None],
            measures: Measures {
                events: 1,
                attendances,
                unique_participants: unique,
                reach_min: unique.max(attendances),
                reach_max: attendances,
                ..Default::default()
            },
        }
    }

    fn answer(rows: Vec<Row>) -> Answer {
        let attendances = rows.iter().map(|r| r.measures.attendances).sum();
        Answer {
            rows,
            totals: Measures {
                events: 3,
                attendances,
                unique_participants: 0,
                reach_min: 40,
                ..Default::default()
            },
        }
    }

    #[test]
    fn small_cells_are_suppressed() {
        let s = suppress(
            &answer(vec![
                row("a", 100, 0),
                row("b", 3, 0),
                row("c", 50, 2),
                row("d", 60, 0),
            ]),
            5,
        );
        assert_eq!(s.rows, vec![false, true, true, false]);
        assert!(!s.totals);
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        let s = suppress(
            &answer(vec![
                row("a", 100, 0),
                row("b", 3, 0),
                row("c", 50, 0),
                row("d", 60, 0),
            ]),
            5,
        );
        assert_eq!(
            s.rows,
            vec![false, true, true, false],
            "totals - a - d would reveal b alone"
        );
    }

    #[test]
    fn cumulative_counts_do_not_reveal_a_few_new_people() {
        // New people per month: 50, 2, 0, 30, then 3 (totals 85).
        let cum = [50, 52, 52, 82, 85];
        let rows: Vec<Row> = cum
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut r = row(&format!("2024-0{}", i + 1), 100, 20);
                r.measures.first_time_participants = 20;
                r.measures.cumulative_participants = Some(*c);
                r
            })
            .collect();
        let mut a = answer(rows);
        a.totals.unique_participants = 85;
        let s = suppress(&a, 5);
        // 52 - 50 is small; 52 (March) - 50 is too; 82 - 50 is not; 85 - 82
        // is small, and so would be the totals' 85 - 82: April goes too.
        assert_eq!(s.rows, vec![false, true, true, true, true]);
    }

    #[test]
    fn zero_is_not_small_and_small_totals_are_suppressed() {
        let s = suppress(&answer(vec![row("a", 0, 0)]), 5);
        assert_eq!(s.rows, vec![false]);
        let mut a = answer(vec![row("a", 2, 0)]);
        a.totals.attendances = 2;
        a.totals.reach_min = 2;
        assert!(suppress(&a, 5).totals);
    }
}
