//! SQLite's one write turn in this process, with group commit for writers that may share it.
//!
//! SQLite has one writer at a time, so this process's writers queue here, in order (waiting in
//! SQLite's busy handler instead sleeps up to 100 ms between polls). A *grouped* writer (an
//! inbound message: small, independent, safe to run again) that finishes while others wait
//! leaves its transaction open for the next one instead of committing, and waits: the writer
//! that ends the group commits once for everyone, so the group shares one `BEGIN`, one
//! `COMMIT` and one write of each page it changed. Each member is told whether that commit
//! happened; none is acknowledged before it. If a member fails, the group rolls back and the
//! others run again on their own. A writer of any other kind commits a waiting group first.
use sqlx::{Any, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// Members per group at most: the first waits for all of them (~1 ms each).
pub(crate) const GROUP_LIMIT: usize = 8;
/// How long a member waits for the next writer to take its group before committing it itself
/// (the writer it counted on may have been cancelled while queued).
const HANDOVER_TIMEOUT: Duration = Duration::from_millis(50);

#[derive(Default)]
pub(crate) struct WriteTurns {
    turn: Arc<Mutex<Turn>>,
    waiting: AtomicUsize,
    next_group: AtomicU64,
}

impl std::fmt::Debug for WriteTurns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTurns").field("waiting", &self.waiting.load(Ordering::Relaxed)).finish()
    }
}

/// What the turn holds between writers: a group left open for the next grouped writer.
#[derive(Default)]
pub(crate) struct Turn {
    pub(crate) open_group: Option<OpenGroup>,
}

pub(crate) struct OpenGroup {
    pub id: u64,
    pub tx: Transaction<'static, Any>,
    pub members: Vec<oneshot::Sender<bool>>,
}

/// Counts a writer as waiting until it has the turn (or gave up waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub(crate) type TurnGuard = OwnedMutexGuard<Turn>;

impl WriteTurns {
    /// Waits for the turn. The group it may hold is the caller's to take or to commit.
    pub async fn take(&self) -> TurnGuard {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        self.turn.clone().lock_owned().await
    }

    /// Waits for the turn with no group open: one left by a grouped writer is committed first.
    pub async fn take_settled(&self) -> TurnGuard {
        let mut turn = self.take().await;
        settle(&mut turn).await;
        turn
    }

    pub fn new_group_id(&self) -> u64 {
        self.next_group.fetch_add(1, Ordering::Relaxed)
    }

    /// A writer that queues and then never comes (its request was cancelled), for tests.
    #[cfg(test)]
    pub fn count_a_writer_that_never_comes(&self) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether another writer is queued for the turn (so a group left open will be taken).
    pub fn someone_waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }
}

/// Commits the group the turn holds, if any, and tells its members.
async fn settle(turn: &mut Turn) {
    if let Some(group) = turn.open_group.take() {
        let committed = match group.tx.commit().await {
            Ok(()) => true,
            Err(err) => {
                tracing::error!(error = %err, "a group of writes could not be committed");
                false
            }
        };
        for member in group.members {
            let _ = member.send(committed);
        }
    }
}

/// How a grouped commit ended for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupCommit {
    Committed,
    /// The group was rolled back (another member failed): nothing of this member's was
    /// stored, and it may run again on its own.
    RolledBack,
}

/// Leaves `group` open in `turn` for the next writer and waits to hear how it ended.
pub(crate) async fn hand_over(turns: &WriteTurns, mut turn: TurnGuard, mut group: OpenGroup) -> GroupCommit {
    let (told, mut outcome) = oneshot::channel();
    group.members.push(told);
    let id = group.id;
    turn.open_group = Some(group);
    drop(turn);
    let heard = match tokio::time::timeout(HANDOVER_TIMEOUT, &mut outcome).await {
        Ok(heard) => heard,
        Err(_) => {
            // Nobody took it in time: commit it now if it is still waiting in the turn.
            let mut turn = turns.take().await;
            if turn.open_group.as_ref().is_some_and(|g| g.id == id) {
                settle(&mut turn).await;
            }
            drop(turn);
            outcome.await
        }
    };
    // A dropped sender means the writer holding the group was cancelled: its rollback
    // (or, rarely, a commit this member cannot see) — running again is safe either way for
    // grouped writers, which are idempotent.
    if heard == Ok(true) { GroupCommit::Committed } else { GroupCommit::RolledBack }
}

#[cfg(test)]
mod tests {
    use super::GroupCommit;
    use crate::server::db::Db;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_group_whose_next_writer_never_comes_is_committed_by_its_member() {
        let dir = std::env::temp_dir().join(format!("switchboard-turns-{}", std::process::id()));
        let db = Db::connect(&format!("sqlite://{}/probe.db", dir.display())).await.unwrap();
        sqlx::query("CREATE TABLE turn_probe (n INTEGER NOT NULL)").execute(db.pool()).await.unwrap();
        let mut a = db.begin_grouped_write().await.unwrap();
        sqlx::query("INSERT INTO turn_probe (n) VALUES (1)").execute(&mut *a).await.unwrap();
        db.write_turns().count_a_writer_that_never_comes();
        assert_eq!(a.commit_grouped().await.unwrap(), GroupCommit::Committed, "committed after the wait ran out");
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM turn_probe").fetch_one(db.pool()).await.unwrap();
        assert_eq!(stored, 1);
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
