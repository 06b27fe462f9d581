//! The slice parameters every reach query takes (`from`, `to`, `agency`,
//! `kind`, `topic`, `target_group`, `area`, `areas`), written once:
//! [`slice_query!`] declares a query struct with them and its own fields,
//! and a `filters` method that checks them into [`Filters`].
//!
//! [`Filters`]: crate::aggregates::Filters

/// Declares a query-parameter struct holding the slice parameters followed
/// by the given fields, and its `filters(&mut self)` method.
macro_rules! slice_query {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident: $t:ty,)* }) => {
        $(#[$m])*
        pub struct $name {
            /// Real events whose earliest start date is on or after this day
            /// (1900-01-01 to 2100-12-31).
            #[param(value_type = Option<NaiveDate>)]
            pub from: Option<$crate::domain::calendar::Day>,
            /// ... and on or before this day (1900-01-01 to 2100-12-31).
            #[param(value_type = Option<NaiveDate>)]
            pub to: Option<$crate::domain::calendar::Day>,
            /// Events organised (reported, or co-organised with confirmation) by any
            /// of these agencies. Repeatable, at most 50 times.
            #[serde(default)]
            #[param(max_items = 50)]
            pub agency: Vec<String>,
            /// Events of this kind.
            pub kind: Option<$crate::domain::Kind>,
            /// Events with this topic.
            pub topic: Option<$crate::domain::Topic>,
            /// Events addressing this group.
            pub target_group: Option<$crate::domain::TargetGroup>,
            /// An administrative unit code: events in it or in any unit below it.
            #[param(min_length = 1)]
            pub area: Option<String>,
            /// `as_recorded` (default): events sit in the unit valid on their start date;
            /// `current`: in the unit valid today that succeeded it, so series across
            /// the 2025 reform compare like with like.
            #[param(value_type = Option<String>, pattern = "^(as_recorded|current)$")]
            pub areas: Option<String>,
            $($(#[$fm])* pub $f: $t,)*
        }

        impl $name {
            /// The slice, checked (without a scope: the caller sets it for
            /// agency tokens). Takes the slice parameters out of `self`.
            fn filters(&mut self) -> Result<$crate::aggregates::Filters, $crate::error::ApiError> {
                use $crate::error::ApiError;
                let areas = self
                    .areas
                    .take()
                    .as_deref()
                    .map(str::parse)
                    .transpose()?
                    .unwrap_or_default();
                let (from, to) = (self.from.map(|d| d.0), self.to.map(|d| d.0));
                if self.agency.len() > 50 {
                    return Err(ApiError::field("agency", "at most 50 agencies"));
                }
                if let (Some(f), Some(t)) = (from, to)
                    && t < f
                {
                    return Err(ApiError::field("to", "must not be before from"));
                }
                Ok($crate::aggregates::Filters {
                    from,
                    to,
                    agency: std::mem::take(&mut self.agency)
                        .into_iter()
                        .filter(|a| !a.is_empty())
                        .collect(),
                    kind: self.kind,
                    topic: self.topic,
                    target_group: self.target_group,
                    area: $crate::http::extract::given(self.area.take()),
                    areas,
                    scope: None,
                })
            }
        }
    };
}

pub(crate) use slice_query;

/// Limits a slice to the caller's area, for accounts and tokens scoped to
/// one: without an `area`, the answer covers the scope (as if `area=` were
/// set); an `area` inside the scope is kept; one outside it is 403.
pub(crate) async fn scope_area(
    state: &crate::state::AppState,
    who: &crate::http::Principal,
    area: &mut Option<String>,
) -> Result<(), crate::error::ApiError> {
    let Some(scope) = who.area.clone() else {
        return Ok(());
    };
    let Some(asked) = area.clone() else {
        *area = Some(scope);
        return Ok(());
    };
    if asked == scope {
        return Ok(());
    }
    let s = scope.clone();
    let inside =
        crate::http::with_conn(state, move |c| crate::areas::within(c, &asked, &s)).await?;
    if inside {
        Ok(())
    } else {
        Err(crate::error::ApiError::Forbidden(format!(
            "this account's answers cover area {scope} only"
        )))
    }
}
