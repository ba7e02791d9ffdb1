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
            Bucket::WidgetStartFromAddress(ip) => format!("widget_start:ip:{ip}"),
            Bucket::WidgetFromAddress(ip) => format!("widget:ip:{ip}"),
            Bucket::WidgetFromVisitor(visitor) => format!("widget:visitor:{visitor}"),
        }
    }
}

/// Counts one hit; over the limit → 429 whose message is `refusal` followed by how long to wait.
pub async fn take(db: &Db, bucket: Bucket<'_>, limit: Limit, refusal: &str) -> Result<(), AppError> {
    let now = now_ms();
    let counter = rate_limits::hit(db.pool(), &bucket.key(), now, limit.window.as_millis() as i64).await?;
    if counter.hits <= limit.max {
        return Ok(());
    }
    let wait = Duration::from_millis((counter.resets_at - now).max(1000) as u64);
    tracing::warn!(bucket = %bucket.key(), hits = counter.hits, "rate limit reached");
    Err(AppError::rate_limited(format!("{refusal} Try again in {}.", wait_phrase(wait)), wait))
}

pub async fn refund(db: &Db, bucket: Bucket<'_>) -> Result<(), AppError> {
    Ok(rate_limits::refund(db.pool(), &bucket.key()).await?)
}

pub async fn clear(db: &Db, bucket: Bucket<'_>) -> Result<(), AppError> {
    Ok(rate_limits::clear(db.pool(), &bucket.key()).await?)
}
