//! Contacts: the page of everyone who wrote to the bot, a contact's own page, and merging two
//! contacts of the same person. Reads need the Inbox view; edits and merges need the seat
//! (`InboxAction::EditContact`), asked of the policy inside the bot-locked transaction.
use crate::domain::audit::AuditAction;
use crate::domain::contacts::{
    ATTRIBUTES_PER_CONTACT, AttributeKey, AttributeValue, ContactDetail, ContactProfile, ContactQuery, ContactSummary,
    ContactsPage,
};
use crate::domain::events::LiveEvent;
use crate::domain::ids::{ContactId, ConversationId};
use crate::domain::inbox::{decode_cursor, encode_cursor};
use crate::domain::policy::{self, InboxAction};
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, WriteTx, now_ms};
use crate::server::live::Hub;
use crate::server::repo::contacts::{self as repo, ContactListQuery, ContactListRow};
use crate::server::repo::{audit, events};
use crate::server::services::inbox::acting_member;

pub const CONTACTS_PAGE_SIZE: i64 = 50;
const MERGE_CANDIDATES: i64 = 10;

fn summary(row: ContactListRow) -> ContactSummary {
    ContactSummary {
        id: row.id,
        name: display_name(row.name),
        channel: row.channel_kind,
        channel_name: row.channel_name,
        email: row.email,
        phone: row.phone,
        last_seen_ms: row.last_seen_at,
        conversations: row.conversations,
    }
}

pub(crate) fn display_name(name: String) -> String {
    if name.is_empty() { "Visitor".to_string() } else { name }
}

/// The Contacts page: everyone who wrote to the bot, most recently seen first, filtered by
/// part of a name, email or phone.
pub async fn list(db: &Db, user: UserId, bot: BotId, q: &str, after: Option<&str>) -> Result<ContactsPage, AppError> {
    let q = ContactQuery::parse(q)?;
    let after = after.map(decode_cursor).transpose()?.map(|(seen, id)| (seen, id.0));
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_view_inbox(me.as_ref().map(|m| &m.actor))?;
    let query = ContactListQuery { bot, text: q.as_str(), after, except: None, limit: CONTACTS_PAGE_SIZE + 1 };
    let mut rows = repo::list(&mut *conn, &query).await?;
    let next = if rows.len() as i64 > CONTACTS_PAGE_SIZE {
        rows.truncate(CONTACTS_PAGE_SIZE as usize);
        rows.last().map(|r| encode_cursor(r.last_seen_at, ConversationId(r.id.0)))
    } else {
        None
    };
    Ok(ContactsPage { contacts: rows.into_iter().map(summary).collect(), next })
}

/// The profile of `contact` with its conversations (all but `except`, newest first).
pub(crate) async fn profile(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    contact: ContactId,
    except: Option<ConversationId>,
) -> Result<ContactProfile, AppError> {
    let row = repo::profile(&mut *conn, bot, contact).await?.ok_or(AppError::NotFound)?;
    Ok(ContactProfile {
        id: row.id,
        name: display_name(row.name),
        channel: row.channel_kind,
        channel_name: row.channel_name,
        channel_identity: row.external_id,
        email: row.email,
        phone: row.phone,
        first_seen_ms: row.created_at,
        last_seen_ms: row.last_seen_at,
        attributes: repo::attributes(&mut *conn, contact).await?,
        past: repo::past_conversations(&mut *conn, bot, contact, except.unwrap_or(ConversationId(0)), 100).await?,
    })
}

/// A contact's page. A contact merged away shows the contact it joined. `find` searches for
/// contacts to merge this one into.
pub async fn detail(
    db: &Db,
    user: UserId,
    bot: BotId,
    contact: ContactId,
    find: &str,
) -> Result<ContactDetail, AppError> {
    let find = ContactQuery::parse(find)?;
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    let actor = me.as_ref().map(|m| &m.actor);
    policy::can_view_inbox(actor)?;
    let contact = repo::resolve(&mut *conn, bot, contact).await?.ok_or(AppError::NotFound)?;
    let profile = profile(&mut conn, bot, contact, None).await?;
    let merged = repo::merged_identities(&mut *conn, contact).await?;
    let cannot_edit = policy::can_act(actor, InboxAction::EditContact).err().map(|d| d.to_string());
    let candidates = if find.is_empty() || cannot_edit.is_some() {
        Vec::new()
    } else {
        let query =
            ContactListQuery { bot, text: find.as_str(), after: None, except: Some(contact), limit: MERGE_CANDIDATES };
        repo::list(&mut *conn, &query).await?.into_iter().map(summary).collect()
    };
    Ok(ContactDetail { profile, merged, candidates, cannot_edit })
}

/// Opens a contact write: the bot locked, the actor allowed to edit contacts.
async fn open_write(db: &Db, user: UserId, bot: BotId) -> Result<WriteTx, AppError> {
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let me = acting_member(&mut tx, user, bot).await?;
    policy::can_act(me.as_ref().map(|m| &m.actor), InboxAction::EditContact)?;
    Ok(tx)
}

/// Merges `source` into `target` (the same person): `source`'s conversations move to
/// `target`, details `target` lacks are taken over, later messages from `source`'s channel
/// identity are filed under `target`, and the audit log records it. Returns `target`.
pub async fn merge(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    source: ContactId,
    target: ContactId,
) -> Result<ContactId, AppError> {
    if source == target {
        return Err(AppError::invalid("into", "Choose another contact to merge with."));
    }
    let mut tx = open_write(db, user, bot).await?;
    let from = repo::merge_side(&mut *tx, bot, source).await?.ok_or(AppError::NotFound)?;
    let into = repo::merge_side(&mut *tx, bot, target).await?.ok_or(AppError::NotFound)?;
    if from.merged_into_id.is_some() || into.merged_into_id.is_some() {
        return Err(AppError::Conflict("One of these contacts was merged already; reload the page.".into()));
    }
    if from.banned != into.banned {
        return Err(AppError::invalid(
            "into",
            "One of these contacts is banned and the other is not: ban or unban them alike first.",
        ));
    }
    let moved = repo::merge(&mut tx, bot, source, target).await?;
    let summary = format!(
        "Merged {} into {} ({} moved)",
        display_name(from.name),
        display_name(into.name),
        crate::domain::text::count(moved.len() as i64, "conversation", "conversations")
    );
    audit::record(&mut *tx, bot, Some(user), AuditAction::ContactsMerged, &summary, now_ms()).await?;
    for conversation in moved {
        events::append(&mut tx, db.backend(), bot, &LiveEvent::ConversationChanged { conversation }).await?;
    }
    tx.commit().await?;
    hub.wake(bot);
    Ok(target)
}

/// Sets a custom attribute of `contact`; an empty value removes it. `changed` is the
/// conversation whose view shows it (refreshed live).
pub(crate) async fn write_attribute(
    tx: &mut WriteTx,
    contact: ContactId,
    key: &str,
    value: &str,
) -> Result<bool, AppError> {
    let key = AttributeKey::parse(key)?;
    let value = AttributeValue::parse(value)?;
    if value.is_empty() {
        return Ok(repo::remove_attribute(&mut **tx, contact, &key.key()).await?);
    }
    let is_new = !repo::has_attribute(&mut **tx, contact, &key.key()).await?;
    if is_new && repo::attribute_count(&mut **tx, contact).await? >= ATTRIBUTES_PER_CONTACT as i64 {
        return Err(AppError::invalid(
            "key",
            format!("A customer can have at most {ATTRIBUTES_PER_CONTACT} details; remove one first."),
        ));
    }
    repo::set_attribute(&mut **tx, contact, &key.key(), key.label(), value.as_str(), now_ms()).await?;
    Ok(true)
}

/// Sets a custom attribute from the contact's page; open views of their conversations refresh.
pub async fn set_attribute(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    contact: ContactId,
    key: &str,
    value: &str,
) -> Result<(), AppError> {
    // Parse before locking: bad input changes nothing and waits for nothing.
    AttributeKey::parse(key)?;
    AttributeValue::parse(value)?;
    let mut tx = open_write(db, user, bot).await?;
    let contact = repo::resolve(&mut *tx, bot, contact).await?.ok_or(AppError::NotFound)?;
    if !write_attribute(&mut tx, contact, key, value).await? {
        return Ok(());
    }
    for conversation in repo::open_conversations_of(&mut *tx, contact).await? {
        events::append(&mut tx, db.backend(), bot, &LiveEvent::ConversationChanged { conversation }).await?;
    }
    tx.commit().await?;
    hub.wake(bot);
    Ok(())
}
