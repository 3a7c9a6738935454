package dev.attune.data.importers;

import dev.attune.events.Item;
import dev.attune.events.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Readers for the MovieLens 1M metadata files, shared by {@link MovieLens1mImporter} and
 * {@link MovieLens1mImplicitImporter}.
 */
final class MovieLens1mFiles {
  private MovieLens1mFiles() {}

  /**
   * Reads {@code movies.dat} ({@code id::title::genre|genre...}, ISO-8859-1 by default) into items of
   * {@code scene} by id, in file order. Rows are metadata rows of {@code cx}.
   */
  static Map<String, Item> readMovies(ImportContext cx, Path file, String scene) throws IOException {
    Map<String, Item> items = new LinkedHashMap<>();
    Fields f = new Fields("id", "title", "genres");
    NumericIds ids = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.ISO_8859_1)) {
      cx.readRows(r, true, line -> {
        f.split(line, "::");
        f.require(3);
        String id = f.numericId(0, ids);
        String title = f.isEmpty(1) ? null : f.text(1);
        List<String> genres = new ArrayList<>(3);
        if (!f.isEmpty(2)) {
          String g = f.text(2);
          int start = 0;
          for (int bar = g.indexOf('|'); ; bar = g.indexOf('|', start)) {
            int end = bar < 0 ? g.length() : bar;
            if (end > start) {
              genres.add(g.substring(start, end));
            }
            if (bar < 0) {
              break;
            }
            start = bar + 1;
          }
        }
        items.put(id, new Item(id, scene, title, null, null, genres, List.of(), Float.NaN, Item.UNKNOWN_TIME,
            null, Map.of()));
      });
    }
    return items;
  }

  /**
   * Reads {@code users.dat} ({@code id::gender::age::occupation::zip}) into users by id, in file order,
   * with attributes {@code gender}, {@code age} (the file's age-group code), {@code occupation} (the file's
   * occupation code) and {@code zip}. Rows are metadata rows of {@code cx}.
   */
  static Map<String, User> readUsers(ImportContext cx, Path file) throws IOException {
    Map<String, User> users = new LinkedHashMap<>();
    Fields f = new Fields("id", "gender", "age", "occupation", "zip");
    NumericIds ids = new NumericIds();
    try (LineReader r = cx.open(file, StandardCharsets.ISO_8859_1)) {
      cx.readRows(r, true, line -> {
        f.split(line, "::");
        f.require(5);
        String id = f.numericId(0, ids);
        Map<String, String> attributes = new LinkedHashMap<>();
        if (!f.isEmpty(1)) {
          attributes.put("gender", f.text(1));
        }
        attributes.put("age", Long.toString(f.parseId(2)));
        attributes.put("occupation", Long.toString(f.parseId(3)));
        if (!f.isEmpty(4)) {
          attributes.put("zip", f.text(4));
        }
        users.put(id, new User(id, attributes));
      });
    }
    return users;
  }
}
