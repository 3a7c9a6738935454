-- API keys (issue 7): only a SHA-256 of each key's secret is stored; scopes are a comma-separated subset of
-- read, write, admin. Keep in step with ../sqlite/V2__api_keys.sql.
CREATE TABLE api_keys (
  id          TEXT    NOT NULL PRIMARY KEY,
  secret_hash TEXT    NOT NULL,
  scopes      TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  created_at  BIGINT  NOT NULL,
  revoked     BOOLEAN NOT NULL DEFAULT FALSE
);
