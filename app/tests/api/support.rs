//! Shared set-up for service tests: a fresh database and people in bots.

use app::domain::{BotId, MemberId, Role, UserId};
use app::server::db::now_ms;
use app::server::services::{accounts, bots};
use app::server::{Db, repo};
use testkit::TestDb;

pub const PASSWORD: &str = "correct horse battery";

pub async fn user(db: &Db, name: &str) -> UserId {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
    accounts::sign_up(db, name, &email, PASSWORD).await.unwrap()
}

/// A bot owned by a new user "Owner".
pub async fn bot_with_owner(t: &TestDb) -> (BotId, UserId) {
    let owner = user(&t.db, "Owner").await;
    let bot = bots::create_bot(&t.db, owner, "Acme").await.unwrap();
    (bot, owner)
}

/// Adds a new user to `bot` with `role` and no seat (as an accepted invitation would).
pub async fn member(db: &Db, bot: BotId, name: &str, role: Role) -> (UserId, MemberId) {
    let user = user(db, name).await;
    let member = repo::insert_member(db.pool(), bot, user, role, false, now_ms()).await.unwrap();
    (user, member)
}

/// Gives the bot `n` more paid seats directly (the billing tests cover buying them).
pub async fn add_paid_seats(db: &Db, bot: BotId, n: i64) {
    repo::billing::add_paid_seats(db.pool(), bot, n).await.unwrap();
}

/// The seat counter and the seated members must always agree.
pub async fn assert_seat_count_consistent(db: &Db, bot: BotId) -> i64 {
    let counter: i64 =
        sqlx::query_scalar("SELECT seats_used FROM bots WHERE id = $1").bind(bot.0).fetch_one(db.pool()).await.unwrap();
    let seated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE bot_id = $1 AND has_seat = 1")
        .bind(bot.0)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(counter, seated, "bots.seats_used must equal the number of seated members");
    counter
}
