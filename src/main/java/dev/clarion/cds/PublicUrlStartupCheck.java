package dev.clarion.cds;

import dev.clarion.runtime.RunMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A production run must know the URL(s) EHRs call it by: without {@code
 * clarion.cds.public-base-url} a JWT's {@code aud} could only be compared with the request's Host
 * header, which the caller chooses, so a token meant for another CDS service could be replayed
 * here.
 */
@ApplicationScoped
class PublicUrlStartupCheck {

  void check(
      @Observes StartupEvent event,
      CdsConfig config,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    if (RunMode.production(embedded) && config.publicBaseUrl().map(List::isEmpty).orElse(true)) {
      throw new IllegalStateException(
          "clarion.cds.public-base-url (CLARION_CDS_PUBLIC_BASE_URL) is required for a production"
              + " run: the public URL(s) EHRs call Clarion by, e.g. https://cds.example.org. A"
              + " client JWT's aud is checked against it, never against the Host header.");
    }
  }
}
