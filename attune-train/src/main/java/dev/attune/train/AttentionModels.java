package dev.attune.train;

import dev.attune.model.ModelParams;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Creates the DJL-trained sequential models by name with optional hyper-parameter overrides, for the CLI and
 * benchmarks (the classic models are in {@link dev.attune.model.cf.ClassicModels}).
 *
 * <p>Names: {@code sasrec}, {@code bert4rec}, {@code gru-attn}. Override keys are the {@code Params} component
 * names of the model (SASRec: {@code hidden}, {@code blocks}, {@code heads}, {@code useAttributes}; BERT4Rec:
 * the same and {@code maskProbability}, {@code lastOnlyProbability}; GRU: {@code hidden}, {@code gruHidden}) and
 * the shared training options ({@code maxLength}, {@code dropout}, {@code learningRate}, {@code batchSize},
 * {@code epochs}, {@code loss} = bce | sampled-softmax | full-ce, {@code negatives}, {@code useTypes},
 * {@code patience}, {@code validateEvery}).
 */
public final class AttentionModels {
  /** Names accepted by {@link #create}. */
  public static final List<String> NAMES = List.of("sasrec", "bert4rec", "gru-attn");

  private AttentionModels() {}

  /** Whether {@code name} is one of {@link #NAMES} (case-insensitive). */
  public static boolean knows(String name) {
    return NAMES.contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * A trainer for {@code name}.
   *
   * @param seed training seed (overrides the default)
   * @param threads intra-op threads (0 = all processors)
   * @throws IllegalArgumentException for an unknown name, an unknown parameter or a bad value
   */
  public static WeightTrainer create(String name, Map<String, String> overrides, long seed, int threads) {
    ModelParams p = new ModelParams(name, overrides);
    WeightTrainer trainer = build(name, p, seed, threads);
    p.checkAllUsed();
    return trainer;
  }

  /**
   * The settings {@link #create} trains {@code name} with under {@code overrides}: every hyper-parameter, given or
   * the default, by its {@code --param} key.
   *
   * @throws IllegalArgumentException as {@link #create}
   */
  public static Map<String, Object> settings(String name, Map<String, String> overrides) {
    ModelParams p = new ModelParams(name, overrides);
    build(name, p, 0L, 1);
    p.checkAllUsed();
    return p.settings();
  }

  private static WeightTrainer build(String name, ModelParams p, long seed, int threads) {
    try {
      return buildChecked(name, p, seed, threads);
    } catch (IllegalArgumentException e) {
      throw knows(name) ? ModelParams.whose(name, e) : e; // "epochs must be > 0": say whose
    }
  }

  private static WeightTrainer buildChecked(String name, ModelParams p, long seed, int threads) {
    int threadCount = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "sasrec" -> {
        SasRec.Params d = SasRec.Params.DEFAULTS;
        yield new SasRec(new SasRec.Params(p.integer("hidden", d.hidden()), p.integer("blocks", d.blocks()),
            p.integer("heads", d.heads()), p.bool("useAttributes", d.useAttributes()),
            options(p, d.training(), seed, threadCount)));
      }
      case "bert4rec" -> {
        Bert4Rec.Params d = Bert4Rec.Params.DEFAULTS;
        yield new Bert4Rec(new Bert4Rec.Params(p.integer("hidden", d.hidden()), p.integer("blocks", d.blocks()),
            p.integer("heads", d.heads()), p.bool("useAttributes", d.useAttributes()),
            p.flt("maskProbability", d.maskProbability()), p.flt("lastOnlyProbability", d.lastOnlyProbability()),
            options(p, d.training(), seed, threadCount)));
      }
      case "gru-attn" -> {
        GruAttention.Params d = GruAttention.Params.DEFAULTS;
        yield new GruAttention(new GruAttention.Params(p.integer("hidden", d.hidden()),
            p.integer("gruHidden", d.gruHidden()), options(p, d.training(), seed, threadCount)));
      }
      default -> throw new IllegalArgumentException("unknown model '" + name + "'; known: " + NAMES);
    };
  }

  /** The shared options with overrides read from {@code p}. */
  static SequenceTraining.Options options(ModelParams p, SequenceTraining.Options d, long seed, int threads) {
    return new SequenceTraining.Options(p.integer("maxLength", d.maxLength()), p.flt("dropout", d.dropout()),
        p.flt("learningRate", d.learningRate()), p.integer("batchSize", d.batchSize()), p.integer("epochs", d.epochs()),
        p.choice("loss", d.loss()), p.integer("negatives", d.negatives()), p.bool("useTypes", d.useTypes()), seed,
        threads, p.integer("patience", d.patience()), p.integer("validateEvery", d.validateEvery()),
        p.bool("allWindows", d.allWindows()));
  }
}
