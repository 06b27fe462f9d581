//! The reach analytics' statements, built without a connection over the
//! aggregate statement's slice ([`crate::aggregates::sql::slice_statement`]).
//! Each row is one part of the answer, named in its `part` column.

use crate::aggregates::Request;
use crate::aggregates::sql::{Statement, participants, slice_statement};

/// The part holding the slice's identified people.
pub const PEOPLE: &str = "people";
/// A part holding one set of agencies (`key`, comma-separated) and its people.
pub const COMBINATION: &str = "combination";
/// A part holding a number of real events and the people who attended that many.
pub const BUCKET: &str = "bucket";

/// Every (person, agency) pair of the slice, as `pa`, after the slice's CTEs.
fn people_and_agencies(pg: bool) -> String {
    format!(
        ", pa AS (SELECT DISTINCT p.participant_id AS pid, a.k AS agency FROM slice s \
         JOIN dim_agency a ON a.g = s.g JOIN ev pe ON pe.group_seq = s.g {})",
        participants(pg)
    )
}

/// The slice's distinct identified people, as a part.
fn people_part(pg: bool) -> String {
    format!(
        "SELECT '{PEOPLE}' AS part, CAST(NULL AS TEXT) AS key, CAST(NULL AS BIGINT) AS events, \
         COUNT(DISTINCT p.participant_id) AS people FROM slice s JOIN ev pe ON pe.group_seq = s.g {}",
        participants(pg)
    )
}

/// People by the set of agencies that reached them: each person's agencies
/// joined in one text, then counted per text.
pub fn overlap(pg: bool, request: &Request, area_ids: Option<&[i64]>) -> Statement {
    let (sql, prefix) = slice_statement(pg, request, area_ids);
    let joined = if pg {
        "string_agg(pa.agency, ',' ORDER BY pa.agency)"
    } else {
        "group_concat(pa.agency, ',' ORDER BY pa.agency)"
    };
    Statement {
        text: format!(
            "{prefix}{} {} UNION ALL SELECT '{COMBINATION}', x.agencies, NULL, COUNT(*) \
             FROM (SELECT pa.pid, {joined} AS agencies FROM pa GROUP BY pa.pid) x GROUP BY x.agencies",
            people_and_agencies(pg),
            people_part(pg)
        ),
        binds: sql.binds,
    }
}

/// People by the number of distinct real events of the slice they attended.
pub fn frequency(pg: bool, request: &Request, area_ids: Option<&[i64]>) -> Statement {
    let (sql, prefix) = slice_statement(pg, request, area_ids);
    Statement {
        text: format!(
            "{prefix} {} UNION ALL SELECT '{BUCKET}', NULL, x.n, COUNT(*) \
             FROM (SELECT p.participant_id AS pid, COUNT(DISTINCT s.g) AS n FROM slice s \
             JOIN ev pe ON pe.group_seq = s.g {} GROUP BY p.participant_id) x GROUP BY x.n",
            people_part(pg),
            participants(pg)
        ),
        binds: sql.binds,
    }
}
