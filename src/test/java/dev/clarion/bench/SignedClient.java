package dev.clarion.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The benchmark's EHR: registered straight into the server's database, it sends a fresh JWT (ES384
 * or RS384) with every call, as EHRs do. Tokens are signed ahead of each phase, so the load
 * generator (on the same cores) does not spend the measured time signing.
 */
final class SignedClient {

  static final String ISS = "https://bench-ehr.clarion.dev";
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private final com.nimbusds.jose.jwk.JWK key;
  private final String aud;
  private volatile String[] pool = new String[0];
  private final AtomicInteger next = new AtomicInteger();

  /** An EHR signing with {@code alg}: ES384 (P-384) or RS384 (RSA 2048, Epic's default). */
  static SignedClient create(String aud, String alg) throws JOSEException {
    return switch (alg) {
      case "ES384" ->
          new SignedClient(aud, new ECKeyGenerator(Curve.P_384).keyID("bench-es384").generate());
      case "RS384" ->
          new SignedClient(
              aud,
              new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("bench-rs384").generate());
      default -> throw new IllegalArgumentException("bench.alg must be ES384 or RS384: " + alg);
    };
  }

  /** The same EHR (same key) calling another service: tokens carry that service's URL. */
  SignedClient(String aud, com.nimbusds.jose.jwk.JWK key) {
    this.key = key;
    this.aud = aud;
  }

  SignedClient forService(String otherAud) {
    return new SignedClient(otherAud, key);
  }

  /** Registers the EHR, allowed to call {@code services}. */
  void register(String jdbcUrl, String user, List<String> services) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, "");
        PreparedStatement insert =
            c.prepareStatement(
                "insert into ehr_client (id, iss, name, jwks, services, enabled, version,"
                    + " created_at, created_by, updated_at, updated_by) values (?, ?, 'Benchmark"
                    + " EHR', ?::jsonb, ?::jsonb, true, 0, now(), 'bench', now(), 'bench')")) {
      insert.setObject(1, UUID.randomUUID());
      insert.setString(2, ISS);
      insert.setString(3, "{\"keys\":[" + key.toPublicJWK().toJSONString() + "]}");
      insert.setString(
          4, "[" + String.join(",", services.stream().map(s -> "\"" + s + "\"").toList()) + "]");
      insert.executeUpdate();
    }
  }

  /** Signs {@code count} fresh tokens (valid five minutes) for the next phase. */
  void prepare(int count) throws JOSEException {
    com.nimbusds.jose.JWSSigner signer;
    JWSAlgorithm alg;
    if (key instanceof ECKey ec) {
      ECDSASigner ecdsa = new ECDSASigner(ec);
      ecdsa.getJCAContext().setProvider(BC);
      signer = ecdsa;
      alg = JWSAlgorithm.ES384;
    } else {
      signer = new com.nimbusds.jose.crypto.RSASSASigner((com.nimbusds.jose.jwk.RSAKey) key);
      alg = JWSAlgorithm.RS384;
    }
    JWSHeader header =
        new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build();
    Instant now = Instant.now();
    String[] tokens = new String[count];
    // On every core: nothing else runs between phases, and a long warm-up needs many tokens.
    java.util.stream.IntStream.range(0, count)
        .parallel()
        .forEach(
            i -> {
              JWTClaimsSet claims =
                  new JWTClaimsSet.Builder()
                      .issuer(ISS)
                      .audience(aud)
                      .issueTime(Date.from(now))
                      .expirationTime(Date.from(now.plusSeconds(300)))
                      .jwtID(UUID.randomUUID().toString())
                      .build();
              SignedJWT jwt = new SignedJWT(header, claims);
              try {
                jwt.sign(signer);
              } catch (JOSEException e) {
                throw new IllegalStateException(e);
              }
              tokens[i] = jwt.serialize();
            });
    next.set(0);
    pool = tokens;
  }

  /** The next unused token; null once the pool is used up (the request then fails with 401). */
  String take() {
    int i = next.getAndIncrement();
    String[] tokens = pool;
    return i < tokens.length ? tokens[i] : null;
  }
}
