-- What the store records of how it is kept, by name: 'user_id_key_check', an HMAC of a fixed text under the user-id
-- key its users were pseudonymised with, so that a server or a load under another key (or none) is refused. Keep in
-- step with ../postgresql/V4__store_settings.sql.
CREATE TABLE store_settings (
  name  TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
);
