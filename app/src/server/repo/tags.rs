//! Tags and which conversations carry them: SQL only. Every read that takes a tag id from a
//! request also takes the bot, so another bot's tag is simply "not found".
use crate::domain::BotId;
use crate::domain::ids::{ConversationId, TagId};
use crate::domain::tags::{TagColor, TagView};
use sqlx::{Any, Executor};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagRow {
    #[sqlx(try_from = "i64")]
    pub id: TagId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub color: TagColor,
}

impl From<TagRow> for TagView {
    fn from(row: TagRow) -> Self {
        TagView { id: row.id, name: row.name, color: row.color }
    }
}

/// Creates a tag; `None` if the bot already has one of that name (any case).
pub async fn insert<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    name: &str,
    key: &str,
    color: TagColor,
    now: i64,
) -> Result<Option<TagId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO tags (bot_id, name, name_key, color, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (bot_id, name_key) DO NOTHING RETURNING id",
    )
    .bind(bot.0)
    .bind(name)
    .bind(key)
    .bind(color.code())
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(id.map(TagId))
}

pub async fn in_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    tag: TagId,
) -> Result<Option<TagRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, color FROM tags WHERE id = $1 AND bot_id = $2")
        .bind(tag.0)
        .bind(bot.0)
        .fetch_optional(db)
        .await
}

pub async fn by_key<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    key: &str,
) -> Result<Option<TagRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, color FROM tags WHERE bot_id = $1 AND name_key = $2")
        .bind(bot.0)
        .bind(key)
        .fetch_optional(db)
        .await
}

pub async fn of_bot<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<Vec<TagRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, color FROM tags WHERE bot_id = $1 ORDER BY name_key, id")
        .bind(bot.0)
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TagUsageRow {
    #[sqlx(flatten)]
    pub tag: TagRow,
    pub conversations: i64,
}

/// Every tag of the bot with how many conversations carry it.
pub async fn usage_of_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
) -> Result<Vec<TagUsageRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.color, \
                (SELECT COUNT(*) FROM conversation_tags ct WHERE ct.tag_id = t.id) AS conversations \
         FROM tags t WHERE t.bot_id = $1 ORDER BY t.name_key, t.id",
    )
    .bind(bot.0)
    .fetch_all(db)
    .await
}

pub async fn conversation_count<'c>(db: impl Executor<'c, Database = Any>, tag: TagId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM conversation_tags WHERE tag_id = $1").bind(tag.0).fetch_one(db).await
}

/// Renames a tag; `false` if another tag of the bot already has that name (any case).
pub async fn rename<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    tag: TagId,
    name: &str,
    key: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE tags SET name = $1, name_key = $2 WHERE id = $3 AND bot_id = $4 \
         AND NOT EXISTS (SELECT 1 FROM tags o WHERE o.bot_id = $4 AND o.name_key = $2 AND o.id <> $3)",
    )
    .bind(name)
    .bind(key)
    .bind(tag.0)
    .bind(bot.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_color<'c>(
    db: impl Executor<'c, Database = Any>,
    tag: TagId,
    color: TagColor,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tags SET color = $1 WHERE id = $2").bind(color.code()).bind(tag.0).execute(db).await?;
    Ok(())
}

/// Deletes a tag; the conversations that carried it lose it (cascade).
pub async fn delete<'c>(db: impl Executor<'c, Database = Any>, tag: TagId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM tags WHERE id = $1").bind(tag.0).execute(db).await?;
    Ok(())
}

/// Gives every conversation tagged `from` the tag `into` (once, whether or not it had both).
pub async fn copy_conversations<'c>(
    db: impl Executor<'c, Database = Any>,
    from: TagId,
    into: TagId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO conversation_tags (conversation_id, tag_id) \
         SELECT conversation_id, $2 FROM conversation_tags WHERE tag_id = $1 \
         ON CONFLICT (conversation_id, tag_id) DO NOTHING",
    )
    .bind(from.0)
    .bind(into.0)
    .execute(db)
    .await?;
    Ok(())
}

/// Tags a conversation; `false` if it already carried the tag.
pub async fn apply<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    tag: TagId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ($1, $2) \
         ON CONFLICT (conversation_id, tag_id) DO NOTHING",
    )
    .bind(conversation.0)
    .bind(tag.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Untags a conversation; `false` if it did not carry the tag.
pub async fn remove<'c>(
    db: impl Executor<'c, Database = Any>,
    conversation: ConversationId,
    tag: TagId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_id = $2")
        .bind(conversation.0)
        .bind(tag.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationTagRow {
    pub conversation_id: i64,
    #[sqlx(flatten)]
    pub tag: TagRow,
}

/// The tags of these conversations (at most a page of them), by name.
pub async fn of_conversations<'c>(
    db: impl Executor<'c, Database = Any>,
    conversations: &[ConversationId],
) -> Result<Vec<ConversationTagRow>, sqlx::Error> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT ct.conversation_id, t.id, t.name, t.color FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id \
         WHERE ct.conversation_id IN ({}) ORDER BY ct.conversation_id, t.name_key, t.id",
        super::placeholders(1, conversations.len())
    );
    let mut query = sqlx::query_as(&sql);
    for conversation in conversations {
        query = query.bind(conversation.0);
    }
    query.fetch_all(db).await
}
