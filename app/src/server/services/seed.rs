//! Large synthetic data for benchmarks: `switchboard seed --conversations 100000
//! --messages-per 10`. One bot with an owner (seated) and a seated agent, one API channel,
//! and conversations spread over every list filter, written in large multi-row batches.
use super::{bots, channels};
use crate::domain::{AppError, BotId, Role, UserId};
use crate::server::db::{Db, now_ms};
use crate::server::repo;

pub struct SeedPlan {
    pub conversations: i64,
    pub messages_per: i64,
}

pub struct Seeded {
    pub bot: BotId,
    pub owner: UserId,
    pub owner_email: String,
    pub agent: UserId,
    pub password: String,
}

const BATCH: i64 = 400;
const WORDS: [&str; 16] = [
    "order", "delivery", "refund", "size", "address", "invoice", "payment", "tracking", "return", "discount",
    "account", "password", "shipping", "colour", "stock", "warranty",
];

/// Seeds a new bot; returns who can log in to it (password `password`).
pub async fn seed(db: &Db, plan: &SeedPlan) -> Result<Seeded, AppError> {
    let tag = crate::server::secrets::random_hex(4);
    let password = "benchmark password".to_string();
    let owner_email = format!("owner.{tag}@seed.switchboard.test");
    let owner = super::accounts::sign_up(db, "Seed Owner", &owner_email, &password).await?;
    let bot = bots::create_bot(db, owner, "Seeded bot").await?;
    repo::billing::add_paid_seats(db.pool(), bot, 1).await?;
    let agent =
        super::accounts::sign_up(db, "Seed Agent", &format!("agent.{tag}@seed.switchboard.test"), &password).await?;
    let agent_member = repo::insert_member(db.pool(), bot, agent, Role::Agent, false, now_ms()).await?;
    super::team::set_seat(db, owner, bot, agent_member, true).await?;
    let owner_member = repo::team::member_of_user(db.pool(), bot, owner).await?.ok_or(AppError::Internal)?.id;
    let api = channels::create_api_channel(db, owner, bot, "Seeded API", "http://127.0.0.1:9/seed").await?;
    let channel = api.channel.id.0;
    let start = now_ms() - plan.conversations * 1000;
    let mut done = 0;
    while done < plan.conversations {
        let n = BATCH.min(plan.conversations - done);
        let mut tx = db.begin_write().await?;
        // The SQL is built from generated numbers and constants only (no outside input). One
        // multi-row INSERT numbers its rows consecutively; the seed runs alone.
        // Contacts.
        let mut sql = String::from(
            "INSERT INTO contacts (bot_id, channel_id, external_id, name, created_at, last_seen_at, banned) VALUES ",
        );
        for i in 0..n {
            let k = done + i;
            let banned = i64::from(k % 20 == 19);
            sql.push_str(&format!(
                "{}({}, {channel}, 'seed-{k}', 'Customer {k}', {}, {}, {banned})",
                if i > 0 { "," } else { "" },
                bot.0,
                start + k * 1000,
                start + k * 1000
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        let first_contact: i64 =
            sqlx::query_scalar("SELECT MIN(id) FROM contacts WHERE channel_id = $1 AND external_id = $2")
                .bind(channel)
                .bind(format!("seed-{done}"))
                .fetch_one(&mut *tx)
                .await?;
        // Conversations: 60% open, 30% closed, 5% with the bot, 5% banned; some mine, some the agent's.
        let mut sql = String::from(
            "INSERT INTO conversations (bot_id, channel_id, contact_id, external_id, status, banned, assignee_id, \
             handover_at, waiting_since, last_preview, last_activity_at, created_at) VALUES ",
        );
        for i in 0..n {
            let k = done + i;
            let status = match k % 20 {
                0..=11 => "open",
                12..=17 => "closed",
                18 => "bot",
                _ => "open",
            };
            let banned = i64::from(k % 20 == 19);
            let assignee = match k % 10 {
                0 | 1 => owner_member.0.to_string(),
                2 | 3 | 4 => agent_member.0.to_string(),
                _ => "NULL".to_string(),
            };
            let at = start + k * 1000;
            let word = WORDS[(k % 16) as usize];
            sql.push_str(&format!(
                "{}({}, {channel}, {}, 'seed-{k}', '{status}', {banned}, {assignee}, {at}, {}, 'Question about my {word}', {at}, {at})",
                if i > 0 { "," } else { "" },
                bot.0,
                first_contact + i,
                if status == "open" { at.to_string() } else { "NULL".into() },
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
        let first_conversation: i64 = sqlx::query_scalar("SELECT MIN(id) FROM conversations WHERE contact_id = $1")
            .bind(first_contact)
            .fetch_one(&mut *tx)
            .await?;
        // Messages, alternating customer and agent.
        let mut rows = Vec::with_capacity((n * plan.messages_per) as usize);
        for i in 0..n {
            let k = done + i;
            for m in 0..plan.messages_per {
                let (kind, author) = if m % 2 == 0 { ("customer", "''") } else { ("agent", "'Seed Agent'") };
                let a = WORDS[((k + m) % 16) as usize];
                let b = WORDS[((k * 7 + m * 3) % 16) as usize];
                rows.push(format!(
                    "({}, {}, {channel}, '{kind}', 'Message {m} about the {a} and the {b} of conversation {k}', {author}, 'seed-{k}-{m}', {})",
                    bot.0,
                    first_conversation + i,
                    start + k * 1000 + m
                ));
            }
        }
        for chunk in rows.chunks(2000) {
            let sql = format!(
                "INSERT INTO messages (bot_id, conversation_id, channel_id, kind, body, author_name, provider_message_id, created_at) VALUES {}",
                chunk.join(",")
            );
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        done += n;
    }
    // Fresh statistics after a bulk load, as autovacuum would gather soon after: the planner
    // needs them to pick the search and list plans a live database gets.
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(Seeded { bot, owner, owner_email, agent, password })
}
