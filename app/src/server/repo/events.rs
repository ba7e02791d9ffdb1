//! The per-bot live event log. Appending takes the bot's next number under its row lock
//! (`UPDATE bots … RETURNING`), so numbers are gapless and become visible in order.
use crate::domain::BotId;
use crate::domain::events::{LiveEvent, Numbered};
use crate::server::db::{Backend, now_ms};
use sqlx::{Any, Executor};

/// Appends `event` to `bot`'s log inside the caller's transaction and returns its number. On
/// Postgres the commit also notifies every server process (LISTEN/NOTIFY), so streams on other
/// processes wake at once.
pub async fn append(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    bot: BotId,
    event: &LiveEvent,
) -> Result<i64, sqlx::Error> {
    let seq: i64 = sqlx::query_scalar("UPDATE bots SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq")
        .bind(bot.0)
        .fetch_one(&mut *conn)
        .await?;
    let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO events (bot_id, seq, kind, conversation_id, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(bot.0)
    .bind(seq)
    .bind(event.code())
    .bind(event.conversation().map(|c| c.0))
    .bind(payload)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    crate::server::db::notify_event(conn, backend, bot).await?;
    Ok(seq)
}

/// Appends several events at once (numbers reserved in one step, one multi-row insert): the
/// same log as `append` called for each, in order.
pub async fn append_many(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    bot: BotId,
    events: &[LiveEvent],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let last: i64 = sqlx::query_scalar("UPDATE bots SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq")
        .bind(bot.0)
        .bind(events.len() as i64)
        .fetch_one(&mut *conn)
        .await?;
    let first = last - events.len() as i64 + 1;
    let now = now_ms();
    for (chunk_start, chunk) in events.chunks(200).enumerate().map(|(n, c)| (n * 200, c)) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 6;
                format!("(${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6)
            })
            .collect();
        let sql = format!(
            "INSERT INTO events (bot_id, seq, kind, conversation_id, payload, created_at) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (i, event) in chunk.iter().enumerate() {
            let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            query = query
                .bind(bot.0)
                .bind(first + (chunk_start + i) as i64)
                .bind(event.code())
                .bind(event.conversation().map(|c| c.0))
                .bind(payload)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    crate::server::db::notify_event(conn, backend, bot).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    payload: String,
}

fn decode(rows: Vec<EventRow>) -> Vec<Numbered> {
    rows.into_iter()
        .filter_map(|row| match serde_json::from_str::<LiveEvent>(&row.payload) {
            Ok(event) => Some(Numbered { seq: row.seq, event }),
            Err(err) => {
                tracing::error!(error = %err, seq = row.seq, "undecodable live event skipped");
                None
            }
        })
        .collect()
}

/// Events of `bot` numbered after `after`, oldest first, at most `limit`.
pub async fn after<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    after: i64,
    limit: i64,
) -> Result<Vec<Numbered>, sqlx::Error> {
    let rows: Vec<EventRow> =
        sqlx::query_as("SELECT seq, payload FROM events WHERE bot_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(bot.0)
            .bind(after)
            .bind(limit)
            .fetch_all(db)
            .await?;
    Ok(decode(rows))
}

/// The number of `bot`'s latest event (0 before the first).
pub async fn latest<'c>(db: impl Executor<'c, Database = Any>, bot: BotId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT event_seq FROM bots WHERE id = $1").bind(bot.0).fetch_one(db).await
}

/// Drops events older than `before` (streams resume within that window; older clients reload).
pub async fn prune<'c>(db: impl Executor<'c, Database = Any>, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM events WHERE created_at < $1").bind(before).execute(db).await?.rows_affected())
}
