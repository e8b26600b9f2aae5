package dev.clarion.card;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Signed, expiring links to a decision's explanation page. Clinicians open the page from the card
 * inside their EHR, where Clarion has no sign-in of its own, so the link is the capability: HMAC-
 * SHA256 over the decision id and the expiry, valid for {@code clarion.explanations.link-ttl}
 * (default 24 h). Set {@code clarion.explanations.link-secret} (32+ characters) so links survive
 * restarts and work on every replica; without it a random key is made per process.
 */
@ApplicationScoped
public class ExplanationLinks {

  private static final Logger LOG = Logger.getLogger(ExplanationLinks.class);

  private final byte[] key;
  private final Duration ttl;

  ExplanationLinks(
      @ConfigProperty(name = "clarion.explanations.link-secret") Optional<String> secret,
      @ConfigProperty(name = "clarion.explanations.link-ttl", defaultValue = "24H") Duration ttl) {
    if (secret.isPresent() && secret.get().length() < 32) {
      throw new IllegalStateException("clarion.explanations.link-secret must have 32+ characters");
    }
    if (secret.isPresent()) {
      key = secret.get().getBytes(StandardCharsets.UTF_8);
    } else {
      key = new byte[32];
      new SecureRandom().nextBytes(key);
      LOG.info(
          "No clarion.explanations.link-secret: explanation links are valid until this process"
              + " stops");
    }
    this.ttl = ttl;
  }

  /** The page's path and query for a decision, valid from {@code now} for the configured TTL. */
  public String path(UUID decision, Instant now) {
    long expires = now.plus(ttl).getEpochSecond();
    return "/explanations/" + decision + "?expires=" + expires + "&sig=" + sign(decision, expires);
  }

  /** Whether the signature is ours for this decision and expiry, and the expiry has not passed. */
  public boolean valid(UUID decision, long expires, String sig, Instant now) {
    if (sig == null || now.getEpochSecond() > expires) {
      return false;
    }
    return MessageDigest.isEqual(
        sign(decision, expires).getBytes(StandardCharsets.US_ASCII),
        sig.getBytes(StandardCharsets.US_ASCII));
  }

  private String sign(UUID decision, long expires) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] tag = mac.doFinal((decision + "|" + expires).getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
