package dev.attune.cli;

import static dev.attune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.data.DatasetIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attune import}: what reaches the user when an import cannot be done, and that nothing is written then. */
class ImportCommandTest {
  @TempDir Path dir;


  /** Runs an import that must fail, checks exit code 2 and a single error line, and returns that line. */
  private static String failure(String... args) {
    CliRun r = run(args);
    assertEquals(AttuneCli.USAGE_ERROR, r.code(), r.out() + r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("attune: ")).toList();
    assertEquals(1, errors.size(), r.err());
    assertEquals(1, r.err().lines().filter(l -> !l.startsWith("importing ")).count(), "one line: " + r.err());
    return errors.get(0);
  }

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return file;
  }

  @Test
  void fractionalEpochSecondsInJsonLinesImport() throws Exception {
    Path file = write("b.jsonl", "{\"u\":\"1\",\"i\":\"a\",\"t\":\"play\",\"ts\":1700000000}\n"
        + "{\"u\":\"1\",\"i\":\"b\",\"t\":\"play\",\"ts\":1700000001.5}\n");
    CliRun r = run("import", "--format", "jsonl", "--input", file.toString(), "--out", dir.resolve("b").toString(),
        "--columns", "user=u,item=i,type=t,timestamp=ts,time-format=epoch-seconds");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("(1 user, 2 items, 2 events)"), r.out());
  }

  /** The API takes any event type; so does import, as the service weighs it (a QA run's rows were refused here). */
  @Test
  void typesTheWeightTableDoesNotNameAreTakenAsTheServerTakesThemAndAMisMappedColumnIsNot() throws Exception {
    Path file = write("w.jsonl", "{\"u\":\"1\",\"i\":\"a\",\"t\":\"add_to_wishlist\"}\n"
        + "{\"u\":\"1\",\"i\":\"b\",\"t\":\"onboard\"}\n{\"u\":\"2\",\"i\":\"a\",\"t\":null}\n");
    CliRun r = run("import", "--format", "jsonl", "--input", file.toString(), "--out", dir.resolve("w").toString(),
        "--columns", "user=u,item=i,type=t");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("(2 users, 2 items, 3 events)"), r.out());
    assertTrue(r.out().contains("as the server counts them: add_to_wishlist (1)")
        && r.out().contains("1 row had an empty or NULL 't' and took the default type view"), r.out());
    // a JSON field left out is missing, as before: a misspelt name is not read as an empty type
    String misspelt = failure("import", "--format", "jsonl", "--input", file.toString(), "--out",
        dir.resolve("x").toString(), "--columns", "user=u,item=i,type=evnt");
    assertTrue(misspelt.contains("missing field 'evnt'"), misspelt);
    // a column of titles mapped as the type: refused with what it looks like, not a type per row
    StringBuilder titles = new StringBuilder("user,item,title\n");
    for (int k = 0; k <= 1000; k++) titles.append("u,i").append(k).append(",Title ").append(k).append('\n');
    String mapped = failure("import", "--format", "csv", "--input", write("t.csv", titles.toString()).toString(),
        "--out", dir.resolve("t").toString(), "--columns", "type=title");
    assertTrue(mapped.contains("column 'title' holds more than 1000 event types the weight table does not name"),
        mapped);
    // importing over a data set says what it replaced; a lenient import that refuses most rows warns
    Path mostlyBad = write("m.csv", "user,item,ts\nu,a,1\nu,b,x\nu,c,y\n");
    CliRun over = run("import", "--format", "csv", "--input", mostlyBad.toString(), "--out", dir.resolve("w").toString(),
        "--columns", "timestamp=ts", "--lenient");
    assertEquals(0, over.code(), over.err());
    assertTrue(over.out().contains("to " + dir.resolve("w") + ", replacing data set w (3 events)"), over.out());
    assertTrue(over.err().contains("attune: warning: 2 of 3 rows were rejected"), over.err());
  }

  @Test
  void repeatsNamingNoSceneOfTheDataIsRefused() throws Exception {
    Path file = write("r.csv", "user,item\nu1,a\nu1,b\n");
    Path out = dir.resolve("r");
    String error = failure("import", "--format", "csv", "--input", file.toString(), "--out", out.toString(),
        "--repeats", "musc");
    assertTrue(error.contains("'musc'") && error.contains("[default]"), error);
    assertFalse(Files.exists(out));
    CliRun ok = run("import", "--format", "csv", "--input", file.toString(), "--out", out.toString(), "--repeats",
        "default");
    assertEquals(0, ok.code(), ok.err());
  }

  @Test
  void columnsForAFormatWithItsOwnAndAnUnknownEncodingAreRefusedByOption() throws Exception {
    Path file = write("u.txt", "1 1 2 3\n");
    Path out = dir.resolve("c");
    assertEquals("attune: --columns maps the columns of csv and jsonl files; format s3rec has its own: drop --columns",
        failure("import", "--format", "s3rec", "--input", file.toString(), "--out", out.toString(), "--columns",
            "user=uid"));
    assertTrue(failure("import", "--format", "s3rec", "--input", file.toString(), "--out", out.toString(),
        "--encoding", "BOGUS!").startsWith("attune: --encoding BOGUS! is not an encoding"));
    assertFalse(java.nio.file.Files.exists(out), "nothing written");
  }

  @Test
  void emptyCsvFailsWithoutWritingADataSet() throws Exception {
    Path file = write("empty.csv", "");
    Path out = dir.resolve("empty");
    String error = failure("import", "--format", "csv", "--input", file.toString(), "--out", out.toString());
    assertEquals("attune: empty.csv: the file is empty; expected a header line naming the columns [user, item]",
        error);
    assertFalse(Files.exists(out), "the output folder made for the import is removed again");
  }

  @Test
  void aStrictImportStoppedByABadRowSaysHowToSkipSuchRows() throws Exception {
    Path file = write("one-bad.csv", "user,item,ts\na,1,5\nb,2,x\n");
    String error = failure("import", "--format", "csv", "--input", file.toString(), "--out",
        dir.resolve("one-bad").toString(), "--columns", "timestamp=ts");
    assertEquals("attune: one-bad.csv:3: bad number in field 'ts': \"x\" (--lenient skips such rows and counts them"
        + " by reason)", error);
  }

  @Test
  void anImportThatRejectsEveryRowFailsAndSaysWhy() throws Exception {
    Path file = write("bad.csv", "user,item,ts\na,1,x\nb,2,-5\nc,3,y\n");
    Path out = dir.resolve("bad");
    String error = failure("import", "--format", "csv", "--input", file.toString(), "--out", out.toString(),
        "--columns", "timestamp=ts", "--lenient");
    assertEquals("attune: nothing imported from " + file + ": all 3 rows were rejected (bad number: 2, negative "
        + "value: 1); first: bad.csv:2: bad number in field 'ts': \"x\"", error);
    assertFalse(Files.exists(out));

    // an existing data set is left as it was
    Path good = write("good.csv", "user,item\na,1\n");
    assertEquals(0, run("import", "--format", "csv", "--input", good.toString(), "--out", out.toString()).code());
    Path manifest = out.resolve(DatasetIo.MANIFEST);
    String before = Files.readString(manifest);
    failure("import", "--format", "csv", "--input", file.toString(), "--out", out.toString(), "--columns",
        "timestamp=ts", "--lenient");
    assertEquals(before, Files.readString(manifest));
  }

  @Test
  void duplicateKeysAndColumnsAreNamed() throws Exception {
    Path jsonl = write("dup.jsonl", "{\"u\":\"3\",\"u\":\"4\",\"i\":\"a\"}\n");
    String error = failure("import", "--format", "jsonl", "--input", jsonl.toString(), "--out",
        dir.resolve("d").toString(), "--columns", "user=u,item=i");
    assertEquals("attune: dup.jsonl:1: bad json: duplicate key 'u' (--lenient skips such rows and counts them by"
        + " reason)", error);

    Path csv = write("dup.csv", "uid,uid,iid,action,ts\n1,2,a,play,1700000000\n");
    error = failure("import", "--format", "csv", "--input", csv.toString(), "--out", dir.resolve("d").toString(),
        "--columns", "user=uid,item=iid,type=action,timestamp=ts,time-format=epoch-seconds", "--lenient");
    assertEquals("attune: dup.csv:1: duplicate column 'uid' in the header [uid, uid, iid, action, ts] "
        + "(columns 1 and 2)", error);
  }

  @Test
  void parseErrorsNameTheLineWhereTheProblemStarts() throws Exception {
    Path csv = write("unterminated.csv", "user,item\na,1\nb,\"2\nc,3\nd,4\n");
    String error = failure("import", "--format", "csv", "--input", csv.toString(), "--out",
        dir.resolve("u").toString(), "--lenient");
    assertEquals("attune: unterminated.csv:3: bad csv: a quote opened on line 3 is never closed", error);

    Path jsonl = write("d.jsonl", "{\"user\":\"1\",\"item\":\"a\"}\n{\"user\":\"1\"\n");
    error = failure("import", "--format", "jsonl", "--input", jsonl.toString(), "--out", dir.resolve("d").toString());
    assertEquals("attune: d.jsonl:2: bad json: the object is not closed (unexpected end of line) (--lenient skips"
        + " such rows and counts them by reason)", error);
  }

  @Test
  void aFolderWithoutTheFileTheFormatReadsNamesTheFilesItHolds() throws Exception {
    Path taobao = dir.resolve("taobao");
    write("taobao/UserBehavior_head.csv", "1,2,3,pv,1511544070\n");
    String error = failure("import", "--format", "taobao", "--input", taobao.toString(), "--out",
        dir.resolve("t").toString());
    assertEquals("attune: no such file or folder: " + taobao.resolve("UserBehavior.csv") + " (taobao needs "
        + "UserBehavior.csv; the folder holds UserBehavior_head.csv: pass that file as the input)", error);

    Path s3rec = dir.resolve("s3rec");
    write("s3rec/Beauty.txt", "1 1 2\n");
    write("s3rec/Yelp.txt", "1 1 2\n");
    error = failure("import", "--format", "s3rec", "--input", s3rec.toString(), "--out", dir.resolve("s").toString());
    assertEquals("attune: " + s3rec + ": is a folder, but s3rec needs one sequence file such as Beauty.txt; the "
        + "folder holds Beauty.txt, Yelp.txt: pass one of them as the input", error);
  }

  @Test
  void anOutputFolderThatCannotBeCreatedSaysWhy() throws Exception {
    Path input = write("ok.csv", "user,item\na,1\n");
    Path underAFile = input.resolve("x");
    String error = failure("import", "--format", "csv", "--input", input.toString(), "--out", underAFile.toString());
    assertEquals("attune: cannot create " + underAFile + ": " + input + " is a file, not a folder", error);

    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc file system");
    error = failure("import", "--format", "csv", "--input", input.toString(), "--out", "/proc/x");
    assertEquals("attune: cannot create /proc/x: /proc does not accept new folders", error);
  }
}
