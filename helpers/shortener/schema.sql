-- The shortener's tables. Safe to run on every start: nothing here deletes data.
-- (store.sqlite.init_db first switches the file to write-ahead logging: readers never wait for the
-- writer, and a commit is one append.)

CREATE TABLE IF NOT EXISTS links (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,            -- the UNIQUE index is what makes codes collision-proof
    url TEXT NOT NULL,
    created_at TEXT NOT NULL,             -- ISO 8601, UTC, e.g. 2026-01-31T12:00:00.000Z
    expires_at TEXT                       -- same format; NULL for a link that never expires
);

-- One row per link and UTC day; a click adds 1 to its day's row in a single statement.
CREATE TABLE IF NOT EXISTS daily_clicks (
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day TEXT NOT NULL,                    -- YYYY-MM-DD, UTC
    clicks INTEGER NOT NULL,
    last_click_at TEXT NOT NULL,
    PRIMARY KEY (link_id, day)
) WITHOUT ROWID;
