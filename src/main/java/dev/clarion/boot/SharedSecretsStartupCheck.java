package dev.clarion.boot;

import dev.clarion.runtime.RunMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Secrets every replica must share, checked when a production run starts rather than at the first
 * card or sign-in. Without them each process makes up a random key of its own: a card's explanation
 * link then fails on the other replicas, and a staff member signed in to the auditor page on one
 * replica is sent back to Keycloak by the next (the sign-in state and session cookies are encrypted
 * with that key), and both break at every restart.
 *
 * <p>With one replica ({@code clarion.deployment.max-replicas}, default 1) a missing secret is a
 * warning; a deployment that declares more (the Kubernetes manifests set it to the autoscaler's
 * maximum) refuses to start without them, since the failure would otherwise show only under load
 * balancing.
 */
@ApplicationScoped
class SharedSecretsStartupCheck {

  private static final Logger LOG = Logger.getLogger(SharedSecretsStartupCheck.class);
  static final int MIN_LENGTH = 32;

  void check(
      @Observes StartupEvent event,
      @ConfigProperty(name = "clarion.deployment.max-replicas", defaultValue = "1") int replicas,
      @ConfigProperty(name = "clarion.explanations.link-secret") Optional<String> linkSecret,
      @ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> staffSignIn,
      @ConfigProperty(name = "quarkus.oidc.auditor-web.authentication.state-secret")
          Optional<String> stateSecret,
      @ConfigProperty(name = "quarkus.oidc.auditor-web.token-state-manager.encryption-secret")
          Optional<String> sessionSecret,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    if (!RunMode.production(embedded)) {
      return;
    }
    if (replicas < 1) {
      throw new IllegalStateException(
          "clarion.deployment.max-replicas (CLARION_DEPLOYMENT_MAX_REPLICAS) must be at least 1");
    }
    List<String> missing = new ArrayList<>();
    if (linkSecret.isEmpty()) {
      missing.add(
          "CLARION_EXPLANATIONS_LINK_SECRET (clarion.explanations.link-secret): explanation links"
              + " on cards work only on the replica that made them, until it restarts");
    }
    if (staffSignIn.isPresent()) {
      checkLength("clarion.staff.session-secret (auditor page state)", stateSecret);
      checkLength("clarion.staff.session-secret (auditor page session)", sessionSecret);
      if (stateSecret.isEmpty() || sessionSecret.isEmpty()) {
        missing.add(
            "CLARION_STAFF_SESSION_SECRET (clarion.staff.session-secret): a sign-in to the"
                + " auditor page holds only on the replica that made it, until it restarts");
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String detail = String.join("; ", missing);
    if (replicas > 1) {
      throw new IllegalStateException(
          "clarion.deployment.max-replicas is "
              + replicas
              + ": every replica needs the same secrets ("
              + MIN_LENGTH
              + "+ characters), and these are not set: "
              + detail);
    }
    LOG.warnf(
        "Not set (%d+ characters, the same on every replica): %s. With more than one replica,"
            + " set clarion.deployment.max-replicas and Clarion refuses to start without them.",
        MIN_LENGTH, detail);
  }

  private static void checkLength(String name, Optional<String> secret) {
    if (secret.isPresent() && secret.get().length() < MIN_LENGTH) {
      throw new IllegalStateException(name + " must have " + MIN_LENGTH + "+ characters");
    }
  }
}
