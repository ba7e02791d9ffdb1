//! Inbox › Contacts: everyone who wrote to the bot (searchable), a contact's page with their
//! details and every conversation, and merging two contacts of the same person.
use super::bot::use_bot_id;
use super::form_action::{FormAction, PostForm};
use super::profile::PastConversationItem;
use super::team::format_time;
use super::widgets::{ActionError, Loaded, PageData, encode_query, page_data};
use crate::api::contacts::{ContactAttribute, MergeContacts, contacts_list, open_contact};
use crate::domain::contacts::{
    ATTRIBUTE_KEY_MAX, ATTRIBUTE_VALUE_MAX, CONTACT_QUERY_MAX, ContactDetail, ContactSummary, ContactsPage,
};
use crate::domain::ids::ContactId;
use crate::domain::text::count;
use crate::domain::{AppError, BotId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

fn query_param(name: &'static str) -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(name).unwrap_or_default())
}

fn contact_href(bot: BotId, contact: ContactId) -> String {
    format!("/bots/{bot}/inbox/contacts/{contact}")
}

/// Inbox › Contacts.
#[component]
pub fn ContactsPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let q = query_param("q");
    let after = query_param("after");
    let data = page_data(
        move || (bot_id.get(), q.get(), after.get()),
        |(bot, q, after)| async move {
            match bot {
                Some(bot) => contacts_list(bot, Some(q), (!after.is_empty()).then_some(after)).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Contacts · Switchboard" />
        {move || bot_id.get().map(|bot| view! { <ContactList bot q=q.get_untracked() data /> })}
    }
}

#[component]
fn ContactList(bot: BotId, q: String, data: PageData<ContactsPage>) -> impl IntoView {
    let search_value = q.clone();
    view! {
        <section class="page contacts-page">
            <p class="crumbs"><A href=format!("/bots/{bot}/inbox")>"← Inbox"</A></p>
            <h1>"Contacts"</h1>
            <Form method="GET" action="" attr:class="search" attr:role="search">
                <input type="search" name="q" value=search_value maxlength=CONTACT_QUERY_MAX.to_string()
                    placeholder="Search by name, email or phone" aria-label="Search contacts" />
                <button type="submit" class="small secondary">"Search"</button>
            </Form>
            <Loaded resource=data ok=move |page: ContactsPage| {
                let next = page.next.clone().map(|cursor| {
                    format!("/bots/{bot}/inbox/contacts?q={}&after={}", encode_query(&q), encode_query(&cursor))
                });
                view! {
                    {page.contacts.is_empty().then(|| view! { <p class="muted">"No contacts found."</p> })}
                    <table class="contacts-table">
                        <thead>
                            <tr><th>"Name"</th><th>"Channel"</th><th>"Email"</th><th>"Phone"</th><th>"Conversations"</th><th>"Last seen"</th></tr>
                        </thead>
                        <tbody>
                            {page.contacts.into_iter().map(|c| view! { <ContactRow bot contact=c /> }).collect_view()}
                        </tbody>
                    </table>
                    {next.map(|href| view! { <p><A href=href>"More contacts"</A></p> })}
                }
            } />
        </section>
    }
}

#[component]
fn ContactRow(bot: BotId, contact: ContactSummary) -> impl IntoView {
    let row_name = contact.name.clone();
    view! {
        <tr data-contact=row_name>
            <td class="contact-name"><A href=contact_href(bot, contact.id)>{contact.name}</A></td>
            <td>{contact.channel_name}</td>
            <td class="contact-email">{contact.email.unwrap_or_default()}</td>
            <td>{contact.phone.unwrap_or_default()}</td>
            <td>{contact.conversations}</td>
            <td>{format_time(contact.last_seen_ms)}</td>
        </tr>
    }
}

#[derive(Clone, Copy)]
struct ContactActions {
    merge: FormAction,
    attribute: FormAction,
}

/// Inbox › Contacts › one contact.
#[component]
pub fn ContactPage() -> impl IntoView {
    let bot_id = use_bot_id();
    let params = use_params_map();
    let contact_id = Memo::new(move |_| params.read().get("contact_id").and_then(|raw| raw.parse::<ContactId>().ok()));
    let find = query_param("find");
    let actions =
        ContactActions { merge: FormAction::of::<MergeContacts>(), attribute: FormAction::of::<ContactAttribute>() };
    provide_context(actions);
    // After a merge, the contact that remains is the page to be on.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let (Some(kept), Some(bot)) = (actions.merge.output::<ContactId>(), bot_id.get_untracked()) {
            navigate(&contact_href(bot, kept), Default::default());
        }
    });
    let data = page_data(
        move || (bot_id.get(), contact_id.get(), find.get(), actions.attribute.version().get()),
        |(bot, contact, find, _)| async move {
            match (bot, contact) {
                (Some(bot), Some(contact)) => open_contact(bot, contact, Some(find)).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Contact · Switchboard" />
        {move || bot_id.get().map(|bot| view! {
            <section class="page contact-page">
                <p class="crumbs"><A href=format!("/bots/{bot}/inbox/contacts")>"← Contacts"</A></p>
                <Loaded resource=data ok=move |detail: ContactDetail| view! { <ContactView bot detail find=find.get_untracked() /> } />
            </section>
        })}
    }
}

#[component]
fn ContactView(bot: BotId, detail: ContactDetail, find: String) -> impl IntoView {
    let actions = expect_context::<ContactActions>();
    let profile = detail.profile;
    let contact = profile.id;
    let can_edit = detail.cannot_edit.is_none();
    let conversations = count(profile.past.len() as i64, "conversation", "conversations");
    view! {
        <h1 data-testid="contact-name">{profile.name.clone()}</h1>
        <dl class="profile-facts">
            <dt>"Channel"</dt><dd>{format!("{} · {}", profile.channel_name, profile.channel_identity)}</dd>
            {detail.merged.into_iter().map(|identity| view! {
                <dt>"Also"</dt><dd data-testid="merged-identity">{format!("{} · {}", identity.channel_name, identity.external_id)}</dd>
            }).collect_view()}
            {profile.email.clone().map(|email| view! { <dt>"Email"</dt><dd>{email}</dd> })}
            {profile.phone.clone().map(|phone| view! { <dt>"Phone"</dt><dd>{phone}</dd> })}
            <dt>"Seen"</dt>
            <dd>{format!("First {} · last {}", format_time(profile.first_seen_ms), format_time(profile.last_seen_ms))}</dd>
        </dl>
        {detail.cannot_edit.clone().map(|reason| view! { <p class="notice" data-testid="contact-reason">{reason}</p> })}
        <h2>"Details"</h2>
        {profile.attributes.is_empty().then(|| view! { <p class="muted">"No details yet."</p> })}
        <dl class="profile-attributes">
            {profile.attributes.into_iter().map(|a| view! { <dt>{a.label}</dt><dd>{a.value}</dd> }).collect_view()}
        </dl>
        {can_edit.then(|| view! {
            <PostForm action=actions.attribute attr:class="inline attribute-form">
                <input type="hidden" name="bot_id" value=bot.to_string() />
                <input type="hidden" name="contact_id" value=contact.to_string() />
                <input name="key" required maxlength=ATTRIBUTE_KEY_MAX.to_string() placeholder="Detail (e.g. Plan)" aria-label="Detail name" />
                <input name="value" maxlength=ATTRIBUTE_VALUE_MAX.to_string() placeholder="Value (empty removes)" aria-label="Detail value" />
                <button type="submit" class="small secondary">"Save detail"</button>
            </PostForm>
        })}
        <ActionError value=actions.attribute.value() />
        <h2>"Conversations"</h2>
        <p class="muted">{conversations}</p>
        <ul class="past" data-testid="contact-conversations">
            {profile.past.into_iter().map(|past| view! { <PastConversationItem bot past /> }).collect_view()}
        </ul>
        {can_edit.then(|| view! { <MergeSection bot contact name=profile.name.clone() find candidates=detail.candidates /> })}
    }
}

/// "Same person as another contact?": find the other contact, then confirm the merge.
#[component]
fn MergeSection(
    bot: BotId,
    contact: ContactId,
    name: String,
    find: String,
    candidates: Vec<ContactSummary>,
) -> impl IntoView {
    let actions = expect_context::<ContactActions>();
    let searched = !find.is_empty();
    view! {
        <h2>"Merge"</h2>
        <p class="muted">{format!("Is {name} the same person as another contact? Their conversations and details are filed together.")}</p>
        <Form method="GET" action="" attr:class="search" attr:role="search">
            <input type="search" name="find" value=find maxlength=CONTACT_QUERY_MAX.to_string()
                placeholder="Find the other contact" aria-label="Find a contact to merge with" />
            <button type="submit" class="small secondary">"Find"</button>
        </Form>
        {(searched && candidates.is_empty()).then(|| view! { <p class="muted">"No other contact matches."</p> })}
        <ul class="merge-candidates">
            {candidates.into_iter().map(|other| {
                let confirming = RwSignal::new(false);
                let label = format!("{} · {} · {}", other.name, other.channel_name, other.email.clone().unwrap_or_default());
                let confirm = format!(
                    "Merge {name} into {other}? {name}'s conversations and details move to {other}. This cannot be undone.",
                    other = other.name
                );
                let into = other.id;
                view! {
                    <li data-candidate=other.name.clone()>
                        <A href=contact_href(bot, into)>{label}</A>
                        {move || if confirming.get() {
                            view! {
                                <span class="confirm" role="alertdialog" aria-label="Confirm merge">
                                    <span>{confirm.clone()}</span>
                                    <PostForm action=actions.merge attr:class="inline">
                                        <input type="hidden" name="bot_id" value=bot.to_string() />
                                        <input type="hidden" name="contact_id" value=contact.to_string() />
                                        <input type="hidden" name="into" value=into.to_string() />
                                        <button type="submit" class="small danger">"Merge"</button>
                                    </PostForm>
                                    <button type="button" class="small secondary" on:click=move |_| confirming.set(false)>"Cancel"</button>
                                </span>
                            }
                            .into_any()
                        } else {
                            view! {
                                <button type="button" class="small secondary" on:click=move |_| confirming.set(true)>"Merge into this contact…"</button>
                            }
                            .into_any()
                        }}
                    </li>
                }
            }).collect_view()}
        </ul>
        <ActionError value=actions.merge.value() />
    }
}
