//! The customer profile: identity, custom attributes (seat holders edit, others read), and
//! past conversations; the Contacts page, merging two contacts of one person; another bot's
//! ids answer "not found".
use crate::inbox::{Inbox, key};
use crate::support::*;
use app::domain::contacts::ATTRIBUTES_PER_CONTACT;
use app::domain::{AppError, Role};
use app::server::repo;
use app::server::services::{channels, contacts, inbox, intake};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seat_holders_edit_details_and_everyone_sees_past_conversations() {
    let i = Inbox::new().await;
    let first = i.customer_says("m1", "ada", "My first question", true).await;
    inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, first, true).await.unwrap();
    // A new message after closing starts a new conversation with the same contact.
    let second = i.customer_says("m2", "ada", "Back again", true).await;
    assert_ne!(first, second);

    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, second, " Plan ", "Pro").await.unwrap();
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, second, "plan", "Enterprise").await.unwrap();
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, second, "Order number", "#4411").await.unwrap();
    let view = inbox::thread(i.db(), i.owner, i.bot, second, None).await.unwrap();
    let p = &view.profile;
    assert_eq!(p.name, "Customer ada");
    assert_eq!(p.channel_identity, "ada");
    let details: Vec<(&str, &str)> = p.attributes.iter().map(|a| (a.label.as_str(), a.value.as_str())).collect();
    assert_eq!(details, vec![("Order number", "#4411"), ("plan", "Enterprise")], "one value per name, any case");
    assert_eq!(p.past.len(), 1);
    assert_eq!(p.past[0].id, first);
    assert_eq!(p.past[0].preview, "My first question");

    // An empty value removes the detail.
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, second, "PLAN", "  ").await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM contact_attributes").await, 1);

    // Seatless members and viewers read the profile but change nothing.
    let (sam, _) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    for (who, status) in [(sam, 402), (vic, 403)] {
        let err = inbox::set_contact_attribute(i.db(), &i.hub, who, i.bot, second, "Plan", "Free").await.unwrap_err();
        assert_eq!(err.status(), status);
        let view = inbox::thread(i.db(), who, i.bot, second, None).await.unwrap();
        assert_eq!(view.profile.attributes.len(), 1);
    }
    assert_eq!(i.count("SELECT COUNT(*) FROM contact_attributes").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn details_are_bounded_and_another_bots_conversation_is_not_found() {
    let i = Inbox::new().await;
    let c = i.customer_says("m1", "ada", "Hi", true).await;
    let err = inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, c, "", "x").await.unwrap_err();
    assert_eq!(err.status(), 422);
    let err = inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, c, "k", &"v".repeat(501)).await.unwrap_err();
    assert_eq!(err.status(), 422);
    for n in 0..ATTRIBUTES_PER_CONTACT {
        inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, c, &format!("Key {n}"), "v").await.unwrap();
    }
    let err = inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, c, "One more", "v").await.unwrap_err();
    assert!(err.to_string().contains("at most 30"), "{err}");
    // Replacing an existing one is still allowed at the limit.
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, c, "Key 0", "w").await.unwrap();

    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let err = inbox::set_contact_attribute(i.db(), &i.hub, stranger, other_bot, c, "Plan", "Mine").await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    assert_eq!(i.count("SELECT COUNT(*) FROM contact_attributes").await, ATTRIBUTES_PER_CONTACT as i64);
}

/// The contact a conversation is filed under, as the profile shows it.
async fn contact_of(i: &Inbox, conversation: app::domain::ids::ConversationId) -> app::domain::ids::ContactId {
    inbox::thread(i.db(), i.owner, i.bot, conversation, None).await.unwrap().profile.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_contacts_page_lists_searches_and_pages_everyone_who_wrote() {
    let i = Inbox::new().await;
    for n in 0..55 {
        i.customer_says(&format!("m{n}"), &format!("c{n:02}"), "Hello", false).await;
    }
    let first = contacts::list(i.db(), i.owner, i.bot, "", None).await.unwrap();
    assert_eq!(first.contacts.len(), 50);
    assert_eq!(first.contacts[0].name, "Customer c54", "most recently seen first");
    assert_eq!(first.contacts[0].conversations, 1);
    let rest = contacts::list(i.db(), i.owner, i.bot, "", first.next.as_deref()).await.unwrap();
    assert_eq!(rest.contacts.len(), 5);
    assert!(rest.next.is_none());
    let found = contacts::list(i.db(), i.owner, i.bot, "  C07 ", None).await.unwrap();
    assert_eq!(found.contacts.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["Customer c07"]);
    // LIKE's wildcards are text here.
    assert!(contacts::list(i.db(), i.owner, i.bot, "%", None).await.unwrap().contacts.is_empty());
    assert_eq!(contacts::list(i.db(), i.owner, i.bot, &"x".repeat(101), None).await.unwrap_err().status(), 422);
    assert_eq!(contacts::list(i.db(), i.owner, i.bot, "", Some("nonsense")).await.unwrap_err().status(), 400);

    // Viewers see the page; another bot's owner does not.
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    assert_eq!(contacts::list(i.db(), vic, i.bot, "", None).await.unwrap().contacts.len(), 50);
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    assert!(contacts::list(i.db(), stranger, other_bot, "", None).await.unwrap().contacts.is_empty());
    assert_eq!(contacts::list(i.db(), stranger, i.bot, "", None).await.unwrap_err(), AppError::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merging_files_one_person_under_one_contact_and_their_identities_keep_resolving() {
    let i = Inbox::new().await;
    // Ada writes on WhatsApp (API channel) and on the website.
    let on_api = i.customer_says("m1", "ada", "Order question", true).await;
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, on_api, "Plan", "Pro").await.unwrap();
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, on_api, "Order", "#4411").await.unwrap();
    let widget = channels::ensure_widget(i.db(), i.bot).await.unwrap();
    let visitor =
        intake::widget_start(i.db(), &widget.public_id, Some("Ada B"), Some("ada@example.com")).await.unwrap();
    let sent = intake::widget_send(i.db(), &i.hub, &widget.public_id, &visitor.token, "Hi from the site", &key(), true)
        .await
        .unwrap();
    let on_site = app::domain::ids::ConversationId(sent.conversation_id);
    inbox::set_contact_attribute(i.db(), &i.hub, i.owner, i.bot, on_site, "plan", "Free").await.unwrap();
    let (api_contact, site_contact) = (contact_of(&i, on_api).await, contact_of(&i, on_site).await);
    assert_ne!(api_contact, site_contact);

    let found = contacts::detail(i.db(), i.owner, i.bot, api_contact, "ada@").await.unwrap();
    assert_eq!(found.candidates.iter().map(|c| c.id).collect::<Vec<_>>(), vec![site_contact], "never itself");

    let kept = contacts::merge(i.db(), &i.hub, i.owner, i.bot, api_contact, site_contact).await.unwrap();
    assert_eq!(kept, site_contact);
    let detail = contacts::detail(i.db(), i.owner, i.bot, site_contact, "").await.unwrap();
    let mut moved: Vec<_> = detail.profile.past.iter().map(|p| p.id).collect();
    moved.sort();
    assert_eq!(moved, vec![on_api, on_site], "both conversations are hers");
    assert_eq!(detail.profile.email.as_deref(), Some("ada@example.com"));
    assert_eq!(detail.merged.len(), 1);
    assert_eq!((detail.merged[0].channel_name.as_str(), detail.merged[0].external_id.as_str()), ("WhatsApp", "ada"));
    let details: Vec<(&str, &str)> =
        detail.profile.attributes.iter().map(|a| (a.label.as_str(), a.value.as_str())).collect();
    assert_eq!(details, vec![("Order", "#4411"), ("plan", "Free")], "the kept contact's own details win");
    // The merged id still opens a page: the contact it joined.
    assert_eq!(contacts::detail(i.db(), i.owner, i.bot, api_contact, "").await.unwrap().profile.id, site_contact);
    let listed = contacts::list(i.db(), i.owner, i.bot, "", None).await.unwrap();
    assert_eq!(listed.contacts.iter().map(|c| c.id).collect::<Vec<_>>(), vec![site_contact]);
    assert_eq!(listed.contacts[0].conversations, 2);
    let audit: String = sqlx::query_scalar("SELECT summary FROM audit_events WHERE action = 'contacts.merged'")
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    assert_eq!(audit, "Merged Customer ada into Ada B (1 conversation moved)");

    // WhatsApp messages from Ada still land in her WhatsApp conversation, and replies there
    // still go to her WhatsApp id; a new WhatsApp conversation is filed under the kept contact.
    assert_eq!(i.customer_says("m2", "ada", "Any news?", false).await, on_api);
    inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, on_api, true).await.unwrap();
    let again = i.customer_says("m3", "ada", "New question", false).await;
    assert_ne!(again, on_api);
    assert_eq!(contact_of(&i, again).await, site_contact);
    let facts = repo::inbox::conversation_in_bot(i.db().pool(), i.bot, again).await.unwrap().unwrap();
    assert_eq!(facts.contact_external_id, "ada");
    // The website visitor still reads only her website conversation.
    let state = intake::widget_state(i.db(), &widget.public_id, &visitor.token).await.unwrap();
    assert_eq!(state.conversation_id, Some(on_site.0));
    assert!(state.messages.iter().all(|m| m.body != "Order question" && m.body != "New question"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merges_are_refused_with_a_reason_and_change_nothing() {
    let i = Inbox::new().await;
    let a = i.customer_says("m1", "ada", "Hi", true).await;
    let b = i.customer_says("m2", "bob", "Hi", true).await;
    let spam = i.customer_says("m3", "spam", "Buy now", true).await;
    let (ada, bob, spammer) = (contact_of(&i, a).await, contact_of(&i, b).await, contact_of(&i, spam).await);
    inbox::set_banned(i.db(), &i.hub, i.owner, i.bot, spam, true).await.unwrap();

    let (sam, _) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    assert_eq!(contacts::merge(i.db(), &i.hub, sam, i.bot, ada, bob).await.unwrap_err().status(), 402);
    assert_eq!(contacts::merge(i.db(), &i.hub, vic, i.bot, ada, bob).await.unwrap_err().status(), 403);
    assert!(contacts::detail(i.db(), sam, i.bot, ada, "bob").await.unwrap().cannot_edit.is_some());
    assert_eq!(contacts::merge(i.db(), &i.hub, i.owner, i.bot, ada, ada).await.unwrap_err().status(), 422);
    let err = contacts::merge(i.db(), &i.hub, i.owner, i.bot, spammer, ada).await.unwrap_err();
    assert!(err.to_string().contains("banned"), "{err}");
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    assert_eq!(contacts::merge(i.db(), &i.hub, stranger, other_bot, ada, bob).await.unwrap_err(), AppError::NotFound);
    assert_eq!(contacts::detail(i.db(), stranger, other_bot, ada, "").await.unwrap_err(), AppError::NotFound);
    assert_eq!(
        contacts::set_attribute(i.db(), &i.hub, stranger, other_bot, ada, "Plan", "x").await.unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(i.count("SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NOT NULL").await, 0);
    assert_eq!(i.count("SELECT COUNT(*) FROM audit_events WHERE action = 'contacts.merged'").await, 0);

    // Two admins merging the same pair in opposite directions at once: one merge happens.
    let (x, y) = tokio::join!(
        contacts::merge(i.db(), &i.hub, i.owner, i.bot, ada, bob),
        contacts::merge(i.db(), &i.hub, i.owner, i.bot, bob, ada),
    );
    assert_eq!(u8::from(x.is_ok()) + u8::from(y.is_ok()), 1, "{x:?} {y:?}");
    assert_eq!(x.err().or(y.err()).unwrap().status(), 409);
    assert_eq!(i.count("SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NOT NULL").await, 1);
    let mut owners: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT contact_id FROM conversations WHERE id IN ($1, $2)")
        .bind(a.0)
        .bind(b.0)
        .fetch_all(i.db().pool())
        .await
        .unwrap();
    owners.sort();
    assert_eq!(owners.len(), 1, "both conversations are under the one contact that remains");
}
