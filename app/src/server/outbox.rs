//! Delivers agent replies to API channels' outbound URLs. Each server process runs one worker;
//! rows are claimed (`db::claim_outbox`), so with several processes on Postgres each reply is
//! delivered by exactly one of them. A failed attempt is retried with exponential backoff; after
//! `MAX_ATTEMPTS` the reply is marked failed and a person can retry it.
use super::db::{Db, now_ms};
use super::live::Hub;
use super::repo::{events, inbox, outbox};
use super::secrets;
use crate::domain::events::LiveEvent;
use crate::domain::inbox::Delivery;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claim lasts: longer than a delivery can take (the HTTP timeout).
const CLAIM_MS: i64 = 60_000;
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Backoff before attempt `attempts + 1`: 1 s, 2 s, 4 s, … capped at 10 minutes.
pub fn backoff_ms(attempts: i64, base_ms: i64) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    (base_ms.saturating_mul(1 << exp)).min(600_000)
}

/// Wakes the worker when a reply was queued (it also polls).
#[derive(Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    pub fn queued(&self) {
        self.0.notify_one();
    }
}

/// The JSON an outbound URL receives (documented in README).
#[derive(Debug, serde::Serialize)]
struct OutboundReply<'a> {
    message_id: i64,
    conversation_id: i64,
    contact_id: &'a str,
    text: &'a str,
    agent_name: &'a str,
    sent_at_ms: i64,
    /// A file sent with the reply: a signed link that works for 24 hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment: Option<OutboundFile>,
}

#[derive(Debug, serde::Serialize)]
struct OutboundFile {
    url: String,
    file_name: String,
    content_type: &'static str,
    size_bytes: i64,
}

pub struct Worker {
    pub db: Db,
    pub hub: Hub,
    pub signal: OutboxSignal,
    /// The first retry's delay; doubled each time (tests shorten it).
    pub base_backoff_ms: i64,
    pub poll: Duration,
    /// The base of file links (`Settings::public_url`).
    pub public_url: String,
}

impl Worker {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run().await })
    }

    async fn run(self) {
        let client = match reqwest::Client::builder().timeout(HTTP_TIMEOUT).build() {
            Ok(client) => client,
            Err(err) => {
                tracing::error!(error = %err, "outbox worker could not build its HTTP client");
                return;
            }
        };
        loop {
            match self.run_once(&client).await {
                Ok(0) => {
                    tokio::select! {
                        _ = self.signal.0.notified() => {}
                        _ = tokio::time::sleep(self.poll) => {}
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "outbox worker failed a round");
                    tokio::time::sleep(self.poll).await;
                }
            }
        }
    }

    /// Claims and delivers what is due; returns how many rows it handled.
    pub async fn run_once(&self, client: &reqwest::Client) -> Result<usize, sqlx::Error> {
        let now = now_ms();
        let claimed = super::db::claim_outbox(&self.db, now, now + CLAIM_MS, 16).await?;
        for id in &claimed {
            if let Some(delivery) = outbox::delivery(self.db.pool(), *id).await? {
                self.deliver(client, delivery).await?;
            }
        }
        Ok(claimed.len())
    }

    async fn deliver(&self, client: &reqwest::Client, d: outbox::Delivery) -> Result<(), sqlx::Error> {
        // Links are signed at each attempt, so a retry hours later still carries a live one.
        let file = super::repo::media::of_message(self.db.pool(), d.message_id).await?.map(|mut view| {
            super::services::media::sign_links(&mut view, &d.secret);
            OutboundFile {
                url: format!("{}{}", self.public_url, view.url),
                file_name: view.file_name,
                content_type: view.media_type.code(),
                size_bytes: view.size_bytes,
            }
        });
        let result = match &d.outbound_url {
            None => Err("the channel has no outbound URL".to_string()),
            Some(url) => send(client, url, &d, file).await,
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        self.db.lock_bot(&mut tx, d.bot_id.0).await?;
        let delivery = match result {
            Ok(()) => {
                outbox::mark_delivered(&mut *tx, d.outbox_id, now).await?;
                Delivery::Delivered
            }
            Err(error) if d.attempts >= MAX_ATTEMPTS => {
                tracing::warn!(message = %d.message_id, attempts = d.attempts, %error, "reply delivery failed for good");
                outbox::mark_attempt_failed(&mut *tx, d.outbox_id, &error, None).await?;
                Delivery::Failed
            }
            Err(error) => {
                let next = now + backoff_ms(d.attempts, self.base_backoff_ms);
                tracing::info!(message = %d.message_id, attempts = d.attempts, %error, "reply delivery will be retried");
                outbox::mark_attempt_failed(&mut *tx, d.outbox_id, &error, Some(next)).await?;
                Delivery::Pending
            }
        };
        if delivery != Delivery::Pending {
            inbox::set_delivery(&mut *tx, d.message_id, delivery).await?;
            let event = LiveEvent::DeliveryChanged { conversation: d.conversation_id, message: d.message_id, delivery };
            events::append(&mut tx, self.db.backend(), d.bot_id, &event).await?;
        }
        tx.commit().await?;
        self.hub.wake(d.bot_id);
        Ok(())
    }
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    d: &outbox::Delivery,
    attachment: Option<OutboundFile>,
) -> Result<(), String> {
    let body = OutboundReply {
        message_id: d.message_id.0,
        conversation_id: d.conversation_id.0,
        contact_id: &d.contact_external_id,
        text: &d.body,
        agent_name: &d.author_name,
        sent_at_ms: d.created_at,
        attachment,
    };
    let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let timestamp = now_ms() / 1000;
    let signature = secrets::sign_webhook(&d.secret, timestamp, &body);
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-switchboard-timestamp", timestamp.to_string())
        .header("x-switchboard-signature", format!("sha256={signature}"))
        // The receiver can deduplicate on this if an acknowledgement is lost.
        .header("idempotency-key", format!("switchboard-message-{}", d.message_id))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("could not reach the outbound URL: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the outbound URL answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(1, 1000), 1000);
        assert_eq!(backoff_ms(2, 1000), 2000);
        assert_eq!(backoff_ms(4, 1000), 8000);
        assert_eq!(backoff_ms(30, 1000), 600_000);
    }
}
