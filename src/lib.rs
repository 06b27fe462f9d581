//! campaign-tracker: partner agencies record anti-human-trafficking outreach
//! events; dashboards read deduplicated aggregates.
//!
//! A request reads top-down, route -> domain -> db, and no module imports one
//! that imports it back:
//! - `routes` (one file per resource, registered once; the registration is
//!   also the OpenAPI document in `openapi`) parse the request with the
//!   `http` layer (extractors, `http::Principal`, cursors, `If-Match`) into
//!   `domain` values;
//! - the domain modules (`events`, `aggregates`, `areas`, `agencies`,
//!   `privacy`, [`tokens`], [`audit`]) are plain functions taking
//!   `&mut DbConn`, run through `http::with_conn` on the blocking pool;
//! - every query lives under [`db`], one file per table family.
//!
//! Every failure is one `error::ApiError` rendered as RFC 9457
//! problem+json; every write appends its [`audit`] record in the same
//! transaction. [`startup::build_app`] is shared by the binary and the
//! integration tests. Only what the binary and the tests use is public, so
//! the compiler reports dead code.

pub mod accounts;
pub(crate) mod agencies;
pub(crate) mod aggregates;
pub(crate) mod allocator;
pub(crate) mod analytics;
pub(crate) mod areas;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub(crate) mod cores;
pub mod db;
pub(crate) mod dev;
pub(crate) mod domain;
pub(crate) mod error;
pub(crate) mod events;
pub(crate) mod gate;
pub(crate) mod http;
pub(crate) mod imports;
pub(crate) mod key_epoch;
pub(crate) mod lenient;
pub mod metrics;
pub(crate) mod openapi;
pub(crate) mod periods;
pub(crate) mod privacy;
pub(crate) mod publications;
pub mod reach;
pub(crate) mod reports;
pub(crate) mod routes;
pub(crate) mod secrets;
pub(crate) mod seed;
pub mod startup;
pub mod state;
pub mod tokens;
