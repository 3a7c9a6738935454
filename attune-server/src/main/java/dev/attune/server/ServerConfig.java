package dev.attune.server;

import java.nio.file.Path;

/**
 * How the service runs. Precedence of sources (CLI over environment over file over these defaults) is applied by
 * {@code attune serve}; this record only checks values.
 *
 * @param host interface to listen on
 * @param port TCP port; 0 picks a free one
 * @param maxBatch most events, items or users accepted in one request
 * @param maxBodyBytes largest request body; larger bodies get 413
 * @param recentEvents liked events per user the recent-history cache keeps at least (with the skips among them); a
 *     served model with a wider window widens it ({@link RecentHistory})
 * @param cachedUsers users whose recent history is kept in memory (least recently used are dropped)
 * @param trendingHours window of {@code /v1/trending}, in hours
 * @param newItemDays how recent a release must be for {@code /v1/new} and the freshness boost, in days
 * @param freshnessBoost score multiplier (1 + boost) for items released within {@code newItemDays}; 0 = off
 * @param modelDir a model directory written by {@code attune train}, or null to serve without one
 * @param fallbackModel the classic model fitted on the store at start for histories the attention model cannot
 *     read: {@code itemknn}, {@code als} or {@code none}
 * @param adminKey the key the admin routes ({@code /v1/admin/...}) and the dashboard require as {@code
 *     Authorization: Bearer <key>}, at least 16 characters without spaces; null = the server makes a random one
 *     at start and logs it ({@link AttuneServer#adminKey()}). A stopgap until API keys with scopes exist.
 * @param lifecycle how the served model is retrained, gated and published ({@link LifecycleConfig}; needs a
 *     {@link ModelTrainer}); null = {@link LifecycleConfig#DEFAULTS}
 * @param userIdKey secret of the keyed hash (HMAC-SHA256) that pseudonymises user ids as they enter ({@link
 *     UserIds}), at least 16 characters; null = user ids are stored as given
 * @param access API keys, rate limits and CORS ({@link AccessConfig}); null = {@link AccessConfig#DEFAULTS}
 * @param dislikePenalty how far a sequence network's candidate as like an item the user said no to as can be moves
 *     down, in standard deviations of the candidates' scores ({@link Recommendations}); 0 = off
 * @param contentWeight how far up a new item's resemblance to a history ranks it: a {@code content} candidate's rank
 *     score is 0.5 + 0.5 × this × its affinity ({@link Recommendations}); 0 = no content candidates
 */
public record ServerConfig(String host, int port, int maxBatch, long maxBodyBytes, int recentEvents, int cachedUsers,
    int trendingHours, int newItemDays, double freshnessBoost, Path modelDir, String fallbackModel, String adminKey,
    LifecycleConfig lifecycle, String userIdKey, AccessConfig access, double dislikePenalty, double contentWeight) {

  /**
   * The default {@code dislikePenalty}. With SASRec (attune-bench NegativeFeedbackQuality, leave-one-out), on a
   * generated music platform whose users skip tracks outside their genres (two seeds) it raised NDCG@10 by 2.5-3.5%
   * reading each user's whole history and by 1.0-3.0% reading their last 5 or 10 events (t 1.35-3.13; 4 did more for
   * short histories, less steadily); on MovieLens-100K with ratings of 1 or 2 stars as dislikes it was level (five
   * seeds, none significant: docs/benchmarks.md, "Skips").
   */
  public static final double DEFAULT_DISLIKE_PENALTY = 2;

  /**
   * The default {@code contentWeight}: with it, a new item that shares a category with every liked event ties with
   * the model's best. On MovieLens-100K with a tenth of the items new, content candidates found new test items and
   * cost the others nothing; at 0.5 none reached a list of 10 there (attune-bench ContentColdStart, docs/benchmarks.md,
   * "New items before retraining"; tags count half, {@code Recommendations.TAG_SHARE}).
   */
  public static final double DEFAULT_CONTENT_WEIGHT = 1;

  /** Localhost:8080, batches of up to 1,000, 8 MB bodies, 50 recent events for 100,000 users, ItemKNN fallback. */
  public static final ServerConfig DEFAULTS =
      new ServerConfig("127.0.0.1", 8080, 1000, 8L << 20, 50, 100_000, 24, 30, 0.0, null, "itemknn", null,
          LifecycleConfig.DEFAULTS, null, AccessConfig.DEFAULTS, DEFAULT_DISLIKE_PENALTY, DEFAULT_CONTENT_WEIGHT);

  /** A configuration with the default {@link LifecycleConfig}. */
  public ServerConfig(String host, int port, int maxBatch, long maxBodyBytes, int recentEvents, int cachedUsers,
      int trendingHours, int newItemDays, double freshnessBoost, Path modelDir, String fallbackModel, String adminKey) {
    this(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours, newItemDays, freshnessBoost,
        modelDir, fallbackModel, adminKey, LifecycleConfig.DEFAULTS, null, AccessConfig.DEFAULTS,
        DEFAULT_DISLIKE_PENALTY, DEFAULT_CONTENT_WEIGHT);
  }

  public ServerConfig {
    if (lifecycle == null) lifecycle = LifecycleConfig.DEFAULTS;
    if (access == null) access = AccessConfig.DEFAULTS;
    if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be blank");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
    if (maxBatch <= 0) throw new IllegalArgumentException("maxBatch must be > 0: " + maxBatch);
    if (maxBodyBytes < 1024) throw new IllegalArgumentException("maxBodyBytes must be >= 1024: " + maxBodyBytes);
    if (recentEvents <= 0) throw new IllegalArgumentException("recentEvents must be > 0: " + recentEvents);
    if (cachedUsers <= 0) throw new IllegalArgumentException("cachedUsers must be > 0: " + cachedUsers);
    if (trendingHours <= 0) throw new IllegalArgumentException("trendingHours must be > 0: " + trendingHours);
    if (newItemDays <= 0) throw new IllegalArgumentException("newItemDays must be > 0: " + newItemDays);
    if (!(freshnessBoost >= 0) || Double.isInfinite(freshnessBoost)) {
      throw new IllegalArgumentException("freshnessBoost must be >= 0: " + freshnessBoost);
    }
    if (!(dislikePenalty >= 0) || Double.isInfinite(dislikePenalty)) {
      throw new IllegalArgumentException("dislikePenalty must be a finite number >= 0: " + dislikePenalty);
    }
    if (!(contentWeight >= 0) || Double.isInfinite(contentWeight)) {
      throw new IllegalArgumentException("contentWeight must be a finite number >= 0: " + contentWeight);
    }
    if (!java.util.List.of("itemknn", "als", "none").contains(fallbackModel)) {
      throw new IllegalArgumentException("fallbackModel must be itemknn, als or none: " + fallbackModel);
    }
    if (adminKey != null && (adminKey.length() < MIN_ADMIN_KEY_LENGTH || !adminKey.matches("\\p{Graph}+"))) {
      // the key itself is never put in a message
      throw new IllegalArgumentException("adminKey must be at least " + MIN_ADMIN_KEY_LENGTH
          + " printable characters without spaces");
    }
    if (adminKey != null && adminKey.startsWith(ApiKeys.PREFIX)) {
      // an API key's shape: such a key would be taken for one, and tries at it would go unthrottled
      throw new IllegalArgumentException("adminKey must not start with 'atk_', the prefix of API keys");
    }
    if (userIdKey != null && userIdKey.length() < MIN_ADMIN_KEY_LENGTH) {
      throw new IllegalArgumentException("userIdKey must be at least " + MIN_ADMIN_KEY_LENGTH + " characters");
    }
  }

  /** Shortest admin key accepted. */
  public static final int MIN_ADMIN_KEY_LENGTH = 16;

  /** This configuration on another port. */
  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, adminKey, lifecycle, userIdKey, access,
        dislikePenalty, contentWeight);
  }

  /** This configuration serving another model directory. */
  public ServerConfig withModelDir(Path newModelDir) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, newModelDir, fallbackModel, adminKey, lifecycle, userIdKey, access,
        dislikePenalty, contentWeight);
  }

  /** This configuration with another fallback model ({@code itemknn}, {@code als}, {@code none}). */
  public ServerConfig withFallbackModel(String newFallbackModel) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, newFallbackModel, adminKey, lifecycle, userIdKey, access,
        dislikePenalty, contentWeight);
  }

  /** This configuration with another admin key (null = generate one at start). */
  public ServerConfig withAdminKey(String newAdminKey) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, newAdminKey, lifecycle, userIdKey, access,
        dislikePenalty, contentWeight);
  }

  /** This configuration with other retraining settings (null = the defaults). */
  public ServerConfig withLifecycle(LifecycleConfig newLifecycle) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, adminKey, newLifecycle, userIdKey, access,
        dislikePenalty, contentWeight);
  }

  /** This configuration pseudonymising user ids with another key (null = off). */
  public ServerConfig withUserIdKey(String newUserIdKey) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, adminKey, lifecycle, newUserIdKey, access,
        dislikePenalty, contentWeight);
  }

  /** This configuration with other access settings (null = the defaults). */
  public ServerConfig withAccess(AccessConfig newAccess) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, adminKey, lifecycle, userIdKey, newAccess,
        dislikePenalty, contentWeight);
  }

  /** This configuration with another dislike penalty (0 = off). */
  public ServerConfig withDislikePenalty(double newDislikePenalty) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, adminKey, lifecycle, userIdKey, access,
        newDislikePenalty, contentWeight);
  }

  /** This configuration with another content weight (0 = no content candidates). */
  public ServerConfig withContentWeight(double newContentWeight) {
    return new ServerConfig(host, port, maxBatch, maxBodyBytes, recentEvents, cachedUsers, trendingHours,
        newItemDays, freshnessBoost, modelDir, fallbackModel, adminKey, lifecycle, userIdKey, access, dislikePenalty,
        newContentWeight);
  }

  /** Like the record's own, but never shows the admin key or the user-id key. */
  @Override
  public String toString() {
    return "ServerConfig[host=" + host + ", port=" + port + ", maxBatch=" + maxBatch + ", maxBodyBytes=" + maxBodyBytes
        + ", recentEvents=" + recentEvents + ", cachedUsers=" + cachedUsers + ", trendingHours=" + trendingHours
        + ", newItemDays=" + newItemDays + ", freshnessBoost=" + freshnessBoost + ", modelDir=" + modelDir
        + ", fallbackModel=" + fallbackModel + ", adminKey=" + (adminKey == null ? "generated" : "(set)") + ", lifecycle=" + lifecycle
        + ", userIdKey=" + (userIdKey == null ? "off" : "(set)") + ", access=" + access + ", dislikePenalty="
        + dislikePenalty + ", contentWeight=" + contentWeight + "]";
  }
}
