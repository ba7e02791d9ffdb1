//! The append-only audit log (the database refuses updates).
use crate::domain::audit::AuditAction;
use crate::domain::views::AuditEvent;
use crate::domain::{BotId, UserId};
use sqlx::{Any, Executor};

pub async fn record<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    actor: Option<UserId>,
    action: AuditAction,
    summary: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO audit_events (bot_id, actor_user_id, action, summary, created_at)
        VALUES ($1, $2, $3, $4, $5)
        "#,
    )
    .bind(bot.0)
    .bind(actor.map(|u| u.0))
    .bind(action.code())
    .bind(summary)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditEventRow {
    id: i64,
    /// `None` for entries made by Switchboard itself (period renewals).
    actor_name: Option<String>,
    /// Kept as stored: the page shows whatever was recorded, and `AuditEvent.action` is the code.
    action: String,
    summary: String,
    created_at: i64,
}

/// Newest first; `before` is the id to continue below (keyset pagination).
pub async fn page<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, sqlx::Error> {
    let rows: Vec<AuditEventRow> = sqlx::query_as(
        r#"
        SELECT a.id, u.name AS actor_name, a.action, a.summary, a.created_at
        FROM audit_events a LEFT JOIN users u ON u.id = a.actor_user_id
        WHERE a.bot_id = $1 AND a.id < $2
        ORDER BY a.id DESC
        LIMIT $3
        "#,
    )
    .bind(bot.0)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEvent {
            id: row.id,
            actor: row.actor_name.unwrap_or_else(|| "Switchboard".into()),
            action: row.action,
            summary: row.summary,
            at_ms: row.created_at,
        })
        .collect())
}
