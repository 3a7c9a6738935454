package dev.attune.cli;

import dev.attune.data.Dataset;
import dev.attune.data.Sequences;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.data.TrainingSet;
import dev.attune.infer.AttentionExplanation;
import dev.attune.infer.ModelDirectory;
import dev.attune.infer.SceneTransferModel;
import dev.attune.infer.SequentialModel;
import dev.attune.infer.SequentialModels;
import dev.attune.model.Query;
import dev.attune.model.TopK;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune explain}: why an attention model recommends what it does, and whether its attention is faithful.
 * Sequential models ({@code sasrec}, {@code gru-attn}) and the cross-scene {@code scene-transfer} model (#5).
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
        "Show a trained attention model's recommendations for some users with the history events behind each.",
        "Then measure faithfulness: over a sample of users and each of their top-k items, the share where removing"
            + " the most-attended event lowers the item's score more than removing a random other event (0.5 = chance)."})
final class ExplainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model directory from 'attune train'.")
  Path modelDir;

  @Option(names = "--data", required = true, description = "The data set the model was trained on.")
  Path data;

  @Option(names = "--protocol", description = "Split as in training (default: the one recorded in the model, else as 'attune evaluate').")
  String protocol;

  @Option(names = "--user", description = "External user id to show (repeatable; default: the first few users).")
  List<String> users = new ArrayList<>();

  @Option(names = "--show", defaultValue = "3", description = "Users to show when no --user is given (default: ${DEFAULT-VALUE}).")
  int show;

  @Option(names = "--k", defaultValue = "10", description = "Recommendations per user (default: ${DEFAULT-VALUE}).")
  int k;

  /** Lists of the shown users that came out shorter than {@link #k}. */
  private int shortLists;

  @Option(names = "--sample", defaultValue = "1000", description = "Users sampled for the faithfulness share, 0 = none (default: ${DEFAULT-VALUE}).")
  int sample;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the user sample and the random baseline events (default: ${DEFAULT-VALUE}).")
  long seed;

  /**
   * Notes a model whose split held out other events than {@code split} does under the same protocol (the data set's
   * events changed or come in another order, as a re-imported MovieLens set's do): the histories shown are then not
   * those it read. Directories written before the fingerprint was kept say nothing.
   */
  private void noteOtherHeldOut(ModelDirectory dir, Split split) {
    if (dir.info().get("heldOut") instanceof String heldOut && !heldOut.equals(Splits.heldOutFingerprint(split))) {
      spec.commandLine().getErr().println("attune: note: " + modelDir + " was trained on a split that held out other"
          + " events than this data set's (its events changed or come in another order: re-imported, say), so the"
          + " histories shown may hold events it never read, or lack some it did");
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (k <= 0) throw new IllegalArgumentException("--k must be > 0");
    if (show < 0) throw new IllegalArgumentException("--show must be >= 0");
    if (sample < 0) throw new IllegalArgumentException("--sample must be >= 0");
    ModelDirectory dir = ModelDirectory.read(modelDir);
    Dataset dataset = AttuneCli.readDataset(data, spec.commandLine().getErr());
    dir.requireSameItems(dataset.itemIds());
    EvaluateCommand.noteOtherData(dir, dataset, spec.commandLine().getErr());
    if (SceneRun.MODEL.equals(dir.kind())) return explainScene(dir, dataset, out);
    if (dev.attune.infer.TwoStageModel.isPipeline(dir)) {
      throw new IllegalArgumentException(modelDir + " holds a two-stage pipeline, which has no attention weights to"
          + " explain; explain an attention model (sasrec, bert4rec, gru-attn, scene-transfer)");
    }
    if (!SequentialModels.KINDS.contains(dir.kind())) {
      // a CTR ranker (din's target attention included) scores (user, candidate) impressions, not a history
      throw new IllegalArgumentException(modelDir + " holds a '" + dir.kind() + "' model, " + (dev.attune.train
          .CtrModels.knows(dir.kind()) ? "a click-through ranker that scores impressions rather than reading a"
              + " history ('attune evaluate --ctr' measures it)" : "a kind this version does not know")
          + "; explain explains sasrec, bert4rec, gru-attn and scene-transfer models");
    }
    Object protocolTrained = dir.info().get("protocol");
    // by default the split the model was trained under, its fraction, seed and cutoffs included
    Split recorded = protocol == null ? EvaluateCommand.splitAsRecorded(dataset, protocolTrained) : null;
    Object recordedSeed = dir.info().get("seed");
    Split split = recorded != null ? recorded : EvaluateCommand.split(dataset, protocol,
        recordedSeed instanceof Number n ? n.longValue() : seed);
    if (protocolTrained != null && !protocolTrained.equals(split.protocol())) {
      // the histories shown then hold items the model was tested on, or lack some it learnt from
      spec.commandLine().getErr().println("attune: note: " + modelDir + " was trained under "
          + EvaluateCommand.readableProtocol(protocolTrained.toString()) + ", explained under "
          + EvaluateCommand.readableProtocol(split.protocol()));
    } else {
      noteOtherHeldOut(dir, split);
    }
    TrainingSet histories = split.trainAndValidation();
    SequentialModel model = SequentialModels.fromWeights(dir.weights(), histories);
    Sequences sequences = histories.sequences();

    List<Integer> shown = shownUsers(dataset, u -> sequences.positiveItemsOf(u).length > 0);
    for (int u : shown) {
      int[][] steps = steps(sequences, u, model, dataset);
      out.printf("user %s (%d positive events in history%s):%n", dataset.userIds().id(u), steps[0].length,
          steps[0].length > model.historyWindow() ? ", the newest " + model.historyWindow() + " read" : "");
      TopK top = model.recommend(Query.forUser(u, k));
      if (top.size() < k) shortLists++;
      List<String> because = new ArrayList<>();
      for (int r = 0; r < top.size(); r++) {
        AttentionExplanation e = model.explainAttention(steps[0], steps[1], top.item(r), seed);
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < Math.min(3, e.topSteps().length); j++) {
          int p = e.topSteps()[j];
          b.append(j == 0 ? "" : ", ")
              .append(String.format("%s %.2f", label(dataset, e.steps()[p]), e.stepWeights()[p]));
        }
        because.add(b.toString());
      }
      // attention at the newest position does not depend on the candidate in these models: said once, not per item
      boolean shared = !because.isEmpty() && because.stream().distinct().count() == 1;
      if (shared) {
        out.printf("  attended most (attention weights, summing to 1 over the events read; the same for every"
            + " item): %s%n", because.get(0));
      }
      for (int r = 0; r < top.size(); r++) {
        out.printf(shared ? "  %2d. %s%n" : "  %2d. %s  <- attended: %s%n", r + 1, label(dataset, top.item(r)),
            because.get(r));
      }
    }

    noteShortLists(shown.size());
    if (sample > 0) {
      SplittableRandom random = new SplittableRandom(seed);
      List<int[]> caseHistories = new ArrayList<>();
      List<int[]> caseTypes = new ArrayList<>();
      List<Integer> caseItems = new ArrayList<>();
      int[] sampled = sampleUsers(dataset, u -> sequences.positiveItemsOf(u).length >= 2, random);
      int n = sampled.length;
      for (int u : sampled) {
        int[][] steps = steps(sequences, u, model, dataset);
        TopK top = model.recommend(Query.forUser(u, k));
        for (int r = 0; r < top.size(); r++) {
          caseHistories.add(steps[0]);
          caseTypes.add(steps[1]);
          caseItems.add(top.item(r));
        }
      }
      spec.commandLine().getErr().println("measuring faithfulness over " + caseItems.size() + " recommendations of "
          + n + " users ...");
      AttentionExplanation.Faithfulness f = AttentionExplanation.faithfulness(model, caseHistories, caseTypes,
          caseItems.stream().mapToInt(Integer::intValue).toArray(), seed);
      out.printf("faithfulness over %d users x top-%d (%d recommendations, %d skipped with < 2 events): removing the"
          + " most-attended event lowers the score more than removing a random one in %.1f%% (50%% is chance; mean"
          + " drop %.4f vs %.4f)%n", n, k, f.cases(), f.skipped(), 100 * f.share(), f.meanTopDrop(),
          f.meanRandomDrop());
    }
    return 0;
  }

  /**
   * The scene-transfer branch (#5): for users of the split's test part (cold or warm in the target scene), the
   * target-scene recommendations with the past items of any scene that hold the largest shares of each one's
   * served score, and those it attended to most; then the same faithfulness share as for the sequential models
   * (removing the most-attended past item against a random one, on the attention score and the served blend), and
   * the same for the past item with the largest share, on the served blend.
   */
  private int explainScene(ModelDirectory dir, Dataset dataset, PrintWriter out) {
    String splitProtocol = protocol != null ? protocol : SceneRun.protocolOf(dir);
    Object recordedSeed = dir.info().get("seed");
    long splitSeed = recordedSeed instanceof Number n ? n.longValue() : seed;
    String target = String.valueOf(dir.info().get("target"));
    if (splitProtocol == null) {
      // a version the server trained records its time holdout, no scene protocol: said, not chosen silently (QA)
      spec.commandLine().getErr().println("attune: note: " + modelDir + " records no scene protocol (a version the"
          + " server trained on a time holdout): explained under cold-0; --protocol picks another");
    }
    Split split = SceneRun.split(dataset, target, splitProtocol == null ? "cold-0" : splitProtocol, splitSeed);
    TrainingSet train = split.trainAndValidation();
    SceneTransferModel model = SceneTransferModel.fromDirectory(dir, train.interactions(), null);
    Object protocolTrained = dir.info().get("protocol");
    if (protocolTrained != null && !protocolTrained.equals(split.protocol())) {
      // the target-scene events a test user keeps differ: what is shown is not what the model was tested on
      spec.commandLine().getErr().println("attune: note: " + modelDir + " was trained under "
          + EvaluateCommand.readableProtocol(protocolTrained.toString()) + ", explained under "
          + EvaluateCommand.readableProtocol(split.protocol()));
    } else {
      noteOtherHeldOut(dir, split);
    }
    List<Integer> shown = shownUsers(dataset, u -> split.test().itemsOf(u).length > 0);
    out.printf("scene-transfer -> %s (%s); %s%n", target, split.protocol(), users.isEmpty() ? "users from the test part"
        : "the users asked for");
    for (int u : shown) {
      int[] history = train.interactions().positive().row(u);
      int inTarget = 0;
      for (int i : history) if (model.sceneOf(i) == model.scenes().indexOf(target)) inTarget++;
      if (!users.isEmpty() && split.test().itemsOf(u).length == 0) {
        // a user with no event there has none to learn (a QA run read "its music events were learnt" for such one)
        out.printf(inTarget == 0 ? "(user %s is not a test user of %s: it has no %s event)%n"
            : "(user %s is not a test user of %s: its %s events were learnt, so the list leaves them out)%n",
            dataset.userIds().id(u), split.protocol(), target);
      }
      float[] gate = model.gate(history);
      out.printf(java.util.Locale.ROOT, "user %s (%d past items, %d in %s; blend attention %.2f, iALS %.2f, "
          + "popularity %.2f, neighbours %.2f, neighbours in %s %.2f, EASE %.2f):%n", dataset.userIds().id(u),
          history.length, inTarget, target, gate[0], gate[1], gate[2], gate[3], target, gate[4], gate[5]);
      TopK top = model.recommend(Query.forUser(u, k));
      if (top.size() < k) shortLists++;
      int[] items = new int[top.size()];
      for (int r = 0; r < items.length; r++) items[r] = top.item(r);
      // the shares split this item's whole served score (every blend term), so they differ between items; the
      // attention weights explain the attention term only, and on Douban they hardly depend on the item
      float[][] shares = model.historyShares(history, items);
      for (int r = 0; r < items.length; r++) {
        SceneTransferModel.Attention a = model.attend(history, items[r]);
        out.printf("  %2d. %s  <- largest shares of the score: %s; attended: %s%n", r + 1, label(dataset, items[r]),
            topThree(dataset, history, shares[r]), topThree(dataset, history, a.weights()));
      }
    }
    noteShortLists(shown.size());
    if (sample > 0) {
      SplittableRandom random = new SplittableRandom(seed);
      int cases = 0;
      int wins = 0;
      int servedWins = 0;
      int shareWins = 0;
      // its own draws, so adding this check left the attention figures' draws (and documented values) unchanged
      SplittableRandom shareRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
      int[] candidates = java.util.stream.IntStream.range(0, dataset.numUsers())
          .filter(u -> train.interactions().positive().rowLength(u) >= 2).toArray();
      int n = Math.min(sample, candidates.length);
      // the shuffle's draws interleave with the body's (a random other item per case), so it stays inline: the
      // documented faithfulness figure (docs/benchmarks.md) depends on that order
      try (Progress progress = new Progress("faithfulness", false)) {
        for (int j = 0; j < n; j++) {
          progress.progress("users", j, n);
          int pick = j + random.nextInt(candidates.length - j);
          int u = candidates[pick];
          candidates[pick] = candidates[j];
          candidates[j] = u;
          int[] history = train.interactions().positive().row(u);
          TopK top = model.recommend(Query.forUser(u, k));
          int[] items = new int[top.size()];
          for (int r = 0; r < items.length; r++) items[r] = top.item(r);
          // one pass over the history: each item's shares and served score
          SceneTransferModel.ScoreSplit[] splits = model.scoreSplits(history, items);
          for (int r = 0; r < top.size(); r++) {
            int item = top.item(r);
            float[] shares = splits[r].shares();
            SceneTransferModel.Attention a = model.attend(history, item);
            int most = 0;
            for (int s = 1; s < history.length; s++) if (a.weights()[s] > a.weights()[most]) most = s;
            int other = random.nextInt(history.length - 1);
            if (other >= most) other++;
            // the attention weights explain the attention score, so that is what the removal is checked on; the
            // served score (the blend) is reported too: its per-history standardisation and gate bucket also move
            // when an item is removed, so the attention need not predict it
            float withoutMost = model.transferScore(without(history, most), new int[] {item})[0];
            float withoutOther = model.transferScore(without(history, other), new int[] {item})[0];
            cases++;
            if (a.score() - withoutMost > a.score() - withoutOther) wins++;
            float served = splits[r].score();
            float servedWithoutMost = model.score(without(history, most), new int[] {item})[0];
            float servedWithoutOther = model.score(without(history, other), new int[] {item})[0];
            if (served - servedWithoutMost > served - servedWithoutOther) servedWins++;
            int largestShare = 0;
            for (int s = 1; s < history.length; s++) if (shares[s] > shares[largestShare]) largestShare = s;
            int shareOther = shareRandom.nextInt(history.length - 1);
            if (shareOther >= largestShare) shareOther++;
            float servedWithoutLargest = model.score(without(history, largestShare), new int[] {item})[0];
            float servedWithoutShareOther = model.score(without(history, shareOther), new int[] {item})[0];
            if (served - servedWithoutLargest > served - servedWithoutShareOther) shareWins++;
          }
        }
        progress.progress("users", n, n);
      }
      out.printf(java.util.Locale.ROOT, "faithfulness over %d users x top-%d (%d recommendations): removing the"
          + " most-attended past item lowers the score more than removing a random one in %.1f%% (attention score),"
          + " %.1f%% (served blend); removing the item with the largest share lowers the served blend more than"
          + " removing a random one in %.1f%%%n", n, k, cases, cases == 0 ? Double.NaN : 100.0 * wins / cases,
          cases == 0 ? Double.NaN : 100.0 * servedWins / cases, cases == 0 ? Double.NaN : 100.0 * shareWins / cases);
    }
    return 0;
  }

  /** The three past items with the largest {@code values} (by history position), or a note for no history. */
  private static String topThree(Dataset dataset, int[] history, float[] values) {
    Integer[] order = new Integer[history.length];
    for (int j = 0; j < order.length; j++) order[j] = j;
    java.util.Arrays.sort(order, (x, y) -> Float.compare(values[y], values[x]));
    StringBuilder b = new StringBuilder();
    for (int j = 0; j < Math.min(3, order.length); j++) {
      b.append(j == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%s %.2f",
          label(dataset, history[order[j]]), values[order[j]]));
    }
    return b.length() == 0 ? "(no history: popularity)" : b.toString();
  }

  private static int[] without(int[] history, int position) {
    int[] out = new int[history.length - 1];
    System.arraycopy(history, 0, out, 0, position);
    System.arraycopy(history, position + 1, out, position, history.length - position - 1);
    return out;
  }

  /**
   * {items, types} of user u's liked steps; the types as the model numbers them (by name, when its file names them:
   * the data set explained may number its types otherwise than the one it was trained on), null without types.
   */
  private static int[][] steps(Sequences s, int u, SequentialModel model, Dataset dataset) {
    int[] types = model.usesTypes() ? s.positiveTypesOf(u) : null;
    int[] toModel = types == null ? null : model.typeIds(dataset.typeNames().ids());
    if (toModel != null) for (int k = 0; k < types.length; k++) types[k] = toModel[types[k]];
    return new int[][] {s.positiveItemsOf(u), types};
  }


  private static String label(Dataset dataset, int item) {
    String title = dataset.item(item).title();
    String id = dataset.itemIds().id(item);
    return title == null || title.isBlank() || title.equals(id) ? id : title + " (" + id + ")";
  }

  /** Lists cut short by --k past what a user can be recommended: said, as a shorter list reads like a fault. */
  private void noteShortLists(int lists) {
    if (shortLists == 0) return;
    spec.commandLine().getErr().printf("attune: note: %d of %d lists hold fewer than --k %d items: the model had no"
        + " more to recommend to those users (the items it may recommend, less those they had)%n", shortLists, lists, k);
  }

  /**
   * The users to explain: those named with {@code --user} (an unknown one is an error), else the first {@code
   * --show} users that {@code hasTest} accepts.
   */
  private List<Integer> shownUsers(Dataset dataset, java.util.function.IntPredicate hasTest) {
    List<Integer> shown = new ArrayList<>();
    for (String id : users) {
      int u = dataset.userIds().indexOf(id);
      if (u < 0) throw new IllegalArgumentException("unknown user '" + id + "'");
      shown.add(u);
    }
    for (int u = 0; users.isEmpty() && shown.size() < show && u < dataset.numUsers(); u++) {
      if (hasTest.test(u)) shown.add(u);
    }
    return shown;
  }

  /** Up to {@code --sample} users that {@code eligible} accepts, drawn without replacement in a seeded order. */
  private int[] sampleUsers(Dataset dataset, java.util.function.IntPredicate eligible, SplittableRandom random) {
    int[] candidates = java.util.stream.IntStream.range(0, dataset.numUsers()).filter(eligible).toArray();
    int n = Math.min(sample, candidates.length);
    for (int j = 0; j < n; j++) { // the first n steps of a Fisher-Yates shuffle
      int pick = j + random.nextInt(candidates.length - j);
      int u = candidates[pick];
      candidates[pick] = candidates[j];
      candidates[j] = u;
    }
    return java.util.Arrays.copyOf(candidates, n);
  }
}
