package dev.clarion.security;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a CDS client's signing keys must be: public EC P-256/P-384 or RSA ≥ 2048-bit keys, usable
 * for signatures, with distinct {@code kid}s when there are several. Symmetric keys are refused:
 * the client must not share a secret with us (CDS Hooks 2.0 forbids symmetric algorithms).
 */
final class KeyRules {

  private KeyRules() {}

  /** Why the set is unusable, or empty if it is fine. */
  static Optional<String> problem(JWKSet set) {
    if (set.getKeys().isEmpty()) {
      return Optional.of("has no keys");
    }
    Set<String> kids = new HashSet<>();
    for (JWK key : set.getKeys()) {
      String name = key.getKeyID() == null ? "a key without kid" : "key '" + key.getKeyID() + "'";
      if (!(key instanceof ECKey) && !(key instanceof RSAKey)) {
        return Optional.of(
            name + " has key type " + key.getKeyType() + "; only EC and RSA public keys");
      }
      if (key.isPrivate()) {
        return Optional.of(name + " contains private key material; register public keys only");
      }
      if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
        return Optional.of(name + " is not for signatures (use=" + key.getKeyUse() + ")");
      }
      if (key instanceof ECKey ec) {
        if (!Curve.P_256.equals(ec.getCurve()) && !Curve.P_384.equals(ec.getCurve())) {
          return Optional.of(name + " is on curve " + ec.getCurve() + "; use P-384 or P-256");
        }
      } else if (key.size() < 2048) {
        return Optional.of(name + " is a " + key.size() + "-bit RSA key; at least 2048 bits");
      }
      if (set.getKeys().size() > 1 && (key.getKeyID() == null || !kids.add(key.getKeyID()))) {
        return Optional.of("several keys need distinct kids (" + name + ")");
      }
    }
    return Optional.empty();
  }
}
