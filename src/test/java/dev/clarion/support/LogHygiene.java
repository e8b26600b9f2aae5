package dev.clarion.support;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The test log (written by the %test profile, as JSON) never holds patient identifiers or tokens.
 */
public final class LogHygiene {

  static final Path LOG = Path.of("target/quarkus-test.log");

  private LogHygiene() {}

  public static void assertAbsent(String... secrets) throws IOException {
    assertTrue(Files.exists(LOG), "test log file is written");
    String text = Files.readString(LOG);
    // The test log is written as JSON (quarkus-logging-json, as a log collector would read it):
    // one object per line, every field checked below.
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        assertTrue(Fixtures.JSON.readTree(line).has("message"), "a JSON log record: " + line);
      }
    }
    for (String secret : secrets) {
      assertFalse(text.contains(secret), "log contains " + secret);
    }
  }
}
