package dev.attune.synth;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import dev.attune.events.Item;
import dev.attune.events.User;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates a music platform with planted structure: genres, artists, albums and tracks; users with latent
 * tastes; sequential listening habits; skips.
 *
 * <p>The planted truth, which tests rely on:
 * <ul>
 *   <li><b>Taste.</b> Each user loves one or two genres ({@link Truth#userGenres}) and a few artists in
 *       them. Most sessions start at a loved artist or genre; a few at a globally popular artist.</li>
 *   <li><b>Sequence.</b> Within a session a user plays an album in track order with probability
 *       {@code albumContinuation}, so the next track is predictable from the last one.</li>
 *   <li><b>Skips.</b> A track outside the user's genres is heard to under 25% (a skip); a loved track to
 *       60-100%. Events carry the completion ratio as a {@code play} value, so
 *       {@link dev.attune.events.EventWeights} turns skips into negative weights.</li>
 *   <li><b>Popularity.</b> Artist popularity is Zipf-distributed, so a popularity baseline is meaningful
 *       but beatable by any model that learns taste.</li>
 * </ul>
 * Each user plays a track at most once (the scene is not marked as allowing repeats). Deterministic for a
 * given {@link Params#seed}.
 */
public final class MusicPlatformGenerator {

  /**
   * Generator settings.
   *
   * @param users number of users, &gt; 0
   * @param genres number of genres, &gt; 1
   * @param artistsPerGenre artists per genre, &gt; 0
   * @param albumsPerArtist albums per artist, &gt; 0
   * @param tracksPerAlbum tracks per album, &gt; 1
   * @param meanEventsPerUser mean number of plays per user, &gt;= 5
   * @param albumContinuation probability that the next play is the album's next track, in [0, 1]
   * @param explorationRate probability that a session starts outside the user's taste, in [0, 1]
   * @param seed random seed
   */
  public record Params(
      int users, int genres, int artistsPerGenre, int albumsPerArtist, int tracksPerAlbum,
      int meanEventsPerUser, double albumContinuation, double explorationRate, long seed) {

    /** A small platform for unit tests: 300 users, 1,152 tracks, about 18k events. */
    public static final Params SMALL = new Params(300, 8, 6, 3, 8, 60, 0.7, 0.15, 42L);
    /** The demo platform: 3,000 users, 3,600 tracks, about 260k events. */
    public static final Params DEMO = new Params(3000, 12, 15, 2, 10, 80, 0.7, 0.15, 7L);

    public Params {
      if (users <= 0 || genres <= 1 || artistsPerGenre <= 0 || albumsPerArtist <= 0 || tracksPerAlbum <= 1) {
        throw new IllegalArgumentException("users, artists, albums > 0; genres and tracks per album > 1");
      }
      if (meanEventsPerUser < 5) {
        throw new IllegalArgumentException("meanEventsPerUser must be >= 5: " + meanEventsPerUser);
      }
      if (!(albumContinuation >= 0 && albumContinuation <= 1) || !(explorationRate >= 0 && explorationRate <= 1)) {
        throw new IllegalArgumentException("probabilities must be in [0, 1]");
      }
    }

    /** A copy with another seed. */
    public Params withSeed(long newSeed) {
      return new Params(users, genres, artistsPerGenre, albumsPerArtist, tracksPerAlbum, meanEventsPerUser,
          albumContinuation, explorationRate, newSeed);
    }

    /** A copy with another number of users. */
    public Params withUsers(int newUsers) {
      return new Params(newUsers, genres, artistsPerGenre, albumsPerArtist, tracksPerAlbum, meanEventsPerUser,
          albumContinuation, explorationRate, seed);
    }
  }

  /**
   * The planted truth.
   *
   * @param userGenres loved genre indices per user index (dataset order)
   * @param itemGenre genre index per item index
   * @param genreNames genre names by genre index
   */
  public record Truth(int[][] userGenres, int[] itemGenre, List<String> genreNames) {}

  /** A generated data set and its truth. */
  public record Generated(Dataset dataset, Truth truth) {}

  private static final String[] GENRE_NAMES = {
      "rock", "jazz", "classical", "hip-hop", "electronic", "folk", "metal", "pop", "blues", "reggae",
      "soul", "country", "ambient", "punk", "latin", "k-pop"};
  private static final String[] MOODS = {"chill", "energetic", "sad", "happy", "dark", "dreamy"};
  private static final long DAY_MS = 86_400_000L;
  private static final long START_MS = 1_735_689_600_000L; // 2025-01-01T00:00Z

  private MusicPlatformGenerator() {}

  /** Generates a platform. */
  public static Generated generate(Params p) {
    SplittableRandom rnd = new SplittableRandom(p.seed());
    Dataset ds = new Dataset("synthetic-music", Dataset.TimeKind.CLOCK);
    ds.registerScene("music");
    ds.registerType("play");
    ds.registerType("like");
    List<String> genreNames = new ArrayList<>();
    for (int g = 0; g < p.genres(); g++) {
      genreNames.add(g < GENRE_NAMES.length ? GENRE_NAMES[g] : "genre-" + g);
    }

    int numArtists = p.genres() * p.artistsPerGenre();
    int[] artistGenre = new int[numArtists];
    double[] artistWeight = new double[numArtists];
    int[][] albumFirstTrack = new int[numArtists][p.albumsPerArtist()];
    List<Integer> itemGenres = new ArrayList<>();
    double weightSum = 0;
    // Zipf popularity over a random permutation of artists, so popularity is not aligned with genre order.
    int[] rankOf = permutation(numArtists, rnd);
    for (int a = 0; a < numArtists; a++) {
      artistGenre[a] = a / p.artistsPerGenre();
      artistWeight[a] = 1.0 / Math.pow(rankOf[a] + 1, 0.9);
      weightSum += artistWeight[a];
      String artist = "Artist " + (a + 1);
      for (int b = 0; b < p.albumsPerArtist(); b++) {
        String album = artist + " - Album " + (b + 1);
        long release = START_MS - rnd.nextLong(3650) * DAY_MS;
        for (int t = 0; t < p.tracksPerAlbum(); t++) {
          String id = "t" + a + "-" + b + "-" + t;
          String mood = MOODS[(a + b) % MOODS.length];
          int index = ds.putItem(new Item(id, "music", album + " #" + (t + 1), artist, album,
              List.of(genreNames.get(artistGenre[a])), List.of(mood), 120f + rnd.nextInt(240), release,
              null, Map.of()));
          if (t == 0) albumFirstTrack[a][b] = index;
          itemGenres.add(artistGenre[a]);
        }
      }
    }
    double[] cumulative = new double[numArtists];
    double c = 0;
    for (int a = 0; a < numArtists; a++) {
      c += artistWeight[a] / weightSum;
      cumulative[a] = c;
    }

    int[][] userGenres = new int[p.users()][];
    for (int u = 0; u < p.users(); u++) {
      String userId = "u" + u;
      int g1 = rnd.nextInt(p.genres());
      int[] loved = rnd.nextDouble() < 0.5 ? new int[] {g1} : new int[] {g1, (g1 + 1 + rnd.nextInt(p.genres() - 1)) % p.genres()};
      int userIndex = ds.putUser(new User(userId, Map.of("favourite_genre", genreNames.get(loved[0]))));
      userGenres[userIndex] = loved;
      Set<Integer> lovedSet = new HashSet<>();
      for (int g : loved) lovedSet.add(g);
      // A few favourite artists inside the loved genres, biased to popular ones.
      int[] favourites = new int[3];
      for (int f = 0; f < favourites.length; f++) {
        int g = loved[rnd.nextInt(loved.length)];
        favourites[f] = pickArtistInGenre(g, p, artistWeight, rnd);
      }
      int target = Math.max(5, (int) Math.round(p.meanEventsPerUser() * (0.5 + rnd.nextDouble())));
      Set<Integer> played = new HashSet<>();
      long time = START_MS + rnd.nextLong(30) * DAY_MS;
      int events = 0;
      int guard = 0;
      while (events < target && guard++ < target * 20) {
        int artist;
        double r = rnd.nextDouble();
        if (r < p.explorationRate()) {
          artist = sample(cumulative, rnd.nextDouble());
        } else if (r < p.explorationRate() + (1 - p.explorationRate()) * 0.5) {
          artist = favourites[rnd.nextInt(favourites.length)];
        } else {
          artist = pickArtistInGenre(loved[rnd.nextInt(loved.length)], p, artistWeight, rnd);
        }
        int album = rnd.nextInt(p.albumsPerArtist());
        int track = rnd.nextDouble() < 0.6 ? 0 : rnd.nextInt(p.tracksPerAlbum());
        time += DAY_MS / 4 + rnd.nextLong(DAY_MS);
        // One session: play the album in order while the user continues.
        while (events < target) {
          int item = albumFirstTrack[artist][album] + track;
          if (played.add(item)) {
            boolean likes = lovedSet.contains(artistGenre[artist]);
            float completion = likes ? (float) (0.6 + 0.4 * rnd.nextDouble()) : (float) (0.2 * rnd.nextDouble());
            ds.addEvent(new Event(userId, ds.itemIds().id(item), "play", completion, time, "music"));
            events++;
            if (likes && rnd.nextDouble() < 0.1) {
              ds.addEvent(new Event(userId, ds.itemIds().id(item), "like", 1f, time + 1000, "music"));
            }
            time += 200_000L + rnd.nextLong(100_000L);
            if (!likes) break; // a skip ends the session
          }
          if (track + 1 >= p.tracksPerAlbum() || rnd.nextDouble() >= p.albumContinuation()) break;
          track++;
        }
      }
    }
    int[] itemGenre = itemGenres.stream().mapToInt(Integer::intValue).toArray();
    return new Generated(ds, new Truth(userGenres, itemGenre, List.copyOf(genreNames)));
  }

  private static int pickArtistInGenre(int genre, Params p, double[] artistWeight, SplittableRandom rnd) {
    int first = genre * p.artistsPerGenre();
    double total = 0;
    for (int a = first; a < first + p.artistsPerGenre(); a++) total += artistWeight[a];
    double x = rnd.nextDouble() * total;
    for (int a = first; a < first + p.artistsPerGenre(); a++) {
      x -= artistWeight[a];
      if (x <= 0) return a;
    }
    return first + p.artistsPerGenre() - 1;
  }

  private static int sample(double[] cumulative, double x) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static int[] permutation(int n, SplittableRandom rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
