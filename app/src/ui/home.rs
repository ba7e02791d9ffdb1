use super::form_action::PostForm;
use super::widgets::{ActionError, ErrorNotice, Loading};
use super::{session_action, use_session_actions};
use crate::api::bots::{CreateBot, CreateDemoBot};
use crate::domain::views::SessionView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let actions = use_session_actions();
    view! {
        <Title text="Switchboard" />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match actions.session.await {
                    Ok(Some(session)) => view! { <YourBots session /> }.into_any(),
                    Ok(None) => view! { <Welcome /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="welcome">
            <h1>"Switchboard"</h1>
            <p>"The shared inbox where your team picks up the conversations your chatbot hands over."</p>
            <p class="cta">
                <A href="/signup" attr:class="button">"Sign up"</A>
                " "
                <A href="/login" attr:class="button secondary">"Log in"</A>
            </p>
        </section>
    }
}

#[component]
fn YourBots(session: SessionView) -> impl IntoView {
    let create_bot = session_action::<CreateBot>();
    let create_demo = session_action::<CreateDemoBot>();
    let has_bots = !session.bots.is_empty();
    view! {
        <header class="topbar">
            <span class="brand">"Switchboard"</span>
            <span class="spacer"></span>
            <super::bot::UserMenu name=session.name.clone() />
        </header>
        <section class="home">
            <h1>{format!("Welcome, {}", session.name)}</h1>
            <Show when=move || has_bots>
                <h2>"Your bots"</h2>
            </Show>
            <ul class="bot-list">
                {session
                    .bots
                    .into_iter()
                    .map(|bot| {
                        view! {
                            <li>
                                <A href=bot.role.landing_path(bot.bot_id)>{bot.bot_name}</A>
                                <span class="muted">{format!(" · {}", bot.role.label())}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <h2>{if has_bots { "Create another bot" } else { "Create your first bot" }}</h2>
            <p class="muted">"You become its Owner and get its first Inbox seat."</p>
            <PostForm action=create_bot attr:class="inline-form">
                <label>
                    "Bot name" <input type="text" name="name" required maxlength="60" placeholder="e.g. Acme Support" />
                </label>
                <ActionError value=create_bot.value() />
                <button type="submit" disabled=move || create_bot.pending().get()>
                    "Create bot"
                </button>
            </PostForm>
            <h2>"Try it with sample data"</h2>
            <p class="muted">
                "A demo bot with customers, conversations in every state, teams, and teammates with and without seats — log in as each to see what their role can do."
            </p>
            <PostForm action=create_demo attr:class="inline-form">
                <ActionError value=create_demo.value() />
                <button type="submit" class="secondary" disabled=move || create_demo.pending().get()>
                    {move || if create_demo.pending().get() { "Creating the demo…" } else { "Create a demo bot" }}
                </button>
            </PostForm>
            <DemoLogins />
        </section>
    }
}

/// The demo's teammates and their passwords, shown once right after it is made.
#[component]
fn DemoLogins() -> impl IntoView {
    let create_demo = session_action::<CreateDemoBot>();
    move || {
        create_demo.output::<crate::domain::inbox::DemoBot>().map(|demo| {
            let inbox = demo.bot_id;
            view! {
                <div class="demo-logins" role="status" data-testid="demo-logins">
                    <p>
                        "Your demo bot is ready: "
                        <A href=format!("/bots/{inbox}/inbox")>"open its Inbox"</A>
                        ". Log in as a teammate (in another browser or a private window) with these — they are shown only now:"
                    </p>
                    <table class="members">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Inbox seat"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Password"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {demo.logins.into_iter().map(|l| view! {
                                <tr>
                                    <td>{l.name}</td>
                                    <td>{l.role.label()}</td>
                                    <td>{if l.has_seat { "Seat" } else { "No seat" }}</td>
                                    <td><code>{l.email}</code></td>
                                    <td><code>{l.password}</code></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
        })
    }
}
