package dev.clarion.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import dev.clarion.support.Fixtures;
import dev.clarion.support.SandboxToken;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Date;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The embedded run's try-it-out mode: unsigned calls are accepted from loopback only — not when a
 * proxy forwarded them. A token of a registered issuer is still verified; a signed loopback call
 * from an unregistered issuer (the CDS Hooks Sandbox signs every call) is trusted like an unsigned
 * one.
 */
@QuarkusTest
@TestProfile(UnsignedLoopbackTest.Profile.class)
class UnsignedLoopbackTest {

  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("clarion.security.unsigned-loopback", "true");
    }
  }

  static final String PATH = "/cds-services/ascvd-risk";

  @Inject DataSource db;

  @Test
  void acceptsAnUnsignedCallFromLoopbackAndRecordsNoClient() throws Exception {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    given()
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(PATH)
        .then()
        .statusCode(200)
        .body("cards", hasSize(1));
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select client_id, client_iss, outcome from decision where hook_instance = ?")) {
      ps.setString(1, request.get("hookInstance").asText());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertNull(rs.getObject(1));
        assertNull(rs.getObject(2));
        assertEquals("SCORED", rs.getString(3));
      }
    }
    // The unsigned loopback caller is not a registered client: it sees every service offered
    // (all but the imaging ones, off unless clarion.imaging.enabled).
    given()
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body("services", hasSize(dev.clarion.support.TestEhr.SERVICES.size()));
  }

  @Test
  void refusesAnUnsignedCallAProxyForwarded() {
    for (String header : new String[] {"X-Forwarded-For", "Forwarded", "X-Real-IP"}) {
      given()
          .header(header, header.equals("Forwarded") ? "for=203.0.113.7" : "203.0.113.7")
          .contentType("application/json")
          .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
          .post(PATH)
          .then()
          .statusCode(401);
    }
  }

  @Test
  void trustsASandboxSignedLoopbackCallLikeAnUnsignedOneWithOrWithoutJku() throws Exception {
    for (boolean withJku : new boolean[] {true, false}) {
      given()
          .header(
              "Authorization",
              "Bearer " + SandboxToken.forAud(TestEhr.url("/cds-services"), withJku))
          .get("/cds-services")
          .then()
          .statusCode(200)
          .body("services.size()", greaterThan(1));
      ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
      given()
          .header("Authorization", "Bearer " + SandboxToken.forAud(TestEhr.url(PATH), withJku))
          .contentType("application/json")
          .body(Fixtures.text(request))
          .post(PATH)
          .then()
          .statusCode(200)
          .body("cards", hasSize(1));
      assertEquals(
          "null",
          Sql.decision(db, request, "coalesce(client_iss, 'null')"),
          "recorded as an unsigned loopback call, not as the Sandbox");
    }
  }

  @Test
  void refusesASandboxSignedCallAProxyForwarded() {
    given()
        .header("X-Forwarded-For", "203.0.113.7")
        .header("Authorization", "Bearer " + SandboxToken.forAud(TestEhr.url(PATH), true))
        .contentType("application/json")
        .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
        .post(PATH)
        .then()
        .statusCode(401);
  }

  @Test
  void aRegisteredIssuersTokenThatFailsVerificationStays401() {
    TestEhr.ensureRegistered();
    ECKey attacker = TestEhr.ecKey(Curve.P_384, "test-es384");
    for (String token :
        new String[] {
          TestEhr.sign(attacker, TestEhr.claims(TestEhr.url(PATH))),
          TestEhr.sign(TestEhr.ES384, TestEhr.claims(TestEhr.url(PATH)).expirationTime(new Date(0)))
        }) {
      given()
          .header("Authorization", "Bearer " + token)
          .contentType("application/json")
          .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
          .post(PATH)
          .then()
          .statusCode(401);
    }
  }

  @Test
  void stillVerifiesATokenWhenOneIsSent() {
    given()
        .header("Authorization", "Bearer not.a.token")
        .contentType("application/json")
        .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
        .post(PATH)
        .then()
        .statusCode(401);
  }
}
