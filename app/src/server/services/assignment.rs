//! Automatic assignment and availability. `drain` runs inside the caller's bot-locked
//! transaction whenever a conversation starts waiting or capacity frees (a conversation
//! closed, an agent came online, a seat added, a capacity raised, settings changed), so no
//! agent goes over capacity and no conversation is assigned twice, on any number of processes.
use crate::domain::assignment::{
    self as rules, AssignMode, AssignmentSettings, AssignmentView, Availability, Candidate, MemberLoad, TeamAssignment,
};
use crate::domain::events::LiveEvent;
use crate::domain::ids::{ConversationId, MemberId, TeamId};
use crate::domain::policy::{self, InboxAction};
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, WriteTx, flag, now_ms};
use crate::server::live::Hub;
use crate::server::repo::assignment as repo;
use crate::server::repo::events;
use crate::server::services::inbox::acting_member;
use std::collections::{HashMap, HashSet};

const QUEUE_PAGE: i64 = 500;

/// Which waiting conversations a drain may assign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Those automatic assignment applies to (the bot's setting, or their team's).
    Automatic,
    /// Everything waiting (the "Auto assign" button for the whole queue).
    Everything,
    /// This one conversation (the button on one conversation).
    One(ConversationId),
    /// This one, to anyone but the member who left it unanswered.
    Reassign(ConversationId, MemberId),
}

/// Assigns waiting conversations, oldest first, while someone can take them. Returns the
/// assignments made.
pub(crate) async fn drain(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    scope: Scope,
    now: i64,
) -> Result<Vec<(ConversationId, MemberId)>, AppError> {
    let (settings, bot_last) = repo::settings(&mut **tx, bot).await?;
    let teams = repo::team_flags(&mut **tx, bot).await?;
    let team_auto: HashSet<i64> = teams.iter().filter(|t| flag(t.auto_assign)).map(|t| t.id).collect();
    // Each queue's mode: its team's own, else the bot's.
    let modes: HashMap<Option<i64>, AssignMode> =
        teams.iter().map(|t| (Some(t.id), t.mode().unwrap_or(settings.mode))).chain([(None, settings.mode)]).collect();
    let mode_of = |team: Option<i64>| modes.get(&team).copied().unwrap_or(settings.mode);
    if scope == Scope::Automatic && !settings.auto_assign && team_auto.is_empty() {
        return Ok(Vec::new());
    }
    let rows = repo::candidates(&mut **tx, bot).await?;
    let mut candidates: Vec<Candidate> = rows
        .iter()
        .map(|r| Candidate {
            member: r.id,
            role: r.role,
            has_seat: flag(r.has_seat),
            online: r.availability == Availability::Online,
            open: r.open,
            capacity: r.capacity.unwrap_or(settings.default_capacity),
            last_assigned_ms: r.last_assigned_at,
            in_team: true,
        })
        .collect();
    if let Scope::Reassign(_, previous) = scope {
        // Not back to the one who left it unanswered.
        candidates.retain(|c| c.member != previous);
    }
    let names: HashMap<MemberId, String> = rows.into_iter().map(|r| (r.id, r.name)).collect();
    let in_team: HashSet<(i64, i64)> = if teams.is_empty() {
        HashSet::new()
    } else {
        repo::team_memberships(&mut **tx, bot).await?.into_iter().map(|m| (m.team_id, m.member_id)).collect()
    };
    let mut last: HashMap<Option<i64>, Option<MemberId>> =
        teams.iter().map(|t| (Some(t.id), t.last_round_robin_id.map(MemberId))).chain([(None, bot_last)]).collect();
    let applies = |team: Option<i64>, id: ConversationId| match scope {
        Scope::Everything => true,
        Scope::One(one) | Scope::Reassign(one, _) => one == id,
        Scope::Automatic => settings.auto_assign || team.is_some_and(|t| team_auto.contains(&t)),
    };
    let mut blocked: HashSet<Option<i64>> = HashSet::new();
    let mut made = Vec::new();
    let mut after = (i64::MIN, i64::MIN);
    'pages: loop {
        // Nobody can take anything (all full, offline or seatless): stop at once.
        if candidates.iter().all(|c| rules::why_not(&Candidate { in_team: true, ..c.clone() }).is_some()) {
            break;
        }
        let page = match scope {
            // One conversation: look at it alone, wherever it is in the queue.
            Scope::One(id) | Scope::Reassign(id, _) if after == (i64::MIN, i64::MIN) => {
                repo::queued_one(&mut **tx, id).await?.into_iter().collect()
            }
            Scope::One(_) | Scope::Reassign(..) => Vec::new(),
            _ => repo::queue_page(&mut **tx, bot, after, QUEUE_PAGE).await?,
        };
        if page.is_empty() {
            break;
        }
        let mut page_picks: Vec<(ConversationId, i64, MemberId, String)> = Vec::new();
        for (queued, queued_at) in page {
            after = (queued_at, queued.id.0);
            let team = queued.team_id;
            if blocked.contains(&team) || !applies(team, queued.id) {
                continue;
            }
            for c in candidates.iter_mut() {
                c.in_team = team.is_none_or(|t| in_team.contains(&(t, c.member.0)));
            }
            let Some(member) = rules::choose(mode_of(team), &candidates, last.get(&team).copied().flatten()) else {
                // Later conversations of this queue wait behind this one.
                blocked.insert(team);
                continue;
            };
            page_picks.push((queued.id, queued.channel_id, member, queued.contact_name.clone()));
            if let Some(c) = candidates.iter_mut().find(|c| c.member == member) {
                c.open += 1;
                c.last_assigned_ms = Some(now);
            }
            last.insert(team, Some(member));
            made.push((queued.id, member));
        }
        write_page(db, tx, bot, &page_picks, &names, now).await?;
        if let Scope::One(_) | Scope::Reassign(..) = scope {
            break 'pages;
        }
    }
    for (team, member) in &last {
        if let Some(member) = member {
            if mode_of(*team) == AssignMode::RoundRobin && made.iter().any(|(_, m)| m == member) {
                repo::save_round_robin(&mut **tx, bot, team.map(TeamId), *member).await?;
            }
        }
    }
    Ok(made)
}

/// A conversation asked for a person: with "assign all to one team" it joins that team's
/// queue, then it waits in the queue (or is assigned at once if someone can take it).
pub(crate) async fn on_handover(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    conversation: ConversationId,
    now: i64,
) -> Result<(), AppError> {
    let (settings, _) = repo::settings(&mut **tx, bot).await?;
    if let Some(team) = settings.route_team {
        repo::route_to_team(&mut **tx, conversation, team).await?;
    }
    repo::requeue(&mut **tx, conversation, now).await?;
    drain(db, tx, bot, Scope::Automatic, now).await?;
    Ok(())
}

/// Writes one page of a drain's decisions, with one "assigned" event per conversation (lists and
/// open threads refresh; the new holder is told).
async fn write_page(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    picks: &[(ConversationId, i64, MemberId, String)],
    names: &HashMap<MemberId, String>,
    now: i64,
) -> Result<(), AppError> {
    if picks.is_empty() {
        return Ok(());
    }
    let rows: Vec<repo::Pick<'_>> = picks
        .iter()
        .map(|(conversation, channel, member, _)| repo::Pick {
            conversation: *conversation,
            channel: *channel,
            member: *member,
            name: names.get(member).map(String::as_str).unwrap_or("an agent"),
        })
        .collect();
    repo::write_picks(tx, bot, &rows, now).await?;
    let changed: Vec<LiveEvent> = picks
        .iter()
        .map(|(conversation, _, member, contact)| LiveEvent::Assigned {
            conversation: *conversation,
            member: *member,
            contact: contact.clone(),
        })
        .collect();
    events::append_many(tx, db.backend(), bot, &changed).await?;
    Ok(())
}

async fn open_write(db: &Db, bot: BotId) -> Result<WriteTx, AppError> {
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    Ok(tx)
}

async fn commit(tx: WriteTx, hub: &Hub, bot: BotId) -> Result<(), AppError> {
    tx.commit().await?;
    hub.wake(bot);
    Ok(())
}

/// A seat holder sets their own availability; coming online drains the queue.
pub async fn set_availability(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    availability: Availability,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = open_write(db, bot).await?;
    let me = acting_member(&mut tx, user, bot).await?;
    policy::can_act(me.as_ref().map(|m| &m.actor), InboxAction::BeAssigned)?;
    let me = me.ok_or(AppError::NotFound)?;
    if repo::set_availability(&mut tx, bot, me.member, availability, false, now).await? {
        events::append(&mut tx, db.backend(), bot, &LiveEvent::MemberChanged { member: me.member }).await?;
        if availability == Availability::Online {
            drain(db, &mut tx, bot, Scope::Automatic, now).await?;
        }
    }
    commit(tx, hub, bot).await
}

/// The "Auto assign" button: one unassigned conversation, or the whole queue, whatever the
/// settings say. Returns how many were assigned.
pub async fn auto_assign_now(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: Option<ConversationId>,
) -> Result<usize, AppError> {
    let now = now_ms();
    let mut tx = open_write(db, bot).await?;
    let me = acting_member(&mut tx, user, bot).await?;
    policy::can_act(me.as_ref().map(|m| &m.actor), InboxAction::Assign)?;
    let scope = match conversation {
        Some(id) => {
            let facts =
                crate::server::repo::inbox::conversation_in_bot(&mut *tx, bot, id).await?.ok_or(AppError::NotFound)?;
            if facts.assignee().is_some() {
                return Err(AppError::Conflict("Someone holds this conversation already.".into()));
            }
            repo::queue_now(&mut *tx, id, now).await?;
            Scope::One(id)
        }
        None => Scope::Everything,
    };
    let made = drain(db, &mut tx, bot, scope, now).await?;
    if made.is_empty() {
        // Nothing changed but a conversation perhaps joining the queue: keep that.
        commit(tx, hub, bot).await?;
        return Err(AppError::Conflict(
            "Nobody can take it now: every online seat holder is at capacity (it waits in the queue).".into(),
        ));
    }
    commit(tx, hub, bot).await?;
    Ok(made.len())
}

/// Team Manager › Assignment.
pub async fn overview(db: &Db, user: UserId, bot: BotId) -> Result<AssignmentView, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    let actor = me.as_ref().map(|m| &m.actor);
    policy::can_view_team(actor)?;
    let (settings, _) = repo::settings(&mut *conn, bot).await?;
    let teams = repo::teams(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|t| TeamAssignment {
            team: t.id,
            mode: t.assign_mode.as_deref().and_then(AssignMode::parse),
            name: t.name,
            auto_assign: flag(t.auto_assign),
            waiting: t.waiting,
        })
        .collect();
    let mut members: Vec<MemberLoad> = repo::candidates(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|r| MemberLoad {
            member: r.id,
            name: r.name,
            availability: r.availability,
            open: r.open,
            own_capacity: r.capacity,
            capacity: r.capacity.unwrap_or(settings.default_capacity),
        })
        .collect();
    members.sort_by_key(|m| (m.name.to_lowercase(), m.member));
    let waiting = repo::waiting(&mut *conn, bot).await?;
    let cannot_edit = policy::can_manage_team(actor).err().map(|d| d.to_string());
    Ok(AssignmentView { settings, teams, members, waiting, cannot_edit })
}

async fn open_settings_write(db: &Db, user: UserId, bot: BotId) -> Result<WriteTx, AppError> {
    let mut tx = open_write(db, bot).await?;
    let me = acting_member(&mut tx, user, bot).await?;
    policy::can_manage_team(me.as_ref().map(|m| &m.actor))?;
    Ok(tx)
}

/// Saves the bot's settings; turning automatic assignment on (or raising the capacity)
/// assigns what waits at once.
pub async fn save_settings(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    settings: AssignmentSettings,
) -> Result<(), AppError> {
    if !(1..=rules::CAPACITY_MAX).contains(&settings.default_capacity) {
        return Err(rules::parse_capacity("0").unwrap_err());
    }
    if !(0..=1440).contains(&settings.auto_offline_minutes) {
        return Err(AppError::invalid("auto_offline_minutes", "Choose 0 (never) to 1440 minutes."));
    }
    if !(0..=10080).contains(&settings.unanswered_minutes) {
        return Err(AppError::invalid("unanswered_minutes", "Choose 0 (off) to 10080 minutes (a week)."));
    }
    let now = now_ms();
    let mut tx = open_settings_write(db, user, bot).await?;
    for team in [settings.route_team, settings.unanswered_team].into_iter().flatten() {
        crate::server::repo::inbox::team_in_bot(&mut *tx, bot, team).await?.ok_or(AppError::NotFound)?;
    }
    repo::save_settings(&mut *tx, bot, &settings, now).await?;
    drain(db, &mut tx, bot, Scope::Automatic, now).await?;
    commit(tx, hub, bot).await
}

/// A team's own automatic assignment of its queue.
pub async fn set_team_auto_assign(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    team: TeamId,
    on: bool,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = open_settings_write(db, user, bot).await?;
    if !repo::set_team_auto_assign(&mut *tx, bot, team, on).await? {
        return Err(AppError::NotFound);
    }
    drain(db, &mut tx, bot, Scope::Automatic, now).await?;
    commit(tx, hub, bot).await
}

/// A team's own assignment mode (`None`: the bot's).
pub async fn set_team_mode(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    team: TeamId,
    mode: Option<AssignMode>,
) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = open_settings_write(db, user, bot).await?;
    if !repo::set_team_mode(&mut *tx, bot, team, mode).await? {
        return Err(AppError::NotFound);
    }
    drain(db, &mut tx, bot, Scope::Automatic, now).await?;
    commit(tx, hub, bot).await
}

/// A member's own capacity (`None`: the bot's default).
pub async fn set_capacity(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    member: MemberId,
    capacity: Option<i64>,
) -> Result<(), AppError> {
    if let Some(c) = capacity {
        rules::parse_capacity(&c.to_string())?;
    }
    let now = now_ms();
    let mut tx = open_settings_write(db, user, bot).await?;
    if !repo::set_capacity(&mut *tx, bot, member, capacity).await? {
        return Err(AppError::NotFound);
    }
    drain(db, &mut tx, bot, Scope::Automatic, now).await?;
    commit(tx, hub, bot).await
}

/// What the widget shows while the visitor waits: their place and an estimated wait (from
/// how many conversations automatic assignment handed out in the last hour).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueStatus {
    pub position: i64,
    pub waiting: i64,
    /// `None`: no pace to go by yet.
    pub estimated_minutes: Option<i64>,
}

pub async fn queue_status(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    conversation: ConversationId,
) -> Result<Option<QueueStatus>, AppError> {
    let Some((position, waiting)) = repo::queue_position(&mut *conn, conversation).await? else { return Ok(None) };
    let per_hour = repo::recent_assignments(&mut *conn, bot, now_ms() - 3_600_000).await?;
    let estimated_minutes = (per_hour > 0).then(|| ((position * 60) + per_hour - 1) / per_hour);
    Ok(Some(QueueStatus { position, waiting, estimated_minutes }))
}

/// Auto-offline: seat holders whose last Inbox tab closed longer ago than their bot allows go
/// offline (recorded as automatic); they come back with one click on the top bar's status.
/// Returns how many went offline.
pub async fn sweep_idle(db: &Db, hub: &Hub) -> Result<usize, AppError> {
    let now = now_ms();
    let mut done = 0;
    for idle in repo::idle_online(db.pool(), now).await? {
        let mut tx = open_write(db, idle.bot_id).await?;
        if repo::set_availability(&mut tx, idle.bot_id, idle.member_id, Availability::Offline, true, now).await? {
            events::append(&mut tx, db.backend(), idle.bot_id, &LiveEvent::MemberChanged { member: idle.member_id })
                .await?;
            done += 1;
        }
        commit(tx, hub, idle.bot_id).await?;
    }
    Ok(done)
}

/// The unanswered rule: a conversation whose assignee left the customer's message unanswered
/// longer than the bot allows goes to someone else who can take it (or, if the bot says so,
/// to a team's queue), with a system event in the thread. Returns how many moved.
pub async fn sweep_unanswered(db: &Db, hub: &Hub) -> Result<usize, AppError> {
    let now = now_ms();
    let mut moved = 0;
    for late in repo::unanswered(db.pool(), now).await? {
        let mut tx = open_write(db, late.bot_id).await?;
        // Read again under the lock: the assignee may have answered meanwhile.
        let Some(facts) =
            crate::server::repo::inbox::conversation_in_bot(&mut *tx, late.bot_id, late.conversation_id).await?
        else {
            continue;
        };
        let still_late = repo::unanswered_one(&mut *tx, late.conversation_id, late.minutes, now).await?;
        if !still_late || facts.assignee() != Some(MemberId(late.assignee_id)) {
            continue;
        }
        let previous = MemberId(late.assignee_id);
        let who = crate::server::repo::team::member_in_bot(&mut *tx, late.bot_id, previous)
            .await?
            .map(|m| m.name)
            .unwrap_or_else(|| "the assignee".into());
        let reason = format!("No reply from {who} within {} minutes", late.minutes);
        crate::server::services::inbox::reassign_unanswered(
            db,
            &mut tx,
            late.bot_id,
            late.conversation_id,
            late.team_id.map(TeamId),
            &reason,
            now,
        )
        .await?;
        if late.team_id.is_none() {
            drain(db, &mut tx, late.bot_id, Scope::Reassign(late.conversation_id, previous), now).await?;
        } else {
            drain(db, &mut tx, late.bot_id, Scope::Automatic, now).await?;
        }
        commit(tx, hub, late.bot_id).await?;
        moved += 1;
    }
    Ok(moved)
}

/// Runs `sweep_idle` every `every` (one per server process; each change is one small locked
/// transaction, so processes running it together do no harm).
pub fn spawn_idle_sweeper(db: Db, hub: Hub, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(err) = sweep_idle(&db, &hub).await {
                tracing::warn!(error = %err, "the auto-offline sweep failed");
            }
            if let Err(err) = sweep_unanswered(&db, &hub).await {
                tracing::warn!(error = %err, "the unanswered-rule sweep failed");
            }
        }
    })
}

/// Who automatic assignment would give `conversation` to now (read only: nothing is locked or
/// written). The decision `drain` makes, on its own — measured by the assignment benchmark.
/// Not behind a server function: it asks no policy, so callers must be trusted code.
pub async fn decide(db: &Db, bot: BotId, conversation: ConversationId) -> Result<Option<MemberId>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let (settings, bot_last) = repo::settings(&mut *conn, bot).await?;
    let facts = crate::server::repo::inbox::conversation_in_bot(&mut *conn, bot, conversation)
        .await?
        .ok_or(AppError::NotFound)?;
    let team = facts.team().map(|t| t.0);
    let members: HashSet<i64> = match team {
        Some(t) => repo::team_memberships(&mut *conn, bot)
            .await?
            .into_iter()
            .filter(|m| m.team_id == t)
            .map(|m| m.member_id)
            .collect(),
        None => HashSet::new(),
    };
    let last = match team {
        Some(t) => repo::team_flags(&mut *conn, bot)
            .await?
            .into_iter()
            .find(|f| f.id == t)
            .and_then(|f| f.last_round_robin_id.map(MemberId)),
        None => bot_last,
    };
    let candidates: Vec<Candidate> = repo::candidates(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|r| Candidate {
            member: r.id,
            role: r.role,
            has_seat: flag(r.has_seat),
            online: r.availability == Availability::Online,
            open: r.open,
            capacity: r.capacity.unwrap_or(settings.default_capacity),
            last_assigned_ms: r.last_assigned_at,
            in_team: team.is_none() || members.contains(&r.id.0),
        })
        .collect();
    Ok(rules::choose(settings.mode, &candidates, last))
}
