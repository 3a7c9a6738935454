package dev.attune.bench;

import dev.attune.abuse.AbuseDetector;
import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.User;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How well {@link AbuseDetector} quarantines injected fake profiles on a real data set (issue 7): MovieLens-100K
 * (943 real users), Last.fm HetRec (1,892 users, no timestamps) or the implicit MovieLens-1M (6,040 users, the
 * CoLaKG training split: binary events, no ratings and no clock times) plus fake users pushing one target item, for
 * three attack models from the shilling literature, implicit version, and bots:
 *
 * <ul>
 *   <li><b>random</b>: the target plus fillers drawn uniformly from the catalogue;
 *   <li><b>average</b>: fillers drawn in proportion to popularity (they look like the average consumer);
 *   <li><b>bandwagon</b>: half the fillers from the 100 most popular items, half uniform;
 *   <li><b>bot</b>: as random, but each profile posted within one minute.
 * </ul>
 *
 * Filler counts follow the real users' profile sizes (a real profile is drawn and its size copied); the target
 * is a random item with fewer than 20 consumers; fake events have the data's own event type and value and are
 * spread uniformly over its time range (except for bots), so only the co-visitation evidence can catch them.
 * Last.fm and the implicit MovieLens-1M have no clock times, so their bots are random attacks. Reports the share
 * of fake profiles quarantined and the share of real users wrongly quarantined, for several seeds.
 *
 * <p>Run: {@code java -cp attune-bench/target/attune-bench.jar dev.attune.bench.ShillingDetection
 * [ml-100k|lastfm|ml-1m|beauty|toys] [attack size as a share of the users] [seeds]
 * [minCrowdEvidence minNullLikeEvidence maxNullZ [minCrowdShare]]} (defaults ml-100k, 0.05, 5 seeds and {@link
 * AbuseDetector.Params#DEFAULTS}); reads {@code ../shared/data/movielens-100k}, {@code
 * ../shared/data/lastfm-hetrec2011-2k}, {@code ../shared/data/movielens-1m/implicit_colakg} or {@code
 * ../shared/data/s3rec-sequential/Beauty.txt} ({@code Toys_and_Games.txt}, format {@code s3rec}). An attack
 * share of 0 runs the detector once on the untouched data (the real users it flags are all false positives).
 */
public final class ShillingDetection {
  private ShillingDetection() {}

  /**
   * Runs every attack model for each seed.
   *
   * @param args attackers per attack, seeds
   * @throws Exception when the data cannot be read
   */
  public static void main(String[] args) throws Exception {
    String dataName = args.length > 0 ? args[0] : "ml-100k";
    if (!List.of("ml-100k", "lastfm", "ml-1m", "beauty", "toys").contains(dataName)) {
      throw new IllegalArgumentException("data set: ml-100k, lastfm, ml-1m, beauty or toys, not " + dataName);
    }
    double attackShare = args.length > 1 ? Double.parseDouble(args[1]) : 0.05;
    int seeds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    AbuseDetector.Params params = args.length > 3 ? AbuseDetector.Params.DEFAULTS.withShilling(
        Double.parseDouble(args[3]), Double.parseDouble(args[4]),
        args.length > 6 ? Double.parseDouble(args[6]) : AbuseDetector.Params.DEFAULTS.minCrowdShare(),
        Double.parseDouble(args[5])) : AbuseDetector.Params.DEFAULTS;
    if (attackShare == 0) {
      Dataset data = load(dataName);
      long started = System.nanoTime();
      AbuseDetector.Report report = new AbuseDetector(params).detect(data);
      System.out.printf(Locale.ROOT, "%s untouched (%d users, %d events), AbuseDetector %s: %d real users"
          + " quarantined (%.2f%%), pushed items %s, detection %.2f s%n", dataName, data.numUsers(),
          data.events().size(), params, report.quarantinedCount(), 100.0 * report.quarantinedCount()
              / data.numUsers(), report.pushedItems(), (System.nanoTime() - started) / 1e9);
      return;
    }
    int attackers = (int) Math.round(attackShare * load(dataName).numUsers());
    System.out.printf(Locale.ROOT, "%s + %d fake profiles per attack, AbuseDetector %s%n", dataName, attackers,
        params);
    for (String attack : new String[] {"random", "average", "bandwagon", "bot"}) {
      double caught = 0;
      double falsePositives = 0;
      double detectSeconds = 0;
      StringBuilder perSeed = new StringBuilder();
      for (int seed = 1; seed <= seeds; seed++) {
        Dataset data = load(dataName);
        int realUsers = data.numUsers();
        inject(data, attack, attackers, new SplittableRandom(seed));
        long started = System.nanoTime();
        AbuseDetector.Report report = new AbuseDetector(params).detect(data);
        detectSeconds += (System.nanoTime() - started) / 1e9;
        int fakesCaught = 0;
        int realFlagged = 0;
        for (int u = 0; u < data.numUsers(); u++) {
          if (!report.quarantined()[u]) continue;
          if (u >= realUsers) fakesCaught++;
          else realFlagged++;
        }
        caught += fakesCaught / (double) attackers;
        falsePositives += realFlagged / (double) realUsers;
        perSeed.append(String.format(Locale.ROOT, " %d/%d caught, %d real flagged;", fakesCaught, attackers,
            realFlagged));
      }
      System.out.printf(Locale.ROOT, "%-9s fake profiles quarantined %.1f%%, real users quarantined %.2f%% (mean of %d"
          + " seeds; detection %.2f s each):%s%n", attack, 100 * caught / seeds, 100 * falsePositives / seeds, seeds,
          detectSeconds / seeds, perSeed);
    }
  }

  private static Dataset load(String dataName) throws java.io.IOException {
    String format = switch (dataName) {
      case "ml-100k" -> "movielens-100k";
      case "ml-1m" -> "ml1m-implicit";
      case "beauty", "toys" -> "s3rec";
      default -> "lastfm-hetrec";
    };
    String folder = switch (dataName) {
      case "ml-100k" -> "movielens-100k";
      case "ml-1m" -> "movielens-1m/implicit_colakg";
      case "beauty" -> "s3rec-sequential/Beauty.txt";
      case "toys" -> "s3rec-sequential/Toys_and_Games.txt";
      default -> "lastfm-hetrec2011-2k";
    };
    Dataset data = SharedData.imported(format, dataName, folder);
    return data;
  }

  private static void inject(Dataset data, String attack, int attackers, SplittableRandom r) {
    int items = data.numItems();
    int realUsers = data.numUsers();
    int[] degree = new int[items];
    int[] profileSize = new int[realUsers];
    long minTime = Long.MAX_VALUE;
    long maxTime = Long.MIN_VALUE;
    for (int row = 0; row < data.events().size(); row++) {
      degree[data.events().item(row)]++;
      profileSize[data.events().user(row)]++;
      minTime = Math.min(minTime, data.events().time(row));
      maxTime = Math.max(maxTime, data.events().time(row));
    }
    List<Integer> rare = new ArrayList<>();
    for (int i = 0; i < items; i++) if (degree[i] > 0 && degree[i] < 20) rare.add(i);
    int target = rare.get(r.nextInt(rare.size()));
    Integer[] byPopularity = new Integer[items];
    for (int i = 0; i < items; i++) byPopularity[i] = i;
    Arrays.sort(byPopularity, (a, b) -> Integer.compare(degree[b], degree[a]));
    long[] cumulative = new long[items];
    for (int i = 0; i < items; i++) cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + degree[i];
    // the fakes' events look like the data's own: its first event's type and value
    String type = data.event(data.events(), 0).type();
    float value = data.event(data.events(), 0).value();
    for (int a = 0; a < attackers; a++) {
      String userId = "fake-" + a;
      data.putUser(new User(userId, java.util.Map.of()));
      int fillers = Math.max(5, profileSize[r.nextInt(realUsers)] - 1);
      long start = attack.equals("bot") ? minTime + (long) (r.nextDouble() * (maxTime - minTime)) : 0;
      java.util.Set<Integer> chosen = new java.util.LinkedHashSet<>();
      chosen.add(target);
      while (chosen.size() < fillers + 1) {
        int item = switch (attack) {
          case "average" -> {
            long x = (long) (r.nextDouble() * cumulative[items - 1]);
            int k = Arrays.binarySearch(cumulative, x + 1);
            yield k >= 0 ? k : -k - 1;
          }
          case "bandwagon" -> r.nextBoolean() ? byPopularity[r.nextInt(100)] : r.nextInt(items);
          default -> r.nextInt(items);
        };
        chosen.add(item);
      }
      int k = 0;
      for (int item : chosen) {
        long t = attack.equals("bot") ? start + k * 500L : minTime + (long) (r.nextDouble() * (maxTime - minTime));
        data.addEvent(new Event(userId, data.itemIds().id(item), type, value, t, Event.DEFAULT_SCENE));
        k++;
      }
    }
  }
}
