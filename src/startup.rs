//! Start-up: open the pool, migrate and seed under a lock, and build the
//! actix application. [`build_app`] is what both the binary and the tests run.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, Logger};
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{Auth, RateLimiter};
use crate::config::Settings;
use crate::db::{self, migrate};
use crate::domain::Pseudonymizer;
use crate::error::ApiError;
use crate::http::middleware;
use crate::http::route_table::RouteTable;
use crate::openapi::ApiDoc;
use crate::state::AppState;

/// Why the service could not start, as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be reached or prepared.
    #[error("database: {0}")]
    Database(String),
    /// Keys could not be loaded or created.
    #[error("keys: {0}")]
    Keys(String),
    /// The listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: String,
        /// Cause.
        source: std::io::Error,
    },
}

/// Opens the database, applies migrations and first-start seeding under
/// the start-up lock, and loads keys: everything `serve` and the CLI share.
pub fn prepare(settings: &Settings) -> Result<AppState, StartError> {
    let manager = db::Manager::new(settings);
    let mut conn = manager.open().map_err(|e| {
        StartError::Database(format!("{} ({})", e, settings.database_url.redacted()))
    })?;
    migrate::with_startup_lock(&mut conn, |c| {
        let applied = migrate::run_pending(c)?;
        if !applied.is_empty() {
            log::info!(
                "applied {} migration(s): {}",
                applied.len(),
                applied.join(", ")
            );
        }
        crate::seed::first_start(c, settings)?;
        Ok(())
    })
    .map_err(|e| StartError::Database(e.to_string()))?;
    drop(conn);
    let pool = db::build_pool(settings).map_err(|e| StartError::Database(e.to_string()))?;
    let auth = Auth::load(settings).map_err(StartError::Keys)?;
    let participant_key = match &settings.participant_key {
        Some(k) => k.clone(),
        None => {
            crate::secrets::load_or_create_key_file(
                &settings.data_dir.join("participant.key"),
                "participant",
            )
            .map_err(StartError::Keys)?
            .1
        }
    };
    Ok(AppState {
        pool,
        settings: Arc::new(settings.clone()),
        auth: Arc::new(auth),
        limiter: Arc::new(RateLimiter::new(settings.rate_limit_per_minute)),
        pseudonymizer: Arc::new(Pseudonymizer::new(participant_key)),
    })
}

/// The application: routes, extractor configuration, middleware, docs.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let body_limit = state.settings.body_limit;
    let origins = state.settings.cors_origins.clone();
    let (app, doc) =
        App::new()
            .app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                ApiError::NotFound(format!("no such resource: {err}")).into()
            }))
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(crate::routes::configure)
            .split_for_parts();
    let doc = crate::openapi::tidy(doc);
    let routes = RouteTable::from_doc(&doc);
    app.app_data(web::Data::new(routes))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc))
        .default_service(web::to(middleware::not_found_or_not_allowed))
        .wrap(actix_web::middleware::from_fn(
            middleware::check_request_target,
        ))
        .wrap(middleware::cors(&origins))
        .wrap(ErrorHandlers::new().default_handler(middleware::problemize))
        .wrap(actix_web::middleware::from_fn(middleware::security_headers))
        .wrap(Logger::new("%a \"%r\" %s %b %Dms").exclude("/healthz"))
}

/// Binds the configured address and runs the server until it is stopped.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let state = actix_web::rt::task::spawn_blocking({
        let settings = settings.clone();
        move || prepare(&settings)
    })
    .await??;
    let listener = TcpListener::bind(&settings.bind_addr).map_err(|source| StartError::Bind {
        addr: settings.bind_addr.clone(),
        source,
    })?;
    log::info!(
        "campaign-tracker listening on http://{} using {}",
        listener.local_addr()?,
        settings.database_url.redacted()
    );
    run(listener, state)?.await?;
    Ok(())
}

/// Starts the server on an already bound listener (tests bind port 0).
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    Ok(HttpServer::new(move || build_app(state.clone()))
        .workers(workers)
        .listen(listener)?
        .run())
}
