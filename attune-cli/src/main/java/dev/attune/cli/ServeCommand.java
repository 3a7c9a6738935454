package dev.attune.cli;

import dev.attune.server.AttuneServer;
import dev.attune.server.ServerConfig;
import dev.attune.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attune serve}: the HTTP service over a store, serving a model directory. Settings come from options,
 * then environment variables, then a properties file, then defaults (in that order of precedence):
 *
 * <pre>
 * option      environment       file key     default
 * --store     ATTUNE_STORE      store        jdbc:sqlite:attune-data/attune.db
 * --model     ATTUNE_MODEL      model        (none: popularity only)
 * --host      ATTUNE_HOST       host         127.0.0.1
 * --port      ATTUNE_PORT       port         8080
 * --fallback  ATTUNE_FALLBACK   fallback     itemknn
 *             ATTUNE_ADMIN_KEY  adminKey     (generated at start and printed)
 * </pre>
 *
 * <p>The admin key (for the dashboard and {@code /v1/admin/...}) has no option, so that it never shows in a
 * process list.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serve the HTTP API (see README: API) over a store, with a model directory from 'attune train'.",
        "Precedence: options > environment (ATTUNE_STORE, ATTUNE_MODEL, ATTUNE_HOST, ATTUNE_PORT, ATTUNE_FALLBACK)",
        "> --config file (keys store, model, host, port, fallback) > defaults.",
        "The dashboard is at /dashboard/; its admin key comes from ATTUNE_ADMIN_KEY (or the file's adminKey),",
        "else one is generated and printed at start."})
final class ServeCommand implements Callable<Integer> {
  static final String DEFAULT_STORE = "jdbc:sqlite:attune-data/attune.db";

  @Spec CommandSpec spec;

  @Option(names = "--store", description = "JDBC URL: jdbc:sqlite:<file> (default " + DEFAULT_STORE
      + ") or jdbc:postgresql://host:port/db?user=...")
  String store;

  @Option(names = "--model", description = "Model directory written by 'attune train' (default: none).")
  Path model;

  @Option(names = "--host", description = "Interface to listen on (default 127.0.0.1).")
  String host;

  @Option(names = "--port", description = "Port (default 8080; 0 = any free port).")
  Integer port;

  @Option(names = "--fallback", description = "Classic model fitted on the store at start for histories the"
      + " attention model cannot read: itemknn (default), als, none.")
  String fallback;

  @Option(names = "--config", description = "Properties file with keys store, model, host, port.")
  Path config;

  @Override
  public Integer call() throws Exception {
    Properties file = new Properties();
    if (config != null) {
      if (!Files.isRegularFile(config)) throw new IllegalArgumentException("no config file " + config);
      try (InputStream in = Files.newInputStream(config)) {
        file.load(in);
      }
    }
    Map<String, String> env = System.getenv();
    String url = pick(store, env.get("ATTUNE_STORE"), file.getProperty("store"), DEFAULT_STORE);
    String modelDir = pick(model == null ? null : model.toString(), env.get("ATTUNE_MODEL"), file.getProperty("model"), null);
    String listenHost = pick(host, env.get("ATTUNE_HOST"), file.getProperty("host"), "127.0.0.1");
    String listenPort = pick(port == null ? null : port.toString(), env.get("ATTUNE_PORT"), file.getProperty("port"), "8080");
    int portNumber;
    try {
      portNumber = Integer.parseInt(listenPort.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port must be a number: " + listenPort);
    }
    ServerConfig cfg = new ServerConfig(listenHost, portNumber, ServerConfig.DEFAULTS.maxBatch(),
        ServerConfig.DEFAULTS.maxBodyBytes(), ServerConfig.DEFAULTS.recentEvents(), ServerConfig.DEFAULTS.cachedUsers(),
        ServerConfig.DEFAULTS.trendingHours(), ServerConfig.DEFAULTS.newItemDays(),
        ServerConfig.DEFAULTS.freshnessBoost(), modelDir == null ? null : Path.of(modelDir),
        pick(fallback, env.get("ATTUNE_FALLBACK"), file.getProperty("fallback"), "itemknn"),
        pick(env.get("ATTUNE_ADMIN_KEY"), file.getProperty("adminKey")));
    serveUntilStopped(url, cfg, spec.commandLine().getOut(), null);
    return 0;
  }

  /** Opens the store, starts the server, prints where it listens (and {@code examples}), and blocks until killed. */
  static void serveUntilStopped(String url, ServerConfig cfg, PrintWriter out, String examples)
      throws InterruptedException, IOException {
    if (url.startsWith("jdbc:sqlite:")) {
      Path parent = Path.of(url.substring("jdbc:sqlite:".length())).toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
    }
    Store st = Store.open(url);
    AttuneServer server = AttuneServer.create(cfg, st).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop();
      st.close();
      stopped.countDown();
    }, "attune-shutdown"));
    String base = "http://" + cfg.host() + ":" + server.port();
    out.println("Attune is serving on " + base + " (store " + url + ", model "
        + (cfg.modelDir() == null ? "none: popularity only" : cfg.modelDir()) + "); Ctrl-C stops it.");
    out.println("API document: " + base + "/v1/openapi.json");
    out.println("Dashboard: " + base + "/dashboard/  admin key: "
        + (cfg.adminKey() == null ? server.adminKey() : "(the configured one)"));
    if (examples != null) out.print(examples.replace("$BASE", base));
    out.flush();
    stopped.await();
  }

  private static String pick(String... inOrder) {
    for (String s : inOrder) if (s != null && !s.isBlank()) return s;
    return null;
  }
}
