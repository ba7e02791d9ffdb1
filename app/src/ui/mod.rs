//! The UI: app shell, pages and components. Controls read the same `domain::policy` functions
//! the server enforces, to hide or disable what a member cannot do and say why.
mod addons;
mod assignment;
mod auth;
mod bot;
mod channels;
mod contacts;
pub(crate) mod form_action;
mod handoff;
mod home;
mod inbox;
mod invite;
mod media;
#[cfg(feature = "hydrate")]
mod notice;
mod profile;
mod tags;
mod team;
mod teams;
mod thread;
#[cfg(feature = "ssr")]
pub mod widget;
mod widgets;

use crate::api::assignment::SetAvailability;
use crate::api::auth::{LogOut, current_session};
use crate::domain::views::SessionView;
use form_action::FormAction;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, LazyRoute, lazy_route, path};
use widgets::{PageData, page_data};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%232f5bea'/%3E%3C/svg%3E" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The session and the shell's own actions that change it (the top bar's); the session
/// resource refetches whenever one of them, or a page's `session_action`, completes.
#[derive(Clone, Copy)]
pub struct SessionActions {
    pub log_out: FormAction,
    pub set_availability: FormAction,
    pub session: PageData<Option<SessionView>>,
}

pub fn use_session_actions() -> SessionActions {
    expect_context::<SessionActions>()
}

/// Where pages' session-changing actions live: the app's owner, and the count of their
/// completions, which the session resource follows.
#[derive(Clone)]
struct SessionScope {
    owner: Owner,
    completed: RwSignal<u64>,
    actions: StoredValue<Vec<FormAction>>,
}

/// A page's action that changes the session (sign up, log in, create a bot, accept an
/// invitation): created once, under the app's owner rather than the page's, because a
/// successful sign-up navigates away before the action completes and the session must still
/// refetch then.
pub fn session_action<S: leptos::server_fn::ServerFn>() -> FormAction {
    let scope = expect_context::<SessionScope>();
    if let Some(action) = scope.actions.with_value(|actions| actions.iter().find(|a| a.path() == S::PATH).copied()) {
        return action;
    }
    scope.owner.with(|| {
        let action = FormAction::of::<S>();
        let completed = scope.completed;
        Effect::new(move |seen: Option<usize>| {
            let version = action.version().get();
            if seen.is_some() {
                completed.update(|n| *n += 1);
            }
            version
        });
        scope.actions.update_value(|actions| actions.push(action));
        action
    })
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let log_out = FormAction::of::<LogOut>();
    let set_availability = FormAction::of::<SetAvailability>();
    let completed = RwSignal::new(0u64);
    let owner = Owner::current().expect("App renders under an owner");
    provide_context(SessionScope { owner, completed, actions: StoredValue::new(Vec::new()) });
    let session = page_data(
        move || (completed.get(), log_out.version().get(), set_availability.version().get()),
        |_| current_session(),
    );
    provide_context(SessionActions { log_out, set_availability, session });

    view! {
        <Stylesheet id="leptos" href="/pkg/switchboard.css" />
        <Title text="Switchboard" />
        <Router>
            <main>
                <Routes fallback=|| view! { <widgets::NotFound /> }>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} />
                    <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} />
                    <Route path=path!("/login") view={Lazy::<LogInRoute>::new()} />
                    <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} />
                    <ParentRoute path=path!("/bots/:bot_id") view=bot::BotLayout>
                        <Route path=path!("inbox") view={Lazy::<InboxRoute>::new()} />
                        <Route path=path!("inbox/tags") view={Lazy::<TagsRoute>::new()} />
                        <Route path=path!("inbox/contacts") view={Lazy::<ContactsRoute>::new()} />
                        <Route path=path!("inbox/contacts/:contact_id") view={Lazy::<ContactRoute>::new()} />
                        <Route path=path!("team") view={Lazy::<TeamRoute>::new()} />
                        <Route path=path!("team/teams") view={Lazy::<TeamsRoute>::new()} />
                        <Route path=path!("team/audit") view={Lazy::<AuditRoute>::new()} />
                        <Route path=path!("team/assignment") view={Lazy::<AssignmentRoute>::new()} />
                        <Route path=path!("channels") view={Lazy::<ChannelsRoute>::new()} />
                        <Route path=path!("addons") view={Lazy::<AddonsRoute>::new()} />
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}

/// A page whose code is a separate wasm chunk, fetched the first time the page is shown (and
/// before hydration when a visit starts on it): a first load carries the app shell and the
/// page in view, nothing else. Each page loads its own data, so `data` is empty.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(HomeRoute, home::HomePage);
lazy_page!(SignUpRoute, auth::SignUpPage);
lazy_page!(LogInRoute, auth::LogInPage);
lazy_page!(InviteRoute, invite::InvitePage);
lazy_page!(InboxRoute, inbox::InboxPage);
lazy_page!(TagsRoute, tags::TagsPage);
lazy_page!(ContactsRoute, contacts::ContactsPage);
lazy_page!(ContactRoute, contacts::ContactPage);
lazy_page!(TeamRoute, team::TeamPage);
lazy_page!(TeamsRoute, teams::TeamsPage);
lazy_page!(AuditRoute, team::AuditPage);
lazy_page!(AssignmentRoute, assignment::AssignmentPage);
lazy_page!(ChannelsRoute, channels::ChannelsPage);
lazy_page!(AddonsRoute, addons::AddonsPage);

/// Code the page in view needs before it can hydrate beyond its route's chunk, loaded before
/// hydration starts: a page opened on a conversation needs the conversation view's chunk (the
/// server rendered the conversation, and hydration must find its code in place), and one
/// opened on a search, the results' chunk.
// Not in unit-test builds: the chunk loader exists only in the split bundle.
#[cfg(all(feature = "hydrate", not(test)))]
pub async fn load_chunks_in_view() {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    let query = location.search().unwrap_or_default();
    if path.ends_with("/inbox") && inbox::opens_on_conversation(&query) {
        thread::__preload_thread_pane().await;
    }
    if path.ends_with("/inbox") && inbox::opens_on_search(&query) {
        inbox::__preload_search_results().await;
    }
}
