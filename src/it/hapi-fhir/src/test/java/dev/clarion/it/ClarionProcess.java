package dev.clarion.it;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged Clarion server ({@code target/quarkus-app}) run as a separate process. */
final class ClarionProcess implements AutoCloseable {

  static final Path ROOT =
      Path.of(System.getProperty("clarion.root", "../../..")).toAbsolutePath().normalize();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final Process process;
  final int port;
  final File log;

  private ClarionProcess(Process process, int port, File log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The AppCDS archive {@code ./mvnw package} makes beside the jar (README, "Start time"). */
  static final Path CLASS_ARCHIVE = ROOT.resolve("target/quarkus-app/clarion.jsa");

  /** A Clarion server started some other way (e.g. from its container image) on {@code port}. */
  static ClarionProcess of(Process process, int port, File log) {
    return new ClarionProcess(process, port, log);
  }

  /** Starts Clarion with these system properties; does not wait. */
  static ClarionProcess launch(String name, List<String> properties) throws IOException {
    return launch(name, properties, freePort());
  }

  /** Starts Clarion on a given port (e.g. again after a crash); does not wait. */
  static ClarionProcess launch(String name, List<String> properties, int port) throws IOException {
    Path app = ROOT.resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.exists(app)) {
      throw new AssertionError("package Clarion first: " + app);
    }
    List<String> command = new ArrayList<>();
    command.add("java");
    command.add("-Xmx512m");
    // As the README runs it: from the class archive the package made (ClassArchiveTest).
    command.add("-XX:SharedArchiveFile=" + CLASS_ARCHIVE);
    // Workers yield to the event loops (README); the JVM's own threads are never raised.
    command.add("-XX:ThreadPriorityPolicy=1");
    command.add("-XX:JavaPriority8_To_OSPriority=0");
    command.add("-XX:JavaPriority9_To_OSPriority=0");
    command.add("-XX:JavaPriority10_To_OSPriority=0");
    command.add("-Djava.io.tmpdir=" + new File("target").getAbsolutePath());
    command.add("-Dquarkus.http.port=" + port);
    if (properties.stream().noneMatch(p -> p.startsWith("clarion.cds.public-base-url="))) {
      // A production run needs its public URL (the aud of every client JWT): here, the port.
      command.add("-Dclarion.cds.public-base-url=http://127.0.0.1:" + port);
    }
    if (properties.stream().noneMatch(p -> p.startsWith("clarion.audit.signing-key="))) {
      // A production run needs the decision chain's signing key: one per launch name, kept so
      // that a restart (the crash test) signs with the same key.
      command.add("-Dclarion.audit.signing-key=" + signingKey(name));
    }
    properties.forEach(p -> command.add("-D" + p));
    command.add("-jar");
    command.add(app.toString());
    File log = new File("target/" + name + ".log");
    Process process =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    return new ClarionProcess(process, port, log);
  }

  /** What a one-off command of the packaged jar printed, and its exit code. */
  record CommandResult(int exit, String output) {}

  /**
   * Runs a command of the packaged jar ({@code migrate}, {@code wait-for-schema}) with these system
   * properties, to its end (at most two minutes).
   */
  static CommandResult command(String command, List<String> properties) throws Exception {
    Path app = ROOT.resolve("target/quarkus-app/quarkus-run.jar");
    List<String> line = new ArrayList<>();
    line.add("java");
    line.add("-Xmx256m");
    properties.forEach(p -> line.add("-D" + p));
    line.add("-jar");
    line.add(app.toString());
    line.add(command);
    Process p = new ProcessBuilder(line).directory(ROOT.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish: " + output);
    }
    return new CommandResult(p.exitValue(), output);
  }

  /** An Ed25519 private key (PKCS#8 PEM) under target/, created on first use. */
  static Path signingKey(String name) throws IOException {
    Path file = Path.of("target", name + "-audit-signing-key.pem").toAbsolutePath();
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

  /** Starts Clarion and waits until it reports ready. */
  static ClarionProcess start(String name, List<String> properties) throws Exception {
    ClarionProcess clarion = launch(name, properties);
    clarion.awaitReady();
    return clarion;
  }

  void awaitReady() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("Clarion exited; see " + log.getAbsolutePath());
      }
      try {
        HttpResponse<Void> ready =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(url("/q/health/ready"))).build(),
                HttpResponse.BodyHandlers.discarding());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Clarion not ready in 90 s; see " + log.getAbsolutePath());
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  String output() throws IOException {
    return Files.readString(log.toPath());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
