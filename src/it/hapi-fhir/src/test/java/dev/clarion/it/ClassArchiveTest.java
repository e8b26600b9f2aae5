package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The class archive (AppCDS) a start maps instead of loading and verifying ~11,000 classes: the
 * packaged jar's {@code class-archive} command makes one from the calls a replica answers first, on
 * a database of its own that it removes; the archive {@code ./mvnw package} made is the one the
 * README's run command starts from, and the JVM takes it (a JVM that cannot use an archive says so
 * and carries on without it, so "it started" alone would prove nothing). How much faster the start
 * is, the benchmark says (README, "Start time").
 */
class ClassArchiveTest {

  @Test
  void theClassArchiveCommandTrainsOnItsOwnDatabaseAndLeavesOnlyTheArchive() throws Exception {
    Path scratch = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "class-archive-");
    Path archive = scratch.resolve("out/clarion.jsa");
    Path tmp = Files.createDirectories(scratch.resolve("tmp"));
    Files.createDirectories(archive.getParent());
    Process p =
        new ProcessBuilder(
                "java",
                "-Xmx512m",
                "-XX:ArchiveClassesAtExit=" + archive,
                "-Xlog:cds=error",
                "-Djava.io.tmpdir=" + tmp,
                "-Dquarkus.log.level=ERROR",
                "-jar",
                ClarionProcess.ROOT.resolve("target/quarkus-app/quarkus-run.jar").toString(),
                "class-archive")
            .directory(ClarionProcess.ROOT.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), output);
    assertEquals(0, p.exitValue(), output);
    assertTrue(output.contains("class-archive: GET /cds-services -> 200"), output);
    assertTrue(output.contains("class-archive: POST /cds-services/ascvd-risk -> 200"), output);
    assertTrue(
        Files.size(archive) > 20_000_000,
        "an archive of the server's classes: " + Files.size(archive) + " bytes");
    // Its database, key and checkpoints were its own, and are gone.
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(
          List.of(),
          left.filter(f -> f.getFileName().toString().startsWith("clarion-class-archive"))
              .toList());
    }
  }

  @Test
  void theReadmeRunCommandStartsFromTheArchiveThePackageMade() throws Exception {
    assertTrue(
        Files.size(ClarionProcess.CLASS_ARCHIVE) > 20_000_000,
        "./mvnw package makes " + ClarionProcess.CLASS_ARCHIVE);
    Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-pg-");
    try (ClarionProcess clarion =
        ClarionProcess.start("clarion-class-archive", List.of("clarion.embedded-db.dir=" + data))) {
      String maps = Files.readString(Path.of("/proc", clarion.process.pid() + "", "maps"));
      assertTrue(
          maps.contains(ClarionProcess.CLASS_ARCHIVE.toString()),
          "the JVM mapped the archive: " + clarion.output());
      assertFalse(clarion.output().contains("Unable to use shared archive"), clarion.output());
    }
  }
}
