//! Units added one at a time by an admin, checked like a one-row import.

use std::collections::HashSet;

use super::catalog::Catalog;
use super::csv::Problems;
use super::import_units::{UnitIn, check_unit_fields, plan_units, write_units};
use super::{Area, NewArea, Period, to_areas};
use crate::audit::{self, Actor};
use crate::db::areas as db;
use crate::db::{DbConn, write_tx};
use crate::error::{ApiError, FieldError};

/// Adds one unit (admin), e.g. a village under a commune, with an audit
/// record. Omitted dates are the parent's, the parent being resolved on
/// `valid_from` (or today). 409 when the code already names a unit from the
/// same day; 422 naming each bad field otherwise.
pub fn create_area(conn: &mut DbConn, actor: &Actor, req: &NewArea) -> Result<Area, ApiError> {
    write_tx(conn, |conn| {
        let cat = Catalog::load(conn)?;
        let code = req.code.trim().to_string();
        let parent_code = req
            .parent_code
            .as_ref()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty());
        let mut problems: Problems = Vec::new();
        let on = req
            .valid_from
            .unwrap_or_else(crate::domain::calendar::today);
        let parent_row = parent_code
            .as_ref()
            .and_then(|p| cat.with_code(p).find(|r| r.valid_on(on)));
        if let Some(p) = &parent_code
            && parent_row.is_none()
        {
            problems.push((
                "parent_code",
                match cat.periods_of(p) {
                    None => format!("unknown parent {p}"),
                    Some(valid) => format!("parent {p} is not valid on {on}: it is {valid}"),
                },
            ));
        }
        let period = Period {
            from: req.valid_from.or(parent_row.and_then(|r| r.valid_from)),
            until: req.valid_until.or(parent_row.and_then(|r| r.valid_until)),
        };
        if let (Some(f), Some(u)) = (period.from, period.until)
            && u < f
        {
            problems.push(("valid_until", format!("{u} is before valid_from {f}")));
        }
        if let Some(existing) = cat.with_code(&code).find(|r| r.valid_from == period.from) {
            return Err(ApiError::Conflict {
                detail: format!(
                    "code {code} already names {} ({})",
                    existing.name,
                    existing.period().describe()
                ),
                existing_id: Some(code),
            });
        }
        let mut units = vec![UnitIn {
            line: 0,
            code,
            name: req.name.trim().to_string(),
            level: Some(req.level),
            parent_code,
            problems,
        }];
        check_unit_fields(&mut units[0]);
        let plan = plan_units(&mut units, period, &cat);
        let u = &units[0];
        if !u.problems.is_empty() {
            // One message per field: the first is the most specific.
            let mut seen = HashSet::new();
            let errors = u
                .problems
                .iter()
                .filter(|(field, _)| seen.insert(*field))
                .map(|(field, msg)| FieldError::new(*field, msg.clone()))
                .collect();
            return Err(ApiError::validation(errors));
        }
        write_units(conn, &units, &plan, period, &cat, &|_, _| {})?;
        let row = db::with_code_from(conn, &u.code, period.from)?;
        let area = to_areas(conn, &[row])?.remove(0);
        audit::record(
            conn,
            actor,
            "create",
            "area",
            &area.code,
            None::<&()>,
            Some(&area),
        )?;
        Ok(area)
    })
}
