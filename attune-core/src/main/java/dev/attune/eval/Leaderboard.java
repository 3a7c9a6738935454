package dev.attune.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Collects {@link EvalResult}s and renders them as a fixed-width text table, one row per result in the order
 * added. Columns are named by metric label ({@code NDCG@10}) or by one of the special columns {@link #MODEL},
 * {@link #USERS}, {@link #TRAIN_SECONDS} and {@link #EVAL_SECONDS}. A result without a column's metric shows
 * {@code -} there; an undefined value (NaN: no user has one, as AUC with no unseen negative left) shows as {@code n/a},
 * as it does in JSON as null (a QA run read NaN in the table as a bug).
 *
 * <p>Optionally ({@link #compareToBest}) a last column gives each model's paired t-test p-value against the
 * best model on one metric ({@link Significance#pairedTTest(EvalResult, EvalResult, String)}); it shows
 * {@code best} for the best model and {@code n/a} where the results are not aligned on the same users.
 *
 * <p>Example output:
 * <pre>
 * model       HR@10   NDCG@10  Recall@20     MRR  Coverage@10  train s  p vs best (NDCG@10)
 * ----------  ------  -------  ---------  ------  -----------  -------  -------------------
 * Popularity  0.4510   0.2380     0.5800  0.1990       0.0410      0.1               &lt;0.001
 * Ease        0.7020   0.4410     0.8010  0.3770       0.3110     12.3                 best
 * </pre>
 *
 * <p>Not thread-safe: fill it from one thread, then render.
 */
public final class Leaderboard {
  /** Column holding the model name. */
  public static final String MODEL = "model";
  /** Column holding the number of users evaluated. */
  public static final String USERS = "users";
  /** Column holding the training time in seconds ({@link EvalResult#trainSeconds()}). */
  public static final String TRAIN_SECONDS = "train s";
  /** Column holding the evaluation time in seconds. */
  public static final String EVAL_SECONDS = "eval s";
  /** The default columns: model, HR@10, NDCG@10, Recall@20, MRR, Coverage@10, train seconds. */
  public static final List<String> DEFAULT_COLUMNS =
      List.of(MODEL, "HR@10", "NDCG@10", "Recall@20", "MRR", "Coverage@10", TRAIN_SECONDS);

  /**
   * The columns for results evaluated with {@code options}: HR and NDCG at the first cut-off, Recall at the
   * largest, MRR, Coverage at the first (the evaluator's catalogue metrics use the first), AUC when computed, the
   * sampled HR and NDCG at the first cut-off when sampled, and training seconds. With the cut-offs {10, 20}, AUC off
   * and no sampling this is {@link #DEFAULT_COLUMNS}; every other metric is in the results (and a JSON report) but
   * not the table.
   */
  public static List<String> columnsFor(EvalOptions options) {
    int first = options.ks()[0];
    List<String> columns = new ArrayList<>(List.of(MODEL, Metric.at(Metric.Kind.HIT_RATE, first).label(),
        Metric.at(Metric.Kind.NDCG, first).label(), Metric.at(Metric.Kind.RECALL, options.maxK()).label(),
        Metric.of(Metric.Kind.MRR).label(), Metric.at(Metric.Kind.COVERAGE, first).label()));
    if (options.computeAuc()) columns.add(Metric.of(Metric.Kind.AUC).label());
    if (options.sampledNegatives() > 0) {
      columns.add(Metric.sampled(Metric.Kind.HIT_RATE, first, options.sampledNegatives()).label());
      columns.add(Metric.sampled(Metric.Kind.NDCG, first, options.sampledNegatives()).label());
    }
    columns.add(TRAIN_SECONDS);
    return columns;
  }

  /** The metric a leaderboard for {@code options} tests significance on: NDCG at the first cut-off. */
  public static String significanceMetricFor(EvalOptions options) {
    return Metric.at(Metric.Kind.NDCG, options.ks()[0]).label();
  }

  private final List<String> columns;
  private final List<EvalResult> results = new ArrayList<>();
  private String significanceMetric;

  /** A leaderboard with {@link #DEFAULT_COLUMNS}. */
  public Leaderboard() {
    this(DEFAULT_COLUMNS);
  }

  /**
   * A leaderboard with the given columns, in order.
   *
   * @throws IllegalArgumentException if {@code columns} is empty or holds a null or blank name
   */
  public Leaderboard(List<String> columns) {
    if (columns == null || columns.isEmpty()) {
      throw new IllegalArgumentException("a leaderboard needs at least one column");
    }
    for (String c : columns) {
      if (c == null || c.isBlank()) {
        throw new IllegalArgumentException("column names must not be blank");
      }
    }
    this.columns = List.copyOf(columns);
  }

  /** Adds a row; returns this. */
  public Leaderboard add(EvalResult result) {
    if (result == null) {
      throw new IllegalArgumentException("result must not be null");
    }
    results.add(result);
    return this;
  }

  /** The results added so far, in order (unmodifiable view). */
  public List<EvalResult> results() {
    return Collections.unmodifiableList(results);
  }

  /** The columns, in order. */
  public List<String> columns() {
    return columns;
  }

  /**
   * Adds a column with each model's p-value against the best model on {@code metric} (null removes it);
   * returns this.
   */
  public Leaderboard compareToBest(String metric) {
    this.significanceMetric = metric;
    return this;
  }

  /**
   * The result with the best mean of {@code metric} (highest, or lowest for metrics where lower is better, see
   * {@link Metric.Kind#higherIsBetter()}), ignoring results without it or with NaN; null if none has it. The
   * first added wins ties.
   */
  public EvalResult best(String metric) {
    EvalResult best = null;
    double bestValue = Double.NaN;
    for (EvalResult r : results) {
      if (!r.has(metric)) continue;
      double v = r.mean(metric);
      if (Double.isNaN(v)) continue;
      boolean higher = r.metric(metric).kind().higherIsBetter();
      if (best == null || (higher ? v > bestValue : v < bestValue)) {
        best = r;
        bestValue = v;
      }
    }
    return best;
  }

  /** The table as text: header, a dashed rule, one line per result; lines end with {@code \n}. */
  public String render() {
    List<String> header = new ArrayList<>(columns);
    EvalResult best = null;
    if (significanceMetric != null) {
      header.add("p vs best (" + significanceMetric + ")");
      best = best(significanceMetric);
    }
    List<List<String>> rows = new ArrayList<>();
    for (EvalResult r : results) {
      List<String> row = new ArrayList<>();
      for (String c : columns) row.add(cell(r, c));
      if (significanceMetric != null) row.add(pValueCell(r, best));
      rows.add(row);
    }
    int[] widths = new int[header.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = header.get(c).length();
      for (List<String> row : rows) widths[c] = Math.max(widths[c], row.get(c).length());
    }
    StringBuilder out = new StringBuilder();
    appendLine(out, header, widths);
    List<String> rule = new ArrayList<>();
    for (int w : widths) rule.add("-".repeat(w));
    appendLine(out, rule, widths);
    for (List<String> row : rows) appendLine(out, row, widths);
    return out.toString();
  }

  @Override
  public String toString() {
    return render();
  }

  private void appendLine(StringBuilder out, List<String> cells, int[] widths) {
    for (int c = 0; c < cells.size(); c++) {
      if (c > 0) out.append("  ");
      String s = cells.get(c);
      String pad = " ".repeat(widths[c] - s.length());
      boolean left = c < columns.size() && columns.get(c).equals(MODEL);
      if (left) {
        out.append(s);
        if (c < cells.size() - 1) out.append(pad);
      } else {
        out.append(pad).append(s);
      }
    }
    out.append('\n');
  }

  private static String cell(EvalResult r, String column) {
    return switch (column) {
      case MODEL -> r.modelName();
      case USERS -> Integer.toString(r.numUsers());
      case TRAIN_SECONDS -> seconds(r.trainSeconds());
      case EVAL_SECONDS -> seconds(r.elapsedSeconds());
      default -> r.has(column) ? fourDecimals(r.mean(column)) : "-";
    };
  }

  /** The metric of the significance column, or null when the table has none. */
  public String significanceMetric() {
    return significanceMetric;
  }

  /**
   * The paired t-test p-value of {@code r} against the best result on {@link #significanceMetric()}, as the table
   * shows it: null for the best itself, without a significance metric, or where no per-user pairing exists.
   */
  public Double pValueVsBest(EvalResult r) {
    EvalResult best = significanceMetric == null ? null : best(significanceMetric);
    if (best == null || r == best || !r.has(significanceMetric) || !r.alignedWith(best)
        || !r.metric(significanceMetric).kind().perUser()) {
      return null;
    }
    double p = Significance.pairedTTest(r, best, significanceMetric);
    return Double.isNaN(p) ? null : p;
  }

  private String pValueCell(EvalResult r, EvalResult best) {
    if (best == null || !r.has(significanceMetric)) return "-";
    if (r == best) return "best";
    if (!r.alignedWith(best) || !r.metric(significanceMetric).kind().perUser()) return "n/a";
    double p = Significance.pairedTTest(r, best, significanceMetric);
    if (Double.isNaN(p)) return "n/a"; // no spread to test, as over one user
    return p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
  }

  private static String seconds(double s) {
    return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.1f", s);
  }

  /** A metric as the table writes it: four decimals, or {@code n/a} when undefined (NaN). */
  public static String fourDecimals(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }
}
