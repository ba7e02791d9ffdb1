//! Bot Settings > Channels: the website widget (one per bot, created on first need) and API
//! channels with their signing secrets (shown once; rotatable) and outbound URLs.
use crate::domain::ids::ChannelId;
use crate::domain::inbox::{ChannelKind, ChannelSecret, ChannelView, ChannelsView};
use crate::domain::policy;
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::repo::inbox::{self as repo, ChannelRow, NewChannel};
use crate::server::secrets;
use crate::server::services::{acting, actor_of};

fn view_of(row: &ChannelRow) -> ChannelView {
    ChannelView {
        id: row.id,
        kind: row.kind,
        name: row.name.clone(),
        public_id: row.public_id.clone(),
        outbound_url: row.outbound_url.clone(),
    }
}

/// The bot's widget channel, created if it has none yet.
pub async fn ensure_widget(db: &Db, bot: BotId) -> Result<ChannelRow, AppError> {
    let existing = repo::channels_of_bot(db.pool(), bot).await?.into_iter().find(|c| c.kind == ChannelKind::Widget);
    if let Some(channel) = existing {
        return Ok(channel);
    }
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    // Re-read under the lock: a concurrent first visit may have created it.
    if let Some(channel) =
        repo::channels_of_bot(&mut *tx, bot).await?.into_iter().find(|c| c.kind == ChannelKind::Widget)
    {
        return Ok(channel);
    }
    let public_id = secrets::random_hex(16);
    let secret = secrets::random_hex(32);
    let new = NewChannel {
        bot,
        kind: ChannelKind::Widget,
        name: "Website chat",
        public_id: &public_id,
        secret: &secret,
        outbound_url: None,
    };
    let id = repo::insert_channel(&mut *tx, new, now_ms()).await?;
    let channel = repo::channel_in_bot(&mut *tx, bot, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(channel)
}

/// The Channels tab: every channel of the bot (the widget first).
pub async fn channels(db: &Db, user: UserId, bot: BotId) -> Result<ChannelsView, AppError> {
    let mut conn = db.pool().acquire().await?;
    let viewer = actor_of(&acting(&mut conn, user, bot).await?);
    policy::can_view_channels(viewer.as_ref())?;
    let viewer = viewer.ok_or(AppError::NotFound)?;
    drop(conn);
    ensure_widget(db, bot).await?;
    let channels = repo::channels_of_bot(db.pool(), bot).await?.iter().map(view_of).collect();
    Ok(ChannelsView { bot_id: bot, viewer, channels })
}

fn parse_outbound_url(raw: &str) -> Result<String, AppError> {
    let url = raw.trim();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(url.to_string())
    } else {
        Err(AppError::invalid("outbound_url", "Enter the http:// or https:// URL that should receive replies."))
    }
}

pub async fn create_api_channel(
    db: &Db,
    user: UserId,
    bot: BotId,
    name: &str,
    outbound_url: &str,
) -> Result<ChannelSecret, AppError> {
    let name = crate::domain::inbox::TeamName::parse(name)
        .map_err(|_| AppError::invalid("name", "Give the channel a name of at most 60 characters."))?;
    let url = parse_outbound_url(outbound_url)?;
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    policy::can_manage_channels(actor_of(&acting(&mut tx, user, bot).await?).as_ref())?;
    let public_id = secrets::random_hex(16);
    let secret = secrets::random_hex(32);
    let new = NewChannel {
        bot,
        kind: ChannelKind::Api,
        name: name.as_str(),
        public_id: &public_id,
        secret: &secret,
        outbound_url: Some(&url),
    };
    let id = repo::insert_channel(&mut *tx, new, now_ms()).await?;
    let channel = repo::channel_in_bot(&mut *tx, bot, id).await?.ok_or(AppError::Internal)?;
    tx.commit().await?;
    Ok(ChannelSecret { channel: view_of(&channel), secret })
}

/// A new secret for an API channel; the old one stops working at once.
pub async fn rotate_secret(db: &Db, user: UserId, bot: BotId, channel: ChannelId) -> Result<ChannelSecret, AppError> {
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    policy::can_manage_channels(actor_of(&acting(&mut tx, user, bot).await?).as_ref())?;
    let row = repo::channel_in_bot(&mut *tx, bot, channel).await?.ok_or(AppError::NotFound)?;
    if row.kind != ChannelKind::Api {
        return Err(AppError::Conflict("Only API channels have a secret to rotate.".into()));
    }
    let secret = secrets::random_hex(32);
    repo::set_channel_secret(&mut *tx, bot, channel, &secret, now_ms()).await?;
    tx.commit().await?;
    Ok(ChannelSecret { channel: view_of(&row), secret })
}

pub async fn set_outbound_url(
    db: &Db,
    user: UserId,
    bot: BotId,
    channel: ChannelId,
    url: &str,
) -> Result<(), AppError> {
    let url = parse_outbound_url(url)?;
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    policy::can_manage_channels(actor_of(&acting(&mut tx, user, bot).await?).as_ref())?;
    let row = repo::channel_in_bot(&mut *tx, bot, channel).await?.ok_or(AppError::NotFound)?;
    if row.kind != ChannelKind::Api {
        return Err(AppError::Conflict("Only API channels send replies to a URL.".into()));
    }
    repo::set_outbound_url(&mut *tx, bot, channel, &url).await?;
    tx.commit().await?;
    Ok(())
}
