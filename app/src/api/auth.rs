use crate::domain::AppError;
use crate::domain::views::SessionView;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "auth/sign-up")]
pub async fn sign_up(name: String, email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{context, services::accounts};
    let state = context::state()?;
    let user = accounts::sign_up(&state.db, &name, &email, &password).await?;
    context::start_session(user).await?;
    leptos_axum::redirect(&safe_next(next));
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/log-in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{context, services::accounts};
    let state = context::state()?;
    let ip = context::client_ip();
    let user = accounts::log_in(&state.db, &state.settings.login_limits, &ip, &email, password).await?;
    context::start_session(user).await?;
    leptos_axum::redirect(&safe_next(next));
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/log-out")]
pub async fn log_out() -> Result<(), AppError> {
    use crate::server::context;
    context::signed_in_user().await?;
    context::end_session().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in, if anyone (public: the UI asks this to decide what to show).
#[server(prefix = "/api", endpoint = "auth/session")]
pub async fn current_session() -> Result<Option<SessionView>, AppError> {
    use crate::server::{context, services::accounts};
    match context::signed_in_user().await {
        Ok((state, user)) => accounts::session_view(&state.db, user).await,
        Err(AppError::Unauthenticated) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Where to go after signing in: a path on this site only (never another origin).
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path,
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    // On the browser target the same tests run under wasm-bindgen-test (in Node).
    use super::safe_next;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/invite/abc".into())), "/invite/abc");
        assert_eq!(safe_next(Some("//evil.example/x".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
