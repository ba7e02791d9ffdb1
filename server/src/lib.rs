//! The Switchboard HTTP server: configuration, middleware and the router.
mod bundle_files;
pub mod config;
mod inbox_http;
mod middleware;

/// Bounds on every request, so no client can hold the server's memory or workers without limit.
pub mod limits {
    use std::time::Duration;

    /// Server function calls (forms): generous for any form, far below anything harmful.
    pub const FORM_BODY_BYTES: usize = 64 * 1024;
    /// A request not answered by then gets 503 (its work is dropped, its transaction rolled back).
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// Requests handled at once; more wait for a turn (within the timeout).
    pub const MAX_IN_FLIGHT: usize = 512;
}

use app::server::session_store::SqlSessionStore;
use app::server::{AppState, Db, Settings};
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use std::collections::HashSet;
use std::sync::Arc;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

pub use config::Config;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "switchboard_session";

/// Builds the whole application for one `AppState` (one database): used by `main` and by tests.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            app::server::context::provide_page_security_policy();
        }
    };

    let sessions = SessionManagerLayer::new(SqlSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::try_from(state.settings.idle_timeout)
                .unwrap_or(tower_sessions::cookie::time::Duration::hours(12)),
        ));

    let known_endpoints: Arc<HashSet<String>> =
        Arc::new(leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_string()).collect());
    Router::new()
        .route("/api/{*fn_name}", post(server_fn_handler).get(server_fn_handler))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .merge(inbox_http::routes())
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            ServeDir::new(&pkg_dir).precompressed_br().precompressed_gzip(),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        // The bundle's chunk packs, compressed against the main module for browsers that hold
        // it (innermost: the answer still passes every header-setting layer below).
        .layer(axum::middleware::from_fn_with_state(
            bundle_files::BundleDir::new(&pkg_dir, &format!("/{}", options.site_pkg_dir)),
            bundle_files::dictionary_encoding,
        ))
        // Server functions: buffered bodies within the form limit (413), forms in UTF-8 (400),
        // unknown endpoints a plain 404, failures with their AppError's status. Routes that
        // carry files have their own, larger limit, merged beside this one.
        .layer(axum::middleware::from_fn(middleware::read_api_body))
        .layer(RequestBodyLimitLayer::new(limits::FORM_BODY_BYTES))
        .merge(inbox_http::upload_routes(state.settings.max_upload_bytes))
        .layer(axum::middleware::from_fn_with_state(known_endpoints, middleware::known_endpoints))
        .layer(axum::middleware::from_fn(middleware::error_status))
        .layer(axum::middleware::from_fn(middleware::require_session))
        .layer(axum::middleware::from_fn_with_state(state.settings.idle_timeout, middleware::keep_session_alive))
        .layer(sessions)
        .layer(axum::middleware::from_fn(middleware::same_origin_writes))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.settings.trusted_proxy_hops, middleware::client_ip))
        .layer(GlobalConcurrencyLimitLayer::new(limits::MAX_IN_FLIGHT))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limits::REQUEST_TIMEOUT))
        // Pages, server-function answers and the widget's files go out compressed (brotli or
        // gzip, as the browser accepts); live streams (text/event-stream), images and the
        // already compressed bundle files are left as they are.
        .layer(CompressionLayer::new())
        // A bug that panics answers 500 (logged) instead of dropping the connection.
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(middleware::request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

async fn server_fn_handler(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// Connects to the database, applies migrations and assembles the state.
pub async fn build_state(config: &Config) -> Result<AppState, Box<dyn std::error::Error>> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(state_for(db, config.leptos_options(), config.settings.clone()))
}

pub fn state_for(db: Db, leptos_options: leptos::config::LeptosOptions, settings: Settings) -> AppState {
    let hub = app::server::live::Hub::new(db.clone());
    let media = Arc::new(app::server::media::LocalDisk::new(&settings.media_dir));
    AppState { db, hub, leptos_options, settings: Arc::new(settings), media }
}

/// Starts this process's background work on `state`: the outbox worker (delivers replies to
/// API channels) and, on Postgres, the listener that wakes live streams for other processes'
/// events.
pub fn start_workers(state: &AppState) -> tokio::task::JoinHandle<()> {
    app::server::live::listen_postgres(state.hub.clone());
    app::server::services::assignment::spawn_idle_sweeper(
        state.db.clone(),
        state.hub.clone(),
        std::time::Duration::from_secs(30),
    );
    app::server::outbox::Worker {
        db: state.db.clone(),
        hub: state.hub.clone(),
        signal: state.hub.outbox_signal(),
        base_backoff_ms: 1000,
        poll: std::time::Duration::from_secs(2),
        public_url: state.settings.public_url.clone(),
        send_timeout: app::server::outbox::SEND_TIMEOUT,
    }
    .spawn()
}
