//! The customer profile: identity, custom attributes (seat holders edit, others read), and
//! past conversations; another bot's conversation answers "not found".
use crate::inbox::Inbox;
use crate::support::*;
use app::domain::contacts::ATTRIBUTES_PER_CONTACT;
use app::domain::{AppError, Role};
use app::server::services::inbox;

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
