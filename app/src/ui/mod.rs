//! The UI: app shell, pages and components. Controls read the same `domain::policy` functions
//! the server enforces, to hide or disable what a member cannot do and say why.
mod addons;
mod assignment;
mod auth;
mod bot;
mod channels;
mod contacts;
mod handoff;
mod home;
mod inbox;
mod invite;
mod media;
mod profile;
mod tags;
mod team;
mod teams;
mod thread;
#[cfg(feature = "ssr")]
pub mod widget;
mod widgets;

use crate::api::assignment::SetAvailability;
use crate::api::auth::{LogIn, LogOut, SignUp, current_session};
use crate::api::bots::{CreateBot, CreateDemoBot};
use crate::api::team::AcceptInvitation;
use crate::domain::views::SessionView;
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

/// Actions that change who is signed in or what they belong to; the session resource
/// refetches whenever one of them completes.
#[derive(Clone, Copy)]
pub struct SessionActions {
    pub sign_up: ServerAction<SignUp>,
    pub log_in: ServerAction<LogIn>,
    pub log_out: ServerAction<LogOut>,
    pub create_bot: ServerAction<CreateBot>,
    pub create_demo: ServerAction<CreateDemoBot>,
    pub accept_invitation: ServerAction<AcceptInvitation>,
    pub set_availability: ServerAction<SetAvailability>,
    pub session: PageData<Option<SessionView>>,
}

pub fn use_session_actions() -> SessionActions {
    expect_context::<SessionActions>()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let sign_up = ServerAction::<SignUp>::new();
    let log_in = ServerAction::<LogIn>::new();
    let log_out = ServerAction::<LogOut>::new();
    let create_bot = ServerAction::<CreateBot>::new();
    let create_demo = ServerAction::<CreateDemoBot>::new();
    let accept_invitation = ServerAction::<AcceptInvitation>::new();
    let set_availability = ServerAction::<SetAvailability>::new();
    let session = page_data(
        move || {
            (
                sign_up.version().get(),
                log_in.version().get(),
                log_out.version().get(),
                create_bot.version().get(),
                create_demo.version().get(),
                accept_invitation.version().get(),
                set_availability.version().get(),
            )
        },
        |_| current_session(),
    );
    provide_context(SessionActions {
        sign_up,
        log_in,
        log_out,
        create_bot,
        create_demo,
        accept_invitation,
        set_availability,
        session,
    });

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
/// server rendered the conversation, and hydration must find its code in place).
// Not in unit-test builds: the chunk loader exists only in the split bundle.
#[cfg(all(feature = "hydrate", not(test)))]
pub async fn load_chunks_in_view() {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    if path.ends_with("/inbox") && inbox::opens_on_conversation(&location.search().unwrap_or_default()) {
        thread::__preload_thread_pane().await;
    }
}
