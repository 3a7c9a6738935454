-- Attune store schema, SQLite dialect. Keep in step with ../postgresql/V1__schema.sql.
-- Times are epoch milliseconds; lists and maps are JSON text written by dev.attune.store.JsonColumns.

CREATE TABLE users (
  id         TEXT    NOT NULL PRIMARY KEY,
  attributes TEXT    NOT NULL DEFAULT '{}'   -- JSON object of strings
);

CREATE TABLE items (
  id           TEXT    NOT NULL PRIMARY KEY,
  scene        TEXT    NOT NULL,
  title        TEXT,
  creator      TEXT,
  album        TEXT,
  categories   TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
  tags         TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
  duration     REAL,                          -- seconds; NULL when unknown
  release_time INTEGER,                       -- NULL when unknown
  text         TEXT,
  attributes   TEXT    NOT NULL DEFAULT '{}', -- JSON object of strings
  hidden       INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  created_at   INTEGER NOT NULL
);

-- AUTOINCREMENT so that a sequence number is never handed out twice, even after the newest events are
-- deleted (deleteUser): sequence is the arrival order that readers rely on.
-- No foreign key on item_id: deleting an item's metadata keeps its events.
CREATE TABLE events (
  sequence INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  event_id TEXT    NOT NULL UNIQUE,
  user_id  TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  item_id  TEXT    NOT NULL,
  type     TEXT    NOT NULL,
  value    REAL    NOT NULL,
  ts       INTEGER NOT NULL,
  scene    TEXT    NOT NULL,
  context  TEXT                                -- JSON object of strings; NULL when empty
);

-- recentEvents; the rowid (sequence) is part of every SQLite index, so ties on ts come out in arrival order.
CREATE INDEX events_user_ts ON events (user_id, ts);

CREATE TABLE model_versions (
  id         TEXT    NOT NULL PRIMARY KEY,
  kind       TEXT    NOT NULL,
  path       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  metrics    TEXT    NOT NULL DEFAULT '{}',    -- JSON object of numbers
  active     INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);

-- At most one active version, enforced by the database as well as by activateModel.
CREATE UNIQUE INDEX model_versions_one_active ON model_versions (active) WHERE active = 1;
