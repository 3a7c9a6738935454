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
    ModelParams p = new ModelParams(name, overrides);
    CtrTraining.Options d = CtrTraining.Options.DEFAULTS;
    CtrTraining.Options o = new CtrTraining.Options(p.integer("maxHistory", d.maxHistory()),
        p.flt("learningRate", d.learningRate()), p.flt("l2", d.l2()), p.integer("batchSize", d.batchSize()),
        p.integer("epochs", d.epochs()), p.integer("patience", d.patience()), seed,
        threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
    CtrTrainer trainer = switch (name.toLowerCase(Locale.ROOT)) {
      case "fm" -> new Fm(new Fm.Params(p.integer("dim", Fm.Params.DEFAULTS.dim()), o));
      case "ncf" -> new Ncf(new Ncf.Params(p.integer("dim", Ncf.Params.DEFAULTS.dim()),
          widths(p.str("tower", Din.join(Ncf.Params.DEFAULTS.tower()).replace(',', '/'))), o));
      case "din" -> new Din(new Din.Params(p.integer("dim", Din.Params.DEFAULTS.dim()),
          p.integer("attentionHidden", Din.Params.DEFAULTS.attentionHidden()),
          widths(p.str("hidden", Din.join(Din.Params.DEFAULTS.hidden()).replace(',', '/'))), o));
      case "afm" -> new Afm(new Afm.Params(p.integer("dim", Afm.Params.DEFAULTS.dim()),
          p.integer("attentionHidden", Afm.Params.DEFAULTS.attentionHidden()), o));
      case "shan" -> new Shan(new Shan.Params(p.integer("dim", Shan.Params.DEFAULTS.dim()),
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

  private static int[] widths(String s) {
    return Din.split(s.replace('/', ','));
  }
}
