use super::form_action::PostForm;
use super::use_session_actions;
use super::widgets::{ErrorNotice, Loading, SimpleTopBar};
use crate::domain::policy::{self, Actor, Denied, InboxAction};
use crate::domain::role::{Permission, roles_phrase};
use crate::domain::views::{BotMembership, SessionView};
use crate::domain::{AppError, BotId, Role, Tab};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::use_params_map;

pub fn use_bot_id() -> Memo<Option<BotId>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("bot_id").and_then(|raw| raw.parse().ok()))
}

#[component]
pub fn UserMenu(name: String) -> impl IntoView {
    let actions = use_session_actions();
    view! {
        <span class="user">{name}</span>
        <PostForm action=actions.log_out attr:class="logout">
            <button type="submit" class="link-button">"Log out"</button>
        </PostForm>
    }
}

/// The app shell for one bot: bot switcher, the tabs the member's role opens, and the page.
#[component]
pub fn BotLayout() -> impl IntoView {
    let actions = use_session_actions();
    let bot_id = use_bot_id();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match actions.session.await {
                    Ok(Some(session)) => {
                        let current = bot_id.get().and_then(|id| session.bots.iter().find(|b| b.bot_id == id).cloned());
                        match current {
                            Some(current) => view! { <BotShell session current /> }.into_any(),
                            None => view! { <SimpleTopBar /> <ErrorNotice error=AppError::NotFound /> }.into_any(),
                        }
                    }
                    Ok(None) => view! { <SimpleTopBar /> <ErrorNotice error=AppError::Unauthenticated /> }.into_any(),
                    Err(error) => view! { <SimpleTopBar /> <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BotShell(session: SessionView, current: BotMembership) -> impl IntoView {
    let actor = current.actor();
    let bot = current.bot_id;
    let others: Vec<BotMembership> = session.bots.iter().filter(|b| b.bot_id != bot).cloned().collect();
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">"Switchboard"</A>
            <details class="bot-switcher">
                <summary aria-label=format!("{} (switch bot)", current.bot_name)>{current.bot_name.clone()}</summary>
                <ul>
                    {others
                        .into_iter()
                        .map(|b| view! { <li><A href=b.role.landing_path(b.bot_id)>{b.bot_name}</A></li> })
                        .collect_view()}
                    <li><A href="/">"All bots / create a bot"</A></li>
                </ul>
            </details>
            <nav class="tabs" aria-label="Sections">
                {Tab::ALL.into_iter().map(|tab| view! { <TabLink actor bot tab /> }).collect_view()}
            </nav>
            <span class="spacer"></span>
            {current.has_seat.then(|| view! { <AvailabilityToggle bot online=current.online /> })}
            <UserMenu name=session.name.clone() />
        </header>
        <Outlet />
    }
}

/// A seat holder's status for automatic assignment: online (green) or offline (red). Offline
/// members keep their conversations; automatic assignment passes them by.
#[component]
fn AvailabilityToggle(bot: BotId, online: bool) -> impl IntoView {
    let action = use_session_actions().set_availability;
    let (now, next, label) = if online {
        ("Online", "offline", "You are online for automatic assignment — go offline")
    } else {
        ("Offline", "online", "You are offline: automatic assignment passes you by — go online")
    };
    view! {
        <PostForm action attr:class="inline availability">
            <input type="hidden" name="bot_id" value=bot.to_string() />
            <input type="hidden" name="availability" value=next />
            <button type="submit" class="availability-toggle" title=label aria-label=label data-testid="availability">
                <span class=if online { "dot online" } else { "dot offline" } aria-hidden="true"></span>
                {now}
            </button>
        </PostForm>
    }
}

/// A built tab the member may open is a link; one they may not is shown disabled with the
/// policy's reason; one not built yet says so.
#[component]
fn TabLink(actor: Actor, bot: BotId, tab: Tab) -> impl IntoView {
    let label = tab.nav_label();
    match (tab.href(bot), policy::can_open_tab(Some(&actor), tab)) {
        (None, _) => view! {
            <span class="tab disabled" aria-disabled="true" title="Coming soon">
                {label} <small>" (soon)"</small>
            </span>
        }
        .into_any(),
        (Some(href), Ok(())) => view! { <A href=href>{label}</A> }.into_any(),
        (Some(_), Err(denied)) => view! {
            <span class="tab disabled" aria-disabled="true" title=denied.to_string()>{label}</span>
        }
        .into_any(),
    }
}

/// What this member can do in the Inbox, true for their role: a seat holder works conversations;
/// a seat-eligible member without one is told who gives seats; a role that can never hold a
/// seat is told so, and who can act instead.
pub fn inbox_status(actor: &Actor) -> String {
    let seat_givers = || Permission::ManageTeam.holders_phrase();
    match policy::can_act(Some(actor), InboxAction::Reply) {
        Ok(()) => "You hold an Inbox seat: you can reply, assign and tag conversations here.".to_string(),
        Err(Denied::SeatRequired { .. }) => format!(
            "You can view conversations. To reply, assign or tag you need an Inbox seat — {} can give you one.",
            seat_givers()
        ),
        Err(Denied::NotSeatEligible { role }) => {
            let seat_roles: Vec<Role> = Role::ALL.into_iter().filter(|r| r.seat_eligible()).collect();
            format!(
                "You can view conversations. {} cannot hold an Inbox seat, so replying, assigning and tagging are for {} with a seat.",
                role.plural(),
                roles_phrase(&seat_roles)
            )
        }
        Err(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn status(role: Role, has_seat: bool) -> String {
        inbox_status(&Actor { role, has_seat })
    }

    #[test]
    fn the_inbox_says_what_is_true_for_the_role() {
        assert_eq!(
            status(Role::Agent, true),
            "You hold an Inbox seat: you can reply, assign and tag conversations here."
        );
        assert_eq!(
            status(Role::Agent, false),
            "You can view conversations. To reply, assign or tag you need an Inbox seat — Owners, Admins and Supervisors can give you one."
        );
        // Viewers and Editors can never hold a seat: no "ask an admin" dead end.
        for role in [Role::Viewer, Role::Editor] {
            let text = status(role, false);
            assert_eq!(
                text,
                format!(
                    "You can view conversations. {} cannot hold an Inbox seat, so replying, assigning and tagging are for Owners, Admins and Agents with a seat.",
                    role.plural()
                )
            );
            assert!(!text.contains("ask an admin"));
        }
    }
}
