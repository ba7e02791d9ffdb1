use super::db::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use std::time::Duration;

/// Everything a request needs, passed explicitly (axum state + Leptos context): no globals,
/// so every test builds its own with its own database.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

/// Security and session settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark the session cookie `Secure` (HTTPS only).
    pub secure_cookies: bool,
    /// A session unused this long is gone.
    pub idle_timeout: Duration,
    /// A session older than this is gone however active it is.
    pub absolute_lifetime: Duration,
    /// Trust the left-most `X-Forwarded-For` address (only behind your own proxy).
    pub trust_forwarded_for: bool,
    pub login_limits: LoginLimits,
    /// How long an invitation link works.
    pub invitation_ttl: Duration,
}

/// Failed log-ins allowed per window, per client address and per email.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    pub window: Duration,
    pub per_ip: i64,
    pub per_email: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            idle_timeout: Duration::from_secs(12 * 3600),
            absolute_lifetime: Duration::from_secs(7 * 24 * 3600),
            trust_forwarded_for: false,
            login_limits: LoginLimits { window: Duration::from_secs(15 * 60), per_ip: 30, per_email: 5 },
            invitation_ttl: Duration::from_secs(24 * 3600),
        }
    }
}
