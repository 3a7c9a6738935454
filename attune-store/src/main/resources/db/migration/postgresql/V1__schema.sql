-- Attune store schema, PostgreSQL dialect. Keep in step with ../sqlite/V1__schema.sql.
-- Times are epoch milliseconds; lists and maps are JSON written by dev.attune.store.JsonColumns.
-- Ids use the "C" collation so that "id order" is code point order, as in SQLite, whatever the database's
-- default collation is.

CREATE TABLE users (
  id         text COLLATE "C" NOT NULL PRIMARY KEY,
  attributes jsonb            NOT NULL DEFAULT '{}'   -- object of strings
);

CREATE TABLE items (
  id           text COLLATE "C" NOT NULL PRIMARY KEY,
  scene        text             NOT NULL,
  title        text,
  creator      text,
  album        text,
  categories   jsonb            NOT NULL DEFAULT '[]', -- array of strings
  tags         jsonb            NOT NULL DEFAULT '[]', -- array of strings
  duration     real,                                  -- seconds; NULL when unknown
  release_time bigint,                                -- NULL when unknown
  text         text,
  attributes   jsonb            NOT NULL DEFAULT '{}', -- object of strings
  hidden       boolean          NOT NULL DEFAULT false,
  created_at   bigint           NOT NULL
);

-- sequence is taken when a row is inserted, so two batches committing at once may interleave their numbers.
-- No foreign key on item_id: deleting an item's metadata keeps its events.
CREATE TABLE events (
  sequence bigserial        NOT NULL PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL UNIQUE,
  user_id  text COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  item_id  text COLLATE "C" NOT NULL,
  type     text             NOT NULL,
  value    real             NOT NULL,
  ts       bigint           NOT NULL,
  scene    text             NOT NULL,
  context  jsonb                                     -- object of strings; NULL when empty
);

-- recentEvents: newest first by ts, ties by arrival.
CREATE INDEX events_user_ts ON events (user_id, ts, sequence);

CREATE TABLE model_versions (
  id         text COLLATE "C" NOT NULL PRIMARY KEY,
  kind       text             NOT NULL,
  path       text             NOT NULL,
  created_at bigint           NOT NULL,
  metrics    jsonb            NOT NULL DEFAULT '{}',   -- object of numbers
  active     boolean          NOT NULL DEFAULT false
);

-- At most one active version, enforced by the database as well as by activateModel.
CREATE UNIQUE INDEX model_versions_one_active ON model_versions (active) WHERE active;
