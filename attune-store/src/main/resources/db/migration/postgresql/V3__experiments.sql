-- Online A/B experiments: which model versions split the traffic, and what each user was shown. Keep in step with
-- ../sqlite/V3__experiments.sql.
CREATE TABLE experiments (
  id                text COLLATE "C" NOT NULL PRIMARY KEY,
  name              text             NOT NULL,
  window_ms         bigint           NOT NULL, -- how long after being shown an item a use of it counts
  conversion_types  jsonb            NOT NULL, -- array of event types that count as a use
  min_users_per_arm integer          NOT NULL, -- no verdict before every arm has this many users
  started_at        bigint           NOT NULL,
  stopped_at        bigint                     -- NULL while it runs
);

CREATE TABLE experiment_arms (
  experiment_id text COLLATE "C" NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
  position      integer          NOT NULL,   -- 0 is the control the others are compared with
  name          text             NOT NULL,
  version       text COLLATE "C" NOT NULL,   -- a registered model version, or "active"
  share         double precision NOT NULL,   -- fraction of the experiment's users
  PRIMARY KEY (experiment_id, position)
);

-- One row per answer given to a user in an experiment. No foreign key on user_id: an answer may go to a user id the
-- store has no row for yet; deleteUser deletes a user's rows here explicitly.
CREATE TABLE exposures (
  sequence      bigserial        NOT NULL PRIMARY KEY,
  experiment_id text COLLATE "C" NOT NULL,
  user_id       text COLLATE "C" NOT NULL,
  arm           text             NOT NULL,
  version       text COLLATE "C",           -- the model version that answered; NULL: the fallback or popularity
  ts            bigint           NOT NULL,  -- when the request came
  read_until    bigint,                     -- the newest event time the answer read; NULL: it read none
  items         jsonb            NOT NULL    -- array of the item ids shown, in order
);

-- forEachExposure reads an experiment's rows in sequence order
CREATE INDEX exposures_experiment ON exposures (experiment_id, sequence);
CREATE INDEX exposures_user ON exposures (user_id);
