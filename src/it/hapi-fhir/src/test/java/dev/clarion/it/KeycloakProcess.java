package dev.clarion.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Keycloak for the packaged server's staff APIs: the distribution the root build unpacks
 * into {@code target/keycloak}, started with {@code kc.sh start-dev} and the committed realm {@code
 * k8s/keycloak/clarion-realm.json} on free ports.
 */
final class KeycloakProcess implements AutoCloseable {

  static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

  final Process process;
  final String realmUrl;
  final String healthUrl;
  final Path log;

  private KeycloakProcess(Process process, int port, int management, Path log) {
    this.process = process;
    this.realmUrl = "http://localhost:" + port + "/realms/clarion";
    this.healthUrl = "http://localhost:" + management + "/health/ready";
    this.log = log;
  }

  /** Starts Keycloak and waits until the realm is served. */
  static KeycloakProcess start() throws Exception {
    Path home;
    try (Stream<Path> dirs = Files.list(ClarionProcess.ROOT.resolve("target/keycloak"))) {
      home =
          dirs.filter(p -> p.getFileName().toString().startsWith("keycloak-"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("Keycloak not unpacked; build the root first"));
    }
    Path data = home.resolve("data");
    if (Files.exists(data.resolve("h2"))) {
      try (Stream<Path> files = Files.walk(data.resolve("h2"))) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(data.resolve("import"));
    Files.copy(
        ClarionProcess.ROOT.resolve("k8s/keycloak/clarion-realm.json"),
        data.resolve("import/clarion-realm.json"),
        StandardCopyOption.REPLACE_EXISTING);
    int port = ClarionProcess.freePort();
    int management = ClarionProcess.freePort();
    Path log = Path.of("target/keycloak-it.log").toAbsolutePath();
    ProcessBuilder builder =
        new ProcessBuilder(
                home.resolve("bin/kc.sh").toString(),
                "start-dev",
                "--http-port=" + port,
                "--http-management-port=" + management,
                "--health-enabled=true",
                "--import-realm")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
    KeycloakProcess keycloak = new KeycloakProcess(builder.start(), port, management, log);
    keycloak.awaitReady();
    return keycloak;
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("Keycloak exited; see " + log);
      }
      if (ok(healthUrl) && ok(realmUrl + "/.well-known/openid-configuration")) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Keycloak not ready in " + READY_TIMEOUT + "; see " + log);
  }

  private static boolean ok(String url) throws InterruptedException {
    try {
      return ClarionProcess.HTTP
              .send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException notYet) {
      return false;
    }
  }

  /** An access token for a realm user (password grant through the public staff client). */
  String token(String user, String password) throws Exception {
    String form =
        "grant_type=password&client_id=clarion-staff&username="
            + URLEncoder.encode(user, StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(password, StandardCharsets.UTF_8);
    HttpResponse<String> response =
        ClarionProcess.HTTP.send(
            HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("Keycloak refused a token for " + user + ": " + response.body());
    }
    return new ObjectMapper().readTree(response.body()).get("access_token").asText();
  }

  @Override
  public void close() throws Exception {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
