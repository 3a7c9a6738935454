package dev.attune.data.importers;

import static dev.attune.data.importers.TestFiles.events;
import static dev.attune.data.importers.TestFiles.only;
import static dev.attune.data.importers.TestFiles.write;
import static dev.attune.data.importers.TestFiles.writeBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.Dataset;
import dev.attune.events.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvImporterTest {
  private static final Importer IMPORTER = Importer.forFormat("csv");

  @TempDir
  Path dir;

  private static ImportOptions mapping(String spec) {
    return ImportOptions.DEFAULTS.withColumns(ColumnMapping.parse(spec));
  }

  @Test
  void mapsNamedColumnsWithHeader() throws IOException {
    Path file = write(dir.resolve("events.csv"), """
        ts,uid,extra,iid,action,v
        1511544070,u1,ignored,"Café, Paris",play,0.5
        1511544071,u2,,i2,LIKE,1
        """);
    ImportOptions options = mapping("user=uid,item=iid,type=action,value=v,timestamp=ts,time-format=epoch-seconds");
    Dataset ds = IMPORTER.newDataset("csv", options);
    ImportReport report = IMPORTER.importInto(ds, file, options);

    assertEquals(Dataset.TimeKind.CLOCK, ds.timeKind());
    assertEquals(2, report.rowsRead()); // header not counted
    assertEquals(new Event("u1", "Café, Paris", "play", 0.5f, 1511544070000L, "default"), only(ds, "u1", "Café, Paris"));
    assertEquals("like", only(ds, "u2", "i2").type()); // the data set lower-cases type names
  }

  /**
   * Columns whose header names an event's type, value or time but that --columns does not map are named in a note
   * with the mapping that reads them: unread, a skip counts as a positive view (a QA run's import said nothing).
   */
  @Test
  void unmappedTypeValueAndTimeColumnsGetANote() throws IOException {
    Path file = write(dir.resolve("roles.csv"), "user,item,Type,rating,ts,extra\nu1,a,skip,3,1000,x\n");
    ImportReport report = IMPORTER.importInto(IMPORTER.newDataset("csv", ImportOptions.DEFAULTS), file,
        ImportOptions.DEFAULTS);
    assertEquals(List.of("the header's columns 'Type', 'rating', 'ts' were not read (every event has type view,"
        + " value 1, no time): to read them, add type=Type,value=rating,timestamp=ts,time-format=<epoch-seconds|"
        + "epoch-millis|iso> to --columns"), report.notes());
    ImportOptions typed = mapping("type=Type,value=rating");
    assertEquals(List.of("the header's column 'ts' was not read (every event has no time): to read it, add"
        + " timestamp=ts,time-format=<epoch-seconds|epoch-millis|iso> to --columns"),
        IMPORTER.importInto(IMPORTER.newDataset("csv", typed), file, typed).notes());
    ImportOptions all = mapping("type=Type,value=rating,timestamp=ts,time-format=epoch-seconds");
    assertEquals(List.of(), IMPORTER.importInto(IMPORTER.newDataset("csv", all), file, all).notes());
  }

  /**
   * A value outside the range of a type whose rule reads it is a bad row, as POST /v1/events refuses it: a negative
   * quantity, count, time or share (a refund written as a purchase of -1 would weigh as the strongest dislike) and
   * a play's share over 1 (seconds written as a share would weigh as full plays); a type whose rule ignores the
   * value (a rating) takes any.
   */
  @Test
  void aValueOutsideItsTypesRangeIsABadRow() throws IOException {
    Path file = write(dir.resolve("values.csv"), "user,item,type,value\nu1,a,purchase,-1\nu1,b,rating,-2\n"
        + "u1,c,play,-0.5\nu1,d,purchase,2\nu1,e,play,1260\nu1,f,play,1\n");
    ImportOptions strict = mapping("type=type,value=value");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("csv", strict), file, strict));
    assertTrue(e.getMessage().contains("negative value in field 'value'"), e.getMessage());
    ImportOptions lenient = strict.withStrict(false);
    Dataset ds = IMPORTER.newDataset("csv", lenient);
    ImportReport report = IMPORTER.importInto(ds, file, lenient);
    assertEquals(2, report.rejected(ImportReport.NEGATIVE_VALUE), "the purchase and the play");
    assertEquals(1, report.rejected(ImportReport.OUT_OF_RANGE), "the play of 1260");
    assertEquals(-2f, only(ds, "u1", "b").value(), "a rating's value is not read by its weight: any number");
    assertEquals(2f, only(ds, "u1", "d").value());
    assertEquals(1f, only(ds, "u1", "f").value(), "a whole play is in range");
    Path seconds = write(dir.resolve("seconds.csv"), "user,item,type,value\nu1,e,play,1260\n");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("csv", strict), seconds, strict));
    assertTrue(e.getMessage().contains("out of range in field 'value': \"1260\" (allowed: the share of the item played,"
        + " 0 to 1; seconds heard are the type play_seconds"), e.getMessage());
    // the default value too, where rows take it (a QA run stored plays of 2 that POST /v1/events refuses)
    Path noValues = write(dir.resolve("novalues.csv"), "user,item\nu1,a\n");
    ImportOptions twoPerPlay = mapping("default-type=play,default-value=2");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("csv", twoPerPlay), noValues, twoPerPlay));
    assertTrue(e.getMessage().contains("out of range in field 'default-value': \"2.0\""), e.getMessage());
  }

  @Test
  void epochSecondsReadAsTheDefaultMillisecondsGetANote() throws IOException {
    String rows = "ts,uid,iid\n1511544070,u1,i1\n1511544071,u2,i2\n";
    Path file = write(dir.resolve("seconds.csv"), rows);
    ImportOptions options = mapping("user=uid,item=iid,timestamp=ts");
    ImportReport report = IMPORTER.importInto(IMPORTER.newDataset("csv", options), file, options);
    assertEquals(1, report.notes().size(), report.notes().toString());
    String note = report.notes().get(0);
    assertTrue(note.contains("1970-01-18") && note.contains("time-format=epoch-seconds"), note);
    Path millis = write(dir.resolve("millis.csv"), rows.replace("1511544070", "1511544070000")); // one in 2017
    assertEquals(java.util.List.of(), IMPORTER.importInto(IMPORTER.newDataset("csv", options), millis, options).notes(),
        "the newest time is what counts");
  }

  @Test
  void withoutHeaderColumnsAreIndices() throws IOException {
    Path file = write(dir.resolve("e.tsv"), "a\tx\t2017-11-25T12:00:00Z\nb\ty\t2017-11-25 12:00:00\nc\tz\t2017-11-25\n");
    ImportOptions options = mapping("user=0,item=1,timestamp=2,time-format=iso,delimiter=tab,header=false,"
        + "default-type=click,default-value=2,default-scene=web");
    Dataset ds = IMPORTER.newDataset("csv", options);
    IMPORTER.importInto(ds, file, options);
    assertEquals(new Event("a", "x", "click", 2f, 1511611200000L, "web"), only(ds, "a", "x"));
    assertEquals(1511611200000L, only(ds, "b", "y").timestamp()); // local date-time read as UTC
    assertEquals(1511568000000L, only(ds, "c", "z").timestamp()); // date: midnight UTC
  }

  @Test
  void ordinalAndNoneTimeFormats() throws IOException {
    Path file = write(dir.resolve("e.csv"), "user,item\na,1\nb,1\na,2\na,1\n");
    ImportOptions ordinal = mapping("time-format=ordinal");
    Dataset ds = IMPORTER.newDataset("o", ordinal);
    assertEquals(Dataset.TimeKind.ORDINAL, ds.timeKind());
    IMPORTER.importInto(ds, file, ordinal);
    assertEquals(List.of(0L, 0L, 1L, 2L), events(ds).stream().map(Event::timestamp).toList());

    Dataset none = IMPORTER.newDataset("n");
    ImportReport report = IMPORTER.importInto(none, file, ImportOptions.DEFAULTS);
    assertEquals(Dataset.TimeKind.NONE, none.timeKind());
    assertEquals(1, report.duplicatesCollapsed()); // a,1 twice without time
    // and said why: without times, repeated rows are one event (a review: five plays became one, unsaid)
    assertTrue(report.toString().contains("merged 1 row that repeated a user, item and type, which no time tells"),
        report.toString());
  }

  @Test
  void quotedFieldSpanningLinesKeepsLineNumbersRight() throws IOException {
    // the line break in a column no mapping reads (an id may not hold one)
    Path file = write(dir.resolve("e.csv"), "user,item,note,value\na,i,\"multi\nline\",1\nb,c,n,x\n",
        StandardCharsets.UTF_8);
    ImportOptions options = mapping("value=value");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), file, options));
    assertEquals("e.csv:4: bad number in field 'value': \"x\"", e.getMessage());
  }

  @Test
  void lenientModeCountsReasonsAndSkipsBadBytes() throws IOException {
    Path file = writeBytes(dir.resolve("e.csv"),
        "user,item,type,value,ts\r\n",
        "a,1,view,1,1000\r\n",
        ",1,view,1,1000\r\n", // missing user
        "a,2,teleport,1,1000\r\n", // unknown type
        "a,3,view,NaN,1000\r\n", // bad number
        "a,4,view,1,-5\r\n", // negative time
        "a,5\r\n", // missing type (short row)
        "a,", TestFiles.BAD_UTF8, ",view,1,1000\r\n", // bad encoding
        "\r\n",
        "b,6,view,1,2000");
    ImportOptions options = mapping("type=type,value=value,timestamp=ts").lenient();
    Dataset ds = IMPORTER.newDataset("c", options);
    ImportReport report = IMPORTER.importInto(ds, file, options);
    assertEquals(8, report.rowsRead());
    assertEquals(2, report.eventsAccepted());
    assertEquals(2, report.rejected(ImportReport.MISSING_FIELD));
    assertEquals(1, report.rejected(ImportReport.UNKNOWN_EVENT_TYPE));
    assertEquals(1, report.rejected(ImportReport.BAD_NUMBER));
    assertEquals(1, report.rejected(ImportReport.NEGATIVE_VALUE));
    assertEquals(1, report.rejected(ImportReport.BAD_ENCODING));
    assertTrue(report.rejectionSamples().stream().anyMatch(r -> r.startsWith("e.csv:8: bad encoding: malformed UTF-8"
        + " input at byte 3 of the line (a file saved by a spreadsheet on Windows is most likely windows-1252")),
        report.rejectionSamples().toString());
    assertEquals(2000L, only(ds, "b", "6").timestamp());
  }

  /**
   * QA: ids the API refuses (a NUL, a line break, over 256 characters) were imported, so a load into PostgreSQL failed
   * part-way and a loaded user could not be asked for nor deleted; they are bad rows, named by file and line.
   */
  @Test
  void idsTheApiRefusesAreBadRows() throws IOException {
    Path file = write(dir.resolve("i.csv"), "user,item,type,scene\n"
        + "a,1,view,music\n"
        + "b\u00001,2,view,music\n" // NUL in the user
        + "c,\"line\nbreak\",view,music\n" // a quoted line break in the item
        + "d," + "x".repeat(257) + ",view,music\n" // too long
        + "e,3,view,mu\u0007sic\n" // a control character in the scene
        + "f,4,view,music\n"
        + "g\u0000,5,view,music\n" // a NUL at the end, which trimming once cut off
        + "\"h\u001f\",6,view,music\n" // a separator, and a tab, which strip() cut off
        + "\"k\t\",7,view,music\n");
    ImportOptions strict = mapping("type=type,scene=scene");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("i", strict), file, strict));
    assertEquals("i.csv:3: bad id in field 'user': \"b\\u00001\" contains a control character or a broken surrogate pair",
        e.getMessage());
    assertEquals(ImportReport.BAD_ID, e.reason());
    ImportOptions lenient = strict.lenient();
    Dataset ds = IMPORTER.newDataset("i", lenient);
    ImportReport report = IMPORTER.importInto(ds, file, lenient);
    assertEquals(7, report.rejected(ImportReport.BAD_ID), report.rejected().toString());
    assertEquals(2, report.eventsAccepted());
    assertTrue(report.rejectionSamples().stream().anyMatch(r -> r.contains("is longer than 256 characters")),
        report.rejectionSamples().toString());
  }

  /** A row with a field more than the header (a delimiter inside an unquoted value) was read with shifted values. */
  @Test
  void aRowWithMoreFieldsThanTheHeaderIsBad() throws IOException {
    Path file = write(dir.resolve("r.csv"), "user,item,rating,ts\n1,10,4,881250949\n2,Song 5,5,4,881250950\n"
        + "3,12,3,881250951,\n");
    ImportOptions options = mapping("value=rating,timestamp=ts,time-format=epoch-seconds");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("r", options), file, options));
    assertEquals("r.csv:3: 5 fields where the header names 4 (is a delimiter inside an unquoted value?)",
        e.getMessage());
    assertEquals(ImportReport.EXTRA_FIELD, e.reason());
    ImportOptions lenient = options.lenient();
    Dataset ds = IMPORTER.newDataset("r", lenient);
    ImportReport report = IMPORTER.importInto(ds, file, lenient);
    assertEquals(1, report.rejected(ImportReport.EXTRA_FIELD));
    assertEquals(2, report.eventsAccepted(), "a trailing empty field shifts nothing");
  }

  @Test
  void aHeaderOfOneFieldHoldingSemicolonsSuggestsTheDelimiter() throws IOException {
    Path file = write(dir.resolve("s.csv"), "user;item;ts\na;b;1\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), file, ImportOptions.DEFAULTS));
    assertTrue(e.getMessage().endsWith("add delimiter=semicolon to --columns"), e.getMessage());
    Path wide = write(dir.resolve("w.csv"), "x".repeat(100_000) + "\n");
    ImportException long1 = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), wide, ImportOptions.DEFAULTS));
    assertTrue(long1.getMessage().length() < 400, "the header is cut: " + long1.getMessage().length());
  }

  @Test
  void headerWithoutAMappedColumnFails() throws IOException {
    Path file = write(dir.resolve("e.csv"), "uid,iid\n1,2\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), file, ImportOptions.DEFAULTS.lenient()));
    assertEquals("e.csv:1: missing column 'user' in the header [uid, iid]; name the file's columns with --columns"
        + " (such as user=user_id,item=product_id)", e.getMessage());
  }

  @Test
  void unclosedQuoteFailsInBothModesAtTheLineWhereItOpens() throws IOException {
    Path file = write(dir.resolve("e.csv"), "user,item\na,b\nc,\"d\ne,f\n\ng,h\n");
    for (ImportOptions options : List.of(ImportOptions.DEFAULTS, ImportOptions.DEFAULTS.lenient())) {
      ImportException e = assertThrows(ImportException.class,
          () -> IMPORTER.importInto(IMPORTER.newDataset("c"), file, options));
      assertEquals(ImportReport.BAD_CSV, e.reason());
      assertEquals("e.csv:3: bad csv: a quote opened on line 3 is never closed", e.getMessage());
    }
    // a quote opening the first field of a record, after a blank line
    Path first = write(dir.resolve("f.csv"), "user,item\na,b\n\n\"c,d\ne,f\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), first, ImportOptions.DEFAULTS));
    assertEquals("f.csv:4: bad csv: a quote opened on line 4 is never closed", e.getMessage());
    // a later quote closes it: Jackson fails there, but the unpaired quote is the one that opened the field
    Path paired = write(dir.resolve("g.csv"), "user,item\na,b\nc,\"d\ne,f\n\n\"g,h\n");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), paired, ImportOptions.DEFAULTS));
    assertEquals("g.csv:3: bad csv: a quote opened on line 3 closes only on line 6, where text follows it; "
        + "is the quote on line 3 unpaired?", e.getMessage());
  }

  /** What a database export writes, from a QA run: times with offsets, NULLs, ISO times under the default format. */
  @Test
  void databaseExportsReadAsMeantOrSaidWhatToDo() throws IOException {
    String header = "user_id,product_id,event_type,created_at,amount\n";
    ImportOptions iso = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,time-format=iso,"
        + "value=amount");
    // PostgreSQL's timestamptz text (+02) and the basic offset (+0200) are UTC+2, like +02:00
    Path offsets = write(dir.resolve("pg.csv"), header + """
        1,168,purchase,2024-03-01 11:55:20.000000+02,19.99
        2,168,view,2024-03-01 11:55:20+0200,
        3,168,view,2024-03-01T11:55:20+02:00,NULL
        4,168,,2024-03-01T09:55:20Z,1
        """);
    Dataset ds = IMPORTER.newDataset("pg", iso);
    ImportReport report = IMPORTER.importInto(ds, offsets, iso);
    long utc = java.time.Instant.parse("2024-03-01T09:55:20Z").toEpochMilli();
    for (String user : List.of("1", "2", "3", "4")) assertEquals(utc, only(ds, user, "168").timestamp(), user);
    // an empty or NULL amount or type takes the default, said once for the file, where it threw the row away
    assertEquals(1f, only(ds, "2", "168").value());
    assertEquals("view", only(ds, "4", "168").type());
    assertTrue(report.notes().contains("2 rows had no 'amount' (left out, empty or NULL) and took the default value"
        + " 1.0 (default-value in --columns)"), report.notes().toString());
    assertTrue(report.notes().contains("1 row had an empty or NULL 'event_type' and took the default type view"
        + " (default-type in --columns)"), report.notes().toString());
    assertTrue(report.notes().contains("1 purchase value is not a whole number: a purchase weighs as many times as"
        + " its value says (a quantity), so an amount of money such as 20.99 weighs as 21 of them; map value to a"
        + " quantity, or leave it out"), report.notes().toString());
    // times without a zone are read as UTC, said, or in the zone the mapping names
    Path local = write(dir.resolve("local.csv"), header + "1,168,view,2024-07-01 12:00:00,1\n");
    ImportReport utcRead = IMPORTER.importInto(IMPORTER.newDataset("l", iso), local, iso);
    assertTrue(utcRead.notes().contains("1 time had no zone or offset and was read as UTC; if it is a local time,"
        + " add time-zone=<zone> (such as time-zone=Europe/Berlin) to --columns"), utcRead.notes().toString());
    ImportOptions berlin = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,"
        + "time-format=iso,value=amount,time-zone=Europe/Berlin");
    Dataset inBerlin = IMPORTER.newDataset("b", berlin);
    IMPORTER.importInto(inBerlin, local, berlin);
    assertEquals(java.time.Instant.parse("2024-07-01T10:00:00Z").toEpochMilli(), only(inBerlin, "1", "168").timestamp());
    // an ISO time under the default epoch format, and a decimal comma, say what they are
    ImportOptions epoch = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,value=amount");
    Path isoAsNumber = write(dir.resolve("a.csv"), header + "1,168,view,2024-03-01T11:55:20Z,1\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("a", epoch), isoAsNumber, epoch));
    assertTrue(e.getMessage().endsWith("it is a date-time: add time-format=iso to --columns"), e.getMessage());
    Path comma = write(dir.resolve("c.csv"), "user_id;product_id;event_type;created_at;amount\n1;168;view;1;15,50\n");
    ImportOptions semicolon = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,"
        + "value=amount,delimiter=semicolon");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c", semicolon), comma, semicolon));
    assertTrue(e.getMessage().contains("\"15,50\"; a decimal comma or a thousands separator") && e.getMessage()
        .contains("add decimal=comma to --columns"), e.getMessage());
    // which decimal=comma reads: a comma marks the fraction, dots group the thousands
    Path commas = write(dir.resolve("cc.csv"), "user_id;product_id;event_type;created_at;amount\n1;168;purchase;1;15,50\n"
        + "2;169;purchase;2;1.234,5\n3;170;purchase;3;7\n");
    ImportOptions decimalComma = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,"
        + "value=amount,delimiter=semicolon,decimal=comma");
    Dataset read = IMPORTER.newDataset("cc", decimalComma);
    IMPORTER.importInto(read, commas, decimalComma);
    assertEquals(15.5f, only(read, "1", "168").value());
    assertEquals(1234.5f, only(read, "2", "169").value());
    assertEquals(7f, only(read, "3", "170").value());
    Path more = write(dir.resolve("cm.csv"), "user_id;product_id;event_type;created_at;amount\n4;171;rating;4;-1,5\n"
        + "5;172;purchase;5;1.234.567,89\n");
    Dataset moreRead = IMPORTER.newDataset("cm", decimalComma);
    IMPORTER.importInto(moreRead, more, decimalComma);
    assertEquals(-1.5f, only(moreRead, "4", "171").value());
    assertEquals(1234567.89f, only(moreRead, "5", "172").value());
    // a value written with a point is not read as one with dots between thousands (1.5 would be 15)
    Path pointed = write(dir.resolve("cp.csv"), "user_id;product_id;event_type;created_at;amount\n6;173;purchase;6;1.5\n");
    ImportException notComma = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("cp", decimalComma), pointed, decimalComma));
    assertTrue(notComma.getMessage().contains("\"1.5\"; with decimal=comma a value is written 1234,5 or 1.234,5"),
        notComma.getMessage());
    assertThrows(IllegalArgumentException.class, () -> mapping("user=a,item=b,decimal=dot"));
    ImportOptions point = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,value=amount,"
        + "delimiter=semicolon");
    Path grouped = write(dir.resolve("g.csv"), "user_id;product_id;event_type;created_at;amount\n2;169;view;2;1.234,5\n");
    e = assertThrows(ImportException.class, () -> IMPORTER.importInto(IMPORTER.newDataset("g", point), grouped, point));
    assertTrue(e.getMessage().contains("add decimal=comma"), "dots between thousands too: " + e.getMessage());
    // in the time column too (a QA run's epoch seconds with a decimal comma got no hint)
    Path commaTime = write(dir.resolve("t.csv"), "user_id;product_id;event_type;created_at;amount\n"
        + "1;168;view;1700000000,5;1\n");
    ImportOptions commaSeconds = mapping("user=user_id,item=product_id,type=event_type,timestamp=created_at,"
        + "value=amount,delimiter=semicolon,time-format=epoch-seconds");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("t", commaSeconds), commaTime, commaSeconds));
    assertTrue(e.getMessage().contains("\"1700000000,5\"; a decimal comma or a thousands separator") && e.getMessage()
        .contains("write times without separators"), e.getMessage());
    // a day the month does not have is no date, whatever the offset (a lenient parser had moved it to the 29th)
    for (String impossible : List.of("2024-02-31T10:00:00+0200", "2023-02-29T10:00:00+02", "2024-04-31 10:00:00+02")) {
      Path day = write(dir.resolve("day.csv"), header + "1,168,view," + impossible + ",1\n");
      e = assertThrows(ImportException.class, () -> IMPORTER.importInto(IMPORTER.newDataset("d", iso), day, iso));
      assertEquals(ImportReport.BAD_DATE, e.reason(), impossible);
    }
    // a scene column that says nothing: the default scene, said, and when every row lacks it, the name questioned;
    // epoch microseconds are said too
    Path sceneless = write(dir.resolve("s.csv"), "user,item,type,value,ts,scn\n1,a,play,0.5,1709294120123000,\n");
    ImportOptions scenes = mapping("type=type,value=value,timestamp=ts,scene=scn");
    List<String> notes = IMPORTER.importInto(IMPORTER.newDataset("s", scenes), sceneless, scenes).notes();
    assertTrue(notes.contains("1 row had no 'scn' (left out, empty or NULL) and took the scene default; every row did:"
        + " is the column's name right?"), notes.toString());
    assertTrue(notes.stream().anyMatch(n -> n.contains("after the year 3000") && n.contains("microseconds")),
        notes.toString());
    // one offset, whole: a doubled one is no date
    Path doubled = write(dir.resolve("d.csv"), header + "1,168,view,2024-03-01T11:55:20+02:00+0200,1\n");
    e = assertThrows(ImportException.class, () -> IMPORTER.importInto(IMPORTER.newDataset("d", iso), doubled, iso));
    assertEquals(ImportReport.BAD_DATE, e.reason());
    // a NULL user is nobody (it had merged every such row into one user called NULL); a NULL scene is no scene
    Path nullUser = write(dir.resolve("n.csv"), "user,item,scene\nNULL,1,\\N\n2,1,NULL\n");
    ImportOptions lenientScene = mapping("scene=scene").lenient();
    Dataset nulls = IMPORTER.newDataset("n", lenientScene);
    ImportReport nullReport = IMPORTER.importInto(nulls, nullUser, lenientScene);
    assertEquals(1, nullReport.rejected(ImportReport.MISSING_FIELD));
    assertEquals("default", only(nulls, "2", "1").scene());
    // notes count the rows taken: a row refused further on is not among those that took a default
    Path refused = write(dir.resolve("r.csv"), header + "1,168,,notatime,1\n");
    ImportOptions lenientIso = iso.lenient();
    ImportReport refusedReport = IMPORTER.importInto(IMPORTER.newDataset("r", lenientIso), refused, lenientIso);
    assertEquals(1, refusedReport.rejected(ImportReport.BAD_DATE));
    assertTrue(refusedReport.notes().stream().noneMatch(n -> n.contains("default type")), refusedReport.notes().toString());
    // epoch milliseconds read as seconds land after the year 3000: said, as the opposite mistake is
    ImportOptions seconds = mapping("user=user_id,item=product_id,timestamp=created_at,time-format=epoch-seconds");
    Path millis = write(dir.resolve("ms.csv"), "user_id,product_id,created_at\n1,168,1709294120123\n");
    ImportReport future = IMPORTER.importInto(IMPORTER.newDataset("m", seconds), millis, seconds);
    assertTrue(future.notes().stream().anyMatch(n -> n.contains("after the year 3000")
        && n.contains("time-format=epoch-millis")), future.notes().toString());
    // a type the weight table does not name: refused with the known ones by the default table, taken (and said) by
    // one that weighs unknown types, as the server's does
    Path wish = write(dir.resolve("w.csv"), "user,item,type\n1,168,add_to_wishlist\n");
    ImportOptions types = mapping("type=type");
    e = assertThrows(ImportException.class, () -> IMPORTER.importInto(IMPORTER.newDataset("w", types), wish, types));
    assertTrue(e.getMessage().contains("\"add_to_wishlist\" (known: buy, cart, click,"), e.getMessage());
    ImportOptions anyType = types.withWeights(dev.attune.events.EventWeights.defaults().withUnknownTypeWeight(1f));
    ImportReport taken = IMPORTER.importInto(IMPORTER.newDataset("w", anyType), wish, anyType);
    assertEquals(1, taken.eventsAccepted());
    assertTrue(taken.notes().contains("event types the weight table does not name, each counted as a positive event"
        + " of weight 1, as the server counts them: add_to_wishlist (1)"), taken.notes().toString());
  }

  @Test
  void aLongImportReportsTheRowsReadAsItGoes() throws IOException {
    StringBuilder rows = new StringBuilder("user,item\n");
    long n = 2 * ImportOptions.PROGRESS_EVERY_ROWS + 5;
    for (long k = 0; k < n; k++) rows.append(k % 1000).append(',').append(k % 777).append('\n');
    Path file = write(dir.resolve("long.csv"), rows.toString());
    List<Long> heard = new java.util.ArrayList<>();
    ImportOptions options = ImportOptions.DEFAULTS.withProgress(heard::add);
    ImportReport report = IMPORTER.importInto(IMPORTER.newDataset("long", options), file, options);
    assertEquals(n, report.rowsRead());
    assertEquals(List.of(ImportOptions.PROGRESS_EVERY_ROWS, 2 * ImportOptions.PROGRESS_EVERY_ROWS), heard);
  }

  @Test
  void timestampMessagesQuoteTheWholeField() throws IOException {
    ImportOptions options = mapping("timestamp=ts,time-format=epoch-seconds");
    for (String ts : List.of("1.7e9", "1700000000.5e3", "17x0.5", "1700000000.", "99999999999999999999.5")) {
      Path file = write(dir.resolve("e.csv"), "user,item,ts\na,b," + ts + "\n");
      ImportException e = assertThrows(ImportException.class,
          () -> IMPORTER.importInto(IMPORTER.newDataset("c", options), file, options));
      assertEquals("e.csv:2: bad number in field 'ts': \"" + ts + "\"", e.getMessage());
    }
    Path negative = write(dir.resolve("n.csv"), "user,item,ts\na,b,-1.5\n");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c", options), negative, options));
    assertEquals("n.csv:2: negative value in field 'ts': \"-1.5\"", e.getMessage());
    Path overflow = write(dir.resolve("o.csv"), "user,item,ts\na,b,9223372036854775.999\n");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c", options), overflow, options));
    assertEquals(ImportReport.OUT_OF_RANGE, e.reason());
  }

  @Test
  void fractionalSecondsKeepTheirFirstThreeDigits() throws IOException {
    Path file = write(dir.resolve("e.csv"),
        "user,item,ts\na,1,1700000000.5\na,2,.25\na,3,1700000000.99999999999999999999\n");
    ImportOptions options = mapping("timestamp=ts,time-format=epoch-seconds");
    Dataset ds = IMPORTER.newDataset("c", options);
    IMPORTER.importInto(ds, file, options);
    assertEquals(1700000000500L, only(ds, "a", "1").timestamp());
    assertEquals(250L, only(ds, "a", "2").timestamp());
    assertEquals(1700000000999L, only(ds, "a", "3").timestamp()); // digits past milliseconds are dropped
  }

  @Test
  void aMappedColumnNamedTwiceInTheHeaderFailsInBothModes() throws IOException {
    Path file = write(dir.resolve("e.csv"), "uid,uid,iid\n1,2,a\n");
    ImportOptions options = mapping("user=uid,item=iid").lenient();
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), file, options));
    assertEquals("e.csv:1: duplicate column 'uid' in the header [uid, uid, iid] (columns 1 and 2)", e.getMessage());

    // columns the mapping does not name may repeat: they are ignored either way
    Path unmapped = write(dir.resolve("u.csv"), "user,note,item,note\n1,x,a,y\n");
    Dataset ds = IMPORTER.newDataset("c");
    assertEquals(1, IMPORTER.importInto(ds, unmapped, ImportOptions.DEFAULTS).eventsAccepted());
  }

  @Test
  void aFileWithoutAHeaderLineFails() throws IOException {
    Path empty = write(dir.resolve("empty.csv"), "");
    ImportException e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), empty, ImportOptions.DEFAULTS.lenient()));
    assertEquals("empty.csv: the file is empty; expected a header line naming the columns [user, item]",
        e.getMessage());
    Path blank = write(dir.resolve("blank.csv"), "\n  \n");
    e = assertThrows(ImportException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), blank, ImportOptions.DEFAULTS));
    assertEquals("blank.csv: the file holds only blank lines; expected a header line naming the columns "
        + "[user, item]", e.getMessage());
  }

  @Test
  void aFolderIsRefusedWithTheFilesItHolds() throws IOException {
    write(dir.resolve("in/b.csv"), "user,item\n");
    write(dir.resolve("in/a.tsv"), "user\titem\n");
    write(dir.resolve("in/notes.md"), "x\n");
    java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class,
        () -> IMPORTER.importInto(IMPORTER.newDataset("c"), dir.resolve("in"), ImportOptions.DEFAULTS));
    assertEquals(dir.resolve("in") + ": is a folder, but csv needs a delimited text file; the folder holds a.tsv, "
        + "b.csv: pass one of them as the input", e.getMessage());
  }

  @Test
  void timeKindMustMatchTheDataset() throws IOException {
    Path file = write(dir.resolve("e.csv"), "user,item,ts\na,b,1\n");
    Dataset none = IMPORTER.newDataset("n");
    assertThrows(IllegalArgumentException.class, () -> IMPORTER.importInto(none, file, mapping("timestamp=ts")));
  }
}
