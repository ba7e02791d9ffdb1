use crate::domain::AppError;
use crate::domain::deferred::Deferred;
#[cfg(feature = "ssr")]
use crate::domain::input::NextPath;
use crate::domain::views::SessionView;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "auth/sign-up")]
pub async fn sign_up(name: String, email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::rate_limit::{self, Bucket};
    use crate::server::{context, services::accounts};
    let next = NextPath::parse(next.as_deref());
    let state = context::state()?;
    let ip = context::client_ip();
    let limit = state.settings.limits.sign_up_per_address;
    rate_limit::take(&state.db, Bucket::SignUpFromAddress(&ip), limit, "Too many sign-ups from your network.").await?;
    let user = accounts::sign_up(&state.db, &name, &email, &password).await?;
    context::start_session(user).await?;
    leptos_axum::redirect(next.as_str());
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/log-in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{context, services::accounts};
    let next = NextPath::parse(next.as_deref());
    let state = context::state()?;
    let ip = context::client_ip();
    let user = accounts::log_in(&state.db, &state.settings.limits, &ip, &email, password).await?;
    context::start_session(user).await?;
    leptos_axum::redirect(next.as_str());
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
pub async fn current_session() -> Result<Deferred<Option<SessionView>>, AppError> {
    use crate::server::{context, services::accounts};
    match context::signed_in_user().await {
        Ok((state, user)) => Deferred::new(&accounts::session_view(&state.db, user).await?),
        Err(AppError::Unauthenticated) => Ok(Deferred::none()),
        Err(other) => Err(other),
    }
}
