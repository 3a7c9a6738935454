package dev.attune.train;

import ai.djl.ndarray.types.DataType;
import dev.attune.infer.DinModel;
import dev.attune.infer.WeightFile;
import dev.attune.model.ModelParams;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Creates the CTR (ranking) models by name with optional hyper-parameter overrides, for the CLI and benchmarks,
 * and rebuilds their DJL networks from weight files.
 *
 * <p>Names: {@code fm}, {@code ncf}, {@code din}, {@code afm}, {@code shan}. Override keys: {@code dim} (all),
 * {@code tower} (NCF, widths separated by {@code /}), {@code attentionHidden} (DIN, AFM), {@code hidden} (DIN,
 * widths separated by {@code /}), {@code session} (SHAN), and
 * the shared loop's {@code maxHistory}, {@code learningRate}, {@code l2}, {@code batchSize}, {@code epochs},
 * {@code patience}.
 */
public final class CtrModels {
  /** Names accepted by {@link #create}. */
  public static final List<String> NAMES = List.of("fm", "ncf", "din", "afm", "shan");

  private CtrModels() {}

  /** Whether {@code name} is one of {@link #NAMES} (case-insensitive). */
  public static boolean knows(String name) {
    return NAMES.contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * A trainer for {@code name}.
   *
   * @param threads intra-op threads (0 = all processors)
   * @throws IllegalArgumentException for an unknown name, parameter or value
   */
  public static CtrTrainer create(String name, Map<String, String> overrides, long seed, int threads) {
    try {
      return createChecked(name, overrides, seed, threads);
    } catch (IllegalArgumentException e) {
      throw knows(name) ? ModelParams.whose(name, e) : e; // "epochs must be > 0": say whose
    }
  }

  private static CtrTrainer createChecked(String name, Map<String, String> overrides, long seed, int threads) {
    ModelParams p = new ModelParams(name, overrides);
    String model = name.toLowerCase(Locale.ROOT);
    CtrTraining.Options d = CtrTraining.Options.DEFAULTS;
    CtrTraining.Options o = new CtrTraining.Options(size(p, model, "maxHistory", d.maxHistory(), MAX_HISTORY),
        p.flt("learningRate", d.learningRate()), p.flt("l2", d.l2()), p.integer("batchSize", d.batchSize()),
        p.integer("epochs", d.epochs()), p.integer("patience", d.patience()), seed,
        threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    CtrTrainer trainer = switch (name.toLowerCase(Locale.ROOT)) {
      case "fm" -> new Fm(new Fm.Params(size(p, model, "dim", Fm.Params.DEFAULTS.dim(), MAX_WIDTH), o));
      case "ncf" -> new Ncf(new Ncf.Params(size(p, model, "dim", Ncf.Params.DEFAULTS.dim(), MAX_WIDTH),
          widths(p, model, "tower", Ncf.Params.DEFAULTS.tower()), o));
      case "din" -> new Din(new Din.Params(size(p, model, "dim", Din.Params.DEFAULTS.dim(), MAX_WIDTH),
          size(p, model, "attentionHidden", Din.Params.DEFAULTS.attentionHidden(), MAX_WIDTH),
          widths(p, model, "hidden", Din.Params.DEFAULTS.hidden()), o));
      case "afm" -> new Afm(new Afm.Params(size(p, model, "dim", Afm.Params.DEFAULTS.dim(), MAX_WIDTH),
          size(p, model, "attentionHidden", Afm.Params.DEFAULTS.attentionHidden(), MAX_WIDTH), o));
      case "shan" -> new Shan(new Shan.Params(size(p, model, "dim", Shan.Params.DEFAULTS.dim(), MAX_WIDTH),
          p.integer("session", Shan.Params.DEFAULTS.session()), o));
      default -> throw new IllegalArgumentException("unknown CTR model '" + name + "'; known: " + NAMES);
    };
    p.checkAllUsed();
    return trainer;
  }

  /**
   * The DJL network a weight file describes (float32), for scoring with {@link CtrTraining#predict}.
   *
   * @throws IllegalArgumentException if the file's {@code model} is not a CTR model
   */
  public static CtrNetwork network(WeightFile w) {
    String kind = w.propertyOr("model", "");
    return switch (kind) {
      case DinModel.MODEL_KIND -> Din.Network.fromWeights(w);
      case Fm.MODEL_KIND -> new Fm.Network(w.properties(), DataType.FLOAT32, 0L, name -> w.tensor(name).values());
      case Ncf.MODEL_KIND -> new Ncf.Network(w.properties(), DataType.FLOAT32, 0L, name -> w.tensor(name).values());
      case Afm.MODEL_KIND -> new Afm.Network(w.properties(), DataType.FLOAT32, 0L, name -> w.tensor(name).values());
      case Shan.MODEL_KIND -> new Shan.Network(w.properties(), DataType.FLOAT32, 0L, name -> w.tensor(name).values());
      default -> throw new IllegalArgumentException("not a CTR weight file: model = " + kind);
    };
  }

  /** Widest layer or embedding a parameter may ask for: far above what these models use (16-256). */
  static final int MAX_WIDTH = 4096;
  /** Longest history a CTR example may read. */
  static final int MAX_HISTORY = 10_000;

  /**
   * A size parameter, at most {@code max}: a width of 10^8 made arrays past Java's limit (NegativeArraySize, a stack
   * trace) or ran the heap out, instead of saying which setting was at fault.
   */
  private static int size(ModelParams p, String model, String key, int fallback, int max) {
    int v = p.integer(key, fallback);
    if (v > max) throw new IllegalArgumentException(model + "." + key + " must be at most " + max + ": " + v);
    return v;
  }

  /** Layer widths written {@code 64/32}, each at most {@link #MAX_WIDTH}. */
  private static int[] widths(ModelParams p, String model, String key, int[] fallback) {
    int[] out;
    try {
      out = Din.split(p.str(key, Din.join(fallback).replace(',', '/')).replace('/', ','));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(model + "." + key + ": " + e.getMessage());
    }
    for (int w : out) {
      if (w > MAX_WIDTH) throw new IllegalArgumentException(model + "." + key + ": widths must be at most " + MAX_WIDTH + ": " + w);
    }
    return out;
  }
}
