//! The customer profile: a contact's channel identity, custom attributes and other
//! conversations. SQL only; every read takes the bot.
use crate::domain::BotId;
use crate::domain::contacts::{Attribute, PastConversation};
use crate::domain::ids::{ContactId, ConversationId};
use crate::domain::inbox::{ChannelKind, ConversationStatus};
use crate::server::db::flag;
use sqlx::{Any, Executor};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileRow {
    #[sqlx(try_from = "i64")]
    pub id: ContactId,
    pub name: String,
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    #[sqlx(try_from = "String")]
    pub channel_kind: ChannelKind,
    pub channel_name: String,
}

pub async fn profile<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    contact: ContactId,
) -> Result<Option<ProfileRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.name, k.external_id, k.email, k.phone, k.created_at, k.last_seen_at, \
                ch.kind AS channel_kind, ch.name AS channel_name \
         FROM contacts k JOIN channels ch ON ch.id = k.channel_id WHERE k.id = $1 AND k.bot_id = $2",
    )
    .bind(contact.0)
    .bind(bot.0)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AttributeRow {
    label: String,
    value: String,
}

pub async fn attributes<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
) -> Result<Vec<Attribute>, sqlx::Error> {
    let rows: Vec<AttributeRow> =
        sqlx::query_as("SELECT label, value FROM contact_attributes WHERE contact_id = $1 ORDER BY key")
            .bind(contact.0)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| Attribute { label: r.label, value: r.value }).collect())
}

pub async fn attribute_count<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM contact_attributes WHERE contact_id = $1")
        .bind(contact.0)
        .fetch_one(db)
        .await
}

pub async fn has_attribute<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM contact_attributes WHERE contact_id = $1 AND key = $2")
        .bind(contact.0)
        .bind(key)
        .fetch_optional(db)
        .await?;
    Ok(found.is_some())
}

/// Sets (or replaces) one attribute.
pub async fn set_attribute<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
    key: &str,
    label: &str,
    value: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO contact_attributes (contact_id, key, label, value, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (contact_id, key) DO UPDATE SET label = excluded.label, value = excluded.value, \
         updated_at = excluded.updated_at",
    )
    .bind(contact.0)
    .bind(key)
    .bind(label)
    .bind(value)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes one attribute; `false` if there was none.
pub async fn remove_attribute<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM contact_attributes WHERE contact_id = $1 AND key = $2")
        .bind(contact.0)
        .bind(key)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct PastRow {
    id: i64,
    #[sqlx(try_from = "String")]
    status: ConversationStatus,
    banned: i64,
    created_at: i64,
    last_activity_at: i64,
    assignee: Option<String>,
    last_preview: String,
}

/// The contact's other conversations in this bot, most recent activity first.
pub async fn past_conversations<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    contact: ContactId,
    except: ConversationId,
    limit: i64,
) -> Result<Vec<PastConversation>, sqlx::Error> {
    let rows: Vec<PastRow> = sqlx::query_as(
        "SELECT c.id, c.status, c.banned, c.created_at, c.last_activity_at, u.name AS assignee, c.last_preview \
         FROM conversations c LEFT JOIN members am ON am.id = c.assignee_id LEFT JOIN users u ON u.id = am.user_id \
         WHERE c.bot_id = $1 AND c.contact_id = $2 AND c.id <> $3 \
         ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $4",
    )
    .bind(bot.0)
    .bind(contact.0)
    .bind(except.0)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PastConversation {
            id: ConversationId(r.id),
            status: r.status,
            banned: flag(r.banned),
            started_ms: r.created_at,
            last_activity_ms: r.last_activity_at,
            assignee: r.assignee,
            preview: r.last_preview,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// The Contacts page and merging

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactListRow {
    #[sqlx(try_from = "i64")]
    pub id: ContactId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub last_seen_at: i64,
    pub conversations: i64,
}

pub struct ContactListQuery<'a> {
    pub bot: BotId,
    /// Part of a name, email or phone; empty: everyone.
    pub text: &'a str,
    /// Keyset: (last_seen_at, id) of the last row shown.
    pub after: Option<(i64, i64)>,
    /// Leave this contact out (the one being merged).
    pub except: Option<ContactId>,
    pub limit: i64,
}

/// The bot's contacts, most recently seen first; merged identities are not listed.
pub async fn list<'c>(
    db: impl Executor<'c, Database = Any>,
    q: &ContactListQuery<'_>,
) -> Result<Vec<ContactListRow>, sqlx::Error> {
    let (after_seen, after_id) = q.after.unwrap_or((i64::MAX, i64::MAX));
    let mut sql = String::from(
        "SELECT k.id, k.name, ch.kind AS channel_kind, ch.name AS channel_name, k.email, k.phone, k.last_seen_at, \
                (SELECT COUNT(*) FROM conversations c WHERE c.contact_id = k.id) AS conversations \
         FROM contacts k JOIN channels ch ON ch.id = k.channel_id \
         WHERE k.bot_id = $1 AND k.merged_into_id IS NULL \
           AND (k.last_seen_at < $2 OR (k.last_seen_at = $2 AND k.id < $3)) AND k.id <> $4",
    );
    if !q.text.is_empty() {
        sql.push_str(
            " AND (LOWER(k.name) LIKE $6 ESCAPE '\\' OR LOWER(COALESCE(k.email, '')) LIKE $6 ESCAPE '\\' \
               OR COALESCE(k.phone, '') LIKE $6 ESCAPE '\\')",
        );
    }
    sql.push_str(" ORDER BY k.last_seen_at DESC, k.id DESC LIMIT $5");
    let mut query = sqlx::query_as(&sql)
        .bind(q.bot.0)
        .bind(after_seen)
        .bind(after_id)
        .bind(q.except.map_or(0, |c| c.0))
        .bind(q.limit);
    if !q.text.is_empty() {
        query = query.bind(super::search::contains_pattern(q.text));
    }
    query.fetch_all(db).await
}

/// A contact of this bot that has not been merged away: (name, banned).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MergeSide {
    #[sqlx(try_from = "i64")]
    pub id: ContactId,
    pub name: String,
    pub banned: i64,
    pub merged_into_id: Option<i64>,
}

pub async fn merge_side<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    contact: ContactId,
) -> Result<Option<MergeSide>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, banned, merged_into_id FROM contacts WHERE id = $1 AND bot_id = $2")
        .bind(contact.0)
        .bind(bot.0)
        .fetch_optional(db)
        .await
}

/// The contact an identity was merged into (itself when it was not).
pub async fn resolve<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    contact: ContactId,
) -> Result<Option<ContactId>, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT COALESCE(merged_into_id, id) FROM contacts WHERE id = $1 AND bot_id = $2")
            .bind(contact.0)
            .bind(bot.0)
            .fetch_optional(db)
            .await?;
    Ok(found.map(ContactId))
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct IdentityRow {
    channel_name: String,
    external_id: String,
}

/// The identities merged into `contact`.
pub async fn merged_identities<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
) -> Result<Vec<crate::domain::contacts::Identity>, sqlx::Error> {
    let rows: Vec<IdentityRow> = sqlx::query_as(
        "SELECT ch.name AS channel_name, k.external_id FROM contacts k JOIN channels ch ON ch.id = k.channel_id \
         WHERE k.merged_into_id = $1 ORDER BY k.id",
    )
    .bind(contact.0)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::domain::contacts::Identity { channel_name: r.channel_name, external_id: r.external_id })
        .collect())
}

/// Files everything of `source` under `target` (the caller holds the bot's lock and checked
/// both are live contacts of the bot): conversations move, details the target lacks are
/// taken over, and `source` (with anything merged into it before) points at `target`.
/// Returns the conversations moved.
pub async fn merge(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    source: ContactId,
    target: ContactId,
) -> Result<Vec<ConversationId>, sqlx::Error> {
    let moved: Vec<i64> = sqlx::query_scalar(
        "UPDATE conversations SET contact_id = $1 WHERE contact_id = $2 AND bot_id = $3 RETURNING id",
    )
    .bind(target.0)
    .bind(source.0)
    .bind(bot.0)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE contacts SET \
            name = CASE WHEN contacts.name = '' THEN s.name ELSE contacts.name END, \
            email = COALESCE(contacts.email, s.email), phone = COALESCE(contacts.phone, s.phone), \
            created_at = CASE WHEN s.created_at < contacts.created_at THEN s.created_at ELSE contacts.created_at END, \
            last_seen_at = CASE WHEN s.last_seen_at > contacts.last_seen_at THEN s.last_seen_at ELSE contacts.last_seen_at END \
         FROM (SELECT name, email, phone, created_at, last_seen_at FROM contacts WHERE id = $2) AS s \
         WHERE contacts.id = $1",
    )
    .bind(target.0)
    .bind(source.0)
    .execute(&mut *conn)
    .await?;
    // The target's own details win; the source's others join them.
    sqlx::query(
        "INSERT INTO contact_attributes (contact_id, key, label, value, updated_at) \
         SELECT $1, key, label, value, updated_at FROM contact_attributes WHERE contact_id = $2 \
         ON CONFLICT (contact_id, key) DO NOTHING",
    )
    .bind(target.0)
    .bind(source.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM contact_attributes WHERE contact_id = $1").bind(source.0).execute(&mut *conn).await?;
    sqlx::query("UPDATE contacts SET merged_into_id = $1 WHERE merged_into_id = $2 OR id = $2")
        .bind(target.0)
        .bind(source.0)
        .execute(&mut *conn)
        .await?;
    Ok(moved.into_iter().map(ConversationId).collect())
}

/// The contact's conversations that are not closed (their open views show the profile).
pub async fn open_conversations_of<'c>(
    db: impl Executor<'c, Database = Any>,
    contact: ContactId,
) -> Result<Vec<ConversationId>, sqlx::Error> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM conversations WHERE contact_id = $1 AND status <> 'closed' ORDER BY id")
            .bind(contact.0)
            .fetch_all(db)
            .await?;
    Ok(ids.into_iter().map(ConversationId).collect())
}
