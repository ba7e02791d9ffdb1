-- Automatic assignment: members' availability and workload capacity, per-bot and per-team
-- settings, and the queue of conversations waiting for a person.

-- What a seat holder set in the top bar; automatic assignment picks only online members.
ALTER TABLE members ADD COLUMN availability TEXT NOT NULL DEFAULT 'online' CHECK (availability IN ('online', 'offline'));
-- Their own workload capacity (open conversations at most); NULL: the bot's default.
ALTER TABLE members ADD COLUMN capacity INTEGER CHECK (capacity IS NULL OR capacity BETWEEN 1 AND 1000);
ALTER TABLE members ADD COLUMN last_assigned_at INTEGER;

-- Every availability change, for analytics (when was who available).
CREATE TABLE availability_changes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id       INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    availability TEXT NOT NULL CHECK (availability IN ('online', 'offline')),
    -- 1: set by the server (the member's last Inbox tab closed), 0: by the member.
    automatic    INTEGER NOT NULL DEFAULT 0 CHECK (automatic IN (0, 1)),
    created_at   INTEGER NOT NULL
);
CREATE INDEX availability_changes_by_bot ON availability_changes (bot_id, created_at);

CREATE TABLE assignment_settings (
    bot_id               INTEGER PRIMARY KEY REFERENCES bots (id) ON DELETE CASCADE,
    auto_assign          INTEGER NOT NULL DEFAULT 0 CHECK (auto_assign IN (0, 1)),
    mode                 TEXT NOT NULL DEFAULT 'balanced' CHECK (mode IN ('round_robin', 'balanced')),
    default_capacity     INTEGER NOT NULL DEFAULT 10 CHECK (default_capacity BETWEEN 1 AND 1000),
    -- "Assign all conversations to one team": new conversations join this team's queue.
    route_team_id        INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    -- Round-robin's place: the member the last pick went to.
    last_round_robin_id  INTEGER,
    -- Members whose last Inbox tab closed this long ago go offline (0: never).
    auto_offline_minutes INTEGER NOT NULL DEFAULT 0 CHECK (auto_offline_minutes BETWEEN 0 AND 1440),
    -- The unanswered rule: a conversation whose assignee has not answered the customer this
    -- many minutes goes to someone else, or to `unanswered_team_id`'s queue (0: off).
    unanswered_minutes   INTEGER NOT NULL DEFAULT 0 CHECK (unanswered_minutes BETWEEN 0 AND 10080),
    unanswered_team_id   INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    updated_at           INTEGER NOT NULL
);

-- A team's own automatic assignment (of its queue); the bot's mode unless set.
ALTER TABLE teams ADD COLUMN auto_assign INTEGER NOT NULL DEFAULT 0 CHECK (auto_assign IN (0, 1));
ALTER TABLE teams ADD COLUMN last_round_robin_id INTEGER;

-- Waiting for a person since (open, nobody holds it, automatic assignment applies); NULL
-- otherwise. The queue is served oldest first.
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;
CREATE INDEX conversations_queue ON conversations (bot_id, queued_at, id) WHERE queued_at IS NOT NULL;
-- When automatic assignment last gave it to someone: the queue's pace, for the estimated wait.
ALTER TABLE conversations ADD COLUMN auto_assigned_at INTEGER;
CREATE INDEX conversations_auto_assigned ON conversations (bot_id, auto_assigned_at) WHERE auto_assigned_at IS NOT NULL;
