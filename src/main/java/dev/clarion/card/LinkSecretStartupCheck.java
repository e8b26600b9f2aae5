package dev.clarion.card;

import dev.clarion.boot.ClarionMain;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Says at start-up, not at the first card, when a production run has no explanation-link secret:
 * every replica then signs links with a random key of its own, so a card's link fails on the other
 * replicas and after any restart.
 */
@ApplicationScoped
class LinkSecretStartupCheck {

  private static final Logger LOG = Logger.getLogger(LinkSecretStartupCheck.class);

  void check(
      @Observes StartupEvent event,
      @ConfigProperty(name = "clarion.explanations.link-secret") Optional<String> secret,
      @ConfigProperty(name = ClarionMain.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    if (secret.isEmpty() && LaunchMode.current() == LaunchMode.NORMAL && !embedded) {
      LOG.warn(
          "No CLARION_EXPLANATIONS_LINK_SECRET (clarion.explanations.link-secret, 32+ characters):"
              + " explanation links on cards work only on this replica and only until it restarts."
              + " Set the same secret on every replica.");
    }
  }
}
