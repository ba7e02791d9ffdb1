-- Switchboard schema: plans, users, bots (with their seat pool and billing period), members,
-- invitations, the audit log, invoices and the billing ledger, sessions, log-in attempts.
-- Timestamps are Unix milliseconds passed from Rust; billing days are days since 1970-01-01.
-- Flags are integers 0/1 (portable through sqlx's Any driver).

CREATE TABLE plans (
    code             TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    included_seats   BIGINT NOT NULL CHECK (included_seats >= 0),
    price_minor      BIGINT NOT NULL CHECK (price_minor >= 0),
    seat_price_minor BIGINT NOT NULL CHECK (seat_price_minor >= 0),
    currency         TEXT NOT NULL,
    sort_order       BIGINT NOT NULL
);

INSERT INTO plans (code, name, included_seats, price_minor, seat_price_minor, currency, sort_order) VALUES
    ('free', 'Free', 1, 0, 1500, 'USD', 1),
    ('pro', 'Pro', 3, 4900, 1500, 'USD', 2),
    ('business', 'Business', 10, 19900, 1200, 'USD', 3);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- The seat pool lives on the bot row so one conditional UPDATE can take a seat atomically:
-- seats_used never exceeds the seats available now (included + paid) nor what will be
-- available next period (the *_next columns hold scheduled reductions and plan changes).
CREATE TABLE bots (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                TEXT NOT NULL,
    plan_code           TEXT NOT NULL REFERENCES plans (code),
    plan_code_next      TEXT NOT NULL REFERENCES plans (code),
    seats_included      BIGINT NOT NULL CHECK (seats_included >= 0),
    seats_included_next BIGINT NOT NULL CHECK (seats_included_next >= 0),
    paid_seats          BIGINT NOT NULL DEFAULT 0 CHECK (paid_seats >= 0),
    paid_seats_next     BIGINT NOT NULL DEFAULT 0 CHECK (paid_seats_next >= 0),
    seats_used          BIGINT NOT NULL DEFAULT 0 CHECK (seats_used >= 0),
    billing_anchor_day  BIGINT NOT NULL CHECK (billing_anchor_day BETWEEN 1 AND 31),
    period_start        BIGINT NOT NULL,
    period_end          BIGINT NOT NULL,
    created_by          BIGINT NOT NULL REFERENCES users (id),
    created_at          BIGINT NOT NULL,
    CHECK (seats_used <= seats_included + paid_seats),
    CHECK (period_start < period_end)
);

CREATE TABLE members (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id      BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'agent', 'analyst', 'viewer', 'supervisor', 'app_manager')),
    has_seat    BIGINT NOT NULL DEFAULT 0 CHECK (has_seat IN (0, 1)),
    -- Invited with a seat but none was free at acceptance: the Team tab says so.
    seat_wanted BIGINT NOT NULL DEFAULT 0 CHECK (seat_wanted IN (0, 1)),
    joined_at   BIGINT NOT NULL,
    UNIQUE (bot_id, user_id),
    -- Only Owners, Admins and Agents may hold an Inbox seat.
    CHECK (has_seat = 0 OR role IN ('owner', 'admin', 'agent'))
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE invitations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id      BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'agent', 'analyst', 'viewer', 'supervisor', 'app_manager')),
    with_seat   BIGINT NOT NULL CHECK (with_seat IN (0, 1)),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by BIGINT REFERENCES users (id),
    revoked_at  BIGINT
);
CREATE INDEX invitations_by_bot ON invitations (bot_id, email);

CREATE TABLE audit_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id        BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    actor_user_id BIGINT REFERENCES users (id),
    action        TEXT NOT NULL,
    summary       TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX audit_events_by_bot ON audit_events (bot_id, id);
-- Append-only.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE invoices (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id       BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    description  TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    total_minor  BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX invoices_by_bot ON invoices (bot_id, id);

CREATE TABLE invoice_lines (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id  BIGINT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    unit_minor  BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL
);

-- The source of truth for billing (a payment processor will plug in here).
-- request_key makes a confirmed purchase idempotent (a double submit buys once).
CREATE TABLE billing_ledger (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id        BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    entry         TEXT NOT NULL,
    quantity      BIGINT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    effective_day BIGINT NOT NULL,
    invoice_id    BIGINT REFERENCES invoices (id),
    request_key   TEXT,
    actor_user_id BIGINT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    UNIQUE (bot_id, request_key)
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    data        TEXT NOT NULL,
    expiry_date BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expiry_date);

CREATE TABLE login_attempts (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope        TEXT NOT NULL CHECK (scope IN ('ip', 'email')),
    subject      TEXT NOT NULL,
    attempted_at BIGINT NOT NULL
);
CREATE INDEX login_attempts_by_subject ON login_attempts (scope, subject, attempted_at);
