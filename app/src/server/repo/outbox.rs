//! Replies waiting to be delivered to API channels. A row is committed with its reply; workers
//! claim due rows (`db::claim_outbox`), deliver, and record the outcome here.
use crate::domain::BotId;
use crate::domain::ids::{ChannelId, ConversationId, MessageId};
use sqlx::{Any, Executor};

pub async fn enqueue<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    message: MessageId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (bot_id, message_id, status, next_attempt_at, created_at) VALUES ($1, $2, 'pending', $3, $3)",
    )
    .bind(bot.0)
    .bind(message.0)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Everything a worker needs to deliver one claimed row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub outbox_id: i64,
    pub attempts: i64,
    #[sqlx(try_from = "i64")]
    pub bot_id: BotId,
    #[sqlx(try_from = "i64")]
    pub message_id: MessageId,
    #[sqlx(try_from = "i64")]
    pub conversation_id: ConversationId,
    #[sqlx(try_from = "i64")]
    pub channel_id: ChannelId,
    pub body: String,
    pub author_name: String,
    pub created_at: i64,
    pub contact_external_id: String,
    pub outbound_url: Option<String>,
    pub secret: String,
}

pub async fn delivery<'c>(
    db: impl Executor<'c, Database = Any>,
    outbox_id: i64,
) -> Result<Option<Delivery>, sqlx::Error> {
    sqlx::query_as(
        r#"
        SELECT o.id AS outbox_id, o.attempts, o.bot_id, m.id AS message_id, m.conversation_id, m.channel_id,
               m.body, m.author_name, m.created_at, c.external_id AS contact_external_id,
               ch.outbound_url, ch.secret
        FROM outbox o
        JOIN messages m ON m.id = o.message_id
        JOIN conversations c ON c.id = m.conversation_id
        JOIN channels ch ON ch.id = m.channel_id
        WHERE o.id = $1
        "#,
    )
    .bind(outbox_id)
    .fetch_optional(db)
    .await
}

/// Extends this worker's claim on these rows from `held` to `until`; returns how many it still
/// held (a row whose claim ran out and was taken by another worker keeps the other's claim).
pub async fn renew<'c>(
    db: impl Executor<'c, Database = Any>,
    outbox_ids: &[i64],
    held: i64,
    until: i64,
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "UPDATE outbox SET locked_until = $1 WHERE status = 'pending' AND locked_until = $2 AND id IN ({})",
        super::placeholders(3, outbox_ids.len())
    );
    let mut q = sqlx::query(&sql).bind(until).bind(held);
    for id in outbox_ids {
        q = q.bind(*id);
    }
    Ok(q.execute(db).await?.rows_affected())
}

/// Delivered, if this worker's claim (`held`) is still the row's; false if it was lost.
pub async fn mark_delivered<'c>(
    db: impl Executor<'c, Database = Any>,
    outbox_id: i64,
    held: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'delivered', delivered_at = $1, last_error = NULL \
         WHERE id = $2 AND locked_until = $3",
    )
    .bind(now)
    .bind(outbox_id)
    .bind(held)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A failed attempt: try again at `next_attempt_at`, or give up (`None`) — if this worker's
/// claim (`held`) is still the row's; false if it was lost.
pub async fn mark_attempt_failed<'c>(
    db: impl Executor<'c, Database = Any>,
    outbox_id: i64,
    held: i64,
    error: &str,
    next_attempt_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let error: String = error.chars().take(500).collect();
    let done = match next_attempt_at {
        Some(at) => {
            sqlx::query(
                "UPDATE outbox SET last_error = $1, next_attempt_at = $2, locked_until = 0 \
                 WHERE id = $3 AND locked_until = $4",
            )
            .bind(error)
            .bind(at)
            .bind(outbox_id)
            .bind(held)
            .execute(db)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE outbox SET status = 'failed', last_error = $1, locked_until = 0 WHERE id = $2 AND locked_until = $3",
            )
            .bind(error)
            .bind(outbox_id)
            .bind(held)
            .execute(db)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// A person asked to try a failed delivery again: from now, with a fresh count of attempts.
pub async fn retry<'c>(db: impl Executor<'c, Database = Any>, message: MessageId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = 0 WHERE message_id = $2",
    )
    .bind(now)
    .bind(message.0)
    .execute(db)
    .await?;
    Ok(())
}

/// The attempts and last error of a message's delivery (for tests and the thread's tooltip).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryState {
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

pub async fn state_of<'c>(
    db: impl Executor<'c, Database = Any>,
    message: MessageId,
) -> Result<Option<DeliveryState>, sqlx::Error> {
    sqlx::query_as("SELECT status, attempts, last_error FROM outbox WHERE message_id = $1")
        .bind(message.0)
        .fetch_optional(db)
        .await
}
