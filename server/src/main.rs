use app::server::session_store::SqlSessionStore;
use std::time::Duration;
use switchboard::{Config, app, build_state};
use tower_sessions::ExpiredDeletion;
use tracing_subscriber::EnvFilter;

fn main() {
    return_freed_memory();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match runtime {
        Ok(runtime) => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            match args.first().map(String::as_str) {
                Some("seed") => runtime.block_on(seed(&args[1..])),
                _ => runtime.block_on(serve()),
            }
        }
        Err(err) => {
            eprintln!("switchboard: could not start the async runtime: {err}");
            std::process::exit(1);
        }
    }
}

/// glibc's malloc raises its mmap threshold to the size of the largest block freed (up to
/// 32 MiB), so after the first log-in every 19 MiB Argon2 block comes from an arena and stays
/// there: RSS only grows with bursts. A fixed 1 MiB threshold (which also turns off that
/// adjustment) maps such blocks fresh and unmaps them when freed, so memory returns to its
/// steady level after a burst. Small allocations are unaffected.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called once before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

/// `switchboard seed --conversations N --messages-per M`: synthetic data for benchmarks.
fn seed_plan(args: &[String]) -> Result<app::server::services::seed::SeedPlan, String> {
    let mut plan = app::server::services::seed::SeedPlan { conversations: 1000, messages_per: 10 };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a number"))?;
        let n: i64 = value.parse().map_err(|_| format!("{flag}: `{value}` is not a number"))?;
        match flag.as_str() {
            "--conversations" if n >= 1 => plan.conversations = n,
            "--messages-per" if n >= 0 => plan.messages_per = n,
            _ => return Err(format!("unknown or out-of-range option {flag} {value}")),
        }
    }
    Ok(plan)
}

async fn seed(args: &[String]) {
    let plan = match seed_plan(args) {
        Ok(plan) => plan,
        Err(problem) => {
            eprintln!("switchboard seed: {problem}\nusage: switchboard seed [--conversations N] [--messages-per M]");
            std::process::exit(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("switchboard: configuration error: {problem}");
            std::process::exit(2);
        }
    };
    init_logging(config.json_logs);
    app::server::password::configure(config.password_workers, config.password_queue);
    let state = match build_state(&config).await {
        Ok(state) => state,
        Err(err) => {
            eprintln!("switchboard seed: could not open the database: {err}");
            std::process::exit(1);
        }
    };
    let started = std::time::Instant::now();
    match app::server::services::seed::seed(&state.db, &plan).await {
        Ok(seeded) => println!(
            "seeded bot {} with {} conversations × {} messages in {:.1}s; log in as {} / {}",
            seeded.bot,
            plan.conversations,
            plan.messages_per,
            started.elapsed().as_secs_f64(),
            seeded.owner_email,
            seeded.password
        ),
        Err(err) => {
            eprintln!("switchboard seed: failed: {err}");
            std::process::exit(1);
        }
    }
    state.db.close().await;
}

async fn serve() {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(problem) => {
            eprintln!("switchboard: configuration error: {problem}");
            std::process::exit(2);
        }
    };
    init_logging(config.json_logs);
    app::server::password::configure(config.password_workers, config.password_queue);

    let state = match build_state(&config).await {
        Ok(state) => state,
        Err(err) => {
            tracing::error!(error = %err, database = %app::server::db::redact(&config.database_url), "could not open the database");
            std::process::exit(1);
        }
    };
    spawn_housekeeping(&state);
    switchboard::start_workers(&state);

    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(error = %err, addr = %config.addr, "could not listen");
            std::process::exit(1);
        }
    };
    tracing::info!(
        database = %app::server::db::redact(&config.database_url),
        "Switchboard is ready on http://{} — open it and sign up to create your first bot",
        config.addr
    );
    let router = app(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let hub = state.hub.clone();
    let shutdown = async move {
        shutdown_signal().await;
        hub.close_streams();
    };
    if let Err(err) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
        tracing::error!(error = %err, "server error");
    }
    state.db.close().await;
    tracing::info!("Switchboard stopped");
}

fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json { builder.json().init() } else { builder.init() }
}

/// Expired sessions, ended rate-limit windows and old live events are removed periodically.
fn spawn_housekeeping(state: &app::server::AppState) {
    let store = SqlSessionStore::new(state.db.clone());
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(err) = store.delete_expired().await {
                tracing::warn!(error = %err, "could not delete expired sessions");
            }
            let now = app::server::db::now_ms();
            let pruned = async {
                app::server::repo::rate_limits::prune(&mut *db.writer().await?, now).await?;
                // Live streams resume from the log for up to a day; a client away longer reloads.
                app::server::repo::events::prune(&mut *db.writer().await?, now - 24 * 3600 * 1000).await
            };
            if let Err(err) = pruned.await {
                tracing::warn!(error = %err, "could not prune rate limits and live events");
            }
        }
    });
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests finish before the process exits (live
/// streams end at once: their clients reconnect and resume).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
