package dev.attune.bench;

import dev.attune.data.Dataset;
import dev.attune.data.Holdout;
import dev.attune.data.Sequences;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.events.Event;
import dev.attune.events.EventWeights;
import dev.attune.infer.SequentialModel;
import dev.attune.kernel.VectorOps;
import dev.attune.infer.SequentialModels;
import dev.attune.infer.WeightFile;
import dev.attune.model.FitListener;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import dev.attune.synth.MusicPlatformGenerator;
import dev.attune.train.AttentionModels;
import dev.attune.train.SequenceTraining;
import java.util.Map;

/**
 * Whether a user's skips should push down what resembles them: SASRec (the demo's settings) trained on a generated
 * music platform, whose users skip tracks outside their genres, is measured by leave-one-out (full ranking, seen items
 * excluded) as it ranks, and with its top {@code pool} candidates re-ranked by {@code score - beta * sd * max(0, cos)},
 * where {@code cos} is a candidate's largest cosine (item vectors) to the user's skipped items and {@code sd} the
 * standard deviation of the pool's scores, for each {@code beta}. Prints NDCG@10 and HR@10 per beta, with the paired
 * difference against beta 0 and its t statistic over the test users.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp attune-bench/target/attune-bench.jar \
 *   dev.attune.bench.NegativeFeedbackQuality [users=2000] [seed=7] [epochs=12] [pool=50] [betas=0.25,0.5,1,2] \
 *   [recent=0,10,5] [data=generated|movielens-100k] [dislikeAtMost=2]
 * </pre>
 *
 * With {@code data=movielens-100k} (read from {@code ../shared/data}, or {@code -Dattune.data}) the users are real:
 * each rating of at most {@code dislikeAtMost} stars is a dislike, and the test item is each user's last film rated
 * above it ({@code users} is not read).
 *
 * For each {@code recent} above 0, each test user reads only their last {@code recent} training events (the liked ones
 * as the model's history, the skips among them for the re-rank), as a user new to the platform has few. The server
 * ({@code ServerConfig.dislikePenalty}, default 2) re-ranks so too, but clamps a re-ranked score at the pool's lowest
 * (its rank scores stay above the popularity fill), ranks from at least 100 candidates, and reads only items whose
 * newest event is a skip, the newest 50: the same here, where a user plays each track once, but where the penalty
 * would go below the pool's lowest score.
 */
public final class NegativeFeedbackQuality {
  private NegativeFeedbackQuality() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> defaults = new java.util.LinkedHashMap<>(Map.of("users", "2000", "seed", "7", "epochs", "12",
        "pool", "50", "betas", "0.25,0.5,1,2", "threads", "2", "recent", "0,10,5"));
    defaults.put("data", "generated");
    defaults.put("dislikeAtMost", "2");
    Map<String, String> a = SharedData.arguments(defaults, args);

    long seed = Long.parseLong(a.get("seed"));
    int pool = Integer.parseInt(a.get("pool"));
    Dataset ds = switch (a.get("data")) {
      case "generated" -> MusicPlatformGenerator.generate(MusicPlatformGenerator.Params.DEMO
          .withUsers(Integer.parseInt(a.get("users"))).withSeed(seed)).dataset();
      case "movielens-100k" -> lowRatingsAsDislikes(Float.parseFloat(a.get("dislikeAtMost")));
      default -> throw new IllegalArgumentException("data is generated or movielens-100k: " + a.get("data"));
    };
    EventWeights weights = EventWeights.defaults();
    Split split = Splits.leaveOneOut(ds, weights);
    TrainingSet train = split.trainAndValidation();
    long start = System.nanoTime();
    WeightFile w = AttentionModels.create("sasrec", Map.of("loss", "full-ce", "hidden", "32", "epochs",
        a.get("epochs")), seed, Integer.parseInt(a.get("threads"))).train(train, SequenceTraining.Run.NONE,
        FitListener.NONE);
    SequentialModel model = SequentialModels.fromWeights(w, train);
    System.out.printf("%s: SASRec trained in %.0f s; leave-one-out, %,d test users%n", ds,
        (System.nanoTime() - start) / 1e9, split.test().numUsersWithItems());
    String[] betaText = a.get("betas").split(",");
    double[] betas = new double[betaText.length + 1];
    for (int b = 0; b < betaText.length; b++) betas[b + 1] = Double.parseDouble(betaText[b]);
    Sequences seq = train.sequences();
    Holdout test = split.test();
    for (String recentText : a.get("recent").split(",")) {
      measure(model, seq, test, pool, betas, Integer.parseInt(recentText));
    }
  }

  private static void measure(SequentialModel model, Sequences seq, Holdout test, int pool, double[] betas,
      int recent) {
    int users = 0;
    int withSkips = 0;
    double[] ndcg = new double[betas.length];
    double[] hr = new double[betas.length];
    double[] diffSum = new double[betas.length];
    double[] diffSquares = new double[betas.length];
    for (int u = 0; u < test.numUsers(); u++) {
      int[] targets = test.itemsOf(u);
      if (targets.length == 0) continue;
      int target = targets[0];
      int[] items = seq.itemsOf(u);
      float[] stepWeights = java.util.Arrays.copyOfRange(seq.weights(), seq.indptr()[u], seq.indptr()[u + 1]);
      // with recent > 0, a user as new as their last `recent` events (skips among them): what a live user has
      int from = recent > 0 ? Math.max(0, items.length - recent) : 0;
      java.util.List<float[]> skipped = new java.util.ArrayList<>();
      java.util.List<Integer> liked = new java.util.ArrayList<>();
      for (int s = from; s < items.length; s++) {
        if (stepWeights[s] < 0) skipped.add(model.itemRepresentation(items[s]));
        else if (stepWeights[s] > 0) liked.add(items[s]);
      }
      if (recent > 0 && liked.isEmpty()) continue;
      users++;
      if (!skipped.isEmpty()) withSkips++;
      TopK top = recent > 0
          ? model.recommend(Query.forHistory(liked.stream().mapToInt(Integer::intValue).toArray(), pool))
          : model.recommend(Query.forUser(u, pool));
      double mean = 0;
      for (int r = 0; r < top.size(); r++) mean += top.score(r);
      mean /= Math.max(1, top.size());
      double var = 0;
      for (int r = 0; r < top.size(); r++) var += (top.score(r) - mean) * (top.score(r) - mean);
      double sd = Math.sqrt(var / Math.max(1, top.size()));
      double[] likeSkipped = new double[top.size()];
      for (int r = 0; r < top.size(); r++) {
        float[] c = model.itemRepresentation(top.item(r));
        for (float[] n : skipped) likeSkipped[r] = Math.max(likeSkipped[r], cosine(c, n));
      }
      double base = 0;
      for (int b = 0; b < betas.length; b++) {
        double targetScore = Double.NaN;
        for (int r = 0; r < top.size(); r++) {
          if (top.item(r) == target) targetScore = top.score(r) - betas[b] * sd * likeSkipped[r];
        }
        double gain = 0;
        if (!Double.isNaN(targetScore)) {
          int rank = 0; // candidates above the target after the re-rank (ties: the target last)
          for (int r = 0; r < top.size(); r++) {
            if (top.item(r) != target && top.score(r) - betas[b] * sd * likeSkipped[r] >= targetScore) rank++;
          }
          if (rank < 10) {
            gain = 1 / (Math.log(rank + 2) / Math.log(2));
            hr[b]++;
          }
        }
        ndcg[b] += gain;
        if (b == 0) base = gain;
        diffSum[b] += gain - base;
        diffSquares[b] += (gain - base) * (gain - base);
      }
    }
    System.out.printf("%,d of %,d test users have skips in the events read%s; pool %d%n", withSkips, users,
        recent > 0 ? " (their last " + recent + ")" : "", pool);
    for (int b = 0; b < betas.length; b++) {
      double meanDiff = diffSum[b] / users;
      double sdDiff = Math.sqrt(Math.max(0, diffSquares[b] / users - meanDiff * meanDiff));
      double t = sdDiff == 0 ? 0 : meanDiff / (sdDiff / Math.sqrt(users));
      System.out.printf("beta %-5s NDCG@10 %.4f  HR@10 %.4f  NDCG@10 vs beta 0 %+.4f (%+.1f%%, t %.2f)%n", betas[b],
          ndcg[b] / users, hr[b] / users, meanDiff, 100 * meanDiff / (ndcg[0] / users), t);
    }
  }

  /**
   * MovieLens-100K with every rating of at most {@code atMost} stars a {@code dislike} (the default weights' -2), the
   * others ratings as imported (liked): real users' own no, where no shared data set records a skip. Leave-one-out
   * then tests each user's last rating above {@code atMost}: the next film they rated well enough.
   */
  private static Dataset lowRatingsAsDislikes(float atMost) throws Exception {
    Dataset rated = SharedData.imported("movielens-100k", "ml-100k", "movielens-100k");
    Dataset ds = new Dataset("ml-100k, ratings <= " + atMost + " as dislikes", rated.timeKind());
    rated.items().forEach(ds::putItem);
    rated.users().forEach(ds::putUser);
    int dislikes = 0;
    for (int row = 0; row < rated.events().size(); row++) {
      Event e = rated.event(rated.events(), row);
      if (e.value() <= atMost) {
        e = new Event(e.userId(), e.itemId(), "dislike", e.value(), e.timestamp(), e.scene(), e.context());
        dislikes++;
      }
      ds.addEvent(e);
    }
    System.out.printf("%,d of %,d ratings (%.1f%%) at most %s stars: dislikes%n", dislikes, rated.events().size(),
        100.0 * dislikes / rated.events().size(), atMost);
    return ds;
  }

  /** The cosine of two item vectors, 0 when negative (only resemblance costs). */
  private static double cosine(float[] x, float[] y) {
    double norms = Math.sqrt((double) VectorOps.dot(x, x) * VectorOps.dot(y, y));
    return norms > 0 ? Math.max(0, VectorOps.dot(x, y) / norms) : 0;
  }
}
