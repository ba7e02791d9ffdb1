//! SQL, and nothing but SQL: portable statements with `$N` placeholders over the `Any` driver.
//! Functions take any executor so services can run them on the pool or inside a transaction.
pub mod assignment;
pub mod audit;
pub mod billing;
pub mod contacts;
pub mod events;
pub mod inbox;
pub mod media;
pub mod outbox;
pub mod rate_limits;
pub mod search;
pub mod tags;
pub mod team;

use super::db::flag;
use crate::domain::billing::Period;
use crate::domain::plan::{Plan, SeatUsage};
use crate::domain::views::{BotMembership, MemberRow};
use crate::domain::{BotId, MemberId, Role, UserId};
use sqlx::{Any, Executor};

/// `$first, $first+1, …` for `count` values bound into an `IN (…)` list.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

#[derive(sqlx::FromRow)]
pub struct UserCredentials {
    #[sqlx(try_from = "i64")]
    pub id: UserId,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
pub struct UserProfile {
    #[sqlx(try_from = "i64")]
    pub id: UserId,
    pub name: String,
    pub email: String,
}

/// Inserts a user; `Ok(None)` when the email is already taken.
pub async fn insert_user<'c>(
    db: impl Executor<'c, Database = Any>,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        r#"
        INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (email) DO NOTHING RETURNING id
        "#,
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(id.map(UserId))
}

pub async fn credentials_by_email<'c>(
    db: impl Executor<'c, Database = Any>,
    email: &str,
) -> Result<Option<UserCredentials>, sqlx::Error> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1").bind(email).fetch_optional(db).await
}

pub async fn user_profile<'c>(
    db: impl Executor<'c, Database = Any>,
    user: UserId,
) -> Result<Option<UserProfile>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, email FROM users WHERE id = $1").bind(user.0).fetch_optional(db).await
}

/// A new bot on `plan` whose creator already takes one seat (`seats_used = 1`).
pub async fn insert_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    name: &str,
    plan: &Plan,
    creator: UserId,
    anchor_day: u32,
    period: Period,
    now: i64,
) -> Result<BotId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        r#"
        INSERT INTO bots (name, plan_code, plan_code_next, seats_included, seats_included_next, paid_seats,
                          paid_seats_next, seats_used, billing_anchor_day, period_start, period_end, created_by,
                          created_at)
        VALUES ($1, $2, $2, $3, $3, 0, 0, 1, $4, $5, $6, $7, $8) RETURNING id
        "#,
    )
    .bind(name)
    .bind(&plan.code)
    .bind(plan.included_seats)
    .bind(anchor_day as i64)
    .bind(period.start)
    .bind(period.end)
    .bind(creator.0)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(BotId(id))
}

pub async fn plan<'c>(db: impl Executor<'c, Database = Any>, code: &str) -> Result<Option<Plan>, sqlx::Error> {
    sqlx::query_as(
        "SELECT code, name, included_seats, price_minor, seat_price_minor, currency FROM plans WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(db)
    .await
}

pub async fn plans<'c>(db: impl Executor<'c, Database = Any>) -> Result<Vec<Plan>, sqlx::Error> {
    sqlx::query_as(
        "SELECT code, name, included_seats, price_minor, seat_price_minor, currency FROM plans ORDER BY sort_order",
    )
    .fetch_all(db)
    .await
}

pub async fn insert_member<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    user: UserId,
    role: Role,
    has_seat: bool,
    now: i64,
) -> Result<MemberId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO members (bot_id, user_id, role, has_seat, joined_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(bot.0)
    .bind(user.0)
    .bind(role.code())
    .bind(i64::from(has_seat))
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(MemberId(id))
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    #[sqlx(try_from = "i64")]
    bot_id: BotId,
    bot_name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    has_seat: i64,
    availability: String,
}

impl From<MembershipRow> for BotMembership {
    fn from(row: MembershipRow) -> Self {
        BotMembership {
            bot_id: row.bot_id,
            bot_name: row.bot_name,
            role: row.role,
            has_seat: flag(row.has_seat),
            online: row.availability == crate::domain::assignment::Availability::Online.code(),
        }
    }
}

/// The acting user's membership of one bot, read fresh (no caching: a revoked seat or
/// changed role must bite on the very next request).
pub async fn membership_of<'c>(
    db: impl Executor<'c, Database = Any>,
    user: UserId,
    bot: BotId,
) -> Result<Option<BotMembership>, sqlx::Error> {
    let row: Option<MembershipRow> = sqlx::query_as(
        r#"
        SELECT b.id AS bot_id, b.name AS bot_name, m.role, m.has_seat, m.availability
        FROM members m JOIN bots b ON b.id = m.bot_id
        WHERE m.user_id = $1 AND m.bot_id = $2
        "#,
    )
    .bind(user.0)
    .bind(bot.0)
    .fetch_optional(db)
    .await?;
    Ok(row.map(BotMembership::from))
}

pub async fn memberships_of<'c>(
    db: impl Executor<'c, Database = Any>,
    user: UserId,
) -> Result<Vec<BotMembership>, sqlx::Error> {
    let rows: Vec<MembershipRow> = sqlx::query_as(
        r#"
        SELECT b.id AS bot_id, b.name AS bot_name, m.role, m.has_seat, m.availability
        FROM members m JOIN bots b ON b.id = m.bot_id
        WHERE m.user_id = $1
        ORDER BY b.name, b.id
        "#,
    )
    .bind(user.0)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(BotMembership::from).collect())
}

pub async fn plan_and_seats(
    conn: &mut sqlx::AnyConnection,
    bot: BotId,
) -> Result<Option<(Plan, SeatUsage)>, sqlx::Error> {
    let plan: Option<Plan> = sqlx::query_as(
        r#"
        SELECT p.code, p.name, p.included_seats, p.price_minor, p.seat_price_minor, p.currency
        FROM bots b JOIN plans p ON p.code = b.plan_code WHERE b.id = $1
        "#,
    )
    .bind(bot.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(plan) = plan else { return Ok(None) };
    Ok(Some((plan, team::seat_usage(&mut *conn, bot).await?)))
}

#[derive(sqlx::FromRow)]
struct MemberListRow {
    #[sqlx(try_from = "i64")]
    member_id: MemberId,
    #[sqlx(try_from = "i64")]
    user_id: UserId,
    name: String,
    email: String,
    #[sqlx(try_from = "String")]
    role: Role,
    has_seat: i64,
    seat_wanted: i64,
    joined_at: i64,
    availability: String,
}

/// A page of a bot's members ordered by name, optionally filtered by a lower-cased
/// substring of name or email.
pub async fn members_page<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let rows: Vec<MemberListRow> = sqlx::query_as(
        r#"
        SELECT m.id AS member_id, u.id AS user_id, u.name, u.email, m.role, m.has_seat, m.seat_wanted, m.joined_at,
               m.availability
        FROM members m JOIN users u ON u.id = m.user_id
        WHERE m.bot_id = $1 AND ($2 = '' OR LOWER(u.name) LIKE $3 OR LOWER(u.email) LIKE $3)
        ORDER BY LOWER(u.name), m.id
        LIMIT $4 OFFSET $5
        "#,
    )
    .bind(bot.0)
    .bind(search.unwrap_or(""))
    .bind(like_pattern(search))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| MemberRow {
            member_id: row.member_id,
            user_id: row.user_id,
            name: row.name,
            email: row.email,
            role: row.role,
            has_seat: flag(row.has_seat),
            seat_wanted: flag(row.seat_wanted),
            joined_at_ms: row.joined_at,
            online: row.availability == crate::domain::assignment::Availability::Online.code(),
        })
        .collect())
}

pub async fn count_members<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    search: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        r#"
        SELECT COUNT(*) FROM members m JOIN users u ON u.id = m.user_id
        WHERE m.bot_id = $1 AND ($2 = '' OR LOWER(u.name) LIKE $3 OR LOWER(u.email) LIKE $3)
        "#,
    )
    .bind(bot.0)
    .bind(search.unwrap_or(""))
    .bind(like_pattern(search))
    .fetch_one(db)
    .await
}

/// `%term%` with LIKE's wildcards escaped out of the user's text (matched with `\` escape-free
/// semantics by dropping them: a search for "50%" finds "50").
fn like_pattern(search: Option<&str>) -> String {
    let term: String = search.unwrap_or("").chars().filter(|c| *c != '%' && *c != '_').collect();
    format!("%{term}%")
}

pub async fn member_id_of<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    user: UserId,
) -> Result<Option<MemberId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM members WHERE bot_id = $1 AND user_id = $2")
        .bind(bot.0)
        .bind(user.0)
        .fetch_optional(db)
        .await?;
    Ok(id.map(MemberId))
}

pub async fn bot_name<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM bots WHERE id = $1").bind(bot.0).fetch_optional(db).await
}
