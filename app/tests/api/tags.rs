//! Tags on a real database: who may tag, names unique per bot in any case, the list filter,
//! merge and delete, and another bot's ids answering "not found".
use crate::inbox::Inbox;
use crate::support::*;
use app::domain::ids::TagId;
use app::domain::inbox::{Scope, StatusFilter};
use app::domain::tags::{TagColor, TagFilter};
use app::domain::{AppError, Role};
use app::server::services::{inbox, tags, team};

async fn open_list(i: &Inbox, filter: &str) -> Vec<String> {
    let page = inbox::list(
        i.db(),
        i.owner,
        i.bot,
        StatusFilter::All,
        Scope::Everyone,
        TagFilter::parse(filter).unwrap(),
        None,
    )
    .await
    .unwrap();
    page.rows.into_iter().map(|r| r.contact_name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tagging_by_name_creates_once_and_the_list_filters_by_every_chosen_tag() {
    let i = Inbox::new().await;
    let ada = i.customer_says("m1", "ada", "Refund please", true).await;
    let bob = i.customer_says("m2", "bob", "Where is my order", true).await;
    let refund = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, ada, "  Refund ").await.unwrap();
    assert_eq!(refund.name, "Refund");
    // Another case of the same name is the same tag, not a second one.
    let again = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, bob, "refund").await.unwrap();
    assert_eq!(again.id, refund.id);
    let urgent = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, ada, "Urgent").await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, 2);
    // Applying twice changes nothing.
    tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, ada, "URGENT").await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM conversation_tags").await, 3);

    assert_eq!(open_list(&i, &refund.id.to_string()).await, vec!["Customer bob", "Customer ada"]);
    assert_eq!(open_list(&i, &format!("{},{}", refund.id, urgent.id)).await, vec!["Customer ada"], "every chosen tag");
    let page = inbox::list(i.db(), i.owner, i.bot, StatusFilter::All, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    let ada_row = page.rows.iter().find(|r| r.id == ada).unwrap();
    assert_eq!(ada_row.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), vec!["Refund", "Urgent"]);
    assert_eq!(page.tags.len(), 2, "the list offers the bot's tags as filters");

    tags::set_on_conversation(i.db(), &i.hub, i.owner, i.bot, ada, urgent.id, false).await.unwrap();
    assert!(open_list(&i, &urgent.id.to_string()).await.is_empty());
    let thread = inbox::thread(i.db(), i.owner, i.bot, ada, None).await.unwrap();
    assert_eq!(thread.summary.tags.len(), 1);
    assert_eq!(thread.tags.len(), 2, "the thread offers every tag of the bot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_names_and_taken_names_are_refused_with_a_reason() {
    let i = Inbox::new().await;
    let c = i.customer_says("m1", "ada", "Hi", true).await;
    for bad in ["", "   ", &"x".repeat(41)] {
        let err = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, c, bad).await.unwrap_err();
        assert_eq!(err.status(), 422, "{bad:?}");
    }
    let vip = tags::create(i.db(), i.owner, i.bot, "VIP", Some(TagColor::Purple)).await.unwrap();
    let err = tags::create(i.db(), i.owner, i.bot, "vip", None).await.unwrap_err();
    assert_eq!(err.to_string(), "There is already a tag called vip.");
    let other = tags::create(i.db(), i.owner, i.bot, "Billing", None).await.unwrap();
    let err = tags::edit(i.db(), &i.hub, i.owner, i.bot, other.id, "Vip", TagColor::Red).await.unwrap_err();
    assert_eq!(err.status(), 422, "renaming onto another tag's name is refused");
    tags::edit(i.db(), &i.hub, i.owner, i.bot, vip.id, "VIP customer", TagColor::Green).await.unwrap();
    let overview = tags::overview(i.db(), i.owner, i.bot).await.unwrap();
    let names: Vec<_> = overview.tags.iter().map(|u| (u.tag.name.as_str(), u.tag.color)).collect();
    assert_eq!(names, vec![("Billing", other.color), ("VIP customer", TagColor::Green)]);
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, 2, "nothing else was stored");
    let filter = TagFilter::parse("1,2,3,4,5,6").unwrap_err();
    assert_eq!(filter.status(), 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merge_moves_conversations_once_and_delete_needs_the_current_count() {
    let i = Inbox::new().await;
    let ada = i.customer_says("m1", "ada", "Hi", true).await;
    let bob = i.customer_says("m2", "bob", "Hi", true).await;
    let refund = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, ada, "Refund").await.unwrap();
    let refunds = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, ada, "Refunds").await.unwrap();
    tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, bob, "Refunds").await.unwrap();

    tags::merge(i.db(), &i.hub, i.owner, i.bot, refunds.id, refund.id).await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, 1);
    assert_eq!(i.count("SELECT COUNT(*) FROM conversation_tags").await, 2, "ada carries Refund once");
    assert_eq!(open_list(&i, &refund.id.to_string()).await.len(), 2);
    let err = tags::merge(i.db(), &i.hub, i.owner, i.bot, refund.id, refund.id).await.unwrap_err();
    assert_eq!(err.status(), 422);

    // The confirmation said 1, but 2 carry it now: refused, with the current count.
    let err = tags::delete(i.db(), &i.hub, i.owner, i.bot, refund.id, 1).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert!(err.to_string().contains("2 conversations"), "{err}");
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, 1);
    tags::delete(i.db(), &i.hub, i.owner, i.bot, refund.id, 2).await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, 0);
    assert_eq!(i.count("SELECT COUNT(*) FROM conversation_tags").await, 0);
    assert_eq!(i.count("SELECT COUNT(*) FROM events WHERE kind = 'tags_changed'").await, 2, "merge and delete");
}

/// The colours' CHECK list agrees with the enum: every code is stored, nothing else is.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_schema_accepts_exactly_the_palette() {
    let i = Inbox::new().await;
    for (n, color) in TagColor::ALL.iter().enumerate() {
        tags::create(i.db(), i.owner, i.bot, &format!("Tag {n}"), Some(*color)).await.unwrap();
    }
    let refused =
        sqlx::query("INSERT INTO tags (bot_id, name, name_key, color, created_at) VALUES ($1, 'x', 'x', 'mauve', 0)")
            .bind(i.bot.0)
            .execute(i.db().pool())
            .await;
    assert!(refused.is_err());
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, TagColor::ALL.len() as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seatless_members_and_viewers_see_tags_but_change_nothing() {
    let i = Inbox::new().await;
    let c = i.customer_says("m1", "ada", "Hi", true).await;
    let vip = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, c, "VIP").await.unwrap();
    let (sam, _) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    for (who, status) in [(sam, 402), (vic, 403)] {
        let attempts = [
            tags::apply_by_name(i.db(), &i.hub, who, i.bot, c, "New").await.err(),
            tags::set_on_conversation(i.db(), &i.hub, who, i.bot, c, vip.id, false).await.err(),
            tags::create(i.db(), who, i.bot, "Other", None).await.err(),
            tags::edit(i.db(), &i.hub, who, i.bot, vip.id, "Renamed", TagColor::Red).await.err(),
            tags::merge(i.db(), &i.hub, who, i.bot, vip.id, vip.id).await.err(),
            tags::delete(i.db(), &i.hub, who, i.bot, vip.id, 1).await.err(),
        ];
        for err in attempts {
            assert_eq!(err.expect("refused").status(), status);
        }
        let overview = tags::overview(i.db(), who, i.bot).await.unwrap();
        assert_eq!(overview.tags.len(), 1, "they see the tags");
        assert!(overview.cannot_edit.is_some(), "and why they cannot edit them");
    }
    let err = tags::apply_by_name(i.db(), &i.hub, sam, i.bot, c, "New").await.unwrap_err();
    assert_eq!(err.status(), 402);
    assert!(err.to_string().contains("seat"), "{err}");
    assert_eq!(i.count("SELECT COUNT(*) FROM tags").await, 1);
    assert_eq!(i.count("SELECT COUNT(*) FROM conversation_tags").await, 1);
    let name: String = sqlx::query_scalar("SELECT name FROM tags").fetch_one(i.db().pool()).await.unwrap();
    assert_eq!(name, "VIP", "unchanged");
    // Given a seat, the same member may tag.
    add_paid_seats(i.db(), i.bot, 1).await;
    let sam_member = app::server::repo::team::member_of_user(i.db().pool(), i.bot, sam).await.unwrap().unwrap().id;
    team::set_seat(i.db(), i.owner, i.bot, sam_member, true).await.unwrap();
    tags::apply_by_name(i.db(), &i.hub, sam, i.bot, c, "Follow up").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_bots_tag_and_conversation_ids_are_not_found() {
    let i = Inbox::new().await;
    let c = i.customer_says("m1", "ada", "Hi", true).await;
    let vip = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, c, "VIP").await.unwrap();
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let mine = tags::create(i.db(), stranger, other_bot, "Mine", None).await.unwrap();
    let attempts = [
        tags::apply_by_name(i.db(), &i.hub, stranger, other_bot, c, "VIP").await.err(),
        tags::set_on_conversation(i.db(), &i.hub, stranger, other_bot, c, mine.id, true).await.err(),
        tags::edit(i.db(), &i.hub, stranger, other_bot, vip.id, "Mine now", TagColor::Red).await.err(),
        tags::merge(i.db(), &i.hub, stranger, other_bot, vip.id, mine.id).await.err(),
        tags::delete(i.db(), &i.hub, stranger, other_bot, vip.id, 1).await.err(),
        tags::overview(i.db(), stranger, i.bot).await.err(),
    ];
    for err in attempts {
        assert_eq!(err, Some(AppError::NotFound));
    }
    let err = inbox::list(
        i.db(),
        stranger,
        other_bot,
        StatusFilter::All,
        Scope::Everyone,
        TagFilter::parse(&vip.id.to_string()).unwrap(),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err, AppError::NotFound, "filtering by another bot's tag");
    let unknown = TagId(vip.id.0 + 1000);
    let err = tags::set_on_conversation(i.db(), &i.hub, i.owner, i.bot, c, unknown, true).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    assert_eq!(i.count("SELECT COUNT(*) FROM conversation_tags").await, 1);
}

/// Another member watching the Inbox is told at once when a conversation's tags change, and
/// their list (read as themselves, a seatless Viewer) shows the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn other_viewers_see_tags_change_live() {
    async fn next(sub: &mut app::server::live::Subscription) -> app::domain::events::Numbered {
        tokio::time::timeout(std::time::Duration::from_secs(5), sub.next()).await.expect("an event in time").unwrap()
    }
    use app::domain::events::LiveEvent;
    let i = Inbox::new().await;
    let ada = i.customer_says("m1", "ada", "Refund please", true).await;
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    let vics_row_tags = || async {
        let page =
            inbox::list(i.db(), vic, i.bot, StatusFilter::All, Scope::Everyone, TagFilter::parse("").unwrap(), None)
                .await
                .unwrap();
        page.rows[0].tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>()
    };
    let start = app::server::repo::events::latest(i.db().pool(), i.bot).await.unwrap();
    let mut vics_stream = i.hub.subscribe(i.bot, start);
    let refund = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, ada, "Refund").await.unwrap();
    assert_eq!(next(&mut vics_stream).await.event, LiveEvent::ConversationChanged { conversation: ada });
    assert_eq!(vics_row_tags().await, vec!["Refund".to_string()]);
    tags::set_on_conversation(i.db(), &i.hub, i.owner, i.bot, ada, refund.id, false).await.unwrap();
    assert_eq!(next(&mut vics_stream).await.event, LiveEvent::ConversationChanged { conversation: ada });
    assert!(vics_row_tags().await.is_empty());
    tags::edit(i.db(), &i.hub, i.owner, i.bot, refund.id, "Refunds", refund.color).await.unwrap();
    assert_eq!(next(&mut vics_stream).await.event, LiveEvent::TagsChanged, "a rename reaches open pages too");
}
