-- Tags: bot-scoped labels with a colour, applied to conversations by seat holders.
CREATE TABLE tags (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bot_id     BIGINT NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    -- Lower-cased name: tag names are unique per bot regardless of case.
    name_key   TEXT NOT NULL,
    color      TEXT NOT NULL CHECK (color IN ('gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink')),
    created_at BIGINT NOT NULL,
    UNIQUE (bot_id, name_key)
);

CREATE TABLE conversation_tags (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag_id          BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, tag_id)
);
-- Counting and moving a tag's conversations (delete, merge).
CREATE INDEX conversation_tags_by_tag ON conversation_tags (tag_id, conversation_id);
