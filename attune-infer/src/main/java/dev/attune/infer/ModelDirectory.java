package dev.attune.infer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attune.data.IdIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model on disk, as {@code attune train} writes it and the evaluator and the server read it:
 *
 * <ul>
 *   <li>{@code model.json}: what the model is ({@code model} = the weight file's kind, such as {@code sasrec}),
 *       the data set, protocol, seed, hyper-parameters, training time and validation score; free-form beyond
 *       {@code format} and {@code model};
 *   <li>{@code weights.atw}: the {@link WeightFile};
 *   <li>{@code items.txt}: the external item id of every item index, one per line, in index order, so a
 *       model can be matched to a catalogue by id rather than by position.
 * </ul>
 *
 * <p>Writing goes to temporary names first and renames at the end, so a crash never leaves a directory that
 * looks complete but is not.
 */
public final class ModelDirectory {
  /** Version of the layout; readers reject a newer one. */
  public static final int FORMAT = 1;

  /**
   * The {@code model.json} key listing the items whose rows the weights hold but never learnt ({@link
   * #untrainedItems}): a server treats them as items the model does not know.
   */
  public static final String UNTRAINED_ITEMS_KEY = "untrainedItems";

  private static final String INFO = "model.json";
  private static final String WEIGHTS = "weights.atw";
  private static final String ITEMS = "items.txt";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path dir;
  private final Map<String, Object> info;
  private final WeightFile weights;
  private final List<String> itemIds;

  private ModelDirectory(Path dir, Map<String, Object> info, WeightFile weights, List<String> itemIds) {
    this.dir = dir;
    this.info = Collections.unmodifiableMap(info);
    this.weights = weights;
    this.itemIds = List.copyOf(itemIds);
  }

  /**
   * The items of {@code learnt}'s data set that no user of {@code learnt} liked beside another item: items only held
   * out, known by metadata alone, or liked only by users with no other liked event (a sequence of one trains no
   * model's row of its item: a QA run's hit among 300 new users kept its random row after a retraining, and its fans
   * got one list of long-tail items "because" of it). Their rows were never trained on what they are.
   */
  public static List<String> untrainedItems(dev.attune.data.TrainingSet learnt) {
    return untrainedItems(learnt, 2);
  }

  /**
   * As {@link #untrainedItems(dev.attune.data.TrainingSet)}, counting users with at least {@code fewestLiked} liked
   * events: 2 for a sequence network, whose rows learn from a step and the next; 1 for a model whose item terms learn
   * from single users too (a transfer model's popularity and factors).
   */
  public static List<String> untrainedItems(dev.attune.data.TrainingSet learnt, int fewestLiked) {
    dev.attune.data.Sequences sequences = learnt.sequences();
    IdIndex ids = learnt.dataset().itemIds();
    boolean[] trained = new boolean[ids.size()];
    for (int u = 0; u < sequences.numUsers(); u++) {
      int[] liked = sequences.positiveItemsOf(u);
      if (liked.length < fewestLiked) continue;
      for (int i : liked) if (i < trained.length) trained[i] = true;
    }
    List<String> untrained = new java.util.ArrayList<>();
    for (int i = 0; i < trained.length; i++) if (!trained[i]) untrained.add(ids.id(i));
    return untrained;
  }

  /** Whether {@code dir} already holds a model written by {@link #write} (its {@code model.json}). */
  public static boolean holdsModel(Path dir) {
    return Files.isRegularFile(dir.resolve(INFO));
  }

  /**
   * Writes a model directory (created if missing; these three files replaced, the old {@code model.json} removed first
   * and the new one moved in last, each file on disk before its rename, so that a crash midway leaves a directory
   * {@link #read} refuses rather than a mix of two models).
   *
   * @param info descriptive entries; {@code format} and {@code model} are set here
   * @throws IllegalArgumentException if the item count differs from the weight file's {@code numItems}
   */
  public static ModelDirectory write(Path dir, WeightFile weights, List<String> itemIds, Map<String, Object> info)
      throws IOException {
    String numItems = weights.propertyOr("numItems", null);
    if (numItems != null && Integer.parseInt(numItems) != itemIds.size()) {
      throw new IllegalArgumentException("weights cover " + numItems + " items, the id list " + itemIds.size());
    }
    Files.createDirectories(dir);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", FORMAT);
    doc.put("model", weights.property("model"));
    doc.putAll(info);
    Path weightsTmp = dir.resolve(WEIGHTS + ".tmp");
    Path itemsTmp = dir.resolve(ITEMS + ".tmp");
    Path infoTmp = dir.resolve(INFO + ".tmp");
    try {
      weights.write(weightsTmp);
      Files.write(itemsTmp, itemIds, StandardCharsets.UTF_8);
      JSON.writeValue(infoTmp.toFile(), doc);
    } catch (IOException | RuntimeException e) {
      // half-written files (a full disk) would take the space a retry needs
      for (Path tmp : new Path[] {weightsTmp, itemsTmp, infoTmp}) Files.deleteIfExists(tmp);
      throw e;
    }
    // on disk before any rename: a crash must not leave a renamed file whose content never reached the disk
    for (Path tmp : new Path[] {weightsTmp, itemsTmp, infoTmp}) sync(tmp);
    // replacing a model: its model.json goes first, so that a kill between the renames leaves a directory without
    // one (incomplete, refused by read), never the new weights under the old item list (a review: a catalogue of
    // the same size in another order read as a wrong model)
    Files.deleteIfExists(dir.resolve(INFO));
    Files.move(weightsTmp, dir.resolve(WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(itemsTmp, dir.resolve(ITEMS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    // model.json last: its presence marks a complete directory
    Files.move(infoTmp, dir.resolve(INFO), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    sync(dir); // the renames themselves
    return new ModelDirectory(dir, doc, weights, itemIds);
  }

  /** Forces {@code path} (a file, or a directory's entries) to the disk; a directory a platform cannot sync is left. */
  private static void sync(Path path) throws IOException {
    boolean directory = Files.isDirectory(path);
    try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(path,
        directory ? java.nio.file.StandardOpenOption.READ : java.nio.file.StandardOpenOption.WRITE)) {
      c.force(true);
    } catch (IOException e) {
      if (!directory) throw e; // some systems refuse to open or sync a directory: its renames are still made
    }
  }

  /**
   * Whether {@code dir} holds every file of a model directory ({@code model.json}, the weights and the item list),
   * without reading them: a directory copied or pruned by hand may hold {@code model.json} alone.
   */
  public static boolean isComplete(Path dir) {
    return Files.isRegularFile(dir.resolve(INFO)) && Files.isRegularFile(dir.resolve(WEIGHTS))
        && Files.isRegularFile(dir.resolve(ITEMS));
  }

  /**
   * Reads a model directory.
   *
   * @throws IllegalArgumentException if it is not a complete model directory of a known format
   * @throws IOException if a file cannot be read
   */
  public static ModelDirectory read(Path dir) throws IOException {
    Map<String, Object> info = readInfo(dir);
    for (String f : new String[] {WEIGHTS, ITEMS}) {
      if (!Files.isRegularFile(dir.resolve(f))) throw new IllegalArgumentException(dir + " lacks " + f);
    }
    WeightFile weights = WeightFile.read(dir.resolve(WEIGHTS));
    List<String> ids = Files.readAllLines(dir.resolve(ITEMS), StandardCharsets.UTF_8);
    String numItems = weights.propertyOr("numItems", null);
    if (numItems != null && Integer.parseInt(numItems) != ids.size()) {
      throw new IllegalArgumentException(dir + ": " + ITEMS + " lists " + ids.size() + " items, the weights " + numItems);
    }
    return new ModelDirectory(dir, info, weights, ids);
  }

  /**
   * A model directory's {@code model.json} alone (its kind and how it was trained), without reading the weights.
   *
   * @throws IllegalArgumentException if there is no model.json, it is not JSON, or its format is unknown
   * @throws IOException if it cannot be read
   */
  public static Map<String, Object> readInfo(Path dir) throws IOException {
    Path infoFile = dir.resolve(INFO);
    if (dir.toString().isBlank()) throw new IllegalArgumentException("a model directory's path is empty");
    if (!Files.exists(dir)) {
      throw new IllegalArgumentException(dir + " does not exist (a model directory; train one with 'attune train')");
    }
    if (!Files.isRegularFile(infoFile)) {
      throw new IllegalArgumentException(dir + " is not a model directory (no " + INFO + "; train one with 'attune train')");
    }
    Map<String, Object> info;
    try {
      info = JSON.readValue(infoFile.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // as a request body's: the reason and where, not the parser's internals
      throw new IllegalArgumentException(infoFile + " is not valid JSON: "
          + dev.attune.data.importers.JacksonErrors.describeAt(e, "file"));
    }
    Object format = info.get("format");
    if (!(format instanceof Number n) || n.intValue() > FORMAT) {
      throw new IllegalArgumentException(infoFile + ": unsupported format " + format + " (this Attune reads " + FORMAT + ")");
    }
    return info;
  }

  /** The directory. */
  public Path dir() {
    return dir;
  }

  /** The model kind ({@code model} in model.json and the weight file). */
  public String kind() {
    return String.valueOf(info.get("model"));
  }

  /** Everything in model.json. */
  public Map<String, Object> info() {
    return info;
  }

  /** The weights. */
  public WeightFile weights() {
    return weights;
  }

  /** External item id per item index. */
  public List<String> itemIds() {
    return itemIds;
  }

  /**
   * Checks that {@code catalogue} indexes items exactly as the model does.
   *
   * @throws IllegalArgumentException naming the first difference
   */
  public void requireSameItems(IdIndex catalogue) {
    if (catalogue.size() != itemIds.size()) {
      throw new IllegalArgumentException("model " + dir + " was trained on " + itemIds.size() + " items, the data set has "
          + catalogue.size());
    }
    for (int i = 0; i < itemIds.size(); i++) {
      if (!itemIds.get(i).equals(catalogue.id(i))) {
        throw new IllegalArgumentException("model " + dir + " indexes item " + i + " as '" + itemIds.get(i)
            + "', the data set as '" + catalogue.id(i) + "': not the same catalogue");
      }
    }
  }
}
