package dev.clarion.boot;

import ai.onnxruntime.OrtEnvironment;
import dev.clarion.fhir.FhirContextProducer;
import dev.clarion.runtime.RunMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Entry point. When no database is configured ({@code quarkus.datasource.jdbc.url} not given as a
 * system property or {@code QUARKUS_DATASOURCE_JDBC_URL}), starts an embedded PostgreSQL on a
 * persistent data directory ({@code clarion.embedded-db.dir}, default {@code data/pg}) so the
 * server runs on a fresh machine with no setup. Production sets the JDBC URL and never starts it.
 * The embedded run also accepts unsigned CDS Hooks calls from loopback (see {@code
 * clarion.security.unsigned-loopback}) unless that is configured off, and keeps the decision
 * chain's signing key and checkpoints beside the data directory unless configured elsewhere.
 * Without a Keycloak URL the OIDC tenant is disabled, which keeps the staff APIs closed rather than
 * failing start-up.
 *
 * <p>{@code migrate} and {@code wait-for-schema} as the only argument run a deployment's database
 * step instead of the server ({@link DatabaseCommands}). {@code class-archive} starts the server on
 * a throwaway embedded database and a free port, makes the calls of {@link ClassArchiveTraining}
 * and exits: run under {@code -XX:ArchiveClassesAtExit=FILE}, it leaves the AppCDS archive that
 * {@code -XX:SharedArchiveFile=FILE} starts from (the build makes one: README, "Start time").
 *
 * <p>Config is read with a stand-alone SmallRye builder because Quarkus' own configuration does not
 * exist yet at this point.
 */
@QuarkusMain
public final class ClarionMain {

  private static final String UNSIGNED_LOOPBACK = "clarion.security.unsigned-loopback";
  private static final String SIGNING_KEY = "clarion.audit.signing-key";
  private static final String CHECKPOINTS = "clarion.audit.checkpoint.directory";

  ClarionMain() {}

  public static void main(String... args) {
    if (args.length == 1 && List.of("migrate", "wait-for-schema").contains(args[0])) {
      // A deployment's database steps, without starting the server (see DatabaseCommands).
      SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().build();
      System.exit(new DatabaseCommands(config, System.out).run(args[0]));
    }
    boolean classArchive = args.length == 1 && "class-archive".equals(args[0]);
    // Logging first, on this thread alone. Left to race, the warm-up thread (HAPI's first logger
    // initialising JBoss' LogContext, whose handler needs the JDK LogManager) and this one (the
    // JDK LogManager's initialisation, holding its lock, configuring JBoss' LogContext) could each
    // wait for the other forever: a start that printed nothing and never became ready (seen in
    // CI twice; thread dump in the stop note of 2026-12-06).
    java.util.logging.LogManager.getLogManager();
    // HAPI's FhirContext and ONNX Runtime's native library take ~1.5 s to load; do it on the
    // second core while PostgreSQL and Quarkus start.
    Thread warmUp =
        new Thread(
            () -> {
              FhirContextProducer.warm();
              OrtEnvironment.getEnvironment();
            },
            "clarion-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
    SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().build();
    Path scratch = classArchive ? scratch() : null;
    if (classArchive
        || config.getOptionalValue("quarkus.datasource.jdbc.url", String.class).isEmpty()) {
      Path dir =
          classArchive
              ? scratch.resolve("pg")
              : Path.of(
                  config
                      .getOptionalValue("clarion.embedded-db.dir", String.class)
                      .orElse("data/pg"));
      System.out.println("Clarion: starting embedded PostgreSQL in " + dir.toAbsolutePath());
      long start = System.nanoTime();
      EmbeddedDatabase db = EmbeddedDatabase.start(dir, false);
      System.out.printf(
          "Clarion: embedded PostgreSQL ready in %.1f s (no QUARKUS_DATASOURCE_JDBC_URL set)%n",
          (System.nanoTime() - start) / 1e9);
      // Stop PostgreSQL only after Quarkus has stopped: its shutdown drains the decision writer
      // and publishes the last chain checkpoint, both through the database. (JVM shutdown hooks
      // run concurrently; this one waits for the exit handler below.)
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    JVM_SHUTTING_DOWN.set(true);
                    try {
                      QUARKUS_STOPPED.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    db.close();
                    if (scratch != null) {
                      deleteRecursively(scratch);
                    }
                  },
                  "embedded-postgres-stop"));
      System.setProperty("quarkus.datasource.jdbc.url", db.jdbcUrl());
      System.setProperty("quarkus.datasource.username", db.username());
      System.setProperty(RunMode.EMBEDDED_RUN, "true");
      // The chain's signing key and checkpoints live beside the data, created on first start.
      if (classArchive || config.getOptionalValue(SIGNING_KEY, String.class).isEmpty()) {
        System.setProperty(
            SIGNING_KEY, dir.toAbsolutePath().resolveSibling("audit-signing-key.pem").toString());
        System.setProperty(SIGNING_KEY + "-create", "true");
      }
      if (classArchive || config.getOptionalValue(CHECKPOINTS, String.class).isEmpty()) {
        System.setProperty(
            CHECKPOINTS, dir.toAbsolutePath().resolveSibling("checkpoints").toString());
      }
      // Easy to try on one machine: unsigned hook calls from loopback, unless turned off.
      if (classArchive || config.getOptionalValue(UNSIGNED_LOOPBACK, String.class).isEmpty()) {
        System.setProperty(UNSIGNED_LOOPBACK, "true");
      }
    }
    if (config.getOptionalValue("quarkus.oidc.auth-server-url", String.class).isEmpty()) {
      // No Keycloak: the staff APIs (/admin, /audit) stay closed (401) instead of failing start-up.
      System.setProperty("quarkus.oidc.tenant-enabled", "false");
      System.setProperty("quarkus.oidc.auditor-web.tenant-enabled", "false");
      System.out.println(
          "Clarion: no QUARKUS_OIDC_AUTH_SERVER_URL set; the admin and audit APIs and the auditor page are closed");
    }
    if (classArchive) {
      System.setProperty("quarkus.http.port", String.valueOf(freePort()));
    }
    Quarkus.run(
        classArchive ? ClassArchiveTraining.class : null,
        (exitCode, error) -> {
          if (error != null) {
            error.printStackTrace();
          }
          QUARKUS_STOPPED.countDown();
          if (!JVM_SHUTTING_DOWN.get()) {
            System.exit(exitCode);
          }
        },
        args);
  }

  /** The class-archive run's own folder (database, key, checkpoints), deleted when it ends. */
  private static Path scratch() {
    try {
      return Files.createTempDirectory("clarion-class-archive");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try {
      // PostgreSQL removes its last files (postmaster.pid) as it goes: a file gone is fine.
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      System.err.println("Clarion: could not delete " + dir + ": " + e.getMessage());
    }
  }

  /** Counted down when Quarkus has stopped (the embedded database may stop then). */
  private static final CountDownLatch QUARKUS_STOPPED = new CountDownLatch(1);

  /** Set when the JVM shuts down (a signal): the exit handler must not call System.exit then. */
  private static final AtomicBoolean JVM_SHUTTING_DOWN = new AtomicBoolean();
}
