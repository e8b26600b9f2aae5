package dev.clarion.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With public base URLs configured (as a production run must), a client JWT's {@code aud} is
 * compared with those only: a token meant for another CDS service, sent with that service's Host
 * header, is refused; a token for one of Clarion's public names is accepted whatever the Host.
 */
@QuarkusTest
@TestProfile(PublicBaseUrlTest.Profile.class)
class PublicBaseUrlTest {

  static final String PUBLIC = "https://cds.example.org";
  static final String ALSO = "https://cds.hospital-b.example.org";
  static final String PATH = "/cds-services/ascvd-risk";

  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("clarion.cds.public-base-url", PUBLIC + "," + ALSO);
    }
  }

  @BeforeEach
  void register() {
    TestEhr.ensureRegistered();
  }

  static io.restassured.response.Response post(String token, String host) {
    var spec =
        given()
            .header("Authorization", "Bearer " + token)
            .contentType("application/json")
            .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")));
    if (host != null) {
      spec.header("Host", host);
    }
    return spec.post(PATH);
  }

  @Test
  void aTokenForAnotherServiceSentWithItsHostIsRefused() {
    String other = "http://other-cds.example.net" + PATH;
    post(TestEhr.token(other), "other-cds.example.net").then().statusCode(401);
  }

  @Test
  void theRequestsOwnUrlIsNotAnAudienceOnceBaseUrlsAreConfigured() {
    post(TestEhr.token(TestEhr.url(PATH)), null).then().statusCode(401);
  }

  @Test
  void eachConfiguredPublicUrlIsAnAudienceAndTheFirstBuildsTheLinks() {
    post(TestEhr.token(PUBLIC + PATH), null)
        .then()
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].links[0].url", startsWith(PUBLIC + "/explanations/"));
    post(TestEhr.token(ALSO + PATH), "cds.hospital-b.example.org").then().statusCode(200);
  }
}
