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
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub const MAX_ATTEMPTS: i64 = 8;
/// How long one delivery may take (the HTTP timeout). A claim on a row lasts twice that from
/// the start of each send, so it never runs out while its reply is being sent.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

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
    /// `SEND_TIMEOUT` (tests shorten it).
    pub send_timeout: Duration,
}

impl Worker {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { Arc::new(self).run().await })
    }

    fn lease_ms(&self) -> i64 {
        2 * self.send_timeout.as_millis() as i64
    }

    async fn run(self: Arc<Self>) {
        let client = match reqwest::Client::builder().timeout(self.send_timeout).build() {
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

    /// Claims and delivers what is due: one conversation's replies in order, conversations side
    /// by side (a slow receiver holds up only its own). Returns how many rows it claimed.
    async fn run_once(self: &Arc<Self>, client: &reqwest::Client) -> Result<usize, sqlx::Error> {
        let now = now_ms();
        let lease = now + self.lease_ms();
        let claimed = super::db::claim_outbox(&self.db, now, lease, 16).await?;
        let mut by_conversation: BTreeMap<i64, Vec<outbox::Delivery>> = BTreeMap::new();
        for id in &claimed {
            if let Some(delivery) = outbox::delivery(self.db.pool(), *id).await? {
                by_conversation.entry(delivery.conversation_id.0).or_default().push(delivery);
            }
        }
        let mut sends = tokio::task::JoinSet::new();
        for mut queue in by_conversation.into_values() {
            // In the order they were written (a claim returns its rows in any order).
            queue.sort_by_key(|d| d.outbox_id);
            let (worker, client) = (self.clone(), client.clone());
            sends.spawn(async move { worker.deliver_in_order(&client, queue, lease).await });
        }
        let mut failed = None;
        while let Some(done) = sends.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(err)) => failed = Some(err),
                Err(err) => tracing::error!(error = %err, "an outbox delivery task failed"),
            }
        }
        match failed {
            Some(err) => Err(err),
            None => Ok(claimed.len()),
        }
    }

    async fn deliver_in_order(
        &self,
        client: &reqwest::Client,
        queue: Vec<outbox::Delivery>,
        mut held: i64,
    ) -> Result<(), sqlx::Error> {
        let ids: Vec<i64> = queue.iter().map(|d| d.outbox_id).collect();
        for (n, delivery) in queue.into_iter().enumerate() {
            // Each send starts with a fresh claim on its reply and on the ones after it, so no
            // other worker sends them meanwhile (twice, or out of order).
            let until = now_ms() + self.lease_ms();
            let rest = &ids[n..];
            if outbox::renew(&mut *self.db.writer().await?, rest, held, until).await? < rest.len() as u64 {
                tracing::warn!(conversation = %delivery.conversation_id.0, "outbox claim lost; its rows are another worker's");
                return Ok(());
            }
            held = until;
            self.deliver(client, delivery, held).await?;
        }
        Ok(())
    }

    async fn deliver(&self, client: &reqwest::Client, d: outbox::Delivery, held: i64) -> Result<(), sqlx::Error> {
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
        let (delivery, still_held) = match result {
            Ok(()) => (Delivery::Delivered, outbox::mark_delivered(&mut *tx, d.outbox_id, held, now).await?),
            Err(error) if d.attempts >= MAX_ATTEMPTS => {
                tracing::warn!(message = %d.message_id, attempts = d.attempts, %error, "reply delivery failed for good");
                (Delivery::Failed, outbox::mark_attempt_failed(&mut *tx, d.outbox_id, held, &error, None).await?)
            }
            Err(error) => {
                let next = now + backoff_ms(d.attempts, self.base_backoff_ms);
                tracing::info!(message = %d.message_id, attempts = d.attempts, %error, "reply delivery will be retried");
                (Delivery::Pending, outbox::mark_attempt_failed(&mut *tx, d.outbox_id, held, &error, Some(next)).await?)
            }
        };
        if !still_held {
            // Only if a send outlived its claim (it cannot, by the timeout); the row is another
            // worker's now, and so is recording its outcome.
            tracing::warn!(message = %d.message_id, "outbox claim ran out during a send");
            return tx.rollback().await;
        }
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
