-- Foundation: plans, users, bots, members, sessions, login attempts.
-- Timestamps are Unix milliseconds passed from Rust. Flags are integers 0/1 (portable via sqlx Any).

CREATE TABLE plans (
    code             TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    included_seats   BIGINT NOT NULL CHECK (included_seats >= 0),
    seat_price_minor BIGINT NOT NULL CHECK (seat_price_minor >= 0),
    currency         TEXT NOT NULL,
    sort_order       BIGINT NOT NULL
);

INSERT INTO plans (code, name, included_seats, seat_price_minor, currency, sort_order) VALUES
    ('free', 'Free', 1, 1500, 'USD', 1),
    ('pro', 'Pro', 3, 1500, 'USD', 2),
    ('business', 'Business', 10, 1200, 'USD', 3);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE bots (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    plan_code  TEXT NOT NULL REFERENCES plans (code),
    paid_seats BIGINT NOT NULL DEFAULT 0 CHECK (paid_seats >= 0),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE members (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id    BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'agent', 'analyst', 'viewer', 'supervisor', 'app_manager')),
    has_seat  BIGINT NOT NULL DEFAULT 0 CHECK (has_seat IN (0, 1)),
    joined_at BIGINT NOT NULL,
    UNIQUE (bot_id, user_id),
    -- Only Owners, Admins and Agents may hold an Inbox seat.
    CHECK (has_seat = 0 OR role IN ('owner', 'admin', 'agent'))
);
CREATE INDEX members_by_user ON members (user_id);

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
