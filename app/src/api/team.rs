use crate::domain::deferred::Deferred;
use crate::domain::plan::SeatUsage;
use crate::domain::views::{AuditPage, InvitationCreated, InvitationPreview, TeamView};
use crate::domain::{AppError, BotId, MemberId, Role};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "team/list")]
pub async fn team(bot_id: BotId, page: Option<i64>, search: Option<String>) -> Result<Deferred<TeamView>, AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&team::team_view(&state.db, user, bot_id, page, search.as_deref()).await?)
}

#[server(prefix = "/api", endpoint = "team/set-seat")]
pub async fn set_seat(bot_id: BotId, member_id: MemberId, enable: bool) -> Result<SeatUsage, AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    let seats = team::set_seat(&state.db, user, bot_id, member_id, enable).await?;
    // The member's open streams re-check their rights now, not at the next poll.
    state.hub.wake(bot_id);
    Ok(seats)
}

#[server(prefix = "/api", endpoint = "team/change-role")]
pub async fn change_role(bot_id: BotId, member_id: MemberId, role: Role) -> Result<(), AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    team::change_role(&state.db, user, bot_id, member_id, role).await?;
    state.hub.wake(bot_id);
    Ok(())
}

#[server(prefix = "/api", endpoint = "team/remove")]
pub async fn remove_member(bot_id: BotId, member_id: MemberId) -> Result<(), AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    team::remove_member(&state.db, user, bot_id, member_id).await?;
    state.hub.wake(bot_id);
    Ok(())
}

/// `with_seat` is a checkbox: present ("on") when ticked.
#[server(prefix = "/api", endpoint = "team/invite")]
pub async fn invite(
    bot_id: BotId,
    email: String,
    role: Role,
    with_seat: Option<String>,
) -> Result<InvitationCreated, AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    let request = team::InviteRequest { email: &email, role, with_seat: with_seat.is_some() };
    team::invite(&state.db, user, bot_id, request, state.settings.invitation_ttl).await
}

#[server(prefix = "/api", endpoint = "team/revoke-invitation")]
pub async fn revoke_invitation(bot_id: BotId, invitation_id: i64) -> Result<(), AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    team::revoke_invitation(&state.db, user, bot_id, invitation_id).await
}

#[server(prefix = "/api", endpoint = "team/audit")]
pub async fn audit_log(bot_id: BotId, before: Option<i64>) -> Result<Deferred<AuditPage>, AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&team::audit_log(&state.db, user, bot_id, before).await?)
}

/// Public: the link itself is the credential, and the page must explain expired links.
#[server(prefix = "/api", endpoint = "invitations/preview")]
pub async fn preview_invitation(token: String) -> Result<Deferred<InvitationPreview>, AppError> {
    use crate::server::rate_limit::{self, Bucket};
    use crate::server::{context, services::team};
    let state = context::state()?;
    let ip = context::client_ip();
    let limit = state.settings.limits.invitation_preview_per_address;
    rate_limit::take(&state.db, Bucket::InvitationPreviewFromAddress(&ip), limit, "Too many invitation links opened.")
        .await?;
    Deferred::new(&team::preview_invitation(&state.db, &token).await?)
}

#[server(prefix = "/api", endpoint = "invitations/accept")]
pub async fn accept_invitation(token: String) -> Result<BotId, AppError> {
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    let (bot, role) = team::accept_invitation(&state.db, user, &token).await?;
    state.hub.wake(bot);
    leptos_axum::redirect(&role.landing_path(bot));
    Ok(bot)
}

/// The handoff step: the member's open conversations and who can take them.
#[server(prefix = "/api", endpoint = "team/handoff-step")]
pub async fn handoff_step(
    bot_id: BotId,
    member_id: MemberId,
) -> Result<Deferred<crate::domain::handoff::HandoffStep>, AppError> {
    use crate::server::{context, services::handoff};
    let (state, user) = context::signed_in_user().await?;
    Deferred::new(&handoff::step(&state.db, user, bot_id, member_id).await?)
}

/// Removes the seat (`what` = "seat"), the member ("member"), or moves them to `role`
/// ("role"), handing their open conversations off by `plan` (JSON, see `Handoff`) in the
/// same step: both happen, or neither.
#[server(prefix = "/api", endpoint = "team/hand-off")]
pub async fn hand_off(
    bot_id: BotId,
    member_id: MemberId,
    what: String,
    role: Option<Role>,
    plan: String,
) -> Result<(), AppError> {
    use crate::domain::handoff::Handoff;
    use crate::server::{context, services::team};
    let (state, user) = context::signed_in_user().await?;
    let plan = Handoff::parse(&plan)?;
    let done = match (what.as_str(), role) {
        ("seat", _) => {
            team::set_seat_handing_off(&state.db, user, bot_id, member_id, false, Some(&plan)).await.map(|_| ())
        }
        ("member", _) => team::remove_member_handing_off(&state.db, user, bot_id, member_id, Some(&plan)).await,
        ("role", Some(role)) => {
            team::change_role_handing_off(&state.db, user, bot_id, member_id, role, Some(&plan)).await
        }
        _ => Err(AppError::BadRequest("`what` must be seat, member or role (with a role).".into())),
    };
    if done.is_ok() {
        state.hub.wake(bot_id);
    }
    done
}
