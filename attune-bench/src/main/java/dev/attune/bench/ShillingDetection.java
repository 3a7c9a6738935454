package dev.attune.bench;

import dev.attune.abuse.AbuseDetector;
import dev.attune.data.Dataset;
import dev.attune.data.importers.ImportOptions;
import dev.attune.data.importers.MovieLens100kImporter;
import dev.attune.events.Event;
import dev.attune.events.User;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How well {@link AbuseDetector} quarantines injected fake profiles on a real data set (issue 7): MovieLens-100K
 * (943 real users) plus {@code attackers} fake users pushing one target item, for three attack models from the
 * shilling literature, implicit version:
 *
 * <ul>
 *   <li><b>random</b>: the target plus fillers drawn uniformly from the catalogue;
 *   <li><b>average</b>: fillers drawn in proportion to popularity (they look like the average consumer);
 *   <li><b>bandwagon</b>: half the fillers from the 100 most popular items, half uniform;
 *   <li><b>bot</b>: as random, but each profile posted within one minute.
 * </ul>
 *
 * Filler counts follow the real users' profile sizes (a real profile is drawn and its size copied); the target
 * is a random item with fewer than 20 consumers; fake events are spread uniformly over the data's time range
 * (except for bots), so only the co-visitation evidence can catch them. Reports the share of fake profiles
 * quarantined and the share of real users wrongly quarantined, for several seeds.
 *
 * <p>Run: {@code java -cp attune-bench/target/attune-bench.jar dev.attune.bench.ShillingDetection [attackers]
 * [seeds] [maxRobustZ minGroup minGroupShare]} (defaults 47, i.e. 5% of the users, 5 seeds and {@link
 * AbuseDetector.Params#DEFAULTS}); reads {@code ../shared/data/movielens-100k}.
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
    int attackers = args.length > 0 ? Integer.parseInt(args[0]) : 47;
    int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    AbuseDetector.Params params = args.length > 2 ? new AbuseDetector.Params(60_000L, 60, Double.parseDouble(args[2]),
        Integer.parseInt(args[3]), Double.parseDouble(args[4]), 5) : AbuseDetector.Params.DEFAULTS;
    System.out.printf(Locale.ROOT, "MovieLens-100K + %d fake profiles per attack, AbuseDetector %s%n", attackers,
        params);
    for (String attack : new String[] {"random", "average", "bandwagon", "bot"}) {
      double caught = 0;
      double falsePositives = 0;
      StringBuilder perSeed = new StringBuilder();
      for (int seed = 1; seed <= seeds; seed++) {
        MovieLens100kImporter importer = new MovieLens100kImporter();
        Dataset data = importer.newDataset("ml-100k");
        importer.importInto(data, SharedData.root().resolve("movielens-100k"), ImportOptions.DEFAULTS);
        int realUsers = data.numUsers();
        inject(data, attack, attackers, new SplittableRandom(seed));
        AbuseDetector.Report report = new AbuseDetector(params).detect(data);
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
          + " seeds):%s%n", attack, 100 * caught / seeds, 100 * falsePositives / seeds, seeds, perSeed);
    }
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
        data.addEvent(new Event(userId, data.itemIds().id(item), "rating", 5f, t, Event.DEFAULT_SCENE));
        k++;
      }
    }
  }
}
