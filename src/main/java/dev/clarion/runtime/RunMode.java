package dev.clarion.runtime;

import io.quarkus.runtime.LaunchMode;

/**
 * Which kind of run this is. The embedded run ({@code java -jar} with no database configured: an
 * embedded PostgreSQL, unsigned loopback calls, keys created on first start) is set up by {@code
 * ClarionMain}, which sets {@link #EMBEDDED_RUN}; a production run is a packaged run with a
 * configured database, which must be given its URL, keys and secrets.
 */
public final class RunMode {

  /** System property set by {@code ClarionMain} for the embedded run. */
  public static final String EMBEDDED_RUN = "clarion.embedded-run";

  private RunMode() {}

  /** Whether this is a production run: packaged (not a test or dev run) and not embedded. */
  public static boolean production(boolean embedded) {
    return LaunchMode.current() == LaunchMode.NORMAL && !embedded;
  }
}
