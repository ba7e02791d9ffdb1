//! Live updates within one server process. The event log in the database is the truth; this
//! hub only fans it out. One feed per bot with listeners reads new events once and broadcasts
//! them; each subscription delivers every event after its cursor exactly once, in order,
//! reading the log itself whenever it may have missed something (it just connected, it fell
//! behind, or a number was skipped).
//!
//! Wake-ups: a service that committed events calls `Hub::wake`; on Postgres a listener turns
//! other processes' NOTIFYs into the same call (`listen_postgres`); a slow poll covers a lost
//! notification.
use super::db::{Backend, Db, EVENTS_CHANNEL};
use super::repo::events;
use crate::domain::BotId;
use crate::domain::events::Numbered;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};

/// Events read from the log per query.
const BATCH: i64 = 500;
/// Feeds look at the log at least this often even without a wake-up.
const POLL: Duration = Duration::from_secs(2);
/// Broadcast buffer per bot; a subscriber further behind reads the log instead.
const BUFFER: usize = 1024;

#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    db: Db,
    outbox: super::outbox::OutboxSignal,
    feeds: Mutex<HashMap<BotId, Arc<Feed>>>,
    /// Set once the server begins to shut down: open streams end.
    closing: tokio::sync::watch::Sender<bool>,
}

struct Feed {
    tx: broadcast::Sender<Arc<Numbered>>,
    wake: Notify,
}

impl Hub {
    pub fn new(db: Db) -> Hub {
        let inner = HubInner {
            db,
            outbox: Default::default(),
            feeds: Mutex::new(HashMap::new()),
            closing: tokio::sync::watch::channel(false).0,
        };
        Hub { inner: Arc::new(inner) }
    }

    /// `bot` has new events in the log (called after the commit that wrote them).
    pub fn wake(&self, bot: BotId) {
        let feeds = self.inner.feeds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(feed) = feeds.get(&bot) {
            feed.wake.notify_one();
        }
    }

    /// The server is shutting down: every open live stream ends (clients reconnect and resume).
    pub fn close_streams(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves once `close_streams` was called.
    pub fn closing(&self) -> impl Future<Output = ()> + Send + use<> {
        let mut closing = self.inner.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }

    /// A reply was queued for delivery (wakes this process's outbox worker).
    pub fn outbox_queued(&self) {
        self.inner.outbox.queued();
    }

    /// What the outbox worker waits on.
    pub fn outbox_signal(&self) -> super::outbox::OutboxSignal {
        self.inner.outbox.clone()
    }

    /// Every event of `bot` numbered after `after`.
    pub fn subscribe(&self, bot: BotId, after: i64) -> Subscription {
        Subscription {
            hub: self.clone(),
            bot,
            cursor: after,
            rx: self.receiver(bot, after),
            backlog: VecDeque::new(),
            caught_up: false,
        }
    }

    /// A receiver of `bot`'s feed, started if needed. Subscribing under the lock means a feed
    /// never retires between being found and being listened to.
    /// A feed started here begins after `after` (the subscriber's cursor): an event committed
    /// between the subscription and the feed's first look at the log is still broadcast.
    fn receiver(&self, bot: BotId, after: i64) -> broadcast::Receiver<Arc<Numbered>> {
        let mut feeds = self.inner.feeds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(feed) = feeds.get(&bot) {
            return feed.tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(BUFFER);
        let feed = Arc::new(Feed { tx, wake: Notify::new() });
        feeds.insert(bot, feed.clone());
        tokio::spawn(run_feed(self.clone(), bot, feed, after));
        rx
    }

    /// Removes `bot`'s feed if nobody listens (checked under the lock, so a subscriber that
    /// arrives meanwhile keeps it).
    fn retire(&self, bot: BotId, feed: &Arc<Feed>) -> bool {
        let mut feeds = self.inner.feeds.lock().unwrap_or_else(|e| e.into_inner());
        if feed.tx.receiver_count() == 0 {
            feeds.remove(&bot);
            true
        } else {
            false
        }
    }
}

async fn run_feed(hub: Hub, bot: BotId, feed: Arc<Feed>, after: i64) {
    let db = hub.inner.db.clone();
    // From the first subscriber's cursor, but never a long backlog (a subscriber far behind
    // reads it from the log itself).
    let mut last = match events::latest(db.pool(), bot).await {
        Ok(latest) => after.max(latest - BATCH),
        Err(err) => {
            tracing::error!(error = %err, bot = %bot, "live feed could not start");
            after
        }
    };
    loop {
        tokio::select! {
            _ = feed.wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
        if feed.tx.receiver_count() == 0 && hub.retire(bot, &feed) {
            return;
        }
        loop {
            let batch = match events::after(db.pool(), bot, last, BATCH).await {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(error = %err, bot = %bot, "live feed could not read the log");
                    break;
                }
            };
            let full = batch.len() as i64 == BATCH;
            for event in batch {
                last = event.seq;
                // No receivers is fine: subscribers read the log when they arrive.
                let _ = feed.tx.send(Arc::new(event));
            }
            if !full {
                break;
            }
        }
    }
}

/// One listener's ordered, gap-free view of a bot's events after its cursor.
pub struct Subscription {
    hub: Hub,
    bot: BotId,
    cursor: i64,
    rx: broadcast::Receiver<Arc<Numbered>>,
    backlog: VecDeque<Numbered>,
    caught_up: bool,
}

impl Subscription {
    /// The number of the last event delivered.
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// The next event; waits for one. `Err` only if the log cannot be read.
    pub async fn next(&mut self) -> Result<Numbered, sqlx::Error> {
        loop {
            if !self.caught_up {
                // Read what happened since the cursor before trusting the broadcast.
                self.refill().await?;
                self.caught_up = true;
            }
            if let Some(event) = self.backlog.pop_front() {
                if event.seq > self.cursor {
                    self.cursor = event.seq;
                    return Ok(event);
                }
                continue;
            }
            match self.rx.recv().await {
                Ok(event) if event.seq <= self.cursor => continue,
                Ok(event) if event.seq == self.cursor + 1 => {
                    self.cursor = event.seq;
                    return Ok((*event).clone());
                }
                // A number was skipped (we subscribed mid-batch) or we fell behind: the log
                // has everything.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => self.caught_up = false,
                // Feeds retire only without receivers, so this is a defensive re-join.
                Err(broadcast::error::RecvError::Closed) => {
                    self.rx = self.hub.receiver(self.bot, self.cursor);
                    self.caught_up = false;
                }
            }
        }
    }

    async fn refill(&mut self) -> Result<(), sqlx::Error> {
        let batch = events::after(self.hub.inner.db.pool(), self.bot, self.cursor, BATCH).await?;
        self.backlog.extend(batch);
        Ok(())
    }
}

/// On Postgres: turns NOTIFYs from every server process into wake-ups of this process's feeds.
/// Reconnects after a lost connection; feeds poll meanwhile.
pub fn listen_postgres(hub: Hub) {
    if hub.inner.db.backend() != Backend::Postgres {
        return;
    }
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(hub.inner.db.url()).await {
                Ok(mut listener) => {
                    if let Err(err) = listener.listen(EVENTS_CHANNEL).await {
                        tracing::warn!(error = %err, "could not LISTEN for live events");
                    } else {
                        loop {
                            match listener.recv().await {
                                Ok(note) => {
                                    if let Ok(bot) = note.payload().parse::<i64>() {
                                        hub.wake(BotId(bot));
                                    }
                                }
                                Err(err) => {
                                    tracing::warn!(error = %err, "live event listener lost its connection");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "could not connect the live event listener"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}
