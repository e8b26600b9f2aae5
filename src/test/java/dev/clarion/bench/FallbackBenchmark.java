package dev.clarion.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.FakeFhirServer;
import dev.clarion.support.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * How long a patient-view call takes when keys are missing from the prefetch and must be fetched
 * from a FHIR server that needs {@code bench.fhir-latency} ms (default 50) per call. Compares 0, 1
 * and 4 missing keys: fetched in parallel, 4 keys should cost about what 1 does (goal ≤ 1.2×);
 * sequential fetching would cost about 4×.
 *
 * <p>Starts a FHIR server over the Synthea test patient and the packaged Clarion server; run with
 * {@code ./mvnw -B -Pbenchmark verify}.
 */
public final class FallbackBenchmark {

  public static void main(String[] args) throws Exception {
    int latency = Integer.getInteger("bench.fhir-latency", 50);
    int repetitions = Integer.getInteger("bench.fallback-repetitions", 60);
    int port = Integer.getInteger("bench.port", 8089) + 1;
    String fixture = "cds/patient_view_synthea_scored.json";
    try (FakeFhirServer fhir = new FakeFhirServer(fixture)) {
      fhir.latencyMs = latency;
      Path dataDir = Path.of("target/bench-fallback-pg");
      PatientViewBenchmark.deleteRecursively(dataDir);
      long start = System.nanoTime();
      // The embedded run with unsigned loopback calls: client JWTs do not change the ratio
      // measured.
      Process server =
          PatientViewBenchmark.startServer(
              port,
              "512m",
              "clarion.embedded-db.dir=" + dataDir,
              "clarion.fhir.allowed-servers=" + fhir.base(),
              "clarion.fhir.deadline=2s");
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      try {
        PatientViewBenchmark.waitUntilReady(client, port, start, server, "/q/health/ready");
        URI uri = URI.create("http://127.0.0.1:" + port + "/cds-services/ascvd-risk");
        List<String> one = List.of("lipids");
        List<String> four = List.of("lipids", "bloodPressure", "smokingStatus", "medications");
        System.out.printf(
            "FHIR server latency %d ms per call; %d sequential calls per case after warm-up%n",
            latency, repetitions);
        measure(client, uri, fixture, fhir, four, repetitions); // warm-up
        double none = measure(client, uri, fixture, fhir, List.of(), repetitions);
        double single = measure(client, uri, fixture, fhir, one, repetitions);
        double quad = measure(client, uri, fixture, fhir, four, repetitions);
        System.out.printf(Locale.ROOT, "%nmissing keys | median ms%n-------------|----------%n");
        System.out.printf(Locale.ROOT, "0 (all prefetched) | %8.1f%n", none);
        System.out.printf(Locale.ROOT, "1 | %8.1f%n", single);
        System.out.printf(Locale.ROOT, "4 | %8.1f%n", quad);
        double ratio = quad / single;
        System.out.printf(
            Locale.ROOT,
            "%n4 missing keys take %.2f x the time of 1 (goal <= 1.2; sequential fetching ~%.1f)"
                + " -> %s%n",
            ratio,
            (none + 4 * (single - none)) / single,
            ratio <= 1.2 ? "MET" : "NOT MET");
      } finally {
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
        server.destroyForcibly();
      }
    }
    System.exit(0);
  }

  /** Median end-to-end latency in ms of sequential calls with the given keys left out. */
  static double measure(
      HttpClient client,
      URI uri,
      String fixture,
      FakeFhirServer fhir,
      List<String> missing,
      int repetitions)
      throws Exception {
    double[] ms = new double[repetitions];
    for (int i = 0; i < repetitions; i++) {
      ObjectNode request = Fixtures.json(fixture);
      request.put("hookInstance", UUID.randomUUID().toString());
      request.put("fhirServer", fhir.base());
      request
          .putObject("fhirAuthorization")
          .put("access_token", "bench")
          .put("token_type", "Bearer");
      missing.forEach(((ObjectNode) request.get("prefetch"))::remove);
      HttpRequest http =
          HttpRequest.newBuilder(uri)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(Fixtures.text(request)))
              .build();
      long t0 = System.nanoTime();
      HttpResponse<Void> response = client.send(http, HttpResponse.BodyHandlers.discarding());
      ms[i] = (System.nanoTime() - t0) / 1e6;
      if (response.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + response.statusCode() + " with " + missing);
      }
    }
    Arrays.sort(ms);
    return ms[repetitions / 2];
  }

  private FallbackBenchmark() {}
}
