//! The shapes of the generated records: which kinds each agency runs, how
//! many sessions a record covers, which records are tallies, and what a
//! mass-media record reaches (issue 31), in realistic shares.

use rand::Rng;
use rand::rngs::StdRng;

use crate::domain::Kind;

/// The agencies the migrations seed, with the kinds of outreach each does
/// and their relative weights (mass media: about 13% of all reports).
pub(super) const AGENCIES: [(&str, &[(Kind, u32)]); 4] = [
    (
        "police",
        &[
            (Kind::LawDissemination, 30),
            (Kind::CommunityMeeting, 25),
            (Kind::TrainingClass, 15),
            (Kind::HomeVisit, 20),
            (Kind::Loudspeaker, 10),
        ],
    ),
    (
        "womens-union",
        &[
            (Kind::CommunityMeeting, 35),
            (Kind::CampaignLaunch, 10),
            (Kind::HomeVisit, 25),
            (Kind::TrainingClass, 17),
            (Kind::PrintedMaterials, 7),
            (Kind::Loudspeaker, 6),
        ],
    ),
    (
        "education",
        &[
            (Kind::IntegratedLesson, 45),
            (Kind::Extracurricular, 35),
            (Kind::TrainingClass, 12),
            (Kind::PrintedMaterials, 4),
            (Kind::OnlinePost, 4),
        ],
    ),
    (
        "labour",
        &[
            (Kind::TrainingClass, 45),
            (Kind::LawDissemination, 33),
            (Kind::MediaBroadcast, 12),
            (Kind::OnlinePost, 10),
        ],
    ),
];

/// A kind of `kinds`, drawn by weight.
pub(super) fn draw_kind(rng: &mut StdRng, kinds: &[(Kind, u32)]) -> Kind {
    let total: u32 = kinds.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (k, w) in kinds {
        if x < *w {
            return *k;
        }
        x -= w;
    }
    unreachable!("x < total")
}

/// Over how many sessions and days a non-media record runs, and for
/// several sessions, the size of the group that attended them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Form {
    /// Sessions covered (1: a single session).
    pub(super) sessions: i64,
    /// Days from the first session to the last.
    pub(super) span: u64,
    /// For a multi-session record: the group's size (distinct people).
    pub(super) group: Option<usize>,
}

/// The sessions of a non-media record: a term of lessons, a month of
/// meetings, a short course, or (most often) one session.
pub(super) fn draw_form(rng: &mut StdRng, kind: Kind) -> Form {
    let multi = match kind {
        Kind::IntegratedLesson => rng.gen_bool(0.6).then(|| {
            (
                rng.gen_range(10..=120),
                rng.gen_range(60..=120),
                rng.gen_range(25..=45),
            )
        }),
        Kind::CommunityMeeting => rng.gen_bool(0.3).then(|| {
            (
                rng.gen_range(2..=8),
                rng.gen_range(20..=30),
                rng.gen_range(15..=60),
            )
        }),
        Kind::TrainingClass => rng.gen_bool(0.2).then(|| {
            let s = rng.gen_range(2..=5);
            (s, s as u64 - 1, rng.gen_range(10..=30))
        }),
        _ => None,
    };
    match multi {
        Some((sessions, span, group)) => Form {
            sessions,
            span,
            group: Some(group),
        },
        // Most events last a day; one in five runs over two or three.
        None => Form {
            sessions: 1,
            span: if rng.gen_bool(0.2) {
                rng.gen_range(1..=2)
            } else {
                0
            },
            group: None,
        },
    }
}

/// The share of a kind's records that are tallies (a headcount, no
/// identified participants).
pub(super) fn tally_share(kind: Kind) -> f64 {
    match kind {
        Kind::CampaignLaunch => 0.7,
        Kind::LawDissemination => 0.5,
        Kind::CommunityMeeting => 0.3,
        Kind::IntegratedLesson => 0.25,
        Kind::Extracurricular => 0.2,
        Kind::HomeVisit => 0.0,
        _ => 0.05,
    }
}

/// A single-session tally's headcount.
pub(super) fn tally_total(rng: &mut StdRng, kind: Kind) -> i64 {
    match kind {
        Kind::CampaignLaunch => rng.gen_range(100..=1_500),
        Kind::LawDissemination => rng.gen_range(30..=400),
        _ => rng.gen_range(15..=120),
    }
}

/// A mass-media record: items (its `sessions`), days it runs over, its
/// audience and how the audience was obtained.
pub(super) fn draw_media(rng: &mut StdRng, kind: Kind) -> (i64, u64, i64, &'static str) {
    match kind {
        Kind::MediaBroadcast => {
            let items = rng.gen_range(1..=12);
            let span = if items > 1 { rng.gen_range(7..=30) } else { 0 };
            let basis = if rng.gen_bool(0.7) {
                "estimate"
            } else {
                "survey"
            };
            (items, span, rng.gen_range(5_000..=300_000), basis)
        }
        Kind::Loudspeaker => {
            let items = rng.gen_range(1..=30);
            (
                items,
                items as u64 - 1,
                rng.gen_range(300..=15_000),
                "estimate",
            )
        }
        Kind::PrintedMaterials => {
            let items = rng.gen_range(50..=2_000);
            (items, 0, items * rng.gen_range(1..=3), "estimate")
        }
        _ => {
            let items = rng.gen_range(1..=5);
            let basis = if rng.gen_bool(0.8) {
                "platform_count"
            } else {
                "estimate"
            };
            (items, 0, rng.gen_range(100..=50_000), basis)
        }
    }
}
