//! Members, seats and invitations. Seat changes keep `bots.seats_used` in step with
//! `members.has_seat` inside the caller's transaction.
use crate::domain::plan::{NextPeriodSeats, SeatUsage};
use crate::domain::views::InvitationView;
use crate::domain::{BotId, MemberId, Role, UserId};
use crate::server::db::flag;
use sqlx::{Any, Executor};
use std::sync::LazyLock;

pub struct MemberFacts {
    pub id: MemberId,
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub has_seat: bool,
}

#[derive(sqlx::FromRow)]
struct MemberFactsRow {
    #[sqlx(try_from = "i64")]
    id: MemberId,
    #[sqlx(try_from = "i64")]
    user_id: UserId,
    name: String,
    #[sqlx(try_from = "String")]
    role: Role,
    has_seat: i64,
}

impl From<MemberFactsRow> for MemberFacts {
    fn from(row: MemberFactsRow) -> Self {
        MemberFacts { id: row.id, user_id: row.user_id, name: row.name, role: row.role, has_seat: flag(row.has_seat) }
    }
}

/// One member of `bot`, chosen by `which` (`m.id` or `m.user_id`) = `value`.
async fn member_where<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    which: &'static str,
    value: i64,
) -> Result<Option<MemberFacts>, sqlx::Error> {
    let row: Option<MemberFactsRow> = sqlx::query_as(&format!(
        r#"
        SELECT m.id, m.user_id, u.name, m.role, m.has_seat
        FROM members m JOIN users u ON u.id = m.user_id
        WHERE {which} = $1 AND m.bot_id = $2
        "#
    ))
    .bind(value)
    .bind(bot.0)
    .fetch_optional(db)
    .await?;
    Ok(row.map(MemberFacts::from))
}

/// A member of `bot` by id; `None` if it does not exist *in this bot*.
pub async fn member_in_bot<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
) -> Result<Option<MemberFacts>, sqlx::Error> {
    member_where(db, bot, "m.id", member.0).await
}

/// The member of `bot` that `user` is, if any.
pub async fn member_of_user<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    user: UserId,
) -> Result<Option<MemberFacts>, sqlx::Error> {
    member_where(db, bot, "m.user_id", user.0).await
}

#[derive(sqlx::FromRow)]
struct SeatPoolRow {
    seats_used: i64,
    seats_included: i64,
    paid_seats: i64,
    seats_included_next: i64,
    paid_seats_next: i64,
    plan_code: String,
    plan_code_next: String,
    plan_name_next: String,
    period_end: i64,
}

/// The pool now, and from the next period on when a change is scheduled.
pub async fn seat_usage<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<SeatUsage, sqlx::Error> {
    let row: SeatPoolRow = sqlx::query_as(
        r#"
        SELECT b.seats_used, b.seats_included, b.paid_seats, b.seats_included_next, b.paid_seats_next,
               b.plan_code, b.plan_code_next, p.name AS plan_name_next, b.period_end
        FROM bots b JOIN plans p ON p.code = b.plan_code_next
        WHERE b.id = $1
        "#,
    )
    .bind(bot.0)
    .fetch_one(db)
    .await?;
    let plan_changes = row.plan_code_next != row.plan_code;
    let available_next = row.seats_included_next + row.paid_seats_next;
    let changes = plan_changes || available_next != row.seats_included + row.paid_seats;
    Ok(SeatUsage {
        used: row.seats_used,
        included: row.seats_included,
        paid: row.paid_seats,
        next: changes.then(|| NextPeriodSeats {
            starts: row.period_end,
            plan_name: plan_changes.then_some(row.plan_name_next),
            available: available_next,
        }),
    })
}

/// Takes one seat from the pool if one is free now and next period. One conditional
/// statement: concurrent callers serialise on the bot row, so the pool never over-fills.
pub async fn take_pool_seat<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        r#"
        UPDATE bots SET seats_used = seats_used + 1
        WHERE id = $1 AND seats_used < seats_included + paid_seats
          AND seats_used < seats_included_next + paid_seats_next
        "#,
    )
    .bind(bot.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn release_pool_seat<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bots SET seats_used = seats_used - 1 WHERE id = $1 AND seats_used > 0")
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(())
}

/// `'owner', 'admin', 'agent'`: the codes of the roles that may hold an Inbox seat, from
/// `Role::seat_eligible` — for SQL only (they are our own constant codes, never user input).
/// The schema's CHECK on `members` repeats the list; a test keeps the two in step.
pub fn seat_eligible_role_list() -> String {
    Role::ALL
        .into_iter()
        .filter(|role| role.seat_eligible())
        .map(|role| format!("'{}'", role.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

static SEAT_MEMBER_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"
        UPDATE members SET has_seat = 1, seat_wanted = 0
        WHERE id = $1 AND bot_id = $2 AND has_seat = 0 AND role IN ({})
        "#,
        seat_eligible_role_list()
    )
});

/// Marks the member seated; false if they already were (or are not seat-eligible).
pub async fn seat_member<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(SEAT_MEMBER_SQL.as_str()).bind(member.0).bind(bot.0).execute(db).await?;
    Ok(done.rows_affected() == 1)
}

/// Clears the member's seat; false if they had none.
pub async fn unseat_member<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE members SET has_seat = 0 WHERE id = $1 AND bot_id = $2 AND has_seat = 1")
        .bind(member.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_seat_wanted<'c>(
    db: impl Executor<'c, Database = Any>,
    member: MemberId,
    wanted: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE members SET seat_wanted = $1 WHERE id = $2")
        .bind(i64::from(wanted))
        .bind(member.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_role<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
    role: Role,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE members SET role = $1 WHERE id = $2 AND bot_id = $3")
        .bind(role.code())
        .bind(member.0)
        .bind(bot.0)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_member<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    member: MemberId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM members WHERE id = $1 AND bot_id = $2").bind(member.0).bind(bot.0).execute(db).await?;
    Ok(())
}

pub async fn owner_count<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE bot_id = $1 AND role = $2")
        .bind(bot.0)
        .bind(Role::Owner.code())
        .fetch_one(db)
        .await
}

pub async fn is_member_by_email<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM members m JOIN users u ON u.id = m.user_id WHERE m.bot_id = $1 AND u.email = $2",
    )
    .bind(bot.0)
    .bind(email)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

pub struct NewInvitation<'a> {
    pub bot: BotId,
    pub email: &'a str,
    pub role: Role,
    pub with_seat: bool,
    pub token_hash: &'a str,
    pub invited_by: UserId,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert_invitation<'c>(
    db: impl Executor<'c, Database = Any>,
    inv: &NewInvitation<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        r#"
        INSERT INTO invitations (bot_id, email, role, with_seat, token_hash, invited_by, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
        "#,
    )
    .bind(inv.bot.0)
    .bind(inv.email)
    .bind(inv.role.code())
    .bind(i64::from(inv.with_seat))
    .bind(inv.token_hash)
    .bind(inv.invited_by.0)
    .bind(inv.created_at)
    .bind(inv.expires_at)
    .fetch_one(db)
    .await
}

/// Revokes pending invitations to `email` in `bot`; returns how many.
pub async fn revoke_pending_for_email<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    email: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        r#"
        UPDATE invitations SET revoked_at = $1
        WHERE bot_id = $2 AND email = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1
        "#,
    )
    .bind(now)
    .bind(bot.0)
    .bind(email)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes one pending invitation of `bot`; returns its email if it was pending.
pub async fn revoke_invitation<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    invitation: i64,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        r#"
        UPDATE invitations SET revoked_at = $1
        WHERE id = $2 AND bot_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1
        RETURNING email
        "#,
    )
    .bind(now)
    .bind(invitation)
    .bind(bot.0)
    .fetch_optional(db)
    .await
}

#[derive(sqlx::FromRow)]
struct PendingInvitationRow {
    id: i64,
    email: String,
    #[sqlx(try_from = "String")]
    role: Role,
    with_seat: i64,
    inviter_name: String,
    created_at: i64,
    expires_at: i64,
}

/// Pending (not accepted, revoked or expired) invitations of a bot, newest first.
pub async fn pending_invitations<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    now: i64,
) -> Result<Vec<InvitationView>, sqlx::Error> {
    let rows: Vec<PendingInvitationRow> = sqlx::query_as(
        r#"
        SELECT i.id, i.email, i.role, i.with_seat, u.name AS inviter_name, i.created_at, i.expires_at
        FROM invitations i JOIN users u ON u.id = i.invited_by
        WHERE i.bot_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
        ORDER BY i.id DESC
        "#,
    )
    .bind(bot.0)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| InvitationView {
            id: row.id,
            email: row.email,
            role: row.role,
            with_seat: flag(row.with_seat),
            invited_by: row.inviter_name,
            created_at_ms: row.created_at,
            expires_at_ms: row.expires_at,
        })
        .collect())
}

pub struct InvitationRecord {
    pub id: i64,
    pub bot: BotId,
    pub bot_name: String,
    pub email: String,
    pub role: Role,
    pub with_seat: bool,
    pub inviter_name: String,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct InvitationRecordRow {
    id: i64,
    #[sqlx(try_from = "i64")]
    bot_id: BotId,
    bot_name: String,
    email: String,
    #[sqlx(try_from = "String")]
    role: Role,
    with_seat: i64,
    inviter_name: String,
    expires_at: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
}

pub async fn invitation_by_token_hash<'c>(
    db: impl Executor<'c, Database = Any>,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, sqlx::Error> {
    let row: Option<InvitationRecordRow> = sqlx::query_as(
        r#"
        SELECT i.id, i.bot_id, b.name AS bot_name, i.email, i.role, i.with_seat, u.name AS inviter_name,
               i.expires_at, i.accepted_at, i.revoked_at
        FROM invitations i JOIN bots b ON b.id = i.bot_id JOIN users u ON u.id = i.invited_by
        WHERE i.token_hash = $1
        "#,
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| InvitationRecord {
        id: row.id,
        bot: row.bot_id,
        bot_name: row.bot_name,
        email: row.email,
        role: row.role,
        with_seat: flag(row.with_seat),
        inviter_name: row.inviter_name,
        expires_at: row.expires_at,
        accepted_at: row.accepted_at,
        revoked_at: row.revoked_at,
    }))
}

/// Marks the invitation used — exactly once, however many accept at the same moment.
pub async fn mark_invitation_accepted<'c>(
    db: impl Executor<'c, Database = Any>,
    invitation: i64,
    user: UserId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        r#"
        UPDATE invitations SET accepted_at = $1, accepted_by = $2
        WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1
        "#,
    )
    .bind(now)
    .bind(user.0)
    .bind(invitation)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
