//! Fixed-window counters for abuse limits (`rate_limits`).
use sqlx::{Any, Executor, FromRow};

#[derive(Debug, FromRow)]
pub struct Counter {
    /// Hits in the current window, this one included.
    pub hits: i64,
    pub resets_at: i64,
}

/// Counts one hit on `bucket` and returns the counter after it, in one statement: the upsert
/// locks the row (Postgres) or the database (SQLite), so concurrent hits never read the same
/// count. A window that has ended starts again at 1.
pub async fn hit<'c>(
    db: impl Executor<'c, Database = Any>,
    bucket: &str,
    now: i64,
    window_ms: i64,
) -> Result<Counter, sqlx::Error> {
    sqlx::query_as(
        r#"
        INSERT INTO rate_limits (bucket, hits, resets_at) VALUES ($1, 1, $2 + $3)
        ON CONFLICT (bucket) DO UPDATE SET
            hits      = CASE WHEN rate_limits.resets_at <= $2 THEN 1 ELSE rate_limits.hits + 1 END,
            resets_at = CASE WHEN rate_limits.resets_at <= $2 THEN $2 + $3 ELSE rate_limits.resets_at END
        RETURNING hits, resets_at
        "#,
    )
    .bind(bucket)
    .bind(now)
    .bind(window_ms)
    .fetch_one(db)
    .await
}

/// The counter of `bucket` in its current window, if it has one.
pub async fn current<'c>(
    db: impl Executor<'c, Database = Any>,
    bucket: &str,
    now: i64,
) -> Result<Option<Counter>, sqlx::Error> {
    sqlx::query_as("SELECT hits, resets_at FROM rate_limits WHERE bucket = $1 AND resets_at > $2")
        .bind(bucket)
        .bind(now)
        .fetch_optional(db)
        .await
}

/// Gives one hit back (a log-in that succeeded does not count against the limits).
pub async fn refund<'c>(db: impl Executor<'c, Database = Any>, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rate_limits SET hits = hits - 1 WHERE bucket = $1 AND hits > 0")
        .bind(bucket)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn clear<'c>(db: impl Executor<'c, Database = Any>, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM rate_limits WHERE bucket = $1").bind(bucket).execute(db).await?;
    Ok(())
}

/// Ended windows no longer count; dropped by the housekeeping task.
pub async fn prune<'c>(db: impl Executor<'c, Database = Any>, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE resets_at <= $1").bind(now).execute(db).await?.rows_affected())
}
