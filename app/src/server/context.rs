//! What a server function needs from the request: the app state, the session, the signed-in
//! user and the client address.
use super::db::now_ms;
use super::state::AppState;
use crate::domain::{AppError, UserId};
use leptos::prelude::*;
use tower_sessions::Session;

const USER_ID: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at_ms";
const SEEN_AT: &str = "seen_at_ms";

/// The client's address as the server crate determined it (socket, or a trusted proxy header).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// The signed-in user, or 401. Enforces the session's absolute lifetime (the idle timeout is
/// enforced by the session layer's expiry).
pub async fn signed_in_user() -> Result<(AppState, UserId), AppError> {
    let state = state()?;
    let session = session().await?;
    let user = user_of_session(&session, &state).await?;
    Ok((state, user))
}

/// The signed-in user of `session` (for handlers outside server functions, like live streams).
pub async fn user_of_session(session: &Session, state: &AppState) -> Result<UserId, AppError> {
    let user: Option<i64> = session.get(USER_ID).await.map_err(session_error)?;
    let signed_in_at: Option<i64> = session.get(SIGNED_IN_AT).await.map_err(session_error)?;
    let (Some(user), Some(signed_in_at)) = (user, signed_in_at) else {
        return Err(AppError::Unauthenticated);
    };
    if now_ms() - signed_in_at > state.settings.absolute_lifetime.as_millis() as i64 {
        session.flush().await.map_err(session_error)?;
        return Err(AppError::Unauthenticated);
    }
    Ok(UserId(user))
}

/// Whether the session belongs to a signed-in user (a cheap pre-check; server functions
/// still load and verify the user themselves).
pub async fn has_signed_in_user(session: &Session) -> bool {
    matches!(session.get::<i64>(USER_ID).await, Ok(Some(_)))
}

/// Slides a signed-in session's idle expiry: when a tenth of the idle period has passed since
/// it was last refreshed, the session is marked changed, so the session layer saves it with a
/// new expiry and re-sends the cookie. Anonymous sessions are left alone (never stored).
pub async fn keep_alive(session: &Session, idle: std::time::Duration) {
    if !has_signed_in_user(session).await {
        return;
    }
    let now = now_ms();
    let due = (idle.as_millis() as i64 / 10).max(1000);
    let seen: Option<i64> = session.get(SEEN_AT).await.ok().flatten();
    if seen.is_none_or(|seen| now - seen >= due) {
        if let Err(err) = session.insert(SEEN_AT, now).await {
            tracing::warn!(error = %err, "could not refresh the session");
        }
    }
}

/// The page's Content-Security-Policy, allowing only our own files and the inline scripts that
/// carry this render's nonce (hydration and streamed data). Set by the page render itself, the
/// one place that knows the nonce.
pub fn provide_page_security_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    match http::HeaderValue::from_str(&policy) {
        Ok(value) => response.insert_header(http::header::CONTENT_SECURITY_POLICY, value),
        Err(err) => tracing::error!(error = %err, "could not build the page security policy"),
    }
}

/// Starts an authenticated session under a new id (defeats session fixation).
pub async fn start_session(user: UserId) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_error)?;
    session.insert(USER_ID, user.0).await.map_err(session_error)?;
    session.insert(SIGNED_IN_AT, now_ms()).await.map_err(session_error)?;
    session.insert(SEEN_AT, now_ms()).await.map_err(session_error)?;
    Ok(())
}

/// Deletes the server-side session and expires the cookie.
pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}

pub fn client_ip() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().map(|ip| ip.0.clone()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn session_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store failed");
    AppError::Internal
}
