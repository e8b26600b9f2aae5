package dev.clarion.support;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.clarion.security.ClientRegistration;
import dev.clarion.security.ClientRegistry;
import io.quarkus.arc.Arc;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The EHR the Quarkus tests call Clarion as: registered like any client (through {@link
 * ClientRegistry}, with an ES384 and an RS384 public key, every service, and the test FHIR
 * servers), and signing a fresh JWT for every request, exactly as a real EHR does.
 */
public final class TestEhr {

  public static final String ISS = "https://ehr.test.clarion.dev";
  public static final ECKey ES384 = ecKey(Curve.P_384, "test-es384");
  public static final RSAKey RS384 = rsaKey("test-rs384");

  private TestEhr() {}

  /** A request to {@code path} carrying a valid ES384 JWT whose {@code aud} is that URL. */
  public static RequestSpecification signed(String path) {
    ensureRegistered();
    return given().header("Authorization", "Bearer " + token(url(path)));
  }

  /** A signed CDS Hooks service call with {@code request} as its JSON body; asserts 200. */
  public static io.restassured.response.ValidatableResponse call(
      String path, com.fasterxml.jackson.databind.JsonNode request) {
    return signed(path)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(path)
        .then()
        .statusCode(200);
  }

  /** The absolute URL RestAssured calls for {@code path} (what {@code aud} must name). */
  public static String url(String path) {
    return RestAssured.baseURI + ":" + RestAssured.port + path;
  }

  /** A valid ES384 token for {@code aud}. */
  public static String token(String aud) {
    return sign(ES384, claims(aud));
  }

  /**
   * Signs with {@code key} under its kid, with the algorithm its type calls for: ES256 for P-256,
   * ES384 for P-384, RS384 for RSA.
   */
  public static String sign(JWK key, JWTClaimsSet.Builder claims) {
    JWSAlgorithm alg =
        key instanceof ECKey ec
            ? (Curve.P_256.equals(ec.getCurve()) ? JWSAlgorithm.ES256 : JWSAlgorithm.ES384)
            : JWSAlgorithm.RS384;
    return sign(key, alg, header(alg, key.getKeyID()), claims.build());
  }

  /** Claims a CDS client sends: iss, aud, iat now, exp in five minutes, a fresh jti. */
  public static JWTClaimsSet.Builder claims(String aud) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISS)
        .audience(aud)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        .jwtID(UUID.randomUUID().toString());
  }

  public static JWSHeader.Builder header(JWSAlgorithm alg, String kid) {
    return new JWSHeader.Builder(alg).type(JOSEObjectType.JWT).keyID(kid);
  }

  public static String sign(
      JWK key, JWSAlgorithm alg, JWSHeader.Builder header, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(header.build(), claims);
      jwt.sign(key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The services the test EHR may call in the default test run: every service in cds-hooks/ but the
   * imaging ones, which are off unless {@code clarion.imaging.enabled} (a new one needs no edit).
   */
  public static final List<String> SERVICES = services();

  private static List<String> services() {
    try (var files = java.nio.file.Files.list(java.nio.file.Path.of("cds-hooks"))) {
      List<String> ids = new java.util.ArrayList<>();
      for (java.nio.file.Path f :
          files.filter(n -> n.getFileName().toString().endsWith(".json")).sorted().toList()) {
        if (!Fixtures.JSON.readTree(f.toFile()).path("clarion").has("imaging")) {
          String n = f.getFileName().toString();
          ids.add(n.substring(0, n.length() - ".json".length()));
        }
      }
      return List.copyOf(ids);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Registers the test EHR if this Quarkus app's database does not have it yet, for every service
   * the app offers.
   */
  public static synchronized void ensureRegistered() {
    ClientRegistry registry = Arc.container().instance(ClientRegistry.class).get();
    if (registry.list().stream().anyMatch(c -> c.iss().equals(ISS))) {
      return;
    }
    List<String> servers =
        ConfigProvider.getConfig()
            .getOptionalValues("clarion.fhir.allowed-servers", String.class)
            .orElse(List.of());
    List<String> offered =
        Arc.container().instance(dev.clarion.cds.CdsServiceRegistry.class).get().all().stream()
            .map(s -> s.id())
            .toList();
    registry.create(
        new ClientRegistration(
            ISS, null, "Test EHR", publicJwks(ES384, RS384), List.of(), offered, servers, true),
        "test-setup");
  }

  public static JsonNode publicJwks(JWK... keys) {
    try {
      return Fixtures.JSON.readTree(new JWKSet(List.of(keys)).toPublicJWKSet().toString());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ECKey ecKey(Curve curve, String kid) {
    try {
      return new ECKeyGenerator(curve).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
