//! The UI: app shell, pages and components. Controls read the same `domain::policy` functions
//! the server enforces, to hide or disable what a member cannot do and say why.
mod addons;
mod auth;
mod bot;
mod channels;
mod home;
mod inbox;
mod invite;
mod team;
mod teams;
#[cfg(feature = "ssr")]
pub mod widget;
mod widgets;

use crate::api::auth::{LogIn, LogOut, SignUp, current_session};
use crate::api::bots::{CreateBot, CreateDemoBot};
use crate::api::team::AcceptInvitation;
use crate::domain::AppError;
use crate::domain::views::SessionView;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

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
    pub session: Resource<Result<Option<SessionView>, AppError>>,
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
    let session = Resource::new(
        move || {
            (
                sign_up.version().get(),
                log_in.version().get(),
                log_out.version().get(),
                create_bot.version().get(),
                create_demo.version().get(),
                accept_invitation.version().get(),
            )
        },
        |_| current_session(),
    );
    provide_context(SessionActions { sign_up, log_in, log_out, create_bot, create_demo, accept_invitation, session });

    view! {
        <Stylesheet id="leptos" href="/pkg/switchboard.css" />
        <Title text="Switchboard" />
        <Router>
            <main>
                <Routes fallback=|| view! { <widgets::NotFound /> }>
                    <Route path=path!("/") view=home::HomePage />
                    <Route path=path!("/signup") view=auth::SignUpPage />
                    <Route path=path!("/login") view=auth::LogInPage />
                    <Route path=path!("/invite/:token") view=invite::InvitePage />
                    <ParentRoute path=path!("/bots/:bot_id") view=bot::BotLayout>
                        <Route path=path!("inbox") view=inbox::InboxPage />
                        <Route path=path!("team") view=team::TeamPage />
                        <Route path=path!("team/teams") view=teams::TeamsPage />
                        <Route path=path!("team/audit") view=team::AuditPage />
                        <Route path=path!("channels") view=channels::ChannelsPage />
                        <Route path=path!("addons") view=addons::AddonsPage />
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}
