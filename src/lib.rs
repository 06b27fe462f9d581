//! campaign-tracker: partner agencies record anti-human-trafficking outreach
//! events; dashboards read deduplicated aggregates.
//!
//! The path of a request: actix-web routes ([`routes`]) parse the request into
//! domain types ([`http::extract`], [`domain`]), authenticate the caller
//! ([`http::Principal`]), and call plain database functions ([`db`]) that take
//! `&mut DbConn` inside `web::block`. Every failure is one [`error::ApiError`]
//! rendered as RFC 9457 problem+json. Every write appends to the [`audit`] log
//! in the same transaction. [`startup::build_app`] is shared by the binary and
//! the integration tests; the same route registration produces the OpenAPI
//! document ([`openapi`]).

pub mod agencies;
pub mod aggregates;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod dev;
pub mod domain;
pub mod error;
pub mod events;
pub mod http;
pub mod openapi;
pub mod routes;
pub mod secrets;
pub mod seed;
pub mod startup;
pub mod state;
pub mod tokens;
