//! Messages arriving from customers: signed webhooks of API channels and the website widget.
//! Both end in `record_inbound`, which stores a message at most once per provider message id
//! (the unique constraint decides, so concurrent redeliveries store one) and answers only
//! after the commit.
use crate::domain::events::LiveEvent;
use crate::domain::ids::ConversationId;
use crate::domain::inbox::{
    ChannelKind, ConversationStatus, CustomerMessage, Delivery, MessageKind, MessageText, optional_field, preview_of,
};
use crate::domain::{AppError, BotId};
use crate::server::db::{Db, now_ms};
use crate::server::db::{GroupCommit, WriteTx};
use crate::server::live::Hub;
use crate::server::media::MediaStore;
use crate::server::rate_limit::{self, Bucket, Limit};
use crate::server::repo::events;
use crate::server::repo::inbox::{self as repo, ChannelRow, ContactDetails, NewConversation, NewMessage};
use crate::server::secrets;
use crate::server::services::media::{self, StoredFile};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where inbound files go, and how large they may be.
pub struct MediaSink<'a> {
    pub store: &'a Arc<dyn MediaStore>,
    pub max_bytes: usize,
}

/// How far a webhook's timestamp may be from our clock (replays older than this are refused).
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// The JSON body of `POST /hooks/{channel}` (documented in README).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundWebhook {
    /// The provider's id for this message: a redelivery with the same id stores nothing new.
    pub message_id: String,
    pub contact: InboundContact,
    /// May be empty when an attachment is sent.
    #[serde(default)]
    pub text: String,
    /// A file sent by the customer, inline (see README "API channel").
    #[serde(default)]
    pub attachment: Option<InboundFile>,
    /// "customer" (default) or "bot" — a connector may report what the bot answered.
    #[serde(default)]
    pub from: Option<String>,
    /// The customer asked for a person: the conversation moves to the Inbox.
    #[serde(default)]
    pub handover: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundContact {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundFile {
    pub file_name: String,
    /// The file's bytes in standard base64.
    pub data_base64: String,
}

/// The answer to an accepted webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReceipt {
    pub message_id: i64,
    pub conversation_id: i64,
    /// True when this provider message id was already stored (nothing new was written).
    pub duplicate: bool,
}

/// What arrives, after parsing.
struct Inbound<'a> {
    channel: &'a ChannelRow,
    contact: ContactDetails<'a>,
    text: MessageText,
    file: Option<&'a StoredFile>,
    from_bot: bool,
    provider_message_id: &'a str,
    handover: bool,
    /// Counted with the message, in its transaction.
    limit: Option<(Bucket<'a>, Limit)>,
}

fn bad_signature() -> AppError {
    AppError::BadSignature
}

/// Verifies and stores one webhook delivery (an inline file goes to `media`), counting it
/// against `per_channel` in the same transaction. `timestamp` and `signature` are the
/// `X-Switchboard-Timestamp` and `X-Switchboard-Signature` headers; `body` the raw bytes.
pub async fn ingest_webhook(
    db: &Db,
    hub: &Hub,
    per_channel: Option<Limit>,
    media: Option<&MediaSink<'_>>,
    channel_public_id: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<IngestReceipt, AppError> {
    let channel = repo::channel_by_public_id(db.pool(), channel_public_id).await?.ok_or(AppError::NotFound)?;
    if channel.kind != ChannelKind::Api {
        return Err(AppError::NotFound);
    }
    let timestamp: i64 = timestamp.and_then(|t| t.trim().parse().ok()).ok_or_else(bad_signature)?;
    let signature = signature.map(|s| s.trim().trim_start_matches("sha256=")).ok_or_else(bad_signature)?;
    if (now_ms() / 1000 - timestamp).abs() > SIGNATURE_TOLERANCE_SECS
        || !secrets::verify_webhook(&channel.secret, timestamp, body, signature)
    {
        return Err(bad_signature());
    }
    let hook: InboundWebhook = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("The body is not a valid message: {e}.")))?;
    let provider_message_id = hook.message_id.trim();
    let external_id = hook.contact.id.trim();
    if provider_message_id.is_empty() || provider_message_id.len() > 200 {
        return Err(AppError::invalid("message_id", "message_id must be 1–200 characters."));
    }
    if external_id.is_empty() || external_id.len() > 200 {
        return Err(AppError::invalid("contact.id", "contact.id must be 1–200 characters."));
    }
    let from_bot = match hook.from.as_deref() {
        None | Some("customer") => false,
        Some("bot") => true,
        Some(_) => return Err(AppError::invalid("from", "from must be \"customer\" or \"bot\".")),
    };
    let name = optional_field(hook.contact.name.as_deref(), 80);
    let email = optional_field(hook.contact.email.as_deref(), 254);
    let phone = optional_field(hook.contact.phone.as_deref(), 40);
    let inbound = Inbound {
        channel: &channel,
        contact: ContactDetails {
            external_id,
            name: name.as_deref(),
            email: email.as_deref(),
            phone: phone.as_deref(),
        },
        text: MessageText::parse_caption(&hook.text)?,
        file: None,
        from_bot,
        provider_message_id,
        handover: hook.handover,
        limit: per_channel.map(|limit| (Bucket::WebhookToChannel(channel_public_id), limit)),
    };
    if inbound.text.as_str().is_empty() && hook.attachment.is_none() {
        return Err(AppError::invalid("text", "Send a text, an attachment or both."));
    }
    let stored = match &hook.attachment {
        Some(file) => {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(file.data_base64.trim())
                .map_err(|_| AppError::invalid("attachment.data_base64", "data_base64 is not valid base64."))?;
            // A redelivery stores nothing new (and its file is already in the store).
            if let Some(existing) = repo::message_by_provider_id(db.pool(), channel.id, provider_message_id).await? {
                let recorded = duplicate(existing);
                return Ok(IngestReceipt {
                    message_id: recorded.message.id.0,
                    conversation_id: recorded.conversation.0,
                    duplicate: true,
                });
            }
            // Without a media store (the demo's own messages) files are not accepted.
            let sink = media.ok_or_else(|| AppError::invalid("attachment", "Files can't be sent here."))?;
            Some(media::store(sink.store, &file.file_name, bytes, sink.max_bytes).await?)
        }
        None => None,
    };
    let inbound = Inbound { file: stored.as_ref(), ..inbound };
    let outcome = record_inbound(db, hub, &inbound).await?;
    Ok(IngestReceipt {
        message_id: outcome.message.id.0,
        conversation_id: outcome.conversation.0,
        duplicate: outcome.duplicate,
    })
}

struct Recorded {
    message: CustomerMessage,
    conversation: ConversationId,
    duplicate: bool,
}

/// The one path every inbound message takes: lock the bot, find or create the contact and its
/// current conversation (a closed one is history: a new conversation starts), store the
/// message unless its provider id is known, record the events, commit, wake the streams.
async fn record_inbound(db: &Db, hub: &Hub, inbound: &Inbound<'_>) -> Result<Recorded, AppError> {
    // Sharing a commit with the messages queued beside it; if that group was rolled back
    // (another member failed), again on its own.
    super::grouped_then_alone("inbound message", |grouped| record_once(db, hub, inbound, grouped)).await
}

/// `record_inbound` once: `None` when nothing was stored and it should run again (the group
/// it joined was rolled back, or it lost a race it can only settle by running again).
async fn record_once(db: &Db, hub: &Hub, inbound: &Inbound<'_>, grouped: bool) -> Result<Option<Recorded>, AppError> {
    let now = now_ms();
    let channel = inbound.channel;
    let bot = channel.bot_id;
    // A redelivery is answered from a read, without waiting for the write turn; one racing
    // this check is caught by the message's unique constraint below.
    if let Some(existing) = repo::message_by_provider_id(db.pool(), channel.id, inbound.provider_message_id).await? {
        return Ok(Some(duplicate(existing)));
    }
    let mut tx = if grouped { db.begin_grouped_write().await? } else { db.begin_write().await? };
    db.lock_bot(&mut tx, bot.0).await?;
    if let Some((bucket, limit)) = inbound.limit
        && let Err(refused) = rate_limit::take_in(&mut tx, bucket, limit, "Too many webhook deliveries.").await
    {
        // The count is kept over the limit (as `rate_limit::take` keeps it), so the group stands.
        if matches!(refused, AppError::RateLimited { .. }) {
            tx.commit_grouped().await?;
        }
        return Err(refused);
    }
    let identity = repo::upsert_contact(&mut *tx, bot, channel.id, &inbound.contact, now).await?;
    let contact = repo::person_of(&mut tx, identity).await?;
    let current = repo::latest_conversation_of(&mut *tx, channel.id, inbound.contact.external_id)
        .await?
        .filter(|c| c.status != ConversationStatus::Closed);
    let opened_conversation = current.is_none();
    let facts = match current {
        Some(facts) => facts,
        None => {
            let new = NewConversation {
                bot,
                channel: channel.id,
                contact: contact.id,
                external_id: inbound.contact.external_id.to_string(),
                status: if inbound.handover { ConversationStatus::Open } else { ConversationStatus::Bot },
                banned: contact.is_banned(),
                handover_at: inbound.handover.then_some(now),
            };
            let id = repo::insert_conversation(&mut *tx, &new, now).await?;
            repo::conversation_in_bot(&mut *tx, bot, id).await?.ok_or(AppError::Internal)?
        }
    };
    let kind = if inbound.from_bot { MessageKind::Bot } else { MessageKind::Customer };
    let message = NewMessage {
        bot,
        conversation: facts.id,
        channel: channel.id,
        kind,
        body: inbound.text.as_str(),
        author: None,
        author_name: "",
        provider_message_id: Some(inbound.provider_message_id),
        idempotency_key: None,
        delivery: Delivery::None,
    };
    let Some(mut stored) = repo::insert_message(&mut *tx, &message, now).await? else {
        // Another delivery of this id was stored first (earlier in this group, or committed
        // since the check above): the constraint held. What this one wrote is the same
        // contact seen again, and stands with the group; a conversation it opened would not,
        // so then it rolls back and runs again (to find the message in the check).
        if opened_conversation {
            return Ok(None);
        }
        let existing = repo::message_by_provider_id(&mut *tx, channel.id, inbound.provider_message_id)
            .await?
            .ok_or(AppError::Internal)?;
        return match tx.commit_grouped().await? {
            GroupCommit::Committed => Ok(Some(duplicate(existing))),
            GroupCommit::RolledBack => Ok(None),
        };
    };
    let preview = match inbound.file {
        Some(file) => {
            stored.attachment = Some(file.attach_to(&mut tx, bot, stored.id, now).await?);
            if stored.body.is_empty() { file.preview() } else { preview_of(&stored.body) }
        }
        None => preview_of(&stored.body),
    };
    repo::record_message(&mut *tx, facts.id, stored.id, kind, &preview, now).await?;
    if inbound.handover && facts.handover_at.is_none() {
        repo::request_handover(&mut *tx, facts.id, now).await?;
    }
    if inbound.handover && !facts.is_banned() {
        crate::server::services::assignment::on_handover(db, &mut tx, bot, facts.id, now).await?;
    }
    // A banned contact's messages are kept (in Banned) but notify no one.
    if !facts.is_banned() {
        let added = [
            LiveEvent::MessageAdded { message: stored.clone() },
            LiveEvent::ConversationChanged { conversation: facts.id },
        ];
        append(db, &mut tx, bot, &added).await?;
    }
    if tx.commit_grouped().await? == GroupCommit::RolledBack {
        return Ok(None);
    }
    hub.wake(bot);
    let message = customer_view(&stored, &channel.secret).ok_or(AppError::Internal)?;
    Ok(Some(Recorded { message, conversation: facts.id, duplicate: false }))
}

/// The customer's view of a message, its file links signed for them (they have no session).
pub fn customer_view(message: &crate::domain::inbox::MessageView, channel_secret: &str) -> Option<CustomerMessage> {
    let mut view = message.for_customer()?;
    if let Some(file) = &mut view.attachment {
        media::sign_links(file, channel_secret);
    }
    Some(view)
}

fn duplicate(existing: crate::domain::inbox::MessageView) -> Recorded {
    Recorded {
        conversation: existing.conversation_id,
        message: existing.for_customer().unwrap_or(CustomerMessage {
            id: existing.id,
            from: existing.kind,
            body: String::new(),
            author_name: String::new(),
            created_at_ms: existing.created_at_ms,
            attachment: None,
        }),
        duplicate: true,
    }
}

async fn append(db: &Db, tx: &mut WriteTx, bot: BotId, events: &[LiveEvent]) -> Result<(), AppError> {
    events::append_many(tx, db.backend(), bot, events).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The website widget

/// A visitor's token: their random id on the widget channel and its HMAC under the channel's
/// secret. Not guessable, and rotating the secret ends every visitor session.
pub fn visitor_token(channel: &ChannelRow, visitor_id: &str) -> String {
    format!("{visitor_id}.{}", secrets::sign(&channel.secret, &[b"visitor:", visitor_id.as_bytes()]))
}

fn visitor_of(channel: &ChannelRow, token: &str) -> Result<String, AppError> {
    let refused =
        || AppError::Forbidden("This chat session is not valid any more. Reload the page to start again.".into());
    let (visitor_id, signature) = token.split_once('.').ok_or_else(refused)?;
    if visitor_id.len() != 32 || !secrets::verify(&channel.secret, &[b"visitor:", visitor_id.as_bytes()], signature) {
        return Err(refused());
    }
    Ok(visitor_id.to_string())
}

/// The visitor a widget token belongs to, checked against the channel's secret (so a limit
/// counted per visitor can only be spent by the visitor's own token).
pub async fn widget_visitor(db: &Db, channel_public_id: &str, token: &str) -> Result<String, AppError> {
    visitor_of(&widget_channel(db, channel_public_id).await?, token)
}

async fn widget_channel(db: &Db, public_id: &str) -> Result<ChannelRow, AppError> {
    let channel = repo::channel_by_public_id(db.pool(), public_id).await?.ok_or(AppError::NotFound)?;
    if channel.kind != ChannelKind::Widget {
        return Err(AppError::NotFound);
    }
    Ok(channel)
}

/// A new visitor session (name and email optional).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WidgetSession {
    pub token: String,
}

pub async fn widget_start(
    db: &Db,
    public_id: &str,
    name: Option<&str>,
    email: Option<&str>,
) -> Result<WidgetSession, AppError> {
    let channel = widget_channel(db, public_id).await?;
    let name = optional_field(name, 80);
    let email = optional_field(email, 254);
    if let Some(email) = &email {
        crate::domain::input::Email::parse(email)?;
    }
    let visitor_id = secrets::random_hex(16);
    let details =
        ContactDetails { external_id: &visitor_id, name: name.as_deref(), email: email.as_deref(), phone: None };
    repo::upsert_contact(db.pool(), channel.bot_id, channel.id, &details, now_ms()).await?;
    Ok(WidgetSession { token: visitor_token(&channel, &visitor_id) })
}

/// What the widget shows: the visitor's current conversation (customer-visible messages only)
/// and whether anyone is there to answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WidgetState {
    pub conversation_id: Option<i64>,
    pub messages: Vec<CustomerMessage>,
    pub asked_for_agent: bool,
    pub agents_online: bool,
    /// Resume the live stream after this event number.
    pub as_of_seq: i64,
    pub bot_name: String,
    /// While the conversation waits for a person: its place in the queue and an estimate.
    pub queue: Option<crate::server::services::assignment::QueueStatus>,
}

pub async fn widget_state(db: &Db, public_id: &str, token: &str) -> Result<WidgetState, AppError> {
    let channel = widget_channel(db, public_id).await?;
    let visitor = visitor_of(&channel, token)?;
    let mut conn = db.pool().acquire().await?;
    let as_of_seq = events::latest(&mut *conn, channel.bot_id).await?;
    repo::contact_by_external_id(&mut *conn, channel.id, &visitor).await?.ok_or_else(|| {
        AppError::Forbidden("This chat session is not valid any more. Reload the page to start again.".into())
    })?;
    let current = repo::latest_conversation_of(&mut *conn, channel.id, &visitor)
        .await?
        .filter(|c| c.status != ConversationStatus::Closed);
    let messages = match &current {
        Some(c) => repo::messages_page(&mut *conn, c.id, None, true, 100)
            .await?
            .iter()
            .filter_map(|m| customer_view(m, &channel.secret))
            .collect(),
        None => Vec::new(),
    };
    let since = now_ms() - super::inbox::PRESENCE_WINDOW_MS;
    let agents_online = repo::seat_holders_online(&mut *conn, channel.bot_id, since).await? > 0;
    let bot_name = crate::server::repo::bot_name(&mut *conn, channel.bot_id).await?.unwrap_or_default();
    let queue = match &current {
        Some(c) => crate::server::services::assignment::queue_status(&mut conn, channel.bot_id, c.id).await?,
        None => None,
    };
    Ok(WidgetState {
        queue,
        conversation_id: current.as_ref().map(|c| c.id.0),
        asked_for_agent: current.as_ref().is_some_and(|c| c.handover_at.is_some()),
        messages,
        agents_online,
        as_of_seq,
        bot_name,
    })
}

/// The visitor sends a message. `client_id` (from the widget) makes a resend after a dropped
/// connection store nothing new.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WidgetSent {
    pub conversation_id: i64,
    pub message: CustomerMessage,
}

pub async fn widget_send(
    db: &Db,
    hub: &Hub,
    public_id: &str,
    token: &str,
    text: &str,
    client_id: &str,
    handover: bool,
) -> Result<WidgetSent, AppError> {
    let channel = widget_channel(db, public_id).await?;
    let visitor = visitor_of(&channel, token)?;
    let key = crate::domain::inbox::IdempotencyKey::parse(client_id)?;
    let provider_message_id = format!("{visitor}:{}", key.as_str());
    let inbound = Inbound {
        channel: &channel,
        contact: ContactDetails { external_id: &visitor, name: None, email: None, phone: None },
        text: MessageText::parse(text)?,
        file: None,
        from_bot: false,
        provider_message_id: &provider_message_id,
        handover,
        limit: None,
    };
    let recorded = record_inbound(db, hub, &inbound).await?;
    Ok(WidgetSent { conversation_id: recorded.conversation.0, message: recorded.message })
}

/// The visitor sends a file (checked and stored before anything is recorded); `client_id`
/// makes a resend store nothing new.
#[allow(clippy::too_many_arguments)]
pub async fn widget_upload(
    db: &Db,
    hub: &Hub,
    media: &MediaSink<'_>,
    public_id: &str,
    token: &str,
    file_name: &str,
    bytes: Vec<u8>,
    client_id: &str,
) -> Result<WidgetSent, AppError> {
    let channel = widget_channel(db, public_id).await?;
    let visitor = visitor_of(&channel, token)?;
    let key = crate::domain::inbox::IdempotencyKey::parse(client_id)?;
    let provider_message_id = format!("{visitor}:{}", key.as_str());
    let stored = media::store(media.store, file_name, bytes, media.max_bytes).await?;
    let inbound = Inbound {
        channel: &channel,
        contact: ContactDetails { external_id: &visitor, name: None, email: None, phone: None },
        text: MessageText::parse_caption("")?,
        file: Some(&stored),
        from_bot: false,
        provider_message_id: &provider_message_id,
        handover: false,
        limit: None,
    };
    let recorded = record_inbound(db, hub, &inbound).await?;
    Ok(WidgetSent { conversation_id: recorded.conversation.0, message: recorded.message })
}

/// "Talk to a person" without a message: the visitor's conversation moves to the Inbox.
pub async fn widget_handover(db: &Db, hub: &Hub, public_id: &str, token: &str) -> Result<WidgetState, AppError> {
    let channel = widget_channel(db, public_id).await?;
    let visitor = visitor_of(&channel, token)?;
    let now = now_ms();
    let bot = channel.bot_id;
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let identity = repo::contact_by_external_id(&mut *tx, channel.id, &visitor).await?.ok_or(AppError::NotFound)?;
    let contact = repo::person_of(&mut tx, identity).await?;
    let current = repo::latest_conversation_of(&mut *tx, channel.id, &visitor)
        .await?
        .filter(|c| c.status != ConversationStatus::Closed);
    let conversation = match current {
        Some(c) if c.handover_at.is_some() => None,
        Some(c) => Some(c.id),
        None => {
            let new = NewConversation {
                bot,
                channel: channel.id,
                contact: contact.id,
                external_id: visitor.clone(),
                status: ConversationStatus::Open,
                banned: contact.is_banned(),
                handover_at: Some(now),
            };
            Some(repo::insert_conversation(&mut *tx, &new, now).await?)
        }
    };
    if let Some(conversation) = conversation {
        repo::request_handover(&mut *tx, conversation, now).await?;
        let facts = repo::conversation_in_bot(&mut *tx, bot, conversation).await?.ok_or(AppError::Internal)?;
        let system = NewMessage {
            bot,
            conversation,
            channel: channel.id,
            kind: MessageKind::System,
            body: "The customer asked to talk to a person",
            author: None,
            author_name: "",
            provider_message_id: None,
            idempotency_key: None,
            delivery: Delivery::None,
        };
        if let Some(stored) = repo::insert_message(&mut *tx, &system, now).await? {
            repo::record_message(&mut *tx, conversation, stored.id, MessageKind::System, "", now).await?;
            if !facts.is_banned() {
                let added =
                    [LiveEvent::MessageAdded { message: stored }, LiveEvent::ConversationChanged { conversation }];
                append(db, &mut tx, bot, &added).await?;
            }
        }
        if !facts.is_banned() {
            crate::server::services::assignment::on_handover(db, &mut tx, bot, conversation, now).await?;
        }
    }
    tx.commit().await?;
    hub.wake(bot);
    widget_state(db, public_id, token).await
}

/// The visitor is typing (shown to agents viewing the conversation).
pub async fn widget_typing(db: &Db, hub: &Hub, public_id: &str, token: &str) -> Result<(), AppError> {
    let channel = widget_channel(db, public_id).await?;
    let visitor = visitor_of(&channel, token)?;
    let bot = channel.bot_id;
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let Some(contact) = repo::contact_by_external_id(&mut *tx, channel.id, &visitor).await? else { return Ok(()) };
    let current = repo::latest_conversation_of(&mut *tx, channel.id, &visitor)
        .await?
        .filter(|c| c.status != ConversationStatus::Closed);
    let Some(conversation) = current.filter(|c| !c.is_banned()) else { return Ok(()) };
    let event = LiveEvent::Typing { conversation: conversation.id, name: contact.name.clone(), customer: true };
    append(db, &mut tx, bot, &[event]).await?;
    tx.commit().await?;
    hub.wake(bot);
    Ok(())
}

/// What a visitor's live stream follows.
pub struct WidgetStream {
    pub bot: BotId,
    /// Their current conversation, if any.
    pub conversation: Option<ConversationId>,
    /// Signs the file links in what is streamed.
    pub channel_secret: String,
}

/// The visitor's identity for the live stream: their current conversation, if any.
pub async fn widget_stream_target(db: &Db, public_id: &str, token: &str) -> Result<WidgetStream, AppError> {
    let channel = widget_channel(db, public_id).await?;
    let visitor = visitor_of(&channel, token)?;
    repo::contact_by_external_id(db.pool(), channel.id, &visitor).await?.ok_or(AppError::NotFound)?;
    let current = repo::latest_conversation_of(db.pool(), channel.id, &visitor)
        .await?
        .filter(|c| c.status != ConversationStatus::Closed);
    Ok(WidgetStream { bot: channel.bot_id, conversation: current.map(|c| c.id), channel_secret: channel.secret })
}
