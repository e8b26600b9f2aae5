package dev.clarion.it;

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
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * The EHR the integration tests call Clarion as: an ES384 key, registered straight into Clarion's
 * database (most of these tests run no Keycloak) or through the admin API, signing each call.
 */
final class ClientKeys {

  static final String ISS = "https://ehr.it.clarion.dev";
  static final ECKey KEY = generate();

  private ClientKeys() {}

  /** Registers the EHR with the given FHIR servers; Clarion must have migrated the schema. */
  static void register(Connection db, String... fhirServers) throws Exception {
    register(db, ISS, KEY, fhirServers);
  }

  /** Registers an EHR of this {@code iss} and key for {@code ascvd-risk}. */
  static void register(Connection db, String iss, ECKey key, String... fhirServers)
      throws Exception {
    StringBuilder servers = new StringBuilder("[");
    for (int i = 0; i < fhirServers.length; i++) {
      servers.append(i == 0 ? "" : ",").append('"').append(fhirServers[i]).append('"');
    }
    servers.append(']');
    try (PreparedStatement insert =
        db.prepareStatement(
            "insert into ehr_client (id, iss, name, jwks, services, fhir_servers, enabled,"
                + " version, created_at, created_by, updated_at, updated_by)"
                + " values (?, ?, 'IT EHR', ?::jsonb, '[\"ascvd-risk\"]', ?::jsonb, true, 0,"
                + " now(), 'it', now(), 'it')")) {
      insert.setObject(1, UUID.randomUUID());
      insert.setString(2, iss);
      insert.setString(3, "{\"keys\":[" + key.toPublicJWK().toJSONString() + "]}");
      insert.setString(4, servers.toString());
      insert.executeUpdate();
    }
  }

  /**
   * The body of {@code POST /admin/clients} registering this EHR (for the admin API, when a test
   * runs Keycloak) for {@code ascvd-risk}, with the given FHIR servers.
   */
  static String registration(String name, String... fhirServers) {
    StringBuilder servers = new StringBuilder("[");
    for (int i = 0; i < fhirServers.length; i++) {
      servers.append(i == 0 ? "" : ",").append('"').append(fhirServers[i]).append('"');
    }
    servers.append(']');
    return "{\"iss\": \""
        + ISS
        + "\", \"name\": \""
        + name
        + "\", \"jwks\": {\"keys\": ["
        + KEY.toPublicJWK().toJSONString()
        + "]}, \"services\": [\"ascvd-risk\"], \"fhirServers\": "
        + servers
        + "}";
  }

  /** A fresh ES384 JWT for a call to {@code url}. */
  static String token(String url) {
    return token(url, ISS, KEY);
  }

  /** A fresh ES384 JWT of another EHR ({@code iss}, {@code key}) for a call to {@code url}. */
  static String token(String url, String iss, ECKey key) {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(iss)
            .audience(url)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(300)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES384)
                  .type(JOSEObjectType.JWT)
                  .keyID(key.getKeyID())
                  .build(),
              claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ECKey generate() {
    return generate("it-es384");
  }

  /** A new P-384 key with this key id. */
  static ECKey generate(String keyId) {
    try {
      return new ECKeyGenerator(Curve.P_384).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
