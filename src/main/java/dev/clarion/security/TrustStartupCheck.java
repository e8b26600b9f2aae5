package dev.clarion.security;

import dev.clarion.runtime.RunMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Refuses to start a production run that would accept unsigned CDS Hooks calls, and says loudly
 * when the embedded run does.
 */
@ApplicationScoped
class TrustStartupCheck {

  private static final Logger LOG = Logger.getLogger(TrustStartupCheck.class);

  void check(
      @Observes StartupEvent event,
      SecurityConfig config,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    if (!config.unsignedLoopback()) {
      return;
    }
    if (RunMode.production(embedded)) {
      throw new IllegalStateException(
          "clarion.security.unsigned-loopback=true is only allowed in the embedded run (no JDBC"
              + " URL configured); a production run must verify every CDS client's JWT.");
    }
    LOG.warn(
        "\n*****************************************************************************\n"
            + "* UNSIGNED CDS HOOKS CALLS ARE ACCEPTED FROM THIS MACHINE (loopback only).  *\n"
            + "* For trying Clarion out; set clarion.security.unsigned-loopback=false or   *\n"
            + "* run with a real database (production) to require signed client JWTs.      *\n"
            + "*****************************************************************************");
  }
}
