//! The Inbox: the conversation list (filters in the URL, so a reload or a link keeps them) and
//! the conversation view with the reply box and actions. Every control asks the shared policy;
//! a member who may only view sees the controls disabled with the policy's reason. Live
//! updates arrive on one server-sent event stream per page (`live`), which refetches what
//! changed.
use super::bot::{inbox_status, use_bot_id};
use super::tags::TagChip;
use super::thread::{ThreadPaneArgs, thread_pane};
use super::widgets::{Loaded, PageData, encode_query, page_data};
use crate::api::assignment::AutoAssign;
use crate::api::inbox::{inbox_list, inbox_search, inbox_thread};
use crate::domain::deferred::Deferred;
use crate::domain::ids::{ConversationId, MessageId, TeamId};
use crate::domain::inbox::{ConversationStatus, ConversationSummary, Scope, StatusFilter, ThreadView};
use crate::domain::policy::{self, Actor, InboxAction};
use crate::domain::search::SearchResults;
use crate::domain::tags::{TagFilter, TagView};
use crate::domain::views::BotMembership;
use crate::domain::{AppError, BotId};
#[cfg(not(test))]
use leptos::lazy;
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
    /// Who else has a conversation open, as last told by the stream.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub viewers: RwSignal<Option<(ConversationId, Vec<String>)>>,
}

/// The URL state of the Inbox: `?status=open&scope=mine&tags=3,7&c=12&after=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InboxQuery {
    status: StatusFilter,
    scope: Scope,
    tags: TagFilter,
    /// The search box's text; empty: no search.
    q: String,
    pub(super) conversation: Option<ConversationId>,
    /// A search result's message: shown and highlighted in the conversation.
    pub(super) found: Option<MessageId>,
    after: Option<String>,
    pub(super) before: Option<MessageId>,
}

impl InboxQuery {
    pub(super) fn href(&self, bot: BotId, change: impl FnOnce(&mut InboxQuery)) -> String {
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

#[cfg(any(feature = "hydrate", test))]
/// Whether an Inbox URL's query (`?status=open&c=12`) opens a conversation.
pub(super) fn opens_on_conversation(query: &str) -> bool {
    query
        .trim_start_matches('?')
        .split('&')
        .any(|pair| pair.strip_prefix("c=").is_some_and(|id| id.parse::<i64>().is_ok()))
}

#[cfg(any(feature = "hydrate", test))]
/// Whether an Inbox URL's query (`?q=late%20order`) opens on a search.
pub(super) fn opens_on_search(query: &str) -> bool {
    query.trim_start_matches('?').split('&').any(|pair| pair.strip_prefix("q=").is_some_and(|q| !q.is_empty()))
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
/// The open conversation: fetched with the page, decoded by the conversation view's chunk.
pub(super) type ThreadResource = PageData<Option<ThreadView>>;
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
        viewers: RwSignal::new(None),
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
                Some(_) if q.trim().is_empty() => Ok(Deferred::none()),
                Some(bot) => inbox_search(bot, q, status, scope, Some(tags.encode())).await.map(Deferred::some),
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
                (Some(bot), Some(conversation)) => inbox_thread(bot, conversation, before).await.map(Deferred::some),
                _ => Ok(Deferred::none()),
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
                <QueueAutoAssign bot actor />
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
                    // The conversation view's code loads with the first conversation opened.
                    Some(conversation) => Suspend::new(async move {
                        thread_pane(ThreadPaneArgs { bot, conversation, actor, state, thread }).await
                    })
                    .into_any(),
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

/// "Auto assign the queue": what waits for a person goes, oldest first, to whoever online has
/// room, by the bot's (and each team's) rules. A plain form: the server function answers it
/// by sending the page back to where it was (the list then shows who has what), so the
/// Inbox's first load carries no code for it.
#[component]
fn QueueAutoAssign(bot: BotId, actor: Actor) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    match policy::can_act(Some(&actor), InboxAction::Assign) {
        Ok(()) => view! {
            <form method="post" action=AutoAssign::PATH class="inline">
                <input type="hidden" name="bot_id" value=bot.to_string() />
                <button type="submit" class="small secondary">"Auto assign the queue"</button>
            </form>
        }
        .into_any(),
        Err(denied) => view! {
            <button type="button" class="small secondary" disabled=true title=denied.to_string()>"Auto assign the queue"</button>
        }
        .into_any(),
    }
}

/// Opens the member's live stream (in the browser only). EventSource reconnects by itself and
/// resumes with `Last-Event-ID`; every event bumps `live.version`.
fn connect_live(bot: BotId, live: Live, list: ListResource) {
    #[cfg(feature = "hydrate")]
    {
        use super::notice::Notice;
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
                let Some(notice) = Notice::of(&e) else { return };
                let Some(conversation) = notice.conversation() else { return };
                let who = if notice.flag("customer") { "The customer".to_string() } else { notice.text("name") };
                live.typing.set(Some((conversation, who)));
                set_timeout(move || live.typing.set(None), std::time::Duration::from_secs(5));
            });
            let _ = source.add_event_listener_with_callback("typing", typing.as_ref().unchecked_ref());
            typing.forget();
            let yours = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                live.version.update(|v| *v += 1);
                let Some(notice) = Notice::of(&e) else { return };
                let Some(conversation) = notice.conversation() else { return };
                let text = format!("{}'s conversation is yours now.", notice.text("contact"));
                live.notice.set(Some((conversation, text)));
                set_timeout(move || live.notice.set(None), std::time::Duration::from_secs(10));
            });
            let _ = source.add_event_listener_with_callback("assigned_to_you", yours.as_ref().unchecked_ref());
            yours.forget();
            let viewers = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(notice) = Notice::of(&e) else { return };
                if let Some(conversation) = notice.conversation() {
                    live.viewers.set(Some((conversation, notice.names("viewers"))));
                }
            });
            let _ = source.add_event_listener_with_callback("viewers_changed", viewers.as_ref().unchecked_ref());
            viewers.forget();
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
                    // Results have a chunk of their own: most visits never search.
                    if !state.get().q.trim().is_empty() {
                        return search_results(SearchResultsArgs { bot, state, search }).await;
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

/// What the list passes to the search results (all cheap handles).
pub struct SearchResultsArgs {
    bot: BotId,
    state: Memo<InboxQuery>,
    search: SearchResource,
}

/// The search results, behind their own chunk. Its generated `__preload_search_results`
/// fetches the chunk: `ui::load_chunks_in_view` does so before a page that opens on a search
/// hydrates.
#[cfg(not(test))]
#[lazy]
pub fn search_results(args: SearchResultsArgs) -> AnyView {
    build_search_results(args)
}

/// Unit-test builds have no chunk loader to import (wasm-bindgen-test runs one module).
#[cfg(test)]
pub async fn search_results(args: SearchResultsArgs) -> AnyView {
    build_search_results(args)
}

fn build_search_results(args: SearchResultsArgs) -> AnyView {
    let SearchResultsArgs { bot, state, search } = args;
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match search.await {
                    Ok(Some(found)) => view! { <SearchResultsList bot state found /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <p class="form-error" role="alert" data-testid="search-error">{error.to_string()}</p> }
                        .into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
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

pub(super) fn now_ms() -> i64 {
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
    let unread = row.unread;
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
                    // The open conversation is being read: no badge (opening it marks it read,
                    // and the list loads beside it, so its count may or may not include that).
                    {move || (unread > 0 && !selected()).then(|| view! { <span class="badge unread" title="Unread">{unread}</span> })}
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
        assert!(opens_on_conversation("?status=all&scope=all&c=12"));
        assert!(opens_on_conversation("c=3&m=40"));
        assert!(!opens_on_conversation("?status=all&q=c%3D1"));
        assert!(!opens_on_conversation("?cc=1&c=x"));
        assert!(!opens_on_conversation(""));
        assert!(opens_on_search("?status=all&q=late%20order"));
        assert!(!opens_on_search("?status=all&q=&c=2"));
        assert!(!opens_on_search("?qq=1"));
        assert_eq!(parse_scope(Some("bogus".into())), Scope::Everyone);
    }
}
