package dev.clarion.bench;

import dev.clarion.boot.EmbeddedDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load benchmark of the patient-view pipeline with full prefetch (HAPI parsing, extraction, ONNX
 * scoring with exact Shapley, card, durable decision record), against the packaged server.
 *
 * <p>Starts {@code target/quarkus-app/quarkus-run.jar} as in production — on a PostgreSQL the
 * benchmark starts (embedded binaries), every call signed with a fresh ES384 client JWT that the
 * server verifies and records in its replay cache — measures cold start, warms up, then runs (1) an
 * open-loop fixed-rate phase — latency is measured from each request's <em>scheduled</em> send
 * time, so a stalled server cannot hide its queueing (no coordinated omission) — and (2) a
 * closed-loop saturation phase. Reports throughput, p50, p90, p99, p99.9, max and the server's RSS.
 * Run with {@code ./mvnw -B -Pbenchmark verify}; tune with {@code -Dbench.rate=300
 * -Dbench.seconds=30 -Dbench.warmup=15 -Dbench.concurrency=8}; {@code -Dbench.unsigned=true} runs
 * the embedded mode instead (unsigned loopback calls, no JWT work).
 *
 * <p>Requests go round-robin to every patient-view service ({@code -Dbench.services}, default
 * ascvd-risk, prevent-cvd and kfre: all patient-view models), with one patient whose prefetch has
 * what each needs (the Synthea example plus eGFR, creatinine and UACR results), so every call
 * scores, explains and records.
 */
public final class PatientViewBenchmark {

  public static void main(String[] args) throws Exception {
    // One fixed-rate phase per rate, in order, e.g. -Dbench.rate=100,200,300
    int[] rates = ints(System.getProperty("bench.rate", "300"));
    // One closed-loop saturation phase per connection count: the concurrency sweep.
    int[] sweep = ints(System.getProperty("bench.concurrency", "4,16,64"));
    // Overload phases at these multiples of the measured saturation (0: none).
    double[] overload =
        java.util.Arrays.stream(System.getProperty("bench.overload", "2,3").split(","))
            .map(String::trim)
            .filter(x -> !x.isEmpty())
            .mapToDouble(Double::parseDouble)
            .filter(x -> x > 0)
            .toArray();
    int seconds = Integer.getInteger("bench.seconds", 30);
    int warmup = Integer.getInteger("bench.warmup", 15);
    int port = Integer.getInteger("bench.port", 8089);
    String xmx = System.getProperty("bench.xmx", "512m");
    String alg = System.getProperty("bench.alg", "ES384");
    // The request bodies: large = the 149 kB Synthea example, small = a 4.4 kB patient; both
    // with the kidney results every service needs.
    // (-Dbench.bodies= with -Dbench.starts=N: the start times only.)
    List<String> bodies =
        java.util.Arrays.stream(System.getProperty("bench.bodies", "large,small").split(","))
            .map(String::trim)
            .filter(b -> !b.isEmpty())
            .toList();
    // -Dbench.peer=PATH/hapi-cds-peer.jar: the same phases against HAPI's CDS Hooks module
    // (static card) first, in the same run, for the ratios.
    // Its heap: -Dbench.peer-xmx (default 1g, as its README runs it).
    String peerJar = System.getProperty("bench.peer", "");
    boolean external = Boolean.getBoolean("bench.external");
    boolean unsigned = external || Boolean.getBoolean("bench.unsigned");
    List<String> services =
        java.util.Arrays.stream(
                System.getProperty("bench.services", "ascvd-risk,prevent-cvd,kfre").split(","))
            .map(String::trim)
            .toList();
    List<URI> uris =
        services.stream()
            .map(s -> URI.create("http://127.0.0.1:" + port + "/cds-services/" + s))
            .toList();
    SignedClient ehr = unsigned ? null : SignedClient.create(uris.get(0).toString(), alg);
    System.out.println("Services, round-robin: " + String.join(", ", services));
    System.out.printf(
        Locale.ROOT,
        "Server JVM: -Xmx%s; calls %s%n",
        xmx,
        unsigned ? "unsigned (embedded run, loopback)" : "signed with " + alg + " client JWTs");

    HttpClient client =
        HttpClient.newBuilder()
            // Plain HTTP/1.1 with keep-alive, as EHRs call CDS services (no h2c upgrade dance).
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    List<String> summary = new java.util.ArrayList<>();
    // -Dbench.starts=N: first, N rounds of start to first 200, taking turns (HAPI, Clarion without
    // its class archive, Clarion as the README runs it), each on an existing database.
    int starts = Integer.getInteger("bench.starts", 0);
    // -Dbench.head-to-head=N (with a peer): after both runs, N saturation rounds taking turns.
    int headToHead = Integer.getInteger("bench.head-to-head", 0);
    if (starts > 0 && !unsigned) {
      summary.addAll(startTimes(client, peerJar, port, xmx, starts));
    }
    for (String which : bodies) {
      Path example =
          which.trim().equals("small")
              ? Path.of("src/test/resources/bench/small-ascvd.json")
              : Path.of("cds-hooks/examples/ascvd-risk-patient-view.json");
      Body peerBody = null;
      Run peer = null;
      if (!peerJar.isBlank()) {
        URI staticCard = URI.create("http://127.0.0.1:" + (port + 1) + "/cds-services/static-card");
        peerBody = Body.of(example, null, List.of(staticCard));
        System.out.printf(
            "%n=== HAPI CDS Hooks module (static card), %s body: %d bytes%n",
            which, peerBody.size());
        long t0 = System.nanoTime();
        Process peerProcess =
            startPeer(peerJar, port + 1, System.getProperty("bench.peer-xmx", "1g"));
        peer =
            run(
                client,
                peerBody,
                peerProcess,
                t0,
                port + 1,
                "/cds-services",
                warmup,
                seconds,
                sweep,
                rates,
                new double[0],
                null);
      }
      Body body = Body.of(example, ehr, uris);
      System.out.printf("%n=== Clarion, %s body: %d bytes%n", which, body.size());
      Path dataDir = Path.of("target/bench-pg");
      deleteRecursively(dataDir);
      EmbeddedDatabase db = unsigned ? null : EmbeddedDatabase.start(dataDir, true);
      try {
        // The first start creates the schema; the measured start is the second, on an
        // existing database (as a restarted replica).
        if (db != null) {
          Process first = startServer(port, xmx, dbProperties(db));
          waitUntilReady(client, port, System.nanoTime(), first, "/q/health/ready");
          stopServer(first);
          if (ehr != null) {
            ehr.register(db.jdbcUrl(), db.username(), services);
          }
        }
        long t0 = System.nanoTime();
        Process server =
            external
                ? null
                : unsigned
                    ? startServer(port, xmx, "clarion.embedded-db.dir=" + dataDir)
                    : startServer(port, xmx, dbProperties(db));
        Run clarion =
            run(
                client,
                body,
                server,
                t0,
                port,
                "/q/health/ready",
                warmup,
                seconds,
                sweep,
                rates,
                overload,
                db);
        summary.addAll(compare(which, peer, clarion));
        if (peer != null && db != null && headToHead > 0) {
          summary.add(
              headToHead(
                  client,
                  which,
                  peerJar,
                  peerBody,
                  peer,
                  body,
                  clarion,
                  port,
                  xmx,
                  db,
                  warmup,
                  seconds,
                  headToHead));
        }
      } finally {
        if (db != null) {
          db.close();
        }
      }
    }
    System.out.println();
    System.out.println("=== Summary (same load generator, same cores, one run)");
    summary.forEach(System.out::println);
    // The HTTP client's worker threads would keep the JVM alive.
    System.exit(0);
  }

  /**
   * Saturation taking turns: both servers up and warm, then {@code rounds} rounds of a closed-loop
   * phase each, HAPI first, each at the connection count of its best sweep phase. The machine's
   * noise drifts over minutes (the same build's saturation moves by ~10 % between runs), and the
   * sweeps of the two servers lie many minutes apart; a ratio per round, from phases a few seconds
   * apart, and its median, is what the saturation target is judged on.
   */
  static String headToHead(
      HttpClient client,
      String which,
      String peerJar,
      Body peerBody,
      Run peerRun,
      Body body,
      Run clarionRun,
      int port,
      String xmx,
      EmbeddedDatabase db,
      int warmup,
      int seconds,
      int rounds)
      throws Exception {
    int peerConnections = peerRun.bestConnections();
    int clarionConnections = clarionRun.bestConnections();
    System.out.printf(
        Locale.ROOT,
        "%n=== Head to head, %s body: %d rounds of %d s taking turns (HAPI at %d connections,"
            + " Clarion at %d), after a %d s warm-up of each%n",
        which,
        rounds,
        seconds,
        peerConnections,
        clarionConnections,
        warmup);
    Process peer = startPeer(peerJar, port + 1, System.getProperty("bench.peer-xmx", "1g"));
    Process clarion = null;
    try {
      waitUntilReady(client, port + 1, System.nanoTime(), peer, "/cds-services");
      peerBody.prepare(800 * warmup);
      closedLoop(client, peerBody, 8, warmup);
      clarion = startServer(port, xmx, dbProperties(db));
      waitUntilReady(client, port, System.nanoTime(), clarion, "/q/health/ready");
      body.prepare(800 * warmup);
      closedLoop(client, body, 8, warmup);
      List<Double> ratios = new java.util.ArrayList<>();
      List<Double> peers = new java.util.ArrayList<>();
      List<Double> clarions = new java.util.ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        peerBody.prepare((int) (peerRun.saturation() * 1.6) * seconds);
        Turn h = turn(client, peerBody, peerConnections, seconds, peer, clarion);
        body.prepare((int) Math.max(600, clarionRun.saturation() * 1.6) * seconds);
        Turn c = turn(client, body, clarionConnections, seconds, clarion, peer);
        double hr = h.result().ok() / h.result().seconds();
        double cr = c.result().ok() / c.result().seconds();
        peers.add(hr);
        clarions.add(cr);
        ratios.add(cr / hr);
        System.out.printf(
            Locale.ROOT,
            "round %d: HAPI %.0f req/s (%d errors; cores: HAPI %.2f, meanwhile Clarion %.2f and"
                + " PostgreSQL %.2f), Clarion %.0f req/s (%d errors; cores: Clarion %.2f,"
                + " PostgreSQL %.2f, meanwhile HAPI %.2f) -> %.2f%n",
            round,
            hr,
            h.result().errors(),
            h.cores(),
            h.otherCores(),
            h.databaseCores(),
            cr,
            c.result().errors(),
            c.cores(),
            c.databaseCores(),
            c.otherCores(),
            cr / hr);
      }
      List<Double> sorted = ratios.stream().sorted().toList();
      return String.format(
          Locale.ROOT,
          "%s body: head to head, %d rounds taking turns: HAPI median %.0f req/s, Clarion median"
              + " %.0f req/s; ratio per round median %.2f (%.2f–%.2f)",
          which,
          rounds,
          median(peers),
          median(clarions),
          median(ratios),
          sorted.get(0),
          sorted.get(sorted.size() - 1));
    } finally {
      stopServer(peer);
      if (clarion != null) {
        stopServer(clarion);
      }
    }
  }

  /** A turn's phase, and the cores the server, the idle other server and the database used. */
  record Turn(Result result, double cores, double otherCores, double databaseCores) {}

  /**
   * One server's turn: a pause first, so that neither server's after-work (a collection,
   * PostgreSQL's background writer, an autovacuum) falls in the other's phase, then the phase.
   */
  static Turn turn(
      HttpClient client, Body body, int connections, int seconds, Process server, Process other)
      throws Exception {
    Thread.sleep(5_000);
    Cpu before = Cpu.of(server);
    long otherBefore = Cpu.millis(other.pid());
    Result r = closedLoop(client, body, connections, seconds);
    Cpu used = Cpu.of(server).minus(before);
    double s = r.seconds() * 1000;
    return new Turn(
        r,
        used.serverMillis() / s,
        (Cpu.millis(other.pid()) - otherBefore) / s,
        used.databaseMillis() / s);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * Start to first 200, {@code rounds} times for each server in turn so that the machine's noise
   * falls on all three alike: HAPI's module (its {@code /cds-services}), Clarion without its class
   * archive (for the archive's share of the start), and Clarion as the README runs it (its {@code
   * /q/health/ready}, on a database it migrated at a first start, as a restarted replica). Median
   * and range per server.
   */
  static List<String> startTimes(
      HttpClient client, String peerJar, int port, String xmx, int rounds) throws Exception {
    System.out.printf("%n=== Start to first 200, %d rounds taking turns%n", rounds);
    Path dataDir = Path.of("target/bench-pg-start");
    deleteRecursively(dataDir);
    Map<String, List<Double>> times = new java.util.LinkedHashMap<>();
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, true)) {
      Process first = startServer(port, xmx, dbProperties(db));
      waitUntilReady(client, port, System.nanoTime(), first, "/q/health/ready");
      stopServer(first);
      for (int round = 1; round <= rounds; round++) {
        if (!peerJar.isBlank()) {
          long t0 = System.nanoTime();
          Process peer = startPeer(peerJar, port + 1, System.getProperty("bench.peer-xmx", "1g"));
          record(times, "HAPI", waitUntilReady(client, port + 1, t0, peer, "/cds-services"), round);
          stopServer(peer);
        }
        for (boolean archive : new boolean[] {false, true}) {
          long t0 = System.nanoTime();
          Process clarion = startServer(port, xmx, archive, dbProperties(db));
          double seconds = waitUntilReady(client, port, t0, clarion, "/q/health/ready");
          record(times, archive ? "Clarion" : "Clarion without class archive", seconds, round);
          stopServer(clarion);
        }
      }
    }
    List<String> lines = new java.util.ArrayList<>();
    times.forEach(
        (server, list) -> {
          List<Double> sorted = list.stream().sorted().toList();
          lines.add(
              String.format(
                  Locale.ROOT,
                  "start to first 200, %s: median %.2f s (%.2f–%.2f s, %d starts)",
                  server,
                  sorted.get(sorted.size() / 2),
                  sorted.get(0),
                  sorted.get(sorted.size() - 1),
                  sorted.size()));
        });
    lines.forEach(System.out::println);
    return lines;
  }

  private static void record(
      Map<String, List<Double>> times, String server, double seconds, int round) {
    System.out.printf(Locale.ROOT, "round %d, %s: %.2f s%n", round, server, seconds);
    times.computeIfAbsent(server, k -> new java.util.ArrayList<>()).add(seconds);
  }

  private static String[] dbProperties(EmbeddedDatabase db) {
    return new String[] {
      "quarkus.datasource.jdbc.url=" + db.jdbcUrl(), "quarkus.datasource.username=" + db.username()
    };
  }

  private static int[] ints(String csv) {
    // An empty list (-Dbench.rate=) skips the phase.
    return java.util.Arrays.stream(csv.split(","))
        .map(String::trim)
        .filter(r -> !r.isEmpty())
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  /** Every phase of one server: start, warm-up, sweep, fixed rates, overload. */
  record Run(
      double start,
      List<Result> sweep,
      List<Result> fixed,
      List<Overload> overload,
      long rssKb,
      String records) {
    double saturation() {
      return sweep.stream().mapToDouble(r -> r.ok() / r.seconds()).max().orElse(0);
    }

    /** The connection count of the best sweep phase (16 without a sweep). */
    int bestConnections() {
      return sweep.stream()
          .max(java.util.Comparator.comparingDouble(r -> r.ok() / r.seconds()))
          .map(r -> Integer.parseInt(r.phase().substring("sat c=".length())))
          .orElse(16);
    }
  }

  /** An overload phase: what was admitted (200) and what was shed (503), separately. */
  record Overload(
      double multiple,
      int rate,
      Result admitted,
      Result shed,
      long other,
      ServerTimes inServer,
      Cpu cpu,
      double seconds) {}

  /**
   * The server's own view of the hook calls: count and total time of its {@code
   * http.server.requests} timer (from the request's arrival on the event loop to the end of the
   * answer) for 200s and 503s, read from {@code /q/metrics}. Set beside the generator's latency, it
   * tells time spent inside the server from time spent before the server read the request.
   */
  record ServerTimes(long ok, double okSeconds, long shed, double shedSeconds) {
    static ServerTimes scrape(HttpClient client, int port) {
      try {
        String text =
            client
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        long ok = 0;
        long shed = 0;
        double okS = 0;
        double shedS = 0;
        for (var series : dev.clarion.support.Prometheus.parse(text).entrySet()) {
          String key = series.getKey();
          if (!key.startsWith("http_server_requests_seconds_")
              || !key.contains("uri=\"/cds-services/{id}\"")) {
            continue;
          }
          double v = series.getValue();
          boolean count = key.startsWith("http_server_requests_seconds_count");
          boolean sum = key.startsWith("http_server_requests_seconds_sum");
          if (key.contains("status=\"200\"")) {
            ok += count ? (long) v : 0;
            okS += sum ? v : 0;
          } else if (key.contains("status=\"503\"")) {
            shed += count ? (long) v : 0;
            shedS += sum ? v : 0;
          }
        }
        return new ServerTimes(ok, okS, shed, shedS);
      } catch (IOException | InterruptedException | RuntimeException e) {
        return null;
      }
    }

    ServerTimes minus(ServerTimes before) {
      if (before == null) {
        return null;
      }
      return new ServerTimes(
          ok - before.ok,
          okSeconds - before.okSeconds,
          shed - before.shed,
          shedSeconds - before.shedSeconds);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "inside the server (its http.server.requests timer): %d × 200, mean %.1f ms; %d × 503,"
              + " mean %.2f ms",
          ok,
          ok == 0 ? 0 : 1000 * okSeconds / ok,
          shed,
          shed == 0 ? 0 : 1000 * shedSeconds / shed);
    }
  }

  static Run run(
      HttpClient client,
      Body body,
      Process process,
      long startNanos,
      int port,
      String readyPath,
      int warmup,
      int seconds,
      int[] sweep,
      int[] rates,
      double[] overload,
      EmbeddedDatabase db)
      throws Exception {
    try {
      double start = waitUntilReady(client, port, startNanos, process, readyPath);
      System.out.printf(Locale.ROOT, "Start to first 200 of %s: %.2f s%n", readyPath, start);
      body.prepare(800 * warmup);
      Result warm = closedLoop(client, body, 8, warmup);
      System.out.printf(
          Locale.ROOT,
          "  warm-up: %.0f req/s, %d errors%n",
          warm.ok() / warm.seconds(),
          warm.errors());
      // The open-loop generator warms up too: cold, it needed several times the CPU per call,
      // and the first open-loop phase (whichever it was) built a backlog of seconds on the shared
      // cores that it never drained. A quarter of the warm-up at 80 % of the warm-up's rate.
      int openRate = (int) Math.max(50, 0.8 * warm.ok() / warm.seconds());
      int openSeconds = Math.max(5, warmup / 4);
      body.prepare(openRate * openSeconds);
      Split warmOpen = openLoop(body, openRate, openSeconds);
      System.out.printf(
          Locale.ROOT,
          "  warm-up of the open-loop generator: %d req/s for %d s, %d × 200, %d × 503, %d other%n",
          openRate,
          openSeconds,
          warmOpen.admitted().ok(),
          warmOpen.shed().requests(),
          warmOpen.other());
      List<Result> sat = new java.util.ArrayList<>();
      double best = 0;
      for (int c : sweep) {
        body.prepare((int) Math.max(600, best * 1.6) * seconds);
        System.out.printf("Saturation: %d connections for %d s (closed loop)%n", c, seconds);
        Cpu cpu0 = Cpu.of(process);
        Result r = closedLoop(client, body, c, seconds);
        r = r.withCpu(Cpu.of(process).minus(cpu0));
        sat.add(r.named("sat c=" + c));
        best = Math.max(best, r.ok() / r.seconds());
      }
      List<Result> fixed = new java.util.ArrayList<>();
      for (int rate : rates) {
        body.prepare(rate * seconds);
        System.out.printf("Fixed rate: %d req/s for %d s (open loop)%n", rate, seconds);
        Cpu cpu0 = Cpu.of(process);
        Result r = openLoop(body, rate, seconds).admitted();
        fixed.add(r.withCpu(Cpu.of(process).minus(cpu0)).named("fixed " + rate));
      }
      List<Overload> over = new java.util.ArrayList<>();
      for (double m : overload) {
        int rate = (int) Math.round(best * m);
        body.prepare(rate * seconds);
        System.out.printf(
            Locale.ROOT,
            "Overload: %.0f× saturation = %d req/s for %d s (open loop)%n",
            m,
            rate,
            seconds);
        ServerTimes before = ServerTimes.scrape(client, port);
        Cpu cpu0 = Cpu.of(process);
        Split split = openLoop(body, rate, seconds);
        Cpu cpu = Cpu.of(process).minus(cpu0);
        ServerTimes after = ServerTimes.scrape(client, port);
        ServerTimes inServer = after == null ? null : after.minus(before);
        over.add(
            new Overload(
                m,
                rate,
                split.admitted(),
                split.shed(),
                split.other(),
                inServer,
                cpu,
                split.admitted().seconds()));
      }
      long rss = process == null ? -1 : rssKb(process.pid());
      long answered =
          warm.ok()
              + warmOpen.admitted().ok()
              + sat.stream().mapToLong(Result::ok).sum()
              + fixed.stream().mapToLong(Result::ok).sum()
              + over.stream().mapToLong(o -> o.admitted().ok()).sum();
      String records = db == null ? null : records(db, answered);
      Run run = new Run(start, sat, fixed, over, rss, records);
      print(run);
      return run;
    } finally {
      if (process != null) {
        stopServer(process);
      }
    }
  }

  static void print(Run run) {
    System.out.println();
    System.out.println(
        "phase          | requests | errors | throughput req/s |   p50 ms |   p90 ms |   p99 ms | p99.9 ms |   max ms | CPU per call: server + database + load generator ms (cores)");
    System.out.println(
        "---------------|----------|--------|------------------|----------|----------|----------|----------|----------|------------------------------------------------------------");
    run.sweep().forEach(Result::print);
    run.fixed().forEach(Result::print);
    for (Overload o : run.overload()) {
      o.admitted().named(String.format(Locale.ROOT, "%.0fx 200s", o.multiple())).print();
      o.shed().named(String.format(Locale.ROOT, "%.0fx 503s", o.multiple())).print();
      if (o.other() > 0) {
        System.out.printf("  %d answers were neither 200 nor 503%n", o.other());
      }
      if (o.inServer() != null) {
        System.out.println("  " + o.inServer());
      }
      long ended = o.admitted().ok() + o.shed().requests() + o.other();
      if (ended > 0) {
        System.out.printf(
            Locale.ROOT,
            "  %.0f calls ended per s (200s, 503s, others); CPU per call: server + database + load"
                + " generator %s%n",
            ended / o.seconds(),
            o.cpu().perCall(ended, o.seconds()));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%nserver RSS after the run: %d MB; start to first 200: %.2f s%n",
        run.rssKb() / 1024,
        run.start());
    if (run.records() != null) {
      System.out.println(run.records());
    }
  }

  /** The target lines: ratios to the peer, and the latency targets. */
  static List<String> compare(String body, Run peer, Run clarion) {
    List<String> out = new java.util.ArrayList<>();
    double c = clarion.saturation();
    if (peer != null) {
      double h = peer.saturation();
      out.add(
          String.format(
              Locale.ROOT,
              "%s body: saturation HAPI %.0f req/s, Clarion %.0f req/s -> ratio %.2f",
              body,
              h,
              c,
              c / h));
      out.add(
          String.format(
              Locale.ROOT,
              "%s body: start to first 200 HAPI %.2f s, Clarion %.2f s; RSS HAPI %d MB, Clarion %d MB",
              body,
              peer.start(),
              clarion.start(),
              peer.rssKb() / 1024,
              clarion.rssKb() / 1024));
    } else {
      out.add(String.format(Locale.ROOT, "%s body: saturation Clarion %.0f req/s", body, c));
    }
    for (Result r : clarion.fixed()) {
      out.add(
          String.format(
              Locale.ROOT,
              "%s body: %s -> p99 %.1f ms, %d errors",
              body,
              r.phase(),
              r.p99(),
              r.errors()));
    }
    for (Overload o : clarion.overload()) {
      out.add(
          String.format(
                  Locale.ROOT,
                  "%s body: overload %.0fx (%d req/s): admitted %.0f req/s p99 %.1f ms; shed %d, p99"
                      + " %.1f ms; other errors %d",
                  body,
                  o.multiple(),
                  o.rate(),
                  o.admitted().ok() / o.admitted().seconds(),
                  o.admitted().p99(),
                  o.shed().requests(),
                  o.shed().p99(),
                  o.other())
              + (o.inServer() == null ? "" : "; " + o.inServer()));
    }
    if (clarion.records() != null) {
      out.add(body + " body: " + clarion.records());
    }
    return out;
  }

  /** Every 200 must have its durable record: the decisions the database holds, by status. */
  static String records(EmbeddedDatabase db, long answered) throws Exception {
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection(db.jdbcUrl(), db.username(), "");
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "select count(*) filter (where http_status = 200), count(*) from decision")) {
      rs.next();
      long recorded = rs.getLong(1);
      return String.format(
          Locale.ROOT,
          "200 answers in the run: %d; decision records with status 200: %d (of %d) -> %s",
          answered,
          recorded,
          rs.getLong(2),
          recorded >= answered ? "every 200 has its record" : "RECORDS MISSING");
    }
  }

  /** One phase's answers: all, the 200s, the rest, and the latency of those it measures. */
  record Result(
      String phase,
      long requests,
      long ok,
      long errors,
      double seconds,
      Histogram latency,
      Cpu cpu) {
    Result(String phase, long requests, long ok, long errors, double seconds, Histogram latency) {
      this(phase, requests, ok, errors, seconds, latency, null);
    }

    /** The CPU time the phase took (server, its database, this load generator). */
    Result withCpu(Cpu used) {
      return new Result(phase, requests, ok, errors, seconds, latency, used);
    }

    double p99() {
      return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(99) / 1000.0;
    }

    Result named(String name) {
      return new Result(name, requests, ok, errors, seconds, latency, cpu);
    }

    void print() {
      System.out.printf(
          Locale.ROOT,
          "%-14s | %8d | %6d | %16.1f | %8.2f | %8.2f | %8.2f | %8.2f | %8.2f | %s%n",
          phase,
          requests,
          errors,
          requests / seconds,
          latency.getValueAtPercentile(50) / 1000.0,
          latency.getValueAtPercentile(90) / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0,
          latency.getValueAtPercentile(99.9) / 1000.0,
          latency.getMaxValue() / 1000.0,
          cpu == null || requests == 0 ? "" : cpu.perCall(requests, seconds));
    }
  }

  /** An open-loop phase's answers: 200s and 503s measured apart; anything else counted. */
  record Split(Result admitted, Result shed, long other) {}

  /**
   * Sends at a fixed rate regardless of responses ({@link OpenLoop}); latency from the scheduled
   * send time (no coordinated omission). 200s and 503s (turned away by admission control) get their
   * own histograms. At most {@code -Dbench.connections} calls in flight (default 64, an EHR's
   * connection pool): a call that finds them all busy waits, and its latency counts from its
   * scheduled time.
   */
  static Split openLoop(Body body, int rate, int seconds) throws Exception {
    int connections = Integer.getInteger("bench.connections", 64);
    OpenLoop.Answers a = OpenLoop.run(body::nextCall, rate, seconds, connections);
    long oks = a.ok().getTotalCount();
    long sheds = a.shed().getTotalCount();
    return new Split(
        new Result("200s", a.sent(), oks, a.sent() - oks, a.seconds(), a.ok()),
        new Result("503s", sheds, 0, sheds, a.seconds(), a.shed()),
        a.other());
  }

  /**
   * Each worker sends its next request when the previous one is answered; a worker stops when the
   * tokens signed for the phase run out (a call without one would be a fast 401, not load).
   */
  static Result closedLoop(HttpClient client, Body body, int workers, int seconds)
      throws Exception {
    Recorder recorder = new Recorder(3);
    AtomicLong errors = new AtomicLong();
    AtomicLong count = new AtomicLong();
    AtomicLong oks = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean exhausted =
        new java.util.concurrent.atomic.AtomicBoolean();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    long start = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      pool.submit(
          () -> {
            while (System.nanoTime() < end) {
              HttpRequest request = body.next();
              if (request == null) {
                exhausted.set(true);
                break;
              }
              long t0 = System.nanoTime();
              try {
                HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                  oks.incrementAndGet();
                } else {
                  errors.incrementAndGet();
                }
              } catch (IOException | InterruptedException e) {
                errors.incrementAndGet();
              }
              recorder.recordValue((System.nanoTime() - t0) / 1000);
              count.incrementAndGet();
            }
            return null;
          });
    }
    pool.shutdown();
    pool.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (exhausted.get()) {
      System.out.println("  tokens ran out: phase stopped early (throughput over its real length)");
    }
    return new Result(
        "closed", count.get(), oks.get(), errors.get(), elapsed, recorder.getIntervalHistogram());
  }

  /**
   * The example request split around its hookInstance, so each request gets a fresh one without
   * copying the 150 kB body; requests rotate over the services, each with tokens for its URL.
   */
  static final class Body {
    private final byte[] prefix;
    private final byte[] suffix;
    private final List<URI> uris;
    private final List<SignedClient> ehrs;
    private final AtomicLong sent = new AtomicLong();

    private Body(byte[] prefix, byte[] suffix, List<URI> uris, List<SignedClient> ehrs) {
      this.prefix = prefix;
      this.suffix = suffix;
      this.uris = uris;
      this.ehrs = ehrs;
    }

    /** The Synthea example with eGFR, creatinine and UACR added, so every service can score. */
    static Body of(Path example, SignedClient ehr, List<URI> uris) throws IOException {
      com.fasterxml.jackson.databind.ObjectMapper json =
          new com.fasterxml.jackson.databind.ObjectMapper();
      com.fasterxml.jackson.databind.node.ObjectNode request =
          (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(example.toFile());
      String patient = "Patient/" + request.at("/context/patientId").asText();
      com.fasterxml.jackson.databind.node.ObjectNode prefetch =
          (com.fasterxml.jackson.databind.node.ObjectNode) request.get("prefetch");
      prefetch.set("kidney", lab(json, "bench-egfr", "98979-8", 52, "mL/min/{1.73_m2}", patient));
      prefetch.set("creatinine", lab(json, "bench-scr", "2160-0", 1.5, "mg/dL", patient));
      prefetch.set("uacr", lab(json, "bench-uacr", "9318-7", 300, "mg/g", patient));
      String text = json.writeValueAsString(request);
      int at = text.indexOf("\"hookInstance\"");
      int open = text.indexOf('"', text.indexOf(':', at) + 1);
      int close = text.indexOf('"', open + 1);
      List<SignedClient> ehrs =
          ehr == null ? null : uris.stream().map(u -> ehr.forService(u.toString())).toList();
      return new Body(
          text.substring(0, open + 1).getBytes(StandardCharsets.UTF_8),
          text.substring(close).getBytes(StandardCharsets.UTF_8),
          uris,
          ehrs);
    }

    private static com.fasterxml.jackson.databind.JsonNode lab(
        com.fasterxml.jackson.databind.ObjectMapper json,
        String id,
        String loinc,
        double value,
        String unit,
        String patient) {
      com.fasterxml.jackson.databind.node.ObjectNode bundle = json.createObjectNode();
      bundle.put("resourceType", "Bundle").put("type", "searchset").put("total", 1);
      com.fasterxml.jackson.databind.node.ObjectNode obs =
          bundle.putArray("entry").addObject().putObject("resource");
      obs.put("resourceType", "Observation").put("id", id).put("status", "final");
      obs.putObject("meta").put("versionId", "1");
      obs.putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", "http://loinc.org")
          .put("code", loinc);
      obs.putObject("subject").put("reference", patient);
      obs.put("effectiveDateTime", java.time.LocalDate.now().minusDays(20).toString());
      obs.putObject("valueQuantity")
          .put("value", value)
          .put("system", "http://unitsofmeasure.org")
          .put("code", unit);
      return bundle;
    }

    /** The request body's size in bytes. */
    int size() {
      return prefix.length + 36 + suffix.length;
    }

    /** Signs tokens for the next {@code requests} requests (spread over the services). */
    void prepare(int requests) throws Exception {
      sent.set(0);
      if (ehrs != null) {
        long t0 = System.nanoTime();
        for (SignedClient e : ehrs) {
          e.prepare(requests / ehrs.size() + 1);
        }
        System.out.printf(
            Locale.ROOT,
            "  (%d tokens signed in %.1f s)%n",
            requests,
            (System.nanoTime() - t0) / 1e9);
      }
    }

    /** The next call's service (in turn), fresh hookInstance and token; null once out of tokens. */
    private record Pick(int service, byte[] hookInstance, String token) {}

    private Pick pick() {
      int k = (int) (sent.getAndIncrement() % uris.size());
      byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
      String token = null;
      if (ehrs != null) {
        token = ehrs.get(k).take();
        if (token == null) {
          return null;
        }
      }
      return new Pick(k, id, token);
    }

    /** {@link #next()} for the open-loop generator: the body in one array. */
    OpenLoop.Call nextCall() {
      Pick p = pick();
      if (p == null) {
        return null;
      }
      byte[] id = p.hookInstance();
      byte[] bytes = new byte[prefix.length + id.length + suffix.length];
      System.arraycopy(prefix, 0, bytes, 0, prefix.length);
      System.arraycopy(id, 0, bytes, prefix.length, id.length);
      System.arraycopy(suffix, 0, bytes, prefix.length + id.length, suffix.length);
      URI uri = uris.get(p.service());
      return new OpenLoop.Call(uri.getPort(), uri.getPath(), bytes, p.token());
    }

    /**
     * The next request: the next service in turn, a fresh hookInstance and token; null once the
     * tokens signed for the phase are used up.
     */
    HttpRequest next() {
      Pick p = pick();
      if (p == null) {
        return null;
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uris.get(p.service()))
              .header("Content-Type", "application/json")
              .POST(
                  HttpRequest.BodyPublishers.ofByteArrays(
                      List.of(prefix, p.hookInstance(), suffix)));
      if (p.token() != null) {
        request.header("Authorization", "Bearer " + p.token());
      }
      return request.build();
    }
  }

  static Process startServer(int port, String xmx, String... properties) throws IOException {
    return startServer(port, xmx, true, properties);
  }

  /**
   * The packaged server as the README runs it: from the class archive {@code ./mvnw package} made
   * ({@code -XX:SharedArchiveFile}), or with {@code classArchive} false without it (the JDK's own
   * archive of its classes only, as any {@code java -jar}).
   */
  static Process startServer(int port, String xmx, boolean classArchive, String... properties)
      throws IOException {
    List<String> command = new java.util.ArrayList<>();
    command.add("java");
    command.add("-Xmx" + xmx);
    if (classArchive) {
      command.add("-XX:SharedArchiveFile=target/quarkus-app/clarion.jsa");
    }
    // As the README runs it: workers at nice 4, the JVM's own threads never raised.
    command.add("-XX:ThreadPriorityPolicy=1");
    command.add("-XX:JavaPriority8_To_OSPriority=0");
    command.add("-XX:JavaPriority9_To_OSPriority=0");
    command.add("-XX:JavaPriority10_To_OSPriority=0");
    // -Dbench.server-jvm="-XX:... -XX:...": more flags for the server's JVM (e.g. a JFR recording)
    for (String flag : System.getProperty("bench.server-jvm", "").split(" ")) {
      if (!flag.isBlank()) {
        command.add(flag);
      }
    }
    command.add("-Dquarkus.http.port=" + port);
    command.add("-Dclarion.cds.public-base-url=http://127.0.0.1:" + port);
    command.add("-Dclarion.audit.signing-key=" + signingKey());
    for (String property : properties) {
      command.add("-D" + property);
    }
    command.add("-jar");
    command.add("target/quarkus-app/quarkus-run.jar");
    Process server =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(Path.of("target/bench-server.log").toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    return server;
  }

  /** HAPI's CDS Hooks module (the peer), built outside the repository. */
  static Process startPeer(String jar, int port, String xmx) throws IOException {
    Process peer =
        new ProcessBuilder("java", "-Xmx" + xmx, "-jar", jar, "--server.port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(Path.of("target/bench-peer.log").toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(peer::destroy));
    return peer;
  }

  static void stopServer(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The decision chain's signing key for benchmark runs (Ed25519, PKCS#8 PEM), made once. */
  static Path signingKey() throws IOException {
    Path file = Path.of("target/bench-audit-signing-key.pem").toAbsolutePath();
    if (!Files.exists(file)) {
      try {
        byte[] pkcs8 =
            java.security.KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair()
                .getPrivate()
                .getEncoded();
        Files.writeString(
            file,
            "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getEncoder().encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n");
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return file;
  }

  static double waitUntilReady(
      HttpClient client, int port, long startNanos, Process server, String path) throws Exception {
    URI ready = URI.create("http://127.0.0.1:" + port + path);
    long deadline = startNanos + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (server != null && !server.isAlive()) {
        throw new IllegalStateException("server exited; see target/bench-server.log");
      }
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(ready).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return (System.nanoTime() - startNanos) / 1e9;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("server not ready within 120 s; see target/bench-server.log");
  }

  /**
   * CPU time used so far (user + system, all threads, from /proc/PID/stat fields 14 and 15 in clock
   * ticks of 10 ms) by the server, by its PostgreSQL (the embedded server's processes: pg_ctl
   * detaches them from this JVM) and by this JVM, the load generator. Per call it is less noisy
   * than throughput on a machine the three share, and it shows where the cores go.
   */
  record Cpu(long serverMillis, long databaseMillis, long generatorMillis) {
    static Cpu of(Process server) {
      long database =
          ProcessHandle.allProcesses()
              .filter(
                  p ->
                      p.info()
                          .command()
                          .map(c -> c.contains("/embedded-pg/") && c.endsWith("/postgres"))
                          .orElse(false))
              .mapToLong(p -> millis(p.pid()))
              .sum();
      return new Cpu(
          server == null ? 0 : millis(server.pid()),
          database,
          millis(ProcessHandle.current().pid()));
    }

    Cpu minus(Cpu before) {
      return new Cpu(
          serverMillis - before.serverMillis,
          // A database process that ended during the phase takes its time with it: never below 0.
          Math.max(0, databaseMillis - before.databaseMillis),
          generatorMillis - before.generatorMillis);
    }

    String perCall(long calls, double seconds) {
      double n = calls;
      return String.format(
          Locale.ROOT,
          "%.2f + %.2f + %.2f ms (%.2f + %.2f + %.2f)",
          serverMillis / n,
          databaseMillis / n,
          generatorMillis / n,
          serverMillis / 1000.0 / seconds,
          databaseMillis / 1000.0 / seconds,
          generatorMillis / 1000.0 / seconds);
    }

    private static long millis(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
      } catch (IOException | RuntimeException e) {
        return 0; // the process ended
      }
    }
  }

  static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private PatientViewBenchmark() {}
}
