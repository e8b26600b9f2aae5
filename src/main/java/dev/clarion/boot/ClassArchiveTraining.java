package dev.clarion.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.QuarkusApplication;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The {@code class-archive} command's run: once the server is up, the calls a replica answers in
 * its first minute, through its own HTTP port — discovery, every patient-view service with each
 * sample request in {@code cds-hooks/examples/} (its {@code fhirServer} removed: nothing leaves the
 * machine), a malformed body, a refused token, the health and metrics endpoints — then exit. Run
 * under {@code -XX:ArchiveClassesAtExit}, the JVM writes every class this loaded into an AppCDS
 * archive, which a later start maps instead of loading and verifying the classes again (README,
 * "Start time"). The statuses are printed, not judged: a 412 loads as many classes as a 200; only a
 * server that does not answer discovery fails the run.
 */
public final class ClassArchiveTraining implements QuarkusApplication {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public int run(String... args) throws Exception {
    Config config = ConfigProvider.getConfig();
    PrintStream out = System.out;
    String base = "http://127.0.0.1:" + config.getValue("quarkus.http.port", Integer.class);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<String> discovery = send(http, out, get(base + "/cds-services"));
    if (discovery.statusCode() != 200) {
      out.println("class-archive: discovery answered " + discovery.statusCode() + "; no archive");
      return 1;
    }
    List<String> patientView = new ArrayList<>();
    for (JsonNode service : JSON.readTree(discovery.body()).path("services")) {
      if ("patient-view".equals(service.path("hook").asText())) {
        patientView.add(service.path("id").asText());
      }
    }
    Path examples = config.getValue("clarion.cds.definitions-dir", Path.class).resolve("examples");
    for (Path example : examples(examples)) {
      ObjectNode request = (ObjectNode) JSON.readTree(example.toFile());
      request.remove(List.of("fhirServer", "fhirAuthorization"));
      for (String id : patientView) {
        request.put("hookInstance", UUID.randomUUID().toString());
        send(http, out, post(base + "/cds-services/" + id, JSON.writeValueAsString(request)));
      }
    }
    if (!patientView.isEmpty()) {
      String hook = base + "/cds-services/" + patientView.get(0);
      send(http, out, post(hook, "{\"hook\": \"patient-view\""));
      send(
          http,
          out,
          HttpRequest.newBuilder(URI.create(hook))
              .header("Content-Type", "application/json")
              .header("Authorization", "Bearer not.a.token")
              .POST(HttpRequest.BodyPublishers.ofString("{}"))
              .build());
    }
    send(http, out, get(base + "/q/health/ready"));
    send(http, out, get(base + "/q/metrics"));
    return 0;
  }

  private static List<Path> examples(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).GET().build();
  }

  private static HttpRequest post(String url, String body) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpResponse<String> send(HttpClient http, PrintStream out, HttpRequest request)
      throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    out.printf(
        "class-archive: %s %s -> %d%n",
        request.method(), request.uri().getPath(), response.statusCode());
    return response;
  }
}
