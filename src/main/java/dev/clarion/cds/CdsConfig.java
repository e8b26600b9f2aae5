package dev.clarion.cds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** CDS Hooks service configuration. */
@ConfigMapping(prefix = "clarion.cds")
public interface CdsConfig {

  /** Folder with one JSON service definition per file. */
  @WithDefault("cds-hooks")
  Path definitionsDir();

  /**
   * Public base URL of this server (e.g. {@code https://cds.example.org}) used in the absolute
   * links on cards and as the base of the URL a client's JWT {@code aud} must name. When unset, the
   * base URL of the incoming request is used, which is wrong behind a proxy that rewrites the host
   * (every signed call would then be refused for a wrong {@code aud}).
   */
  Optional<String> publicBaseUrl();
}
