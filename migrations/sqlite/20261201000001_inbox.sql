-- The Inbox: channels (website widget, signed API), contacts, teams, conversations, messages,
-- per-member read marks, the outbox of replies to deliver, and the per-bot event log that
-- live streams resume from. Timestamps are Unix milliseconds; flags are integers 0/1.

-- Each bot numbers its live events 1, 2, 3, … under its own row lock, so a stream that has
-- seen event N knows every later event is > N, with no gaps and in commit order.
ALTER TABLE bots ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE channels (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id            INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('widget', 'api')),
    name              TEXT NOT NULL,
    -- The channel's address in public URLs (/chat/{public_id}, /hooks/{public_id}): random,
    -- so channels cannot be enumerated.
    public_id         TEXT NOT NULL UNIQUE,
    -- HMAC-SHA256 key: signs visitor tokens (widget) or webhook bodies both ways (api).
    secret            TEXT NOT NULL,
    -- api: where agent replies are POSTed.
    outbound_url      TEXT,
    created_at        INTEGER NOT NULL,
    secret_rotated_at INTEGER NOT NULL
);
CREATE INDEX channels_by_bot ON channels (bot_id, id);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id       INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    -- The provider's id for this person (api), or the widget visitor's random id.
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    email        TEXT,
    phone        TEXT,
    banned       INTEGER NOT NULL DEFAULT 0 CHECK (banned IN (0, 1)),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    UNIQUE (channel_id, external_id)
);
CREATE INDEX contacts_by_bot ON contacts (bot_id, id);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id     INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    -- Lower-cased name: team names are unique per bot regardless of case.
    name_key   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (bot_id, name_key)
);

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, member_id)
);
CREATE INDEX team_members_by_member ON team_members (member_id);

CREATE TABLE conversations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id           INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    channel_id       INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- bot: the bot is answering; open: needs or has a person; closed.
    status           TEXT NOT NULL CHECK (status IN ('bot', 'open', 'closed')),
    -- The contact's ban, copied here so the list's filters run on one index.
    banned           INTEGER NOT NULL DEFAULT 0 CHECK (banned IN (0, 1)),
    assignee_id      INTEGER REFERENCES members (id),
    team_id          INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    bot_paused       INTEGER NOT NULL DEFAULT 0 CHECK (bot_paused IN (0, 1)),
    -- When the customer asked for a person ("asked for an agent").
    handover_at      INTEGER,
    -- The customer's oldest message not yet answered by an agent.
    waiting_since    INTEGER,
    last_message_id  INTEGER,
    last_preview     TEXT NOT NULL DEFAULT '',
    last_activity_at INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
-- Keyset pagination (last_activity_at DESC, id DESC) for each list filter.
CREATE INDEX conversations_list ON conversations (bot_id, banned, status, last_activity_at, id);
CREATE INDEX conversations_all ON conversations (bot_id, banned, last_activity_at, id);
CREATE INDEX conversations_by_assignee ON conversations (bot_id, assignee_id, status, last_activity_at, id);
CREATE INDEX conversations_by_team ON conversations (bot_id, team_id, status, last_activity_at, id);
CREATE INDEX conversations_by_contact ON conversations (contact_id, status);
CREATE INDEX conversations_held ON conversations (assignee_id, status);

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id              INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    conversation_id     INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel_id          INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('customer', 'bot', 'agent', 'note', 'system')),
    body                TEXT NOT NULL,
    author_member_id    INTEGER REFERENCES members (id) ON DELETE SET NULL,
    -- The author's name when written (members come and go; history stays readable).
    author_name         TEXT NOT NULL DEFAULT '',
    -- Inbound deduplication: one message per provider message id per channel.
    provider_message_id TEXT,
    -- Reply idempotency: the client's key, one message per key per conversation.
    idempotency_key     TEXT,
    delivery            TEXT NOT NULL DEFAULT 'none' CHECK (delivery IN ('none', 'pending', 'delivered', 'failed')),
    created_at          INTEGER NOT NULL,
    UNIQUE (channel_id, provider_message_id),
    UNIQUE (conversation_id, idempotency_key)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- What each member has read, for unread counts.
CREATE TABLE conversation_reads (
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    last_read_id    INTEGER NOT NULL,
    PRIMARY KEY (member_id, conversation_id)
);

-- Replies to deliver to an API channel's outbound URL, committed with the reply itself.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id          INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A worker that claimed the row holds it until then (a crashed worker's claim lapses).
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Members with an Inbox open (any server process), for "online" and "also viewing".
CREATE TABLE presence (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    bot_id          INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    viewing_conversation_id INTEGER,
    seen_at         INTEGER NOT NULL
);
CREATE INDEX presence_by_bot ON presence (bot_id, seen_at);

-- The live event log: each bot's events numbered by bots.event_seq.
CREATE TABLE events (
    bot_id          INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    conversation_id INTEGER,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (bot_id, seq)
);
CREATE INDEX events_by_age ON events (created_at);
