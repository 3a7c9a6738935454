package dev.attune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaderboardTest {
  private static EvalResult result(String name, double shift) {
    int n = 40;
    int[] users = new int[n];
    double[] ndcg = new double[n];
    double[] hr = new double[n];
    for (int u = 0; u < n; u++) {
      users[u] = u;
      ndcg[u] = Math.min(1, (u % 7) / 10.0 + shift);
      hr[u] = ndcg[u] > 0.3 ? 1 : 0;
    }
    Map<Metric, double[]> perUser = new LinkedHashMap<>();
    perUser.put(Metric.at(Metric.Kind.HIT_RATE, 10), hr);
    perUser.put(Metric.at(Metric.Kind.NDCG, 10), ndcg);
    Map<Metric, Double> aggregates = Map.of(Metric.at(Metric.Kind.COVERAGE, 10), 0.5);
    return new EvalResult(name, "test", users, perUser, aggregates, 0.2, Double.NaN);
  }

  @Test
  void rendersAlignedColumnsAndMarksTheBest() {
    EvalResult weak = result("Popularity", 0).withTrainSeconds(0.1);
    EvalResult strong = result("Ease", 0.2).withTrainSeconds(12.34);
    Leaderboard board = new Leaderboard(List.of(Leaderboard.MODEL, "HR@10", "NDCG@10", "MRR", Leaderboard.TRAIN_SECONDS))
        .add(weak)
        .add(strong)
        .compareToBest("NDCG@10");
    assertSame(strong, board.best("NDCG@10"));
    String text = board.render();
    String[] lines = text.split("\n");
    assertEquals(4, lines.length, text);
    assertTrue(lines[0].startsWith("model"), text);
    assertTrue(lines[0].endsWith("p vs best (NDCG@10)"), text);
    assertTrue(lines[1].startsWith("----------  "), text); // "Popularity" is 10 wide
    assertTrue(lines[2].startsWith("Popularity"), text);
    assertTrue(lines[2].endsWith("<0.001"), text);
    assertTrue(lines[3].endsWith("best"), text);
    assertTrue(lines[3].contains("12.3"), text);
    // Missing metric (MRR) shows "-"; every line has the same width.
    assertTrue(lines[2].contains(" -  "), text);
    assertEquals(lines[0].length(), lines[1].length(), text);
    assertEquals(lines[0].length(), lines[2].length(), text);
  }

  /** QA: an undefined value (AUC with no negative left) printed as NaN, which read as a bug. */
  @Test
  void anUndefinedValueShowsAsNotApplicable() {
    Map<Metric, double[]> perUser = Map.of(Metric.at(Metric.Kind.NDCG, 10), new double[] {Double.NaN});
    String text = new Leaderboard(List.of(Leaderboard.MODEL, "NDCG@10")).add(new EvalResult("A", "test",
        new int[] {0}, perUser, Map.of(), 0.1, Double.NaN)).render();
    assertTrue(text.split("\n")[2].endsWith("n/a") && !text.contains("NaN"), text);
  }

  @Test
  void defaultColumnsIncludeCoverageAndTrainTime() {
    String text = new Leaderboard().add(result("A", 0)).render();
    String header = text.split("\n")[0];
    assertEquals(List.of("model", "HR@10", "NDCG@10", "Recall@20", "MRR", "Coverage@10", "train", "s"),
        List.of(header.trim().split("\\s+")), text);
  }
}
