-- Abuse limits shared by every server process: one fixed-window counter per bucket
-- (e.g. "sign_up:ip:203.0.113.7"), taken with one atomic upsert *before* the work it guards,
-- so parallel requests cannot all slip under the limit.
CREATE TABLE rate_limits (
    bucket    TEXT PRIMARY KEY,
    hits      INTEGER NOT NULL CHECK (hits >= 0),
    resets_at INTEGER NOT NULL
);
CREATE INDEX rate_limits_by_reset ON rate_limits (resets_at);

-- Replaced by rate_limits: it counted failures after the password check, so 40 parallel
-- guesses all got through.
DROP TABLE login_attempts;

-- A confirmed plan change records which plan it chose, so a confirmation key replayed for a
-- different plan (or a different quantity of seats) is recognised and refused.
ALTER TABLE billing_ledger ADD COLUMN plan_code TEXT;
