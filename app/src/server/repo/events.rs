//! The per-bot live event log. Appending advances the bot's counter, which locks its row to
//! the commit, so numbers are gapless and become visible in order.
use crate::domain::BotId;
use crate::domain::events::{LiveEvent, Numbered};
use crate::server::db::{Backend, append_events_sql, now_ms};
use sqlx::{Any, Executor};

/// Appends `event` to `bot`'s log inside the caller's transaction. On Postgres the commit also
/// notifies every server process (LISTEN/NOTIFY), so streams on other processes wake at once.
pub async fn append(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    bot: BotId,
    event: &LiveEvent,
) -> Result<(), sqlx::Error> {
    append_many(conn, backend, bot, std::slice::from_ref(event)).await
}

/// Appends several events at once, in order: numbers reserved and rows inserted in one round
/// trip per 200 events (see `db::append_events_sql`).
pub async fn append_many(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    bot: BotId,
    events: &[LiveEvent],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    for chunk in events.chunks(200) {
        let sql = append_events_sql(backend, chunk.len());
        let mut query = sqlx::query(&sql).bind(bot.0).bind(chunk.len() as i64).bind(now);
        for event in chunk {
            let payload = serde_json::to_string(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            query = query.bind(event.code()).bind(event.conversation().map(|c| c.0)).bind(payload);
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
