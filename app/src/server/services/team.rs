//! Team Manager: members, roles, seats, invitations and the audit log. Every write follows
//! lock → load facts → ask the policy → write → audit, in one transaction.
use super::{acting, actor_of};
use crate::domain::audit::AuditAction;
use crate::domain::events::LiveEvent;
use crate::domain::handoff::Handoff;
use crate::domain::input::Email;
use crate::domain::plan::SeatUsage;
use crate::domain::policy::{self, Actor, Denied};
use crate::domain::views::{AuditPage, InvitationCreated, InvitationPreview, InvitationStatus, MemberPage, TeamView};
use crate::domain::{AppError, BotId, MemberId, Role, UserId};
use crate::server::db::WriteTx;
use crate::server::db::{Db, now_ms};
use crate::server::repo::{self, audit, events, inbox, team};
use crate::server::services::handoff;
use blake2::{Blake2s256, Digest};

pub const AUDIT_PAGE_SIZE: i64 = 50;

/// One page of the Team tab. `search` filters by name or email (case-insensitive).
pub async fn team_view(
    db: &Db,
    user: UserId,
    bot: BotId,
    page: Option<i64>,
    search: Option<&str>,
) -> Result<TeamView, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting(&mut conn, user, bot).await?;
    policy::can_view_team(actor_of(&me).as_ref())?;
    let me = me.ok_or(AppError::NotFound)?;
    let search = search.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty() && s.len() <= 100);
    let (plan, seats) = repo::plan_and_seats(&mut *conn, bot).await?.ok_or(AppError::NotFound)?;
    let matching = repo::count_members(&mut *conn, bot, search.as_deref()).await?;
    let mut member_page = MemberPage { number: page.unwrap_or(1).max(1), size: MemberPage::SIZE, matching, search };
    member_page.number = member_page.number.min(member_page.pages());
    let offset = (member_page.number - 1) * member_page.size;
    let members = repo::members_page(&mut *conn, bot, member_page.search.as_deref(), offset, member_page.size).await?;
    let viewer_member_id = repo::member_id_of(&mut *conn, bot, user).await?.ok_or(AppError::NotFound)?;
    let owners = team::owner_count(&mut *conn, bot).await?;
    let invitations = team::pending_invitations(&mut *conn, bot, now_ms()).await?;
    Ok(TeamView {
        bot_id: bot,
        viewer: me.actor(),
        viewer_member_id,
        plan_name: plan.name,
        seats,
        owners,
        members,
        page: member_page,
        invitations,
    })
}

/// Every team write starts here: the bot's team locked for the rest of the transaction (so
/// concurrent writers of one bot run one after another on both databases), and the acting
/// member loaded fresh and allowed to manage the team.
async fn open_team_write(db: &Db, user: UserId, bot: BotId) -> Result<(WriteTx, Option<Actor>), AppError> {
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let me = actor_of(&acting(&mut tx, user, bot).await?);
    policy::can_manage_team(me.as_ref())?;
    Ok((tx, me))
}

/// A write on one member: `open_team_write`, then the target loaded from *this* bot (another
/// bot's member id is "not found").
async fn open_member_write(
    db: &Db,
    user: UserId,
    bot: BotId,
    member: MemberId,
) -> Result<(WriteTx, Option<Actor>, team::MemberFacts), AppError> {
    let (mut tx, me) = open_team_write(db, user, bot).await?;
    let target = team::member_in_bot(&mut *tx, bot, member).await?.ok_or(AppError::NotFound)?;
    Ok((tx, me, target))
}

/// Turns a member's Inbox seat on or off; returns the pool afterwards.
pub async fn set_seat(
    db: &Db,
    user: UserId,
    bot: BotId,
    member: MemberId,
    enable: bool,
) -> Result<SeatUsage, AppError> {
    set_seat_handing_off(db, user, bot, member, enable, None).await
}

/// `set_seat`, handing the member's open conversations off by `plan` in the same step when
/// the seat goes.
pub async fn set_seat_handing_off(
    db: &Db,
    user: UserId,
    bot: BotId,
    member: MemberId,
    enable: bool,
    plan: Option<&Handoff>,
) -> Result<SeatUsage, AppError> {
    let now = now_ms();
    let mut auto = Vec::new();
    let (mut tx, me, target) = open_member_write(db, user, bot, member).await?;
    let seats = team::seat_usage(&mut *tx, bot).await?;
    if enable == target.has_seat {
        // Already as asked: nothing to do — but only for someone who may ask at all.
        policy::can_set_seat(me.as_ref(), target.role, false, &seats)?;
        return Ok(seats);
    }
    policy::can_set_seat(me.as_ref(), target.role, enable, &seats)?;
    if enable {
        // The pool is the real guard: one conditional UPDATE, exact under concurrency.
        if !team::take_pool_seat(&mut *tx, bot).await? {
            return Err(seats.grant_refusal().unwrap_or(Denied::NoFreeSeats).into());
        }
        if !team::seat_member(&mut *tx, bot, member).await? {
            return Ok(seats); // raced with another grant of the same seat: roll back, nothing changed
        }
        audit::record(
            &mut *tx,
            bot,
            Some(user),
            AuditAction::SeatGranted,
            &format!("Gave {} an Inbox seat", target.name),
            now,
        )
        .await?;
    } else {
        if let Some(plan) = plan {
            auto = handoff::apply(db, &mut tx, user, bot, member, plan, now).await?;
        }
        // Nobody holds a conversation without a seat.
        policy::holds_nothing(&target.name, inbox::open_held_by(&mut *tx, member).await?)?;
        if team::unseat_member(&mut *tx, bot, member).await? {
            team::release_pool_seat(&mut *tx, bot).await?;
        }
        audit::record(
            &mut *tx,
            bot,
            Some(user),
            AuditAction::SeatRemoved,
            &format!("Removed {}'s Inbox seat", target.name),
            now,
        )
        .await?;
    }
    member_changed(db, &mut tx, bot, member).await?;
    handoff::settle(db, &mut tx, bot, &auto, now).await?;
    if enable {
        // A new seat holder may take what waits.
        crate::server::services::assignment::drain(
            db,
            &mut tx,
            bot,
            crate::server::services::assignment::Scope::Automatic,
            now,
        )
        .await?;
    }
    let seats = team::seat_usage(&mut *tx, bot).await?;
    tx.commit().await?;
    Ok(seats)
}

/// Tells the member's open live streams to re-check their rights.
async fn member_changed(db: &Db, tx: &mut WriteTx, bot: BotId, member: MemberId) -> Result<(), AppError> {
    events::append(tx, db.backend(), bot, &LiveEvent::MemberChanged { member }).await?;
    Ok(())
}

/// Changes a member's role. A seat holder moved to a role that cannot hold a seat loses the
/// seat in the same step; the last Owner cannot be demoted.
pub async fn change_role(db: &Db, user: UserId, bot: BotId, member: MemberId, new_role: Role) -> Result<(), AppError> {
    change_role_handing_off(db, user, bot, member, new_role, None).await
}

/// `change_role`, handing the member's open conversations off by `plan` in the same step when
/// the new role cannot hold a seat.
pub async fn change_role_handing_off(
    db: &Db,
    user: UserId,
    bot: BotId,
    member: MemberId,
    new_role: Role,
    plan: Option<&Handoff>,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut auto = Vec::new();
    let (mut tx, me, target) = open_member_write(db, user, bot, member).await?;
    policy::can_change_role(me.as_ref(), target.role, new_role)?;
    if target.role == new_role {
        return Ok(());
    }
    let owners = team::owner_count(&mut *tx, bot).await?;
    policy::keeps_an_owner(owners, target.role, Some(new_role))?;
    let mut summary = format!("Changed {}'s role from {} to {}", target.name, target.role.label(), new_role.label());
    if !new_role.seat_eligible() {
        if let Some(plan) = plan {
            auto = handoff::apply(db, &mut tx, user, bot, member, plan, now).await?;
        }
        policy::holds_nothing(&target.name, inbox::open_held_by(&mut *tx, member).await?)?;
    }
    // Seat first: the database refuses a seat on a role that cannot hold one.
    if target.has_seat && !new_role.seat_eligible() && team::unseat_member(&mut *tx, bot, member).await? {
        team::release_pool_seat(&mut *tx, bot).await?;
        summary.push_str(&format!(" and removed their Inbox seat ({} cannot hold one)", new_role.plural()));
    }
    if !new_role.seat_eligible() {
        team::set_seat_wanted(&mut *tx, member, false).await?;
    }
    team::set_role(&mut *tx, bot, member, new_role).await?;
    audit::record(&mut *tx, bot, Some(user), AuditAction::RoleChanged, &summary, now).await?;
    member_changed(db, &mut tx, bot, member).await?;
    handoff::settle(db, &mut tx, bot, &auto, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(db: &Db, user: UserId, bot: BotId, member: MemberId) -> Result<(), AppError> {
    remove_member_handing_off(db, user, bot, member, None).await
}

/// `remove_member`, handing their open conversations off by `plan` in the same step.
pub async fn remove_member_handing_off(
    db: &Db,
    user: UserId,
    bot: BotId,
    member: MemberId,
    plan: Option<&Handoff>,
) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, me, target) = open_member_write(db, user, bot, member).await?;
    policy::can_remove_member(me.as_ref(), target.role)?;
    let owners = team::owner_count(&mut *tx, bot).await?;
    policy::keeps_an_owner(owners, target.role, None)?;
    let auto = match plan {
        Some(plan) => handoff::apply(db, &mut tx, user, bot, member, plan, now).await?,
        None => Vec::new(),
    };
    policy::holds_nothing(&target.name, inbox::open_held_by(&mut *tx, member).await?)?;
    inbox::release_closed_held_by(&mut *tx, member).await?;
    if target.has_seat {
        team::release_pool_seat(&mut *tx, bot).await?;
    }
    team::delete_member(&mut *tx, bot, member).await?;
    audit::record(
        &mut *tx,
        bot,
        Some(user),
        AuditAction::MemberRemoved,
        &format!("Removed {} ({}) from the team", target.name, target.role.label()),
        now,
    )
    .await?;
    member_changed(db, &mut tx, bot, member).await?;
    handoff::settle(db, &mut tx, bot, &auto, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The invitation to create: who, as what, and whether a seat is offered.
pub struct InviteRequest<'a> {
    pub email: &'a str,
    pub role: Role,
    pub with_seat: bool,
}

/// Creates a single-use invitation link valid for `ttl` (24 hours by default). A new invitation
/// to the same email replaces the previous pending one.
pub async fn invite(
    db: &Db,
    user: UserId,
    bot: BotId,
    request: InviteRequest<'_>,
    ttl: std::time::Duration,
) -> Result<InvitationCreated, AppError> {
    let InviteRequest { email, role, with_seat } = request;
    let email = Email::parse(email)?;
    let now = now_ms();
    let (mut tx, me) = open_team_write(db, user, bot).await?;
    policy::can_grant_role(me.as_ref(), role)?;
    if with_seat && !role.seat_eligible() {
        return Err(Denied::NotSeatEligible { role }.into());
    }
    if team::is_member_by_email(&mut *tx, bot, email.as_str()).await? {
        return Err(AppError::Conflict(format!("{} is already a member of this bot.", email.as_str())));
    }
    let replaced = team::revoke_pending_for_email(&mut *tx, bot, email.as_str(), now).await?;
    let token = new_token();
    let expires_at = now + ttl.as_millis() as i64;
    team::insert_invitation(
        &mut *tx,
        &team::NewInvitation {
            bot,
            email: email.as_str(),
            role,
            with_seat,
            token_hash: &token_hash(&token),
            invited_by: user,
            created_at: now,
            expires_at,
        },
    )
    .await?;
    let mut summary =
        format!("Invited {} as {}{}", email.as_str(), role.label(), if with_seat { " with an Inbox seat" } else { "" });
    if replaced > 0 {
        summary.push_str(" (replacing the earlier link)");
    }
    audit::record(&mut *tx, bot, Some(user), AuditAction::InvitationCreated, &summary, now).await?;
    tx.commit().await?;
    Ok(InvitationCreated {
        email: email.as_str().to_string(),
        path: format!("/invite/{token}"),
        expires_at_ms: expires_at,
    })
}

pub async fn revoke_invitation(db: &Db, user: UserId, bot: BotId, invitation: i64) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, _) = open_team_write(db, user, bot).await?;
    let email = team::revoke_invitation(&mut *tx, bot, invitation, now).await?.ok_or(AppError::NotFound)?;
    audit::record(
        &mut *tx,
        bot,
        Some(user),
        AuditAction::InvitationRevoked,
        &format!("Revoked the invitation to {email}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an invitation link leads to. Unknown tokens are 404; known ones say their state.
pub async fn preview_invitation(db: &Db, token: &str) -> Result<InvitationPreview, AppError> {
    let record = team::invitation_by_token_hash(db.pool(), &token_hash(token)).await?.ok_or(AppError::NotFound)?;
    Ok(InvitationPreview {
        status: status_of(&record, now_ms()),
        bot_name: record.bot_name,
        role: record.role,
        with_seat: record.with_seat,
        email: record.email,
        invited_by: record.inviter_name,
        expires_at_ms: record.expires_at,
    })
}

/// Joins the bot through an invitation: single use, only for the invited email. A seat is
/// granted if one was offered and one is free; otherwise the member joins without one.
pub async fn accept_invitation(db: &Db, user: UserId, token: &str) -> Result<(BotId, Role), AppError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let hash = token_hash(token);
    let bot = team::invitation_by_token_hash(&mut *tx, &hash).await?.ok_or(AppError::NotFound)?.bot;
    // Lock the bot's team like every other team write, then read the invitation again: on
    // Postgres another transaction may have used or revoked it while we waited for the lock.
    db.lock_bot(&mut tx, bot.0).await?;
    let record = team::invitation_by_token_hash(&mut *tx, &hash).await?.ok_or(AppError::NotFound)?;
    match status_of(&record, now) {
        InvitationStatus::Valid => {}
        InvitationStatus::Expired => {
            return Err(AppError::Conflict("This invitation has expired. Ask for a new link.".into()));
        }
        InvitationStatus::Used => return Err(AppError::Conflict("This invitation has already been used.".into())),
        InvitationStatus::Revoked => return Err(AppError::Conflict("This invitation was revoked.".into())),
    }
    let profile = repo::user_profile(&mut *tx, user).await?.ok_or(AppError::Unauthenticated)?;
    if profile.email != record.email {
        return Err(AppError::Forbidden(format!(
            "This invitation is for {}. Log in with that email to accept it.",
            record.email
        )));
    }
    if acting(&mut tx, user, record.bot).await?.is_some() {
        return Err(AppError::Conflict("You are already a member of this bot.".into()));
    }
    if !team::mark_invitation_accepted(&mut *tx, record.id, user, now).await? {
        return Err(AppError::Conflict("This invitation has already been used.".into()));
    }
    let member = repo::insert_member(&mut *tx, record.bot, user, record.role, false, now).await?;
    let mut summary = format!("{} joined as {}", profile.name, record.role.label());
    if record.with_seat {
        if team::take_pool_seat(&mut *tx, record.bot).await? {
            team::seat_member(&mut *tx, record.bot, member).await?;
            summary.push_str(" with an Inbox seat");
            // A new seat holder (online from the start) may take what waits.
            crate::server::services::assignment::drain(
                db,
                &mut tx,
                record.bot,
                crate::server::services::assignment::Scope::Automatic,
                now,
            )
            .await?;
        } else {
            team::set_seat_wanted(&mut *tx, member, true).await?;
            summary.push_str(" without the offered Inbox seat (none was free)");
        }
    }
    audit::record(&mut *tx, record.bot, Some(user), AuditAction::MemberJoined, &summary, now).await?;
    tx.commit().await?;
    Ok((record.bot, record.role))
}

pub async fn audit_log(db: &Db, user: UserId, bot: BotId, before: Option<i64>) -> Result<AuditPage, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting(&mut conn, user, bot).await?;
    policy::can_view_audit_log(actor_of(&me).as_ref())?;
    let mut events = audit::page(&mut *conn, bot, before, AUDIT_PAGE_SIZE + 1).await?;
    let next_before = if events.len() as i64 > AUDIT_PAGE_SIZE {
        events.truncate(AUDIT_PAGE_SIZE as usize);
        events.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage { events, next_before })
}

fn status_of(record: &team::InvitationRecord, now: i64) -> InvitationStatus {
    if record.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if record.accepted_at.is_some() {
        InvitationStatus::Used
    } else if record.expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Valid
    }
}

/// 32 random bytes, hex: the bearer secret in an invitation link.
pub(crate) fn new_token() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Only a hash of the token is stored, so a database leak does not leak usable links.
fn token_hash(token: &str) -> String {
    hex(&Blake2s256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
