//! How the report states people and audiences: identified people with
//! their share of the person-times, the range of different people (one
//! number when it collapses), and mass-media audiences apart (issue 31).

use super::{Lang, number};
use crate::reports::Figures;

/// The identified share of person-times, as a percentage (`4,2%`), when
/// both its parts are known and there is attendance.
pub(super) fn share_of(f: &Figures, lang: Lang) -> Option<String> {
    let share = crate::aggregates::measure::share(f.identified?, f.attendances?)?;
    Some(percent(share, lang))
}

/// A share as a percentage: one decimal below 10%, else whole.
pub fn percent(share: f64, lang: Lang) -> String {
    let pct = share * 100.0;
    let text = if pct < 10.0 {
        format!("{:.1}", (pct * 10.0).round() / 10.0)
    } else {
        format!("{}", pct.round() as i64)
    };
    let text = if lang == Lang::Vi {
        text.replace('.', ",")
    } else {
        text
    };
    format!("{text}%")
}

/// The range of different people: `1.208 - 13.210`, one number when it
/// collapses, `≤ 13.210` when only the upper bound is known (publications
/// do not carry the lower one).
pub(super) fn range(f: &Figures, lang: Lang) -> String {
    match (f.reach_min, f.reach_max) {
        (Some(a), Some(b)) if a == b => number(a, lang),
        (Some(a), Some(b)) => format!("{} - {}", number(a, lang), number(b, lang)),
        (None, Some(b)) => format!("≤ {}", number(b, lang)),
        _ => "-".into(),
    }
}

/// The people a figure reached: identified people with their share of the
/// person-times, then the range of different people (one number when it
/// collapses; the upper bound alone when a publication withheld the lower).
/// E.g. "596 người được định danh (4,2% lượt tham dự); ước tính từ 1.208
/// đến 13.210 người khác nhau".
pub(super) fn people(m: &Figures, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    let n = |v: Option<i64>| match v {
        Some(v) => number(v, lang),
        None if vi => "(không công bố)".to_string(),
        None => "(withheld)".to_string(),
    };
    let mut out = if vi {
        format!("{} người được định danh", n(m.unique))
    } else {
        format!("{} identified people", n(m.unique))
    };
    if let Some(share) = share_of(m, lang) {
        out.push_str(&if vi {
            format!(" ({share} lượt tham dự)")
        } else {
            format!(" ({share} of person-times)")
        });
    }
    out.push_str(&match (m.reach_min, m.reach_max, vi) {
        (Some(a), Some(b), true) if a == b => format!("; tổng cộng {} người khác nhau", n(Some(a))),
        (Some(a), Some(b), false) if a == b => format!("; {} different people in all", n(Some(a))),
        (Some(_), _, true) => format!(
            "; ước tính từ {} đến {} người khác nhau",
            n(m.reach_min),
            n(m.reach_max)
        ),
        (Some(_), _, false) => format!(
            "; an estimated {} to {} different people",
            n(m.reach_min),
            n(m.reach_max)
        ),
        (None, _, true) => format!("; ước tính không quá {} người khác nhau", n(m.reach_max)),
        (None, _, false) => format!("; at most an estimated {} different people", n(m.reach_max)),
    });
    out
}

/// A mass-media audience: "ước tính 9.245 lượt người nghe, xem, đọc".
pub(super) fn audience(a: Option<i64>, lang: Lang) -> String {
    let n = a.map_or_else(
        || {
            if lang == Lang::Vi {
                "(không công bố)".to_string()
            } else {
                "(withheld)".to_string()
            }
        },
        |v| number(v, lang),
    );
    if lang == Lang::Vi {
        format!("ước tính {n} lượt người nghe, xem, đọc")
    } else {
        format!("an estimated audience of {n}")
    }
}
