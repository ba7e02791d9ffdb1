//! Inbox search on a real database (SQLite FTS5, or Postgres tsvector when
//! SWITCHBOARD_TEST_POSTGRES is set): words, phrases, prefixes, contacts, filters, one bot only.
use crate::inbox::Inbox;
use crate::support::*;
use app::domain::AppError;
use app::domain::inbox::{Scope, StatusFilter};
use app::domain::tags::TagFilter;
use app::server::services::inbox::{self, Compose};
use app::server::services::{channels, intake, tags};

async fn names(i: &Inbox, q: &str, status: StatusFilter) -> Vec<String> {
    let found = inbox::search(i.db(), i.owner, i.bot, q, status, Scope::Everyone, TagFilter::default()).await.unwrap();
    found.hits.into_iter().map(|h| h.summary.contact_name).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn words_phrases_prefixes_and_contacts_match_within_the_filters() {
    let i = Inbox::new().await;
    let ada = i.customer_says("m1", "ada", "I want a refund for my order, please", true).await;
    let bob = i.customer_says("m2", "bob", "Where is my parcel?", true).await;
    inbox::compose(
        i.db(),
        &i.hub,
        i.owner,
        i.bot,
        bob,
        Compose::Note,
        "Parcel lost by the courier",
        &crate::inbox::key(),
    )
    .await
    .unwrap();

    assert_eq!(names(&i, "refund", StatusFilter::All).await, vec!["Customer ada"]);
    assert_eq!(names(&i, "REFUND", StatusFilter::All).await, vec!["Customer ada"], "any case");
    assert_eq!(names(&i, "ord", StatusFilter::All).await, vec!["Customer ada"], "the word being typed is a prefix");
    assert_eq!(names(&i, "\"my order\"", StatusFilter::All).await, vec!["Customer ada"]);
    assert!(names(&i, "\"order my\"", StatusFilter::All).await.is_empty(), "a phrase keeps its order");
    assert!(names(&i, "parcel refund", StatusFilter::All).await.is_empty(), "every term must match");
    assert_eq!(names(&i, "courier", StatusFilter::All).await, vec!["Customer bob"], "internal notes are searchable");
    assert_eq!(names(&i, "customer bo", StatusFilter::All).await, vec!["Customer bob"], "the contact's name");

    let found =
        inbox::search(i.db(), i.owner, i.bot, "refund", StatusFilter::All, Scope::Everyone, TagFilter::default())
            .await
            .unwrap();
    let hit = &found.hits[0];
    assert!(hit.message_id.is_some());
    let marked: Vec<&str> = hit.snippet.iter().filter(|s| s.hit).map(|s| s.text.as_str()).collect();
    assert_eq!(marked, vec!["refund"]);
    assert_eq!(hit.snippet.iter().map(|s| s.text.as_str()).collect::<String>(), "I want a refund for my order, please");

    // The list filters narrow the results.
    inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, ada, true).await.unwrap();
    assert!(names(&i, "refund", StatusFilter::Open).await.is_empty());
    assert_eq!(names(&i, "refund", StatusFilter::Closed).await, vec!["Customer ada"]);
    let vip = tags::apply_by_name(i.db(), &i.hub, i.owner, i.bot, bob, "VIP").await.unwrap();
    let tagged = inbox::search(
        i.db(),
        i.owner,
        i.bot,
        "my",
        StatusFilter::All,
        Scope::Everyone,
        TagFilter::parse(&vip.id.to_string()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(tagged.hits.iter().map(|h| h.summary.contact_name.as_str()).collect::<Vec<_>>(), vec!["Customer bob"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contacts_are_found_by_words_of_their_name_email_and_phone() {
    let i = Inbox::new().await;
    let body = serde_json::json!({
        "message_id": "c1", "text": "Hello", "handover": true,
        "contact": {"id": "mona", "name": "Mona Lisa", "email": "mona.lisa@louvre.example", "phone": "+44 (7700) 900-123"},
    });
    i.deliver(&body).await.unwrap();
    i.customer_says("c2", "ada", "Hi there", true).await;
    for (q, why) in [
        ("lisa", "a word of the name"),
        ("MONA", "any case"),
        ("louvre", "a word of the email"),
        ("mona.lisa@louvre.example", "the whole email"),
        ("900-123", "a part of the phone as written"),
        ("447700900123", "the phone's digits run together"),
        ("4477", "the digits as they are typed"),
        ("lisa lou", "the word being typed is a prefix"),
    ] {
        assert_eq!(names(&i, q, StatusFilter::All).await, vec!["Mona Lisa"], "{q}: {why}");
    }
    assert!(names(&i, "isa", StatusFilter::All).await.is_empty(), "words match from their start");
    assert!(names(&i, "mona ada", StatusFilter::All).await.is_empty(), "every term must match one contact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn query_syntax_never_reaches_the_engine_and_mistakes_get_a_reason() {
    let i = Inbox::new().await;
    i.customer_says("m1", "ada", "refund AND (order) NOT * ^ col:x", true).await;
    for q in [
        "refund AND (",
        "NOT",
        "order)",
        "col:x",
        "*",
        "-refund",
        "NEAR(refund order)",
        "refund OR",
        "'; DROP TABLE messages; --",
    ] {
        match inbox::search(i.db(), i.owner, i.bot, q, StatusFilter::All, Scope::Everyone, TagFilter::default()).await {
            Ok(_) => {}
            Err(err) => assert_eq!(err.status(), 422, "{q}: {err:?}"),
        }
    }
    assert_eq!(names(&i, "refund AND (", StatusFilter::All).await, vec!["Customer ada"], "operators are words");
    let err =
        inbox::search(i.db(), i.owner, i.bot, "\"refund", StatusFilter::All, Scope::Everyone, TagFilter::default())
            .await
            .unwrap_err();
    assert_eq!(err.status(), 422);
    assert!(err.to_string().contains("quote"));
    assert_eq!(i.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn search_sees_only_the_members_bot() {
    let i = Inbox::new().await;
    i.customer_says("m1", "ada", "refund please", true).await;
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let api = channels::create_api_channel(i.db(), stranger, other_bot, "API", "http://127.0.0.1:9/x").await.unwrap();
    let raw = serde_json::to_vec(
        &serde_json::json!({"message_id": "o1", "contact": {"id": "zed"}, "text": "refund too", "handover": true}),
    )
    .unwrap();
    let ts = app::server::db::now_ms() / 1000;
    let sig = app::server::secrets::sign_webhook(&api.secret, ts, &raw);
    intake::ingest_webhook(
        i.db(),
        &i.hub,
        None,
        None,
        &api.channel.public_id,
        Some(&ts.to_string()),
        Some(&format!("sha256={sig}")),
        &raw,
    )
    .await
    .unwrap();
    assert_eq!(names(&i, "refund", StatusFilter::All).await, vec!["Customer ada"]);
    let theirs =
        inbox::search(i.db(), stranger, other_bot, "refund", StatusFilter::All, Scope::Everyone, TagFilter::default())
            .await
            .unwrap();
    assert_eq!(theirs.hits.len(), 1);
    assert_eq!(theirs.hits[0].summary.contact_name, "Visitor", "a contact without a name");
    let err =
        inbox::search(i.db(), stranger, i.bot, "refund", StatusFilter::All, Scope::Everyone, TagFilter::default())
            .await
            .unwrap_err();
    assert_eq!(err, AppError::NotFound);
}

/// The benchmark's data: seeded messages (written by plain INSERTs) are indexed too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seeded_messages_are_searchable() {
    let t = testkit::TestDb::new().await;
    let seeded = app::server::services::seed::seed(
        &t.db,
        &app::server::services::seed::SeedPlan { conversations: 300, messages_per: 10 },
    )
    .await
    .unwrap();
    let found = inbox::search(
        &t.db,
        seeded.owner,
        seeded.bot,
        "refund payment",
        StatusFilter::All,
        Scope::Everyone,
        TagFilter::default(),
    )
    .await
    .unwrap();
    assert!(!found.hits.is_empty());
    for hit in &found.hits {
        let text: String = hit.snippet.iter().map(|s| s.text.as_str()).collect();
        assert!(text.contains("refund") && text.contains("payment"), "{text}");
    }
}

/// The full-text index hands back the newest matches first, at most as many as asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_index_returns_the_newest_matches_first() {
    use app::domain::search::SearchQuery;
    use app::server::db::{SqlValue, message_search_sql};
    let i = Inbox::new().await;
    for n in 0..4 {
        i.customer_says(&format!("m{n}"), &format!("c{n}"), "refund please", true).await;
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages WHERE body = 'refund please' ORDER BY id DESC")
        .fetch_all(i.db().pool())
        .await
        .unwrap();
    let query = SearchQuery::parse("refund", false).unwrap();
    for limit in [100, 2] {
        let (sql, binds) = message_search_sql(i.db().backend(), i.bot.0, &query, limit, 1);
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for value in binds {
            q = match value {
                SqlValue::Int(v) => q.bind(v),
                SqlValue::Text(v) => q.bind(v),
            };
        }
        let found = q.fetch_all(i.db().pool()).await.unwrap();
        assert_eq!(found, ids.iter().take(limit as usize).copied().collect::<Vec<_>>(), "limit {limit}");
    }
}

/// Checking the newest conversations one by one (Postgres' first try on big bots) finds
/// exactly the top of what the index finds: the same conversations in the same order, message
/// and contact matches alike, and nothing of another bot.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checking_the_newest_conversations_finds_exactly_the_top_of_the_results() {
    use app::domain::search::SearchQuery;
    use app::server::repo::search::{SearchFilter, search_latest};
    let i = Inbox::new().await;
    let mut said = Vec::new();
    for (n, text) in
        ["refund please", "hello", "a refund now", "refund?", "hello again", "my refund"].iter().enumerate()
    {
        said.push(i.customer_says(&format!("m{n}"), &format!("c{n}"), text, true).await);
    }
    // The newest conversation matches by its contact's name only.
    let by_name = i.customer_says("m6", "refund", "hi there", true).await;
    let stranger = user(i.db(), "Stranger").await;
    let other_bot = app::server::services::bots::create_bot(i.db(), stranger, "Other").await.unwrap();
    let api = channels::create_api_channel(i.db(), stranger, other_bot, "API", "http://127.0.0.1:9/x").await.unwrap();
    let raw = serde_json::to_vec(
        &serde_json::json!({"message_id": "o1", "contact": {"id": "zed"}, "text": "refund too", "handover": true}),
    )
    .unwrap();
    let ts = app::server::db::now_ms() / 1000;
    let sig = app::server::secrets::sign_webhook(&api.secret, ts, &raw);
    let hooks = (&api.channel.public_id, ts.to_string(), format!("sha256={sig}"));
    intake::ingest_webhook(i.db(), &i.hub, None, None, hooks.0, Some(&hooks.1), Some(&hooks.2), &raw).await.unwrap();

    let viewer =
        app::server::repo::team::member_of_user(i.db().pool(), i.bot, i.owner).await.unwrap().expect("a member").id;
    let filter = |status| SearchFilter {
        bot: i.bot,
        viewer,
        status,
        scope: Scope::Everyone,
        tags: TagFilter::default(),
        limit: 50,
    };
    let query = SearchQuery::parse("refund", false).unwrap();
    let backend = i.db().backend();
    let mut conn = i.db().pool().acquire().await.unwrap();
    let walked = search_latest(&mut *conn, backend, &filter(StatusFilter::All), &query, 100).await.unwrap();
    let ids: Vec<i64> = walked.iter().map(|r| r.conversation_id).collect();
    let expected = vec![by_name.0, said[5].0, said[3].0, said[2].0, said[0].0];
    assert_eq!(ids, expected, "every match of this bot, newest activity first");
    assert_eq!(walked[0].message_id, None, "a contact match names no message");
    let matching: i64 = sqlx::query_scalar("SELECT id FROM messages WHERE conversation_id = $1 AND body = 'my refund'")
        .bind(said[5].0)
        .fetch_one(i.db().pool())
        .await
        .unwrap();
    assert_eq!(walked[1].message_id, Some(matching), "the conversation's matching message");
    let indexed =
        inbox::search(i.db(), i.owner, i.bot, "refund", StatusFilter::All, Scope::Everyone, TagFilter::default())
            .await
            .unwrap();
    assert_eq!(indexed.hits.iter().map(|h| h.summary.id.0).collect::<Vec<_>>(), expected, "the index agrees");

    // Only the newest three conversations checked: only the matches among them.
    let walked = search_latest(&mut *conn, backend, &filter(StatusFilter::All), &query, 3).await.unwrap();
    assert_eq!(walked.iter().map(|r| r.conversation_id).collect::<Vec<_>>(), vec![by_name.0, said[5].0]);
    // The filters apply before the count: three closed conversations are checked, not three of all.
    for c in [said[5], said[4], said[3]] {
        inbox::set_closed(i.db(), &i.hub, i.owner, i.bot, c, true).await.unwrap();
    }
    let walked = search_latest(&mut *conn, backend, &filter(StatusFilter::Open), &query, 3).await.unwrap();
    assert_eq!(walked.iter().map(|r| r.conversation_id).collect::<Vec<_>>(), vec![by_name.0, said[2].0]);
}
