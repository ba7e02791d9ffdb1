-- Contacts found by search through an index, not a scan: a generated tsvector per contact
-- (name; email and phone whole and split at their punctuation; the phone's digits run
-- together) with its GIN index, so a search term matches a word of them the way it matches
-- a word of a message.
ALTER TABLE contacts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple',
    name || ' ' || COALESCE(email, '') || ' ' || translate(COALESCE(email, ''), '@._+-', '     ') || ' ' ||
    COALESCE(phone, '') || ' ' || translate(COALESCE(phone, ''), '+-().', '     ') || ' ' ||
    regexp_replace(COALESCE(phone, ''), '[^0-9]', '', 'g')
)) STORED;
CREATE INDEX contacts_search ON contacts USING GIN (search);
