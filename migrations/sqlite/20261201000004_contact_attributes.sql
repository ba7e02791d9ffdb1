-- Custom attributes of a contact (key → value), edited by seat holders in the profile panel.
CREATE TABLE contact_attributes (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    -- Lower-cased key: one value per key regardless of case; `label` keeps how it was typed.
    key        TEXT NOT NULL,
    label      TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (contact_id, key)
);
