-- The shortener's tables in PostgreSQL: the same records as schema.sql, in PostgreSQL's types.
-- Safe to run on every start (store.create_postgres_tables runs it under a lock): nothing here deletes data.

CREATE TABLE IF NOT EXISTS links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- never reused, unlike SQLite's rowid
    code TEXT NOT NULL UNIQUE,            -- the UNIQUE index is what makes codes collision-proof
    url TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ                -- NULL for a link that never expires
);

-- One row per link and UTC day; a flush of clicks adds to its rows with ON CONFLICT DO UPDATE.
CREATE TABLE IF NOT EXISTS daily_clicks (
    link_id BIGINT NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day DATE NOT NULL,                    -- the UTC day
    clicks BIGINT NOT NULL,
    last_click_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (link_id, day)
);

-- How many links were ever deleted: the statement that deletes a link adds to it, and every app
-- process reads it now and then to learn that the links it keeps in memory may be gone
-- (local_cache.StoredDeletionCount).
CREATE TABLE IF NOT EXISTS deletions (
    one_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one_row),
    total BIGINT NOT NULL
);
INSERT INTO deletions (total) VALUES (0) ON CONFLICT DO NOTHING;
