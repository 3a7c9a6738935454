-- API keys (issue 7): only a SHA-256 of each key's secret is stored; scopes are a comma-separated subset of
-- read, write, admin. Keep in step with ../postgresql/V2__api_keys.sql.
CREATE TABLE api_keys (
  id          TEXT    NOT NULL PRIMARY KEY,
  secret_hash TEXT    NOT NULL,
  scopes      TEXT    NOT NULL,
  name        TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked     INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
