package dev.clarion.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deployment's database steps on a real PostgreSQL: {@code wait-for-schema} waits while the
 * schema is behind and gives up with the reason; {@code migrate} as the owner brings it to this
 * build's version and grants the application role exactly the grants file (idempotently); the
 * application role can then append decisions but not rewrite them, and later tables start
 * append-only. The README lists the same grants as the file.
 */
class DatabaseCommandsTest {

  static EmbeddedDatabase db;
  static String url;

  @BeforeAll
  static void start() throws Exception {
    db = EmbeddedDatabase.start(Files.createTempDirectory(Path.of("target"), "db-commands"), true);
    url = db.jdbcUrl().replaceAll("\\?.*", "");
    try (Connection c = DriverManager.getConnection(url, "postgres", null);
        Statement s = c.createStatement()) {
      s.execute("create role clarion_app login password 'app-secret'");
    }
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  record Run(int exit, String output) {}

  static Run run(String command, String user, String password, Map<String, String> more) {
    Map<String, String> props = new HashMap<>(more);
    props.put("quarkus.datasource.jdbc.url", url);
    props.put("quarkus.datasource.username", user);
    if (password != null) {
      props.put("quarkus.datasource.password", password);
    }
    var config =
        new SmallRyeConfigBuilder()
            .withSources(new PropertiesConfigSource(props, "test", 500))
            .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit =
        new DatabaseCommands(config, new PrintStream(out, true, StandardCharsets.UTF_8))
            .run(command);
    return new Run(exit, out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void migratesOnceAsTheOwnerWhileTheServerWaitsAsTheApplicationRole() throws Exception {
    Run early =
        run(
            "wait-for-schema",
            "clarion_app",
            "app-secret",
            Map.of("clarion.db.wait-timeout", "1s"));
    assertEquals(1, early.exit(), early.output());
    assertTrue(early.output().contains("gave up after PT1S"), early.output());
    assertTrue(
        early
            .output()
            .contains("schema at no version (empty), " + migrations() + " migration(s) pending"),
        early.output());
    assertFalse(early.output().contains("app-secret"), "no password in the output");

    Run bad = run("migrate", "postgres", null, Map.of(DatabaseCommands.APP_ROLE, "app; drop"));
    assertEquals(1, bad.exit(), bad.output());
    assertTrue(bad.output().contains("CLARION_DB_APP_ROLE must be"), bad.output());

    Run migrate =
        run("migrate", "postgres", null, Map.of(DatabaseCommands.APP_ROLE, "clarion_app"));
    assertEquals(0, migrate.exit(), migrate.output());
    assertTrue(migrate.output().contains("schema at no version (empty)"), migrate.output());
    int applied = migrations();
    assertTrue(
        migrate.output().contains(applied + " migration(s) applied, schema at version " + applied),
        migrate.output());
    assertTrue(migrate.output().contains("grant(s) to clarion_app in place"), migrate.output());
    Run again = run("migrate", "postgres", null, Map.of(DatabaseCommands.APP_ROLE, "clarion_app"));
    assertEquals(0, again.exit(), again.output());
    assertTrue(again.output().contains("0 migration(s) applied"), again.output());

    Run ready = run("wait-for-schema", "clarion_app", "app-secret", Map.of());
    assertEquals(0, ready.exit(), ready.output());
    assertTrue(ready.output().contains("schema at version " + applied), ready.output());

    try (Connection app = DriverManager.getConnection(url, "clarion_app", "app-secret");
        Statement s = app.createStatement()) {
      s.executeQuery("select count(*) from decision").close();
      SQLException update =
          assertThrows(SQLException.class, () -> s.execute("update decision set outcome = 'X'"));
      assertEquals("42501", update.getSQLState(), "permission denied");
      assertThrows(SQLException.class, () -> s.execute("truncate feedback"));
    }
    // A table a later migration adds starts append-only for the application role.
    try (Connection owner = DriverManager.getConnection(url, "postgres", null);
        Statement s = owner.createStatement()) {
      s.execute("create table later_table (id bigserial primary key, note text)");
    }
    try (Connection app = DriverManager.getConnection(url, "clarion_app", "app-secret");
        Statement s = app.createStatement()) {
      s.execute("insert into later_table (note) values ('appended')");
      SQLException update =
          assertThrows(SQLException.class, () -> s.execute("update later_table set note = 'x'"));
      assertEquals("42501", update.getSQLState());
    }
  }

  @Test
  void theReadmeListsTheGrantsTheMigrationGives() throws Exception {
    List<String> readme = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("README.md"))) {
      String t = line.strip();
      if (t.startsWith("GRANT ") && t.contains("TO clarion_app")) {
        readme.add(t.substring(0, t.indexOf(';')));
      }
    }
    List<String> file =
        DatabaseCommands.grants("clarion_app").stream()
            .filter(g -> g.startsWith("GRANT "))
            .toList();
    assertEquals(file, readme);
    assertTrue(
        DatabaseCommands.grants("clarion_app").stream()
            .anyMatch(g -> g.startsWith("ALTER DEFAULT")));
    assertEquals(
        "GRANT DELETE ON jwt_replay TO other_role", DatabaseCommands.grants("other_role").get(1));
  }

  /** The migrations in this build (V1__… to Vn__…). */
  static int migrations() throws Exception {
    try (var files = Files.list(Path.of("src/main/resources/db/migration"))) {
      return (int) files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
    }
  }
}
