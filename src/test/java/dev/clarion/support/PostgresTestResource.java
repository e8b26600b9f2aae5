package dev.clarion.support;

import dev.clarion.boot.EmbeddedDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real PostgreSQL for {@code @QuarkusTest}s: the embedded PostgreSQL 17 server on a fresh data
 * directory under {@code target/}, or an external server when {@code TEST_PG_URL} (with {@code
 * TEST_PG_USER} and {@code TEST_PG_PASSWORD}) is set; with a fresh directory for the chain's
 * checkpoints, which belong to that database.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

  private EmbeddedDatabase database;

  @Override
  public Map<String, String> start() {
    // Checkpoints belong to one database: a fresh directory with each.
    String checkpoints;
    try {
      checkpoints = Files.createTempDirectory(Path.of("target"), "checkpoints-").toString();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    String external = System.getenv("TEST_PG_URL");
    if (external != null && !external.isBlank()) {
      return Map.of(
          "quarkus.datasource.jdbc.url",
          external,
          "quarkus.datasource.username",
          System.getenv().getOrDefault("TEST_PG_USER", "postgres"),
          "quarkus.datasource.password",
          System.getenv().getOrDefault("TEST_PG_PASSWORD", ""),
          "clarion.audit.checkpoint.directory",
          checkpoints);
    }
    try {
      Path dir = Files.createTempDirectory(Path.of("target"), "pg-");
      database = EmbeddedDatabase.start(dir, true);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return Map.of(
        "quarkus.datasource.jdbc.url", database.jdbcUrl(),
        "quarkus.datasource.username", database.username(),
        "clarion.audit.checkpoint.directory", checkpoints);
  }

  @Override
  public void stop() {
    if (database != null) {
      database.close();
    }
  }
}
