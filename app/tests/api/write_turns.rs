//! Group commit on SQLite's write turn (`Db::begin_grouped_write`): members share one commit,
//! are acknowledged only after it, and are all rolled back when one fails; a writer of another
//! kind commits a waiting group before its own work. Postgres has no write turn (each writer
//! commits alone), so these run on SQLite only.
use app::server::Db;
use app::server::db::{Backend, GroupCommit};
use std::time::Duration;
use testkit::TestDb;

async fn probe_table() -> Option<TestDb> {
    let t = TestDb::new().await;
    if t.db.backend() != Backend::Sqlite {
        return None;
    }
    sqlx::query("CREATE TABLE turn_probe (n INTEGER NOT NULL)").execute(t.db.pool()).await.unwrap();
    Some(t)
}

async fn insert(tx: &mut app::server::db::WriteTx, n: i64) {
    sqlx::query("INSERT INTO turn_probe (n) VALUES ($1)").bind(n).execute(&mut **tx).await.unwrap();
}

async fn stored(db: &Db) -> Vec<i64> {
    sqlx::query_scalar("SELECT n FROM turn_probe ORDER BY n").fetch_all(db.pool()).await.unwrap()
}

/// A holds the turn; `second` queues behind it; A commits grouped and hands its transaction
/// over; returns A's outcome once `second` has ended.
async fn a_then(db: &Db, second: impl FnOnce(Db) -> tokio::task::JoinHandle<()>) -> GroupCommit {
    let mut a = db.begin_grouped_write().await.unwrap();
    insert(&mut a, 1).await;
    let b = second(db.clone());
    tokio::time::sleep(Duration::from_millis(30)).await;
    let outcome = a.commit_grouped().await.unwrap();
    b.await.unwrap();
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_of_a_group_share_one_commit() {
    let Some(t) = probe_table().await else { return };
    let outcome = a_then(&t.db, |db| {
        tokio::spawn(async move {
            let mut b = db.begin_grouped_write().await.unwrap();
            assert_eq!(stored(&db).await, Vec::<i64>::new(), "A is not committed while B works in its group");
            insert(&mut b, 2).await;
            assert_eq!(b.commit_grouped().await.unwrap(), GroupCommit::Committed);
        })
    })
    .await;
    assert_eq!(outcome, GroupCommit::Committed);
    assert_eq!(stored(&t.db).await, vec![1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_member_rolls_the_group_back_and_says_so() {
    let Some(t) = probe_table().await else { return };
    let outcome = a_then(&t.db, |db| {
        tokio::spawn(async move {
            let mut b = db.begin_grouped_write().await.unwrap();
            insert(&mut b, 2).await;
            drop(b); // an error in B's work: its transaction rolls back, the group's with it
        })
    })
    .await;
    assert_eq!(outcome, GroupCommit::RolledBack, "A learns that nothing of it was stored");
    assert_eq!(stored(&t.db).await, Vec::<i64>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_kind_of_writer_commits_the_waiting_group_first() {
    let Some(t) = probe_table().await else { return };
    let outcome = a_then(&t.db, |db| {
        tokio::spawn(async move {
            let mut c = db.begin_write().await.unwrap();
            assert_eq!(stored(&db).await, vec![1], "the group was committed before C began");
            insert(&mut c, 3).await;
            c.rollback().await.unwrap();
        })
    })
    .await;
    assert_eq!(outcome, GroupCommit::Committed, "C's rollback is its own");
    assert_eq!(stored(&t.db).await, vec![1]);
}
