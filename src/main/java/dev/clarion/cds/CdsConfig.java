package dev.clarion.cds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
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
}
