//! Channels, contacts, conversations, messages, read marks, teams and presence: SQL only.
//! Every read that takes an id from a request also takes the bot, so another bot's id is
//! simply "not found".
use crate::domain::events::Viewer;
use crate::domain::ids::{ChannelId, ContactId, ConversationId, MessageId, TeamId};
use crate::domain::inbox::{ChannelKind, ConversationStatus, Delivery, MessageKind, MessageView, Scope, StatusFilter};
use crate::domain::policy::Held;
use crate::domain::tags::TagFilter;
use crate::domain::{BotId, MemberId};
use crate::server::db::flag;
use sqlx::{Any, Executor};

// ---------------------------------------------------------------------------------------------
// Channels

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChannelRow {
    #[sqlx(try_from = "i64")]
    pub id: ChannelId,
    #[sqlx(try_from = "i64")]
    pub bot_id: BotId,
    #[sqlx(try_from = "String")]
    pub kind: ChannelKind,
    pub name: String,
    pub public_id: String,
    pub secret: String,
    pub outbound_url: Option<String>,
    pub created_at: i64,
}

const CHANNEL_COLUMNS: &str = "id, bot_id, kind, name, public_id, secret, outbound_url, created_at";

pub struct NewChannel<'a> {
    pub bot: BotId,
    pub kind: ChannelKind,
    pub name: &'a str,
    pub public_id: &'a str,
    pub secret: &'a str,
    pub outbound_url: Option<&'a str>,
}

pub async fn insert_channel<'c>(
    db: impl Executor<'c, Database = Any>,
    channel: NewChannel<'_>,
    now: i64,
) -> Result<ChannelId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        r#"
        INSERT INTO channels (bot_id, kind, name, public_id, secret, outbound_url, created_at, secret_rotated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id
        "#,
    )
    .bind(channel.bot.0)
    .bind(channel.kind.code())
    .bind(channel.name)
    .bind(channel.public_id)
    .bind(channel.secret)
    .bind(channel.outbound_url)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(ChannelId(id))
}

pub async fn channel_by_public_id<'c>(
    db: impl Executor<'c, Database = Any>,
    public_id: &str,
) -> Result<Option<ChannelRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE public_id = $1"))
        .bind(public_id)
        .fetch_optional(db)
        .await
}

pub async fn channel_in_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    channel: ChannelId,
) -> Result<Option<ChannelRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE id = $1 AND bot_id = $2"))
        .bind(channel.0)
        .bind(bot.0)
        .fetch_optional(db)
        .await
}

pub async fn channels_of_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Vec<ChannelRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CHANNEL_COLUMNS} FROM channels WHERE bot_id = $1 ORDER BY id"))
        .bind(bot.0)
        .fetch_all(db)
        .await
}

pub async fn set_channel_secret<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    channel: ChannelId,
    secret: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE channels SET secret = $1, secret_rotated_at = $2 WHERE id = $3 AND bot_id = $4")
        .bind(secret)
        .bind(now)
        .bind(channel.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_outbound_url<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    channel: ChannelId,
    url: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE channels SET outbound_url = $1 WHERE id = $2 AND bot_id = $3")
        .bind(url)
        .bind(channel.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------------
// Contacts

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    #[sqlx(try_from = "i64")]
    pub id: ContactId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub banned: i64,
    /// Set when this identity was merged into another contact (the same person).
    pub merged_into_id: Option<i64>,
}

impl ContactRow {
    pub fn is_banned(&self) -> bool {
        flag(self.banned)
    }
}

const CONTACT_COLUMNS: &str = "id, name, email, phone, banned, merged_into_id";

pub struct ContactDetails<'a> {
    pub external_id: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// The contact known on `channel` as `external_id`, created or refreshed (details given now
/// replace older ones; missing details keep what was known).
pub async fn upsert_contact<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    channel: ChannelId,
    details: &ContactDetails<'_>,
    now: i64,
) -> Result<ContactRow, sqlx::Error> {
    sqlx::query_as(
        r#"
        INSERT INTO contacts (bot_id, channel_id, external_id, name, email, phone, created_at, last_seen_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
        ON CONFLICT (channel_id, external_id) DO UPDATE SET
            name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE contacts.name END,
            email = COALESCE(excluded.email, contacts.email),
            phone = COALESCE(excluded.phone, contacts.phone),
            last_seen_at = excluded.last_seen_at
        RETURNING id, name, email, phone, banned, merged_into_id
        "#,
    )
    .bind(bot.0)
    .bind(channel.0)
    .bind(details.external_id)
    .bind(details.name.unwrap_or(""))
    .bind(details.email)
    .bind(details.phone)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn contact_by_external_id<'c>(
    db: impl Executor<'c, Database = Any>,
    channel: ChannelId,
    external_id: &str,
) -> Result<Option<ContactRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE channel_id = $1 AND external_id = $2"))
        .bind(channel.0)
        .bind(external_id)
        .fetch_optional(db)
        .await
}

/// The person behind an identity: the contact it was merged into, or itself.
pub async fn person_of(conn: &mut sqlx::AnyConnection, identity: ContactRow) -> Result<ContactRow, sqlx::Error> {
    let Some(target) = identity.merged_into_id else { return Ok(identity) };
    let person: Option<ContactRow> = sqlx::query_as(&format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1"))
        .bind(target)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(person.unwrap_or(identity))
}

/// Bans or unbans a contact and files all their conversations accordingly.
pub async fn set_contact_banned(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    contact: ContactId,
    banned: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE contacts SET banned = $1 WHERE id = $2 AND bot_id = $3")
        .bind(i64::from(banned))
        .bind(contact.0)
        .bind(bot.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE conversations SET banned = $1 WHERE contact_id = $2 AND bot_id = $3")
        .bind(i64::from(banned))
        .bind(contact.0)
        .bind(bot.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Conversations

/// What services need to decide about one conversation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationFacts {
    #[sqlx(try_from = "i64")]
    pub id: ConversationId,
    #[sqlx(try_from = "i64")]
    pub bot_id: BotId,
    #[sqlx(try_from = "i64")]
    pub channel_id: ChannelId,
    #[sqlx(try_from = "String")]
    pub channel_kind: ChannelKind,
    #[sqlx(try_from = "i64")]
    pub contact_id: ContactId,
    pub contact_name: String,
    pub contact_external_id: String,
    #[sqlx(try_from = "String")]
    pub status: ConversationStatus,
    pub banned: i64,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub bot_paused: i64,
    pub handover_at: Option<i64>,
    pub created_at: i64,
}

impl ConversationFacts {
    pub fn is_banned(&self) -> bool {
        flag(self.banned)
    }
    pub fn assignee(&self) -> Option<MemberId> {
        self.assignee_id.map(MemberId)
    }
    pub fn team(&self) -> Option<TeamId> {
        self.team_id.map(TeamId)
    }
    pub fn is_bot_paused(&self) -> bool {
        flag(self.bot_paused)
    }
}

const FACTS_SELECT: &str = r#"
    SELECT c.id, c.bot_id, c.channel_id, ch.kind AS channel_kind, c.contact_id, k.name AS contact_name,
           c.external_id AS contact_external_id, c.status, c.banned, c.assignee_id, c.team_id, c.bot_paused,
           c.handover_at, c.created_at
    FROM conversations c
    JOIN contacts k ON k.id = c.contact_id
    JOIN channels ch ON ch.id = c.channel_id
"#;

pub async fn conversation_in_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    conversation: ConversationId,
) -> Result<Option<ConversationFacts>, sqlx::Error> {
    sqlx::query_as(&format!("{FACTS_SELECT} WHERE c.id = $1 AND c.bot_id = $2"))
        .bind(conversation.0)
        .bind(bot.0)
        .fetch_optional(db)
        .await
}

/// The most recent conversation with this identity on this channel, if any (whichever
/// contact it is filed under since a merge).
pub async fn latest_conversation_of<'c>(
    db: impl Executor<'c, Database = Any>,
    channel: ChannelId,
    external_id: &str,
) -> Result<Option<ConversationFacts>, sqlx::Error> {
    sqlx::query_as(&format!("{FACTS_SELECT} WHERE c.channel_id = $1 AND c.external_id = $2 ORDER BY c.id DESC LIMIT 1"))
        .bind(channel.0)
        .bind(external_id)
        .fetch_optional(db)
        .await
}

pub struct NewConversation {
    pub bot: BotId,
    pub channel: ChannelId,
    pub contact: ContactId,
    /// The identity on the channel the conversation is with.
    pub external_id: String,
    pub status: ConversationStatus,
    pub banned: bool,
    pub handover_at: Option<i64>,
}

pub async fn insert_conversation<'c>(
    db: impl Executor<'c, Database = Any>,
    new: &NewConversation,
    now: i64,
) -> Result<ConversationId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        r#"
        INSERT INTO conversations (bot_id, channel_id, contact_id, external_id, status, banned, handover_at,
                                   last_activity_at, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id
        "#,
    )
    .bind(new.bot.0)
    .bind(new.channel.0)
    .bind(new.contact.0)
    .bind(&new.external_id)
    .bind(new.status.code())
    .bind(i64::from(new.banned))
    .bind(new.handover_at)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(ConversationId(id))
}

/// After a message: the list row's preview and activity, and how long the customer waits
/// (set by their first unanswered message, cleared by an agent's reply).
pub async fn record_message<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    message: MessageId,
    kind: MessageKind,
    preview: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let waiting = match kind {
        MessageKind::Customer => "COALESCE(waiting_since, $4)",
        MessageKind::Agent => "NULL",
        MessageKind::Bot | MessageKind::Note | MessageKind::System => "waiting_since",
    };
    // Notes and system events do not change the customer-facing preview.
    let (preview_sql, message_sql) =
        if kind.customer_visible() { ("$2", "$3") } else { ("last_preview", "last_message_id") };
    // An agent's reply is a person taking over: a conversation still with the bot opens, and
    // the bot pauses.
    let takeover = match kind {
        MessageKind::Agent => ", status = CASE WHEN status = 'bot' THEN 'open' ELSE status END, bot_paused = 1",
        _ => "",
    };
    sqlx::query(&format!(
        "UPDATE conversations SET last_preview = {preview_sql}, last_message_id = {message_sql}, \
         last_activity_at = $4, waiting_since = {waiting}{takeover} WHERE id = $1"
    ))
    .bind(conversation.0)
    .bind(preview)
    .bind(message.0)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_status<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    status: ConversationStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET status = $1 WHERE id = $2")
        .bind(status.code())
        .bind(conversation.0)
        .execute(db)
        .await?;
    Ok(())
}

/// The customer asked for a person: the conversation is open and marked.
pub async fn request_handover<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE conversations SET status = 'open', handover_at = COALESCE(handover_at, $1), \
         waiting_since = COALESCE(waiting_since, $1) WHERE id = $2",
    )
    .bind(now)
    .bind(conversation.0)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_assignee<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    assignee: Option<MemberId>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET assignee_id = $1 WHERE id = $2")
        .bind(assignee.map(|m| m.0))
        .bind(conversation.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Assigning to a team clears the person.
pub async fn set_team<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    team: Option<TeamId>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET team_id = $1, assignee_id = NULL WHERE id = $2")
        .bind(team.map(|t| t.0))
        .bind(conversation.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_bot_paused<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    paused: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET bot_paused = $1 WHERE id = $2")
        .bind(i64::from(paused))
        .bind(conversation.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Conversations `member` holds that are not closed (nobody holds one without a seat): how many,
/// and the contacts of the three most recently active.
pub async fn open_held_by(conn: &mut sqlx::AnyConnection, member: MemberId) -> Result<Held, sqlx::Error> {
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE assignee_id = $1 AND status <> 'closed'")
        .bind(member.0)
        .fetch_one(&mut *conn)
        .await?;
    if count == 0 {
        return Ok(Held::default());
    }
    let first_contacts = sqlx::query_scalar(
        "SELECT k.name FROM conversations c JOIN contacts k ON k.id = c.contact_id \
         WHERE c.assignee_id = $1 AND c.status <> 'closed' ORDER BY c.last_activity_at DESC, c.id DESC LIMIT 3",
    )
    .bind(member.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Held { count, first_contacts })
}

/// The conversations `member` holds that are not closed, for the handoff step.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeldRow {
    #[sqlx(try_from = "i64")]
    pub id: ConversationId,
    pub contact_name: String,
    pub last_preview: String,
    pub last_activity_at: i64,
}

pub async fn held_by<'c>(db: impl Executor<'c, Database = Any>, member: MemberId) -> Result<Vec<HeldRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, k.name AS contact_name, c.last_preview, c.last_activity_at \
         FROM conversations c JOIN contacts k ON k.id = c.contact_id \
         WHERE c.assignee_id = $1 AND c.status <> 'closed' ORDER BY c.last_activity_at DESC, c.id DESC",
    )
    .bind(member.0)
    .fetch_all(db)
    .await
}

/// A member leaving the team no longer holds closed conversations either (history keeps their
/// name on their messages).
pub async fn release_closed_held_by<'c>(
    db: impl Executor<'c, Database = Any>,
    member: MemberId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE conversations SET assignee_id = NULL WHERE assignee_id = $1 AND status = 'closed'")
        .bind(member.0)
        .execute(db)
        .await?;
    Ok(())
}

/// One row of the conversation list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: ConversationStatus,
    pub banned: i64,
    pub contact_name: String,
    #[sqlx(try_from = "String")]
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    pub last_preview: String,
    pub last_activity_at: i64,
    pub waiting_since: Option<i64>,
    pub handover_at: Option<i64>,
    pub bot_paused: i64,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub unread: i64,
}

/// Where the previous page ended: `(last_activity_at, id)` of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    pub activity: i64,
    pub id: i64,
}

pub struct ListQuery {
    pub bot: BotId,
    pub viewer: MemberId,
    pub status: StatusFilter,
    pub scope: Scope,
    /// Only conversations carrying every one of these tags.
    pub tags: TagFilter,
    pub after: Option<ListCursor>,
    pub limit: i64,
}

/// A page of the list, most recent activity first, by keyset (never OFFSET): the cost of a page
/// does not grow with how far down it is. Each filter is served by one of the list indexes.
pub async fn list_page<'c>(db: impl Executor<'c, Database = Any>, q: &ListQuery) -> Result<Vec<ListRow>, sqlx::Error> {
    let (status_sql, scope_sql) = filter_sql(q.status, q.scope);
    let tags_sql = tags_sql(&q.tags, 7);
    let team = match q.scope {
        Scope::Team(team) => team.0,
        _ => 0,
    };
    let (activity, id) = q.after.map(|c| (c.activity, c.id)).unwrap_or((i64::MAX, i64::MAX));
    let filtered = format!(
        r#"
        SELECT c.* FROM conversations c
        WHERE c.bot_id = $1 AND {status_sql} AND {scope_sql}{tags_sql}
          AND (c.last_activity_at < $4 OR (c.last_activity_at = $4 AND c.id < $5))
        ORDER BY c.last_activity_at DESC, c.id DESC
        LIMIT $6
        "#
    );
    let sql = list_select(&filtered);
    let mut query =
        sqlx::query_as(&sql).bind(q.bot.0).bind(q.viewer.0).bind(team).bind(activity).bind(id).bind(q.limit);
    for tag in q.tags.ids() {
        query = query.bind(tag.0);
    }
    query.fetch_all(db).await
}

/// The list filters as SQL on `c` (conversations): fixed fragments chosen from enums, never
/// user text. `$2` is the viewer, `$3` the team.
pub(crate) fn filter_sql(status: StatusFilter, scope: Scope) -> (&'static str, &'static str) {
    let status_sql = match status {
        StatusFilter::Open => "c.banned = 0 AND c.status = 'open'",
        StatusFilter::Closed => "c.banned = 0 AND c.status = 'closed'",
        StatusFilter::All => "c.banned = 0",
        StatusFilter::Banned => "c.banned = 1",
    };
    let scope_sql = match scope {
        Scope::Everyone => "1 = 1",
        Scope::Mine => "c.assignee_id = $2",
        Scope::Unassigned => "c.assignee_id IS NULL AND c.team_id IS NULL",
        Scope::Team(_) => "c.team_id = $3",
    };
    (status_sql, scope_sql)
}

/// The tag filter on `c`: one EXISTS per tag (answered by the (conversation_id, tag_id) primary
/// key), bound from `$first` on.
pub(crate) fn tags_sql(tags: &TagFilter, first: usize) -> String {
    (0..tags.ids().len())
        .map(|n| {
            format!(
                " AND EXISTS (SELECT 1 FROM conversation_tags ct WHERE ct.conversation_id = c.id AND ct.tag_id = ${})",
                n + first
            )
        })
        .collect()
}

/// The list rows of these conversations of `bot` (at most a page), as `viewer` sees them.
pub async fn list_rows<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    viewer: MemberId,
    conversations: &[ConversationId],
) -> Result<Vec<ListRow>, sqlx::Error> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let ids = super::placeholders(3, conversations.len());
    let sql = list_select(&format!("SELECT * FROM conversations WHERE bot_id = $1 AND id IN ({ids})"));
    let mut query = sqlx::query_as(&sql).bind(bot.0).bind(viewer.0);
    for id in conversations {
        query = query.bind(id.0);
    }
    query.fetch_all(db).await
}

/// The list's columns for the conversations `inner` selects (as `c`); `$2` is the viewer.
fn list_select(inner: &str) -> String {
    format!(
        r#"
        SELECT c.id, c.status, c.banned, k.name AS contact_name, ch.kind AS channel_kind, ch.name AS channel_name,
               c.last_preview, c.last_activity_at, c.waiting_since, c.handover_at, c.bot_paused,
               c.assignee_id, u.name AS assignee_name, c.team_id, t.name AS team_name,
               (SELECT COUNT(*) FROM messages m
                 WHERE m.conversation_id = c.id AND m.kind = 'customer'
                   AND m.id > COALESCE((SELECT r.last_read_id FROM conversation_reads r
                                         WHERE r.member_id = $2 AND r.conversation_id = c.id), 0)) AS unread
        FROM ({inner}) c
        JOIN contacts k ON k.id = c.contact_id
        JOIN channels ch ON ch.id = c.channel_id
        LEFT JOIN members am ON am.id = c.assignee_id
        LEFT JOIN users u ON u.id = am.user_id
        LEFT JOIN teams t ON t.id = c.team_id
        ORDER BY c.last_activity_at DESC, c.id DESC
        "#
    )
}

/// One conversation's list row, as `viewer` sees it.
pub async fn list_row<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    viewer: MemberId,
    conversation: ConversationId,
) -> Result<Option<ListRow>, sqlx::Error> {
    let sql = list_select("SELECT * FROM conversations WHERE bot_id = $1 AND id = $3");
    sqlx::query_as(&sql).bind(bot.0).bind(viewer.0).bind(conversation.0).fetch_optional(db).await
}

// ---------------------------------------------------------------------------------------------
// Messages

#[derive(Debug, Clone, sqlx::FromRow)]
struct MessageRow {
    id: i64,
    conversation_id: i64,
    #[sqlx(try_from = "String")]
    kind: MessageKind,
    body: String,
    author_name: String,
    #[sqlx(try_from = "String")]
    delivery: Delivery,
    created_at: i64,
}

impl From<MessageRow> for MessageView {
    fn from(row: MessageRow) -> Self {
        MessageView {
            id: MessageId(row.id),
            conversation_id: ConversationId(row.conversation_id),
            kind: row.kind,
            body: row.body,
            author_name: row.author_name,
            delivery: row.delivery,
            created_at_ms: row.created_at,
            attachment: None,
        }
    }
}

const MESSAGE_COLUMNS: &str = "id, conversation_id, kind, body, author_name, delivery, created_at";

pub struct NewMessage<'a> {
    pub bot: BotId,
    pub conversation: ConversationId,
    pub channel: ChannelId,
    pub kind: MessageKind,
    pub body: &'a str,
    pub author: Option<MemberId>,
    pub author_name: &'a str,
    pub provider_message_id: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
    pub delivery: Delivery,
}

/// Inserts a message; `None` if its provider id (per channel) or idempotency key (per
/// conversation) is already taken — the unique constraints decide, so concurrent duplicates
/// store exactly one.
pub async fn insert_message<'c>(
    db: impl Executor<'c, Database = Any>,
    m: &NewMessage<'_>,
    now: i64,
) -> Result<Option<MessageView>, sqlx::Error> {
    let row: Option<MessageRow> = sqlx::query_as(&format!(
        r#"
        INSERT INTO messages (bot_id, conversation_id, channel_id, kind, body, author_member_id, author_name,
                              provider_message_id, idempotency_key, delivery, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT DO NOTHING
        RETURNING {MESSAGE_COLUMNS}
        "#
    ))
    .bind(m.bot.0)
    .bind(m.conversation.0)
    .bind(m.channel.0)
    .bind(m.kind.code())
    .bind(m.body)
    .bind(m.author.map(|a| a.0))
    .bind(m.author_name)
    .bind(m.provider_message_id)
    .bind(m.idempotency_key)
    .bind(m.delivery.code())
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(MessageView::from))
}

pub async fn message_by_provider_id<'c>(
    db: impl Executor<'c, Database = Any>,
    channel: ChannelId,
    provider_message_id: &str,
) -> Result<Option<MessageView>, sqlx::Error> {
    let row: Option<MessageRow> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE channel_id = $1 AND provider_message_id = $2"
    ))
    .bind(channel.0)
    .bind(provider_message_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(MessageView::from))
}

/// A message stored earlier under the same idempotency key, with who wrote it.
pub struct KeyedMessage {
    pub message: MessageView,
    pub author: Option<MemberId>,
}

pub async fn message_by_key<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    key: &str,
) -> Result<Option<KeyedMessage>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        message: MessageRow,
        author_member_id: Option<i64>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS}, author_member_id FROM messages WHERE conversation_id = $1 AND idempotency_key = $2"
    ))
    .bind(conversation.0)
    .bind(key)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| KeyedMessage { message: row.message.into(), author: row.author_member_id.map(MemberId) }))
}

pub async fn message_in_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    message: MessageId,
) -> Result<Option<MessageView>, sqlx::Error> {
    let row: Option<MessageRow> =
        sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND bot_id = $2"))
            .bind(message.0)
            .bind(bot.0)
            .fetch_optional(db)
            .await?;
    Ok(row.map(MessageView::from))
}

/// Up to `limit` messages before `before` (newest page when `None`), returned oldest first,
/// with their attachments.
pub async fn messages_page(
    conn: &mut sqlx::AnyConnection,
    conversation: ConversationId,
    before: Option<MessageId>,
    customer_visible_only: bool,
    limit: i64,
) -> Result<Vec<MessageView>, sqlx::Error> {
    let visible = if customer_visible_only { "AND kind IN ('customer', 'bot', 'agent')" } else { "" };
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND id < $2 {visible} \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(conversation.0)
    .bind(before.map(|b| b.0).unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.reverse();
    let mut messages: Vec<MessageView> = rows.into_iter().map(MessageView::from).collect();
    super::media::attach(conn, &mut messages).await?;
    Ok(messages)
}

pub async fn set_delivery<'c>(
    db: impl Executor<'c, Database = Any>,
    message: MessageId,
    delivery: Delivery,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE messages SET delivery = $1 WHERE id = $2")
        .bind(delivery.code())
        .bind(message.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks everything up to `message` read for `member` (never moves backwards).
pub async fn mark_read<'c>(
    db: impl Executor<'c, Database = Any>,
    member: MemberId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO conversation_reads (member_id, conversation_id, last_read_id) VALUES ($1, $2, $3)
        ON CONFLICT (member_id, conversation_id) DO UPDATE SET
            last_read_id = CASE WHEN excluded.last_read_id > conversation_reads.last_read_id
                                THEN excluded.last_read_id ELSE conversation_reads.last_read_id END
        "#,
    )
    .bind(member.0)
    .bind(conversation.0)
    .bind(message.0)
    .execute(db)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Teams

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    #[sqlx(try_from = "i64")]
    pub id: TeamId,
    pub name: String,
}

/// Creates a team; `None` if the bot already has one of that name (any case).
pub async fn insert_team<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    name: &str,
    key: &str,
    now: i64,
) -> Result<Option<TeamId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO teams (bot_id, name, name_key, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (bot_id, name_key) DO NOTHING RETURNING id",
    )
    .bind(bot.0)
    .bind(name)
    .bind(key)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(id.map(TeamId))
}

pub async fn team_in_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    team: TeamId,
) -> Result<Option<TeamRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM teams WHERE id = $1 AND bot_id = $2")
        .bind(team.0)
        .bind(bot.0)
        .fetch_optional(db)
        .await
}

pub async fn teams_of_bot<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<Vec<TeamRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM teams WHERE bot_id = $1 ORDER BY name_key, id").bind(bot.0).fetch_all(db).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamMembership {
    #[sqlx(try_from = "i64")]
    pub team_id: TeamId,
    #[sqlx(try_from = "i64")]
    pub member_id: MemberId,
}

pub async fn team_memberships_of_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Vec<TeamMembership>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tm.team_id, tm.member_id FROM team_members tm JOIN teams t ON t.id = tm.team_id \
         WHERE t.bot_id = $1 ORDER BY tm.team_id, tm.member_id",
    )
    .bind(bot.0)
    .fetch_all(db)
    .await
}

pub async fn add_team_member<'c>(
    db: impl Executor<'c, Database = Any>,
    team: TeamId,
    member: MemberId,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO team_members (team_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(team.0)
        .bind(member.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn remove_team_member<'c>(
    db: impl Executor<'c, Database = Any>,
    team: TeamId,
    member: MemberId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND member_id = $2")
        .bind(team.0)
        .bind(member.0)
        .execute(db)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Presence

/// `member` has the Inbox open (optionally on one conversation) as of `now`.
pub async fn touch_presence<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
    viewing: Option<ConversationId>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO presence (member_id, bot_id, viewing_conversation_id, seen_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (member_id) DO UPDATE SET viewing_conversation_id = excluded.viewing_conversation_id,
                                              seen_at = excluded.seen_at
        "#,
    )
    .bind(member.0)
    .bind(bot.0)
    .bind(viewing.map(|c| c.0))
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The conversation `member` has had open since `since`, if any.
pub async fn viewing_of<'c>(
    db: impl Executor<'c, Database = Any>,
    member: MemberId,
    since: i64,
) -> Result<Option<ConversationId>, sqlx::Error> {
    let viewing: Option<Option<i64>> =
        sqlx::query_scalar("SELECT viewing_conversation_id FROM presence WHERE member_id = $1 AND seen_at >= $2")
            .bind(member.0)
            .bind(since)
            .fetch_optional(db)
            .await?;
    Ok(viewing.flatten().map(ConversationId))
}

/// `member` closed `conversation`: they view nothing now, unless they already opened another.
/// Returns whether they had it open.
pub async fn stop_viewing<'c>(
    db: impl Executor<'c, Database = Any>,
    member: MemberId,
    conversation: ConversationId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE presence SET viewing_conversation_id = NULL WHERE member_id = $1 AND viewing_conversation_id = $2",
    )
    .bind(member.0)
    .bind(conversation.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// `member` has the Inbox open as of `now` (what they are viewing is left as it was).
pub async fn touch_seen<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO presence (member_id, bot_id, viewing_conversation_id, seen_at) VALUES ($1, $2, NULL, $3)
        ON CONFLICT (member_id) DO UPDATE SET seen_at = excluded.seen_at
        "#,
    )
    .bind(member.0)
    .bind(bot.0)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// How many seat holders of `bot` have had the Inbox open since `since` and have not set
/// themselves offline (the widget promises a quick answer only then).
pub async fn seat_holders_online<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM presence p JOIN members m ON m.id = p.member_id \
         WHERE p.bot_id = $1 AND p.seen_at >= $2 AND m.has_seat = 1 AND m.availability = 'online'",
    )
    .bind(bot.0)
    .bind(since)
    .fetch_one(db)
    .await
}

#[derive(sqlx::FromRow)]
struct ViewerRow {
    member_id: i64,
    name: String,
}

/// Members viewing `conversation` since `since`, by name.
pub async fn viewers_of<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    since: i64,
) -> Result<Vec<Viewer>, sqlx::Error> {
    let rows: Vec<ViewerRow> = sqlx::query_as(
        "SELECT m.id AS member_id, u.name FROM presence p JOIN members m ON m.id = p.member_id \
         JOIN users u ON u.id = m.user_id \
         WHERE p.viewing_conversation_id = $1 AND p.seen_at >= $2 ORDER BY u.name, m.id",
    )
    .bind(conversation.0)
    .bind(since)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| Viewer { member: MemberId(r.member_id), name: r.name }).collect())
}

/// How many members still count as viewing `conversation` though they last checked in before
/// `since` (a tab closed without saying so).
pub async fn stale_viewers<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM presence WHERE viewing_conversation_id = $1 AND seen_at < $2")
        .bind(conversation.0)
        .bind(since)
        .fetch_one(db)
        .await
}

/// Those members view nothing any more; returns whether there were any.
pub async fn forget_stale_viewers<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    since: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE presence SET viewing_conversation_id = NULL WHERE viewing_conversation_id = $1 AND seen_at < $2",
    )
    .bind(conversation.0)
    .bind(since)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The name of member `member` of `bot` and whether they could hold conversations.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignableFacts {
    #[sqlx(try_from = "i64")]
    pub id: MemberId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: crate::domain::Role,
    pub has_seat: i64,
    pub availability: String,
}

pub async fn members_for_assignment<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Vec<AssignableFacts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, u.name, m.role, m.has_seat, m.availability FROM members m JOIN users u ON u.id = m.user_id \
         WHERE m.bot_id = $1 ORDER BY LOWER(u.name), m.id",
    )
    .bind(bot.0)
    .fetch_all(db)
    .await
}
