package dev.attune.data.importers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The registry behind {@link Importer#forFormat}: one shared instance per format (importers are stateless). */
final class Formats {
  private static final Map<String, Importer> BY_NAME = new LinkedHashMap<>();

  static {
    register(new MovieLens100kImporter());
    register(new MovieLens1mImporter());
    register(new MovieLens1mImplicitImporter());
    register(new LastFmHetRecImporter());
    register(new S3RecImporter());
    register(new SasRecImporter());
    register(new DoubanImporter());
    register(new TaobaoImporter());
    register(new CsvImporter());
    register(new JsonLinesImporter());
  }

  private Formats() {}

  private static void register(Importer importer) {
    BY_NAME.put(importer.formatName(), importer);
  }

  static Importer forName(String name) {
    Importer importer = name == null ? null : BY_NAME.get(name.trim().toLowerCase(Locale.ROOT));
    if (importer == null) {
      throw new IllegalArgumentException("unknown import format '" + name + "'; known: " + names());
    }
    return importer;
  }

  static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }
}
