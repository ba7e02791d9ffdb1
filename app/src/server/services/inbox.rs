//! The Inbox for members: the conversation list, the conversation view, and every action on a
//! conversation. Reads check the role (`can_view_inbox`); actions follow lock → load the actor
//! fresh → ask the policy → write → append live events, in one transaction, and wake this
//! process's streams after the commit.
use crate::domain::contacts::{AttributeKey, AttributeValue};
use crate::domain::events::LiveEvent;
use crate::domain::ids::{ConversationId, MessageId, TeamId};
use crate::domain::inbox::{
    AssigneeOption, ChannelKind, ConversationPage, ConversationStatus, ConversationSummary, Delivery, IdempotencyKey,
    MessageKind, MessageText, MessageView, Scope, StatusFilter, TeamOption, ThreadView, decode_cursor, encode_cursor,
};
use crate::domain::policy::{self, Actor, InboxAction};
use crate::domain::search::{SearchHit, SearchQuery, SearchResults};
use crate::domain::tags::{TagFilter, TagView};
use crate::domain::{AppError, BotId, MemberId, UserId};
use crate::server::db::{Db, flag, now_ms};
use crate::server::db::{GroupCommit, WriteTx};
use crate::server::live::Hub;
use crate::server::repo::assignment as assignment_repo;
use crate::server::repo::inbox::{self as repo, ListCursor, ListQuery, ListRow, NewMessage};
use crate::server::repo::search::{self as search_repo, SearchFilter};
use crate::server::repo::{events, tags as tag_repo, team};
use crate::server::services::media::StoredFile;
use crate::server::services::{assignment, contacts};

pub const LIST_PAGE_SIZE: i64 = 50;
pub const THREAD_PAGE_SIZE: i64 = 50;

/// The acting member of a bot, loaded fresh for every request.
#[derive(Debug, Clone)]
pub struct Acting {
    pub member: MemberId,
    pub name: String,
    pub actor: Actor,
}

pub(crate) async fn acting_member(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    bot: BotId,
) -> Result<Option<Acting>, sqlx::Error> {
    Ok(team::member_of_user(conn, bot, user).await?.map(|m| Acting {
        member: m.id,
        name: m.name,
        actor: Actor { role: m.role, has_seat: m.has_seat },
    }))
}

fn actor(acting: &Option<Acting>) -> Option<&Actor> {
    acting.as_ref().map(|a| &a.actor)
}

/// A page of the conversation list. Every member who may view the Inbox sees every
/// conversation of the bot; the filters only narrow it.
pub async fn list(
    db: &Db,
    user: UserId,
    bot: BotId,
    status: StatusFilter,
    scope: Scope,
    tags: TagFilter,
    after: Option<&str>,
) -> Result<ConversationPage, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_view_inbox(actor(&me))?;
    let me = me.ok_or(AppError::NotFound)?;
    filters_in_bot(&mut conn, bot, scope, &tags).await?;
    // Read before the rows: an event committed in between is replayed, never skipped.
    let as_of_seq = events::latest(&mut *conn, bot).await?;
    let after = after.map(decode_cursor).transpose()?.map(|(activity, id)| ListCursor { activity, id: id.0 });
    let query = ListQuery { bot, viewer: me.member, status, scope, tags, after, limit: LIST_PAGE_SIZE + 1 };
    let mut rows = repo::list_page(&mut *conn, &query).await?;
    let more = rows.len() as i64 > LIST_PAGE_SIZE;
    rows.truncate(LIST_PAGE_SIZE as usize);
    let next = if more { rows.last().map(|r| encode_cursor(r.last_activity_at, ConversationId(r.id))) } else { None };
    let teams = repo::teams_of_bot(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|t| TeamOption { team_id: t.id, name: t.name })
        .collect();
    let rows = with_tags(&mut conn, rows.into_iter().map(summary).collect()).await?;
    let all_tags = tag_repo::of_bot(&mut *conn, bot).await?.into_iter().map(TagView::from).collect();
    Ok(ConversationPage { rows, next, teams, tags: all_tags, as_of_seq })
}

/// Fills in each row's tags (one query for the page).
async fn with_tags(
    conn: &mut sqlx::AnyConnection,
    mut rows: Vec<ConversationSummary>,
) -> Result<Vec<ConversationSummary>, AppError> {
    let ids: Vec<ConversationId> = rows.iter().map(|r| r.id).collect();
    for tagged in tag_repo::of_conversations(&mut *conn, &ids).await? {
        if let Some(row) = rows.iter_mut().find(|r| r.id.0 == tagged.conversation_id) {
            row.tags.push(tagged.tag.into());
        }
    }
    Ok(rows)
}

/// The team and tags a list filter names must be this bot's (else "not found").
async fn filters_in_bot(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    scope: Scope,
    tags: &TagFilter,
) -> Result<(), AppError> {
    if let Scope::Team(team) = scope {
        repo::team_in_bot(&mut *conn, bot, team).await?.ok_or(AppError::NotFound)?;
    }
    for tag in tags.ids() {
        tag_repo::in_bot(&mut *conn, bot, *tag).await?.ok_or(AppError::NotFound)?;
    }
    Ok(())
}

fn summary(row: ListRow) -> ConversationSummary {
    ConversationSummary {
        id: ConversationId(row.id),
        status: row.status,
        banned: flag(row.banned),
        contact_name: if row.contact_name.is_empty() { "Visitor".to_string() } else { row.contact_name },
        channel: row.channel_kind,
        channel_name: row.channel_name,
        preview: row.last_preview,
        last_activity_ms: row.last_activity_at,
        waiting_since_ms: row.waiting_since,
        asked_for_agent: row.handover_at.is_some(),
        bot_paused: flag(row.bot_paused),
        assignee: row.assignee_id.zip(row.assignee_name).map(|(id, name)| (MemberId(id), name)),
        team: row.team_id.zip(row.team_name).map(|(id, name)| (TeamId(id), name)),
        unread: row.unread,
        tags: Vec::new(),
    }
}

/// Search: conversations whose messages match every term (full-text) or whose contact's name,
/// email or phone contains every term, narrowed by the list filters, newest activity first.
/// Read like the list: whoever may view the Inbox, within this bot only.
pub async fn search(
    db: &Db,
    user: UserId,
    bot: BotId,
    q: &str,
    status: StatusFilter,
    scope: Scope,
    tags: TagFilter,
) -> Result<SearchResults, AppError> {
    let query = SearchQuery::parse(q, true)?;
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_view_inbox(actor(&me))?;
    let me = me.ok_or(AppError::NotFound)?;
    filters_in_bot(&mut conn, bot, scope, &tags).await?;
    let filter = SearchFilter { bot, viewer: me.member, status, scope, tags, limit: LIST_PAGE_SIZE };
    let found = search_repo::search(&mut conn, db.backend(), &filter, &query).await?;
    let ids: Vec<ConversationId> = found.iter().map(|f| ConversationId(f.conversation_id)).collect();
    let rows = repo::list_rows(&mut *conn, bot, me.member, &ids).await?;
    let summaries = with_tags(&mut conn, rows.into_iter().map(summary).collect()).await?;
    let message_ids: Vec<i64> = found.iter().filter_map(|f| f.message_id).collect();
    let bodies = search_repo::message_bodies(&mut *conn, bot, &message_ids).await?;
    let by_contact: Vec<i64> = found.iter().filter(|f| f.message_id.is_none()).map(|f| f.conversation_id).collect();
    let contacts = search_repo::contacts_of(&mut *conn, bot, &by_contact).await?;
    let hits = found
        .into_iter()
        .filter_map(|f| {
            let summary = summaries.iter().find(|s| s.id.0 == f.conversation_id)?.clone();
            let snippet = match f.message_id {
                Some(id) => query.snippet(&bodies.iter().find(|b| b.id == id)?.body, SNIPPET_CHARS),
                None => {
                    let k = contacts.iter().find(|k| k.conversation_id == f.conversation_id)?;
                    let line = [Some(k.name.as_str()), k.email.as_deref(), k.phone.as_deref()]
                        .into_iter()
                        .flatten()
                        .filter(|part| !part.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · ");
                    query.snippet(&line, SNIPPET_CHARS)
                }
            };
            Some(SearchHit { summary, message_id: f.message_id.map(MessageId), snippet })
        })
        .collect();
    Ok(SearchResults { hits })
}

const SNIPPET_CHARS: usize = 140;

/// One conversation with a page of its messages (the latest unless `before`); opening the
/// latest page marks it read for the viewer.
pub async fn thread(
    db: &Db,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    before: Option<MessageId>,
) -> Result<ThreadView, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_view_inbox(actor(&me))?;
    let me = me.ok_or(AppError::NotFound)?;
    let as_of_seq = events::latest(&mut *conn, bot).await?;
    let facts = repo::conversation_in_bot(&mut *conn, bot, conversation).await?.ok_or(AppError::NotFound)?;
    let mut messages = repo::messages_page(&mut *conn, conversation, before, false, THREAD_PAGE_SIZE + 1).await?;
    let older = if messages.len() as i64 > THREAD_PAGE_SIZE {
        messages.remove(0);
        messages.first().map(|m| m.id)
    } else {
        None
    };
    if before.is_none() {
        if let Some(last) = messages.last() {
            repo::mark_read(&mut *conn, me.member, conversation, last.id).await?;
        }
    }
    let summary_row = summary_of(&mut conn, bot, me.member, conversation).await?;
    let assignable = repo::members_for_assignment(&mut *conn, bot)
        .await?
        .into_iter()
        .filter(|m| {
            policy::can_act(Some(&Actor { role: m.role, has_seat: flag(m.has_seat) }), InboxAction::BeAssigned).is_ok()
        })
        .map(|m| AssigneeOption {
            member_id: m.id,
            name: m.name,
            online: m.availability == crate::domain::assignment::Availability::Online.code(),
        })
        .collect();
    let teams = repo::teams_of_bot(&mut *conn, bot)
        .await?
        .into_iter()
        .map(|t| TeamOption { team_id: t.id, name: t.name })
        .collect();
    let profile = contacts::profile(&mut conn, bot, facts.contact_id, Some(conversation)).await?;
    let all_tags = tag_repo::of_bot(&mut *conn, bot).await?.into_iter().map(TagView::from).collect();
    Ok(ThreadView { summary: summary_row, messages, older, assignable, teams, tags: all_tags, profile, as_of_seq })
}

/// Sets a custom attribute of the conversation's contact; an empty value removes it.
pub async fn set_contact_attribute(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    key: &str,
    value: &str,
) -> Result<(), AppError> {
    AttributeKey::parse(key)?;
    AttributeValue::parse(value)?;
    let (mut tx, _me, facts) = open_action(db, user, bot, conversation, InboxAction::EditContact).await?;
    if !contacts::write_attribute(&mut tx, facts.contact_id, key, value).await? {
        return Ok(());
    }
    events::append(&mut tx, db.backend(), bot, &LiveEvent::ConversationChanged { conversation }).await?;
    commit(tx, hub, bot).await
}

async fn summary_of(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
    viewer: MemberId,
    conversation: ConversationId,
) -> Result<ConversationSummary, AppError> {
    let row = repo::list_row(&mut *conn, bot, viewer, conversation).await?.ok_or(AppError::NotFound)?;
    let mut rows = with_tags(conn, vec![summary(row)]).await?;
    Ok(rows.remove(0))
}

/// An action on one conversation: the bot locked, the actor loaded and allowed `action`, the
/// conversation loaded from *this* bot.
async fn open_action(
    db: &Db,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    action: InboxAction,
) -> Result<(WriteTx, Acting, repo::ConversationFacts), AppError> {
    open_action_in(db, db.begin_write().await?, user, bot, conversation, action).await
}

/// `open_action` in `tx` (which may carry other writers' work: see `Db::begin_grouped_write`).
async fn open_action_in(
    db: &Db,
    mut tx: WriteTx,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    action: InboxAction,
) -> Result<(WriteTx, Acting, repo::ConversationFacts), AppError> {
    db.lock_bot(&mut tx, bot.0).await?;
    let checked = async {
        let me = acting_member(&mut tx, user, bot).await?;
        policy::can_act(actor(&me), action)?;
        let me = me.ok_or(AppError::NotFound)?;
        let facts = repo::conversation_in_bot(&mut *tx, bot, conversation).await?.ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((me, facts))
    }
    .await;
    match checked {
        Ok((me, facts)) => Ok((tx, me, facts)),
        // Refused before writing anything: ending it so keeps any group it carries.
        Err(refused) => {
            tx.commit_grouped().await?;
            Err(refused)
        }
    }
}

/// Adds a message inside an open action and records the live events for it.
/// `file`, when given, is attached to the message in the same transaction.
async fn add_message(
    db: &Db,
    tx: &mut WriteTx,
    facts: &repo::ConversationFacts,
    message: NewMessage<'_>,
    file: Option<&StoredFile>,
    now: i64,
) -> Result<Option<MessageView>, AppError> {
    let Some(mut stored) = repo::insert_message(&mut **tx, &message, now).await? else { return Ok(None) };
    let preview = match file {
        Some(file) => {
            stored.attachment = Some(file.attach_to(tx, facts.bot_id, stored.id, now).await?);
            if stored.body.is_empty() { file.preview() } else { crate::domain::inbox::preview_of(&stored.body) }
        }
        None => crate::domain::inbox::preview_of(&stored.body),
    };
    repo::record_message(&mut **tx, facts.id, stored.id, stored.kind, &preview, now).await?;
    if !facts.is_banned() {
        let added = [
            LiveEvent::MessageAdded { message: stored.clone() },
            LiveEvent::ConversationChanged { conversation: facts.id },
        ];
        events::append_many(tx, db.backend(), facts.bot_id, &added).await?;
    }
    Ok(Some(stored))
}

/// A system event in the thread ("Closed by Ali").
async fn system_event(
    db: &Db,
    tx: &mut WriteTx,
    facts: &repo::ConversationFacts,
    text: &str,
    now: i64,
) -> Result<(), AppError> {
    let message = NewMessage {
        bot: facts.bot_id,
        conversation: facts.id,
        channel: facts.channel_id,
        kind: MessageKind::System,
        body: text,
        author: None,
        author_name: "",
        provider_message_id: None,
        idempotency_key: None,
        delivery: Delivery::None,
    };
    add_message(db, tx, facts, message, None, now).await?;
    Ok(())
}

/// The unanswered rule moves a conversation: off its assignee, into the queue (or `team`'s),
/// with the reason as a system event.
pub(crate) async fn reassign_unanswered(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    conversation: ConversationId,
    team: Option<TeamId>,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let facts = repo::conversation_in_bot(&mut **tx, bot, conversation).await?.ok_or(AppError::NotFound)?;
    let text = match team {
        Some(team) => {
            let team = repo::team_in_bot(&mut **tx, bot, team).await?.ok_or(AppError::NotFound)?;
            repo::set_team(&mut **tx, conversation, Some(team.id)).await?;
            assignment_repo::requeue(&mut **tx, conversation, now).await?;
            format!("{reason}: escalated to the {} team", team.name)
        }
        None => {
            repo::set_assignee(&mut **tx, conversation, None).await?;
            assignment_repo::queue_now(&mut **tx, conversation, now).await?;
            // Whoever takes it next (if anyone can) gets their own "Assigned to …" event.
            format!("{reason}: back in the queue")
        }
    };
    system_event(db, tx, &facts, &text, now).await
}

/// Hands one of a leaving member's conversations to `target`, with a system event and, if
/// given, the handoff note as an internal note by `by`. Inside the removal's transaction.
pub(crate) async fn hand_off(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    conversation: ConversationId,
    target: crate::domain::handoff::HandoffTarget,
    by: &Acting,
    note: &str,
    now: i64,
) -> Result<(), AppError> {
    use crate::domain::handoff::HandoffTarget;
    let facts = repo::conversation_in_bot(&mut **tx, bot, conversation).await?.ok_or(AppError::NotFound)?;
    let text = match target {
        HandoffTarget::Member(member) => {
            let target = team::member_in_bot(&mut **tx, bot, member).await?.ok_or(AppError::NotFound)?;
            let actor = Actor { role: target.role, has_seat: target.has_seat };
            policy::can_assign_to(Some(&by.actor), &actor, &target.name)?;
            repo::set_assignee(&mut **tx, conversation, Some(member)).await?;
            let told = LiveEvent::Assigned { conversation, member, contact: facts.contact_name.clone() };
            events::append(tx, db.backend(), bot, &told).await?;
            format!("Handed off to {} by {}", target.name, by.name)
        }
        HandoffTarget::Team(team) => {
            let team = repo::team_in_bot(&mut **tx, bot, team).await?.ok_or(AppError::NotFound)?;
            repo::set_team(&mut **tx, conversation, Some(team.id)).await?;
            assignment_repo::requeue(&mut **tx, conversation, now).await?;
            format!("Handed off to the {} team by {}", team.name, by.name)
        }
        HandoffTarget::Auto => {
            repo::set_assignee(&mut **tx, conversation, None).await?;
            assignment_repo::queue_now(&mut **tx, conversation, now).await?;
            format!("Handed off to automatic assignment by {}", by.name)
        }
    };
    system_event(db, tx, &facts, &text, now).await?;
    if !note.is_empty() {
        let message = NewMessage {
            bot,
            conversation,
            channel: facts.channel_id,
            kind: MessageKind::Note,
            body: note,
            author: Some(by.member),
            author_name: &by.name,
            provider_message_id: None,
            idempotency_key: None,
            delivery: Delivery::None,
        };
        add_message(db, tx, &facts, message, None, now).await?;
    }
    Ok(())
}

/// After a conversation's state changed: it joins or leaves the queue, and whatever waits is
/// assigned if someone can take it (capacity may have freed).
pub(crate) async fn settle_queue(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    conversation: ConversationId,
    now: i64,
) -> Result<(), AppError> {
    assignment_repo::requeue(&mut **tx, conversation, now).await?;
    assignment::drain(db, tx, bot, assignment::Scope::Automatic, now).await?;
    Ok(())
}

async fn commit(tx: WriteTx, hub: &Hub, bot: BotId) -> Result<(), AppError> {
    tx.commit().await?;
    hub.wake(bot);
    Ok(())
}

/// What to write: a reply to the customer or an internal note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compose {
    Reply,
    Note,
}

/// A reply or note, idempotent on the client's key: the same key with the same text returns
/// the message already stored (a double submit, a retry after a dropped connection); the same
/// key with other text is refused. A reply on an API channel is committed together with its
/// outbox row; the outbox worker delivers it.
pub async fn compose(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    what: Compose,
    body: &str,
    key: &str,
) -> Result<MessageView, AppError> {
    let text = MessageText::parse(body)?;
    write(db, hub, user, bot, conversation, what, text, None, key).await
}

/// Sends a checked, stored file (`services::media::store`) as a reply, idempotent on `key`
/// like a reply.
pub async fn send_file(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    file: &StoredFile,
    key: &str,
) -> Result<MessageView, AppError> {
    write(db, hub, user, bot, conversation, Compose::Reply, MessageText::parse_caption("")?, Some(file), key).await
}

/// May `user` send files in `bot`? Asked before a file's bytes are stored, so a member who may
/// not cannot fill the disk (the write asks again, inside its transaction).
pub async fn may_send_file(db: &Db, user: UserId, bot: BotId) -> Result<(), AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_act(actor(&me), InboxAction::SendMedia)?;
    Ok(())
}

/// A reply or note, sharing its commit with the writes queued beside it (SQLite); if that
/// group was rolled back (another member failed), again on its own. Running again is safe: the
/// idempotency key answers a write that did land.
#[allow(clippy::too_many_arguments)]
async fn write(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    what: Compose,
    text: MessageText,
    file: Option<&StoredFile>,
    key: &str,
) -> Result<MessageView, AppError> {
    let key = IdempotencyKey::parse(key)?;
    super::grouped_then_alone("reply", |grouped| {
        write_once(db, hub, user, bot, conversation, what, &text, file, &key, grouped)
    })
    .await
}

/// `write` once: `None` when the group it joined was rolled back (nothing stored).
#[allow(clippy::too_many_arguments)]
async fn write_once(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    what: Compose,
    text: &MessageText,
    file: Option<&StoredFile>,
    key: &IdempotencyKey,
    grouped: bool,
) -> Result<Option<MessageView>, AppError> {
    let action = match (what, file) {
        (Compose::Reply, Some(_)) => InboxAction::SendMedia,
        (Compose::Reply, None) => InboxAction::Reply,
        (Compose::Note, _) => InboxAction::InternalNote,
    };
    let now = now_ms();
    let tx = if grouped { db.begin_grouped_write().await? } else { db.begin_write().await? };
    let (mut tx, me, facts) = open_action_in(db, tx, user, bot, conversation, action).await?;
    let (kind, delivery) = match (what, facts.channel_kind) {
        (Compose::Note, _) => (MessageKind::Note, Delivery::None),
        (Compose::Reply, ChannelKind::Api) => (MessageKind::Agent, Delivery::Pending),
        (Compose::Reply, ChannelKind::Widget) => (MessageKind::Agent, Delivery::None),
    };
    let message = NewMessage {
        bot,
        conversation,
        channel: facts.channel_id,
        kind,
        body: text.as_str(),
        author: Some(me.member),
        author_name: &me.name,
        provider_message_id: None,
        idempotency_key: Some(key.as_str()),
        delivery,
    };
    // Storing a reply also takes the conversation over from the bot (`repo::record_message`).
    let Some(stored) = add_message(db, &mut tx, &facts, message, file, now).await? else {
        // The key was used (perhaps earlier in this group): the answer stands only once the
        // group it read from is committed.
        let answer = already_stored(&mut tx, &me, conversation, key, text, file).await;
        return match tx.commit_grouped().await? {
            GroupCommit::Committed => answer.map(Some),
            GroupCommit::RolledBack => Ok(None),
        };
    };
    if delivery == Delivery::Pending {
        crate::server::repo::outbox::enqueue(&mut *tx, bot, stored.id, now).await?;
    }
    if tx.commit_grouped().await? == GroupCommit::RolledBack {
        return Ok(None);
    }
    hub.wake(bot);
    if delivery == Delivery::Pending {
        hub.outbox_queued();
    }
    Ok(Some(stored))
}

/// The message a used idempotency key stored: the same request again (same author, text and
/// file) is answered with it; anything else under that key is refused.
async fn already_stored(
    tx: &mut WriteTx,
    me: &Acting,
    conversation: ConversationId,
    key: &IdempotencyKey,
    text: &MessageText,
    file: Option<&StoredFile>,
) -> Result<MessageView, AppError> {
    let reused = || AppError::Conflict("This request key was already used for another message.".into());
    let mut existing = repo::message_by_key(&mut **tx, conversation, key.as_str()).await?.ok_or_else(reused)?;
    crate::server::repo::media::attach(tx, std::slice::from_mut(&mut existing.message)).await?;
    let same_file = existing.message.attachment.as_ref().map(|a| a.size_bytes) == file.map(|f| f.size_bytes);
    if existing.author == Some(me.member) && existing.message.body == text.as_str() && same_file {
        Ok(existing.message)
    } else {
        Err(reused())
    }
}

/// Close or reopen.
pub async fn set_closed(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    closed: bool,
) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, me, facts) = open_action(db, user, bot, conversation, InboxAction::Resolve).await?;
    let target = if closed { ConversationStatus::Closed } else { ConversationStatus::Open };
    if facts.status == target {
        return Ok(());
    }
    repo::set_status(&mut *tx, conversation, target).await?;
    let text = if closed { format!("Closed by {}", me.name) } else { format!("Reopened by {}", me.name) };
    system_event(db, &mut tx, &facts, &text, now).await?;
    settle_queue(db, &mut tx, bot, conversation, now).await?;
    commit(tx, hub, bot).await
}

/// Ban or unban the conversation's contact: all their conversations move to (or out of) Banned.
pub async fn set_banned(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    banned: bool,
) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, me, mut facts) = open_action(db, user, bot, conversation, InboxAction::Ban).await?;
    if facts.is_banned() == banned {
        return Ok(());
    }
    repo::set_contact_banned(&mut tx, bot, facts.contact_id, banned).await?;
    facts.banned = i64::from(banned);
    let text =
        if banned { format!("Contact banned by {}", me.name) } else { format!("Contact unbanned by {}", me.name) };
    system_event(db, &mut tx, &facts, &text, now).await?;
    // The list moves the row whichever way it went.
    events::append(&mut tx, db.backend(), bot, &LiveEvent::ConversationChanged { conversation }).await?;
    assignment_repo::requeue_contact(&mut *tx, facts.contact_id, now).await?;
    assignment::drain(db, &mut tx, bot, assignment::Scope::Automatic, now).await?;
    commit(tx, hub, bot).await
}

/// Take over from the bot (pause it) or hand back to it.
pub async fn set_bot_paused(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    paused: bool,
) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, me, facts) = open_action(db, user, bot, conversation, InboxAction::PauseBot).await?;
    if facts.is_bot_paused() == paused {
        return Ok(());
    }
    repo::set_bot_paused(&mut *tx, conversation, paused).await?;
    let text = if paused {
        if facts.status == ConversationStatus::Bot {
            repo::set_status(&mut *tx, conversation, ConversationStatus::Open).await?;
        }
        format!("Bot paused by {} — a person is answering", me.name)
    } else {
        format!("Handed back to the bot by {}", me.name)
    };
    system_event(db, &mut tx, &facts, &text, now).await?;
    commit(tx, hub, bot).await
}

/// Assign to a seat-holding teammate, or unassign (`None`).
pub async fn assign_member(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    assignee: Option<MemberId>,
) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, me, facts) = open_action(db, user, bot, conversation, InboxAction::Assign).await?;
    if facts.assignee() == assignee {
        return Ok(());
    }
    let text = match assignee {
        Some(member) => {
            let target = team::member_in_bot(&mut *tx, bot, member).await?.ok_or(AppError::NotFound)?;
            let target_actor = Actor { role: target.role, has_seat: target.has_seat };
            policy::can_assign_to(Some(&me.actor), &target_actor, &target.name)?;
            if member == me.member {
                format!("{} took the conversation", me.name)
            } else {
                format!("Assigned to {} by {}", target.name, me.name)
            }
        }
        None => format!("Unassigned by {}", me.name),
    };
    repo::set_assignee(&mut *tx, conversation, assignee).await?;
    system_event(db, &mut tx, &facts, &text, now).await?;
    if let Some(member) = assignee.filter(|m| *m != me.member) {
        let told = LiveEvent::Assigned { conversation, member, contact: facts.contact_name.clone() };
        events::append(&mut tx, db.backend(), bot, &told).await?;
    }
    settle_queue(db, &mut tx, bot, conversation, now).await?;
    commit(tx, hub, bot).await
}

/// Assign to a team's queue (clearing the person), or take it off the team (`None`).
pub async fn assign_team(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
    team_id: Option<TeamId>,
) -> Result<(), AppError> {
    let now = now_ms();
    let (mut tx, me, facts) = open_action(db, user, bot, conversation, InboxAction::Assign).await?;
    let text = match team_id {
        Some(team) => {
            let team = repo::team_in_bot(&mut *tx, bot, team).await?.ok_or(AppError::NotFound)?;
            format!("Assigned to the {} team by {}", team.name, me.name)
        }
        None => format!("Removed from its team by {}", me.name),
    };
    if facts.team() == team_id && facts.assignee().is_none() {
        return Ok(());
    }
    repo::set_team(&mut *tx, conversation, team_id).await?;
    system_event(db, &mut tx, &facts, &text, now).await?;
    settle_queue(db, &mut tx, bot, conversation, now).await?;
    commit(tx, hub, bot).await
}

/// Queue a failed API-channel reply for delivery again.
pub async fn retry_delivery(db: &Db, hub: &Hub, user: UserId, bot: BotId, message: MessageId) -> Result<(), AppError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    db.lock_bot(&mut tx, bot.0).await?;
    let me = acting_member(&mut tx, user, bot).await?;
    policy::can_act(actor(&me), InboxAction::Reply)?;
    let stored = repo::message_in_bot(&mut *tx, bot, message).await?.ok_or(AppError::NotFound)?;
    if stored.delivery != Delivery::Failed {
        return Err(AppError::Conflict("Only a reply whose delivery failed can be retried.".into()));
    }
    crate::server::repo::outbox::retry(&mut *tx, message, now).await?;
    repo::set_delivery(&mut *tx, message, Delivery::Pending).await?;
    let event =
        LiveEvent::DeliveryChanged { conversation: stored.conversation_id, message, delivery: Delivery::Pending };
    events::append(&mut tx, db.backend(), bot, &event).await?;
    commit(tx, hub, bot).await?;
    hub.outbox_queued();
    Ok(())
}

/// "Mona is typing…" for everyone else viewing the conversation (and the customer, for replies).
pub async fn typing(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    conversation: ConversationId,
) -> Result<(), AppError> {
    let (mut tx, me, facts) = open_action(db, user, bot, conversation, InboxAction::Reply).await?;
    let event = LiveEvent::Typing { conversation: facts.id, name: me.name.clone(), customer: false };
    events::append(&mut tx, db.backend(), bot, &event).await?;
    commit(tx, hub, bot).await
}

/// What an open Inbox says when it checks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// It has just opened this conversation: whoever has it open is told who does now.
    Opened(ConversationId),
    /// It still has this conversation open (every 10 s).
    Viewing(ConversationId),
    /// It has just left this conversation (moved on, or its tab is closing).
    Left(ConversationId),
    /// It is open on no conversation.
    Elsewhere,
}

/// Records a check-in and returns who else has the conversation open. Opening or leaving a
/// conversation tells everyone at once who has it open now (a `ViewersChanged` event); the
/// periodic check-in keeps the member online, and a viewer whose tab closed without a word is
/// dropped by the next check-in on that conversation after `PRESENCE_WINDOW_MS`.
pub async fn mark_presence(
    db: &Db,
    hub: &Hub,
    user: UserId,
    bot: BotId,
    check_in: CheckIn,
) -> Result<Vec<String>, AppError> {
    let now = now_ms();
    let since = now - PRESENCE_WINDOW_MS;
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_view_inbox(actor(&me))?;
    let me = me.ok_or(AppError::NotFound)?;
    let (viewing, announce) = match check_in {
        CheckIn::Opened(conversation) => (Some(conversation), true),
        CheckIn::Viewing(conversation) => (Some(conversation), false),
        CheckIn::Left(conversation) => (Some(conversation), false),
        CheckIn::Elsewhere => (None, false),
    };
    if let Some(conversation) = viewing {
        repo::conversation_in_bot(&mut *conn, bot, conversation).await?.ok_or(AppError::NotFound)?;
    }
    if let CheckIn::Left(left) = check_in {
        // Conditional: a leave that arrives after the next conversation's check-in changes nothing.
        drop(conn);
        let mut tx = db.begin_write().await?;
        db.lock_bot(&mut tx, bot.0).await?;
        if repo::stop_viewing(&mut *tx, me.member, left).await? {
            announce_viewers(db, &mut tx, bot, left, since).await?;
        }
        commit(tx, hub, bot).await?;
        return Ok(Vec::new());
    }
    let before = repo::viewing_of(&mut *conn, me.member, since).await?;
    let stale = match viewing {
        Some(conversation) => repo::stale_viewers(&mut *conn, conversation, since).await?,
        None => 0,
    };
    if before == viewing && stale == 0 && !announce {
        repo::touch_presence(&mut *conn, bot, me.member, viewing, now).await?;
    } else {
        drop(conn);
        let mut tx = db.begin_write().await?;
        db.lock_bot(&mut tx, bot.0).await?;
        let before = repo::viewing_of(&mut *tx, me.member, since).await?;
        repo::touch_presence(&mut *tx, bot, me.member, viewing, now).await?;
        if let Some(conversation) = viewing {
            let dropped = repo::forget_stale_viewers(&mut *tx, conversation, since).await?;
            if dropped || announce || before != viewing {
                announce_viewers(db, &mut tx, bot, conversation, since).await?;
            }
        }
        if let Some(previous) = before.filter(|_| before != viewing) {
            announce_viewers(db, &mut tx, bot, previous, since).await?;
        }
        commit(tx, hub, bot).await?;
        conn = db.pool().acquire().await?;
    }
    match viewing {
        Some(conversation) => Ok(repo::viewers_of(&mut *conn, conversation, since)
            .await?
            .into_iter()
            .filter(|viewer| viewer.member != me.member)
            .map(|viewer| viewer.name)
            .collect()),
        None => Ok(Vec::new()),
    }
}

/// Tells everyone who has `conversation` open now.
async fn announce_viewers(
    db: &Db,
    tx: &mut WriteTx,
    bot: BotId,
    conversation: ConversationId,
    since: i64,
) -> Result<(), AppError> {
    let viewers = repo::viewers_of(&mut **tx, conversation, since).await?;
    events::append(tx, db.backend(), bot, &LiveEvent::ViewersChanged { conversation, viewers }).await?;
    Ok(())
}

/// A member counts as online for this long after their Inbox last checked in.
pub const PRESENCE_WINDOW_MS: i64 = 60_000;

/// May `user` follow `bot`'s live stream? Returns their member id (to spot changes to
/// themselves on the stream).
pub async fn stream_access(db: &Db, user: UserId, bot: BotId) -> Result<MemberId, AppError> {
    let mut conn = db.pool().acquire().await?;
    let me = acting_member(&mut conn, user, bot).await?;
    policy::can_view_inbox(actor(&me))?;
    let me = me.ok_or(AppError::NotFound)?;
    repo::touch_seen(&mut *conn, bot, me.member, now_ms()).await?;
    Ok(me.member)
}
