package dev.clarion.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/**
 * A real PACS for the imaging tests: Debian's Orthanc with its DICOMweb plugin ({@code apt-get
 * install orthanc orthanc-dicomweb}; {@code .ci/run} installs them), started on free ports with its
 * own storage under {@code target/}, HTTP basic authentication on (the credential Clarion is given
 * for this DICOMweb endpoint), DICOM networking unused. No Docker.
 */
public final class Orthanc implements AutoCloseable {

  public static final Path BINARY = Path.of("/usr/sbin/Orthanc");
  public static final Path DICOMWEB_PLUGIN =
      Path.of("/usr/share/orthanc/plugins/libOrthancDicomWeb.so");
  public static final String USER = "clarion";
  public static final String PASSWORD = "pacs-test-secret";

  /** The {@code Authorization} header value of the test credential (HTTP basic). */
  public static final String AUTHORIZATION = basic(USER, PASSWORD);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int port;

  private Orthanc(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts a fresh Orthanc (empty storage) and waits until its REST API answers. */
  public static Orthanc start(String name) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY) || !Files.exists(DICOMWEB_PLUGIN)) {
      throw new IllegalStateException(
          "The imaging tests need Debian's Orthanc and its DICOMweb plugin at "
              + BINARY
              + " and "
              + DICOMWEB_PLUGIN
              + " (apt-get install orthanc orthanc-dicomweb; .ci/run installs them)");
    }
    Path dir = Path.of("target/orthanc", name).toAbsolutePath();
    deleteRecursively(dir);
    Files.createDirectories(dir.resolve("storage"));
    int port = freePort();
    ObjectNode config = Fixtures.JSON.createObjectNode();
    config.put("Name", "clarion-test-" + name);
    config.put("HttpPort", port);
    config.put("DicomPort", freePort());
    config.put("StorageDirectory", dir.resolve("storage").toString());
    config.put("IndexDirectory", dir.resolve("storage").toString());
    config.put("RemoteAccessAllowed", false);
    config.put("AuthenticationEnabled", true);
    config.putObject("RegisteredUsers").put(USER, PASSWORD);
    config.putArray("Plugins").add(DICOMWEB_PLUGIN.toString());
    config.putObject("DicomWeb").put("Enable", true).put("Root", "/dicom-web/");
    // A test replaces an instance's pixels under the same UIDs (the image changed in the PACS)
    config.put("OverwriteInstances", true);
    Path file = dir.resolve("orthanc.json");
    Fixtures.JSON.writeValue(file.toFile(), config);
    Process p =
        new ProcessBuilder(BINARY.toString(), file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("orthanc.log").toFile())
            .start();
    Orthanc orthanc = new Orthanc(p, port);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        if (orthanc.get("/system").statusCode() == 200) {
          return orthanc;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("Orthanc did not start; see " + dir.resolve("orthanc.log"));
      }
      Thread.sleep(100);
    }
  }

  /** The DICOMweb base URL (what an FHIR Endpoint.address names). */
  public String dicomWeb() {
    return "http://127.0.0.1:" + port + "/dicom-web";
  }

  public String base() {
    return "http://127.0.0.1:" + port;
  }

  /** Stores a DICOM Part 10 file (Orthanc's REST API, {@code POST /instances}). */
  public void store(byte[] part10) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            auth(HttpRequest.newBuilder(URI.create(base() + "/instances")))
                .header("Content-Type", "application/dicom")
                .POST(HttpRequest.BodyPublishers.ofByteArray(part10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("Orthanc refused the instance: " + r.body());
    }
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        auth(HttpRequest.newBuilder(URI.create(base() + path))).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  static HttpRequest.Builder auth(HttpRequest.Builder b) {
    return b.header("Authorization", AUTHORIZATION);
  }

  /** An HTTP basic {@code Authorization} header value. */
  public static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Stops it (the PACS going down mid-test). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
