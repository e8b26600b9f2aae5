package dev.clarion.boot;

import io.smallrye.config.SmallRyeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The two commands a deployment runs besides the server, without starting it:
 *
 * <ul>
 *   <li>{@code migrate} — as the database owner: Flyway migrates the schema to this build's
 *       version, then the application role ({@code clarion.db.app-role}, env {@code
 *       CLARION_DB_APP_ROLE}) gets exactly the grants of {@code db/app-role-grants.sql}, in one
 *       transaction. Idempotent.
 *   <li>{@code wait-for-schema} — as the application role: waits until the schema is at this
 *       build's version (the migration has run), then exits 0; exits 1 after {@code
 *       clarion.db.wait-timeout} (default 10 minutes).
 * </ul>
 *
 * <p>The database is the one the server would use ({@code QUARKUS_DATASOURCE_JDBC_URL}, {@code
 * _USERNAME}, {@code _PASSWORD}). Progress goes to standard output; the password never does.
 */
final class DatabaseCommands {

  static final String APP_ROLE = "clarion.db.app-role";
  private static final Pattern ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String GRANTS = "db/app-role-grants.sql";

  private final SmallRyeConfig config;
  private final PrintStream out;

  DatabaseCommands(SmallRyeConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  /** Runs {@code command}; returns the process exit code. */
  int run(String command) {
    try {
      return switch (command) {
        case "migrate" -> migrate();
        case "wait-for-schema" -> waitForSchema();
        default -> throw new IllegalArgumentException(command);
      };
    } catch (Failure e) {
      out.println("Clarion " + command + ": " + e.getMessage());
      return 1;
    }
  }

  private int migrate() {
    String role = config.getOptionalValue(APP_ROLE, String.class).orElse(null);
    if (role != null && !ROLE.matcher(role).matches()) {
      throw new Failure(
          "CLARION_DB_APP_ROLE must be a lower-case PostgreSQL role name, not '" + role + "'");
    }
    Flyway flyway = flyway();
    out.println("Clarion migrate: " + where() + ", schema at " + current(flyway.info()));
    MigrateResult result;
    try {
      result = flyway.migrate();
    } catch (RuntimeException e) {
      throw new Failure("migration failed: " + e.getMessage());
    }
    out.println(
        "Clarion migrate: "
            + result.migrationsExecuted
            + " migration(s) applied, schema at "
            + current(flyway.info()));
    if (role == null) {
      out.println("Clarion migrate: no CLARION_DB_APP_ROLE, no grants");
      return 0;
    }
    List<String> grants = grants(role);
    try (Connection c = flyway.getConfiguration().getDataSource().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String grant : grants) {
          s.execute(grant);
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new Failure(
          "granting " + role + " failed (SQLState " + e.getSQLState() + "): " + e.getMessage());
    }
    out.println("Clarion migrate: " + grants.size() + " grant(s) to " + role + " in place");
    return 0;
  }

  private int waitForSchema() {
    Duration timeout =
        duration(config.getOptionalValue("clarion.db.wait-timeout", String.class).orElse("10m"));
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    while (true) {
      String state;
      try {
        MigrationInfoService info = flyway().info();
        MigrationInfo[] pending = info.pending();
        if (pending.length == 0 && info.current() != null) {
          out.println("Clarion wait-for-schema: " + where() + ", schema at " + current(info));
          return 0;
        }
        state =
            "schema at "
                + current(info)
                + ", "
                + pending.length
                + " migration(s) pending (the clarion-migrate Job applies them)";
      } catch (RuntimeException e) {
        state = "not reachable or not migrated yet (" + rootMessage(e) + ")";
      }
      if (!state.equals(last)) {
        out.println("Clarion wait-for-schema: " + where() + ": " + state);
        last = state;
      }
      if (System.nanoTime() > deadline) {
        throw new Failure("gave up after " + timeout + ": " + state);
      }
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
    }
  }

  /** A duration as Quarkus writes them ({@code 90s}, {@code 10m}, {@code 1h}) or ISO-8601. */
  private static Duration duration(String text) {
    try {
      if (text.matches("\\d+[smh]")) {
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      }
      return Duration.parse(text);
    } catch (RuntimeException e) {
      throw new Failure("CLARION_DB_WAIT_TIMEOUT must be a duration like 10m or 90s, not " + text);
    }
  }

  /** The grants, for {@code role}, one statement each. */
  static List<String> grants(String role) {
    String text;
    try (InputStream in = DatabaseCommands.class.getClassLoader().getResourceAsStream(GRANTS)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException(GRANTS + " is missing from the build", e);
    }
    List<String> statements = new ArrayList<>();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (!t.isEmpty() && !t.startsWith("--")) {
        statements.add(t.substring(0, t.indexOf(';')).replace("clarion_app", role));
      }
    }
    return statements;
  }

  private Flyway flyway() {
    return Flyway.configure(migrationLoader())
        .dataSource(
            required("quarkus.datasource.jdbc.url"),
            required("quarkus.datasource.username"),
            config.getOptionalValue("quarkus.datasource.password", String.class).orElse(null))
        .locations("classpath:db/migration")
        .connectRetries(0)
        .load();
  }

  /**
   * A class loader Flyway can list {@code db/migration} with: the packaged server's runner class
   * loader serves resources by name only, so the application jar is opened by a plain one.
   */
  private static ClassLoader migrationLoader() {
    ClassLoader own = DatabaseCommands.class.getClassLoader();
    URL location = DatabaseCommands.class.getProtectionDomain().getCodeSource().getLocation();
    if (location != null && location.getPath().endsWith(".jar")) {
      return new URLClassLoader(new URL[] {location}, own);
    }
    return own;
  }

  private String where() {
    return "database "
        + required("quarkus.datasource.jdbc.url").replaceAll("[?;].*", "")
        + " as "
        + required("quarkus.datasource.username");
  }

  private static String current(MigrationInfoService info) {
    MigrationInfo current = info.current();
    return current == null ? "no version (empty)" : "version " + current.getVersion();
  }

  private String required(String name) {
    return config
        .getOptionalValue(name, String.class)
        .orElseThrow(
            () ->
                new Failure(
                    name.toUpperCase().replace('.', '_')
                        + " is not set: the command needs the database the server uses"));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  /** A command that cannot finish, with the reason for the operator. */
  private static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message);
    }
  }
}
