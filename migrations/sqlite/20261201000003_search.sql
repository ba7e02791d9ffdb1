-- Full-text search over messages: an FTS5 index kept by triggers, so a message and its index
-- entry are written in the same transaction. Contentless (the text lives in `messages`);
-- `bot` holds "b{bot_id}" so a query is scoped to one bot inside the index itself.
CREATE VIRTUAL TABLE message_search USING fts5(
    bot, body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, bot, body) VALUES (new.id, 'b' || new.bot_id, new.body);
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF body ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
    INSERT INTO message_search (rowid, bot, body) VALUES (new.id, 'b' || new.bot_id, new.body);
END;

INSERT INTO message_search (rowid, bot, body) SELECT id, 'b' || bot_id, body FROM messages;
