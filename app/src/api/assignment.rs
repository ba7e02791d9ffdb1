//! Automatic assignment's server functions: thin adapters over `services::assignment`.
use crate::domain::assignment::{AssignMode, AssignmentView, Availability};
use crate::domain::deferred::Deferred;
use crate::domain::ids::{ConversationId, TeamId};
use crate::domain::{AppError, BotId, MemberId};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "assignment/overview")]
pub async fn assignment_overview(bot_id: BotId) -> Result<Deferred<AssignmentView>, AppError> {
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&assignment::overview(&state.db, user, bot_id).await?)
}

/// `route_team_id` empty: no "assign all to one team".
#[server(prefix = "/api", endpoint = "assignment/settings")]
pub async fn save_assignment_settings(
    bot_id: BotId,
    auto_assign: Option<String>,
    mode: AssignMode,
    default_capacity: String,
    route_team_id: Option<TeamId>,
    auto_offline_minutes: Option<i64>,
    unanswered_minutes: Option<i64>,
    unanswered_team_id: Option<TeamId>,
) -> Result<(), AppError> {
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    let settings = crate::domain::assignment::AssignmentSettings {
        // A checkbox: present when ticked.
        auto_assign: auto_assign.is_some(),
        mode,
        default_capacity: crate::domain::assignment::parse_capacity(&default_capacity)?,
        route_team: route_team_id,
        auto_offline_minutes: auto_offline_minutes.unwrap_or(0),
        unanswered_minutes: unanswered_minutes.unwrap_or(0),
        unanswered_team: unanswered_team_id,
    };
    assignment::save_settings(&state.db, &state.hub, user, bot_id, settings).await
}

#[server(prefix = "/api", endpoint = "assignment/team")]
pub async fn set_team_auto_assign(bot_id: BotId, team_id: TeamId, auto_assign: bool) -> Result<(), AppError> {
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    assignment::set_team_auto_assign(&state.db, &state.hub, user, bot_id, team_id, auto_assign).await
}

/// `mode` empty: the bot's mode.
#[server(prefix = "/api", endpoint = "assignment/team-mode")]
pub async fn set_team_mode(bot_id: BotId, team_id: TeamId, mode: String) -> Result<(), AppError> {
    use crate::domain::assignment::AssignMode;
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    let mode = match mode.trim() {
        "" => None,
        code => {
            Some(AssignMode::parse(code).ok_or_else(|| AppError::invalid("mode", "Pick round-robin or balanced."))?)
        }
    };
    assignment::set_team_mode(&state.db, &state.hub, user, bot_id, team_id, mode).await
}

/// `capacity` empty: the bot's default.
#[server(prefix = "/api", endpoint = "assignment/capacity")]
pub async fn set_member_capacity(bot_id: BotId, member_id: MemberId, capacity: String) -> Result<(), AppError> {
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    let capacity = match capacity.trim() {
        "" => None,
        raw => Some(crate::domain::assignment::parse_capacity(raw)?),
    };
    assignment::set_capacity(&state.db, &state.hub, user, bot_id, member_id, capacity).await
}

#[server(prefix = "/api", endpoint = "assignment/availability")]
pub async fn set_availability(bot_id: BotId, availability: Availability) -> Result<(), AppError> {
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    assignment::set_availability(&state.db, &state.hub, user, bot_id, availability).await
}

/// `conversation_id` empty: the whole queue.
#[server(prefix = "/api", endpoint = "assignment/auto-assign")]
pub async fn auto_assign(bot_id: BotId, conversation_id: Option<ConversationId>) -> Result<usize, AppError> {
    use crate::server::{context, services::assignment};
    let (state, user) = context::signed_in_user().await?;
    assignment::auto_assign_now(&state.db, &state.hub, user, bot_id, conversation_id).await
}
