-- Online A/B experiments: which model versions split the traffic, and what each user was shown. Keep in step with
-- ../postgresql/V3__experiments.sql.
CREATE TABLE experiments (
  id                TEXT    NOT NULL PRIMARY KEY,
  name              TEXT    NOT NULL,
  window_ms         INTEGER NOT NULL,           -- how long after being shown an item a use of it counts
  conversion_types  TEXT    NOT NULL,           -- JSON array of event types that count as a use
  min_users_per_arm INTEGER NOT NULL,           -- no verdict before every arm has this many users
  started_at        INTEGER NOT NULL,
  stopped_at        INTEGER                     -- NULL while it runs
);

CREATE TABLE experiment_arms (
  experiment_id TEXT    NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,               -- 0 is the control the others are compared with
  name          TEXT    NOT NULL,
  version       TEXT    NOT NULL,               -- a registered model version, or "active"
  share         REAL    NOT NULL,               -- fraction of the experiment's users
  PRIMARY KEY (experiment_id, position)
);

-- One row per answer given to a user in an experiment. No foreign key on user_id: an answer may go to a user id the
-- store has no row for yet; deleteUser deletes a user's rows here explicitly.
CREATE TABLE exposures (
  sequence      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  experiment_id TEXT    NOT NULL,
  user_id       TEXT    NOT NULL,
  arm           TEXT    NOT NULL,
  version       TEXT,                           -- the model version that answered; NULL: the fallback or popularity
  ts            INTEGER NOT NULL,               -- when the request came
  read_until    INTEGER,                        -- the newest event time the answer read; NULL: it read none
  items         TEXT    NOT NULL                -- JSON array of the item ids shown, in order
);

-- forEachExposure reads an experiment's rows in sequence order (the rowid is part of every SQLite index)
CREATE INDEX exposures_experiment ON exposures (experiment_id);
CREATE INDEX exposures_user ON exposures (user_id);
