//! The database handle. Both backends run the same portable SQL (`$N` placeholders) through
//! sqlx's `Any` driver; everything that differs between SQLite and Postgres lives here.
use crate::domain::search::{SearchQuery, Term};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

pub use crate::server::write_turn::GroupCommit;
use crate::server::write_turn::{OpenGroup, TurnGuard, WriteTurns};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, String> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(format!("DATABASE_URL must start with sqlite:// or postgres:// (got `{}`)", redact(url)))
        }
    }
}

#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: std::sync::Arc<str>,
    /// SQLite: one writer at a time in this process (see `begin_write`).
    write_gate: std::sync::Arc<WriteTurns>,
    /// SQLite: the background checkpointer runs while any clone of this handle lives.
    _checkpointer_alive: std::sync::Arc<()>,
}

/// A write transaction from `Db::begin_write`; use it as the connection it wraps, then
/// `commit` (dropping it rolls back).
pub struct WriteTx {
    /// Open until the transaction ends.
    tx: Option<Transaction<'static, Any>>,
    /// SQLite: this process's write turn, held to the end.
    turn: Option<TurnGuard>,
    /// SQLite, grouped writers: the group this transaction carries and its waiting members,
    /// told how it ended.
    group: Option<(u64, Vec<tokio::sync::oneshot::Sender<bool>>)>,
    turns: Option<std::sync::Arc<WriteTurns>>,
}

impl WriteTx {
    fn new(tx: Transaction<'static, Any>, turn: Option<TurnGuard>) -> WriteTx {
        WriteTx { tx: Some(tx), turn, group: None, turns: None }
    }

    fn open(&mut self) -> Transaction<'static, Any> {
        self.tx.take().expect("a write transaction is open until it ends")
    }

    fn tell_members(&mut self, committed: bool) {
        for member in self.group.take().map(|(_, members)| members).unwrap_or_default() {
            let _ = member.send(committed);
        }
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let result = self.open().commit().await;
        self.tell_members(result.is_ok());
        result
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let result = self.open().rollback().await;
        self.tell_members(false);
        result
    }

    /// Commits, or, for a grouped writer while others queue on SQLite, leaves the transaction
    /// to the next writer and waits for the group's commit (see `write_turn`). Either way it
    /// returns once this writer's changes are committed, or were not.
    pub async fn commit_grouped(mut self) -> Result<GroupCommit, sqlx::Error> {
        let grouping = match (&self.turns, &self.group) {
            (Some(turns), Some((_, members))) => {
                turns.someone_waiting() && members.len() + 1 < crate::server::write_turn::GROUP_LIMIT
            }
            _ => false,
        };
        if !grouping {
            return self.commit().await.map(|()| GroupCommit::Committed);
        }
        let (Some(turns), Some(turn), Some((id, members))) = (self.turns.take(), self.turn.take(), self.group.take())
        else {
            unreachable!("checked above");
        };
        let tx = self.open();
        drop(self);
        Ok(crate::server::write_turn::hand_over(&turns, turn, OpenGroup { id, tx, members }).await)
    }
}

impl Drop for WriteTx {
    /// Ended without a commit: the transaction rolls back, and so does its group.
    fn drop(&mut self) {
        self.tell_members(false);
    }
}

/// A connection from `Db::writer`, holding this process's write turn on SQLite.
pub struct Writer {
    conn: sqlx::pool::PoolConnection<Any>,
    _gate: Option<TurnGuard>,
}

impl std::ops::Deref for Writer {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        self.tx.as_deref().expect("a write transaction is open until it ends")
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.tx.as_deref_mut().expect("a write transaction is open until it ends")
    }
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) if needed.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_default_drivers();
        let backend = Backend::from_url(url).map_err(|e| sqlx::Error::Configuration(e.into()))?;
        let pool = match backend {
            Backend::Sqlite => {
                let url = sqlite_url_with_create(url)?;
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; the busy timeout makes a
                            // second writer wait for the lock instead of failing at once. The
                            // checkpointer (below) copies the log back into the database, so a
                            // writer holding the lock does it only when it has fallen far behind.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                                 PRAGMA wal_autocheckpoint = 8000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect(url).await?
            }
        };
        let alive = std::sync::Arc::new(());
        if backend == Backend::Sqlite {
            spawn_checkpointer(pool.clone(), std::sync::Arc::downgrade(&alive));
        }
        Ok(Db { pool, backend, url: url.into(), write_gate: Default::default(), _checkpointer_alive: alive })
    }

    pub async fn migrate(&self) -> Result<(), MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A transaction that will write after reading. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`): a deferred transaction that upgrades to a writer under contention
    /// fails with SQLITE_BUSY_SNAPSHOT instead of waiting. SQLite has one writer anyway, so
    /// this process's writers first take their turn in order (`write_turn`). Postgres callers
    /// lock the rows they read with `FOR UPDATE` or use a single conditional statement.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = self.write_gate.take_settled().await;
                let tx = begin_detached(&self.pool, Some("BEGIN IMMEDIATE")).await?;
                Ok(WriteTx::new(tx, Some(turn)))
            }
            Backend::Postgres => Ok(WriteTx::new(begin_detached(&self.pool, None).await?, None)),
        }
    }

    /// `begin_write` for a writer that may share its transaction with others like it (group
    /// commit on SQLite; see `write_turn`): its work must be independent of theirs and safe to
    /// run again, since a group's failure rolls every member back. End it with
    /// `WriteTx::commit_grouped`.
    pub async fn begin_grouped_write(&self) -> Result<WriteTx, sqlx::Error> {
        if self.backend == Backend::Postgres {
            return self.begin_write().await;
        }
        let mut turn = self.write_gate.take().await;
        let (tx, group) = match turn.open_group.take() {
            Some(open) => (open.tx, (open.id, open.members)),
            None => (
                begin_detached(&self.pool, Some("BEGIN IMMEDIATE")).await?,
                (self.write_gate.new_group_id(), Vec::new()),
            ),
        };
        Ok(WriteTx { tx: Some(tx), turn: Some(turn), group: Some(group), turns: Some(self.write_gate.clone()) })
    }

    /// A connection for one self-contained write statement (autocommit), taking its turn like
    /// `begin_write` on SQLite: a statement that met a writer's transaction in SQLite's busy
    /// handler instead slept there, and the writers behind it waited too.
    pub async fn writer(&self) -> Result<Writer, sqlx::Error> {
        let gate = match self.backend {
            Backend::Sqlite => Some(self.write_gate.take_settled().await),
            Backend::Postgres => None,
        };
        Ok(Writer { conn: self.pool.acquire().await?, _gate: gate })
    }

    /// Serialises writers of one bot's team and billing state for the rest of the transaction.
    /// Postgres locks the bot row; SQLite's `BEGIN IMMEDIATE` already holds the write lock.
    pub async fn lock_bot(&self, conn: &mut sqlx::AnyConnection, bot: i64) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM bots WHERE id = $1 FOR UPDATE").bind(bot).execute(conn).await?;
        }
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn write_turns(&self) -> &WriteTurns {
        &self.write_gate
    }

    /// The URL this handle was opened with (Postgres listeners open their own connection).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Opens a transaction in a task of its own. sqlx 0.8's `begin` is not cancel-safe: a request
/// dropped mid-`BEGIN` (the browser closed the tab) can return its connection to the pool
/// inside a transaction nobody owns — holding SQLite's write lock, so every other writer waited
/// 5 s and failed, and later autocommit writes on that connection were never committed. Here a
/// cancelled caller only drops the task's handle: the begin completes, and the transaction it
/// made is dropped in the task, which rolls it back.
async fn begin_detached(
    pool: &AnyPool,
    statement: Option<&'static str>,
) -> Result<Transaction<'static, Any>, sqlx::Error> {
    let pool = pool.clone();
    let begin = tokio::spawn(async move {
        match statement {
            Some(statement) => pool.begin_with(statement).await,
            None => pool.begin().await,
        }
    });
    begin.await.map_err(|err| sqlx::Error::Protocol(format!("opening a transaction failed: {err}")))?
}

/// Copies SQLite's write-ahead log back into the database file every 100 ms, beside the
/// writers. Left to SQLite, the commit that crosses the log's size limit does it (copying a few
/// MB and syncing the file) while it holds the one write lock: every writer queued behind it
/// waited ~10 ms. A passive checkpoint never blocks a writer or a reader.
fn spawn_checkpointer(pool: AnyPool, alive: std::sync::Weak<()>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if alive.strong_count() == 0 || pool.is_closed() {
                return;
            }
            if let Err(err) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                tracing::warn!(error = %err, "could not checkpoint the SQLite log");
            }
        }
    });
}

/// The Postgres channel that carries "bot N has new live events" between server processes.
pub const EVENTS_CHANNEL: &str = "switchboard_events";

/// Tells other server processes that `bot` has new live events. Postgres delivers the
/// notification when the transaction commits (and never if it rolls back); SQLite serves one
/// process, which wakes its streams itself after the commit.
pub async fn notify_event(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    bot: crate::domain::BotId,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)").bind(EVENTS_CHANNEL).bind(bot.0.to_string()).execute(conn).await?;
    }
    Ok(())
}

/// SQL appending `rows` live events to a bot's log in one round trip, numbered on from the
/// bot's counter, which it advances: `$1` the bot, `$2` how many, `$3` the time, then kind,
/// conversation and payload of each event from `$4`. Postgres runs the counter's UPDATE as a
/// CTE of the INSERT; SQLite has no writing CTEs, so it runs the two statements as one batch
/// (binding `$N` by number across it). Either way the bot row stays locked to the commit, so
/// numbers are gapless and appear in order.
pub fn append_events_sql(backend: Backend, rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let b = 4 + i * 3;
            match backend {
                Backend::Postgres => format!("({}, ${b}::text, ${}::bigint, ${}::text)", i + 1, b + 1, b + 2),
                Backend::Sqlite => format!("({}, ${b}, ${}, ${})", i + 1, b + 1, b + 2),
            }
        })
        .collect();
    let rows = format!("v (n, kind, conversation_id, payload) AS (VALUES {})", values.join(", "));
    let insert = "INSERT INTO events (bot_id, seq, kind, conversation_id, payload, created_at) \
                  SELECT $1, c.event_seq - $2 + v.n, v.kind, v.conversation_id, v.payload, $3";
    match backend {
        Backend::Postgres => format!(
            "WITH c AS (UPDATE bots SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq), {rows} \
             {insert} FROM c, v ORDER BY v.n"
        ),
        Backend::Sqlite => format!(
            "UPDATE bots SET event_seq = event_seq + $2 WHERE id = $1; \
             WITH {rows} {insert} FROM (SELECT event_seq FROM bots WHERE id = $1) c, v ORDER BY v.n"
        ),
    }
}

/// Claims up to `limit` due outbox rows for this worker until `lock_until`. On Postgres
/// `FOR UPDATE SKIP LOCKED` lets several processes claim at once without taking the same row;
/// SQLite has one writer, so the conditional UPDATE alone is exclusive. A reply whose
/// conversation has an earlier one claimed by a worker waits for it: one conversation's replies
/// are sent one after another, in order, by one worker at a time.
pub async fn claim_outbox(db: &Db, now: i64, lock_until: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    let due = "SELECT o.id FROM outbox o JOIN messages m ON m.id = o.message_id \
               WHERE o.status = 'pending' AND o.next_attempt_at <= $1 AND o.locked_until <= $1 \
               AND NOT EXISTS (SELECT 1 FROM messages e JOIN outbox eo ON eo.message_id = e.id \
                   WHERE e.conversation_id = m.conversation_id AND e.id < m.id \
                   AND eo.status = 'pending' AND eo.locked_until > $1) \
               ORDER BY o.next_attempt_at, o.id LIMIT $3";
    let pick = match db.backend {
        Backend::Postgres => format!("{due} FOR UPDATE OF o SKIP LOCKED"),
        Backend::Sqlite => due.to_string(),
    };
    sqlx::query_scalar(&format!(
        "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id IN ({pick}) RETURNING id"
    ))
    .bind(now)
    .bind(lock_until)
    .bind(limit)
    .fetch_all(&mut *db.writer().await?)
    .await
}

/// The newest `limit` messages of `bot` matching every term of `query`, as SQL selecting
/// `id` with its bound values (placeholders from `$first`). With `contact_search_sql`, the one
/// place the two full-text engines differ: SQLite's FTS5 indexes (scoped to the bot inside the
/// index) and Postgres' tsvectors with their GIN indexes. Terms are always bound as values,
/// never spliced into SQL.
pub fn message_search_sql(
    backend: Backend,
    bot: i64,
    query: &SearchQuery,
    limit: i64,
    first: usize,
) -> (String, Vec<SqlValue>) {
    match backend {
        Backend::Sqlite => {
            let sql = format!(
                "SELECT rowid AS id FROM message_search WHERE message_search MATCH ${first} ORDER BY rowid DESC LIMIT ${}",
                first + 1
            );
            (sql, vec![SqlValue::Text(fts5_match(bot, "body", query)), SqlValue::Int(limit)])
        }
        Backend::Postgres => {
            let mut binds = vec![SqlValue::Int(bot), SqlValue::Int(limit)];
            let matching = tsquery(query, first, &mut binds);
            // Ordered by `m.id + 0`, not `m.id`: the planner, misjudging how common a prefix is
            // (it guessed 20,000 matches of `18785:*` for 10), would otherwise walk the primary
            // key backwards testing every message (180 ms over a million) instead of asking the
            // GIN index. Words common everywhere seldom get here: the newest conversations,
            // checked first (`conversations_checked_first`), fill their page.
            let sql = format!(
                "SELECT m.id FROM messages m WHERE m.bot_id = ${first} AND m.search @@ ({matching}) ORDER BY m.id + 0 DESC LIMIT ${}",
                first + 1
            );
            (sql, binds)
        }
    }
}

/// Whether message `alias` (a row of `messages`) matches every term of `query`, as an SQL
/// condition with its bound values (placeholders from `$first`): the per-message form of
/// `message_search_sql`, for checking a few known conversations rather than finding matches.
pub fn message_match_sql(
    backend: Backend,
    bot: i64,
    alias: &str,
    query: &SearchQuery,
    first: usize,
) -> (String, Vec<SqlValue>) {
    match backend {
        // Correct but not what SQLite is fast at (the IN list is every match of the bot); SQLite
        // never walks conversations (see `conversations_checked_first`).
        Backend::Sqlite => (
            format!("{alias}.id IN (SELECT rowid FROM message_search WHERE message_search MATCH ${first})"),
            vec![SqlValue::Text(fts5_match(bot, "body", query))],
        ),
        Backend::Postgres => {
            let mut binds = Vec::new();
            let matching = tsquery(query, first, &mut binds);
            (format!("{alias}.search @@ ({matching})"), binds)
        }
    }
}

/// How many of the newest conversations (in list order, within the filters) a search checks
/// one by one before it asks the full-text index, or `None` to go to the index at once.
/// Postgres' GIN index cannot hand back matches newest first, so a common word costs every
/// match (two common words over a million messages: 120 ms and more); checking
/// the newest 500 conversations' messages through their (conversation_id, id) index costs a few
/// milliseconds and, when it fills a page, is exact. Rarer words fill no page that way and go
/// to the index, where they are cheap. SQLite's FTS5 walks its index newest first by itself.
pub fn conversations_checked_first(backend: Backend) -> Option<i64> {
    match backend {
        Backend::Postgres => Some(500),
        Backend::Sqlite => None,
    }
}

/// The newest `limit` contacts of `bot` with every term of `query` in their name, email or
/// phone (word by word, like messages), as SQL selecting `id` with its bound values.
pub fn contact_search_sql(
    backend: Backend,
    bot: i64,
    query: &SearchQuery,
    limit: i64,
    first: usize,
) -> (String, Vec<SqlValue>) {
    match backend {
        Backend::Sqlite => {
            let sql = format!(
                "SELECT rowid AS id FROM contact_search WHERE contact_search MATCH ${first} ORDER BY rowid DESC LIMIT ${}",
                first + 1
            );
            (sql, vec![SqlValue::Text(fts5_match(bot, "card", query)), SqlValue::Int(limit)])
        }
        Backend::Postgres => {
            let mut binds = vec![SqlValue::Int(bot), SqlValue::Int(limit)];
            let matching = tsquery(query, first, &mut binds);
            let sql = format!(
                "SELECT k.id FROM contacts k WHERE k.bot_id = ${first} AND k.search @@ ({matching}) ORDER BY k.id DESC LIMIT ${}",
                first + 1
            );
            (sql, binds)
        }
    }
}

/// An FTS5 query: the bot's token, and every term in `column`.
fn fts5_match(bot: i64, column: &str, query: &SearchQuery) -> String {
    // FTS5 strings are double-quoted; the parser never leaves a quote inside a term.
    let quoted = |t: &str| format!("\"{}\"", t.replace('"', ""));
    let terms: Vec<String> = query
        .terms()
        .iter()
        .map(|t| match t {
            Term::Word(w) | Term::Phrase(w) => format!("{column} : {}", quoted(w)),
            Term::Prefix(w) => format!("{column} : {} *", quoted(w)),
        })
        .collect();
    format!("bot : \"b{bot}\" AND {}", terms.join(" AND "))
}

/// A Postgres tsquery of every term, its texts bound after `binds` (placeholders from `$first`).
fn tsquery(query: &SearchQuery, first: usize, binds: &mut Vec<SqlValue>) -> String {
    let mut parts = Vec::new();
    for term in query.terms() {
        let n = first + binds.len();
        match term {
            Term::Word(w) | Term::Phrase(w) => {
                parts.push(format!("phraseto_tsquery('simple', ${n})"));
                binds.push(SqlValue::Text(w.clone()));
            }
            // A prefix term is one run of letters and digits (see `SearchQuery::parse`).
            Term::Prefix(w) => {
                parts.push(format!("to_tsquery('simple', ${n})"));
                binds.push(SqlValue::Text(format!("{w}:*")));
            }
        }
    }
    parts.join(" && ")
}

/// A value bound into SQL built at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Int(i64),
    Text(String),
}

/// Versions of both migration folders, for the test that keeps them in step.
pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
    let versions = |m: &Migrator| m.iter().map(|m| m.version).collect();
    (versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS))
}

/// Current time as Unix milliseconds. Timestamps are always passed from Rust, never taken
/// from the database clock, so both backends store the same values.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Stored flags are integers 0/1 on both backends: the `Any` driver cannot decode SQLite booleans.
pub fn flag(value: i64) -> bool {
    value != 0
}

fn sqlite_url_with_create(url: &str) -> Result<String, sqlx::Error> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(sqlx::Error::Configuration(
            "an SQLite DATABASE_URL must name a file, e.g. sqlite://data/switchboard.db".into(),
        ));
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// A URL safe to print: the password, if any, is hidden.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/x.db"), Ok(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Ok(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db"), Ok(Backend::Postgres));
        assert!(Backend::from_url("mysql://u@h/db").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://sb:secret@db:5432/sb"), "postgres://sb:***@db:5432/sb");
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn migration_folders_have_identical_versions() {
        let (sqlite, postgres) = migration_versions();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
