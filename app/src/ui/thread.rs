//! The conversation view of the Inbox: history, toolbar (assign, status, ban, pause bot), tags,
//! the contact's profile and the reply box. Its code is a chunk of its own, fetched when a
//! conversation is opened (and before hydration when a visit starts on one): the list alone is
//! what an Inbox first load carries.
use super::form_action::{FormAction, PostForm};
use super::inbox::{InboxQuery, Live, ThreadResource, now_ms};
use super::media::{AttachButton, AttachmentPreview, UploadStatus};
use super::profile::ProfilePanel;
use super::tags::ConversationTags;
use super::team::format_time;
use super::widgets::ActionError;
use crate::api::assignment::AutoAssign;
use crate::api::inbox::{
    InboxAssign, InboxAssignTeam, InboxBan, InboxClose, InboxNote, InboxPauseBot, InboxReply, InboxRetryDelivery,
    InboxTyping,
};
use crate::domain::BotId;
use crate::domain::ids::ConversationId;
use crate::domain::inbox::{ConversationStatus, Delivery, MessageKind, MessageView, ThreadView};
use crate::domain::policy::{self, Actor, InboxAction};
#[cfg(not(test))]
use leptos::lazy;
use leptos::prelude::*;
use leptos_router::components::A;

/// What the Inbox passes to the conversation view (all cheap handles).
pub struct ThreadPaneArgs {
    pub bot: BotId,
    pub conversation: ConversationId,
    pub actor: Actor,
    pub state: Memo<InboxQuery>,
    pub thread: ThreadResource,
}

/// The conversation view, behind its own chunk. Its generated `__preload_thread_pane` fetches
/// the chunk without showing anything: `ui::load_chunks_in_view` does so before a page that
/// opens on a conversation hydrates.
#[cfg(not(test))]
#[lazy]
pub fn thread_pane(args: ThreadPaneArgs) -> AnyView {
    build_thread_pane(args)
}

/// Unit-test builds have no chunk loader to import (wasm-bindgen-test runs one module).
#[cfg(test)]
pub async fn thread_pane(args: ThreadPaneArgs) -> AnyView {
    build_thread_pane(args)
}

fn build_thread_pane(args: ThreadPaneArgs) -> AnyView {
    let ThreadPaneArgs { bot, conversation, actor, state, thread } = args;
    view! { <ThreadPane bot conversation actor state thread /> }.into_any()
}

/// While a conversation is open the Inbox checks in every 10 s (this also keeps the member
/// "online" for the widget); opening and leaving it (moving on, or closing the tab) say so at
/// once, and the live stream tells who else has it open.
fn watch_presence(bot: BotId, conversation: ConversationId, viewers: RwSignal<Vec<String>>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::server_fn::ServerFn;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        // A beacon: fire and forget (the names come on the stream), and still sent while the
        // page is closing.
        let beacon = move |field: &str| {
            let Ok(form) = web_sys::UrlSearchParams::new() else { return };
            form.append("bot_id", &bot.to_string());
            form.append(field, &conversation.to_string());
            let path = crate::api::inbox::InboxPresence::PATH;
            let _ = window().navigator().send_beacon_with_opt_url_search_params(path, Some(&form));
        };
        Effect::new(move |_| {
            beacon("opened");
            if let Ok(handle) = set_interval_with_handle(move || beacon("viewing"), std::time::Duration::from_secs(10))
            {
                on_cleanup(move || handle.clear());
            }
            let closing = Closure::<dyn FnMut()>::new(move || beacon("left"));
            let _ = window().add_event_listener_with_callback("pagehide", closing.as_ref().unchecked_ref());
            let closing = send_wrapper::SendWrapper::new(closing);
            on_cleanup(move || {
                let _ = window().remove_event_listener_with_callback("pagehide", closing.as_ref().unchecked_ref());
                beacon("left");
            });
        });
        let live = expect_context::<Live>();
        Effect::new(move |_| {
            if let Some((seen, names)) = live.viewers.get() {
                if seen == conversation {
                    viewers.set(names);
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (bot, conversation, viewers);
}

#[derive(Clone, Copy)]
struct ThreadActions {
    reply: FormAction,
    note: FormAction,
    close: FormAction,
    ban: FormAction,
    pause: FormAction,
    assign: FormAction,
    assign_team: FormAction,
    auto_assign: FormAction,
    retry: FormAction,
    typing: FormAction,
}

#[component]
fn ThreadPane(
    bot: BotId,
    conversation: ConversationId,
    actor: Actor,
    state: Memo<InboxQuery>,
    thread: ThreadResource,
) -> impl IntoView {
    let actions = ThreadActions {
        reply: FormAction::of::<InboxReply>(),
        note: FormAction::of::<InboxNote>(),
        close: FormAction::of::<InboxClose>(),
        ban: FormAction::of::<InboxBan>(),
        pause: FormAction::of::<InboxPauseBot>(),
        assign: FormAction::of::<InboxAssign>(),
        assign_team: FormAction::of::<InboxAssignTeam>(),
        auto_assign: FormAction::of::<AutoAssign>(),
        retry: FormAction::of::<InboxRetryDelivery>(),
        typing: FormAction::of::<InboxTyping>(),
    };
    provide_context(actions);
    provide_context(super::profile::ProfileOpen(RwSignal::new(false)));
    let viewers = RwSignal::new(Vec::<String>::new());
    provide_context(viewers);
    watch_presence(bot, conversation, viewers);
    view! {
        <section class="thread" aria-label="Conversation">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match thread.await {
                        Ok(Some(view)) => view! { <Thread bot view actor state /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            // Outside the refetching part: live updates never wipe what the agent is typing.
            <Composer bot conversation actor />
        </section>
    }
}

#[component]
fn Thread(bot: BotId, view: ThreadView, actor: Actor, state: Memo<InboxQuery>) -> impl IntoView {
    let live = expect_context::<Live>();
    let s = view.summary.clone();
    let conversation = s.id;
    let older = view.older;
    let typing = move || {
        live.typing.get().filter(|(c, _)| *c == conversation).map(|(_, who)| {
            view! {
                <p class="typing" aria-live="polite">{format!("{who} is typing…")}</p>
            }
        })
    };
    let details = [
        s.channel_name.clone(),
        view.profile.email.clone().unwrap_or_default(),
        view.profile.phone.clone().unwrap_or_default(),
    ]
    .into_iter()
    .filter(|d| !d.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    let viewers = expect_context::<RwSignal<Vec<String>>>();
    let found = state.get_untracked().found;
    #[cfg(feature = "hydrate")]
    if found.is_some() {
        // Bring the search result's message into view once it is on the page.
        Effect::new(move |_| {
            if let Ok(Some(message)) = document().query_selector(".msg.found") {
                message.scroll_into_view();
            }
        });
    }
    view! {
        <header class="thread-head">
            <h2 class="contact">{s.contact_name.clone()}</h2>
            <p class="muted">{details}</p>
            {s.assignee.as_ref().map(|(id, name)| {
                // Whether the assignee is online for automatic assignment (known to those who
                // may assign: the menu's list).
                let online = view.assignable.iter().find(|a| a.member_id == *id).map(|a| a.online);
                view! {
                    <p class="assignee-line" data-testid="assignee-line">
                        {online.map(|online| {
                            let status = if online { "Online" } else { "Offline" };
                            view! { <span class=if online { "dot online" } else { "dot offline" } role="img" aria-label=status title=status></span> }
                        })}
                        {format!("Assigned to {name}")}
                    </p>
                }
            })}
            {move || {
                let names = viewers.get();
                (!names.is_empty()).then(|| view! {
                    <p class="viewers" data-testid="also-viewing">{format!("Also viewing: {}", names.join(", "))}</p>
                })
            }}
            <ThreadToolbar bot view=view.clone() actor />
            <ConversationTags
                bot
                conversation
                tags=s.tags.clone()
                offered=view.tags.clone()
                allowed=policy::can_act(Some(&actor), InboxAction::Tag).map_err(|d| d.to_string())
            />
            <ProfilePanel
                bot
                conversation
                profile=view.profile.clone()
                allowed=policy::can_act(Some(&actor), InboxAction::EditContact).map_err(|d| d.to_string())
            />
        </header>
        {older.map(|before| view! {
            <p class="older"><A href=move || state.get().href(bot, |q| q.before = Some(before))>"Earlier messages"</A></p>
        })}
        <ol class="messages" aria-label="Messages">
            {view.messages.into_iter().map(|m| {
                let found = found == Some(m.id);
                view! { <Message bot message=m actor found /> }
            }).collect_view()}
        </ol>
        {typing}
    }
}

#[component]
fn Message(bot: BotId, message: MessageView, actor: Actor, #[prop(optional)] found: bool) -> impl IntoView {
    let actions = expect_context::<ThreadActions>();
    let (class, label) = match message.kind {
        MessageKind::Customer => ("msg customer", "Customer".to_string()),
        MessageKind::Bot => ("msg bot", "Bot".to_string()),
        MessageKind::Agent => ("msg agent", message.author_name.clone()),
        MessageKind::Note => ("msg note", format!("Internal note · {}", message.author_name)),
        MessageKind::System => ("msg system", String::new()),
    };
    let delivery = match message.delivery {
        Delivery::Pending => Some(("pending", "Sending…")),
        Delivery::Delivered => Some(("delivered", "Delivered")),
        Delivery::Failed => Some(("failed", "Not delivered")),
        Delivery::None => None,
    };
    let can_retry = message.delivery == Delivery::Failed && policy::can_act(Some(&actor), InboxAction::Reply).is_ok();
    let id = message.id;
    view! {
        <li class=class class:found=found data-kind=message.kind.code()>
            {(!label.is_empty()).then(|| view! { <span class="who">{label}</span> })}
            // Text only: whatever a customer sent is shown as typed, never as markup.
            {(!message.body.is_empty()).then(|| view! { <p class="body">{message.body.clone()}</p> })}
            {message.attachment.clone().map(|attachment| view! { <AttachmentPreview attachment /> })}
            <span class="when">{format_time(message.created_at_ms)}</span>
            {delivery.map(|(code, text)| view! { <span class=format!("delivery {code}")>{text}</span> })}
            {can_retry.then(|| view! {
                <PostForm action=actions.retry attr:class="inline">
                    <input type="hidden" name="bot_id" value=bot.to_string() />
                    <input type="hidden" name="message_id" value=id.to_string() />
                    <button type="submit" class="small secondary">"Retry"</button>
                </PostForm>
            })}
        </li>
    }
}

/// One toggle action as a form (`field` = `value`): enabled only if the policy allows it, else
/// disabled with the reason.
fn toggle_form(
    action: FormAction,
    allowed: Result<(), String>,
    (bot, conversation): (BotId, ConversationId),
    (field, value): (&'static str, bool),
    label: &'static str,
) -> AnyView {
    match allowed {
        Ok(()) => view! {
            <PostForm action attr:class="inline">
                <input type="hidden" name="bot_id" value=bot.to_string() />
                <input type="hidden" name="conversation_id" value=conversation.to_string() />
                <input type="hidden" name=field value=value.to_string() />
                <button type="submit" class="small secondary">{label}</button>
            </PostForm>
        }
        .into_any(),
        Err(reason) => view! {
            <button type="button" class="small secondary" disabled=true title=reason>{label}</button>
        }
        .into_any(),
    }
}

#[component]
fn ThreadToolbar(bot: BotId, view: ThreadView, actor: Actor) -> impl IntoView {
    let actions = expect_context::<ThreadActions>();
    let s = view.summary.clone();
    let conversation = s.id;
    let allowed = |action: InboxAction| policy::can_act(Some(&actor), action).map_err(|d| d.to_string());
    let closed = s.status == ConversationStatus::Closed;
    let assign_allowed = allowed(InboxAction::Assign);
    let assignee = s.assignee.as_ref().map(|(id, _)| *id);
    let team = s.team.as_ref().map(|(id, _)| *id);
    view! {
        <div class="toolbar" role="group" aria-label="Conversation actions">
            {toggle_form(actions.close, allowed(InboxAction::Resolve), (bot, conversation), ("closed", !closed),
                if closed { "Reopen" } else { "Close" })}
            {toggle_form(actions.pause, allowed(InboxAction::PauseBot), (bot, conversation), ("paused", !s.bot_paused),
                if s.bot_paused { "Hand back to the bot" } else { "Pause bot" })}
            {toggle_form(actions.ban, allowed(InboxAction::Ban), (bot, conversation), ("banned", !s.banned),
                if s.banned { "Unban contact" } else { "Ban contact" })}
            {match assign_allowed.clone() {
                Ok(()) => view! {
                    <PostForm action=actions.assign attr:class="inline assign">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="conversation_id" value=conversation.to_string() />
                        <select name="member_id" aria-label="Assign to">
                            <option value="" selected=assignee.is_none()>"Unassigned"</option>
                            {view.assignable.iter().map(|a| view! {
                                <option value=a.member_id.to_string() selected=assignee == Some(a.member_id)>
                                    {if a.online { format!("🟢 {}", a.name) } else { format!("🔴 {} (offline)", a.name) }}
                                </option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="small">"Assign"</button>
                    </PostForm>
                    <PostForm action=actions.assign_team attr:class="inline assign">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="conversation_id" value=conversation.to_string() />
                        <select name="team_id" aria-label="Assign to team">
                            <option value="" selected=team.is_none()>"No team"</option>
                            {view.teams.iter().map(|t| view! {
                                <option value=t.team_id.to_string() selected=team == Some(t.team_id)>{t.name.clone()}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="small">"Assign team"</button>
                    </PostForm>
                    {assignee.is_none().then(|| view! {
                        <PostForm action=actions.auto_assign attr:class="inline">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <input type="hidden" name="conversation_id" value=conversation.to_string() />
                            <button type="submit" class="small secondary">"Auto assign"</button>
                        </PostForm>
                    })}
                }
                .into_any(),
                Err(reason) => view! {
                    {s.assignee.is_none().then(|| view! { <span class="muted">"Unassigned"</span> })}
                    <button type="button" class="small" disabled=true title=reason>"Assign"</button>
                }
                .into_any(),
            }}
        </div>
        <ActionError value=actions.close.value() />
        <ActionError value=actions.pause.value() />
        <ActionError value=actions.ban.value() />
        <ActionError value=actions.assign.value() />
        <ActionError value=actions.assign_team.value() />
        <ActionError value=actions.auto_assign.value() />
    }
}

/// A new idempotency key for one message (kept until that message is stored, so a retry after
/// a dropped connection reuses it).
pub(super) fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        (0..4).map(|_| format!("{:08x}", (js_sys::Math::random() * u32::MAX as f64) as u32)).collect()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

#[component]
fn Composer(bot: BotId, conversation: ConversationId, actor: Actor) -> impl IntoView {
    let actions = expect_context::<ThreadActions>();
    let text = RwSignal::new(String::new());
    let note_mode = RwSignal::new(false);
    // The key of the message being sent; cleared once it is stored.
    let key = RwSignal::new(None::<String>);
    let reply_allowed = policy::can_act(Some(&actor), InboxAction::Reply);
    let note_allowed = policy::can_act(Some(&actor), InboxAction::InternalNote);
    let last_typing = StoredValue::new(0i64);
    let send = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() {
            return;
        }
        let k = key.get_untracked().unwrap_or_else(new_key);
        key.set(Some(k.clone()));
        let action = if note_mode.get_untracked() { actions.note } else { actions.reply };
        let (bot, conversation) = (bot.to_string(), conversation.to_string());
        action.dispatch(&[("bot_id", &bot), ("conversation_id", &conversation), ("body", &body), ("key", &k)]);
    };
    // Stored: clear the box and the key. Failed: keep both, so sending again is a retry.
    Effect::new(move |_| {
        let ok =
            matches!(actions.reply.value().get(), Some(Ok(_))) || matches!(actions.note.value().get(), Some(Ok(_)));
        if ok && key.get_untracked().is_some() {
            text.set(String::new());
            key.set(None);
        }
    });
    let denied = reply_allowed.clone().err().map(|d| d.to_string());
    let disabled = reply_allowed.is_err() && note_allowed.is_err();
    let media_allowed = policy::can_act(Some(&actor), InboxAction::SendMedia).map_err(|d| d.to_string());
    let can_send_files = media_allowed.is_ok();
    let upload = UploadStatus(RwSignal::new(None));
    let pending = move || actions.reply.pending().get() || actions.note.pending().get();
    view! {
        <form
            class="composer"
            class:note=move || note_mode.get()
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
            // Files dropped on the reply box are sent (seat holders only; the server checks).
            on:dragover=move |ev| {
                if can_send_files {
                    ev.prevent_default();
                }
            }
            on:drop=move |ev| {
                if !can_send_files {
                    return;
                }
                ev.prevent_default();
                #[cfg(feature = "hydrate")]
                if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
                    super::media::upload_files(bot, conversation, files, upload);
                }
            }
        >
            <div class="composer-modes" role="group" aria-label="Write">
                <button type="button" class="mode" class:active=move || !note_mode.get() on:click=move |_| note_mode.set(false)>"Reply"</button>
                <button type="button" class="mode" class:active=move || note_mode.get() on:click=move |_| note_mode.set(true)>"Internal note"</button>
            </div>
            <label class="sr-only" for="composer-text">"Message"</label>
            <textarea
                id="composer-text"
                rows="3"
                maxlength="4000"
                disabled=disabled
                placeholder=move || if note_mode.get() { "Only your team sees notes" } else { "Reply to the customer — Enter to send, Shift+Enter for a new line" }
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    let now = now_ms();
                    if !note_mode.get_untracked() && now - last_typing.get_value() > 3000 {
                        last_typing.set_value(now);
                        let (bot, conversation) = (bot.to_string(), conversation.to_string());
                        actions.typing.dispatch(&[("bot_id", &bot), ("conversation_id", &conversation)]);
                    }
                }
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
                // A pasted screenshot is sent as a file; pasted text stays text.
                on:paste=move |ev| {
                    #[cfg(feature = "hydrate")]
                    if let Some(files) = ev.clipboard_data().and_then(|d| d.files()).filter(|f| f.length() > 0) {
                        if can_send_files {
                            ev.prevent_default();
                            super::media::upload_files(bot, conversation, files, upload);
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }
            ></textarea>
            {denied.map(|reason| view! { <p class="reason" data-testid="reply-reason">{reason}</p> })}
            <AttachButton bot conversation allowed=media_allowed status=upload />
            <button type="submit" disabled=move || disabled || pending()>
                {move || if note_mode.get() { "Add note" } else { "Send" }}
            </button>
            <ActionError value=actions.reply.value() />
            <ActionError value=actions.note.value() />
        </form>
    }
}
