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
use crate::metrics::Metrics;
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

/// Where a command's state lives, read before anything is created: which
/// database and key files it will use, and whether they exist yet.
#[derive(Debug)]
pub struct Footprint {
    /// The database, password hidden.
    pub database: String,
    /// The signing keys: `JWT_KEYS`, or the key file's path.
    pub signing_keys: String,
    /// The participant key: `PARTICIPANT_KEY`, or the key file's path.
    pub participant_key: String,
    /// Neither an SQLite database nor a generated key file exists yet where
    /// the settings point: this start creates a new, empty service.
    pub fresh: bool,
}

impl Footprint {
    /// Reads the footprint of `settings` from the file system.
    pub fn of(settings: &Settings) -> Self {
        let key_file = |configured: bool, env: &str, file: &str| {
            let path = settings.data_dir.join(file);
            let exists = path.exists();
            let text = if configured {
                env.to_string()
            } else {
                format!("{}{}", absolute(&path), if exists { "" } else { " (new)" })
            };
            (text, configured || exists)
        };
        let (signing_keys, have_jwt) =
            key_file(!settings.jwt_keys.is_empty(), "JWT_KEYS", "jwt.key");
        let (participant_key, have_participant) = key_file(
            settings.participant_key.is_some(),
            "PARTICIPANT_KEY",
            "participant.key",
        );
        let (database, have_db) = match &settings.database_url {
            crate::config::DatabaseUrl::Sqlite(path) => (
                format!(
                    "sqlite://{}{}",
                    absolute(path),
                    if path.exists() { "" } else { " (new)" }
                ),
                path.exists(),
            ),
            // A server's database exists or is an error: nothing is created.
            pg => (pg.redacted(), false),
        };
        Footprint {
            database,
            signing_keys,
            participant_key,
            fresh: !have_db && !have_jwt && !have_participant,
        }
    }

    /// One line naming the files used.
    pub fn describe(&self) -> String {
        format!(
            "database {}; signing keys {}; participant key {}",
            self.database, self.signing_keys, self.participant_key
        )
    }

    /// The loud warning for a command that would start a new, empty service.
    pub fn warning(&self, data_dir: &std::path::Path) -> Option<String> {
        self.fresh.then(|| {
            format!(
                "WARNING: {} holds no database and no keys, so a NEW, EMPTY service is being \
                 created there (new signing and participant keys). A server started from another \
                 directory will not accept tokens issued here. Run this from the server's \
                 directory, or set DATA_DIR (and DATABASE_URL) to the server's.",
                absolute(data_dir)
            )
        })
    }
}

/// A path as an absolute one where it can be made so.
fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Opens the database, applies migrations and first-start seeding under
/// the start-up lock, and loads keys: everything `serve` and the CLI share.
pub fn prepare(settings: &Settings) -> Result<AppState, StartError> {
    let pseudonymizer = participant_keys(settings).map_err(StartError::Keys)?;
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
        crate::periods::fix_rule(c, settings.period_rule)?;
        if let Err(e) = crate::key_epoch::adopt_at_start(c, &pseudonymizer) {
            log::error!(
                "participant key: {e}; writes of participants are refused until it is fixed"
            );
        }
        Ok(())
    })
    .map_err(|e| StartError::Database(e.to_string()))?;
    drop(conn);
    let metrics = Metrics::new(settings.database_url.kind());
    let pool = db::build_pool(settings, metrics.pool_events())
        .map_err(|e| StartError::Database(e.to_string()))?;
    let auth = Auth::load(settings).map_err(StartError::Keys)?;
    let reach = crate::reach::Reach::new(pool.clone(), settings.reach_index);
    Ok(AppState {
        pool,
        settings: Arc::new(settings.clone()),
        auth: Arc::new(auth),
        limiter: Arc::new(RateLimiter::new(settings.rate_limit_per_minute)),
        pseudonymizer: Arc::new(pseudonymizer),
        reach,
        metrics,
        heavy: crate::gate::Gate::new(
            settings.heavy_at_once,
            settings.heavy_per_token,
            "the service is computing as many large answers as it can at once; retry shortly",
        ),
        cells: crate::gate::Cells::new(settings.answer_cells_at_once),
        requests: crate::gate::Gate::new(
            usize::MAX,
            settings.token_requests_at_once,
            "this token already has as many requests under way as it may; retry shortly",
        ),
        hasher: Arc::new(crate::accounts::password::Hasher::new()),
        throttle: Arc::default(),
        sso: settings
            .oidc
            .clone()
            .map(|o| Arc::new(crate::accounts::sso::Sso::new(o))),
    })
}

/// The participant key chain: `PARTICIPANT_KEY` (secrets separated by
/// commas, oldest first), or the key file (one `kid:secret` line per
/// secret), created with one secret when absent and read again when the
/// database moves to an epoch this chain lacks.
pub(crate) fn participant_keys(settings: &Settings) -> Result<Pseudonymizer, String> {
    use crate::domain::ChainSecret;
    if let Some(k) = &settings.participant_key {
        let chain = k
            .split(|b| *b == b',')
            .map(|s| ChainSecret::unnamed(s.to_vec()))
            .collect();
        return Ok(Pseudonymizer::with_chain(chain, None));
    }
    let path = settings.data_dir.join("participant.key");
    let chain = crate::secrets::load_or_create_key_chain(&path, "participant")?;
    let reload: crate::domain::identifiers::Reload =
        Box::new(move || crate::secrets::read_key_chain(&path));
    Ok(Pseudonymizer::with_chain(chain, Some(reload)))
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
        .configure(crate::routes::dashboard::configure)
        .service(web::redirect("/docs", "/docs/"))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .external_url_unchecked("/openapi.json", crate::openapi::published(&doc)),
        )
        .default_service(web::to(middleware::not_found_or_not_allowed))
        .wrap(actix_web::middleware::from_fn(
            middleware::check_request_target,
        ))
        .wrap(actix_web::middleware::from_fn(middleware::file_names))
        .wrap(actix_web::middleware::from_fn(
            middleware::head_and_conditional_get,
        ))
        .wrap(middleware::cors(&origins))
        .wrap(ErrorHandlers::new().default_handler(middleware::problemize))
        .wrap(actix_web::middleware::from_fn(middleware::security_headers))
        // gzip, brotli or zstd as the client accepts; answers that carry a
        // secret say `Content-Encoding: identity` and are left alone.
        .wrap(actix_web::middleware::Compress::default())
        .wrap(actix_web::middleware::from_fn(middleware::record_metrics))
        .wrap(Logger::new("%a \"%r\" %s %b %Dms").exclude("/healthz"))
}

/// Retention once a day (`PARTICIPANT_RETENTION_YEARS`), the first run at
/// start; counts go to the log and the audit log.
fn retention_daily(state: AppState, years: u32) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            let system = crate::audit::Actor {
                jti: None,
                role: "system".into(),
                agency: None,
                person: None,
            };
            let rule = state.settings.period_rule;
            let today = crate::domain::calendar::today();
            match crate::http::with_conn(&state, move |c| {
                crate::privacy::retention::apply(c, &system, years, today, rule, false)
            })
            .await
            {
                Ok(r) => log::info!(
                    "retention ({years} years, before {}): {} events past it, {} cleared in published periods, {} links removed",
                    r.cutoff,
                    r.events_past_retention,
                    r.events_cleared,
                    r.links_removed
                ),
                Err(e) => log::warn!("retention failed: {e}"),
            }
        }
    });
}

/// Binds the configured address and runs the server until it is stopped.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let footprint = Footprint::of(&settings);
    if footprint.fresh {
        log::info!(
            "first start in {}: creating the database and keys",
            absolute(&settings.data_dir)
        );
    }
    log::info!("using {}", footprint.describe());
    let state = actix_web::rt::task::spawn_blocking({
        let settings = settings.clone();
        move || prepare(&settings)
    })
    .await??;
    let listener = TcpListener::bind(&settings.bind_addr).map_err(|source| StartError::Bind {
        addr: settings.bind_addr.clone(),
        source,
    })?;
    // The signals are handled here, not by each server, and from before
    // the service says it listens: a SIGTERM from then on is a clean stop.
    use actix_web::rt::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    log::info!(
        "campaign-tracker listening on http://{} using {}",
        listener.local_addr()?,
        settings.database_url.redacted()
    );
    let api = run(listener, state.clone())?;
    if let Some(years) = settings.retention_years {
        retention_daily(state.clone(), years);
    }
    let mut handles = vec![api.handle()];
    let metrics = match &settings.metrics_bind {
        None => None,
        Some(addr) => {
            let listener = TcpListener::bind(addr).map_err(|source| StartError::Bind {
                addr: addr.clone(),
                source,
            })?;
            log::info!(
                "Prometheus metrics on http://{}/metrics",
                listener.local_addr()?
            );
            let server = run_metrics(listener, state.clone())?;
            handles.push(server.handle());
            Some(server)
        }
    };
    let grace = settings.shutdown_timeout.as_secs();
    let reach = state.reach.clone();
    actix_web::rt::spawn(async move {
        let which =
            match futures_util::future::select(Box::pin(term.recv()), Box::pin(interrupt.recv()))
                .await
            {
                futures_util::future::Either::Left(_) => "SIGTERM",
                futures_util::future::Either::Right(_) => "SIGINT",
            };
        log::info!("{which}: stopping; no new requests, up to {grace} s for those in flight");
        // An index build in progress is abandoned at once.
        reach.stop();
        for h in handles {
            h.stop(true).await;
        }
    });
    let result = match metrics {
        None => api.await,
        Some(m) => {
            let (a, b) = futures_util::future::join(api, m).await;
            a.and(b)
        }
    };
    exit_soon(&state);
    Ok(result?)
}

/// Once the servers have stopped (in-flight requests finished or the grace
/// period over): the process exits within a few seconds even if blocking
/// work (a long statement on the blocking pool) is still running; nothing
/// acknowledged depends on it, every acknowledged write is committed.
fn exit_soon(state: &AppState) {
    state.reach.stop();
    log::info!("campaign-tracker stopped accepting requests; exiting");
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(3));
        log::warn!("exiting with blocking work still running");
        std::process::exit(0);
    });
}

/// Starts the metrics listener: `GET /metrics` and nothing else, without
/// the API's token (bind it where only the scraper can reach it).
pub fn run_metrics(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(state.clone()))
            .route("/metrics", web::get().to(crate::routes::metrics::scrape))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound(
                    "this listener serves /metrics only".into(),
                ))
            }))
            .wrap(actix_web::middleware::from_fn(middleware::security_headers))
    })
    .workers(1)
    .shutdown_timeout(1)
    .disable_signals()
    .listen(listener)?
    .run())
}

/// Starts the server on an already bound listener (tests bind port 0).
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    state.reach.start();
    crate::key_epoch::follow(state.pool.clone(), Arc::downgrade(&state.pseudonymizer));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let grace = state.settings.shutdown_timeout.as_secs();
    // Blocking work is database work (or writing an answer that holds a
    // place): threads beyond the pool's connections would only wait, and
    // each keeps its allocator's memory (hundreds of MB under a burst of
    // large answers, measured in tests/faults/memory.rs).
    let blocking = (state.settings.pool_size as usize).div_ceil(workers) + 1;
    Ok(HttpServer::new(move || build_app(state.clone()))
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .shutdown_timeout(grace)
        .disable_signals()
        .listen(listener)?
        .run())
}
