-- Contacts found by search through an index, not a scan: an FTS5 "card" per contact (name,
-- email, phone, and the phone's digits run together) kept by triggers, so a search term
-- matches a word of them the way it matches a word of a message.
CREATE VIRTUAL TABLE contact_search USING fts5(
    bot, card, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER contact_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search (rowid, bot, card) VALUES (
        new.id, 'b' || new.bot_id,
        new.name || ' ' || COALESCE(new.email, '') || ' ' || COALESCE(new.phone, '') || ' ' ||
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE(new.phone, ''),
            ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '')
    );
END;

CREATE TRIGGER contact_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = old.id;
END;

CREATE TRIGGER contact_search_update AFTER UPDATE OF bot_id, name, email, phone ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = old.id;
    INSERT INTO contact_search (rowid, bot, card) VALUES (
        new.id, 'b' || new.bot_id,
        new.name || ' ' || COALESCE(new.email, '') || ' ' || COALESCE(new.phone, '') || ' ' ||
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE(new.phone, ''),
            ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '')
    );
END;

INSERT INTO contact_search (rowid, bot, card)
SELECT id, 'b' || bot_id,
    name || ' ' || COALESCE(email, '') || ' ' || COALESCE(phone, '') || ' ' ||
    REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE(phone, ''),
        ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '')
FROM contacts;
