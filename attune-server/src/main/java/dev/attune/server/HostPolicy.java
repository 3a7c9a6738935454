package dev.attune.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host names the API answers to, against DNS rebinding: a page of another site whose name the attacker points
 * at 127.0.0.1 (or at a machine on the server's network) reaches the server as its own origin, so the browser lets
 * it read every answer and the origin check of writes sees {@code Origin} and {@code Host} agree. Its requests still
 * name the attacker's host in {@code Host}, which is what this refuses. Allowed: a request without {@code Host}
 * (HTTP/1.0, not a browser), an IP address (a name is what rebinds; an address cannot), {@code localhost} and
 * {@code *.localhost}, the host the server listens on when it is a name, and the configured names ({@link
 * AccessConfig#allowedHosts}: {@code attune.example.com}, {@code .example.com} for every subdomain, {@code *} for
 * any host, as behind a proxy that checks names itself).
 *
 * <p>A name refused for the first time is logged once ({@link #refused}), so that an operator whose proxy passes its
 * clients' {@code Host} on sees why the API answers 403 while {@code /health} answers 200.
 *
 * <p>Thread-safe.
 */
final class HostPolicy {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HostPolicy.class);
  /** Most refused names logged: a rebinding page can make up names without end, and must not fill the log. */
  static final int MAX_LOGGED_NAMES = 20;
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  /** An IPv6 literal as a Host header writes it: hex groups, colons, perhaps an IPv4 tail and a zone, in brackets. */
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-f:.]+(%25[0-9a-z._~-]+)?]");
  private final Set<String> names;
  private final List<String> suffixes;
  private final boolean any;
  private final Set<String> logged = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Log lines taken: one per name up to {@link #MAX_LOGGED_NAMES}, then the closing line, then no more. */
  private final java.util.concurrent.atomic.AtomicInteger loggedLines = new java.util.concurrent.atomic.AtomicInteger();

  /**
   * A configured host: a DNS name (labels of letters, digits, '-' and '_', which internal names use; an IPv4 address
   * is one too) or an IPv6 literal in brackets, then perhaps a trailing dot and a port, as a {@code Host} header
   * writes them.
   */
  private static final Pattern CONFIGURED = Pattern.compile("(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
      + "(?:\\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*|" + IPV6.pattern() + ")\\.?(?::(?<port>\\d{1,5}))?");

  /**
   * Checks one configured entry: {@code *}, a host name or IP address (a port and a trailing dot are taken, as a
   * {@code Host} header writes them), or {@code .example.com} or {@code *.example.com} for its subdomains. An entry
   * that is none of these could never match a {@code Host} header, and was taken without a word (a QA run's {@code
   * 'bad host!'}). An IPv6 address may be written without brackets ({@code ::1}), and a name in another script as it
   * reads ({@code bücher.example}): {@link #written} puts both as a {@code Host} header has them.
   *
   * @throws IllegalArgumentException naming the setting and the entry, when it is none of these
   */
  static void checkAllowed(String configured) {
    String h = written(configured);
    if (h.equals("*")) return;
    String host = h.startsWith("*.") || h.startsWith(".") ? h.substring(h.indexOf('.') + 1) : h;
    Matcher m = CONFIGURED.matcher(host);
    if (m.matches() && (m.group("port") == null || Integer.parseInt(m.group("port")) <= 65535)) return;
    throw new IllegalArgumentException("ATTUNE_ALLOWED_HOSTS (file key allowedHosts): '" + configured + "' is not a"
        + " host name; give names such as attune.example.com, .example.com (every subdomain) or * (any host),"
        + " comma-separated");
  }

  /**
   * @param allowed configured host names (case-insensitive; {@code .example.com} allows its subdomains, {@code *}
   *     any host)
   * @param listenHost the interface the server listens on ({@code --host}): allowed too when it is a name
   */
  HostPolicy(List<String> allowed, String listenHost) {
    Set<String> n = new HashSet<>();
    List<String> s = new ArrayList<>();
    boolean star = false;
    for (String a : allowed) {
      String h = written(a);
      if (h.equals("*")) {
        star = true;
      } else if (h.startsWith("*.") || h.startsWith(".")) {
        s.add(name(h.substring(h.indexOf('.')))); // *.example.com as .example.com
      } else if (!h.isEmpty()) {
        n.add(name(h)); // written as a Host header would be: a port and a trailing dot do not count
      }
    }
    if (listenHost != null) n.add(name(listenHost.strip().toLowerCase(Locale.ROOT)));
    this.names = Set.copyOf(n);
    this.suffixes = List.copyOf(s);
    this.any = star;
  }

  /** Whether a request whose {@code Host} header is {@code hostHeader} (null: none) is answered. */
  boolean allows(String hostHeader) {
    if (any || hostHeader == null) return true;
    String host = name(hostHeader.strip().toLowerCase(Locale.ROOT));
    if (host.isEmpty()) return false;
    if (IPV6.matcher(host).matches() || IPV4.matcher(host).matches()) return true; // an address, v6 or v4
    if (host.equals("localhost") || host.endsWith(".localhost") || names.contains(host)) return true;
    for (String suffix : suffixes) if (host.endsWith(suffix)) return true;
    return false;
  }

  /**
   * Notes that a request for {@code hostHeader} was refused: the first refusal of each name is logged as a warning,
   * up to {@link #MAX_LOGGED_NAMES} names, then one line saying that further names are not logged. Returns whether
   * this call logged.
   */
  boolean refused(String hostHeader) {
    String host = name(String.valueOf(hostHeader).strip().toLowerCase(Locale.ROOT));
    if (host.isEmpty() || logged.contains(host)) return false; // a blank Host names nobody's proxy
    // a line is claimed before it is written, so that threads refusing new names at once never write past the cap
    int line = loggedLines.getAndUpdate(taken -> taken > MAX_LOGGED_NAMES ? taken : taken + 1);
    if (line > MAX_LOGGED_NAMES) return false;
    if (line == MAX_LOGGED_NAMES) {
      LOG.warn("requests for more host names were refused; they are not logged (a page rebinding its names to this"
          + " server makes them up)");
      return true;
    }
    logged.add(host); // two threads refusing one new name at once may both log it: a line more, never past the cap
    LOG.warn("refused a request for host '{}' (403 host_not_allowed; /health and /metrics answer it): this server"
        + " answers IP addresses, localhost and the names in ATTUNE_ALLOWED_HOSTS (file key allowedHosts); add the"
        + " name there if clients or a proxy passing their Host on reach it by that name. Later refusals of it are"
        + " not logged", host);
    return true;
  }

  /**
   * A configured entry as a {@code Host} header would write it: lower case, an IPv6 address in brackets (an entry
   * {@code ::1} was refused as no host name, though every address is answered anyway), a name in another script in
   * its ASCII form ({@code xn--bcher-kva.example}, which is what a browser sends for {@code bücher.example}).
   */
  static String written(String configured) {
    String h = configured.strip().toLowerCase(Locale.ROOT);
    if (UNBRACKETED_IPV6.matcher(h).matches()) return "[" + h + "]";
    return asciiHost(h);
  }

  /** An IPv6 address without brackets: at least two colons, hex groups, perhaps an IPv4 tail. */
  private static final Pattern UNBRACKETED_IPV6 = Pattern.compile("[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*");

  /**
   * {@code host} with every label in another script in its ASCII form (IDNA), as browsers and HTTP clients send it;
   * ASCII text, and text IDNA cannot convert (which the caller then refuses as it reads), are returned as they are.
   */
  static String asciiHost(String host) {
    if (host.chars().allMatch(c -> c < 0x80)) return host;
    // label by label: IDN refuses the empty label of a leading dot (.bücher.example, every subdomain)
    String[] labels = host.split("\\.", -1);
    try {
      for (int i = 0; i < labels.length; i++) {
        if (!labels[i].chars().allMatch(c -> c < 0x80)) {
          labels[i] = java.net.IDN.toASCII(labels[i], java.net.IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        }
      }
    } catch (IllegalArgumentException e) {
      return host;
    }
    return String.join(".", labels);
  }

  /** The host of a {@code Host} header, without its port (an IPv6 address keeps its brackets). */
  private static String name(String header) {
    if (header.startsWith("[")) {
      int end = header.indexOf(']');
      // after the brackets only a port may follow
      return end < 0 || end + 1 < header.length() && header.charAt(end + 1) != ':' ? "" : header.substring(0, end + 1);
    }
    int colon = header.lastIndexOf(':');
    String host = colon < 0 ? header : header.substring(0, colon);
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host; // "localhost." is localhost
  }
}
