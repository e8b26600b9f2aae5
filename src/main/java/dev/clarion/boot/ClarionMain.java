package dev.clarion.boot;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;

/**
 * Entry point. When no database is configured ({@code quarkus.datasource.jdbc.url} not given as a
 * system property or {@code QUARKUS_DATASOURCE_JDBC_URL}), starts an embedded PostgreSQL on a
 * persistent data directory ({@code clarion.embedded-db.dir}, default {@code data/pg}) so the
 * server runs on a fresh machine with no setup. Production sets the JDBC URL and never starts it.
 *
 * <p>Config is read with a stand-alone SmallRye builder because Quarkus' own configuration does not
 * exist yet at this point.
 */
@QuarkusMain
public final class ClarionMain {

  ClarionMain() {}

  public static void main(String... args) {
    SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultSources().build();
    if (config.getOptionalValue("quarkus.datasource.jdbc.url", String.class).isEmpty()) {
      Path dir =
          Path.of(
              config.getOptionalValue("clarion.embedded-db.dir", String.class).orElse("data/pg"));
      System.out.println("Clarion: starting embedded PostgreSQL in " + dir.toAbsolutePath());
      EmbeddedDatabase db = EmbeddedDatabase.start(dir, false);
      Runtime.getRuntime().addShutdownHook(new Thread(db::close, "embedded-postgres-stop"));
      System.setProperty("quarkus.datasource.jdbc.url", db.jdbcUrl());
      System.setProperty("quarkus.datasource.username", db.username());
    }
    Quarkus.run(args);
  }
}
