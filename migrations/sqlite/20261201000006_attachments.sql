-- Files sent in conversations (one per message). The bytes live in the media store, named by
-- their SHA-256 (`content_name`); nothing here or there is named by user input.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id       INTEGER NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    content_name TEXT NOT NULL,
    -- The type found from the content (the MIME type it is served with).
    media_type   TEXT NOT NULL,
    -- As sent, kept as data: shown, and offered as the download's name.
    file_name    TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    -- A JPEG preview of an image, also named by its SHA-256.
    thumb_name   TEXT,
    created_at   INTEGER NOT NULL
);
