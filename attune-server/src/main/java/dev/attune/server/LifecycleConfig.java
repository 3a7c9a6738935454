package dev.attune.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the service retrains its model ({@link ModelLifecycle}); part of {@link ServerConfig}. Training needs a
 * {@link ModelTrainer} (given by {@code attune serve} and {@code attune demo}); without one these settings are
 * ignored and "train now" answers 503.
 *
 * @param modelRoot the folder new versions are written to (one sub-folder per version, named by its id); null = the
 *     folder of the served model directory, or {@code models} in the working directory when none is served
 * @param trainEvery retrain on this schedule (the first run one period after start); null = no schedule
 * @param retrainAfterEvents retrain once this many new events were stored since the last training started; 0 = off
 * @param gateMargin the model gate: a candidate is published only if its NDCG@10 on the holdout is at least the
 *     active version's NDCG@10 on the same holdout minus this margin (absolute, in NDCG points, >= 0; 0 = not worse)
 * @param holdoutFraction the newest share of events held out by a global time cut (in (0, 1)); candidates train on
 *     the events before the cut, and both the candidate and the active version are measured on the events after it
 * @param seed the training seed of every job
 * @param refitPublished whether a published candidate is trained again on every event, the holdout's too, and that
 *     model served (checked on the holdout it then learnt from: served only when it scores at least the candidate's
 *     NDCG@10 less the margin there); else the candidate is served, and the newest {@code holdoutFraction} of events
 *     reaches a served model only once a later job's holdout has moved past it
 * @param keepVersions how many of the versions training jobs built are kept (the newest); older ones are removed after
 *     each job, directory and registry row, but never the served one or one an experiment's arm serves; 0 = keep
 *     every version
 */
public record LifecycleConfig(Path modelRoot, Duration trainEvery, long retrainAfterEvents, double gateMargin,
    double holdoutFraction, long seed, boolean refitPublished, int keepVersions) {

  /**
   * No schedule, no event trigger, margin 0 (a candidate must not be worse), newest 10% held out, seed 42, the
   * candidate served as it was measured (no refit; {@code attune serve} turns the refit on), the newest {@link
   * #DEFAULT_KEEP_VERSIONS} versions kept.
   */
  public static final LifecycleConfig DEFAULTS = new LifecycleConfig(null, null, 0, 0.0, 0.1, 42L, false, 10);
  /**
   * Versions kept by default: the last ten jobs' versions stay to be compared or activated again (the served one
   * always stays), where keeping every one grew the model folder by a version per job for good (0.55 MB each on
   * MovieLens-100K; the item table of 100,000 items at 64 dimensions alone is 25.6 MB).
   */
  public static final int DEFAULT_KEEP_VERSIONS = 10;

  public LifecycleConfig {
    if (trainEvery != null && (trainEvery.isNegative() || trainEvery.toSeconds() < 1)) {
      throw new IllegalArgumentException("trainEvery must be at least 1 second: " + trainEvery);
    }
    if (retrainAfterEvents < 0) {
      throw new IllegalArgumentException("retrainAfterEvents must be >= 0: " + retrainAfterEvents);
    }
    if (!(gateMargin >= 0) || Double.isInfinite(gateMargin)) {
      throw new IllegalArgumentException("gateMargin must be >= 0: " + gateMargin);
    }
    if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
      throw new IllegalArgumentException("holdoutFraction must be in (0, 1): " + holdoutFraction);
    }
    if (keepVersions < 0) {
      throw new IllegalArgumentException("keepVersions must be >= 0 (0 keeps every version): " + keepVersions);
    }
  }

  /** These settings with another schedule (null = none). */
  public LifecycleConfig withTrainEvery(Duration every) {
    return new LifecycleConfig(modelRoot, every, retrainAfterEvents, gateMargin, holdoutFraction, seed,
        refitPublished, keepVersions);
  }

  /** These settings with the published candidate trained again on every event, or not. */
  public LifecycleConfig withRefitPublished(boolean refit) {
    return new LifecycleConfig(modelRoot, trainEvery, retrainAfterEvents, gateMargin, holdoutFraction, seed, refit,
        keepVersions);
  }

  /** These settings with another event trigger (0 = off). */
  public LifecycleConfig withRetrainAfterEvents(long events) {
    return new LifecycleConfig(modelRoot, trainEvery, events, gateMargin, holdoutFraction, seed, refitPublished,
        keepVersions);
  }

  /** These settings with another gate margin. */
  public LifecycleConfig withGateMargin(double margin) {
    return new LifecycleConfig(modelRoot, trainEvery, retrainAfterEvents, margin, holdoutFraction, seed,
        refitPublished, keepVersions);
  }

  /** These settings with another folder for new versions (null = the served model's folder). */
  public LifecycleConfig withModelRoot(Path root) {
    return new LifecycleConfig(root, trainEvery, retrainAfterEvents, gateMargin, holdoutFraction, seed, refitPublished,
        keepVersions);
  }

  /** These settings keeping another number of versions (0 = every one). */
  public LifecycleConfig withKeepVersions(int keep) {
    return new LifecycleConfig(modelRoot, trainEvery, retrainAfterEvents, gateMargin, holdoutFraction, seed,
        refitPublished, keep);
  }

  /**
   * Parses a duration: ISO-8601 ({@code PT6H}) or a number with a unit {@code s}, {@code m}, {@code h}, {@code d}
   * ({@code 90s}, {@code 30m}, {@code 6h}, {@code 1d}); blank, {@code off} or {@code 0} = null (no schedule).
   *
   * @throws IllegalArgumentException if it is neither
   */
  public static Duration parseDuration(String text) {
    if (text == null || text.isBlank() || text.trim().equals("off") || text.trim().equals("0")) return null;
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.startsWith("p")) return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new IllegalArgumentException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a duration is like 90s, 30m, 6h, 1d or PT6H: " + text);
    }
  }
}
