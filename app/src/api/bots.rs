use crate::domain::deferred::Deferred;
use crate::domain::views::BotMembership;
use crate::domain::{AppError, BotId, Tab};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "bots/create")]
pub async fn create_bot(name: String) -> Result<BotId, AppError> {
    use crate::server::{context, services::bots};
    let (state, user) = context::signed_in_user().await?;
    let bot = bots::create_bot(&state.db, user, &name).await?;
    leptos_axum::redirect(&crate::domain::Role::Owner.landing_path(bot));
    Ok(bot)
}

/// The acting member's view of a bot section; 404 if not a member, 403 if the role lacks it.
#[server(prefix = "/api", endpoint = "bots/section")]
pub async fn open_section(bot_id: BotId, tab: Tab) -> Result<Deferred<BotMembership>, AppError> {
    use crate::server::{context, services::bots};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&bots::authorize_tab(&state.db, user, bot_id, tab).await?)
}

/// A demo bot with conversations and teammates to log in as. Counts against the sign-up limit
/// of the caller's address (it creates accounts).
#[server(prefix = "/api", endpoint = "bots/create-demo")]
pub async fn create_demo_bot() -> Result<crate::domain::inbox::DemoBot, AppError> {
    use crate::server::rate_limit::{self, Bucket};
    use crate::server::{context, services::demo};
    let (state, user) = context::signed_in_user().await?;
    let ip = context::client_ip();
    let limit = state.settings.limits.sign_up_per_address;
    rate_limit::take(&state.db, Bucket::SignUpFromAddress(&ip), limit, "Too many new accounts from your address.")
        .await?;
    demo::create_demo_bot(&state.db, &state.hub, user).await
}
