//! The Inbox: the conversation list (filters in the URL, so a reload or a link keeps them) and
//! the conversation view with the reply box and actions. Every control asks the shared policy;
//! a member who may only view sees the controls disabled with the policy's reason. Live
//! updates arrive on one server-sent event stream per page (`live`), which refetches what
//! changed.
use super::bot::{inbox_status, use_bot_id};
use super::media::{AttachButton, AttachmentPreview, UploadStatus};
use super::profile::ProfilePanel;
use super::tags::{ConversationTags, TagChip};
use super::team::format_time;
use super::widgets::{ActionError, Loaded, PageData, encode_query, page_data};
use crate::api::assignment::AutoAssign;
use crate::api::inbox::{
    InboxAssign, InboxAssignTeam, InboxBan, InboxClose, InboxNote, InboxPauseBot, InboxReply, InboxRetryDelivery,
    InboxTyping, inbox_list, inbox_search, inbox_thread,
};
use crate::domain::ids::{ConversationId, MessageId, TeamId};
use crate::domain::inbox::{
    ConversationStatus, ConversationSummary, Delivery, MessageKind, MessageView, Scope, StatusFilter, ThreadView,
};
use crate::domain::policy::{self, Actor, InboxAction};
use crate::domain::search::SearchResults;
use crate::domain::tags::{TagFilter, TagView};
use crate::domain::views::BotMembership;
use crate::domain::{AppError, BotId};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Live state shared by the list and the thread: a counter bumped by every event (resources
/// refetch on it) and who is typing where.
#[derive(Clone, Copy)]
pub struct Live {
    pub version: RwSignal<u64>,
    /// Bumped when a member's role, seat or membership changes: the page re-reads its rights.
    pub rights: RwSignal<u64>,
    pub typing: RwSignal<Option<(ConversationId, String)>>,
    pub connected: RwSignal<bool>,
    /// "Wendy Widget's conversation is yours now" — shown for a while when one is given to me.
    pub notice: RwSignal<Option<(ConversationId, String)>>,
}

/// The URL state of the Inbox: `?status=open&scope=mine&tags=3,7&c=12&after=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct InboxQuery {
    status: StatusFilter,
    scope: Scope,
    tags: TagFilter,
    /// The search box's text; empty: no search.
    q: String,
    conversation: Option<ConversationId>,
    /// A search result's message: shown and highlighted in the conversation.
    found: Option<MessageId>,
    after: Option<String>,
    before: Option<MessageId>,
}

impl InboxQuery {
    fn href(&self, bot: BotId, change: impl FnOnce(&mut InboxQuery)) -> String {
        let mut q = self.clone();
        change(&mut q);
        let scope = match q.scope {
            Scope::Everyone => "all".to_string(),
            Scope::Mine => "mine".to_string(),
            Scope::Unassigned => "unassigned".to_string(),
            Scope::Team(team) => format!("team-{team}"),
        };
        let mut href = format!("/bots/{bot}/inbox?status={}&scope={scope}", q.status.code());
        if !q.tags.is_empty() {
            href.push_str(&format!("&tags={}", q.tags.encode()));
        }
        if !q.q.is_empty() {
            href.push_str(&format!("&q={}", encode_query(&q.q)));
        }
        if let Some(c) = q.conversation {
            href.push_str(&format!("&c={c}"));
        }
        if let Some(found) = q.found {
            href.push_str(&format!("&m={found}"));
        }
        if let Some(after) = &q.after {
            href.push_str(&format!("&after={after}"));
        }
        if let Some(before) = q.before {
            href.push_str(&format!("&before={before}"));
        }
        href
    }
}

fn parse_scope(raw: Option<String>) -> Scope {
    match raw.as_deref() {
        Some("mine") => Scope::Mine,
        Some("unassigned") => Scope::Unassigned,
        Some(other) => other
            .strip_prefix("team-")
            .and_then(|id| id.parse().ok())
            .map(|id| Scope::Team(TeamId(id)))
            .unwrap_or(Scope::Everyone),
        None => Scope::Everyone,
    }
}

type ListResource = PageData<crate::domain::inbox::ConversationPage>;
type ThreadResource = PageData<Option<ThreadView>>;
type SearchResource = PageData<Option<SearchResults>>;

/// Every resource of the page is created here, at the top, never inside a suspended view: the
/// server renders suspended views more than once, and resources created there would be
/// numbered differently on the server and in the browser (hydration would then fail).
#[component]
pub fn InboxPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let live = Live {
        version: RwSignal::new(0),
        rights: RwSignal::new(0),
        typing: RwSignal::new(None),
        notice: RwSignal::new(None),
        connected: RwSignal::new(false),
    };
    provide_context(live);
    let query = use_query_map();
    let state = Memo::new(move |_| {
        let q = query.read();
        InboxQuery {
            status: q.get("status").and_then(|s| StatusFilter::parse(&s)).unwrap_or(StatusFilter::Open),
            scope: parse_scope(q.get("scope")),
            tags: q.get("tags").and_then(|t| TagFilter::parse(&t).ok()).unwrap_or_default(),
            q: q.get("q").unwrap_or_default(),
            conversation: q.get("c").and_then(|c| c.parse().ok()).map(ConversationId),
            found: q.get("m").and_then(|m| m.parse().ok()).map(MessageId),
            after: q.get("after"),
            before: q.get("before").and_then(|b| b.parse().ok()).map(MessageId),
        }
    });
    let section = page_data(
        move || (bot_id.get(), live.rights.get()),
        |(bot, _)| async move {
            match bot {
                Some(bot) => crate::api::bots::open_section(bot, crate::domain::Tab::Inbox).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let list: ListResource = page_data(
        move || {
            let q = state.get();
            (bot_id.get(), q.status, q.scope, q.tags, q.after, live.version.get())
        },
        |(bot, status, scope, tags, after, _)| async move {
            match bot {
                Some(bot) => inbox_list(bot, status, scope, Some(tags.encode()), after).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let search: SearchResource = page_data(
        move || {
            let q = state.get();
            (bot_id.get(), q.q, q.status, q.scope, q.tags, live.version.get())
        },
        |(bot, q, status, scope, tags, _)| async move {
            match bot {
                Some(_) if q.trim().is_empty() => Ok(None),
                Some(bot) => inbox_search(bot, q, status, scope, Some(tags.encode())).await.map(Some),
                None => Err(AppError::NotFound),
            }
        },
    );
    let thread: ThreadResource = page_data(
        move || {
            let q = state.get();
            // A search result opens the page of messages that ends with the match.
            let before = q.before.or(q.found.map(|m| MessageId(m.0 + 1)));
            (bot_id.get(), q.conversation, before, live.version.get())
        },
        |(bot, conversation, before, _)| async move {
            match (bot, conversation) {
                (Some(bot), Some(conversation)) => inbox_thread(bot, conversation, before).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    view! {
        <Title text="Inbox · Switchboard" />
        <Loaded resource=section ok=move |member: BotMembership| view! { <InboxView member state list search thread /> } />
    }
}

#[component]
fn InboxView(
    member: BotMembership,
    state: Memo<InboxQuery>,
    list: ListResource,
    search: SearchResource,
    thread: ThreadResource,
) -> impl IntoView {
    let bot = member.bot_id;
    let actor = member.actor();
    let live = expect_context::<Live>();
    connect_live(bot, live, list);
    // Only a change of conversation replaces the pane (and its unsent text).
    let selected = Memo::new(move |_| state.get().conversation);
    view! {
        <section class="page inbox">
            <div class="inbox-head">
                <h1>"Inbox"</h1>
                <A href=format!("/bots/{bot}/inbox/tags") attr:class="small-link">"Tags"</A>
                <A href=format!("/bots/{bot}/inbox/contacts") attr:class="small-link">"Contacts"</A>
                <p class="seat-status" data-testid="inbox-status">{inbox_status(&actor)}</p>
                {move || live.notice.get().map(|(conversation, text)| view! {
                    <p class="live-notice" role="status" data-testid="assigned-notice">
                        <A href=move || state.get().href(bot, |q| q.conversation = Some(conversation))>{text}</A>
                    </p>
                })}
                <span class="live-dot" class:on=move || live.connected.get() title="Live updates">
                    {move || if live.connected.get() { "Live" } else { "Connecting…" }}
                </span>
            </div>
            <div class="inbox-grid">
                <ConversationList bot state page=list search />
                {move || match selected.get() {
                    Some(conversation) => view! { <ThreadPane bot conversation actor state thread /> }.into_any(),
                    None => view! {
                        <section class="thread empty-state">
                            <p>"Choose a conversation."</p>
                        </section>
                    }
                    .into_any(),
                }}
            </div>
        </section>
    }
}

/// Opens the member's live stream (in the browser only). EventSource reconnects by itself and
/// resumes with `Last-Event-ID`; every event bumps `live.version`.
fn connect_live(bot: BotId, live: Live, list: ListResource) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        Effect::new(move |_| {
            // Start after what the page already shows (later reconnects send Last-Event-ID).
            let after = match list.get_untracked() {
                Some(Ok(page)) => format!("?after={}", page.as_of_seq),
                _ => String::new(),
            };
            let Ok(source) = web_sys::EventSource::new(&format!("/live/{bot}{after}")) else { return };
            let bump = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
                live.version.update(|v| *v += 1);
            });
            for kind in ["message_added", "conversation_changed", "delivery_changed", "tags_changed", "assigned"] {
                let _ = source.add_event_listener_with_callback(kind, bump.as_ref().unchecked_ref());
            }
            bump.forget();
            // Someone's rights changed (maybe ours): re-read them, so the controls match what the
            // server will allow.
            let rights = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
                live.rights.update(|v| *v += 1);
                live.version.update(|v| *v += 1);
            });
            let _ = source.add_event_listener_with_callback("member_changed", rights.as_ref().unchecked_ref());
            rights.forget();
            let typing = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let data = e.data().as_string().unwrap_or_default();
                if let Ok(crate::domain::events::LiveEvent::Typing { conversation, name, customer }) =
                    serde_json::from_str(&data)
                {
                    let who = if customer { "The customer".to_string() } else { name };
                    live.typing.set(Some((conversation, who)));
                    set_timeout(move || live.typing.set(None), std::time::Duration::from_secs(5));
                }
            });
            let _ = source.add_event_listener_with_callback("typing", typing.as_ref().unchecked_ref());
            typing.forget();
            let yours = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                live.version.update(|v| *v += 1);
                let data = e.data().as_string().unwrap_or_default();
                if let Ok(crate::domain::events::LiveEvent::Assigned { conversation, contact, .. }) =
                    serde_json::from_str(&data)
                {
                    live.notice.set(Some((conversation, format!("{contact}'s conversation is yours now."))));
                    set_timeout(move || live.notice.set(None), std::time::Duration::from_secs(10));
                }
            });
            let _ = source.add_event_listener_with_callback("assigned_to_you", yours.as_ref().unchecked_ref());
            yours.forget();
            let ready = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| live.connected.set(true));
            let _ = source.add_event_listener_with_callback("ready", ready.as_ref().unchecked_ref());
            ready.forget();
            let lost = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| live.connected.set(false));
            source.set_onerror(Some(lost.as_ref().unchecked_ref()));
            lost.forget();
            // Rights changed (seat, role, membership): the page reloads with the new ones.
            let denied = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
                let _ = window().location().reload();
            });
            let _ = source.add_event_listener_with_callback("denied", denied.as_ref().unchecked_ref());
            denied.forget();
            let source = send_wrapper::SendWrapper::new(source);
            on_cleanup(move || source.close());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (bot, live, list);
}

/// While a conversation is open, check in every 10 s (this also keeps the member "online" for
/// the widget) and learn who else has it open.
fn watch_presence(bot: BotId, conversation: ConversationId, viewers: RwSignal<Vec<String>>) {
    #[cfg(feature = "hydrate")]
    {
        let check = move || {
            leptos::task::spawn_local(async move {
                if let Ok(names) = crate::api::inbox::inbox_presence(bot, Some(conversation)).await {
                    viewers.set(names);
                }
            });
        };
        Effect::new(move |_| {
            check();
            if let Ok(handle) = set_interval_with_handle(check, std::time::Duration::from_secs(10)) {
                on_cleanup(move || handle.clear());
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (bot, conversation, viewers);
}

#[component]
fn ConversationList(bot: BotId, state: Memo<InboxQuery>, page: ListResource, search: SearchResource) -> impl IntoView {
    let tab = move |filter: StatusFilter| {
        view! {
            <A
                href=move || state.get().href(bot, |q| {
                    q.status = filter;
                    q.after = None;
                })
                attr:class=move || if state.get().status == filter { "filter active" } else { "filter" }
            >
                {filter.label()}
            </A>
        }
    };
    let scope_link = move |scope: Scope, label: String| {
        view! {
            <A
                href=move || state.get().href(bot, |q| {
                    q.scope = scope;
                    q.after = None;
                })
                attr:class=move || if state.get().scope == scope { "filter active" } else { "filter" }
            >
                {label}
            </A>
        }
    };
    view! {
        <aside class="conv-list" aria-label="Conversations">
            <SearchBox bot state />
            <nav class="filters" aria-label="Status">
                {StatusFilter::ALL.iter().map(|f| tab(*f)).collect_view()}
            </nav>
            <nav class="filters scopes" aria-label="Assignment">
                {scope_link(Scope::Everyone, "Everyone".into())}
                {scope_link(Scope::Mine, "Mine".into())}
                {scope_link(Scope::Unassigned, "Unassigned".into())}
            </nav>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match search.await {
                        Ok(Some(found)) => return view! { <SearchResultsList bot state found /> }.into_any(),
                        Ok(None) => {}
                        Err(error) => {
                            return view! { <p class="form-error" role="alert" data-testid="search-error">{error.to_string()}</p> }
                                .into_any()
                        }
                    }
                    match page.await {
                        Ok(page) => {
                            let next = page.next.clone();
                            let empty = page.rows.is_empty();
                            let teams = page.teams.clone();
                            let tags = page.tags.clone();
                            view! {
                                {(!teams.is_empty()).then(|| view! {
                                    <nav class="filters teams" aria-label="Teams">
                                        {teams.into_iter().map(|t| scope_link(Scope::Team(t.team_id), t.name)).collect_view()}
                                    </nav>
                                })}
                                {(!tags.is_empty()).then(|| view! { <TagFilterBar bot state tags /> })}
                                {empty.then(|| view! { <p class="muted empty">"No conversations here."</p> })}
                                <ul class="rows">
                                    {page
                                        .rows
                                        .into_iter()
                                        .map(|row| view! { <ConversationRow bot row state /> })
                                        .collect_view()}
                                </ul>
                                {next.map(|next| view! {
                                    <A href=move || state.get().href(bot, |q| q.after = Some(next.clone()))>"Older →"</A>
                                })}
                            }
                            .into_any()
                        }
                        Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

/// The search box: results follow the text as it is typed (a short pause first), and the text
/// lives in the address like the filters.
#[component]
fn SearchBox(bot: BotId, state: Memo<InboxQuery>) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let pending = StoredValue::new(0u32);
    let go = move |text: String| {
        let href = state.get_untracked().href(bot, |q| {
            q.q = text;
            q.after = None;
        });
        navigate(&href, leptos_router::NavigateOptions { replace: true, ..Default::default() });
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let ticket = pending.get_value().wrapping_add(1);
        pending.set_value(ticket);
        let go = go.clone();
        set_timeout(
            move || {
                if pending.get_value() == ticket {
                    go(text);
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    view! {
        <form class="search" role="search" on:submit=|ev| ev.prevent_default()>
            <input
                type="search"
                name="q"
                aria-label="Search conversations"
                placeholder="Search messages, names, emails, phones"
                prop:value=move || state.get().q
                on:input=on_input
                autocomplete="off"
            />
        </form>
    }
}

/// Search results: each conversation once, with the match highlighted. The snippet arrives as
/// plain and matched pieces; each is rendered as text, never as markup.
#[component]
fn SearchResultsList(bot: BotId, state: Memo<InboxQuery>, found: SearchResults) -> impl IntoView {
    let empty = found.hits.is_empty();
    view! {
        <p class="muted search-count" data-testid="search-count">
            {match found.hits.len() {
                0 => "No matches.".to_string(),
                1 => "1 conversation".to_string(),
                n => format!("{n} conversations"),
            }}
        </p>
        {(!empty).then(|| view! {
            <ul class="rows results">
                {found.hits.into_iter().map(|hit| {
                    let id = hit.summary.id;
                    let message = hit.message_id;
                    let selected = move || state.get().conversation == Some(id);
                    view! {
                        <li class="row" class:selected=selected data-conversation=id.to_string()>
                            <A href=move || state.get().href(bot, |q| {
                                q.conversation = Some(id);
                                q.found = message;
                                q.before = None;
                            })>
                                <span class="row-top"><strong class="contact">{hit.summary.contact_name.clone()}</strong></span>
                                <span class="preview snippet">
                                    {hit.snippet.into_iter().map(|part| if part.hit {
                                        view! { <mark>{part.text}</mark> }.into_any()
                                    } else {
                                        part.text.into_any()
                                    }).collect_view()}
                                </span>
                                {(!hit.summary.tags.is_empty()).then(|| view! {
                                    <span class="row-tags">{hit.summary.tags.clone().into_iter().map(|tag| view! { <TagChip tag /> }).collect_view()}</span>
                                })}
                            </A>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
    }
}

/// Filter by tags: each chip adds its tag to the filter or takes it out (conversations must
/// carry every chosen tag).
#[component]
fn TagFilterBar(bot: BotId, state: Memo<InboxQuery>, tags: Vec<TagView>) -> impl IntoView {
    view! {
        <nav class="filters tag-filters" aria-label="Tags">
            {tags.into_iter().map(|tag| {
                let id = tag.id;
                let on = move || state.get().tags.contains(id);
                view! {
                    <A
                        href=move || state.get().href(bot, |q| {
                            q.tags = q.tags.toggled(id);
                            q.after = None;
                        })
                        attr:class=move || if on() { "tag-filter active" } else { "tag-filter" }
                        attr:aria-pressed=move || on().to_string()
                    >
                        <TagChip tag />
                    </A>
                }
            }).collect_view()}
        </nav>
    }
}

/// "3 min", "2 h", "1 d": how long the customer has waited.
fn waited(since_ms: i64, now_ms: i64) -> String {
    let minutes = ((now_ms - since_ms) / 60_000).max(0);
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} d", m / (24 * 60)),
    }
}

fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

#[component]
fn ConversationRow(bot: BotId, row: ConversationSummary, state: Memo<InboxQuery>) -> impl IntoView {
    let id = row.id;
    let selected = move || state.get().conversation == Some(id);
    let who = match (&row.assignee, &row.team) {
        (Some((_, name)), _) => name.clone(),
        (None, Some((_, team))) => format!("Team {team}"),
        (None, None) => "Unassigned".to_string(),
    };
    let waiting = row.waiting_since_ms.map(|since| waited(since, now_ms()));
    view! {
        <li class="row" class:selected=selected data-conversation=id.to_string()>
            <A href=move || state.get().href(bot, |q| {
                q.conversation = Some(id);
                q.before = None;
            })>
                <span class="row-top">
                    <strong class="contact">{row.contact_name.clone()}</strong>
                    {(row.unread > 0).then(|| view! { <span class="badge unread" title="Unread">{row.unread}</span> })}
                </span>
                <span class="preview">{row.preview.clone()}</span>
                <span class="row-meta">
                    <span class="channel">{row.channel_name.clone()}</span>
                    " · "
                    <span class="assignee">{who}</span>
                    {row.asked_for_agent.then(|| view! { <span class="badge ask">"asked for an agent"</span> })}
                    {(row.status == ConversationStatus::Bot).then(|| view! { <span class="badge bot">"with the bot"</span> })}
                    {waiting.map(|w| view! { <span class="waiting" title="Waiting for a reply">{format!("waiting {w}")}</span> })}
                </span>
                {(!row.tags.is_empty()).then(|| view! {
                    <span class="row-tags">{row.tags.clone().into_iter().map(|tag| view! { <TagChip tag /> }).collect_view()}</span>
                })}
            </A>
        </li>
    }
}

#[derive(Clone, Copy)]
struct ThreadActions {
    reply: ServerAction<InboxReply>,
    note: ServerAction<InboxNote>,
    close: ServerAction<InboxClose>,
    ban: ServerAction<InboxBan>,
    pause: ServerAction<InboxPauseBot>,
    assign: ServerAction<InboxAssign>,
    assign_team: ServerAction<InboxAssignTeam>,
    auto_assign: ServerAction<AutoAssign>,
    retry: ServerAction<InboxRetryDelivery>,
    typing: ServerAction<InboxTyping>,
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
        reply: ServerAction::new(),
        note: ServerAction::new(),
        close: ServerAction::new(),
        ban: ServerAction::new(),
        pause: ServerAction::new(),
        assign: ServerAction::new(),
        assign_team: ServerAction::new(),
        auto_assign: ServerAction::new(),
        retry: ServerAction::new(),
        typing: ServerAction::new(),
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
                <ActionForm action=actions.retry attr:class="inline">
                    <input type="hidden" name="bot_id" value=bot.to_string() />
                    <input type="hidden" name="message_id" value=id.to_string() />
                    <button type="submit" class="small secondary">"Retry"</button>
                </ActionForm>
            })}
        </li>
    }
}

/// One toggle action as a form: enabled only if the policy allows it, else disabled with the
/// reason. (A macro: `ActionForm`'s bounds are per server function.)
macro_rules! toggle_form {
    ($action:expr, $allowed:expr, $bot:expr, $conversation:expr, $field:literal, $value:expr, $label:expr) => {
        match $allowed {
            Ok(()) => view! {
                <ActionForm action=$action attr:class="inline">
                    <input type="hidden" name="bot_id" value=$bot.to_string() />
                    <input type="hidden" name="conversation_id" value=$conversation.to_string() />
                    <input type="hidden" name=$field value=($value).to_string() />
                    <button type="submit" class="small secondary">{$label}</button>
                </ActionForm>
            }
            .into_any(),
            Err(reason) => view! {
                <button type="button" class="small secondary" disabled=true title=reason>{$label}</button>
            }
            .into_any(),
        }
    };
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
            {toggle_form!(actions.close, allowed(InboxAction::Resolve), bot, conversation, "closed", !closed,
                if closed { "Reopen" } else { "Close" })}
            {toggle_form!(actions.pause, allowed(InboxAction::PauseBot), bot, conversation, "paused", !s.bot_paused,
                if s.bot_paused { "Hand back to the bot" } else { "Pause bot" })}
            {toggle_form!(actions.ban, allowed(InboxAction::Ban), bot, conversation, "banned", !s.banned,
                if s.banned { "Unban contact" } else { "Ban contact" })}
            {match assign_allowed.clone() {
                Ok(()) => view! {
                    <ActionForm action=actions.assign attr:class="inline assign">
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
                    </ActionForm>
                    <ActionForm action=actions.assign_team attr:class="inline assign">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="conversation_id" value=conversation.to_string() />
                        <select name="team_id" aria-label="Assign to team">
                            <option value="" selected=team.is_none()>"No team"</option>
                            {view.teams.iter().map(|t| view! {
                                <option value=t.team_id.to_string() selected=team == Some(t.team_id)>{t.name.clone()}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="small">"Assign team"</button>
                    </ActionForm>
                    {assignee.is_none().then(|| view! {
                        <ActionForm action=actions.auto_assign attr:class="inline">
                            <input type="hidden" name="bot_id" value=bot.to_string() />
                            <input type="hidden" name="conversation_id" value=conversation.to_string() />
                            <button type="submit" class="small secondary">"Auto assign"</button>
                        </ActionForm>
                    })}
                }
                .into_any(),
                Err(reason) => view! {
                    <span class="muted assignee-now">
                        {s.assignee.as_ref().map(|(_, n)| format!("Assigned to {n}")).unwrap_or_else(|| "Unassigned".into())}
                    </span>
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
        if note_mode.get_untracked() {
            actions.note.dispatch(InboxNote { bot_id: bot, conversation_id: conversation, body, key: k });
        } else {
            actions.reply.dispatch(InboxReply { bot_id: bot, conversation_id: conversation, body, key: k });
        }
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
                        actions.typing.dispatch(InboxTyping { bot_id: bot, conversation_id: conversation });
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

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn waiting_reads_in_minutes_hours_days() {
        assert_eq!(waited(0, 5 * 60_000), "5 min");
        assert_eq!(waited(0, 3 * 3_600_000), "3 h");
        assert_eq!(waited(0, 72 * 3_600_000), "3 d");
        assert_eq!(waited(10, 0), "0 min");
    }

    #[test]
    fn inbox_links_keep_the_filters() {
        let q = InboxQuery {
            status: StatusFilter::Closed,
            scope: Scope::Team(TeamId(4)),
            tags: TagFilter::default(),
            q: String::new(),
            conversation: None,
            found: None,
            after: None,
            before: None,
        };
        assert_eq!(
            q.href(BotId(1), |q| q.conversation = Some(ConversationId(9))),
            "/bots/1/inbox?status=closed&scope=team-4&c=9"
        );
        assert_eq!(
            q.href(BotId(1), |q| q.tags = q.tags.toggled(crate::domain::ids::TagId(3))),
            "/bots/1/inbox?status=closed&scope=team-4&tags=3"
        );
        assert_eq!(
            q.href(BotId(1), |q| {
                q.q = "late \"my order\"".into();
                q.conversation = Some(ConversationId(2));
                q.found = Some(MessageId(40));
            }),
            "/bots/1/inbox?status=closed&scope=team-4&q=late%20%22my%20order%22&c=2&m=40"
        );
        assert_eq!(parse_scope(Some("team-4".into())), Scope::Team(TeamId(4)));
        assert_eq!(parse_scope(Some("bogus".into())), Scope::Everyone);
    }
}
