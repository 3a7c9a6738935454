package dev.attune.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attune.data.Dataset;
import dev.attune.data.Split;
import dev.attune.data.Splits;
import dev.attune.eval.EvalOptions;
import dev.attune.eval.EvalResult;
import dev.attune.events.EventWeights;
import dev.attune.infer.ModelDirectory;
import dev.attune.model.Recommender;
import dev.attune.model.cf.ClassicModels;
import dev.attune.train.AttentionModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attune evaluate}: splits a data set, trains models and prints a leaderboard. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
        "Split a data set, train each model on the training part and rank the full catalogue for every test user.",
        "It prints a leaderboard (HR@10, NDCG@10, Recall@20, MRR, coverage, training time, p-value vs the best) and"
            + " optionally writes every metric as JSON."})
final class EvaluateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data", required = true, description = "Data set directory (from 'attune import' or 'attune generate').")
  Path data;

  @Option(names = "--models", split = ",", description = "Models to compare (default: ${DEFAULT-VALUE}). Known: pop, pop-decay, itemknn, userknn, als, bpr, ease, bias, and the attention models sasrec, bert4rec, gru-attn (trained here with early stopping on the validation part).",
      defaultValue = ClassicModels.DEFAULT_LEADERBOARD_SPEC)
  List<String> models;

  @Option(names = "--trained", split = ",", description = "Model directories from 'attune train' to add to the leaderboard without retraining (trained on this data set and protocol).")
  List<Path> trained = new ArrayList<>();

  @Option(names = "--protocol", description = "loo (leave-one-out), temporal:<test fraction>, random:<test fraction> (per user), or given (the source's own test part). Default: given when the data set has one, else loo; random:0.2 for data without any order (no times, no sequences), where loo and temporal are refused.")
  String protocol;

  @Option(names = "--k", split = ",", defaultValue = "10,20", description = "Cut-offs for top-k metrics (default: ${DEFAULT-VALUE}).")
  int[] ks;

  @Option(names = "--include-seen", description = "Keep items the user already consumed in rankings (default: only when every scene allows repeats).")
  Boolean includeSeen;

  @Option(names = "--param", description = "Model hyper-parameter, e.g. --param als.factors=128 --param ease.regularization=300.")
  List<String> params = new ArrayList<>();

  @Option(names = "--seed", defaultValue = "42", description = "Seed for splits, sampling and training (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--threads", defaultValue = "0", description = "Worker threads, 0 = all processors (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--max-users", defaultValue = "0", description = "Evaluate a seeded sample of at most this many test users (0 = all).")
  int maxUsers;

  @Option(names = "--sampled-negatives", defaultValue = "0", description = "Also report HR/NDCG ranking each target among N sampled negatives, labelled as sampled (0 = off).")
  int sampledNegatives;

  @Option(names = "--auc", description = "Also compute each user's full-ranking AUC (ranks the whole catalogue per user: slower).")
  boolean auc;

  @Option(names = "--ctr", split = ",", description = "Also train and score CTR ranking models (fm, ncf, din, afm, shan) on the click task: events with value >= --positive-min are positives, each user's last 20%% of events are test; prints AUC, GAUC and log-loss.")
  List<String> ctrModels = new ArrayList<>();

  @Option(names = "--positive-min", defaultValue = "4", description = "With --ctr: the smallest event value that is a positive (default: ${DEFAULT-VALUE}).")
  float positiveMin;

  @Option(names = "--json", description = "Write all metrics, per model, to this JSON file; '-' writes it to standard output (the table then goes to standard error).")
  Path json;

  @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
  boolean quiet;

  @Option(names = "--two-stage", description = "Also train and score the two-stage pipeline: iALS, ItemKnn, popularity"
      + " and transitions propose their top 100 each, a fusion ranker trained on their candidates for the validation"
      + " step re-ranks the union (no test item in any stage's training).")
  boolean twoStage;

  @Option(names = "--two-stage-sasrec-epochs", defaultValue = "0", description = "With --two-stage: add a SASRec"
      + " retriever trained for this many epochs (default ${DEFAULT-VALUE}: none; it is the costliest stage).")
  int twoStageSasrecEpochs;

  @Override
  public Integer call() throws Exception {
    // a stop said, not a bare exit 130 (QA)
    return AttuneCli.sayingOnStop("attune-evaluate-stopped", () -> spec.commandLine().getErr().println("attune: the"
        + " evaluation stopped before it finished; nothing was written" + (json == null || json.toString().equals("-")
        ? "" : " (" + json + " holds what it held before)")), this::evaluate);
  }

  private Integer evaluate() throws Exception {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    // said by the option's name, before the data set is read (the checks further in name fields, after a minute)
    if (threads < 0) throw new IllegalArgumentException("--threads must be 0 (every processor) or more: " + threads);
    if (maxUsers < 0) {
      throw new IllegalArgumentException("--max-users must be 0 (every test user) or more: " + maxUsers);
    }
    if (sampledNegatives < 0) {
      throw new IllegalArgumentException("--sampled-negatives must be 0 (none) or more: " + sampledNegatives);
    }
    for (int k : ks) if (k < 1) throw new IllegalArgumentException("--k takes cut-offs of 1 or more: " + k);
    if (java.util.Arrays.stream(ks).distinct().count() < ks.length) {
      throw new IllegalArgumentException("--k lists a cut-off twice: " + java.util.Arrays.toString(ks));
    }
    if (trained.stream().map(p -> p.toAbsolutePath().normalize()).distinct().count() < trained.size()) {
      // as --models pop,pop is refused: two rows of one model would read as two results
      throw new IllegalArgumentException("--trained lists a directory twice: " + trained);
    }
    if (protocol != null) checkProtocol(protocol);
    if (twoStageSasrecEpochs < 0) {
      throw new IllegalArgumentException("--two-stage-sasrec-epochs must be >= 0: " + twoStageSasrecEpochs);
    }
    if (ctrModels.isEmpty() && spec.commandLine().getParseResult().hasMatchedOption("--positive-min")) {
      throw new IllegalArgumentException("--positive-min applies with --ctr only");
    }
    if (twoStageSasrecEpochs > 0 && !twoStage) {
      throw new IllegalArgumentException("--two-stage-sasrec-epochs applies with --two-stage only");
    }
    if (json != null && !json.toString().equals("-")) requireWritableFile(json, "--json");
    // "pop, als" as people type lists: the space is no part of a name (QA: unknown model ' als')
    models = models.stream().map(String::strip).filter(m -> !m.isEmpty()).toList();
    ctrModels = ctrModels.stream().map(String::strip).filter(m -> !m.isEmpty()).toList();
    java.util.Set<String> named = new java.util.HashSet<>();
    for (String m : models) {
      if (!named.add(m.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("--models names " + m + " twice");
      }
    }
    if (models.isEmpty() && trained.isEmpty() && ctrModels.isEmpty() && !twoStage) {
      // found here, not after loading and splitting, where it read as "every model was skipped"
      throw new IllegalArgumentException("--models names no model and nothing else (--trained, --ctr, --two-stage)"
          + " is asked for: name one or more of " + ClassicModels.NAMES + " and " + AttentionModels.NAMES);
    }
    for (String m : ctrModels) {
      if (!dev.attune.train.CtrModels.knows(m)) {
        throw new IllegalArgumentException("unknown CTR model '" + m + "'; known: " + dev.attune.train.CtrModels.NAMES);
      }
    }
    for (String m : models) {
      if (!ClassicModels.NAMES.contains(m.toLowerCase(Locale.ROOT)) && !AttentionModels.knows(m)) {
        throw new IllegalArgumentException("unknown model '" + m + "'; known: " + ClassicModels.NAMES + " and "
            + AttentionModels.NAMES);
      }
    }
    java.util.Set<String> compared = new java.util.HashSet<>();
    for (String m : models) compared.add(m.toLowerCase(Locale.ROOT));
    for (String m : ctrModels) compared.add(m.toLowerCase(Locale.ROOT));
    if (twoStage) {
      compared.add(PipelineRun.MODEL);
      PipelineRun.params(twoStageOverrides(), null, seed, 1); // a bad setting is said before the data set is read
    }
    for (String m : ClassicModels.parseOverrides(params).keySet()) {
      // a setting for a model that is not run would be ignored without a word
      if (!compared.contains(m.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("--param " + m + ".* is for a model not in --models or --ctr: " + compared);
      }
    }
    var ctrOverrides = ClassicModels.parseOverrides(params);
    for (String m : models) {
      // a bad setting (--param als.factors=-4) is said now, not after the data set is read
      String name = m.toLowerCase(Locale.ROOT);
      if (ClassicModels.NAMES.contains(name)) {
        ClassicModels.create(name, ctrOverrides.getOrDefault(name, Map.of()), seed, 1);
      }
    }
    for (String m : ctrModels) {
      // a misspelt setting is said now, not after the leaderboard's minutes
      String name = m.toLowerCase(Locale.ROOT);
      if (dev.attune.train.CtrModels.knows(name)) {
        dev.attune.train.CtrModels.create(name, ctrOverrides.getOrDefault(name, Map.of()), seed, 1);
      }
    }
    if (trained.isEmpty() && spec.commandLine().getParseResult().hasMatchedOption("--trained")) {
      throw new IllegalArgumentException("--trained names no model directory");
    }
    List<ModelDirectory> directories = new ArrayList<>();
    for (Path dir : trained) {
      ModelDirectory d = ModelDirectory.read(dir);
      // said before the data set is read and split: the kinds a leaderboard row can be made of
      if (!dev.attune.infer.SequentialModels.KINDS.contains(d.kind()) && !dev.attune.infer.TwoStageModel.isPipeline(d)) {
        throw new IllegalArgumentException(dir + " holds a " + d.kind() + " model: --trained takes sasrec, bert4rec,"
            + " gru-attn and two-stage directories (a scene-transfer model is measured per group of users by its own"
            + " 'attune train' run; CTR rankers by 'attune evaluate --ctr')");
      }
      directories.add(d);
    }
    Dataset dataset = AttuneCli.readDataset(data, err);
    if (!ctrModels.isEmpty()) {
      // checked before the leaderboard's minutes, not after them; built again after it rather than held through it
      CtrRun.requireOrder(dataset);
      CtrRun.requireBothLabels(dev.attune.data.CtrDataset.build(dataset, CtrRun.params(dataset, positiveMin, null)));
    }
    for (ModelDirectory d : directories) d.requireSameItems(dataset.itemIds());
    err.println("loaded " + dataset);
    requireSampledBelowCatalogue(sampledNegatives, dataset);
    int largestK = java.util.Arrays.stream(ks).max().orElse(0);
    if (largestK >= dataset.numItems()) {
      // HR@k over every item is 1 whatever the model: a typo (100000 for 100) would read as a perfect model
      err.println("attune: note: --k " + largestK + " is not below the catalogue's " + dataset.numItems() + " items:"
          + " metrics at that cut-off rank every item, so every model finds every held-out item there");
    }
    if (protocol == null && defaultProtocol(dataset).equals(DEFAULT_UNORDERED_PROTOCOL)) {
      err.println("attune: note: " + dataset.name() + " has no event order, so the split is "
          + DEFAULT_UNORDERED_PROTOCOL + " per user (seeded), not leave-one-out");
    }
    if (dataset.timeKind() == Dataset.TimeKind.NONE) {
      // as 'train' says it: a sequence model reads each history in the order the source file happened to list it
      List<String> sequential = new ArrayList<>(models.stream().filter(dev.attune.train.AttentionModels::knows)
          .toList());
      if (twoStage) sequential.add("two-stage");
      if (!sequential.isEmpty()) {
        err.println("attune: note: " + dataset.name() + " has no event order (neither times nor sequences): "
            + String.join(", ", sequential) + (sequential.size() == 1 ? " learns" : " learn")
            + " from each user's events in file order");
      }
    }
    Split split = split(dataset, protocol, seed);
    int testUsers = split.test().numUsersWithItems();
    boolean sampled = maxUsers > 0 && maxUsers < testUsers;
    err.println("protocol " + readableProtocol(split.protocol()) + ": " + testUsers + " test users, "
        + split.test().size() + " test events" + untestedUsers(dataset.numUsers() - testUsers, split.protocol())
        + (sampled ? "; evaluating a seeded sample of " + maxUsers + " of them" : ""));
    if (twoStage) PipelineRun.requireValidationStep(split); // before the leaderboard's work
    noteHeldOutChoice(split, err);
    noteGivenTestLeftOut(dataset, split, err);
    noteFewTestUsers(sampled ? maxUsers : testUsers, err);
    boolean excludeSeen = includeSeen == null ? !dataset.allScenesAllowRepeats() : !includeSeen;
    int threadCount = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    EvalOptions options = EvalOptions.DEFAULTS.withKs(ks).withExcludeSeen(excludeSeen).withThreads(threadCount)
        .withMaxUsers(maxUsers).withSeed(seed).withSampledNegatives(sampledNegatives).withComputeAuc(auc);
    LeaderboardRun run = LeaderboardRun.run(split, models, ClassicModels.parseOverrides(params), seed, threads,
        options, quiet, err);
    String heldOut = directories.isEmpty() ? null : Splits.heldOutFingerprint(split);
    for (ModelDirectory d : directories) {
      Object protocolTrained = d.info().get("protocol");
      if (protocolTrained != null && !protocolTrained.equals(split.protocol())) {
        err.println("attune: note: " + d.dir() + " was trained under " + readableProtocol(protocolTrained.toString())
            + ", evaluated under " + readableProtocol(split.protocol()));
      }
      noteOtherData(d, dataset, err);
      Object seconds = d.info().get("trainSeconds");
      String label = String.valueOf(d.info().getOrDefault("name", d.kind())) + " (" + d.dir().getFileName() + ")";
      run.addDirectory(label, PipelineRun.open(d, split.trainAndValidation(), threadCount),
          seconds instanceof Number n ? n.doubleValue() : Double.NaN, split, options, quiet);
      noteNotReproduced(d, dataset, run.results.get(run.results.size() - 1), heldOut, err);
    }
    if (twoStage) addTwoStage(run, split, options, err);
    if (!run.results.isEmpty()) noteFewerNegatives(run.results.get(0), sampledNegatives, err);
    for (EvalResult r : run.results) warnIfNothingRecommended(r, err);
    if (run.results.isEmpty() && ctrModels.isEmpty()) {
      // an empty table with exit code 0 would read as a run that measured something
      throw new IllegalArgumentException("no model could be evaluated on " + dataset.name() + ": every one asked for"
          + " was skipped (the reasons above)");
    }
    // with --json - the JSON alone goes to standard output (for a pipe), the table to standard error
    boolean jsonToStdout = json != null && json.toString().equals("-");
    var table = jsonToStdout ? err : out;
    table.println();
    table.println(dataset.name() + " | " + readableProtocol(split.protocol()) + " | full ranking"
        + seenRule(dataset, excludeSeen) + " | MRR within the top " + options.maxK()
        + (sampled ? " | " + maxUsers + " of " + testUsers + " test users (seeded sample)" : ""));
    table.print(run.leaderboard.render());
    List<Map<String, Object>> ctrRows = ctrModels.isEmpty() ? List.of() : evaluateCtr(
        dev.attune.data.CtrDataset.build(dataset, CtrRun.params(dataset, positiveMin, null)), table, err);
    if (json != null) {
      writeJson(dataset, split, options, run.leaderboard, run.results, ctrRows, jsonToStdout ? out : null);
      if (!jsonToStdout) out.println("wrote " + json);
    }
    return 0;
  }

  /**
   * Warns of a model that recommended no item to any test user: its scores were not finite (a QA run's
   * bpr.learningRate=1e30 and als.alpha=1e38 gave rows of 0.0000 and exit 0, unsaid).
   */
  static void warnIfNothingRecommended(EvalResult r, java.io.PrintWriter err) {
    String coverage = r.metrics().stream().map(dev.attune.eval.Metric::label).filter(l -> l.startsWith("Coverage@"))
        .findFirst().orElse(null);
    if (coverage == null || r.numUsers() == 0 || r.mean(coverage) > 0) return;
    err.println("attune: warning: " + r.modelName() + " recommended no item to any test user (" + coverage + " 0):"
        + " its scores are not finite numbers, as when training diverged; check its --param settings");
  }

  /** The {@code --param two-stage.*} settings. */
  private Map<String, String> twoStageOverrides() {
    return ClassicModels.parseOverrides(params).getOrDefault(PipelineRun.MODEL, Map.of());
  }

  /** Fits the two-stage pipeline on the split and adds it, and its transitions retriever, to the leaderboard. */
  private void addTwoStage(LeaderboardRun run, Split split, EvalOptions options, java.io.PrintWriter err) {
    int threadCount = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    dev.attune.train.SequenceTraining.Options sasrec = null;
    if (twoStageSasrecEpochs > 0) {
      var d = dev.attune.train.SasRec.Params.DEFAULTS.training();
      sasrec = new dev.attune.train.SequenceTraining.Options(d.maxLength(), d.dropout(), d.learningRate(),
          d.batchSize(), twoStageSasrecEpochs, dev.attune.train.SequenceTraining.Loss.FULL_CE, 1, false, seed,
          threadCount, 0, 1);
    }
    var params = PipelineRun.params(twoStageOverrides(), sasrec, seed, threadCount);
    long start = System.nanoTime();
    var fitted = dev.attune.train.FusionPipeline.fit(split, params, new dev.attune.model.FitListener() {
      @Override
      public void status(String message) {
        if (!quiet) err.println("  fusion ranker " + message);
      }
    });
    double seconds = (System.nanoTime() - start) / 1e9;
    if (Double.isNaN(fitted.ranker().validationNdcg())) {
      err.printf(Locale.ROOT, "two-stage: fusion ranker %d epochs without early stopping (its validation share of the"
          + " requests held none); %.1f s for every stage%n", fitted.ranker().epochsRun(), seconds);
    } else {
      err.printf(Locale.ROOT, "two-stage: fusion ranker best epoch %d of %d; %.1f s for every stage%n",
          fitted.ranker().bestEpoch(), fitted.ranker().epochsRun(), seconds);
    }
    Recommender transitions = fitted.retrievers().get(fitted.retrievers().size() - 1);
    run.add(transitions.name(), transitions, Double.NaN, split, options, quiet);
    run.add(fitted.pipeline().name(), fitted.pipeline(), seconds, split, options, quiet);
  }

  /**
   * Notes a directory whose figures here differ from those its training run recorded under the very same protocol
   * (split, ranking, exclusions, users): README promises they are reproduced. A QA upgrade saw a two-stage directory
   * give HR@10 0.1919 where its training run had 0.1898, unsaid: its retrievers are fitted again when it is opened,
   * and a later build fitted them otherwise.
   */
  static void noteNotReproduced(ModelDirectory d, Dataset dataset, EvalResult here, String heldOutHere,
      java.io.PrintWriter err) {
    if (!(d.info().get("test") instanceof Map<?, ?> recorded) || !here.protocol().equals(recorded.get("protocol"))
        || !(recorded.get("metrics") instanceof Map<?, ?> metrics)) {
      return;
    }
    // other events under the same protocol give other figures, and noteOtherData says so already
    if (!(d.info().get("users") instanceof Number users) || users.intValue() != dataset.numUsers()
        || !(d.info().get("events") instanceof Number events) || events.intValue() != dataset.events().size()) {
      return;
    }
    Object heldOutThen = d.info().get("heldOut");
    for (String label : List.of("NDCG@10", "HR@10")) {
      if (!here.has(label) || !(metrics.get(label) instanceof Number then)) continue;
      double now = here.mean(label);
      if (Math.abs(now - then.doubleValue()) > 1e-9) {
        String why;
        if (heldOutThen != null && !heldOutThen.equals(heldOutHere)) {
          // the same counts, other held-out events: the data, not the build (a QA upgrade's note blamed the build)
          why = "the split holds out other events than in its training run (the data set's events changed or come in"
              + " another order: re-imported, say, as a MovieLens set imported since 2026-12-06 orders a user's"
              + " ratings of one second otherwise), so the figures are not comparable, and the model may have trained"
              + " on events tested here";
        } else {
          why = d.kind().equals("two-stage")
              ? "its retrievers are fitted again when it is opened, and this build fits them otherwise than the one"
                  + " that trained it"
              : "another build or machine computes it otherwise (docs/benchmarks.md: the vector width changes"
                  + " the last digits)";
          if (heldOutThen == null) {
            why += ", or the data set's events come in another order than at training (a MovieLens set imported"
                + " since 2026-12-06 orders a user's ratings of one second otherwise): this directory, written by an"
                + " earlier build, does not record which events its split held out";
          }
        }
        err.printf(Locale.ROOT, "attune: note: %s gives %s %.4f here, %.4f in its training run under the same"
            + " protocol: %s%n", d.dir(), label, now, then.doubleValue(), why);
        return;
      }
    }
  }

  /**
   * Notes a data set with other users or events than the one {@code d} was trained on. The same catalogue is required
   * elsewhere; other events (another sample, another generator seed) are allowed, since a model may be measured on
   * newer data, but the figures should not pass for like-for-like ones.
   */
  static void noteOtherData(ModelDirectory d, Dataset dataset, java.io.PrintWriter err) {
    Object usersTrained = d.info().get("users");
    Object eventsTrained = d.info().get("events");
    if (usersTrained instanceof Number u && eventsTrained instanceof Number e
        && (u.intValue() != dataset.numUsers() || e.intValue() != dataset.events().size())) {
      err.println("attune: note: " + d.dir() + " was trained on a data set of " + u + " users and " + e
          + " events, this one has " + dataset.numUsers() + " and " + dataset.events().size());
    }
  }

  /** Trains and tests the {@code --ctr} models, printing a line each; returns their rows for the JSON report. */
  private List<Map<String, Object>> evaluateCtr(dev.attune.data.CtrDataset ctr, java.io.PrintWriter out,
      java.io.PrintWriter err) {
    Dataset dataset = ctr.dataset();
    err.println(ctr);
    var overrides = ClassicModels.parseOverrides(params);
    out.println();
    out.println(dataset.name() + " | CTR: value >= " + positiveMin + " positive, last 20% of each user's events test"
        + " | user fields " + ctr.params().userAttributes());
    List<Map<String, Object>> rows = new ArrayList<>();
    // the untrained baseline first: a model below it has learnt nothing the rates do not already say
    var baseline = CtrRun.baseline(ctr);
    out.println(CtrRun.baselineLine(baseline));
    Map<String, Object> baselineRow = new LinkedHashMap<>();
    baselineRow.put("model", "rates");
    baselineRow.put("positiveMin", positiveMin);
    baselineRow.put("AUC", CtrRun.finiteOrNull(baseline.auc()));
    baselineRow.put("GAUC", CtrRun.finiteOrNull(baseline.groupAuc()));
    baselineRow.put("logLoss", CtrRun.finiteOrNull(baseline.logLoss()));
    rows.add(baselineRow);
    for (String m : ctrModels) {
      String name = m.toLowerCase(Locale.ROOT);
      CtrRun.Outcome o = CtrRun.train(name, overrides.get(name), ctr, seed, threads == 0 ? 1 : threads, quiet, err);
      out.println(CtrRun.line(o));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("model", o.trainer().name());
      row.put("positiveMin", positiveMin);
      row.put("userFields", ctr.params().userAttributes());
      row.put("AUC", CtrRun.finiteOrNull(o.test().auc()));
      row.put("GAUC", CtrRun.finiteOrNull(o.test().groupAuc()));
      row.put("logLoss", CtrRun.finiteOrNull(o.test().logLoss()));
      row.put("bestEpoch", o.result().bestEpoch());
      row.put("epochsRun", o.result().epochsRun());
      row.put("trainSeconds", o.trainSeconds());
      rows.add(row);
    }
    return rows;
  }

  /**
   * Fails when {@code file} cannot be written (a folder, a path under a file or a read-only folder), before the work
   * whose results it would hold: found after it, the work is lost. Leaves nothing behind.
   */
  static void requireWritableFile(Path file, String option) {
    if (file.toString().isBlank()) throw new IllegalArgumentException(option + " is empty: name a file");
    if (Files.isDirectory(file)) throw new IllegalArgumentException(option + " " + file + " is a folder; name a file");
    AttuneCli.requireNotADataSetsOrModelsFile(file, option);
    Path absolute = file.toAbsolutePath().normalize();
    Path existing = absolute.getParent();
    while (existing != null && !Files.exists(existing)) existing = existing.getParent();
    boolean existed = Files.exists(file);
    try {
      Files.createDirectories(absolute.getParent());
      if (!existed) Files.createFile(file);
      if (!Files.isWritable(file)) throw new java.io.IOException("not writable");
      if (!existed) {
        Files.delete(file);
        for (Path p = absolute.getParent(); p != null && !p.equals(existing); p = p.getParent()) Files.delete(p);
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot write " + option + " " + file + ": " + AttuneCli.whyNotCreated(file, e),
          e);
    }
  }

  /**
   * The split named by {@code protocol}.
   *
   * @throws IllegalArgumentException for an unknown protocol or a bad fraction
   */
  static Split split(Dataset dataset, String protocol, long seed) {
    Split split = splitOrEmpty(dataset, protocol, seed);
    if (split.test().numUsersWithItems() == 0) {
      // every metric would be NaN over nobody
      String undated = undatedNote(split);
      throw new IllegalArgumentException("protocol " + readableProtocol(split.protocol()) + " leaves no test users in "
          + dataset.name() + " (" + dataset.numUsers() + " users, " + dataset.events().size() + " events): "
          + (dataset.events().size() == 0 ? "the data set is empty" : whyNoTestUsers(dataset, split.protocol()))
          + (undated == null ? "" : "; " + undated));
    }
    return split;
  }

  /**
   * How seen items were treated, as a table's title says it: excluded, kept, or excluded but in the scenes that allow
   * repeats, where the evaluator keeps them (a QA run's title said "excluded" while music replays were ranked).
   */
  static String seenRule(Dataset dataset, boolean excludeSeen) {
    if (!excludeSeen) return ", seen items kept";
    if (dataset.repeatScenes().isEmpty()) return ", seen items excluded";
    return ", seen items excluded but in " + new java.util.TreeSet<>(dataset.repeatScenes()) + ", which allow repeats";
  }

  /** Why a protocol found nobody to test, by protocol (a QA run got leave-one-out's reason under temporal). */
  private static String whyNoTestUsers(Dataset dataset, String protocol) {
    if (protocol.startsWith("temporal")) {
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      var log = dataset.events();
      for (int row = 0; row < log.size(); row++) {
        first = Math.min(first, log.time(row));
        last = Math.max(last, log.time(row));
      }
      return first == last ? "every event has the same time, so no cut separates later events from earlier ones"
          : "no user consumed an item after the cut that they had not consumed before it";
    }
    if (protocol.startsWith("given")) return "the data set's test part holds no item its users had not consumed";
    if (protocol.startsWith("random")) return "a user needs at least 2 consumed items to be tested";
    return "a user needs at least 3 consumed items to be tested (2 under random:<fraction>)";
  }

  /**
   * Says on the terminal how many users were ranked among fewer unseen items than the sampled negatives asked for
   * (the evaluation's description, which says it too, reaches only the JSON and model.json): their sampled metrics
   * are higher than the label's N would give.
   */
  static void noteFewerNegatives(EvalResult result, int sampledNegatives, java.io.PrintWriter err) {
    if (sampledNegatives > 0 && result.usersWithFewerNegatives() > 0) {
      err.println("attune: note: " + result.usersWithFewerNegatives() + " test users had fewer than " + sampledNegatives
          + " unseen items: their sampled metrics rank among all of theirs, fewer than the columns' "
          + sampledNegatives);
    }
  }

  /** Refuses as many sampled negatives as the catalogue has items or more: that is full ranking, labelled otherwise. */
  static void requireSampledBelowCatalogue(int sampledNegatives, Dataset dataset) {
    if (sampledNegatives >= dataset.numItems()) {
      throw new IllegalArgumentException("--sampled-negatives " + sampledNegatives + " is not below the catalogue's "
          + dataset.numItems() + " items: that is full ranking, which is reported anyway (leave the option out)");
    }
  }

  private static final java.util.regex.Pattern RECORDED_RANDOM = java.util.regex.Pattern.compile(
      "random\\(test=([0-9.eE-]+), seed=(-?\\d+)\\)");
  private static final java.util.regex.Pattern RECORDED_TEMPORAL = java.util.regex.Pattern.compile(
      "temporal\\(cutoff=(-?\\d+)(?:, validation from (-?\\d+))?\\)");

  /**
   * The split a model directory records it was trained under ({@code model.json}'s {@code protocol}, as {@link
   * Split#protocol} names it), made again on {@code dataset}: the same random fraction and seed, the same temporal
   * cutoffs; null for a protocol this does not know (or a hand-edited one it cannot read). Where a model was trained
   * decides which events its test users' histories hold, so explaining it splits as it did.
   *
   * @throws IllegalArgumentException when that split leaves no test users in {@code dataset}
   */
  static Split splitAsRecorded(Dataset dataset, Object recorded) {
    if (recorded == null) return null;
    String p = recorded.toString();
    if (p.startsWith("leave-one-out")) return split(dataset, "loo", 0);
    if (p.startsWith("given")) return split(dataset, "given", 0);
    Split split = null;
    try {
      var random = RECORDED_RANDOM.matcher(p);
      var temporal = RECORDED_TEMPORAL.matcher(p);
      if (random.matches()) {
        double fraction = Double.parseDouble(random.group(1));
        if (!(fraction > 0 && fraction < 1)) return null;
        split = Splits.randomRatio(dataset, AttuneCli.WEIGHTS, fraction, Long.parseLong(random.group(2)));
      } else if (temporal.matches() && dataset.timeKind() == Dataset.TimeKind.CLOCK) {
        long cutoff = Long.parseLong(temporal.group(1));
        long validationCutoff = temporal.group(2) == null ? cutoff : Long.parseLong(temporal.group(2));
        if (validationCutoff > cutoff) return null;
        split = Splits.temporal(dataset, AttuneCli.WEIGHTS, validationCutoff, cutoff);
      }
    } catch (NumberFormatException e) {
      return null; // a model.json edited by hand: the caller splits by its options
    }
    if (split != null && split.test().numUsersWithItems() == 0) {
      throw new IllegalArgumentException("the split " + p + " the model records leaves no test users in "
          + dataset.name() + "; give --protocol");
    }
    return split;
  }

  private static final java.util.regex.Pattern PROTOCOL_TIME =
      java.util.regex.Pattern.compile("(cutoff=|validation from )(\\d{10,})");

  /**
   * What the protocol line says of the data set's {@code untested} users and why (README promised it; a QA run found
   * 80 of Yelp's users missing from the count without a word), or nothing when every user is tested.
   */
  static String untestedUsers(int untested, String protocol) {
    if (untested <= 0) return "";
    String why = protocol.startsWith("leave-one-out")
        ? "fewer than 3 liked items: one to test, one to validate, one to train on"
        : protocol.startsWith("given") ? "no event in the given test part"
        : "none of their liked events is held out by this protocol";
    return " (" + untested + (untested == 1 ? " user is" : " users are") + " not tested: " + why
        + "; their events still train)";
  }

  /**
   * A protocol as people read it: a temporal protocol's times, which {@link Split#protocol} gives in milliseconds
   * since the epoch (as model.json records and compares them), as instants: {@code temporal(cutoff=1998-03-31T22:11:49Z,
   * validation from 1998-03-10T...Z)}. Another protocol is returned as it is.
   */
  static String readableProtocol(String protocol) {
    return PROTOCOL_TIME.matcher(protocol).replaceAll(m -> m.group(1)
        + java.time.Instant.ofEpochMilli(Long.parseLong(m.group(2))));
  }

  /**
   * Says when the data set has a given test part that {@code split} leaves out: under another protocol it is neither
   * trained on nor tested (a QA run: a fifth of ML-1M's implicit set, unsaid).
   */
  static void noteGivenTestLeftOut(Dataset dataset, Split split, java.io.PrintWriter err) {
    if (dataset.givenTest() == null || split.protocol().startsWith("given")) return;
    err.println("attune: note: " + dataset.name() + "'s given test part (" + dataset.givenTest().size() + " events) is"
        + " neither trained on nor tested under " + readableProtocol(split.protocol())
        + "; --protocol given tests on it");
  }

  /** The notes on how leave-one-out chose each test user's held-out item (evaluate's and train's alike). */
  static void noteHeldOutChoice(Split split, java.io.PrintWriter err) {
    noteUndatedEvents(split, err);
    noteTiedTargets(split, err);
    noteDroppedRepeats(split, err);
  }

  /**
   * Says on {@code err} when most events of a data set of clock time have none (time 0), as an export of a store that
   * was loaded from a data set without times and then fed live events (operator QA: leave-one-out held out the few
   * live events, with a note on ties alone): a split by time reads them as the oldest, in input order.
   */
  private static void noteUndatedEvents(Split split, java.io.PrintWriter err) {
    String note = undatedNote(split);
    if (note != null) err.println("attune: note: " + note);
  }

  /**
   * What {@link #noteUndatedEvents} says, or null: also the end of the refusal of a split by time that left no test
   * users (QA: a temporal cut at the quantile 0 held nothing out, and the note was never reached).
   */
  private static String undatedNote(Split split) {
    Dataset dataset = split.dataset();
    if (dataset.timeKind() != Dataset.TimeKind.CLOCK || split.protocol().startsWith("random")
        || split.protocol().startsWith("given")) {
      return null;
    }
    dev.attune.data.EventLog events = dataset.events();
    long undated = 0;
    for (int row = 0; row < events.size(); row++) if (events.time(row) == 0) undated++;
    if (undated * 2 <= events.size()) return null;
    return String.format(java.util.Locale.ROOT, "%,d of %,d events have no time (0, as a data set loaded without"
        + " times keeps them): %s reads them as the oldest, in input order; --protocol random:0.2 splits at random",
        undated, events.size(), readableProtocol(split.protocol()));
  }

  /**
   * Says on {@code err} how many test users' held-out item was picked by input order among items of the same time
   * (leave-one-out only: the other protocols cut by time or at random), for that choice moves the results.
   */
  private static void noteTiedTargets(Split split, java.io.PrintWriter err) {
    if (!split.protocol().startsWith("leave-one-out")) return;
    int tied = Splits.testTargetsTiedInTime(split, AttuneCli.WEIGHTS);
    if (tied == 0) return;
    err.println("attune: note: for " + tied + " of " + split.test().numUsersWithItems() + " test users the held-out"
        + " item has the same time as another of their items; leave-one-out holds out the later one in the input,"
        + " so the input's order among events of one time decides what is tested (a file sorted by item id holds"
        + " out the highest id, unless its importer orders such ties: the MovieLens ones do, at random per user, since"
        + " 2026-12-06; a MovieLens set imported before keeps its file's order until imported again)");
  }

  /**
   * Says on {@code err} how many leave-one-out test users have positive events after their held-out last first-time
   * item, repeats the split drops (a QA run on Yelp: about 2,000 users, unsaid), for figures of protocols that hold
   * out the last event whatever its item are not comparable for them.
   */
  private static void noteDroppedRepeats(Split split, java.io.PrintWriter err) {
    if (!split.protocol().startsWith("leave-one-out")) return;
    long[] after = Splits.positivesAfterTheTestTarget(split, AttuneCli.WEIGHTS);
    if (after[0] == 0) return;
    err.printf(java.util.Locale.ROOT, "attune: note: for %,d of %,d test users positive events follow the held-out"
        + " item, repeats of items they had (it among them): leave-one-out holds out their last new item and drops"
        + " the %,d positive events after it (a protocol that holds out the last event whatever its item tests"
        + " another event for them)%n", after[0], split.test().numUsersWithItems(), after[1]);
  }

  /** Says when so few users are tested that the figures are mostly chance (evaluate's table, train's test line). */
  static void noteFewTestUsers(int evaluatedUsers, java.io.PrintWriter err) {
    if (evaluatedUsers >= FEW_TEST_USERS) return;
    // a QA run: temporal:0.999 tested 3 users and printed p-values as if they meant something
    err.println("attune: note: only " + evaluatedUsers + " test users: the figures below and their differences are"
        + " mostly chance");
  }

  /** The default protocol: the source's own test part, else leave-one-out, else (no order at all) random 20%. */
  static String defaultProtocol(Dataset dataset) {
    if (dataset.givenTest() != null) return "given";
    return dataset.timeKind() == Dataset.TimeKind.NONE ? DEFAULT_UNORDERED_PROTOCOL : "loo";
  }

  static final String DEFAULT_UNORDERED_PROTOCOL = "random:0.2";

  /** Fewer test users than this get a note that the figures are mostly chance (HR@10's 95% interval is ±0.1 or more). */
  static final int FEW_TEST_USERS = 100;

  private static Split splitOrEmpty(Dataset dataset, String protocol, long seed) {
    EventWeights weights = AttuneCli.WEIGHTS;
    String p = protocol == null ? defaultProtocol(dataset) : protocol.toLowerCase(Locale.ROOT);
    if (p.equals("loo") || p.equals("leave-one-out")) {
      if (dataset.timeKind() == Dataset.TimeKind.NONE) {
        // the "last" item would be whichever the file lists last (for some sources, the largest id)
        throw new IllegalArgumentException(dataset.name() + " has no event order (its source gives neither times nor"
            + " sequences), so leave-one-out has no last item to hold out: use --protocol random:<fraction>, e.g. "
            + DEFAULT_UNORDERED_PROTOCOL + (dataset.givenTest() != null
                ? ", or leave --protocol out for the source's own test part (given)" : " (the default for such data)"));
      }
      return Splits.leaveOneOut(dataset, weights);
    }
    if (p.equals("given")) return Splits.given(dataset, weights);
    if (p.startsWith("temporal:")) {
      if (dataset.timeKind() != Dataset.TimeKind.CLOCK) {
        throw new IllegalArgumentException("temporal:<fraction> cuts every user at one clock time, and " + dataset.name()
            + " has no clock time (" + (dataset.timeKind() == Dataset.TimeKind.ORDINAL ? "only each user's order: use"
                + " loo or random:<fraction>)" : "nor any order: use random:<fraction>)"));
      }
      return Splits.temporalFraction(dataset, weights, fraction(p));
    }
    if (p.startsWith("random:")) return Splits.randomRatio(dataset, weights, fraction(p), seed);
    throw new IllegalArgumentException("unknown protocol '" + protocol + "'; use loo, temporal:<fraction>, random:<fraction> or given");
  }

  /** Fails with the option's name when {@code protocol} is not one {@link #split} knows (the data not yet read). */
  static void checkProtocol(String protocol) {
    String p = protocol.toLowerCase(Locale.ROOT);
    if (p.startsWith("temporal:") || p.startsWith("random:")) {
      fraction(p);
    } else if (!p.equals("loo") && !p.equals("leave-one-out") && !p.equals("given")) {
      throw new IllegalArgumentException("unknown protocol '" + protocol + "'; use loo, temporal:<fraction>,"
          + " random:<fraction> or given");
    }
  }

  private static double fraction(String p) {
    String v = p.substring(p.indexOf(':') + 1);
    double fraction;
    try {
      fraction = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--protocol " + p + ": the test fraction is not a number: '" + v + "'");
    }
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("--protocol " + p + ": the test fraction must be between 0 and 1 (both"
          + " excluded), such as " + p.substring(0, p.indexOf(':') + 1) + "0.2");
    }
    return fraction;
  }

  /** Writes the JSON report to {@code --json}, or to {@code stdout} when it is non-null ({@code --json -}). */
  private void writeJson(Dataset dataset, Split split, EvalOptions options, dev.attune.eval.Leaderboard board,
      List<EvalResult> results, List<Map<String, Object>> ctrRows, java.io.PrintWriter stdout)
      throws java.io.IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("dataset", dataset.name());
    doc.put("users", dataset.numUsers());
    doc.put("items", dataset.numItems());
    doc.put("events", dataset.events().size());
    doc.put("protocol", split.protocol());
    doc.put("excludeSeen", options.excludeSeen());
    doc.put("seed", seed);
    doc.put("date", Instant.now().toString());
    Map<String, Object> machine = new LinkedHashMap<>(); // in one order: reports of two runs compare line by line
    machine.put("processors", Runtime.getRuntime().availableProcessors());
    machine.put("java", System.getProperty("java.version"));
    machine.put("os", System.getProperty("os.name"));
    doc.put("machine", machine);
    // the table's p-values too: the one figure the per-metric means do not let a reader recompute
    doc.put("significanceMetric", board.significanceMetric());
    List<Object> rows = new ArrayList<>();
    for (EvalResult r : results) {
      Map<String, Object> row = r.toMap();
      row.put("pValueVsBest", board.pValueVsBest(r));
      rows.add(row);
    }
    doc.put("results", rows);
    if (!ctrRows.isEmpty()) doc.put("ctr", ctrRows);
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    if (stdout != null) {
      stdout.println(mapper.writeValueAsString(doc));
      return;
    }
    Path parent = json.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    // written beside it, then moved over it: a full disk or a kill mid-write leaves the earlier report whole (the
    // stop notice says the file holds what it held before), not a truncated one
    Path partial = json.resolveSibling(json.getFileName() + ".partial");
    try {
      mapper.writeValue(partial.toFile(), doc);
      Files.move(partial, json, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }
}
