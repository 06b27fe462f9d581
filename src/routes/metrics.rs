//! `GET /metrics` on the separate `METRICS_BIND` listener (not part of the
//! API document: it is not served on the API's address).

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// The current metrics in the Prometheus text format. The pool's and the
/// reach index's gauges are read at scrape time.
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    state
        .metrics
        .set_pool_state(state.pool.state(), state.pool.max_size());
    state.metrics.set_index(state.reach.stats());
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(state.metrics.render())
}
