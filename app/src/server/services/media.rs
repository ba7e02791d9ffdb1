//! Files sent in conversations: checked (size, type by content, image limits) before anything
//! is stored, stored by content, then attached to a message in the caller's transaction. Also
//! serving a file to a member of its bot or to whoever holds a signed link.
use crate::domain::ids::{AttachmentId, MessageId};
use crate::domain::media::{AttachmentView, FileName, MediaType, too_large};
use crate::domain::policy;
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::media::{self, MediaStore, Variant};
use crate::server::repo::media::{self as repo, NewAttachment};
use std::sync::Arc;

/// A checked file whose bytes (and preview) are in the store, ready to attach.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub file_name: FileName,
    pub media_type: MediaType,
    pub size_bytes: i64,
    pub dimensions: Option<(u32, u32)>,
    pub content_name: String,
    pub thumb_name: Option<String>,
}

impl StoredFile {
    /// Records the file as `message`'s attachment; returns its view (member links).
    pub async fn attach_to(
        &self,
        conn: &mut sqlx::AnyConnection,
        bot: BotId,
        message: MessageId,
        now: i64,
    ) -> Result<AttachmentView, AppError> {
        let new = NewAttachment {
            bot,
            message,
            content_name: &self.content_name,
            media_type: self.media_type,
            file_name: self.file_name.as_str(),
            size_bytes: self.size_bytes,
            dimensions: self.dimensions,
            thumb_name: self.thumb_name.as_deref(),
        };
        let id = repo::insert(&mut *conn, &new, now).await?;
        Ok(AttachmentView {
            id,
            file_name: self.file_name.as_str().to_string(),
            media_type: self.media_type,
            size_bytes: self.size_bytes,
            url: media::member_path(id, Variant::Original),
            thumb_url: self.thumb_name.as_ref().map(|_| media::member_path(id, Variant::Thumbnail)),
        })
    }

    /// The list's preview line for a message that is only this file.
    pub fn preview(&self) -> String {
        format!("📎 {}", self.file_name.as_str())
    }
}

fn store_failed(err: std::io::Error) -> AppError {
    tracing::error!(error = %err, "could not write to the media store");
    AppError::Internal
}

/// Checks `bytes` against the rules (at most `max_bytes`, an allowed type by content, images
/// within the pixel limits), makes an image's preview and stores both. Nothing is stored for a
/// refused file.
pub async fn store(
    store: &Arc<dyn MediaStore>,
    file_name: &str,
    bytes: Vec<u8>,
    max_bytes: usize,
) -> Result<StoredFile, AppError> {
    if bytes.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    let media_type = media::sniff(&bytes)?;
    let dimensions = media::image_dimensions(&bytes, media_type)?;
    let file_name = FileName::parse(file_name);
    let size_bytes = bytes.len() as i64;
    let store = store.clone();
    let _turn = if media_type.is_raster_image() {
        Some(media::THUMBNAILS.acquire().await.map_err(|_| AppError::Internal)?)
    } else {
        None
    };
    let (content_name, thumb_name) =
        tokio::task::spawn_blocking(move || -> std::io::Result<(String, Option<String>)> {
            let content_name = media::content_name(&bytes);
            store.put(&content_name, &bytes)?;
            let thumb = if media_type.is_raster_image() { media::thumbnail(&bytes, media_type) } else { None };
            let thumb_name = match thumb {
                Some(thumb) => {
                    let name = media::content_name(&thumb);
                    store.put(&name, &thumb)?;
                    Some(name)
                }
                None => None,
            };
            Ok((content_name, thumb_name))
        })
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(store_failed)?;
    Ok(StoredFile { file_name, media_type, size_bytes, dimensions, content_name, thumb_name })
}

/// Who asks for a file: a signed-in user (member of the file's bot?) or a signed link.
pub enum Requester<'a> {
    User(UserId),
    Link { expires_s: i64, sig: &'a str },
    Nobody,
}

/// Where a served file's bytes come from: a local file (streamed) or memory.
pub enum ServedBody {
    File(std::path::PathBuf),
    Bytes(Vec<u8>),
}

/// A file ready to send: its bytes and how to serve them.
pub struct Served {
    pub body: ServedBody,
    /// What the bytes are (a preview is always JPEG).
    pub media_type: MediaType,
    pub file_name: String,
}

/// The file (or its preview) for `who`: members of its bot who may view the Inbox, or a valid
/// unexpired link. Anything else — another bot, a forged or expired link — is "not found".
pub async fn serve(
    db: &Db,
    store: &Arc<dyn MediaStore>,
    who: Requester<'_>,
    id: AttachmentId,
    variant: Variant,
) -> Result<Served, AppError> {
    let found = repo::stored(db.pool(), id).await?.ok_or(AppError::NotFound)?;
    let allowed = match who {
        Requester::Link { expires_s, sig } => {
            media::verify(&found.channel_secret, id, variant, expires_s, sig, now_ms() / 1000)
        }
        Requester::User(user) => {
            let mut conn = db.pool().acquire().await?;
            let me = crate::server::services::inbox::acting_member(&mut conn, user, found.bot_id).await?;
            policy::can_view_inbox(me.as_ref().map(|m| &m.actor)).is_ok()
        }
        Requester::Nobody => false,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    let (name, media_type) = match variant {
        Variant::Original => (found.content_name.clone(), found.media_type),
        Variant::Thumbnail => (found.thumb_name.clone().ok_or(AppError::NotFound)?, MediaType::Jpeg),
    };
    let missing = || {
        tracing::error!(attachment = id.0, "an attachment's bytes are missing from the media store");
        AppError::NotFound
    };
    let body = match store.local_path(&name) {
        Some(path) => ServedBody::File(path),
        None => {
            let store = store.clone();
            let bytes = tokio::task::spawn_blocking(move || store.get(&name))
                .await
                .map_err(|_| AppError::Internal)?
                .map_err(store_failed)?
                .ok_or_else(missing)?;
            ServedBody::Bytes(bytes)
        }
    };
    Ok(Served { body, media_type, file_name: found.file_name })
}

impl Served {
    /// All the bytes at once (tests, small files).
    pub async fn bytes(&self) -> std::io::Result<Vec<u8>> {
        match &self.body {
            ServedBody::File(path) => tokio::fs::read(path).await,
            ServedBody::Bytes(bytes) => Ok(bytes.clone()),
        }
    }
}

/// How long links given to visitors and to API channels work.
pub const LINK_TTL_SECS: i64 = 24 * 3600;

/// `view`'s links made to work without a session (for a visitor, or an API channel's
/// connector), signed with the channel's secret.
pub fn sign_links(view: &mut AttachmentView, channel_secret: &str) {
    let expires = now_ms() / 1000 + LINK_TTL_SECS;
    view.url = media::signed_path(channel_secret, view.id, Variant::Original, expires);
    if view.thumb_url.is_some() {
        view.thumb_url = Some(media::signed_path(channel_secret, view.id, Variant::Thumbnail, expires));
    }
}
