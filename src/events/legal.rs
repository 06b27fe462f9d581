//! The legal basis of an event's identifiers (issue 34; Law 91/2025/QH15,
//! Decree 356/2025/NĐ-CP; PRIVACY.md, "Legal basis and children's data"):
//! each write that sends participants states the basis on which their
//! identifiers were collected. Student ids are children's data: they need
//! a legal representative's consent, or a legal obligation or public task
//! with the law that provides for it named. Until [`REQUIRED_FROM`] a write
//! without a basis is accepted (read back as `unknown`, answered with a
//! `Deprecation` header); from then on it is a 422. Aggregates never read
//! it; the processing register counts events by basis.

use chrono::NaiveDate;

use crate::domain::{ConsentBy, LegalBasis};

/// The first day a write with participants must state its legal basis.
pub const REQUIRED_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2027, 7, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The day the legal basis was first asked for (the `Deprecation` header's
/// date: writes without it are deprecated since then).
pub const ASKED_SINCE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 12, 7) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The longest `legal_reference`.
pub const MAX_REFERENCE: usize = 300;

/// The legal basis as a write states it, each part checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stated {
    /// The basis.
    pub basis: Option<LegalBasis>,
    /// The law or decision providing for the collection.
    pub reference: Option<String>,
    /// Who consented (with `consent`).
    pub consent_by: Option<ConsentBy>,
    /// A field was sent but refused (its own problem says why; the rules
    /// below would only repeat it).
    pub refused: bool,
}

/// Reads the three fields, each problem to `err`.
pub fn read(
    basis: Option<&str>,
    reference: Option<&str>,
    consent_by: Option<&str>,
    err: &mut impl FnMut(&str, String),
) -> Stated {
    let mut refused = false;
    let mut err = |f: &str, m: String| {
        refused = true;
        err(f, m);
    };
    let basis = basis.and_then(|b| {
        let parsed = LegalBasis::parse(b.trim());
        if parsed.is_none() {
            err(
                "legal_basis",
                format!("expected one of: {}", LegalBasis::expected()),
            );
        }
        parsed
    });
    let reference = reference.and_then(|r| {
        let r = r.trim();
        if r.is_empty() || r.chars().count() > MAX_REFERENCE || r.chars().any(char::is_control) {
            err(
                "legal_reference",
                format!("1 to {MAX_REFERENCE} printable characters: the law or decision, e.g. \"Luật Trẻ em 2016, Điều 33\""),
            );
            None
        } else {
            Some(r.to_string())
        }
    });
    let consent_by = consent_by.and_then(|c| {
        let parsed = ConsentBy::parse(c.trim());
        if parsed.is_none() {
            err(
                "consent_by",
                format!("expected one of: {}", ConsentBy::expected()),
            );
        } else if basis != Some(LegalBasis::Consent) {
            err(
                "consent_by",
                "only with legal_basis \"consent\"".to_string(),
            );
        }
        parsed
    });
    Stated {
        basis,
        reference,
        consent_by,
        refused,
    }
}

/// The rules that depend on the participants: a basis is required with
/// them from [`REQUIRED_FROM`] (`today`, Vietnam's date), and children's
/// data (`holds_children`: student ids) needs a legal representative's
/// consent, or a law named for a legal obligation or public task.
pub fn check(
    stated: &Stated,
    has_participants: bool,
    holds_children: bool,
    today: NaiveDate,
    err: &mut impl FnMut(&str, String),
) {
    if stated.refused {
        return;
    }
    match stated.basis {
        None if has_participants && today >= REQUIRED_FROM => err(
            "legal_basis",
            format!(
                "required with participants since {REQUIRED_FROM}: the basis on which their identifiers were collected ({})",
                LegalBasis::expected()
            ),
        ),
        Some(LegalBasis::Consent)
            if holds_children && stated.consent_by != Some(ConsentBy::LegalRepresentative) =>
        {
            err(
                "consent_by",
                "student ids are children's data: the consent must be a legal representative's (consent_by \"legal_representative\")".to_string(),
            )
        }
        Some(LegalBasis::LegalObligation | LegalBasis::PublicTask)
            if holds_children && stated.reference.is_none() =>
        {
            err(
                "legal_reference",
                "student ids are children's data: name the law or decision that provides for collecting them".to_string(),
            )
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(
        basis: Option<&str>,
        reference: Option<&str>,
        consent_by: Option<&str>,
        children: bool,
        today: NaiveDate,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let mut err = |f: &str, _m: String| out.push(f.to_string());
        let stated = read(basis, reference, consent_by, &mut err);
        check(&stated, true, children, today, &mut err);
        out
    }

    #[test]
    fn the_basis_is_asked_for_from_its_day_and_children_need_more() {
        let before = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        let from = REQUIRED_FROM;
        // Absent: accepted until the day before, refused from it.
        assert!(problems(None, None, None, false, before).is_empty());
        assert_eq!(problems(None, None, None, false, from), ["legal_basis"]);
        assert_eq!(problems(None, None, None, true, from), ["legal_basis"]);
        // Adults: any basis will do.
        for b in ["consent", "legal_obligation", "public_task"] {
            assert!(problems(Some(b), None, None, false, from).is_empty(), "{b}");
        }
        // Children: a legal representative's consent, or a law named.
        assert_eq!(
            problems(Some("consent"), None, None, true, from),
            ["consent_by"]
        );
        assert_eq!(
            problems(Some("consent"), None, Some("person"), true, from),
            ["consent_by"]
        );
        assert!(
            problems(
                Some("consent"),
                None,
                Some("legal_representative"),
                true,
                from
            )
            .is_empty()
        );
        assert_eq!(
            problems(Some("public_task"), None, None, true, from),
            ["legal_reference"]
        );
        assert!(
            problems(
                Some("public_task"),
                Some("Luật Trẻ em 2016, Điều 33"),
                None,
                true,
                from
            )
            .is_empty()
        );
        // Bad values are named.
        assert_eq!(
            problems(Some("contract"), None, None, false, before),
            ["legal_basis"]
        );
        assert_eq!(
            problems(Some("consent"), Some(" "), None, false, before),
            ["legal_reference"]
        );
        assert_eq!(
            problems(Some("public_task"), None, Some("person"), false, before),
            ["consent_by"]
        );
    }
}
