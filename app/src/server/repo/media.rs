//! Attachments: SQL only. The bytes are in the media store under `content_name`.
use crate::domain::BotId;
use crate::domain::ids::{AttachmentId, ConversationId, MessageId};
use crate::domain::inbox::MessageView;
use crate::domain::media::{AttachmentView, MediaType};
use crate::server::media::{Variant, member_path};
use sqlx::{Any, Executor};

pub struct NewAttachment<'a> {
    pub bot: BotId,
    pub message: MessageId,
    pub content_name: &'a str,
    pub media_type: MediaType,
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub dimensions: Option<(u32, u32)>,
    pub thumb_name: Option<&'a str>,
}

pub async fn insert<'c>(
    db: impl Executor<'c, Database = Any>,
    a: &NewAttachment<'_>,
    now: i64,
) -> Result<AttachmentId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (bot_id, message_id, content_name, media_type, file_name, size_bytes, width, height, \
                                  thumb_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(a.bot.0)
    .bind(a.message.0)
    .bind(a.content_name)
    .bind(a.media_type.code())
    .bind(a.file_name)
    .bind(a.size_bytes)
    .bind(a.dimensions.map(|(w, _)| i64::from(w)))
    .bind(a.dimensions.map(|(_, h)| i64::from(h)))
    .bind(a.thumb_name)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(AttachmentId(id))
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct ViewRow {
    id: i64,
    message_id: i64,
    #[sqlx(try_from = "String")]
    media_type: MediaType,
    file_name: String,
    size_bytes: i64,
    thumb_name: Option<String>,
}

impl ViewRow {
    fn view(self) -> AttachmentView {
        let id = AttachmentId(self.id);
        AttachmentView {
            id,
            file_name: self.file_name,
            media_type: self.media_type,
            size_bytes: self.size_bytes,
            url: member_path(id, Variant::Original),
            thumb_url: self.thumb_name.map(|_| member_path(id, Variant::Thumbnail)),
        }
    }
}

/// Fills in the attachment of each message that has one (links for members).
pub async fn attach(conn: &mut sqlx::AnyConnection, messages: &mut [MessageView]) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT id, message_id, media_type, file_name, size_bytes, thumb_name FROM attachments WHERE message_id IN ({})",
        super::placeholders(1, messages.len())
    );
    let mut query = sqlx::query_as::<_, ViewRow>(&sql);
    for m in messages.iter() {
        query = query.bind(m.id.0);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let message = MessageId(row.message_id);
        if let Some(m) = messages.iter_mut().find(|m| m.id == message) {
            m.attachment = Some(row.view());
        }
    }
    Ok(())
}

/// What serving a file needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredAttachment {
    #[sqlx(try_from = "i64")]
    pub bot_id: BotId,
    #[sqlx(try_from = "i64")]
    pub conversation_id: ConversationId,
    pub content_name: String,
    pub thumb_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub media_type: MediaType,
    pub file_name: String,
    /// The secret of the conversation's channel, which signs links to the file.
    pub channel_secret: String,
}

pub async fn stored<'c>(
    db: impl Executor<'c, Database = Any>,
    id: AttachmentId,
) -> Result<Option<StoredAttachment>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.bot_id, m.conversation_id, a.content_name, a.thumb_name, a.media_type, a.file_name, \
                ch.secret AS channel_secret \
         FROM attachments a JOIN messages m ON m.id = a.message_id JOIN channels ch ON ch.id = m.channel_id \
         WHERE a.id = $1",
    )
    .bind(id.0)
    .fetch_optional(db)
    .await
}

/// The attachment of one message, if it has one (links for members).
pub async fn of_message<'c>(
    db: impl Executor<'c, Database = Any>,
    message: MessageId,
) -> Result<Option<AttachmentView>, sqlx::Error> {
    let row: Option<ViewRow> = sqlx::query_as(
        "SELECT id, message_id, media_type, file_name, size_bytes, thumb_name FROM attachments WHERE message_id = $1",
    )
    .bind(message.0)
    .fetch_optional(db)
    .await?;
    Ok(row.map(ViewRow::view))
}
