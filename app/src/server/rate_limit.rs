//! Abuse limits on public endpoints, shared by every server process through the database.
//! A hit is counted *before* the guarded work runs (hashing a password, creating an account),
//! so a burst of parallel requests cannot all pass a check that reads a count first.
use super::db::{Db, now_ms};
use super::repo::rate_limits;
use crate::domain::AppError;
use crate::domain::text::wait_phrase;
use std::time::Duration;

/// At most `max` hits per `window` for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: i64,
    pub window: Duration,
}

impl Limit {
    pub const fn per(max: i64, window: Duration) -> Limit {
        Limit { max, window }
    }
}

/// What is counted, and for whom. The bucket key names both.
#[derive(Debug, Clone, Copy)]
pub enum Bucket<'a> {
    SignUpFromAddress(&'a str),
    LogInFromAddressAsEmail { address: &'a str, email: &'a str },
    LogInFromAddress(&'a str),
    LogInAsEmail(&'a str),
    InvitationPreviewFromAddress(&'a str),
    WebhookToChannel(&'a str),
    WebhookRefusedFromAddress(&'a str),
    WidgetStartFromAddress(&'a str),
    WidgetFromAddress(&'a str),
    WidgetFromVisitor(&'a str),
}

impl Bucket<'_> {
    pub fn key(&self) -> String {
        match self {
            Bucket::SignUpFromAddress(ip) => format!("sign_up:ip:{ip}"),
            Bucket::LogInFromAddressAsEmail { address, email } => format!("log_in:ip_email:{address}|{email}"),
            Bucket::LogInFromAddress(ip) => format!("log_in:ip:{ip}"),
            Bucket::LogInAsEmail(email) => format!("log_in:email:{email}"),
            Bucket::InvitationPreviewFromAddress(ip) => format!("invitation:ip:{ip}"),
            Bucket::WebhookToChannel(channel) => format!("webhook:channel:{channel}"),
            Bucket::WebhookRefusedFromAddress(ip) => format!("webhook_refused:ip:{ip}"),
            Bucket::WidgetStartFromAddress(ip) => format!("widget_start:ip:{ip}"),
            Bucket::WidgetFromAddress(ip) => format!("widget:ip:{ip}"),
            Bucket::WidgetFromVisitor(visitor) => format!("widget:visitor:{visitor}"),
        }
    }
}

/// Counts one hit; over the limit → 429 whose message is `refusal` followed by how long to wait.
pub async fn take(db: &Db, bucket: Bucket<'_>, limit: Limit, refusal: &str) -> Result<(), AppError> {
    take_in(&mut *db.writer().await?, bucket, limit, refusal).await
}

/// `take` inside the caller's write transaction: the hit commits with the work it guards and
/// costs no transaction of its own (the webhook's hot path). Over the limit the caller rolls
/// back, so a refused request changes nothing.
pub async fn take_in(
    conn: &mut sqlx::AnyConnection,
    bucket: Bucket<'_>,
    limit: Limit,
    refusal: &str,
) -> Result<(), AppError> {
    let now = now_ms();
    let counter = rate_limits::hit(conn, &bucket.key(), now, limit.window.as_millis() as i64).await?;
    verdict(bucket, counter, limit, now, refusal)
}

/// Refuses when `bucket` is already over its limit, without counting: for limits that count
/// only failures (a read, so requests that succeed never queue for a write).
pub async fn check(db: &Db, bucket: Bucket<'_>, limit: Limit, refusal: &str) -> Result<(), AppError> {
    let now = now_ms();
    match rate_limits::current(db.pool(), &bucket.key(), now).await? {
        Some(counter) => verdict(bucket, counter, limit, now, refusal),
        None => Ok(()),
    }
}

fn verdict(
    bucket: Bucket<'_>,
    counter: rate_limits::Counter,
    limit: Limit,
    now: i64,
    refusal: &str,
) -> Result<(), AppError> {
    if counter.hits <= limit.max {
        return Ok(());
    }
    let wait = Duration::from_millis((counter.resets_at - now).max(1000) as u64);
    tracing::warn!(bucket = %bucket.key(), hits = counter.hits, "rate limit reached");
    Err(AppError::rate_limited(format!("{refusal} Try again in {}.", wait_phrase(wait)), wait))
}

pub async fn refund(db: &Db, bucket: Bucket<'_>) -> Result<(), AppError> {
    Ok(rate_limits::refund(&mut *db.writer().await?, &bucket.key()).await?)
}

pub async fn clear(db: &Db, bucket: Bucket<'_>) -> Result<(), AppError> {
    Ok(rate_limits::clear(&mut *db.writer().await?, &bucket.key()).await?)
}
