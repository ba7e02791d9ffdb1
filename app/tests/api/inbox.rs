//! The Inbox on a real database (SQLite file, or Postgres with SWITCHBOARD_TEST_POSTGRES):
//! webhook ingest and deduplication, the widget, replies and their idempotency, seat gating,
//! tenant isolation, the list's filters and pages, and live streams that resume.

use crate::support::*;
use app::domain::events::LiveEvent;
use app::domain::ids::{ConversationId, MessageId};
use app::domain::inbox::{ChannelSecret, ConversationStatus, Delivery, MessageKind, Scope, StatusFilter};
use app::domain::tags::TagFilter;
use app::domain::{AppError, BotId, Role, UserId};
use app::server::db::now_ms;
use app::server::live::Hub;
use app::server::secrets;
use app::server::services::inbox::{self, CheckIn, Compose};
use app::server::services::{channels, intake, team};
use app::server::{Db, repo};
use testkit::TestDb;

/// A bot with an owner (seated), an API channel, and this process's hub.
pub struct Inbox {
    pub t: TestDb,
    pub hub: Hub,
    /// A media store in a folder of its own.
    pub media: std::sync::Arc<dyn app::server::media::MediaStore>,
    pub bot: BotId,
    pub owner: UserId,
    pub api: ChannelSecret,
}

impl Inbox {
    pub async fn new() -> Inbox {
        let t = TestDb::new().await;
        let (bot, owner) = bot_with_owner(&t).await;
        let hub = Hub::new(t.db.clone());
        let api =
            channels::create_api_channel(&t.db, owner, bot, "WhatsApp", "http://127.0.0.1:9/unused").await.unwrap();
        let dir = std::env::temp_dir().join(format!("switchboard-test-media-{}", secrets::random_hex(8)));
        let media = std::sync::Arc::new(app::server::media::LocalDisk::new(dir));
        Inbox { t, hub, media, bot, owner, api }
    }

    pub fn db(&self) -> &Db {
        &self.t.db
    }

    /// Delivers a signed webhook body as a connector would.
    pub async fn deliver(&self, body: &serde_json::Value) -> Result<intake::IngestReceipt, AppError> {
        let raw = serde_json::to_vec(body).unwrap();
        let ts = now_ms() / 1000;
        let sig = secrets::sign_webhook(&self.api.secret, ts, &raw);
        intake::ingest_webhook(
            self.db(),
            &self.hub,
            None,
            Some(&self.sink()),
            &self.api.channel.public_id,
            Some(&ts.to_string()),
            Some(&format!("sha256={sig}")),
            &raw,
        )
        .await
    }

    pub async fn customer_says(&self, message_id: &str, contact: &str, text: &str, handover: bool) -> ConversationId {
        let body = serde_json::json!({
            "message_id": message_id, "contact": {"id": contact, "name": format!("Customer {contact}")},
            "text": text, "handover": handover,
        });
        ConversationId(self.deliver(&body).await.unwrap().conversation_id)
    }

    pub fn sink(&self) -> intake::MediaSink<'_> {
        intake::MediaSink { store: &self.media, max_bytes: app::domain::media::DEFAULT_MAX_UPLOAD_BYTES }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(self.db().pool()).await.unwrap()
    }
}

pub fn key() -> String {
    secrets::random_hex(16)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signed_webhook_is_stored_once_and_a_bad_or_stale_one_not_at_all() {
    let i = Inbox::new().await;
    let body = serde_json::json!({"message_id": "wamid.1", "contact": {"id": "+4915100000001", "name": "Ada"}, "text": "Hello"});
    let first = i.deliver(&body).await.unwrap();
    assert!(!first.duplicate);
    let again = i.deliver(&body).await.unwrap();
    assert!(again.duplicate, "a redelivery stores nothing new");
    assert_eq!(again.message_id, first.message_id);
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, 1);

    let raw = serde_json::to_vec(&serde_json::json!({"message_id": "wamid.2", "contact": {"id": "x"}, "text": "hi"}))
        .unwrap();
    let now = now_ms() / 1000;
    let public_id = i.api.channel.public_id.clone();
    let wrong = secrets::sign_webhook("not the secret", now, &raw);
    let stale_ts = now - intake::SIGNATURE_TOLERANCE_SECS - 5;
    let stale = secrets::sign_webhook(&i.api.secret, stale_ts, &raw);
    for (ts, sig) in [(now, wrong.as_str()), (stale_ts, stale.as_str()), (now, "")] {
        let err =
            intake::ingest_webhook(i.db(), &i.hub, None, None, &public_id, Some(&ts.to_string()), Some(sig), &raw)
                .await
                .unwrap_err();
        assert_eq!(err, AppError::BadSignature);
        assert_eq!(err.status(), 401);
    }
    let err = intake::ingest_webhook(i.db(), &i.hub, None, None, &public_id, None, None, &raw).await.unwrap_err();
    assert_eq!(err.status(), 401);
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, 1, "nothing stored from refused deliveries");

    // Malformed but signed: a clear 400, nothing stored.
    let junk = b"{\"message_id\": 5}".to_vec();
    let sig = secrets::sign_webhook(&i.api.secret, now, &junk);
    let err = intake::ingest_webhook(i.db(), &i.hub, None, None, &public_id, Some(&now.to_string()), Some(&sig), &junk)
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn twenty_concurrent_redeliveries_store_exactly_one_message() {
    let i = std::sync::Arc::new(Inbox::new().await);
    let body = serde_json::json!({"message_id": "wamid.race", "contact": {"id": "c-race"}, "text": "once"});
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (i, body) = (i.clone(), body.clone());
            tokio::spawn(async move { i.deliver(&body).await })
        })
        .collect();
    let mut fresh = 0;
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let receipt = task.await.unwrap().expect("every redelivery is acknowledged");
        fresh += usize::from(!receipt.duplicate);
        ids.insert(receipt.message_id);
    }
    assert_eq!(fresh, 1, "exactly one delivery stored it");
    assert_eq!(ids.len(), 1, "all acknowledge the same message");
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(i.count("SELECT COUNT(*) FROM conversations").await, 1);
    assert_eq!(i.count("SELECT COUNT(*) FROM contacts").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_conversation_starts_with_the_bot_and_reaches_the_inbox_on_handover() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "What are your hours?", false).await;
    let open = inbox::list(i.db(), i.owner, i.bot, StatusFilter::Open, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert!(open.rows.is_empty(), "with the bot, not yet in Open");
    let all = inbox::list(i.db(), i.owner, i.bot, StatusFilter::All, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(all.rows[0].status, ConversationStatus::Bot);
    // The page says which event it is current as of: its live stream starts right after.
    assert_eq!(all.as_of_seq, repo::events::latest(i.db().pool(), i.bot).await.unwrap());
    assert!(all.as_of_seq > 0);

    i.customer_says("m2", "c1", "I want to talk to a person", true).await;
    let open = inbox::list(i.db(), i.owner, i.bot, StatusFilter::Open, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(open.rows.len(), 1);
    let row = &open.rows[0];
    assert_eq!(row.id, conversation);
    assert!(row.asked_for_agent);
    assert_eq!(row.preview, "I want to talk to a person");
    assert_eq!(row.unread, 2);
    assert!(row.waiting_since_ms.is_some());

    // Opening it marks it read; replying answers the wait.
    let thread = inbox::thread(i.db(), i.owner, i.bot, conversation, None).await.unwrap();
    assert_eq!(thread.messages.len(), 2);
    inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "Hi! I'm here.", &key())
        .await
        .unwrap();
    let open = inbox::list(i.db(), i.owner, i.bot, StatusFilter::Open, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(open.rows[0].unread, 0);
    assert_eq!(open.rows[0].waiting_since_ms, None);
    assert!(open.rows[0].bot_paused, "replying takes over from the bot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_is_idempotent_on_its_key_and_queued_for_delivery_once() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    let k = key();
    let first =
        inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "On it", &k).await.unwrap();
    let again =
        inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "On it", &k).await.unwrap();
    assert_eq!(first, again, "a double submit returns the stored reply");
    assert_eq!(first.delivery, Delivery::Pending);
    let conflict = inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "Other", &k).await;
    assert_eq!(conflict.unwrap_err().status(), 409);
    assert_eq!(i.count("SELECT COUNT(*) FROM messages WHERE kind = 'agent'").await, 1);
    assert_eq!(i.count("SELECT COUNT(*) FROM outbox").await, 1);

    // Concurrent retries of one key: still one message.
    let k = key();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, hub, owner, bot, k) = (i.db().clone(), i.hub.clone(), i.owner, i.bot, k.clone());
            tokio::spawn(async move {
                inbox::compose(&db, &hub, owner, bot, conversation, Compose::Reply, "Same", &k).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(i.count("SELECT COUNT(*) FROM messages WHERE kind = 'agent'").await, 2);
    assert_eq!(i.count("SELECT COUNT(*) FROM outbox").await, 2);

    // Notes are never queued for the customer.
    inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Note, "VIP customer", &key()).await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM outbox").await, 2);
}

/// What a member can see changes nothing: every write of a seatless or seat-ineligible member
/// is refused with the policy's status and leaves the database as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seatless_members_view_but_change_nothing() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    let (agent, _) = member(i.db(), i.bot, "Sally Seatless", Role::Agent).await;
    let (viewer, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    let (analyst, _) = member(i.db(), i.bot, "Ana Lyst", Role::Analyst).await;
    let owner_member = repo::team::member_of_user(i.db().pool(), i.bot, i.owner).await.unwrap().unwrap().id;
    let snapshot = |i: &Inbox| {
        let db = i.db().clone();
        async move {
            let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages").fetch_one(db.pool()).await.unwrap();
            let row: (String, Option<i64>, i64, i64) =
                sqlx::query_as("SELECT status, assignee_id, banned, bot_paused FROM conversations")
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
            (m, row)
        }
    };
    let before = snapshot(&i).await;
    for (user, status) in [(agent, 402), (viewer, 403)] {
        // They can read.
        inbox::thread(i.db(), user, i.bot, conversation, None).await.unwrap();
        let refused = [
            inbox::compose(i.db(), &i.hub, user, i.bot, conversation, Compose::Reply, "x", &key()).await.err(),
            inbox::compose(i.db(), &i.hub, user, i.bot, conversation, Compose::Note, "x", &key()).await.err(),
            inbox::assign_member(i.db(), &i.hub, user, i.bot, conversation, Some(owner_member)).await.err(),
            inbox::set_closed(i.db(), &i.hub, user, i.bot, conversation, true).await.err(),
            inbox::set_banned(i.db(), &i.hub, user, i.bot, conversation, true).await.err(),
            inbox::set_bot_paused(i.db(), &i.hub, user, i.bot, conversation, true).await.err(),
        ];
        for err in refused {
            assert_eq!(err.expect("refused").status(), status);
        }
    }
    let seat_reason = inbox::compose(i.db(), &i.hub, agent, i.bot, conversation, Compose::Reply, "x", &key()).await;
    assert_eq!(seat_reason.unwrap_err().to_string(), "You need an Inbox seat to reply — ask an admin.");
    // An Analyst cannot even view the Inbox.
    assert_eq!(inbox::thread(i.db(), analyst, i.bot, conversation, None).await.unwrap_err().status(), 403);
    assert_eq!(snapshot(&i).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_bots_ids_are_not_found() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let reply =
        inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "Hi", &key()).await.unwrap();

    // The stranger owns a bot (and a seat in it) but not this one.
    assert_eq!(inbox::thread(i.db(), stranger, i.bot, conversation, None).await.unwrap_err(), AppError::NotFound);
    // Using their own bot id with this bot's conversation: not found either.
    assert_eq!(inbox::thread(i.db(), stranger, other_bot, conversation, None).await.unwrap_err(), AppError::NotFound);
    let attempts = [
        inbox::compose(i.db(), &i.hub, stranger, other_bot, conversation, Compose::Reply, "x", &key()).await.err(),
        inbox::set_closed(i.db(), &i.hub, stranger, other_bot, conversation, true).await.err(),
        inbox::assign_team(i.db(), &i.hub, stranger, other_bot, conversation, None).await.err(),
        inbox::retry_delivery(i.db(), &i.hub, stranger, other_bot, reply.id).await.err(),
    ];
    for err in attempts {
        assert_eq!(err, Some(AppError::NotFound));
    }
    let list = inbox::list(i.db(), stranger, other_bot, StatusFilter::All, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert!(list.rows.is_empty());
    let err = channels::rotate_secret(i.db(), stranger, other_bot, i.api.channel.id).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    // Teams: this bot's team id and member id are unknown in the stranger's bot.
    let team = app::server::services::teams::create_team(i.db(), i.owner, i.bot, "Billing").await.unwrap();
    let owner_member = repo::team::member_of_user(i.db().pool(), i.bot, i.owner).await.unwrap().unwrap().id;
    let err = app::server::services::teams::set_team_member(i.db(), stranger, other_bot, team, owner_member, true)
        .await
        .unwrap_err();
    assert_eq!(err, AppError::NotFound);
    let err = inbox::assign_team(i.db(), &i.hub, stranger, other_bot, conversation, Some(team)).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    assert_eq!(i.count("SELECT COUNT(*) FROM messages WHERE kind = 'agent'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assignment_offers_and_accepts_only_seat_holders() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    add_paid_seats(i.db(), i.bot, 1).await;
    let (_, mona) = member(i.db(), i.bot, "Mona", Role::Agent).await;
    let (_, sam) = member(i.db(), i.bot, "Sam Seatless", Role::Agent).await;
    let (_, vic) = member(i.db(), i.bot, "Vic", Role::Viewer).await;
    team::set_seat(i.db(), i.owner, i.bot, mona, true).await.unwrap();

    let thread = inbox::thread(i.db(), i.owner, i.bot, conversation, None).await.unwrap();
    let offered: Vec<&str> = thread.assignable.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(offered, vec!["Mona", "Owner"]);

    let err = inbox::assign_member(i.db(), &i.hub, i.owner, i.bot, conversation, Some(sam)).await.unwrap_err();
    assert_eq!(err.to_string(), "Sam Seatless cannot be assigned conversations: they have no Inbox seat.");
    let err = inbox::assign_member(i.db(), &i.hub, i.owner, i.bot, conversation, Some(vic)).await.unwrap_err();
    assert_eq!(err.to_string(), "Vic cannot be assigned conversations: Viewers cannot hold an Inbox seat.");

    inbox::assign_member(i.db(), &i.hub, i.owner, i.bot, conversation, Some(mona)).await.unwrap();
    let thread = inbox::thread(i.db(), i.owner, i.bot, conversation, None).await.unwrap();
    assert_eq!(thread.summary.assignee.as_ref().map(|a| a.1.as_str()), Some("Mona"));
    assert_eq!(thread.messages.last().unwrap().body, "Assigned to Mona by Owner");
    assert_eq!(thread.messages.last().unwrap().kind, MessageKind::System);

    // Nobody holds a conversation without a seat.
    let err = team::set_seat(i.db(), i.owner, i.bot, mona, false).await.unwrap_err();
    assert_eq!(err.status(), 409);
    assert_eq!(err.to_string(), "Mona holds 1 open conversation (with Customer c1) — reassign it first.");
    assert_eq!(team::change_role(i.db(), i.owner, i.bot, mona, Role::Viewer).await.unwrap_err().status(), 409);
    assert_eq!(team::remove_member(i.db(), i.owner, i.bot, mona).await.unwrap_err().status(), 409);
    // Once closed, the seat can go (and the member, whose closed conversations are released).
    inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, conversation, true).await.unwrap();
    team::set_seat(i.db(), i.owner, i.bot, mona, false).await.unwrap();
    team::remove_member(i.db(), i.owner, i.bot, mona).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_list_filters_and_pages_by_keyset() {
    let i = Inbox::new().await;
    let owner_member = repo::team::member_of_user(i.db().pool(), i.bot, i.owner).await.unwrap().unwrap().id;
    let mut conversations = Vec::new();
    for n in 0..120 {
        conversations.push(i.customer_says(&format!("m{n}"), &format!("c{n}"), &format!("message {n}"), true).await);
    }
    // Five closed, five mine, three banned.
    for c in &conversations[0..5] {
        inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, *c, true).await.unwrap();
    }
    for c in &conversations[5..10] {
        inbox::assign_member(i.db(), &i.hub, i.owner, i.bot, *c, Some(owner_member)).await.unwrap();
    }
    for c in &conversations[10..13] {
        inbox::set_banned(i.db(), &i.hub, i.owner, i.bot, *c, true).await.unwrap();
    }
    let count = |status, scope| {
        let (db, owner, bot) = (i.db().clone(), i.owner, i.bot);
        async move {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page =
                    inbox::list(&db, owner, bot, status, scope, TagFilter::default(), after.as_deref()).await.unwrap();
                assert!(page.rows.len() <= 50);
                seen.extend(page.rows.iter().map(|r| (r.last_activity_ms, r.id)));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let mut sorted = seen.clone();
            sorted.sort_by(|a, b| b.cmp(a));
            assert_eq!(seen, sorted, "most recent activity first, across pages");
            let unique: std::collections::HashSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "no row twice across pages");
            seen.len()
        }
    };
    assert_eq!(count(StatusFilter::Open, Scope::Everyone).await, 112);
    assert_eq!(count(StatusFilter::Closed, Scope::Everyone).await, 5);
    assert_eq!(count(StatusFilter::All, Scope::Everyone).await, 117);
    assert_eq!(count(StatusFilter::Banned, Scope::Everyone).await, 3);
    assert_eq!(count(StatusFilter::Open, Scope::Mine).await, 5);
    assert_eq!(count(StatusFilter::Open, Scope::Unassigned).await, 107);
    let err =
        inbox::list(i.db(), i.owner, i.bot, StatusFilter::Open, Scope::Everyone, TagFilter::default(), Some("garbage"))
            .await;
    assert_eq!(err.unwrap_err().status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_banned_contacts_messages_land_in_banned_and_notify_no_one() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "spam", "buy now", true).await;
    inbox::set_banned(i.db(), &i.hub, i.owner, i.bot, conversation, true).await.unwrap();
    let seq = repo::events::latest(i.db().pool(), i.bot).await.unwrap();
    i.customer_says("m2", "spam", "buy now!!", false).await;
    assert_eq!(repo::events::latest(i.db().pool(), i.bot).await.unwrap(), seq, "no live event");
    let banned = inbox::list(i.db(), i.owner, i.bot, StatusFilter::Banned, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(banned.rows.len(), 1);
    assert_eq!(banned.rows[0].preview, "buy now!!");
    let open = inbox::list(i.db(), i.owner, i.bot, StatusFilter::Open, Scope::Everyone, TagFilter::default(), None)
        .await
        .unwrap();
    assert!(open.rows.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitor_reads_only_their_own_conversation_and_never_notes() {
    let i = Inbox::new().await;
    let widget = channels::ensure_widget(i.db(), i.bot).await.unwrap();
    let ada = intake::widget_start(i.db(), &widget.public_id, Some("Ada"), Some("ada@example.com")).await.unwrap();
    let bob = intake::widget_start(i.db(), &widget.public_id, Some("Bob"), None).await.unwrap();
    let sent =
        intake::widget_send(i.db(), &i.hub, &widget.public_id, &ada.token, "Hi, Ada here", &key(), true).await.unwrap();
    let conversation = ConversationId(sent.conversation_id);
    inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Note, "internal: VIP", &key()).await.unwrap();
    inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "Hello Ada", &key()).await.unwrap();

    let state = intake::widget_state(i.db(), &widget.public_id, &ada.token).await.unwrap();
    let bodies: Vec<&str> = state.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, vec!["Hi, Ada here", "Hello Ada"], "no note, no system event");
    let bob_state = intake::widget_state(i.db(), &widget.public_id, &bob.token).await.unwrap();
    assert!(bob_state.messages.is_empty(), "Bob sees nothing of Ada's conversation");

    // A forged or altered token is refused; a resend with the same client id stores once.
    let (visitor, _) = ada.token.split_once('.').unwrap();
    let forged = format!("{visitor}.{}", "0".repeat(64));
    assert_eq!(intake::widget_state(i.db(), &widget.public_id, &forged).await.unwrap_err().status(), 403);
    let bob_visitor = bob.token.split_once('.').unwrap().0;
    let spliced = format!("{bob_visitor}.{}", ada.token.split_once('.').unwrap().1);
    assert_eq!(intake::widget_state(i.db(), &widget.public_id, &spliced).await.unwrap_err().status(), 403);
    let client = key();
    for _ in 0..3 {
        intake::widget_send(i.db(), &i.hub, &widget.public_id, &ada.token, "once", &client, false).await.unwrap();
    }
    assert_eq!(i.count("SELECT COUNT(*) FROM messages WHERE body = 'once'").await, 1);
    // The widget id of the API channel is not a widget.
    let err = intake::widget_start(i.db(), &i.api.channel.public_id, None, None).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
}

/// A stream cut off and resumed from its last seen number gets every event once, in order —
/// including those that happened while it was away.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resumed_stream_misses_nothing_and_repeats_nothing() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m0", "c1", "first", true).await;
    let start = repo::events::latest(i.db().pool(), i.bot).await.unwrap();
    let mut sub = i.hub.subscribe(i.bot, start);
    i.customer_says("m1", "c1", "one", false).await;
    let mut seen = Vec::new();
    let mut last = start;
    while seen.len() < 1 {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next()).await.unwrap().unwrap();
        assert_eq!(ev.seq, last + 1, "gapless and in order");
        last = ev.seq;
        if let LiveEvent::MessageAdded { message } = ev.event {
            seen.push(message.body);
        }
    }
    drop(sub); // the connection is cut
    for n in 2..=6 {
        i.customer_says(&format!("m{n}"), "c1", &format!("while away {n}"), false).await;
    }
    inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "reply", &key()).await.unwrap();
    let mut sub = i.hub.subscribe(i.bot, last);
    // More arrive after the reconnect, concurrently with the catch-up.
    let writer = {
        let (db, hub, api_secret, public_id) =
            (i.db().clone(), i.hub.clone(), i.api.secret.clone(), i.api.channel.public_id.clone());
        tokio::spawn(async move {
            for n in 7..=12 {
                let raw = serde_json::to_vec(&serde_json::json!({"message_id": format!("m{n}"), "contact": {"id": "c1"}, "text": format!("after {n}")})).unwrap();
                let ts = now_ms() / 1000;
                let sig = secrets::sign_webhook(&api_secret, ts, &raw);
                intake::ingest_webhook(&db, &hub, None, None, &public_id, Some(&ts.to_string()), Some(&sig), &raw)
                    .await
                    .unwrap();
            }
        })
    };
    while seen.len() < 13 {
        let ev =
            tokio::time::timeout(std::time::Duration::from_secs(5), sub.next()).await.expect("no event lost").unwrap();
        assert_eq!(ev.seq, last + 1, "gapless and in order");
        last = ev.seq;
        if let LiveEvent::MessageAdded { message } = ev.event {
            seen.push(message.body);
        }
    }
    writer.await.unwrap();
    let mut expected = vec!["one".to_string()];
    expected.extend((2..=6).map(|n| format!("while away {n}")));
    expected.push("reply".into());
    expected.extend((7..=12).map(|n| format!("after {n}")));
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_role_or_seat_change_is_announced_on_the_stream() {
    let i = Inbox::new().await;
    add_paid_seats(i.db(), i.bot, 1).await;
    let (_, mona) = member(i.db(), i.bot, "Mona", Role::Agent).await;
    let start = repo::events::latest(i.db().pool(), i.bot).await.unwrap();
    let mut sub = i.hub.subscribe(i.bot, start);
    team::set_seat(i.db(), i.owner, i.bot, mona, true).await.unwrap();
    let ev = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next()).await.unwrap().unwrap();
    assert_eq!(ev.event, LiveEvent::MemberChanged { member: mona });
}

/// Retry is only for failed deliveries; an unknown message id is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_failed_deliveries_can_be_retried() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    let reply =
        inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "x", &key()).await.unwrap();
    let err = inbox::retry_delivery(i.db(), &i.hub, i.owner, i.bot, reply.id).await.unwrap_err();
    assert_eq!(err.status(), 409);
    let err = inbox::retry_delivery(i.db(), &i.hub, i.owner, i.bot, MessageId(999_999)).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    assert_eq!(i.count("SELECT COUNT(*) FROM outbox WHERE attempts = 0 AND status = 'pending'").await, 1, "untouched");
}

/// A real local HTTP receiver that refuses the first two deliveries, then accepts: the worker
/// retries with backoff and the reply ends delivered, signed with the channel's secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_reach_the_outbound_url_after_retries() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = Arc::new(AtomicUsize::new(0));
    let received = Arc::new(std::sync::Mutex::new(Vec::<(String, String, Vec<u8>)>::new()));
    let receiver = {
        let (hits, received) = (hits.clone(), received.clone());
        axum::Router::new().route(
            "/replies",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (hits, received) = (hits.clone(), received.clone());
                async move {
                    let n = hits.fetch_add(1, Ordering::SeqCst);
                    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    received.lock().unwrap().push((
                        header("x-switchboard-timestamp"),
                        header("x-switchboard-signature"),
                        body.to_vec(),
                    ));
                    if n < 2 { axum::http::StatusCode::SERVICE_UNAVAILABLE } else { axum::http::StatusCode::OK }
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/replies", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let i = Inbox::new().await;
    channels::set_outbound_url(i.db(), i.owner, i.bot, i.api.channel.id, &url).await.unwrap();
    let conversation = i.customer_says("m1", "+49151", "Where is my order?", true).await;
    let worker = app::server::outbox::Worker {
        db: i.db().clone(),
        hub: i.hub.clone(),
        signal: i.hub.outbox_signal(),
        base_backoff_ms: 100,
        poll: std::time::Duration::from_millis(50),
        public_url: "http://127.0.0.1:3000".into(),
        send_timeout: app::server::outbox::SEND_TIMEOUT,
    }
    .spawn();
    let reply = inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "It ships today", &key())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let state = repo::outbox::state_of(i.db().pool(), reply.id).await.unwrap().unwrap();
        if state.status == "delivered" {
            assert_eq!(state.attempts, 3, "two refusals, then delivered");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not delivered in time: {state:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.abort();
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let thread = inbox::thread(i.db(), i.owner, i.bot, conversation, None).await.unwrap();
    let stored = thread.messages.iter().find(|m| m.id == reply.id).unwrap();
    assert_eq!(stored.delivery, Delivery::Delivered);
    // Every attempt was signed with the channel's secret over timestamp and body.
    for (ts, sig, body) in received.lock().unwrap().iter() {
        let ts: i64 = ts.parse().unwrap();
        assert!(secrets::verify_webhook(&i.api.secret, ts, body, sig.trim_start_matches("sha256=")));
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["text"], "It ships today");
        assert_eq!(json["contact_id"], "+49151");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_that_never_gets_through_is_failed_and_can_be_retried() {
    let i = Inbox::new().await;
    // Nothing listens on port 9 of loopback (discard): every attempt fails at once.
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    let reply =
        inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, "x", &key()).await.unwrap();
    let worker = app::server::outbox::Worker {
        db: i.db().clone(),
        hub: i.hub.clone(),
        signal: i.hub.outbox_signal(),
        base_backoff_ms: 1,
        poll: std::time::Duration::from_millis(20),
        public_url: "http://127.0.0.1:3000".into(),
        send_timeout: app::server::outbox::SEND_TIMEOUT,
    }
    .spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let state = repo::outbox::state_of(i.db().pool(), reply.id).await.unwrap().unwrap();
        if state.status == "failed" {
            assert_eq!(state.attempts, app::server::outbox::MAX_ATTEMPTS);
            assert!(state.last_error.unwrap().contains("could not reach"));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never marked failed: {state:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    worker.abort();
    let thread = inbox::thread(i.db(), i.owner, i.bot, conversation, None).await.unwrap();
    assert_eq!(thread.messages.iter().find(|m| m.id == reply.id).unwrap().delivery, Delivery::Failed);
    inbox::retry_delivery(i.db(), &i.hub, i.owner, i.bot, reply.id).await.unwrap();
    let state = repo::outbox::state_of(i.db().pool(), reply.id).await.unwrap().unwrap();
    assert_eq!((state.status.as_str(), state.attempts), ("pending", 0));
}

/// Several workers (as in several server processes) claim the outbox together: every reply is
/// delivered exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn competing_workers_deliver_each_reply_exactly_once() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::<i64>::new()));
    let receiver = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/replies",
            axum::routing::post(move |body: axum::body::Bytes| {
                let seen = seen.clone();
                async move {
                    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    seen.lock().unwrap().push(json["message_id"].as_i64().unwrap());
                    axum::http::StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/replies", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let i = Inbox::new().await;
    channels::set_outbound_url(i.db(), i.owner, i.bot, i.api.channel.id, &url).await.unwrap();
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    for n in 0..40 {
        inbox::compose(i.db(), &i.hub, i.owner, i.bot, conversation, Compose::Reply, &format!("reply {n}"), &key())
            .await
            .unwrap();
    }
    // Three workers, each with its own hub, as three processes would have.
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let hub = Hub::new(i.db().clone());
            app::server::outbox::Worker {
                db: i.db().clone(),
                signal: hub.outbox_signal(),
                hub,
                base_backoff_ms: 100,
                poll: std::time::Duration::from_millis(10),
                public_url: "http://127.0.0.1:3000".into(),
                send_timeout: app::server::outbox::SEND_TIMEOUT,
            }
            .spawn()
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while i.count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'").await < 40 {
        assert!(std::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for w in workers {
        w.abort();
    }
    let mut seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 40, "no reply sent twice");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_slow_receiver_gets_each_reply_once_and_in_order_while_the_sends_outlast_a_claim() {
    use std::sync::{Arc, Mutex};
    // Each answer takes 150 ms; six replies to one conversation take longer than a claim made
    // before the first of them lasts (2 × the 400 ms send timeout).
    let seen = Arc::new(Mutex::new(Vec::<(i64, i64)>::new()));
    let receiver = {
        let seen = seen.clone();
        axum::Router::new().route(
            "/replies",
            axum::routing::post(move |body: axum::body::Bytes| {
                let seen = seen.clone();
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let pair = (json["conversation_id"].as_i64().unwrap(), json["message_id"].as_i64().unwrap());
                    seen.lock().unwrap().push(pair);
                    axum::http::StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/replies", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let i = Inbox::new().await;
    channels::set_outbound_url(i.db(), i.owner, i.bot, i.api.channel.id, &url).await.unwrap();
    let conversations =
        [i.customer_says("m1", "c1", "Help", true).await, i.customer_says("m2", "c2", "Hi", true).await];
    for n in 0..6 {
        for c in conversations {
            inbox::compose(i.db(), &i.hub, i.owner, i.bot, c, Compose::Reply, &format!("reply {n}"), &key())
                .await
                .unwrap();
        }
    }
    // Two workers, as two processes would have.
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let hub = Hub::new(i.db().clone());
            app::server::outbox::Worker {
                db: i.db().clone(),
                signal: hub.outbox_signal(),
                hub,
                base_backoff_ms: 100,
                poll: std::time::Duration::from_millis(10),
                public_url: "http://127.0.0.1:3000".into(),
                send_timeout: std::time::Duration::from_millis(400),
            }
            .spawn()
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while i.count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'").await < 12 {
        assert!(std::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Long enough for a second worker to send a reply again, had it taken over the claim.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    for w in workers {
        w.abort();
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 12, "no reply sent twice: {seen:?}");
    for c in conversations {
        let order: Vec<i64> = seen.iter().filter(|(conversation, _)| *conversation == c.0).map(|(_, m)| *m).collect();
        assert_eq!(order.len(), 6);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "one conversation's replies arrive in order: {order:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn members_see_who_else_is_viewing_and_a_stream_check_in_keeps_it() {
    let i = Inbox::new().await;
    let conversation = i.customer_says("m1", "c1", "Help", true).await;
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    assert!(
        inbox::mark_presence(i.db(), &i.hub, i.owner, i.bot, CheckIn::Opened(conversation)).await.unwrap().is_empty()
    );
    // The owner's live stream checks in (as it does on connect and every 30 s): still viewing.
    inbox::stream_access(i.db(), i.owner, i.bot).await.unwrap();
    let others = inbox::mark_presence(i.db(), &i.hub, vic, i.bot, CheckIn::Viewing(conversation)).await.unwrap();
    assert_eq!(others, vec!["Owner".to_string()]);
    // Another bot's conversation id is not found.
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let err =
        inbox::mark_presence(i.db(), &i.hub, stranger, other_bot, CheckIn::Viewing(conversation)).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
}

/// The widget says someone is there only while a seat holder has the Inbox open and has not
/// set themselves offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_widget_knows_whether_a_seat_holder_is_there() {
    use app::domain::assignment::Availability;
    use app::server::services::assignment;
    let i = Inbox::new().await;
    let widget = channels::ensure_widget(i.db(), i.bot).await.unwrap();
    let ada = intake::widget_start(i.db(), &widget.public_id, Some("Ada"), None).await.unwrap();
    let online = || async { intake::widget_state(i.db(), &widget.public_id, &ada.token).await.unwrap().agents_online };
    assert!(!online().await, "nobody has the Inbox open");
    // A seatless viewer with the Inbox open does not count.
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    inbox::mark_presence(i.db(), &i.hub, vic, i.bot, CheckIn::Elsewhere).await.unwrap();
    assert!(!online().await, "a seatless viewer cannot answer");
    inbox::mark_presence(i.db(), &i.hub, i.owner, i.bot, CheckIn::Elsewhere).await.unwrap();
    assert!(online().await, "the seated owner has the Inbox open");
    assignment::set_availability(i.db(), &i.hub, i.owner, i.bot, Availability::Offline).await.unwrap();
    assert!(!online().await, "the owner went offline with the tab still open");
    assignment::set_availability(i.db(), &i.hub, i.owner, i.bot, Availability::Online).await.unwrap();
    assert!(online().await);
}

/// Rotating a channel's secret retires the old one at once; the new one (shown once) signs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotated_secret_replaces_the_old_one_at_once() {
    let i = Inbox::new().await;
    let rotated = channels::rotate_secret(i.db(), i.owner, i.bot, i.api.channel.id).await.unwrap();
    assert_ne!(rotated.secret, i.api.secret);
    let signed = |secret: &str, id: &str| {
        let raw =
            serde_json::to_vec(&serde_json::json!({"message_id": id, "contact": {"id": "c"}, "text": "hi"})).unwrap();
        let ts = now_ms() / 1000;
        let sig = format!("sha256={}", secrets::sign_webhook(secret, ts, &raw));
        (ts.to_string(), sig, raw)
    };
    let public_id = &i.api.channel.public_id;
    let (ts, sig, raw) = signed(&i.api.secret, "old-secret");
    let err =
        intake::ingest_webhook(i.db(), &i.hub, None, None, public_id, Some(&ts), Some(&sig), &raw).await.unwrap_err();
    assert_eq!(err.status(), 401, "the old secret signs nothing any more");
    let (ts, sig, raw) = signed(&rotated.secret, "new-secret");
    intake::ingest_webhook(i.db(), &i.hub, None, None, public_id, Some(&ts), Some(&sig), &raw).await.unwrap();
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, 1);
    // A seatless Viewer cannot rotate it.
    let (vic, _) = member(i.db(), i.bot, "Vic Viewer", Role::Viewer).await;
    let err = channels::rotate_secret(i.db(), vic, i.bot, i.api.channel.id).await.unwrap_err();
    assert_eq!(err.status(), 403);
}
