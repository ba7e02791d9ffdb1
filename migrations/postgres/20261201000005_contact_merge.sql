-- Merging two contacts of the same person. A contact row is one identity on one channel; the
-- merged one stays (so that identity keeps resolving) and points at the contact it joined.
ALTER TABLE contacts ADD COLUMN merged_into_id BIGINT REFERENCES contacts (id);

-- A conversation remembers the channel identity it is with: replies go to that identity and a
-- widget visitor reads only their own conversations, whichever contact it is filed under.
ALTER TABLE conversations ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
UPDATE conversations SET external_id = (SELECT k.external_id FROM contacts k WHERE k.id = conversations.contact_id);
CREATE INDEX conversations_by_identity ON conversations (channel_id, external_id, id);

-- The Contacts page: most recently seen first.
CREATE INDEX contacts_by_last_seen ON contacts (bot_id, last_seen_at, id);
