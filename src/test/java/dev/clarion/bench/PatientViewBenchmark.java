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
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
    int[] rates =
        java.util.Arrays.stream(System.getProperty("bench.rate", "300").split(","))
            .mapToInt(r -> Integer.parseInt(r.trim()))
            .toArray();
    int seconds = Integer.getInteger("bench.seconds", 30);
    int warmup = Integer.getInteger("bench.warmup", 15);
    int concurrency = Integer.getInteger("bench.concurrency", 8);
    int port = Integer.getInteger("bench.port", 8089);
    // -Dbench.external=true: load a server that is already running on bench.port.
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
    SignedClient ehr = unsigned ? null : new SignedClient(uris.get(0).toString());
    Body body = Body.of(Path.of("cds-hooks/examples/ascvd-risk-patient-view.json"), ehr, uris);
    System.out.println("Services, round-robin: " + String.join(", ", services));

    Path dataDir = Path.of("target/bench-pg");
    deleteRecursively(dataDir);
    EmbeddedDatabase db = unsigned ? null : EmbeddedDatabase.start(dataDir, true);
    long startNanos = System.nanoTime();
    Process server =
        external
            ? null
            : unsigned
                ? startServer(port, "clarion.embedded-db.dir=" + dataDir)
                : startServer(
                    port,
                    "quarkus.datasource.jdbc.url=" + db.jdbcUrl(),
                    "quarkus.datasource.username=" + db.username());
    HttpClient client =
        HttpClient.newBuilder()
            // Plain HTTP/1.1 with keep-alive, as EHRs call CDS services (no h2c upgrade dance).
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    try {
      double coldStart = waitUntilReady(client, port, startNanos, server);
      System.out.printf(
          Locale.ROOT,
          "Server ready after %.2f s (JVM start to readiness; first start includes initdb)%n",
          coldStart);
      if (ehr != null) {
        ehr.register(db.jdbcUrl(), db.username(), services);
        System.out.println("Calls are signed (ES384 client JWTs, tokens signed before each phase)");
      } else {
        System.out.println("Calls are unsigned (embedded run, loopback)");
      }

      System.out.printf("Warm-up: %d s closed loop, %d workers%n", warmup, concurrency);
      body.prepare(400 * warmup);
      Result warm = closedLoop(client, body, concurrency, warmup);
      System.out.printf(
          Locale.ROOT,
          "  warm-up: %.0f req/s, %d errors%n",
          warm.requests() / warm.seconds(),
          warm.errors());

      List<Result> fixed = new java.util.ArrayList<>();
      long rss = -1;
      for (int rate : rates) {
        body.prepare(rate * seconds);
        System.out.printf("Fixed rate: %d req/s for %d s (open loop)%n", rate, seconds);
        fixed.add(openLoop(client, body, rate, seconds));
        rss = Math.max(rss, server == null ? -1 : rssKb(server.pid()));
      }
      body.prepare(400 * seconds);
      System.out.printf("Saturation: %d workers for %d s (closed loop)%n", concurrency, seconds);
      Result saturation = closedLoop(client, body, concurrency, seconds);
      System.out.println();
      System.out.println(
          "phase       | requests | errors | throughput req/s |   p50 ms |   p90 ms |   p99 ms | p99.9 ms |   max ms");
      System.out.println(
          "------------|----------|--------|------------------|----------|----------|----------|----------|---------");
      for (int i = 0; i < rates.length; i++) {
        fixed.get(i).print("fixed " + rates[i]);
      }
      saturation.print("saturation");
      System.out.printf(
          Locale.ROOT,
          "%nserver RSS (max after the fixed-rate phases): %d MB; cold start %.2f s%n",
          rss / 1024,
          coldStart);
      for (int i = 0; i < rates.length; i++) {
        if (rates[i] == 300) {
          Result r = fixed.get(i);
          System.out.printf(
              Locale.ROOT,
              "target (roadmap): p99 <= 20 ms at 300 req/s -> %s (p99 %.1f ms, %d errors)%n",
              r.p99() <= 20.0 && r.errors() == 0 ? "MET" : "NOT MET",
              r.p99(),
              r.errors());
        }
      }
    } finally {
      if (server != null) {
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
        server.destroyForcibly();
      }
      if (db != null) {
        db.close();
      }
    }
    // The HTTP client's worker threads would keep the JVM alive.
    System.exit(0);
  }

  record Result(long requests, long errors, double seconds, Histogram latency) {
    double p99() {
      return latency.getValueAtPercentile(99) / 1000.0;
    }

    void print(String phase) {
      System.out.printf(
          Locale.ROOT,
          "%-11s | %8d | %6d | %16.1f | %8.2f | %8.2f | %8.2f | %8.2f | %8.2f%n",
          phase,
          requests,
          errors,
          requests / seconds,
          latency.getValueAtPercentile(50) / 1000.0,
          latency.getValueAtPercentile(90) / 1000.0,
          latency.getValueAtPercentile(99) / 1000.0,
          latency.getValueAtPercentile(99.9) / 1000.0,
          latency.getMaxValue() / 1000.0);
    }
  }

  /** Sends at a fixed rate regardless of responses; latency from the scheduled send time. */
  static Result openLoop(HttpClient client, Body body, int rate, int seconds) throws Exception {
    Recorder recorder = new Recorder(3);
    AtomicLong errors = new AtomicLong();
    long period = 1_000_000_000L / rate;
    long total = (long) rate * seconds;
    Phaser pending = new Phaser(1);
    long start = System.nanoTime();
    for (long i = 0; i < total; i++) {
      long scheduled = start + i * period;
      long wait = scheduled - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      pending.register();
      client
          .sendAsync(body.next(), HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, failure) -> {
                recorder.recordValue((System.nanoTime() - scheduled) / 1000);
                if (failure != null || response.statusCode() != 200) {
                  errors.incrementAndGet();
                }
                pending.arriveAndDeregister();
              });
    }
    try {
      pending.awaitAdvanceInterruptibly(pending.arrive(), 60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // Overloaded: whatever is still outstanding a minute after the last send counts as failed.
      errors.addAndGet(pending.getUnarrivedParties());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(total, errors.get(), elapsed, recorder.getIntervalHistogram());
  }

  /** Each worker sends its next request when the previous one is answered. */
  static Result closedLoop(HttpClient client, Body body, int workers, int seconds)
      throws Exception {
    Recorder recorder = new Recorder(3);
    AtomicLong errors = new AtomicLong();
    AtomicLong count = new AtomicLong();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    long start = System.nanoTime();
    for (int w = 0; w < workers; w++) {
      pool.submit(
          () -> {
            while (System.nanoTime() < end) {
              long t0 = System.nanoTime();
              try {
                HttpResponse<Void> r =
                    client.send(body.next(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 200) {
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
    return new Result(count.get(), errors.get(), elapsed, recorder.getIntervalHistogram());
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

    /** The next request: the next service in turn, a fresh hookInstance and token. */
    HttpRequest next() {
      int k = (int) (sent.getAndIncrement() % uris.size());
      byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uris.get(k))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArrays(List.of(prefix, id, suffix)));
      String token = ehrs == null ? null : ehrs.get(k).take();
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      return request.build();
    }
  }

  static Process startServer(int port, String... properties) throws IOException {
    List<String> command = new java.util.ArrayList<>();
    command.add("java");
    command.add("-Xmx512m");
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

  static double waitUntilReady(HttpClient client, int port, long startNanos, Process server)
      throws Exception {
    URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
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
