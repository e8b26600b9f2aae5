package dev.clarion.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsStringIgnoringCase;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.clarion.support.Fixtures;
import dev.clarion.support.JwksServer;
import dev.clarion.support.LogHygiene;
import dev.clarion.support.SandboxToken;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JWT a CDS client sends, attacked every way the CDS Hooks security guidance names: each attack
 * gets a bare 401, nothing is recorded as a decision, the reason lands in the security log, and the
 * token never reaches the application log. Valid ES384, RS384, ES256 and RS256 tokens get through.
 */
@QuarkusTest
class CdsClientJwtTest {

  static final String SCORED = "cds/patient_view_synthea_scored.json";
  static final String PATH = "/cds-services/ascvd-risk";
  static final String URL_ISS = "https://url-ehr.example.org";
  static final String TENANT_ISS = "https://tenant-ehr.example.org";
  static final String LIMITED_ISS = "https://limited-ehr.example.org";
  static final String DISABLED_ISS = "https://disabled-ehr.example.org";

  static final ECKey URL_ES256 = TestEhr.ecKey(Curve.P_256, "url-es256");
  static final RSAKey URL_RS256 = TestEhr.rsaKey("url-rs256");
  static final ECKey ATTACKER = TestEhr.ecKey(Curve.P_384, "test-es384");
  static final JwksServer EHR_JWKS = new JwksServer(URL_ES256, URL_RS256);
  static final JwksServer EVIL_JWKS = new JwksServer(ATTACKER);
  static final List<String> TOKENS_SEEN = new ArrayList<>();

  @Inject dev.clarion.audit.DecisionRecorder recorder;
  @Inject dev.clarion.audit.ChainVerifier chain;

  @Inject ClientRegistry registry;
  @Inject DataSource db;

  @BeforeEach
  void registerClients() {
    TestEhr.ensureRegistered();
    List<String> known = registry.list().stream().map(ClientView::iss).toList();
    if (known.contains(URL_ISS)) {
      return;
    }
    List<String> service = List.of("ascvd-risk");
    registry.create(
        new ClientRegistration(
            URL_ISS, null, "JWKS URL EHR", null, List.of(EHR_JWKS.url()), service, List.of(), true),
        "test");
    registry.create(
        new ClientRegistration(
            TENANT_ISS,
            "hospital-a",
            "Tenant EHR",
            TestEhr.publicJwks(TestEhr.ES384),
            null,
            service,
            null,
            true),
        "test");
    registry.create(
        new ClientRegistration(
            LIMITED_ISS,
            null,
            "No services",
            TestEhr.publicJwks(TestEhr.ES384),
            null,
            null,
            null,
            true),
        "test");
    registry.create(
        new ClientRegistration(
            SandboxToken.ISS,
            null,
            "CDS Hooks Sandbox (registered by key)",
            TestEhr.publicJwks(SandboxToken.KEY),
            null,
            service,
            null,
            true),
        "test");
    registry.create(
        new ClientRegistration(
            DISABLED_ISS,
            null,
            "Disabled",
            TestEhr.publicJwks(TestEhr.ES384),
            null,
            service,
            null,
            false),
        "test");
  }

  @AfterAll
  static void stopServers() throws Exception {
    EHR_JWKS.close();
    EVIL_JWKS.close();
    LogHygiene.assertAbsent(TOKENS_SEEN.toArray(String[]::new));
  }

  // ---------------------------------------------------------------- attacks

  record Attack(String name, String reason, Function<String, String> token) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> attacks() {
    Instant now = Instant.now();
    return Stream.of(
            new Attack("no token", "missing-token", aud -> null),
            new Attack("not a JWT", "malformed-token", aud -> "not.a.jwt"),
            new Attack(
                "expired",
                "expired",
                aud ->
                    es384(
                        TestEhr.claims(aud)
                            .issueTime(Date.from(now.minusSeconds(420)))
                            .expirationTime(Date.from(now.minusSeconds(120))))),
            new Attack(
                "not yet valid (nbf)",
                "not-yet-valid",
                aud -> es384(TestEhr.claims(aud).notBeforeTime(Date.from(now.plusSeconds(120))))),
            new Attack(
                "issued in the future",
                "issued-in-future",
                aud ->
                    es384(
                        TestEhr.claims(aud)
                            .issueTime(Date.from(now.plusSeconds(120)))
                            .expirationTime(Date.from(now.plusSeconds(400))))),
            new Attack(
                "lifetime of a day",
                "lifetime-too-long",
                aud ->
                    es384(TestEhr.claims(aud).expirationTime(Date.from(now.plusSeconds(86400))))),
            new Attack(
                "aud of another server",
                "wrong-aud",
                aud -> es384(TestEhr.claims("https://other.example.org" + PATH))),
            new Attack(
                "aud of another service",
                "wrong-aud",
                aud -> es384(TestEhr.claims(aud.replace("ascvd-risk", "other-service")))),
            new Attack(
                "aud of the feedback endpoint",
                "wrong-aud",
                aud -> es384(TestEhr.claims(aud + "/feedback"))),
            new Attack(
                "unknown iss",
                "unknown-iss",
                aud -> es384(TestEhr.claims(aud).issuer("https://stranger.example.org"))),
            new Attack(
                "disabled client",
                "unknown-iss",
                aud -> es384(TestEhr.claims(aud).issuer(DISABLED_ISS))),
            new Attack(
                "unknown kid",
                "unknown-kid",
                aud ->
                    TestEhr.sign(
                        ATTACKER,
                        JWSAlgorithm.ES384,
                        TestEhr.header(JWSAlgorithm.ES384, "nobody"),
                        TestEhr.claims(aud).build())),
            new Attack(
                "right kid, attacker's key",
                "bad-signature",
                aud ->
                    TestEhr.sign(
                        ATTACKER,
                        JWSAlgorithm.ES384,
                        TestEhr.header(JWSAlgorithm.ES384, "test-es384"),
                        TestEhr.claims(aud).build())),
            new Attack(
                "alg none",
                "alg-not-allowed",
                aud -> new PlainJWT(TestEhr.claims(aud).build()).serialize()),
            new Attack(
                "alg none, signature kept",
                "malformed-token",
                aud -> noneHeader(TestEhr.token(aud))),
            new Attack(
                "HS256 with the registered EC public key as secret",
                "alg-not-allowed",
                aud ->
                    hs256(
                        TestEhr.ES384.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
                        "test-es384",
                        aud)),
            new Attack(
                "HS256 with the registered RSA public key as secret",
                "alg-not-allowed",
                aud -> hs256(rsaPublicBytes(), "test-rs384", aud)),
            new Attack(
                "attacker's key embedded in the header (jwk)",
                "bad-signature",
                aud ->
                    TestEhr.sign(
                        ATTACKER,
                        JWSAlgorithm.ES384,
                        TestEhr.header(JWSAlgorithm.ES384, "test-es384")
                            .jwk(ATTACKER.toPublicJWK()),
                        TestEhr.claims(aud).build())),
            new Attack("tampered payload", "bad-signature", aud -> tamper(TestEhr.token(aud))),
            new Attack(
                "jku not registered",
                "jku-not-allowed",
                aud ->
                    TestEhr.sign(
                        ATTACKER,
                        JWSAlgorithm.ES384,
                        TestEhr.header(JWSAlgorithm.ES384, "test-es384")
                            .jwkURL(URI.create(EVIL_JWKS.url())),
                        TestEhr.claims(aud).build())),
            new Attack(
                "missing iss", "missing-iss", aud -> es384(TestEhr.claims(aud).issuer(null))),
            new Attack(
                "missing aud",
                "missing-aud",
                aud -> es384(TestEhr.claims(aud).audience((String) null))),
            new Attack(
                "missing exp",
                "missing-exp",
                aud -> es384(TestEhr.claims(aud).expirationTime(null))),
            new Attack(
                "missing iat", "missing-iat", aud -> es384(TestEhr.claims(aud).issueTime(null))),
            new Attack("missing jti", "missing-jti", aud -> es384(TestEhr.claims(aud).jwtID(null))),
            new Attack(
                "wrong tenant",
                "wrong-tenant",
                aud -> es384(TestEhr.claims(aud).issuer(TENANT_ISS).claim("tenant", "hospital-b"))),
            new Attack(
                "tenant missing where one is registered",
                "wrong-tenant",
                aud -> es384(TestEhr.claims(aud).issuer(TENANT_ISS))),
            new Attack(
                "typ other than JWT",
                "wrong-typ",
                aud ->
                    TestEhr.sign(
                        TestEhr.ES384,
                        JWSAlgorithm.ES384,
                        TestEhr.header(JWSAlgorithm.ES384, "test-es384")
                            .type(new com.nimbusds.jose.JOSEObjectType("at+jwt")),
                        TestEhr.claims(aud).build())))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void refusesWithABare401AndRecordsNoDecision(Attack attack) throws Exception {
    int evilBefore = EVIL_JWKS.requests();
    ObjectNode request = Fixtures.request(SCORED);
    String token = attack.token().apply(TestEhr.url(PATH));
    Response response = post(request, token);

    response
        .then()
        .statusCode(401)
        .header("WWW-Authenticate", equalTo("Bearer"))
        .body(emptyString());
    assertEquals(0, decisions(request), "no decision recorded");
    assertEquals(attack.reason(), lastSecurityReason(), "reason in the security log");
    assertEquals(evilBefore, EVIL_JWKS.requests(), "an unregistered jku is never fetched");
  }

  @Test
  void replayedJtiIsRefusedAfterTheFirstUse() throws Exception {
    String token = TestEhr.token(TestEhr.url(PATH));
    ObjectNode first = Fixtures.request(SCORED);
    post(first, token).then().statusCode(200);
    ObjectNode second = Fixtures.request(SCORED);
    post(second, token).then().statusCode(401).body(emptyString());
    assertEquals(1, decisions(first));
    assertEquals(0, decisions(second));
    assertEquals("replayed-jti", lastSecurityReason());
  }

  /**
   * The same token sent eight times at once: each call passes the look-up (none is committed yet),
   * and the first use is settled where it is committed, in the decision writer's transaction — one
   * call answered and recorded, the others a bare 401 with no decision.
   */
  @Test
  void concurrentReplaysAreSettledAtCommitOneAnsweredTheOthersRefused() throws Exception {
    String token = TestEhr.token(TestEhr.url(PATH));
    TOKENS_SEEN.add(token);
    List<ObjectNode> requests = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ObjectNode r = Fixtures.request(SCORED);
      r.put("hookInstance", java.util.UUID.randomUUID().toString());
      requests.add(r);
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<Response>> calls = new ArrayList<>();
    for (ObjectNode r : requests) {
      calls.add(
          pool.submit(
              () -> {
                start.await();
                return given()
                    .contentType("application/json")
                    .header("Authorization", "Bearer " + token)
                    .body(Fixtures.text(r))
                    .post(PATH);
              }));
    }
    start.countDown();
    int answered = 0;
    int recorded = 0;
    for (int i = 0; i < calls.size(); i++) {
      Response response = calls.get(i).get();
      if (response.statusCode() == 200) {
        answered++;
        assertEquals(1, decisions(requests.get(i)), "the answered call has its decision");
      } else {
        assertEquals(401, response.statusCode());
        assertEquals("", response.body().asString(), "bare 401");
        assertEquals(0, decisions(requests.get(i)), "no decision for a replay");
      }
      recorded += decisions(requests.get(i));
    }
    pool.shutdown();
    assertEquals(1, answered);
    assertEquals(1, recorded);
    assertEquals("replayed-jti", lastSecurityReason(), "the replays are in the security log");
  }

  /**
   * At commit: a decision whose token id was committed first by another call (here: inserted
   * directly, as another replica would) is not recorded, and the recorder says it was a replay.
   */
  @Test
  void aTokenCommittedFirstElsewhereLeavesTheDecisionOutOfTheChain() throws Exception {
    String jti = java.util.UUID.randomUUID().toString();
    Instant keep = Instant.now().plusSeconds(600);
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("insert into jwt_replay (iss, jti, expires_at) values (?, ?, ?)")) {
      ps.setString(1, "https://ehr.example.org");
      ps.setString(2, jti);
      ps.setTimestamp(3, java.sql.Timestamp.from(keep));
      ps.executeUpdate();
    }
    java.util.UUID id = java.util.UUID.randomUUID();
    dev.clarion.audit.Decision replayed = failedWithToken(id, jti, keep, "replayed-at-commit-");
    org.junit.jupiter.api.Assertions.assertThrows(
        dev.clarion.audit.DecisionRecorder.ReplayedToken.class,
        () -> recorder.record(replayed, java.time.Duration.ZERO));
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement("select count(*) from decision where id = ?")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertEquals(0, rs.getInt(1));
      }
    }
    // The chain is whole: nothing was half-written.
    org.junit.jupiter.api.Assertions.assertTrue(chain.verify().intact());
  }

  /**
   * Decisions carrying the same token id that reach the writer together (one batch, one statement
   * for the batch's tokens) or one after the other: exactly one is recorded, the other is a replay,
   * and the chain stays whole.
   */
  @Test
  void theSameTokenTwiceInOneBatchIsRecordedOnce() throws Exception {
    String jti = java.util.UUID.randomUUID().toString();
    Instant keep = Instant.now().plusSeconds(600);
    List<java.util.UUID> ids = new ArrayList<>();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<Boolean>> recorded = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      java.util.UUID id = java.util.UUID.randomUUID();
      ids.add(id);
      dev.clarion.audit.Decision d = failedWithToken(id, jti, keep, "same-token-");
      recorded.add(
          pool.submit(
              () -> {
                start.await();
                try {
                  recorder.record(d, java.time.Duration.ZERO);
                  return true;
                } catch (dev.clarion.audit.DecisionRecorder.ReplayedToken e) {
                  return false;
                }
              }));
    }
    start.countDown();
    int answered = 0;
    for (java.util.concurrent.Future<Boolean> r : recorded) {
      answered += r.get() ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, answered, "one call keeps the token, the others are replays");
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select count(*) from decision where id = any(?)")) {
      ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertEquals(1, rs.getInt(1), "one decision recorded");
      }
    }
    org.junit.jupiter.api.Assertions.assertTrue(chain.verify().intact());
  }

  /** A failed call's decision (400) whose token id is {@code jti} of https://ehr.example.org. */
  private static dev.clarion.audit.Decision failedWithToken(
      java.util.UUID id, String jti, Instant keep, String hookInstancePrefix) {
    String iss = "https://ehr.example.org";
    return dev.clarion.audit.Decision.begin(
            id,
            Instant.now(),
            "ascvd-risk",
            new dev.clarion.audit.Decision.Caller(
                null, iss, null, new dev.clarion.audit.Decision.Token(iss, jti, keep)))
        .withHook("patient-view", hookInstancePrefix + id)
        .failed("missing-patient", "no patient", 400);
  }

  /** A call that fails (400) is recorded, and its token's first use with it. */
  @Test
  void aFailedCallsTokenIsSpentWithItsRecord() throws Exception {
    String token = TestEhr.token(TestEhr.url(PATH));
    ObjectNode bad = Fixtures.request(SCORED);
    bad.remove("hook");
    post(bad, token).then().statusCode(400);
    assertEquals(1, decisions(bad));
    post(Fixtures.request(SCORED), token).then().statusCode(401).body(emptyString());
    assertEquals("replayed-jti", lastSecurityReason());
  }

  @Test
  void refusedTokensNeverBurnTheirJti() throws Exception {
    JWTClaimsSet claims = TestEhr.claims(TestEhr.url(PATH)).build();
    String wrongAud =
        es384(new JWTClaimsSet.Builder(claims).audience("https://other.example.org" + PATH));
    post(Fixtures.request(SCORED), wrongAud).then().statusCode(401);
    post(Fixtures.request(SCORED), es384(new JWTClaimsSet.Builder(claims))).then().statusCode(200);
  }

  // ---------------------------------------------------------------- valid tokens

  @Test
  void acceptsES384() {
    post(Fixtures.request(SCORED), TestEhr.token(TestEhr.url(PATH)))
        .then()
        .statusCode(200)
        .body("cards", hasSize(1));
  }

  @Test
  void acceptsRS384() {
    String token = TestEhr.sign(TestEhr.RS384, TestEhr.claims(TestEhr.url(PATH)));
    post(Fixtures.request(SCORED), token).then().statusCode(200).body("cards", hasSize(1));
  }

  @Test
  void acceptsES256AndRS256FromARegisteredJwksUrlNamedAsJku() {
    for (var key : List.of(URL_ES256, URL_RS256)) {
      JWSAlgorithm alg = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
      String token =
          TestEhr.sign(
              key,
              alg,
              TestEhr.header(alg, key.getKeyID()).jwkURL(URI.create(EHR_JWKS.url())),
              TestEhr.claims(TestEhr.url(PATH)).issuer(URL_ISS).build());
      post(Fixtures.request(SCORED), token).then().statusCode(200);
    }
  }

  @Test
  void acceptsTheSandboxRegisteredByKeyIgnoringItsUnregisteredJku() throws Exception {
    int evilBefore = EVIL_JWKS.requests();
    for (String jku : new String[] {SandboxToken.JKU, EVIL_JWKS.url(), null}) {
      String token = SandboxToken.sign(SandboxToken.KEY, TestEhr.url(PATH), jku);
      post(Fixtures.request(SCORED), token).then().statusCode(200).body("cards", hasSize(1));
    }
    assertEquals(evilBefore, EVIL_JWKS.requests(), "an unregistered jku is never fetched");
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select count(*) from security_event where kind = 'notice'"
                    + " and reason = 'jku-ignored' and claimed_iss = ?")) {
      ps.setString(1, SandboxToken.ISS);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertEquals(2, rs.getInt(1), "the security log says so, once per jku");
      }
    }
  }

  @Test
  void refusesAnUnregisteredJkuWhenNoRegisteredKeyVerifiesTheToken() {
    ECKey impostor = TestEhr.ecKey(Curve.P_384, SandboxToken.KID);
    String token = SandboxToken.sign(impostor, TestEhr.url(PATH), SandboxToken.JKU);
    post(Fixtures.request(SCORED), token).then().statusCode(401);
  }

  @Test
  void sandboxTokensAreShapedLikeThePublishedKey() throws Exception {
    var published =
        com.nimbusds.jose.jwk.JWKSet.parse(
                Fixtures.text(Fixtures.json("security/sandbox-jwks.json")))
            .getKeys();
    assertEquals(1, published.size());
    ECKey key = (ECKey) published.get(0);
    assertEquals(SandboxToken.KID, key.getKeyID());
    assertEquals(SandboxToken.KEY.getCurve(), key.getCurve());
  }

  @Test
  void acceptsAudienceArraysExtraClaimsAndTheRegisteredTenant() {
    String url = TestEhr.url(PATH);
    post(
            Fixtures.request(SCORED),
            es384(
                TestEhr.claims(url)
                    .audience(List.of("https://other.example.org", url))
                    .subject("Practitioner/example")
                    .claim("fhirUser", "Practitioner/example")))
        .then()
        .statusCode(200);
    post(
            Fixtures.request(SCORED),
            es384(TestEhr.claims(url).issuer(TENANT_ISS).claim("tenant", "hospital-a")))
        .then()
        .statusCode(200);
  }

  @Test
  void fetchesRotatedKeysOnceForAnUnknownKidAndNoMoreOften() throws InterruptedException {
    // Let the minimum re-fetch interval (2 s in tests) pass since any earlier fetch.
    Thread.sleep(2100);
    ECKey rotated = TestEhr.ecKey(Curve.P_256, "rotated-" + System.nanoTime());
    EHR_JWKS.publish(URL_ES256, URL_RS256, rotated);
    int before = EHR_JWKS.requests();
    String token = TestEhr.sign(rotated, TestEhr.claims(TestEhr.url(PATH)).issuer(URL_ISS));
    post(Fixtures.request(SCORED), token).then().statusCode(200);
    assertEquals(before + 1, EHR_JWKS.requests(), "one re-fetch for the new kid");

    // Unknown kids right after: refused without hammering the EHR's JWKS endpoint.
    for (int i = 0; i < 5; i++) {
      ECKey stranger = TestEhr.ecKey(Curve.P_256, "unknown-" + i);
      String unknown = TestEhr.sign(stranger, TestEhr.claims(TestEhr.url(PATH)).issuer(URL_ISS));
      post(Fixtures.request(SCORED), unknown).then().statusCode(401);
    }
    assertEquals(before + 1, EHR_JWKS.requests(), "no re-fetch within the minimum interval");
  }

  @Test
  void aClientCallingAServiceItIsNotRegisteredForGets403AndNoDecision() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    post(request, es384(TestEhr.claims(TestEhr.url(PATH)).issuer(LIMITED_ISS)))
        .then()
        .statusCode(403)
        .body("issue[0].details.coding[0].code", equalTo("service-not-allowed"));
    assertEquals(0, decisions(request));
    assertEquals("service-not-allowed", lastSecurityReason());
  }

  @Test
  void discoveryNeedsATokenAndListsOnlyTheClientsServices() {
    given().get("/cds-services").then().statusCode(401);
    TestEhr.signed("/cds-services")
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body("services", hasSize(TestEhr.SERVICES.size()));
    String limited = es384(TestEhr.claims(TestEhr.url("/cds-services")).issuer(LIMITED_ISS));
    given()
        .header("Authorization", "Bearer " + limited)
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body("services", hasSize(0));
  }

  @Test
  void unknownServiceIsNotFoundOnlyForAnAuthenticatedCaller() {
    String path = "/cds-services/no-such-service";
    given().contentType("application/json").body("{}").post(path).then().statusCode(401);
    TestEhr.signed(path)
        .contentType("application/json")
        .body("{}")
        .post(path)
        .then()
        .statusCode(404);
  }

  // ---------------------------------------------------------------- CORS

  @Test
  void answersCorsPreflightFromAnAllowedOriginWithoutAToken() {
    given()
        .header("Origin", "https://ehr.example.org")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type")
        .options(PATH)
        .then()
        .statusCode(200)
        .header("Access-Control-Allow-Origin", equalTo("https://ehr.example.org"))
        .header("Access-Control-Allow-Headers", containsStringIgnoringCase("authorization"))
        .header("Access-Control-Allow-Headers", containsStringIgnoringCase("content-type"))
        .header("Access-Control-Allow-Methods", containsStringIgnoringCase("POST"));
  }

  @Test
  void refusesCorsFromAnOriginNotConfigured() {
    Response preflight =
        given()
            .header("Origin", "https://evil.example.org")
            .header("Access-Control-Request-Method", "POST")
            .options(PATH);
    assertEquals(null, preflight.getHeader("Access-Control-Allow-Origin"));
    TestEhr.signed(PATH)
        .header("Origin", "https://evil.example.org")
        .contentType("application/json")
        .body(Fixtures.text(Fixtures.request(SCORED)))
        .post(PATH)
        .then()
        .statusCode(403);
  }

  // ---------------------------------------------------------------- helpers

  static Response post(ObjectNode request, String token) {
    var spec = given().contentType("application/json").body(Fixtures.text(request));
    if (token != null) {
      TOKENS_SEEN.add(token);
      spec.header("Authorization", "Bearer " + token);
    }
    return spec.post(PATH);
  }

  static String es384(JWTClaimsSet.Builder claims) {
    return TestEhr.sign(TestEhr.ES384, claims);
  }

  static String hs256(byte[] secret, String kid, String aud) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(),
              TestEhr.claims(aud).build());
      jwt.sign(new MACSigner(secret));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] rsaPublicBytes() {
    try {
      return TestEhr.RS384.toRSAPublicKey().getEncoded();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Replaces the header of a valid token by {@code {"alg":"none"}}, keeping the signature. */
  static String noneHeader(String jwt) {
    String header =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    return header + jwt.substring(jwt.indexOf('.'));
  }

  /** Rewrites the payload (another jti) and keeps the original signature. */
  static String tamper(String jwt) {
    String[] parts = jwt.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String changed = payload.replaceFirst("\"jti\":\"[^\"]+\"", "\"jti\":\"forged\"");
    return parts[0]
        + "."
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(changed.getBytes(StandardCharsets.UTF_8))
        + "."
        + parts[2];
  }

  int decisions(ObjectNode request) throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select count(*) from decision where hook_instance = ?")) {
      ps.setString(1, request.get("hookInstance").asText());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  String lastSecurityReason() throws Exception {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select reason from security_event order by id desc limit 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
