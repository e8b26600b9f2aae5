package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The container image as a platform team gets it: built by {@code src/main/image/build.sh} without
 * a Docker daemon (mmdebstrap + umoci), its OCI configuration what the Kubernetes manifests expect
 * (non-root user 10001, entrypoint, port 8080, health paths, version and revision labels, JVM
 * flags), the server, every bundled model and service definition in a read-only layer of its own —
 * and the image started as a container runtime would start it (its own root file system with its
 * own JRE, its user, its environment, a private PID and mount namespace): ready, and answering a
 * hook with a card. Needs root, as CI has (the image's root file system is owned by root).
 */
class ContainerImageTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path OUT = ClarionProcess.ROOT.resolve("target/image");

  @Test
  void buildsAnImageThatRunsAsItsOwnUser() throws Exception {
    assertEquals(
        "0",
        run(List.of("id", "-u"), null).strip(),
        "the image test runs as root (as CI does): the image's root file system is root's");
    String build =
        run(List.of(ClarionProcess.ROOT.resolve("src/main/image/build.sh").toString()), null);
    assertTrue(build.contains("[4/4] image configuration"), build);

    JsonNode index = JSON.readTree(OUT.resolve("oci/index.json").toFile());
    assertEquals(
        "clarion", index.at("/manifests/0/annotations/org.opencontainers.image.ref.name").asText());
    JsonNode manifest = blob(index.at("/manifests/0/digest").asText());
    JsonNode config = blob(manifest.at("/config/digest").asText()).path("config");
    assertEquals("10001:10001", config.path("User").asText());
    assertEquals(
        List.of("java", "-jar", "/opt/clarion/app/quarkus-run.jar"),
        strings(config.path("Entrypoint")));
    assertTrue(config.path("ExposedPorts").has("8080/tcp"));
    assertEquals("/q/health/ready", config.at("/Labels/dev.clarion.health.readiness").asText());
    assertEquals(
        run(List.of("git", "rev-parse", "HEAD"), ClarionProcess.ROOT.toFile()).strip(),
        config.at("/Labels/org.opencontainers.image.revision").asText());
    String pom = Files.readString(ClarionProcess.ROOT.resolve("pom.xml"));
    String version = pom.replaceAll("(?s).*?\n  <version>([^<]+)</version>.*", "$1");
    assertEquals(version, config.at("/Labels/org.opencontainers.image.version").asText());
    Map<String, String> env = new TreeMap<>();
    config
        .path("Env")
        .forEach(e -> env.put(e.asText().split("=", 2)[0], e.asText().split("=", 2)[1]));
    assertTrue(env.get("JDK_JAVA_OPTIONS").contains("-XX:MaxRAMPercentage=75"), env.toString());
    assertTrue(env.get("JDK_JAVA_OPTIONS").contains("-XX:ThreadPriorityPolicy=1"), env.toString());
    assertTrue(
        env.get("JDK_JAVA_OPTIONS").contains("-XX:JavaPriority10_To_OSPriority=0"), env.toString());
    assertTrue(
        env.get("JDK_JAVA_OPTIONS").contains("-XX:SharedArchiveFile=/opt/clarion/app/clarion.jsa"),
        "starts from the image's class archive: " + env);
    assertEquals("/opt/clarion/models", env.get("CLARION_MODELS_DIR"));
    assertTrue(config.path("Volumes").has("/opt/clarion/models"), "models overridable by a volume");

    // The manifests run what the image declares.
    String deployment = Files.readString(ClarionProcess.ROOT.resolve("k8s/base/deployment.yaml"));
    assertTrue(deployment.contains("runAsUser: 10001"), "the Deployment runs as the image's user");
    String configMap = Files.readString(ClarionProcess.ROOT.resolve("k8s/base/configmap.yaml"));
    assertTrue(configMap.contains("CLARION_MODELS_DIR: \"/opt/clarion/models\""));

    // Two layers: the OS with its JRE, then Clarion; everything of Clarion's is root's, read-only.
    assertEquals(2, manifest.path("layers").size());
    String appLayer =
        run(
            List.of(
                "tar",
                "-tzvf",
                OUT.resolve(
                        "oci/blobs/sha256/" + manifest.at("/layers/1/digest").asText().substring(7))
                    .toString()),
            null);
    assertTrue(appLayer.contains("opt/clarion/app/quarkus-run.jar"), "the server");
    assertTrue(appLayer.contains("opt/clarion/app/clarion.jsa"), "its class archive");
    try (var models = Files.list(ClarionProcess.ROOT.resolve("models"))) {
      for (Path m : models.filter(p -> Files.exists(p.resolve("model.json"))).toList()) {
        assertTrue(
            appLayer.contains("opt/clarion/models/" + m.getFileName() + "/model.json"),
            "bundled model " + m.getFileName());
      }
    }
    try (var services = Files.list(ClarionProcess.ROOT.resolve("cds-hooks"))) {
      for (Path s : services.filter(p -> p.toString().endsWith(".json")).toList()) {
        assertTrue(appLayer.contains("opt/clarion/cds-hooks/" + s.getFileName()), s.toString());
      }
    }
    for (String line : appLayer.split("\n")) {
      if (line.contains(" opt/clarion/")) {
        assertTrue(line.contains(" 0/0 "), "owned by root: " + line);
        assertTrue(line.charAt(5) != 'w' && line.charAt(8) != 'w', "read-only to others: " + line);
      }
    }

    // Started as a runtime starts it: unpacked, its entrypoint as its user with its environment.
    Path bundle = ClarionProcess.ROOT.resolve("target/image-run");
    run(List.of("rm", "-rf", bundle.toString()), null);
    run(
        List.of(
            "umoci",
            "unpack",
            "--image",
            OUT.resolve("oci").toString() + ":clarion",
            bundle.toString()),
        null);
    Path rootfs = bundle.resolve("rootfs");
    int port = ClarionProcess.freePort();
    List<String> envLine =
        new ArrayList<>(List.of("/usr/bin/env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin"));
    env.forEach((k, v) -> envLine.add(k + "=" + v));
    envLine.add("QUARKUS_HTTP_PORT=" + port);
    String entrypoint =
        String.join(
            " ",
            strings(config.path("Entrypoint")).stream().map(ContainerImageTest::quoted).toList());
    String inside =
        String.join(" ", envLine.stream().map(ContainerImageTest::quoted).toList())
            + " sh -c "
            + quoted("cd " + config.path("WorkingDir").asText() + " && exec " + entrypoint);
    List<String> command =
        List.of(
            "unshare",
            "--mount",
            "--pid",
            "--fork",
            "--mount-proc=" + rootfs.resolve("proc"),
            "sh",
            "-c",
            "mount --bind /dev "
                + rootfs.resolve("dev")
                + " && exec chroot --userspec="
                + config.path("User").asText()
                + " "
                + rootfs
                + " "
                + inside);
    File log = ClarionProcess.ROOT.resolve("target/image-run.log").toFile();
    Process container =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
    try {
      ClarionProcess server = ClarionProcess.of(container, port, log);
      server.awaitReady();
      String java =
          run(List.of("pgrep", "-f", "-n", "/opt/clarion/app/quarkus-run.jar"), null).strip();
      String status = Files.readString(Path.of("/proc", java, "status"));
      assertTrue(
          status.matches("(?s).*\nUid:\\s+10001\\s.*"), "the server runs as 10001:\n" + status);
      // The archive made at build time by this JRE from this jar is mapped, not refused (a JVM
      // that cannot use it says "Unable to use shared archive" and loads every class itself).
      assertTrue(
          Files.readString(Path.of("/proc", java, "maps")).contains("/opt/clarion/app/clarion.jsa"),
          "the server started from the image's class archive: " + Files.readString(log.toPath()));
      String request =
          Files.readString(
              ClarionProcess.ROOT.resolve(
                  "src/test/resources/cds/patient_view_synthea_scored.json"));
      HttpResponse<String> hook =
          ClarionProcess.HTTP.send(
              HttpRequest.newBuilder(URI.create(server.url("/cds-services/ascvd-risk")))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(request))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, hook.statusCode(), hook.body());
      assertTrue(
          JSON.readTree(hook.body())
              .at("/cards/0/summary")
              .asText()
              .startsWith("10-year ASCVD risk"),
          hook.body());
      // SIGTERM to the container's PID 1, as the kubelet sends it: the server stops gracefully.
      run(List.of("kill", "-TERM", java), null);
      assertTrue(container.waitFor(30, TimeUnit.SECONDS), "stopped within the grace period");
      assertTrue(
          Files.readString(log.toPath()).contains("stopped in"),
          "a graceful stop: " + Files.readString(log.toPath()));
    } finally {
      if (container.isAlive()) {
        container.destroyForcibly();
        // The server changed its user, so the kernel does not end it with its parent: end it.
        new ProcessBuilder("pkill", "-KILL", "-f", "/opt/clarion/app/quarkus-run.jar")
            .start()
            .waitFor(10, TimeUnit.SECONDS);
      }
      run(List.of("rm", "-rf", bundle.toString()), null);
    }
  }

  static JsonNode blob(String digest) throws IOException {
    return JSON.readTree(
        OUT.resolve("oci/blobs/sha256/" + digest.substring("sha256:".length())).toFile());
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static String quoted(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Runs a command to its end (at most 10 minutes); its output, or an error with it. */
  static String run(List<String> command, File dir) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }
}
