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

/// Small-cell suppression for publication (statistical disclosure control).
/// A cell is sensitive when it counts from 1 to k-1 people (attendances,
/// unique participants or the reach lower bound). When exactly one row is
/// sensitive, the row with the next smallest attendance is suppressed too,
/// so that the totals minus the published rows do not reveal it.
pub fn suppress(answer: &Answer, k: i64) -> Suppression {
    let sensitive = |m: &Measures| {
        [m.attendances, m.unique_participants, m.reach_min]
            .iter()
            .any(|v| (1..k).contains(v))
    };
    let mut rows: Vec<bool> = answer.rows.iter().map(|r| sensitive(&r.measures)).collect();
    if rows.iter().filter(|s| **s).count() == 1 {
        let next = answer
            .rows
            .iter()
            .enumerate()
            .filter(|(i, _)| !rows[*i])
            .min_by_key(|(_, r)| (r.measures.attendances, r.measures.events));
        if let Some((i, _)) = next {
            rows[i] = true;
        }
    }
    Suppression {
        totals: sensitive(&answer.totals),
        rows,
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
    fn zero_is_not_small_and_small_totals_are_suppressed() {
        let s = suppress(&answer(vec![row("a", 0, 0)]), 5);
        assert_eq!(s.rows, vec![false]);
        let mut a = answer(vec![row("a", 2, 0)]);
        a.totals.attendances = 2;
        a.totals.reach_min = 2;
        assert!(suppress(&a, 5).totals);
    }
}
