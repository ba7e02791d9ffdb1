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
