//! Inbox search: conversations of a bot whose messages match every term (full-text index) or
//! whose contact's name, email or phone has every term (both through full-text indexes), narrowed
//! by the list filters.
use crate::domain::inbox::{Scope, StatusFilter};
use crate::domain::search::SearchQuery;
use crate::domain::tags::TagFilter;
use crate::domain::{BotId, MemberId};
use crate::server::db::{
    Backend, SqlValue, contact_search_sql, conversations_checked_first, message_match_sql, message_search_sql,
};
use crate::server::repo::inbox::{filter_sql, tags_sql};
use crate::server::repo::placeholders;
use sqlx::{Any, Executor};

/// How many of the newest matching messages the index path considers: what is grouped into
/// conversations and sorted stays bounded however common the words are (on SQLite the index
/// also stops there; Postgres' GIN index still finds every match, which is why it checks the
/// newest conversations first).
pub const MATCHING_MESSAGES_CONSIDERED: i64 = 5_000;
/// The same bound for contacts whose name, email or phone match.
pub const MATCHING_CONTACTS_CONSIDERED: i64 = 5_000;

pub struct SearchFilter {
    pub bot: BotId,
    pub viewer: MemberId,
    pub status: StatusFilter,
    pub scope: Scope,
    pub tags: TagFilter,
    pub limit: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SearchRow {
    pub conversation_id: i64,
    /// The newest matching message; `None` when only the contact matched.
    pub message_id: Option<i64>,
}

/// `%text%` for LIKE, with LIKE's wildcards in `text` escaped (by `\`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Checks the newest conversations one by one where the backend prefers it (see
/// `db::conversations_checked_first`); when that fills no page, asks the full-text index.
pub async fn search(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    f: &SearchFilter,
    query: &SearchQuery,
) -> Result<Vec<SearchRow>, sqlx::Error> {
    if let Some(conversations) = conversations_checked_first(backend) {
        let rows = search_latest(&mut *conn, backend, f, query, conversations).await?;
        if rows.len() as i64 >= f.limit {
            return Ok(rows);
        }
    }
    search_in(&mut *conn, backend, f, query).await
}

async fn search_in<'c>(
    db: impl Executor<'c, Database = Any>,
    backend: Backend,
    f: &SearchFilter,
    query: &SearchQuery,
) -> Result<Vec<SearchRow>, sqlx::Error> {
    let (status_sql, scope_sql) = filter_sql(f.status, f.scope);
    let team = match f.scope {
        Scope::Team(team) => team.0,
        _ => 0,
    };
    // $1 bot, $2 viewer, $3 team, $4 result limit, then the tags, the message match, the contact match.
    let mut binds: Vec<SqlValue> = vec![SqlValue::Int(f.bot.0), SqlValue::Int(f.viewer.0), SqlValue::Int(team)];
    binds.push(SqlValue::Int(f.limit));
    let tags = tags_sql(&f.tags, binds.len() + 1);
    binds.extend(f.tags.ids().iter().map(|t| SqlValue::Int(t.0)));
    let (hits_sql, hit_binds) =
        message_search_sql(backend, f.bot.0, query, MATCHING_MESSAGES_CONSIDERED, binds.len() + 1);
    binds.extend(hit_binds);
    let (contacts_sql, contact_binds) =
        contact_search_sql(backend, f.bot.0, query, MATCHING_CONTACTS_CONSIDERED, binds.len() + 1);
    binds.extend(contact_binds);
    let sql = format!(
        r#"
        WITH hits AS ({hits_sql}),
        matched AS (
            SELECT m.conversation_id AS id, MAX(m.id) AS message_id
            FROM hits h JOIN messages m ON m.id = h.id GROUP BY m.conversation_id
        ),
        by_contact AS (
            SELECT c.id AS id, CAST(NULL AS BIGINT) AS message_id
            FROM conversations c
            WHERE c.bot_id = $1 AND c.contact_id IN ({contacts_sql})
        ),
        found AS (
            SELECT u.id, MAX(u.message_id) AS message_id
            FROM (SELECT id, message_id FROM matched UNION ALL SELECT id, message_id FROM by_contact) u
            GROUP BY u.id
        )
        SELECT c.id AS conversation_id, f.message_id
        FROM found f JOIN conversations c ON c.id = f.id
        WHERE c.bot_id = $1 AND {status_sql} AND {scope_sql}{tags}
          AND ($2 = $2) AND ($3 = $3) -- Postgres must see every bound parameter used
        ORDER BY c.last_activity_at DESC, c.id DESC
        LIMIT $4
        "#,
    );
    // Not kept as a prepared statement: Postgres plans each search for its own words (a plan
    // kept for any words would guess how common they are).
    let mut q = sqlx::query_as(&sql).persistent(false);
    for value in binds {
        q = match value {
            SqlValue::Int(v) => q.bind(v),
            SqlValue::Text(v) => q.bind(v),
        };
    }
    q.fetch_all(db).await
}

/// The search over only the newest `conversations` conversations within the filters, each
/// checked for its newest matching message (through its (conversation_id, id) index) or a
/// matching contact. Whatever it finds is exactly the top of the full result: every
/// conversation ranked above the last one checked was checked.
pub async fn search_latest<'c>(
    db: impl Executor<'c, Database = Any>,
    backend: Backend,
    f: &SearchFilter,
    query: &SearchQuery,
    conversations: i64,
) -> Result<Vec<SearchRow>, sqlx::Error> {
    let (status_sql, scope_sql) = filter_sql(f.status, f.scope);
    let team = match f.scope {
        Scope::Team(team) => team.0,
        _ => 0,
    };
    // $1 bot, $2 viewer, $3 team, $4 result limit, $5 conversations checked, then the tags, the
    // message match, the contact match.
    let mut binds: Vec<SqlValue> = vec![
        SqlValue::Int(f.bot.0),
        SqlValue::Int(f.viewer.0),
        SqlValue::Int(team),
        SqlValue::Int(f.limit),
        SqlValue::Int(conversations),
    ];
    let tags = tags_sql(&f.tags, binds.len() + 1);
    binds.extend(f.tags.ids().iter().map(|t| SqlValue::Int(t.0)));
    let (matches, match_binds) = message_match_sql(backend, f.bot.0, "m", query, binds.len() + 1);
    binds.extend(match_binds);
    let (contacts_sql, contact_binds) =
        contact_search_sql(backend, f.bot.0, query, MATCHING_CONTACTS_CONSIDERED, binds.len() + 1);
    binds.extend(contact_binds);
    let sql = format!(
        r#"
        WITH latest AS (
            SELECT c.id, c.contact_id, c.last_activity_at FROM conversations c
            WHERE c.bot_id = $1 AND {status_sql} AND {scope_sql}{tags}
              AND ($2 = $2) AND ($3 = $3) -- Postgres must see every bound parameter used
            ORDER BY c.last_activity_at DESC, c.id DESC
            LIMIT $5
        ),
        checked AS (
            SELECT l.id, l.last_activity_at,
                   (SELECT MAX(m.id) FROM messages m
                    WHERE m.conversation_id = l.id AND m.bot_id = $1 AND {matches}) AS message_id,
                   CASE WHEN l.contact_id IN ({contacts_sql}) THEN 1 ELSE 0 END AS by_contact
            FROM latest l
        )
        SELECT id AS conversation_id, message_id FROM checked
        WHERE message_id IS NOT NULL OR by_contact = 1
        ORDER BY last_activity_at DESC, id DESC
        LIMIT $4
        "#,
    );
    let mut q = sqlx::query_as(&sql);
    for value in binds {
        q = match value {
            SqlValue::Int(v) => q.bind(v),
            SqlValue::Text(v) => q.bind(v),
        };
    }
    q.fetch_all(db).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MatchedMessage {
    pub id: i64,
    pub body: String,
}

/// The text of these messages of `bot` (the matches of a result page), for their snippets.
pub async fn message_bodies<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    messages: &[i64],
) -> Result<Vec<MatchedMessage>, sqlx::Error> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let sql =
        format!("SELECT id, body FROM messages WHERE bot_id = $1 AND id IN ({})", placeholders(2, messages.len()));
    let mut q = sqlx::query_as(&sql).bind(bot.0);
    for id in messages {
        q = q.bind(*id);
    }
    q.fetch_all(db).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MatchedContact {
    pub conversation_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The contacts of these conversations of `bot` (results that matched by contact).
pub async fn contacts_of<'c>(
    db: impl Executor<'c, Database = Any>,
    bot: BotId,
    conversations: &[i64],
) -> Result<Vec<MatchedContact>, sqlx::Error> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.id AS conversation_id, k.name, k.email, k.phone FROM conversations c \
         JOIN contacts k ON k.id = c.contact_id WHERE c.bot_id = $1 AND c.id IN ({})",
        placeholders(2, conversations.len())
    );
    let mut q = sqlx::query_as(&sql).bind(bot.0);
    for id in conversations {
        q = q.bind(*id);
    }
    q.fetch_all(db).await
}
