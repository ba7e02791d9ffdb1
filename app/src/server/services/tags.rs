//! Tags: seat holders create them (typing a new name on a conversation creates it), apply and
//! remove them, and rename, recolour, merge and delete them on the Tags page. Every write
//! follows lock the bot → load the actor fresh → ask the policy → write → append the live
//! event, in one transaction; this process's streams wake after the commit.
use crate::domain::events::LiveEvent;
use crate::domain::ids::{ConversationId, TagId};
use crate::domain::policy::{self, InboxAction};
use crate::domain::tags::{TagColor, TagName, TagUsage, TagView, TagsView};
use crate::domain::{AppError, BotId, UserId};
use crate::server::db::{Db, WriteTx, now_ms};
use crate::server::live::Hub;
use crate::server::repo::{events, inbox, tags as repo};
use crate::server::services::inbox::acting_member;

/// The Tags page: every member who may view the Inbox sees the tags and their use.
pub async fn overview(db: &Db, user: UserId, bot: BotId) -> Result<TagsView, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    let actor = me.as_ref().map(|m| &m.actor);
    policy::can_view_inbox(actor)?;
    let tags = repo::usage_of_bot(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|row| TagUsage { tag: row.tag.into(), conversations: row.conversations })
        .collect();
    Ok(TagsView { tags, cannot_edit: policy::can_act(actor, InboxAction::Tag).err().map(|d| d.to_string()) })
}

/// Opens a tag write: the bot locked, the actor allowed to tag.
async fn open_write(db: &Db, user: UserId, bot: BotId) -> Result<WriteTx, AppError> {
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let me = acting_member(&mut tx, user, bot).await?;
    policy::can_act(me.as_ref().map(|m| &m.actor), InboxAction::Tag)?;
    Ok(tx)
}

async fn commit(db: &Db, hub: &Hub, mut tx: WriteTx, bot: BotId, event: LiveEvent) -> Result<(), AppError> {
    events::append(&mut tx, db.backend(), bot, &event).await?;
    tx.commit().await?;
    hub.wake(bot);
    Ok(())
}

fn taken(name: &TagName) -> AppError {
    AppError::invalid("name", format!("There is already a tag called {}.", name.as_str()))
}

/// Creates a tag (on the Tags page); a name the bot already has, in any case, is refused.
pub async fn create(
    db: &Db,
    user: UserId,
    bot: BotId,
    name: &str,
    color: Option<TagColor>,
) -> Result<TagView, AppError> {
    let name = TagName::parse(name)?;
    let color = color.unwrap_or_else(|| TagColor::for_new(&name));
    let mut tx = open_write(db, user, bot).await?;
    let id =
        repo::insert(&mut *tx, bot, name.as_str(), &name.key(), color, now_ms()).await?.ok_or_else(|| taken(&name))?;
    tx.commit().await?;
    Ok(TagView { id, name: name.as_str().to_string(), color })
}

/// Tags a conversation by name, creating the tag if the bot has none of that name (any case).
pub async fn apply_by_name(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    name: &str,
) -> Result<TagView, AppError> {
    let name = TagName::parse(name)?;
    let mut tx = open_write(db, user, bot).await?;
    inbox::conversation_in_bot(&mut *tx, bot, conversation).await?.ok_or(AppError::NotFound)?;
    let tag = match repo::by_key(&mut *tx, bot, &name.key()).await? {
        Some(existing) => TagView::from(existing),
        None => {
            let color = TagColor::for_new(&name);
            let id = repo::insert(&mut *tx, bot, name.as_str(), &name.key(), color, now_ms())
                .await?
                .ok_or_else(|| taken(&name))?;
            TagView { id, name: name.as_str().to_string(), color }
        }
    };
    if repo::apply(&mut *tx, conversation, tag.id).await? {
        commit(db, hub, tx, bot, LiveEvent::ConversationChanged { conversation }).await?;
    }
    Ok(tag)
}

/// Puts a tag on (`on = true`) or takes it off a conversation; both must belong to this bot.
pub async fn set_on_conversation(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    tag: TagId,
    on: bool,
) -> Result<(), AppError> {
    let mut tx = open_write(db, user, bot).await?;
    inbox::conversation_in_bot(&mut *tx, bot, conversation).await?.ok_or(AppError::NotFound)?;
    repo::in_bot(&mut *tx, bot, tag).await?.ok_or(AppError::NotFound)?;
    let changed = if on {
        repo::apply(&mut *tx, conversation, tag).await?
    } else {
        repo::remove(&mut *tx, conversation, tag).await?
    };
    if changed {
        commit(db, hub, tx, bot, LiveEvent::ConversationChanged { conversation }).await?;
    }
    Ok(())
}

/// Renames and recolours a tag.
pub async fn edit(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    tag: TagId,
    name: &str,
    color: TagColor,
) -> Result<(), AppError> {
    let name = TagName::parse(name)?;
    let mut tx = open_write(db, user, bot).await?;
    repo::in_bot(&mut *tx, bot, tag).await?.ok_or(AppError::NotFound)?;
    if !repo::rename(&mut *tx, bot, tag, name.as_str(), &name.key()).await? {
        return Err(taken(&name));
    }
    repo::set_color(&mut *tx, tag, color).await?;
    commit(db, hub, tx, bot, LiveEvent::TagsChanged).await
}

/// Deletes a tag. `expected` is the number of conversations the confirmation named: if more
/// were tagged since, nothing is deleted and the answer says how many it would now remove.
pub async fn delete(db: &Db, hub: &Hub, user: UserId, bot: BotId, tag: TagId, expected: i64) -> Result<(), AppError> {
    let mut tx = open_write(db, user, bot).await?;
    let row = repo::in_bot(&mut *tx, bot, tag).await?.ok_or(AppError::NotFound)?;
    let count = repo::conversation_count(&mut *tx, tag).await?;
    if count != expected {
        return Err(AppError::Conflict(format!(
            "{} is now on {} — deleting it removes it from all of them. Confirm again.",
            row.name,
            crate::domain::text::count(count, "conversation", "conversations"),
        )));
    }
    repo::delete(&mut *tx, tag).await?;
    commit(db, hub, tx, bot, LiveEvent::TagsChanged).await
}

/// Merges `from` into `into`: every conversation tagged `from` carries `into`, and `from` is
/// deleted.
pub async fn merge(db: &Db, hub: &Hub, user: UserId, bot: BotId, from: TagId, into: TagId) -> Result<(), AppError> {
    let mut tx = open_write(db, user, bot).await?;
    if from == into {
        return Err(AppError::invalid("into", "Choose another tag to merge into."));
    }
    repo::in_bot(&mut *tx, bot, from).await?.ok_or(AppError::NotFound)?;
    repo::in_bot(&mut *tx, bot, into).await?.ok_or(AppError::NotFound)?;
    repo::copy_conversations(&mut *tx, from, into).await?;
    repo::delete(&mut *tx, from).await?;
    commit(db, hub, tx, bot, LiveEvent::TagsChanged).await
}
