package dev.clarion.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak (the keycloak-quarkus-dist the build unpacks into {@code target/keycloak}),
 * started with {@code kc.sh start-dev} and the committed realm {@code
 * k8s/keycloak/clarion-realm.json}, on free ports. It boots in the background while Quarkus starts
 * (quarkus-oidc connects on first use); {@link #token} waits until it is ready.
 */
public class KeycloakTestResource implements QuarkusTestResourceLifecycleManager {

  static final Path REALM = Path.of("k8s/keycloak/clarion-realm.json");
  static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private static volatile String realmUrl;
  private static volatile String healthUrl;
  private static volatile String appUrl;
  private Process process;

  @Override
  public Map<String, String> start() {
    try {
      Path home = distribution();
      Path data = home.resolve("data");
      if (Files.exists(data.resolve("h2"))) {
        try (Stream<Path> files = Files.walk(data.resolve("h2"))) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
      Files.createDirectories(data.resolve("import"));
      // The browser sign-in (auditor page) redirects back to the application under test: pin its
      // port and allow it as a redirect URI of clarion-staff in the imported copy of the realm.
      int appPort = freePort();
      ObjectNode realm = (ObjectNode) Fixtures.JSON.readTree(REALM.toFile());
      for (JsonNode client : realm.get("clients")) {
        if (client.get("clientId").asText().equals("clarion-staff")) {
          ((ArrayNode) client.get("redirectUris")).add("http://localhost:" + appPort + "/*");
        }
      }
      Fixtures.JSON.writeValue(data.resolve("import/clarion-realm.json").toFile(), realm);
      appUrl = "http://localhost:" + appPort;
      int port = freePort();
      int management = freePort();
      ProcessBuilder builder =
          new ProcessBuilder(
                  home.resolve("bin/kc.sh").toString(),
                  "start-dev",
                  "--http-port=" + port,
                  "--http-management-port=" + management,
                  "--health-enabled=true",
                  "--import-realm")
              .redirectErrorStream(true)
              .redirectOutput(Path.of("target/keycloak.log").toFile());
      builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
      process = builder.start();
      realmUrl = "http://localhost:" + port + "/realms/clarion";
      healthUrl = "http://localhost:" + management + "/health/ready";
      return Map.of(
          "quarkus.oidc.auth-server-url", realmUrl, "quarkus.http.test-port", "" + appPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void stop() {
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** An access token for a realm user (password grant through the public staff client). */
  public static String token(String user, String password) {
    return requestToken(
        Map.of(
            "grant_type",
            "password",
            "client_id",
            "clarion-staff",
            "username",
            user,
            "password",
            password));
  }

  /** An access token for the {@code clarion-ops} service account (client credentials). */
  public static String serviceToken() {
    return requestToken(
        Map.of(
            "grant_type", "client_credentials",
            "client_id", "clarion-ops",
            "client_secret", "clarion-ops-secret"));
  }

  private static String requestToken(Map<String, String> form) {
    awaitReady();
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/token"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode json = Fixtures.JSON.readTree(response.body());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("Keycloak refused a token: " + response.body());
      }
      return json.get("access_token").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The application under test as a browser reaches it (an allowed sign-in redirect). */
  public static String appUrl() {
    return appUrl;
  }

  /** Waits until Keycloak reports ready and serves the realm. */
  public static void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (ok(healthUrl) && ok(realmUrl + "/.well-known/openid-configuration")) {
        return;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(
        "Keycloak not ready in " + READY_TIMEOUT + "; see target/keycloak.log");
  }

  private static boolean ok(String url) {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Path distribution() throws IOException {
    try (Stream<Path> dirs = Files.list(Path.of("target/keycloak"))) {
      return dirs.filter(p -> p.getFileName().toString().startsWith("keycloak-"))
          .findFirst()
          .orElseThrow(
              () -> new IllegalStateException("Keycloak not unpacked in target/keycloak; run mvn"));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
