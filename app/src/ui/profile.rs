//! The customer profile beside a conversation: identity, details (custom attributes, edited
//! by seat holders, read-only for everyone else) and their past conversations.
use super::form_action::{FormAction, PostForm};
use super::team::format_time;
use super::widgets::ActionError;
use crate::api::inbox::InboxContactAttribute;
use crate::domain::BotId;
use crate::domain::contacts::{ATTRIBUTE_KEY_MAX, ATTRIBUTE_VALUE_MAX, ContactProfile, PastConversation};
use crate::domain::ids::ConversationId;
use crate::domain::inbox::ConversationStatus;
#[cfg(not(test))]
use leptos::lazy;
use leptos::prelude::*;
use leptos_router::components::A;

/// "Banned", "Open", "Closed" or "With the bot".
pub(super) fn status_label(past: &PastConversation) -> &'static str {
    if past.banned {
        return "Banned";
    }
    match past.status {
        ConversationStatus::Open => "Open",
        ConversationStatus::Closed => "Closed",
        ConversationStatus::Bot => "With the bot",
    }
}

/// One of the contact's conversations: date, status and assignee as a link into the Inbox.
#[component]
pub(super) fn PastConversationItem(bot: BotId, past: PastConversation) -> impl IntoView {
    let who = past.assignee.clone().unwrap_or_else(|| "Unassigned".into());
    view! {
        <li>
            <A href=format!("/bots/{bot}/inbox?status=all&scope=everyone&c={}", past.id)>
                {format!("{} · {} · {}", format_time(past.started_ms), status_label(&past), who)}
            </A>
            <span class="preview">{past.preview.clone()}</span>
        </li>
    }
}

/// Whether the profile panel is open: kept by the conversation pane, so a live refresh of the
/// conversation does not fold it away.
#[derive(Clone, Copy)]
pub struct ProfileOpen(pub RwSignal<bool>);

/// What the profile's details are drawn from.
pub struct ProfileArgs {
    pub bot: BotId,
    pub conversation: ConversationId,
    pub profile: ContactProfile,
    pub allowed: Result<(), String>,
}

/// The profile's details, behind a chunk of their own: fetched the first time a profile is
/// opened, not with every conversation a first visit opens on (the panel starts folded).
#[cfg(not(test))]
#[lazy]
pub fn profile_details(args: ProfileArgs) -> AnyView {
    build_profile_details(args)
}

/// Unit-test builds have no chunk loader to import (wasm-bindgen-test runs one module).
#[cfg(test)]
pub async fn profile_details(args: ProfileArgs) -> AnyView {
    build_profile_details(args)
}

fn build_profile_details(args: ProfileArgs) -> AnyView {
    let ProfileArgs { bot, conversation, profile, allowed } = args;
    view! { <ProfileDetails bot conversation profile allowed /> }.into_any()
}

/// The contact's identity, details and past conversations: drawn only while unfolded.
#[component]
pub fn ProfilePanel(
    bot: BotId,
    conversation: ConversationId,
    profile: ContactProfile,
    allowed: Result<(), String>,
) -> impl IntoView {
    let open = use_context::<ProfileOpen>().map(|o| o.0).unwrap_or_else(|| RwSignal::new(false));
    let name = profile.name.clone();
    let details = move || {
        open.get().then(|| {
            let args = ProfileArgs { bot, conversation, profile: profile.clone(), allowed: allowed.clone() };
            Suspend::new(async move { profile_details(args).await })
        })
    };
    view! {
        <details
            class="profile"
            data-testid="profile"
            prop:open=move || open.get()
            on:toggle=move |ev| open.set(event_target::<leptos::web_sys::Element>(&ev).has_attribute("open"))
        >
            <summary>"Customer: " {name}</summary>
            {details}
        </details>
    }
}

#[component]
fn ProfileDetails(
    bot: BotId,
    conversation: ConversationId,
    profile: ContactProfile,
    allowed: Result<(), String>,
) -> impl IntoView {
    let save = FormAction::of::<InboxContactAttribute>();
    let can_edit = allowed.is_ok();
    let identity = format!("{} · {}", profile.channel_name, profile.channel_identity);
    let seen =
        format!("First seen {} · last seen {}", format_time(profile.first_seen_ms), format_time(profile.last_seen_ms));
    let past_empty = profile.past.is_empty();
    view! {
            <dl class="profile-facts">
                <dt>"Channel"</dt><dd>{identity}</dd>
                {profile.email.clone().map(|email| view! { <dt>"Email"</dt><dd>{email}</dd> })}
                {profile.phone.clone().map(|phone| view! { <dt>"Phone"</dt><dd>{phone}</dd> })}
                <dt>"Seen"</dt><dd>{seen}</dd>
            </dl>
            <h3>"Details"</h3>
            {profile.attributes.is_empty().then(|| view! { <p class="muted">"No details yet."</p> })}
            <dl class="profile-attributes">
                {profile.attributes.into_iter().map(|attribute| {
                    let remove_label = format!("Remove {}", attribute.label);
                    let key = attribute.label.clone();
                    view! {
                        <dt>{attribute.label.clone()}</dt>
                        <dd>
                            {attribute.value.clone()}
                            {can_edit.then(|| view! {
                                <PostForm action=save attr:class="inline">
                                    <input type="hidden" name="bot_id" value=bot.to_string() />
                                    <input type="hidden" name="conversation_id" value=conversation.to_string() />
                                    <input type="hidden" name="key" value=key.clone() />
                                    <input type="hidden" name="value" value="" />
                                    <button type="submit" class="tag-remove" aria-label=remove_label.clone() title=remove_label>"×"</button>
                                </PostForm>
                            })}
                        </dd>
                    }
                }).collect_view()}
            </dl>
            {match allowed {
                Ok(()) => view! {
                    <PostForm action=save attr:class="inline attribute-form">
                        <input type="hidden" name="bot_id" value=bot.to_string() />
                        <input type="hidden" name="conversation_id" value=conversation.to_string() />
                        <input name="key" required maxlength=ATTRIBUTE_KEY_MAX.to_string() placeholder="Detail (e.g. Plan)" aria-label="Detail name" />
                        <input name="value" required maxlength=ATTRIBUTE_VALUE_MAX.to_string() placeholder="Value" aria-label="Detail value" />
                        <button type="submit" class="small secondary">"Save detail"</button>
                    </PostForm>
                }
                .into_any(),
                Err(reason) => view! { <p class="muted small-note" data-testid="profile-reason">{reason}</p> }.into_any(),
            }}
            <ActionError value=save.value() />
            <p><A href=format!("/bots/{bot}/inbox/contacts/{}", profile.id)>"Open contact page"</A></p>
            <h3>"Past conversations"</h3>
            {past_empty.then(|| view! { <p class="muted">"None before this one."</p> })}
            <ul class="past">
                {profile.past.into_iter().map(|past| view! { <PastConversationItem bot past /> }).collect_view()}
            </ul>
    }
}
