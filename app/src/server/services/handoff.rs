//! The handoff step of a removal (seat, member, or a role without seats): the member's open
//! conversations go to other seat holders, team queues or automatic assignment inside the
//! removal's own transaction, so the two commit together or not at all.
use crate::domain::handoff::{Handoff, HandoffOption, HandoffStep, HandoffTarget, HeldConversation};
use crate::domain::ids::{ConversationId, MemberId};
use crate::domain::policy::{self, Actor, InboxAction};
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, WriteTx, flag};
use crate::server::repo::{inbox as inbox_repo, team as team_repo};
use crate::server::services::assignment::{self, Scope};
use crate::server::services::inbox::{Acting, acting_member, hand_off};

/// What the Team tab shows before removing `member`'s right to hold conversations.
pub async fn step(db: &Db, user: UserId, bot: BotId, member: MemberId) -> Result<HandoffStep, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_manage_team(me.as_ref().map(|m| &m.actor))?;
    let target = team_repo::member_in_bot(&mut *conn, bot, member).await?.ok_or(AppError::NotFound)?;
    let conversations = inbox_repo::held_by(&mut *conn, member)
        .await?
        .into_iter()
        .map(|r| HeldConversation {
            id: r.id,
            contact_name: r.contact_name,
            preview: r.last_preview,
            last_activity_ms: r.last_activity_at,
        })
        .collect();
    let mut options = vec![HandoffOption { target: HandoffTarget::Auto, label: "Automatic assignment".into() }];
    for m in inbox_repo::members_for_assignment(&mut *conn, bot).await? {
        let actor = Actor { role: m.role, has_seat: flag(m.has_seat) };
        if m.id != member && policy::can_act(Some(&actor), InboxAction::BeAssigned).is_ok() {
            options.push(HandoffOption { target: HandoffTarget::Member(m.id), label: m.name });
        }
    }
    for t in inbox_repo::teams_of_bot(&mut *conn, bot).await? {
        options.push(HandoffOption { target: HandoffTarget::Team(t.id), label: format!("{} team queue", t.name) });
    }
    Ok(HandoffStep { member, name: target.name, conversations, options })
}

/// Applies `plan` inside the removal's transaction: it must cover exactly the conversations
/// `member` holds now. Returns those sent to automatic assignment (drained once the removal
/// is written, so the member is no longer a candidate).
pub(crate) async fn apply(
    db: &Db,
    tx: &mut WriteTx,
    user: UserId,
    bot: BotId,
    member: MemberId,
    plan: &Handoff,
    now: i64,
) -> Result<Vec<ConversationId>, AppError> {
    let me: Acting = acting_member(tx, user, bot).await?.ok_or(AppError::NotFound)?;
    let mut held: Vec<ConversationId> =
        inbox_repo::held_by(&mut **tx, member).await?.into_iter().map(|r| r.id).collect();
    let mut planned: Vec<ConversationId> = plan.items.iter().map(|i| i.conversation).collect();
    held.sort();
    planned.sort();
    if held != planned {
        return Err(AppError::Conflict(
            "The conversations to hand off changed while you were choosing; review the list again.".into(),
        ));
    }
    let mut auto = Vec::new();
    for item in &plan.items {
        if item.target == HandoffTarget::Member(member) {
            return Err(AppError::invalid("target", "Choose someone other than the member who is losing their seat."));
        }
        hand_off(db, tx, bot, item.conversation, item.target, &me, &plan.note, now).await?;
        if item.target == HandoffTarget::Auto {
            auto.push(item.conversation);
        }
    }
    Ok(auto)
}

/// After the removal is written: conversations handed to automatic assignment go to whoever
/// can take them (or wait in the queue), and team queues are served if their team assigns
/// automatically.
pub(crate) async fn settle(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    auto: &[ConversationId],
    now: i64,
) -> Result<(), AppError> {
    for conversation in auto {
        assignment::drain(db, tx, bot, Scope::One(*conversation), now).await?;
    }
    assignment::drain(db, tx, bot, Scope::Automatic, now).await?;
    Ok(())
}
