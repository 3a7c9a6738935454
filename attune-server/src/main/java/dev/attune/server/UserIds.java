package dev.attune.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a client's user id becomes the id the service stores: unchanged, or, with a key
 * ({@link ServerConfig#userIdKey}), pseudonymised as {@code "p:"} + the first 128 bits of HMAC-SHA256(key, id) in
 * URL-safe base64 (22 characters). The same id always maps to the same pseudonym, so a client keeps using its own
 * ids on every route, while the store, the logs, the models and the dashboard only ever see pseudonyms; without
 * the key they cannot be turned back into ids. Changing the key starts every user afresh.
 *
 * <p>Thread-safe.
 */
public final class UserIds {
  /** What every pseudonym starts with. */
  public static final String PSEUDONYM_PREFIX = "p:";
  /** What {@link #stored} makes of an id when a key is set. */
  private static final java.util.regex.Pattern PSEUDONYM = java.util.regex.Pattern.compile("p:[A-Za-z0-9_-]{22}");
  /** Initialised with the key; each call works on a clone (a Mac is not thread-safe, and cloning skips the init). */
  private final Mac prototype;

  /**
   * Refuses a pseudonymisation key that cannot be meant: set but empty (read as "off" it would store plain ids in a
   * store of pseudonyms), or shorter than {@link ServerConfig#MIN_ADMIN_KEY_LENGTH} characters. {@code source} names
   * where it came from, for the message; null (no key) passes.
   *
   * @throws IllegalArgumentException if the key is blank or too short
   */
  public static void requireUsableKey(String source, String key) {
    if (key == null) return;
    if (key.isBlank()) {
      throw new IllegalArgumentException(source + " is set but empty: give the key (at least "
          + ServerConfig.MIN_ADMIN_KEY_LENGTH + " characters) or leave it out to store user ids as given");
    }
    if (key.length() < ServerConfig.MIN_ADMIN_KEY_LENGTH) {
      throw new IllegalArgumentException(source + " must be at least " + ServerConfig.MIN_ADMIN_KEY_LENGTH
          + " characters");
    }
  }

  /** @param secret the HMAC key, or null to store ids as given */
  public UserIds(String secret) {
    if (secret == null) {
      this.prototype = null;
      return;
    }
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      this.prototype = m;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** Whether {@code id} has the form of a pseudonym, whatever the key ({@code p:} and 22 characters). */
  public static boolean hasPseudonymForm(String id) {
    return PSEUDONYM.matcher(id).matches();
  }

  /** Whether ids are pseudonymised. */
  public boolean pseudonymised() {
    return prototype != null;
  }

  /** Whether {@code id} has the form of a pseudonym this class makes (with a key set). */
  public boolean isPseudonym(String id) {
    return prototype != null && PSEUDONYM.matcher(id).matches();
  }

  /** The id stored for a client's user id. */
  public String stored(String clientId) {
    if (prototype == null) return clientId;
    return PSEUDONYM_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(
        hmac(clientId), 16));
  }

  /** The store setting that names the key its users were pseudonymised with ({@link #requireTheStoresKey}). */
  static final String KEY_CHECK_SETTING = "user_id_key_check";

  /**
   * Refuses a store kept under another user-id key than this one, or under one when this has none: its users would be
   * out of reach (each request naming a user by their own id would find another, unused pseudonym, so an erasure
   * request answered 404 while the data stayed, and new events split each user in two: an operator QA run). Reads
   * only: what a store is kept under is recorded by {@link #recordTheStoresKey} once a server or a load has used it.
   *
   * @param setting where the key is set, for the message (ATTUNE_USER_ID_KEY)
   * @throws IllegalArgumentException if the store records another key, or one while this has none
   */
  public void requireTheStoresKey(dev.attune.store.Store store, String setting) {
    java.util.Optional<String> recorded = store.setting(KEY_CHECK_SETTING);
    // a store without users has nobody to put out of reach: it takes another key, or none, and records that
    if (recorded.isEmpty() || store.stats().userIds("", 1).isEmpty()) return;
    if (prototype == null) {
      throw new IllegalArgumentException("this store's user ids are pseudonymised with a key, and " + setting
          + " is not set: its users could not be reached, exported or deleted by their own ids, and their new events"
          + " would start other users; set " + setting + " to the key the store was kept with");
    }
    if (!recorded.get().equals(keyCheck())) {
      throw new IllegalArgumentException(setting + " is not the key this store's user ids were pseudonymised with:"
          + " under it, no request could reach, export or delete a stored user, and their new events would start"
          + " other users; set the key the store was kept with");
    }
  }

  /**
   * Records that {@code store} is kept under this key (an HMAC of a fixed text under it, which does not give the key
   * away), for {@link #requireTheStoresKey} to check later uses against: once a server started on it, or a load into
   * it finished, under the key. Not for a store holding users under plain ids (kept without a key; a review: one
   * server started with a key, or a load refused, would have locked such a store to that key for good); a store
   * holding users keeps the key it records; one without users takes the key used now, or none.
   */
  public void recordTheStoresKey(dev.attune.store.Store store) {
    var stats = store.stats();
    if (stats.userIds("", 1).isEmpty()) {
      // nobody stored yet: the key used now (or none) is the store's, whatever was used before
      store.putSetting(KEY_CHECK_SETTING, prototype == null ? null : keyCheck());
    } else if (prototype == null) {
      // users stored without a key since a key was recorded on the empty store: the record is not theirs
      if (store.setting(KEY_CHECK_SETTING).isPresent()
          && stats.userIds(PSEUDONYM_PREFIX, 100).stream().noneMatch(UserIds::hasPseudonymForm)) {
        store.putSetting(KEY_CHECK_SETTING, null);
      }
    } else if (stats.userIdsWithoutPrefix(PSEUDONYM_PREFIX, 1).isEmpty()) { // plain ids: kept without a key
      store.settingIfAbsent(KEY_CHECK_SETTING, keyCheck());
    }
  }

  /**
   * As {@link #recordTheStoresKey}, after a load: into a store that had no users, the load decides (a review: a key
   * recorded on the empty store by an earlier server stayed, and refused the key the load stored its users under);
   * a load of a data set whose users are all pseudonyms (an export) cannot tell which key made them, so it records
   * none (a QA run: an export kept under one key, loaded under another, locked the new store to the wrong one).
   */
  public void recordTheStoresKeyAfterLoad(dev.attune.store.Store store, boolean hadUsers, boolean onlyPseudonyms) {
    if (!hadUsers) {
      store.putSetting(KEY_CHECK_SETTING, prototype == null || onlyPseudonyms ? null : keyCheck());
    } else if (!onlyPseudonyms) {
      recordTheStoresKey(store);
    }
  }

  /** Whether {@code store} records the key its users were pseudonymised with ({@link #recordTheStoresKey}). */
  public static boolean recordsAKey(dev.attune.store.Store store) {
    return store.setting(KEY_CHECK_SETTING).isPresent();
  }

  /** The check of this key a store records: an HMAC of a fixed text, base64url without padding. */
  String keyCheck() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac("attune user id key check"));
  }

  private byte[] hmac(String text) {
    Mac mac;
    try {
      mac = (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the HMAC provider cannot clone", e);
    }
    return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
  }
}
