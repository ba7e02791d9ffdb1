-- Full-text search over messages: a generated tsvector (written with the row, in the same
-- transaction) and its GIN index. The 'simple' configuration: no stemming, any language.
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);
