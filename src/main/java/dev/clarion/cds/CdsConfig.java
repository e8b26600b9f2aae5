package dev.clarion.cds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** CDS Hooks service configuration. */
@ConfigMapping(prefix = "clarion.cds")
public interface CdsConfig {

  /** Folder with one JSON service definition per file. */
  @WithDefault("cds-hooks")
  Path definitionsDir();

  /**
   * Public base URL(s) of this server (e.g. {@code https://cds.example.org}; a comma-separated list
   * when EHRs reach it under several names). A client's JWT {@code aud} must name one of them plus
   * the path called — never the Host or forwarding headers, which a caller controls (a token meant
   * for another CDS service must not be replayable here). The first is used in the absolute links
   * on cards. Required for a production run (it refuses to start without it); the embedded run,
   * without it, derives the URL from loopback requests only.
   */
  Optional<List<String>> publicBaseUrl();

  /** Admission control of service calls ({@link Admission}). */
  Limits admission();

  /** How many service calls run at once, and how long an excess call may wait for a slot. */
  interface Limits {
    /**
     * Service calls running at once on this replica. Beyond it calls wait (briefly) or get 503:
     * more would only queue for the same cores and make every call slower (the work is CPU-bound
     * but for the commit wait: a few calls per core).
     */
    @WithDefault("8")
    int maxConcurrent();

    /** Calls that may wait for a slot, shared fairly between clients; 0: none wait. */
    @WithDefault("16")
    int maxQueued();

    /** Longest wait for a slot before the call gets 503. */
    @WithDefault("100ms")
    Duration maxWait();

    /** The {@code Retry-After} (seconds) of a 503 for a call turned away. */
    @WithDefault("1")
    int retryAfterSeconds();
  }
}
