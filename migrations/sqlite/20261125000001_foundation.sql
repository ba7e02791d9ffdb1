-- Switchboard schema: plans, users, bots (with their seat pool and billing period), members,
-- invitations, the audit log, invoices and the billing ledger, sessions, log-in attempts.
-- Timestamps are Unix milliseconds passed from Rust; billing days are days since 1970-01-01.
-- Flags are integers 0/1 (portable through sqlx's Any driver).

CREATE TABLE plans (
    code             TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    included_seats   INTEGER NOT NULL CHECK (included_seats >= 0),
    price_minor      INTEGER NOT NULL CHECK (price_minor >= 0),
    seat_price_minor INTEGER NOT NULL CHECK (seat_price_minor >= 0),
    currency         TEXT NOT NULL,
    sort_order       INTEGER NOT NULL
);

INSERT INTO plans (code, name, included_seats, price_minor, seat_price_minor, currency, sort_order) VALUES
    ('free', 'Free', 1, 0, 1500, 'USD', 1),
    ('pro', 'Pro', 3, 4900, 1500, 'USD', 2),
    ('business', 'Business', 10, 19900, 1200, 'USD', 3);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

-- The seat pool lives on the bot row so one conditional UPDATE can take a seat atomically:
-- seats_used never exceeds the seats available now (included + paid) nor what will be
-- available next period (the *_next columns hold scheduled reductions and plan changes).
CREATE TABLE bots (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL,
    plan_code           TEXT NOT NULL REFERENCES plans (code),
    plan_code_next      TEXT NOT NULL REFERENCES plans (code),
    seats_included      INTEGER NOT NULL CHECK (seats_included >= 0),
    seats_included_next INTEGER NOT NULL CHECK (seats_included_next >= 0),
    paid_seats          INTEGER NOT NULL DEFAULT 0 CHECK (paid_seats >= 0),
    paid_seats_next     INTEGER NOT NULL DEFAULT 0 CHECK (paid_seats_next >= 0),
    seats_used          INTEGER NOT NULL DEFAULT 0 CHECK (seats_used >= 0),
    billing_anchor_day  INTEGER NOT NULL CHECK (billing_anchor_day BETWEEN 1 AND 31),
    period_start        INTEGER NOT NULL,
    period_end          INTEGER NOT NULL,
    created_by          INTEGER NOT NULL REFERENCES users (id),
    created_at          INTEGER NOT NULL,
    CHECK (seats_used <= seats_included + paid_seats),
    CHECK (period_start < period_end)
);

CREATE TABLE members (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id      INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'agent', 'analyst', 'viewer', 'supervisor', 'app_manager')),
    has_seat    INTEGER NOT NULL DEFAULT 0 CHECK (has_seat IN (0, 1)),
    -- Invited with a seat but none was free at acceptance: the Team tab says so.
    seat_wanted INTEGER NOT NULL DEFAULT 0 CHECK (seat_wanted IN (0, 1)),
    joined_at   INTEGER NOT NULL,
    UNIQUE (bot_id, user_id),
    -- Only Owners, Admins and Agents may hold an Inbox seat.
    CHECK (has_seat = 0 OR role IN ('owner', 'admin', 'agent'))
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id      INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'agent', 'analyst', 'viewer', 'supervisor', 'app_manager')),
    with_seat   INTEGER NOT NULL CHECK (with_seat IN (0, 1)),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by INTEGER REFERENCES users (id),
    revoked_at  INTEGER
);
CREATE INDEX invitations_by_bot ON invitations (bot_id, email);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id        INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    actor_user_id INTEGER REFERENCES users (id),
    action        TEXT NOT NULL,
    summary       TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX audit_events_by_bot ON audit_events (bot_id, id);
-- Append-only.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE invoices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id       INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    description  TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    total_minor  INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX invoices_by_bot ON invoices (bot_id, id);

CREATE TABLE invoice_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    unit_minor  INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL
);

-- The source of truth for billing (a payment processor will plug in here).
-- request_key makes a confirmed purchase idempotent (a double submit buys once).
CREATE TABLE billing_ledger (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id        INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    entry         TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    amount_minor  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    effective_day INTEGER NOT NULL,
    invoice_id    INTEGER REFERENCES invoices (id),
    request_key   TEXT,
    actor_user_id INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    UNIQUE (bot_id, request_key)
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    data        TEXT NOT NULL,
    expiry_date INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expiry_date);

CREATE TABLE login_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    scope        TEXT NOT NULL CHECK (scope IN ('ip', 'email')),
    subject      TEXT NOT NULL,
    attempted_at INTEGER NOT NULL
);
CREATE INDEX login_attempts_by_subject ON login_attempts (scope, subject, attempted_at);
