use super::db::Db;
use super::rate_limit::Limit;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use std::time::Duration;

/// Everything a request needs, passed explicitly (axum state + Leptos context): no globals,
/// so every test builds its own with its own database.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// This process's live-update fan-out and outbox wake-up.
    pub hub: super::live::Hub,
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    /// Where attachments' bytes live (`Settings::media_dir` on local disk by default).
    pub media: Arc<dyn super::media::MediaStore>,
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
    /// Take the client address from `X-Forwarded-For`, as added by this many trusted proxies
    /// in front (0: use the socket peer). Only behind your own proxies.
    pub trusted_proxy_hops: usize,
    pub limits: Limits,
    /// How long an invitation link works.
    pub invitation_ttl: Duration,
    /// The folder attachments are stored in (local disk media store).
    pub media_dir: std::path::PathBuf,
    /// The largest file accepted in a conversation.
    pub max_upload_bytes: usize,
    /// How the world reaches this server (`https://inbox.example.com`): the base of the file
    /// links sent to API channels' connectors.
    pub public_url: String,
}

/// The abuse limits on public endpoints (listed in README "Abuse limits").
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// New accounts per client address.
    pub sign_up_per_address: Limit,
    /// Log-in attempts for one email from one address: the limit a guesser meets first. A
    /// successful log-in is not counted, and it never locks the user out from elsewhere.
    pub log_in_per_address_and_email: Limit,
    /// Failed log-ins from one address, whatever the email (password spraying).
    pub log_in_per_address: Limit,
    /// Failed log-ins for one email from anywhere (guessing spread over many addresses). High,
    /// so locking someone out takes a large, distributed effort and lasts at most the window.
    pub log_in_per_email: Limit,
    /// Invitation link previews per client address (the links themselves are unguessable).
    pub invitation_preview_per_address: Limit,
    /// Webhook deliveries per API channel (signed; the limit only stops a runaway connector).
    /// Counted in the delivery's own transaction; a redelivery answered as a duplicate is not.
    pub webhook_per_channel: Limit,
    /// Refused webhook deliveries (bad signature, unknown channel, malformed body) per client
    /// address; past it the address is refused until the window ends.
    pub webhook_refused_per_address: Limit,
    /// New widget chat sessions per client address.
    pub widget_start_per_address: Limit,
    /// Widget calls per client address — messages, typing, hand-overs, loading the chat and
    /// live reconnects (a whole office may share one address).
    pub widget_per_address: Limit,
    /// Widget messages and typing per visitor.
    pub widget_per_visitor: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        const MINUTE: Duration = Duration::from_secs(60);
        Limits {
            sign_up_per_address: Limit::per(20, 60 * MINUTE),
            log_in_per_address_and_email: Limit::per(5, 15 * MINUTE),
            log_in_per_address: Limit::per(30, 15 * MINUTE),
            log_in_per_email: Limit::per(100, 60 * MINUTE),
            invitation_preview_per_address: Limit::per(60, MINUTE),
            webhook_per_channel: Limit::per(60_000, MINUTE),
            webhook_refused_per_address: Limit::per(120, MINUTE),
            widget_start_per_address: Limit::per(30, 60 * MINUTE),
            widget_per_address: Limit::per(600, MINUTE),
            widget_per_visitor: Limit::per(60, MINUTE),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            idle_timeout: Duration::from_secs(12 * 3600),
            absolute_lifetime: Duration::from_secs(7 * 24 * 3600),
            trusted_proxy_hops: 0,
            limits: Limits::default(),
            invitation_ttl: Duration::from_secs(24 * 3600),
            media_dir: std::path::PathBuf::from("data/media"),
            max_upload_bytes: crate::domain::media::DEFAULT_MAX_UPLOAD_BYTES,
            public_url: "http://127.0.0.1:3000".into(),
        }
    }
}
