//! Start-up: open the pool, migrate and seed under a lock, and build the
//! actix application. [`build_app`] is what both the binary and the tests run.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Logger};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{Auth, RateLimiter};
use crate::config::Settings;
use crate::db::{self, DbPool, migrate};
use crate::domain::Pseudonymizer;
use crate::error::{ApiError, PROBLEM_JSON};
use crate::openapi::{ApiDoc, RouteTable};

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
}

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
            crate::auth::load_or_create_key_file(
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
    let routes = RouteTable::from_doc(&doc);
    app.app_data(web::Data::new(routes))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", doc))
        .default_service(web::to(not_found_or_not_allowed))
        .wrap(actix_web::middleware::from_fn(reject_nul_in_path))
        .wrap(cors(&origins))
        .wrap(ErrorHandlers::new().default_handler(problemize))
        .wrap(actix_web::middleware::from_fn(
            crate::auth::security_headers,
        ))
        .wrap(Logger::new("%a \"%r\" %s %b %Dms").exclude("/healthz"))
}

/// CORS for the configured dashboard origins only (and the service's own
/// origin, for Swagger UI). Any other `Origin` is refused and never echoed.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let allowed = origins.to_vec();
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, req| {
            let origin = origin.to_str().unwrap_or("");
            let host = req
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            allowed.iter().any(|o| o == origin)
                || (!host.is_empty()
                    && (origin == format!("http://{host}") || origin == format!("https://{host}")))
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::ACCEPT,
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .max_age(600)
}

/// A path naming something with a NUL byte (`%00`) names nothing: 404,
/// before it can reach a handler or the database.
async fn reject_nul_in_path(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.uri().path().to_ascii_lowercase().contains("%00") {
        let resp = actix_web::ResponseError::error_response(&ApiError::NotFound(
            "no such resource".into(),
        ));
        return Ok(req.into_response(resp).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Unknown path: 404; known path with another method: 405 with `Allow`.
async fn not_found_or_not_allowed(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let allow = routes.methods_for(req.path());
    Err(if allow.is_empty() {
        ApiError::NotFound(format!("no route {}", req.path()))
    } else {
        ApiError::MethodNotAllowed { allow }
    })
}

/// Turns any error response that is not already problem+json (actix's own
/// errors) into one, keeping its status and headers.
fn problemize<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status.as_u16() {
        400 => ApiError::BadRequest("the request could not be understood".into()),
        404 => ApiError::NotFound("no such resource".into()),
        413 => {
            ApiError::PayloadTooLarge("the request body is larger than the configured limit".into())
        }
        415 => ApiError::UnsupportedMediaType("unsupported content type".into()),
        503 => ApiError::Unavailable("the service is unavailable".into()),
        s if s >= 500 => ApiError::Internal(format!("unhandled {status} response")),
        _ => ApiError::BadRequest(status.canonical_reason().unwrap_or("error").to_string()),
    };
    let problem = err.problem();
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let problem = crate::error::Problem {
        status: status.as_u16(),
        ..problem
    };
    let resp: HttpResponse<BoxBody> = new
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(serde_json::to_string(&problem).unwrap_or_default());
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, resp).map_into_right_body(),
    ))
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
