//! Automatic assignment: settings, availability, candidates and the queue. SQL only; the
//! service holds the bot's lock around every write.
use crate::domain::BotId;
use crate::domain::assignment::{AssignMode, AssignmentSettings, Availability};
use crate::domain::ids::{ConversationId, MemberId, TeamId};
use crate::domain::role::Role;
use crate::server::db::flag;
use sqlx::{Any, Executor};

#[derive(Debug, Clone, sqlx::FromRow)]
struct SettingsRow {
    auto_assign: i64,
    #[sqlx(try_from = "String")]
    mode: AssignMode,
    default_capacity: i64,
    route_team_id: Option<i64>,
    last_round_robin_id: Option<i64>,
    auto_offline_minutes: i64,
    unanswered_minutes: i64,
    unanswered_team_id: Option<i64>,
}

/// The bot's settings (the defaults until someone saves them) and round-robin's place.
pub async fn settings<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<(AssignmentSettings, Option<MemberId>), sqlx::Error> {
    let row: Option<SettingsRow> = sqlx::query_as(
        "SELECT auto_assign, mode, default_capacity, route_team_id, last_round_robin_id, auto_offline_minutes, \
                unanswered_minutes, unanswered_team_id \
         FROM assignment_settings WHERE bot_id = $1",
    )
    .bind(bot.0)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some(r) => (
            AssignmentSettings {
                auto_assign: flag(r.auto_assign),
                mode: r.mode,
                default_capacity: r.default_capacity,
                route_team: r.route_team_id.map(TeamId),
                auto_offline_minutes: r.auto_offline_minutes,
                unanswered_minutes: r.unanswered_minutes,
                unanswered_team: r.unanswered_team_id.map(TeamId),
            },
            r.last_round_robin_id.map(MemberId),
        ),
        None => (AssignmentSettings::default(), None),
    })
}

pub async fn save_settings<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    s: &AssignmentSettings,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO assignment_settings (bot_id, auto_assign, mode, default_capacity, route_team_id, \
                                          auto_offline_minutes, unanswered_minutes, unanswered_team_id, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $8, $9, $7) \
         ON CONFLICT (bot_id) DO UPDATE SET auto_assign = excluded.auto_assign, mode = excluded.mode, \
            default_capacity = excluded.default_capacity, route_team_id = excluded.route_team_id, \
            auto_offline_minutes = excluded.auto_offline_minutes, unanswered_minutes = excluded.unanswered_minutes, \
            unanswered_team_id = excluded.unanswered_team_id, updated_at = excluded.updated_at",
    )
    .bind(bot.0)
    .bind(i64::from(s.auto_assign))
    .bind(s.mode.code())
    .bind(s.default_capacity)
    .bind(s.route_team.map(|t| t.0))
    .bind(s.auto_offline_minutes)
    .bind(now)
    .bind(s.unanswered_minutes)
    .bind(s.unanswered_team.map(|t| t.0))
    .execute(db)
    .await?;
    Ok(())
}

/// Where round-robin continues: the bot's place (no team) or a team's.
pub async fn save_round_robin<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    team: Option<TeamId>,
    last: MemberId,
) -> Result<(), sqlx::Error> {
    match team {
        None => sqlx::query(
            "INSERT INTO assignment_settings (bot_id, last_round_robin_id, updated_at) VALUES ($1, $2, 0) \
             ON CONFLICT (bot_id) DO UPDATE SET last_round_robin_id = excluded.last_round_robin_id",
        )
        .bind(bot.0)
        .bind(last.0),
        Some(team) => sqlx::query("UPDATE teams SET last_round_robin_id = $1 WHERE id = $2 AND bot_id = $3")
            .bind(last.0)
            .bind(team.0)
            .bind(bot.0),
    }
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamSettingsRow {
    #[sqlx(try_from = "i64")]
    pub id: TeamId,
    pub name: String,
    pub auto_assign: i64,
    pub last_round_robin_id: Option<i64>,
    pub assign_mode: Option<String>,
    pub waiting: i64,
}

pub async fn teams<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<Vec<TeamSettingsRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.auto_assign, t.last_round_robin_id, t.assign_mode, \
                (SELECT COUNT(*) FROM conversations c WHERE c.team_id = t.id AND c.queued_at IS NOT NULL) AS waiting \
         FROM teams t WHERE t.bot_id = $1 ORDER BY t.name_key",
    )
    .bind(bot.0)
    .fetch_all(db)
    .await
}

pub async fn set_team_auto_assign<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    team: TeamId,
    on: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE teams SET auto_assign = $1 WHERE id = $2 AND bot_id = $3")
        .bind(i64::from(on))
        .bind(team.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A team's own mode (`None`: the bot's). False if the team is not the bot's.
pub async fn set_team_mode<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    team: TeamId,
    mode: Option<AssignMode>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE teams SET assign_mode = $1 WHERE id = $2 AND bot_id = $3")
        .bind(mode.map(AssignMode::code))
        .bind(team.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A seat holder as assignment sees them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    #[sqlx(try_from = "i64")]
    pub id: MemberId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub has_seat: i64,
    #[sqlx(try_from = "String")]
    pub availability: Availability,
    pub capacity: Option<i64>,
    pub last_assigned_at: Option<i64>,
    pub open: i64,
}

/// The bot's seat holders with the open conversations each holds.
pub async fn candidates<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Vec<CandidateRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, u.name, m.role, m.has_seat, m.availability, m.capacity, m.last_assigned_at, \
                COALESCE(held.open, 0) AS open \
         FROM members m JOIN users u ON u.id = m.user_id \
         LEFT JOIN (SELECT assignee_id, COUNT(*) AS open FROM conversations \
                    WHERE bot_id = $1 AND status = 'open' AND assignee_id IS NOT NULL GROUP BY assignee_id) held \
                ON held.assignee_id = m.id \
         WHERE m.bot_id = $1 AND m.has_seat = 1 ORDER BY m.id",
    )
    .bind(bot.0)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    pub team_id: i64,
    pub member_id: i64,
}

pub async fn team_memberships<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Vec<Membership>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tm.team_id, tm.member_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.bot_id = $1",
    )
    .bind(bot.0)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    #[sqlx(try_from = "i64")]
    pub id: ConversationId,
    pub team_id: Option<i64>,
    pub channel_id: i64,
    pub contact_name: String,
}

/// The queue, oldest first, from after (`queued_at`, `id`).
pub async fn queue_page<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    after: (i64, i64),
    limit: i64,
) -> Result<Vec<(Queued, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        queued: Queued,
        queued_at: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.id, c.team_id, c.channel_id, k.name AS contact_name, c.queued_at \
         FROM conversations c JOIN contacts k ON k.id = c.contact_id \
         WHERE c.bot_id = $1 AND c.queued_at IS NOT NULL AND (c.queued_at > $2 OR (c.queued_at = $2 AND c.id > $3)) \
         ORDER BY c.queued_at, c.id LIMIT $4",
    )
    .bind(bot.0)
    .bind(after.0)
    .bind(after.1)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.queued, r.queued_at)).collect())
}

/// One conversation if it waits in the queue, with its place.
pub async fn queued_one<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
) -> Result<Option<(Queued, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        queued: Queued,
        queued_at: i64,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT c.id, c.team_id, c.channel_id, k.name AS contact_name, c.queued_at \
         FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = $1 AND c.queued_at IS NOT NULL",
    )
    .bind(conversation.0)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.queued, r.queued_at)))
}

/// A conversation's queue place after a change (`$1` = now): it waits, keeping its place if it
/// already did, while it is open, held by nobody, not banned and wanted a person.
const QUEUED_AT: &str = "CASE WHEN status = 'open' AND assignee_id IS NULL AND banned = 0 \
    AND handover_at IS NOT NULL THEN COALESCE(queued_at, $1) ELSE NULL END";

/// Files the conversation in or out of the queue after any change: it waits (keeping its
/// place if it already did) while it is open, held by nobody, not banned and wanted a person.
pub async fn requeue<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("UPDATE conversations SET queued_at = {QUEUED_AT} WHERE id = $2"))
        .bind(now)
        .bind(conversation.0)
        .execute(db)
        .await?;
    Ok(())
}

/// `requeue` for every conversation of a contact (after a ban or unban).
pub async fn requeue_contact<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: crate::domain::ids::ContactId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("UPDATE conversations SET queued_at = {QUEUED_AT} WHERE contact_id = $2"))
        .bind(now)
        .bind(contact.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Sets a member's availability and records the change; `false` if it already was.
pub async fn set_availability(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    member: MemberId,
    availability: Availability,
    automatic: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE members SET availability = $1 WHERE id = $2 AND bot_id = $3 AND availability <> $1")
        .bind(availability.code())
        .bind(member.0)
        .bind(bot.0)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO availability_changes (bot_id, member_id, availability, automatic, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(bot.0)
    .bind(member.0)
    .bind(availability.code())
    .bind(i64::from(automatic))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

pub async fn set_capacity<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
    capacity: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE members SET capacity = $1 WHERE id = $2 AND bot_id = $3")
        .bind(capacity)
        .bind(member.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Where a waiting conversation is in its queue (1 = next) and how many wait in that queue.
pub async fn queue_position<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        position: i64,
        total: i64,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM conversations o WHERE o.bot_id = c.bot_id AND o.queued_at IS NOT NULL \
                   AND COALESCE(o.team_id, 0) = COALESCE(c.team_id, 0) \
                   AND (o.queued_at < c.queued_at OR (o.queued_at = c.queued_at AND o.id <= c.id))) AS position, \
                (SELECT COUNT(*) FROM conversations o WHERE o.bot_id = c.bot_id AND o.queued_at IS NOT NULL \
                   AND COALESCE(o.team_id, 0) = COALESCE(c.team_id, 0)) AS total \
         FROM conversations c WHERE c.id = $1 AND c.queued_at IS NOT NULL",
    )
    .bind(conversation.0)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.position, r.total)))
}

/// Automatic assignments in the bot since `since` (for the widget's estimated wait).
pub async fn recent_assignments<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations WHERE bot_id = $1 AND auto_assigned_at IS NOT NULL \
         AND auto_assigned_at >= $2",
    )
    .bind(bot.0)
    .bind(since)
    .fetch_one(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamFlags {
    pub id: i64,
    pub auto_assign: i64,
    pub last_round_robin_id: Option<i64>,
    /// The team's own mode's code; `None`: the bot's.
    pub assign_mode: Option<String>,
}

impl TeamFlags {
    pub fn mode(&self) -> Option<AssignMode> {
        self.assign_mode.as_deref().and_then(AssignMode::parse)
    }
}

pub async fn team_flags<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<Vec<TeamFlags>, sqlx::Error> {
    sqlx::query_as("SELECT id, auto_assign, last_round_robin_id, assign_mode FROM teams WHERE bot_id = $1")
        .bind(bot.0)
        .fetch_all(db)
        .await
}

/// Puts an unassigned open conversation in the queue now (the "Auto assign" button), keeping
/// its place if it waits already.
pub async fn queue_now<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE conversations SET queued_at = COALESCE(queued_at, $1), handover_at = COALESCE(handover_at, $1) \
         WHERE id = $2 AND assignee_id IS NULL AND status <> 'closed' AND banned = 0",
    )
    .bind(now)
    .bind(conversation.0)
    .execute(db)
    .await?;
    Ok(())
}

/// Conversations waiting in the bot's queue.
pub async fn waiting<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE bot_id = $1 AND queued_at IS NOT NULL")
        .bind(bot.0)
        .fetch_one(db)
        .await
}

/// Files a conversation nobody holds under `team` unless it has a team already.
pub async fn route_to_team<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    team: TeamId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET team_id = $1 WHERE id = $2 AND team_id IS NULL AND assignee_id IS NULL")
        .bind(team.0)
        .bind(conversation.0)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdleMember {
    #[sqlx(try_from = "i64")]
    pub bot_id: BotId,
    #[sqlx(try_from = "i64")]
    pub member_id: MemberId,
}

/// Online seat holders of bots with auto-offline on whose last Inbox tab checked in longer ago
/// than the bot allows (or never).
pub async fn idle_online<'c>(db: impl Executor<'c, Database = Any>, now: i64) -> Result<Vec<IdleMember>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.bot_id, m.id AS member_id FROM members m \
         JOIN assignment_settings s ON s.bot_id = m.bot_id \
         LEFT JOIN presence p ON p.member_id = m.id \
         WHERE s.auto_offline_minutes > 0 AND m.availability = 'online' AND m.has_seat = 1 \
           AND COALESCE(p.seen_at, 0) < $1 - s.auto_offline_minutes * 60000 \
         LIMIT 500",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

/// One assignment a drain decided: the conversation, who takes it (and their name), and the
/// channel its system event is on.
pub struct Pick<'a> {
    pub conversation: ConversationId,
    pub channel: i64,
    pub member: MemberId,
    pub name: &'a str,
}

/// Writes a drain's picks in a few statements (the caller holds the bot's lock and read them
/// as waiting in this transaction): the assignments, the members' last-assigned times, and an
/// "Assigned to … automatically" event in each thread.
pub async fn write_picks(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    picks: &[Pick<'_>],
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in picks.chunks(200) {
        let cases: Vec<String> = (0..chunk.len()).map(|i| format!("WHEN ${} THEN ${}", 2 * i + 2, 2 * i + 3)).collect();
        let ids = super::placeholders(2 * chunk.len() + 2, chunk.len());
        let sql = format!(
            "UPDATE conversations SET assignee_id = CASE id {} END, queued_at = NULL, auto_assigned_at = $1, \
             last_activity_at = $1 WHERE id IN ({ids})",
            cases.join(" ")
        );
        let mut query = sqlx::query(&sql).bind(now);
        for p in chunk {
            query = query.bind(p.conversation.0).bind(p.member.0);
        }
        for p in chunk {
            query = query.bind(p.conversation.0);
        }
        query.execute(&mut *conn).await?;

        let mut members: Vec<i64> = chunk.iter().map(|p| p.member.0).collect();
        members.sort_unstable();
        members.dedup();
        let sql =
            format!("UPDATE members SET last_assigned_at = $1 WHERE id IN ({})", super::placeholders(2, members.len()));
        let mut query = sqlx::query(&sql).bind(now);
        for m in members {
            query = query.bind(m);
        }
        query.execute(&mut *conn).await?;

        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 4;
                format!("(${}, ${}, ${}, 'system', ${}, '', 'none', $1)", b + 2, b + 3, b + 4, b + 5)
            })
            .collect();
        let sql = format!(
            "INSERT INTO messages (bot_id, conversation_id, channel_id, kind, body, author_name, delivery, created_at) \
             VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(now);
        for p in chunk {
            query = query
                .bind(bot.0)
                .bind(p.conversation.0)
                .bind(p.channel)
                .bind(format!("Assigned to {} automatically", p.name));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unanswered {
    #[sqlx(try_from = "i64")]
    pub bot_id: BotId,
    #[sqlx(try_from = "i64")]
    pub conversation_id: ConversationId,
    pub assignee_id: i64,
    pub minutes: i64,
    pub team_id: Option<i64>,
}

/// Open conversations whose assignee has left the customer waiting longer than their bot's
/// unanswered rule allows.
pub async fn unanswered<'c>(db: impl Executor<'c, Database = Any>, now: i64) -> Result<Vec<Unanswered>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.bot_id, c.id AS conversation_id, c.assignee_id, s.unanswered_minutes AS minutes, \
                s.unanswered_team_id AS team_id \
         FROM assignment_settings s JOIN conversations c ON c.bot_id = s.bot_id \
         WHERE s.unanswered_minutes > 0 AND c.status = 'open' AND c.assignee_id IS NOT NULL AND c.banned = 0 \
           AND c.waiting_since IS NOT NULL AND c.waiting_since < $1 - s.unanswered_minutes * 60000 \
         LIMIT 500",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

/// Whether the conversation is still waiting on its assignee longer than `minutes`.
pub async fn unanswered_one<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    minutes: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE id = $1 AND status = 'open' AND assignee_id IS NOT NULL \
         AND waiting_since IS NOT NULL AND waiting_since < $2",
    )
    .bind(conversation.0)
    .bind(now - minutes * 60_000)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}
