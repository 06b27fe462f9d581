//! The checks of an event that need the database: its unit exists and is
//! valid on the start date, and its co-organisers are active agencies.
//! What they need is loaded once for a whole batch.

use std::collections::{BTreeSet, HashMap};

use super::input::ValidEvent;
use crate::db::DbConn;
use crate::db::agencies;
use crate::error::{ApiError, FieldError};

/// What events' references resolve to, loaded once for a whole batch: the
/// units with their area codes (every period) and the active agencies among
/// their co-organisers.
pub(super) struct Refs {
    units: HashMap<String, Vec<crate::areas::AreaRow>>,
    active: BTreeSet<String>,
}

/// Loads what `events` refer to.
pub(super) fn load_refs(conn: &mut DbConn, events: &[&ValidEvent]) -> Result<Refs, ApiError> {
    let mut codes: Vec<&str> = events.iter().map(|v| v.area_code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let wanted: BTreeSet<String> = events
        .iter()
        .flat_map(|v| v.co_organizers.iter().cloned())
        .collect();
    let active = if wanted.is_empty() {
        BTreeSet::new()
    } else {
        let wanted: Vec<String> = wanted.into_iter().collect();
        agencies::active_codes(conn, &wanted)?.into_iter().collect()
    };
    Ok(Refs {
        units: crate::areas::rows_with_codes(conn, &codes)?,
        active,
    })
}

/// Checks that need the database: the area on the start date, and active
/// co-organisers. Returns the unit's id.
pub(super) fn check_refs(
    refs: &Refs,
    v: &ValidEvent,
    prefix: &str,
) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    let rows = refs.units.get(&v.area_code).map_or(&[][..], Vec::as_slice);
    let area = match crate::areas::resolve_in(rows, v.start_date) {
        crate::areas::Resolution::Found(a) => Some(a.id),
        crate::areas::Resolution::Unknown => {
            errors.push(FieldError::new(
                format!("{prefix}area_code"),
                "unknown administrative unit code",
            ));
            None
        }
        crate::areas::Resolution::NotValidOn { valid } => {
            let periods: Vec<String> = valid
                .iter()
                .map(|(f, u)| {
                    format!(
                        "{} to {}",
                        f.map_or("(open)".into(), |d| d.to_string()),
                        u.map_or("(open)".into(), |d| d.to_string())
                    )
                })
                .collect();
            errors.push(FieldError::new(
                format!("{prefix}area_code"),
                format!(
                    "this unit is not valid on start_date {}; it is valid {}",
                    v.start_date,
                    periods.join(", ")
                ),
            ));
            None
        }
    };
    for c in v.co_organizers.iter().filter(|c| !refs.active.contains(*c)) {
        errors.push(FieldError::new(
            format!("{prefix}co_organizers"),
            format!("{c} is not an active agency"),
        ));
    }
    match (area, errors.is_empty()) {
        (Some(id), true) => Ok(id),
        _ => Err(errors),
    }
}

/// [`check_refs`] for one event, loading what it needs.
pub(super) fn resolve_refs(conn: &mut DbConn, v: &ValidEvent) -> Result<i64, ApiError> {
    let refs = load_refs(conn, &[v])?;
    check_refs(&refs, v, "").map_err(ApiError::validation)
}
