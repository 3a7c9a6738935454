package dev.attune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttuneCliTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = AttuneCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void generatesEvaluatesAndWritesJson() throws Exception {
    Path data = dir.resolve("music");
    Run gen = run("generate", "--out", data.toString(), "--users", "300", "--seed", "3");
    assertEquals(0, gen.code(), gen.err());
    assertTrue(Files.exists(data.resolve("dataset.json")));

    Path json = dir.resolve("out/results.json");
    Run eval = run("evaluate", "--data", data.toString(), "--models", "pop,itemknn", "--protocol", "loo",
        "--json", json.toString(), "--quiet");
    assertEquals(0, eval.code(), eval.err());
    assertTrue(eval.out().contains("NDCG@10"), eval.out());
    assertTrue(eval.out().contains("ItemKnn") && eval.out().contains("Popularity"), eval.out());
    JsonNode doc = new ObjectMapper().readTree(json.toFile());
    assertEquals("leave-one-out", doc.get("protocol").asText());
    assertEquals(2, doc.get("results").size());
  }

  @Test
  void clientMistakesGiveAMessageNotAStackTrace() {
    Run missing = run("evaluate", "--data", dir.resolve("nope").toString(), "--quiet");
    assertEquals(AttuneCli.USAGE_ERROR, missing.code());
    assertTrue(missing.err().contains("not an Attune data set"), missing.err());
    assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());

    Run unknownModel = run("evaluate", "--data", dir.toString(), "--models", "magic");
    assertEquals(AttuneCli.USAGE_ERROR, unknownModel.code());
    assertTrue(unknownModel.err().contains("unknown model 'magic'"), unknownModel.err());

    Run badOption = run("evaluate", "--frobnicate");
    assertEquals(AttuneCli.USAGE_ERROR, badOption.code());

    Run badFormat = run("import", "--format", "nope", "--input", dir.toString(), "--out", dir.resolve("x").toString());
    assertEquals(AttuneCli.USAGE_ERROR, badFormat.code());
    assertTrue(badFormat.err().contains("nope"), badFormat.err());
  }

  @Test
  void badModelParameterIsRejectedByName() {
    Path data = dir.resolve("small");
    assertEquals(0, run("generate", "--out", data.toString(), "--users", "50").code());
    Run r = run("evaluate", "--data", data.toString(), "--models", "als", "--param", "als.factorz=8", "--quiet");
    assertEquals(AttuneCli.USAGE_ERROR, r.code());
    assertTrue(r.err().contains("factorz"), r.err());
  }

  @Test
  void importsACsvWithAColumnMapping() throws Exception {
    Path csv = dir.resolve("events.csv");
    StringBuilder sb = new StringBuilder("uid,iid,action,ts\n");
    for (int u = 0; u < 5; u++) {
      for (int i = 0; i < 4; i++) sb.append("u").append(u).append(",i").append(i + u).append(",view,").append(1000 + i).append('\n');
    }
    Files.writeString(csv, sb.toString());
    Path out = dir.resolve("csvset");
    Run r = run("import", "--format", "csv", "--input", csv.toString(), "--out", out.toString(),
        "--columns", "user=uid,item=iid,type=action,timestamp=ts");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("20"), r.out());
    assertTrue(Files.exists(out.resolve("dataset.json")));
  }
}
