package dev.clarion.support;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * Tokens shaped exactly like the official CDS Hooks Sandbox's (observed 2026-03-31, see {@code
 * security/sandbox-jwks.json} for its published public key): ES384, {@code typ JWT}, the Sandbox's
 * {@code kid}, a {@code jku} on the internet, {@code iss https://sandbox.cds-hooks.org}, {@code exp
 * = iat + 300}, a UUID {@code jti}, no tenant. Signed with a test key of our own under the
 * Sandbox's kid (the Sandbox's demo private key is public, so it is never used or trusted here).
 */
public final class SandboxToken {

  public static final String ISS = "https://sandbox.cds-hooks.org";
  public static final String KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f";
  public static final String JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json";
  public static final ECKey KEY = TestEhr.ecKey(Curve.P_384, KID);

  private SandboxToken() {}

  /** A Sandbox token for {@code aud}, with its {@code jku} header when {@code withJku}. */
  public static String forAud(String aud, boolean withJku) {
    return sign(KEY, aud, withJku ? JKU : null);
  }

  /** The Sandbox's header and claims signed with {@code key}, naming {@code jku} (or none). */
  public static String sign(ECKey key, String aud, String jku) {
    Instant iat = Instant.now();
    var header = TestEhr.header(JWSAlgorithm.ES384, KID);
    if (jku != null) {
      header.jwkURL(URI.create(jku));
    }
    return TestEhr.sign(
        key,
        JWSAlgorithm.ES384,
        header,
        new JWTClaimsSet.Builder()
            .issuer(ISS)
            .audience(aud)
            .issueTime(Date.from(iat))
            .expirationTime(Date.from(iat.plusSeconds(300)))
            .jwtID(UUID.randomUUID().toString())
            .build());
  }
}
