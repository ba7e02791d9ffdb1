//! Automatic assignment benchmarks on SQLite by default (SWITCHBOARD_TEST_POSTGRES for
//! Postgres). Prints figures; asserts only that the work was really done. Run:
//! `cargo bench -p switchboard --bench assignment`.
//!
//! 1. The decision for one conversation (load 200 online seat holders with their loads and
//!    choose) with 10,000 others waiting in the queue, and the same written ("Auto assign" on
//!    it: lock the bot, decide, assign, write the system event, commit): p50/p99 over 500.
//! 2. The drain: 10,000 waiting, 50 agents come online at once (capacity 200 each): time until
//!    every conversation is assigned, checked exactly once and in queue order.
use app::domain::assignment::{AssignMode, AssignmentSettings, Availability};
use app::domain::ids::ConversationId;
use app::domain::{BotId, MemberId, Role, UserId};
use app::server::db::now_ms;
use app::server::live::Hub;
use app::server::services::{accounts, assignment, bots, channels, team};
use app::server::{Db, repo};
use std::time::{Duration, Instant};
use testkit::TestDb;

fn pct(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 * p).ceil() as usize).saturating_sub(1).min(times.len() - 1);
    times[i].as_secs_f64() * 1000.0
}

/// `n` seated agents, created without password hashing (the benchmark is not about log-ins).
async fn agents(db: &Db, bot: BotId, owner: UserId, n: usize, tag: &str) -> Vec<(UserId, MemberId)> {
    repo::billing::add_paid_seats(db.pool(), bot, n as i64).await.unwrap();
    let mut out = Vec::with_capacity(n);
    for k in 0..n {
        let user =
            repo::insert_user(db.pool(), &format!("{tag}{k}@bench.test"), &format!("Agent {tag}{k}"), "x", now_ms())
                .await
                .unwrap()
                .unwrap();
        let member = repo::insert_member(db.pool(), bot, user, Role::Agent, false, now_ms()).await.unwrap();
        team::set_seat(db, owner, bot, member, true).await.unwrap();
        out.push((user, member));
    }
    out
}

/// `n` conversations waiting in the queue, in id order (bulk SQL from generated numbers).
async fn queue(db: &Db, bot: BotId, channel: i64, n: i64, tag: &str) -> Vec<ConversationId> {
    let start = now_ms() - n;
    let mut done = 0;
    while done < n {
        let batch = 500.min(n - done);
        let mut tx = db.begin_write().await.unwrap();
        let mut sql = String::from(
            "INSERT INTO contacts (bot_id, channel_id, external_id, name, created_at, last_seen_at) VALUES ",
        );
        for i in 0..batch {
            let k = done + i;
            sql.push_str(&format!(
                "{}({}, {channel}, '{tag}{k}', 'Customer {k}', {}, {})",
                if i > 0 { "," } else { "" },
                bot.0,
                start + k,
                start + k
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        let first: i64 = sqlx::query_scalar("SELECT id FROM contacts WHERE channel_id = $1 AND external_id = $2")
            .bind(channel)
            .bind(format!("{tag}{done}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let mut sql = String::from(
            "INSERT INTO conversations (bot_id, channel_id, contact_id, external_id, status, handover_at, queued_at, \
             last_activity_at, created_at) VALUES ",
        );
        for i in 0..batch {
            let k = done + i;
            let at = start + k;
            sql.push_str(&format!(
                "{}({}, {channel}, {}, '{tag}{k}', 'open', {at}, {at}, {at}, {at})",
                if i > 0 { "," } else { "" },
                bot.0,
                first + i
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        done += batch;
    }
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE bot_id = $1 AND queued_at IS NOT NULL ORDER BY queued_at, id",
    )
    .bind(bot.0)
    .fetch_all(db.pool())
    .await
    .unwrap();
    ids.into_iter().map(ConversationId).collect()
}

async fn new_bot(db: &Db, name: &str) -> (BotId, UserId, i64) {
    let owner = accounts::sign_up(db, name, &format!("{}@bench.test", name.to_lowercase()), "benchmark password")
        .await
        .unwrap();
    let bot = bots::create_bot(db, owner, name).await.unwrap();
    let api = channels::create_api_channel(db, owner, bot, "Bench", "http://127.0.0.1:9/bench").await.unwrap();
    // The owner holds a seat too; offline, so only the agents take conversations.
    let hub = Hub::new(db.clone());
    assignment::set_availability(db, &hub, owner, bot, Availability::Offline).await.unwrap();
    (bot, owner, api.channel.id.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let t = TestDb::new().await;
    let db = t.db.clone();
    let hub = Hub::new(db.clone());
    let backend = if std::env::var("SWITCHBOARD_TEST_POSTGRES").is_ok() { "Postgres" } else { "SQLite" };

    // 1. Decisions with 200 online agents and 10,000 waiting.
    let (bot, owner, channel) = new_bot(&db, "Decide").await;
    agents(&db, bot, owner, 200, "d").await;
    let waiting = queue(&db, bot, channel, 10_000, "dq").await;
    let settings = AssignmentSettings {
        auto_assign: false,
        mode: AssignMode::Balanced,
        default_capacity: 10,
        ..Default::default()
    };
    assignment::save_settings(&db, &hub, owner, bot, settings).await.unwrap();
    // Fresh statistics after the bulk load, as autovacuum gathers soon after one (otherwise its
    // analyze of the 10,000 new rows lands in the middle of the measurement).
    sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
    let decisions = 500;
    // The decision alone: load the 200 candidates with their loads and choose.
    let mut times = Vec::with_capacity(decisions);
    for c in waiting.iter().rev().take(decisions) {
        let start = Instant::now();
        let chosen = assignment::decide(&db, bot, *c).await.unwrap();
        times.push(start.elapsed());
        assert!(chosen.is_some());
    }
    println!(
        "assignment decision ({backend}, 200 online agents, 10,000 waiting): p50 {:.2} ms, p99 {:.2} ms over {decisions} (bar: p99 ≤ 5 ms)",
        pct(&mut times, 0.50),
        pct(&mut times, 0.99)
    );
    let mut times = Vec::with_capacity(decisions);
    // The newest arrivals first: each is at the back of a 10,000-long queue.
    for c in waiting.iter().rev().take(decisions) {
        let start = Instant::now();
        let made = assignment::auto_assign_now(&db, &hub, owner, bot, Some(*c)).await.unwrap();
        times.push(start.elapsed());
        assert_eq!(made, 1);
    }
    let assigned: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE bot_id = $1 AND assignee_id IS NOT NULL")
            .bind(bot.0)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(assigned, decisions as i64);
    println!(
        "assignment written ({backend}, the same with the bot locked, the assignment, its system event and the commit): p50 {:.2} ms, p99 {:.2} ms over {decisions}",
        pct(&mut times, 0.50),
        pct(&mut times, 0.99)
    );

    // 2. The drain: 10,000 waiting, 50 agents come online at once.
    let (bot, owner, channel) = new_bot(&db, "Drain").await;
    let crew = agents(&db, bot, owner, 50, "g").await;
    for (user, _) in &crew {
        assignment::set_availability(&db, &hub, *user, bot, Availability::Offline).await.unwrap();
    }
    let waiting = queue(&db, bot, channel, 10_000, "gq").await;
    let settings = AssignmentSettings {
        auto_assign: true,
        mode: AssignMode::Balanced,
        default_capacity: 200,
        ..Default::default()
    };
    assignment::save_settings(&db, &hub, owner, bot, settings).await.unwrap();
    let start = Instant::now();
    let tasks: Vec<_> = crew
        .iter()
        .map(|(user, _)| {
            let (db, hub, user) = (db.clone(), hub.clone(), *user);
            tokio::spawn(async move {
                assignment::set_availability(&db, &hub, user, bot, Availability::Online).await.unwrap()
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let took = start.elapsed();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE bot_id = $1 AND assignee_id IS NULL")
        .bind(bot.0)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "every conversation assigned");
    // Exactly once, and in queue order: the order of their "Assigned … automatically" events.
    let order: Vec<i64> = sqlx::query_scalar(
        "SELECT conversation_id FROM messages WHERE bot_id = $1 AND kind = 'system' AND body LIKE 'Assigned to %' ORDER BY id",
    )
    .bind(bot.0)
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(order, waiting.iter().map(|c| c.0).collect::<Vec<_>>(), "once each, oldest first");
    println!(
        "queue drain ({backend}, 10,000 waiting, 50 agents online at once): every conversation assigned once, in order, in {:.2} s (bar: ≤ 10 s)",
        took.as_secs_f64()
    );
}
