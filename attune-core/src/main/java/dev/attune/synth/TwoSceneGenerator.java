package dev.attune.synth;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import java.util.SplittableRandom;

/**
 * Generates two scenes that share their users, where taste in one scene is a known function of taste in the
 * other (#5): the planted set on which a cross-scene model must recover the transfer and a model of one scene
 * cannot.
 *
 * <p>The planted truth, which tests rely on:
 * <ul>
 *   <li><b>Genres.</b> Each scene has {@link Params#genres} genres of {@link Params#itemsPerGenre} items. Within a
 *       genre, item popularity is Zipf-like (weight 1 / √(rank + 1), a mild skew so that popularity alone stays far
 *       from taste); every genre is equally popular, so overall
 *       popularity says nothing about a user.</li>
 *   <li><b>Taste.</b> Each user loves two distinct genres g1, g2 ({@link Truth#userGenres}) in the first scene and
 *       the genres {@link #mapped}(g1), {@link #mapped}(g2) = (g + 1) mod G in the second: the known function.</li>
 *   <li><b>Noise.</b> A share {@link Params#noise} of each user's events fall on a random genre in each scene, so
 *       a history mixes planted behaviour with behaviour that predicts nothing.</li>
 * </ul>
 * Events: type {@code rating}, value 5, timestamp 0 (no order), each user rating an item at most once. Item ids are
 * {@code <scene>:<genre>-<k>}. Deterministic for a given seed.
 */
public final class TwoSceneGenerator {
  private TwoSceneGenerator() {}

  /**
   * Generator settings.
   *
   * @param users number of users, &gt; 0
   * @param genres G, genres per scene, &gt; 2
   * @param itemsPerGenre items in each genre, &gt; 0
   * @param firstEvents events per user in the first scene, in (0, 2 × itemsPerGenre]
   * @param secondEvents events per user in the second scene, in (0, 2 × itemsPerGenre]
   * @param noise share of events on a random genre, in [0, 1)
   * @param firstScene the first scene's name, non-blank
   * @param secondScene the second scene's name, non-blank and different
   * @param seed random seed
   */
  public record Params(int users, int genres, int itemsPerGenre, int firstEvents, int secondEvents, double noise,
      String firstScene, String secondScene, long seed) {
    /** 600 users, 8 genres of 25 items, 15 + 12 events each, 20% noise, scenes {@code books} and {@code music}. */
    public static final Params SMALL = new Params(600, 8, 25, 15, 12, 0.2, "books", "music", 42L);

    public Params {
      if (users <= 0) throw new IllegalArgumentException("users must be > 0: " + users);
      if (genres <= 2) throw new IllegalArgumentException("genres must be > 2: " + genres);
      if (itemsPerGenre <= 0) throw new IllegalArgumentException("itemsPerGenre must be > 0: " + itemsPerGenre);
      if (firstEvents <= 0 || firstEvents > 2 * itemsPerGenre || secondEvents <= 0 || secondEvents > 2 * itemsPerGenre) {
        throw new IllegalArgumentException("events per scene must be in (0, 2 x itemsPerGenre]: " + firstEvents
            + ", " + secondEvents);
      }
      if (!(noise >= 0 && noise < 1)) throw new IllegalArgumentException("noise must be in [0, 1): " + noise);
      if (firstScene == null || firstScene.isBlank() || secondScene == null || secondScene.isBlank()
          || firstScene.equals(secondScene)) {
        throw new IllegalArgumentException("two different non-blank scene names needed: " + firstScene + ", " + secondScene);
      }
    }

    /** A copy with another seed. */
    public Params withSeed(long newSeed) {
      return new Params(users, genres, itemsPerGenre, firstEvents, secondEvents, noise, firstScene, secondScene, newSeed);
    }

    /** A copy with another number of users. */
    public Params withUsers(int newUsers) {
      return new Params(newUsers, genres, itemsPerGenre, firstEvents, secondEvents, noise, firstScene, secondScene, seed);
    }
  }

  /**
   * The planted structure.
   *
   * @param userGenres each user's two genres in the first scene (by user index)
   * @param itemGenre each item's genre within its own scene (by item index)
   * @param itemScene each item's scene, 0 = first, 1 = second (by item index)
   * @param planted whether each event of the data set's log (by row) fell on one of the user's genres
   */
  public record Truth(int[][] userGenres, int[] itemGenre, int[] itemScene, boolean[] planted) {}

  /**
   * A generated data set and its truth.
   *
   * @param dataset the events
   * @param truth the planted structure
   */
  public record Generated(Dataset dataset, Truth truth) {}

  /** The second scene's genre for a first-scene genre g: (g + 1) mod G, the planted function. */
  public static int mapped(int genre, int genres) {
    return (genre + 1) % genres;
  }

  /** Generates the data set. */
  public static Generated generate(Params p) {
    SplittableRandom random = new SplittableRandom(p.seed());
    Dataset ds = new Dataset("two-scene-synthetic", Dataset.TimeKind.NONE);
    int perScene = p.genres() * p.itemsPerGenre();
    int[] itemGenre = new int[2 * perScene];
    int[] itemScene = new int[2 * perScene];
    String[] scenes = {p.firstScene(), p.secondScene()};
    for (int s = 0; s < 2; s++) {
      for (int g = 0; g < p.genres(); g++) {
        for (int k = 0; k < p.itemsPerGenre(); k++) {
          int index = ds.putItem(Item.bare(scenes[s] + ":" + g + "-" + k, scenes[s]));
          itemGenre[index] = g;
          itemScene[index] = s;
        }
      }
    }
    double[] cumulative = new double[p.itemsPerGenre()];
    double total = 0;
    for (int k = 0; k < cumulative.length; k++) {
      total += 1.0 / Math.sqrt(k + 1);
      cumulative[k] = total;
    }
    int[][] userGenres = new int[p.users()][];
    java.util.List<Boolean> planted = new java.util.ArrayList<>();
    for (int u = 0; u < p.users(); u++) {
      String user = "u" + u;
      int g1 = random.nextInt(p.genres());
      int g2 = (g1 + 1 + random.nextInt(p.genres() - 1)) % p.genres();
      userGenres[u] = new int[] {g1, g2};
      for (int s = 0; s < 2; s++) {
        int[] loved = s == 0 ? userGenres[u] : new int[] {mapped(g1, p.genres()), mapped(g2, p.genres())};
        int events = s == 0 ? p.firstEvents() : p.secondEvents();
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        int attempts = 0;
        while (taken.size() < events && attempts++ < 100 * events) {
          boolean noisy = random.nextDouble() < p.noise();
          int g = noisy ? random.nextInt(p.genres()) : loved[random.nextInt(2)];
          int k = java.util.Arrays.binarySearch(cumulative, random.nextDouble() * total);
          k = k < 0 ? -k - 1 : k;
          int item = s * perScene + g * p.itemsPerGenre() + Math.min(k, p.itemsPerGenre() - 1);
          if (!taken.add(item)) continue;
          ds.addEvent(new Event(user, ds.itemIds().id(item), "rating", 5f, 0L, scenes[s]));
          planted.add(g == loved[0] || g == loved[1]);
        }
      }
    }
    boolean[] plantedRows = new boolean[planted.size()];
    for (int r = 0; r < plantedRows.length; r++) plantedRows[r] = planted.get(r);
    return new Generated(ds, new Truth(userGenres, itemGenre, itemScene, plantedRows));
  }
}
