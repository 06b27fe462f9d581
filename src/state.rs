//! The application state every handler can reach.

use std::sync::Arc;

use crate::auth::{Auth, RateLimiter};
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::Pseudonymizer;
use crate::metrics::Metrics;

/// What every handler can reach. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: DbPool,
    /// Configuration.
    pub settings: Arc<Settings>,
    /// Token signing and verification.
    pub auth: Arc<Auth>,
    /// Per-token request budget.
    pub limiter: Arc<RateLimiter>,
    /// Participant identifier hashing.
    pub pseudonymizer: Arc<Pseudonymizer>,
    /// The in-memory reach index answering aggregates.
    pub reach: Arc<crate::reach::Reach>,
    /// Prometheus metrics (served only on `METRICS_BIND`).
    pub metrics: Arc<Metrics>,
    /// Places for heavy answers (aggregates, reach analytics).
    pub heavy: Arc<crate::gate::Gate>,
    /// Cells of aggregate answers being written at once
    /// (`ANSWER_CELLS_AT_ONCE`).
    pub cells: Arc<crate::gate::Cells>,
    /// Places for any request, per token (`TOKEN_REQUESTS_AT_ONCE`).
    pub requests: Arc<crate::gate::Gate>,
    /// Password hashing, a bounded number at a time.
    pub hasher: Arc<crate::accounts::password::Hasher>,
    /// Failed sign-ins, slowed down.
    pub throttle: Arc<crate::accounts::throttle::Throttle>,
    /// Single sign-on, when configured.
    pub sso: Option<Arc<crate::accounts::sso::Sso>>,
}
