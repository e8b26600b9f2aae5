package dev.clarion.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.clarion.support.Fixtures;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Integrators register EHR clients through the admin API (tokens from a real Keycloak): bad
 * registrations get 400 with a message that says what to fix and change nothing; every change is
 * recorded with who made it; a registration takes effect on the hook endpoints at once.
 */
@QuarkusTest
class ClientRegistrationTest {

  static final String HOOK = "/cds-services/ascvd-risk";
  static final ECKey KEY = TestEhr.ecKey(Curve.P_384, "reg-es384");

  static RequestSpecification integrator() {
    return given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("ivy", "ivy-password"))
        .contentType("application/json");
  }

  static ObjectNode registration(String iss) {
    ObjectNode body = Fixtures.JSON.createObjectNode();
    body.put("iss", iss);
    body.put("name", "Registration test EHR");
    body.set("jwks", TestEhr.publicJwks(KEY));
    body.putArray("services").add("ascvd-risk");
    body.putArray("fhirServers").add("https://fhir.example.org/r4/");
    return body;
  }

  static String iss() {
    return "https://ehr-" + UUID.randomUUID() + ".example.org";
  }

  @Test
  void createsReadsAndRecordsWhoRegisteredTheClient() {
    String iss = iss();
    Response created = integrator().body(Fixtures.text(registration(iss))).post("/admin/clients");
    created
        .then()
        .statusCode(201)
        .header("Location", containsString("/admin/clients/"))
        .header("ETag", equalTo("\"0\""))
        .body("iss", equalTo(iss))
        .body("tenant", nullValue())
        .body("enabled", equalTo(true))
        .body("fhirServers[0]", equalTo("https://fhir.example.org/r4"))
        .body("createdBy", equalTo("ivy"));
    String id = created.path("id");

    integrator().get("/admin/clients/" + id).then().statusCode(200).body("iss", equalTo(iss));
    integrator()
        .get("/admin/clients/" + id + "/changes")
        .then()
        .statusCode(200)
        .body("", hasSize(1))
        .body("[0].action", equalTo("CREATE"))
        .body("[0].actor", equalTo("ivy"))
        .body("[0].before", nullValue())
        .body("[0].after.iss", equalTo(iss));
  }

  @Test
  void aServiceAccountCanRegisterToo() {
    given()
        .header("Authorization", "Bearer " + KeycloakTestResource.serviceToken())
        .contentType("application/json")
        .body(Fixtures.text(registration(iss())))
        .post("/admin/clients")
        .then()
        .statusCode(201)
        .body("createdBy", equalTo("service-account-clarion-ops"));
  }

  @Test
  void refusesBadRegistrationsWithAClearMessageAndStoresNothing() throws Exception {
    int before = integrator().get("/admin/clients").then().extract().path("size()");
    String iss = iss();

    ObjectNode privateKey = registration(iss);
    privateKey.set(
        "jwks", Fixtures.JSON.readTree(new com.nimbusds.jose.jwk.JWKSet(KEY).toString(false)));
    assertRefused(privateKey, "invalid-jwks", "private key material");

    ObjectNode symmetric = registration(iss);
    OctetSequenceKey oct = new OctetSequenceKeyGenerator(256).keyID("shared").generate();
    symmetric.set(
        "jwks", Fixtures.JSON.readTree(new com.nimbusds.jose.jwk.JWKSet(oct).toString(false)));
    assertRefused(symmetric, "invalid-jwks", "only EC and RSA public keys");

    ObjectNode weak = registration(iss);
    weak.set("jwks", TestEhr.publicJwks(new RSAKeyGenerator(1024, true).keyID("weak").generate()));
    assertRefused(weak, "invalid-jwks", "1024-bit RSA key");

    ObjectNode p521 = registration(iss);
    p521.set("jwks", TestEhr.publicJwks(TestEhr.ecKey(Curve.P_521, "p521")));
    assertRefused(p521, "invalid-jwks", "curve P-521");

    ObjectNode notJwks = registration(iss);
    notJwks.set("jwks", Fixtures.JSON.readTree("{\"keys\": \"nope\"}"));
    assertRefused(notJwks, "invalid-jwks", "'jwks' is not a JWK Set");

    ObjectNode noKeys = registration(iss);
    noKeys.remove("jwks");
    assertRefused(noKeys, "missing-keys", "'jwks'");

    ObjectNode unreachable = registration(iss);
    unreachable.remove("jwks");
    unreachable.putArray("jwksUrls").add("http://127.0.0.1:9/jwks.json");
    assertRefused(unreachable, "invalid-jwks-url", "could not be used");

    ObjectNode unknownService = registration(iss);
    ((ArrayNode) unknownService.get("services")).add("no-such-service");
    assertRefused(unknownService, "unknown-service", "Unknown CDS service 'no-such-service'");

    ObjectNode badFhir = registration(iss);
    badFhir.putArray("fhirServers").add("fhir.example.org");
    assertRefused(badFhir, "invalid-fhir-server", "absolute");

    ObjectNode noIss = registration(iss);
    noIss.remove("iss");
    assertRefused(noIss, "missing-iss", "'iss' is required");

    integrator()
        .body("{not json")
        .post("/admin/clients")
        .then()
        .statusCode(400)
        .contentType("application/fhir+json");

    assertEquals(before, (int) integrator().get("/admin/clients").then().extract().path("size()"));
  }

  @Test
  void refusesASecondClientWithTheSameIssAndTenant() {
    String iss = iss();
    integrator()
        .body(Fixtures.text(registration(iss)))
        .post("/admin/clients")
        .then()
        .statusCode(201);
    integrator()
        .body(Fixtures.text(registration(iss)))
        .post("/admin/clients")
        .then()
        .statusCode(409)
        .body("issue[0].details.coding[0].code", equalTo("duplicate-client"));
    ObjectNode otherTenant = registration(iss);
    otherTenant.put("tenant", "hospital-b");
    integrator().body(Fixtures.text(otherTenant)).post("/admin/clients").then().statusCode(201);
  }

  @Test
  void updatesWithIfMatchAndRefusesAStaleVersion() {
    String id = create(registration(iss()));
    ObjectNode changed = registration(iss());
    changed.put("name", "Renamed EHR");
    integrator()
        .header("If-Match", "\"7\"")
        .body(Fixtures.text(changed))
        .put("/admin/clients/" + id)
        .then()
        .statusCode(412)
        .body("issue[0].details.coding[0].code", equalTo("stale-version"));
    integrator()
        .header("If-Match", "\"0\"")
        .body(Fixtures.text(changed))
        .put("/admin/clients/" + id)
        .then()
        .statusCode(200)
        .header("ETag", equalTo("\"1\""))
        .body("name", equalTo("Renamed EHR"))
        .body("updatedBy", equalTo("ivy"));
    JsonNode changes = changes(id);
    assertEquals(2, changes.size());
    assertEquals("UPDATE", changes.get(1).get("action").asText());
    assertEquals("Registration test EHR", changes.get(1).get("before").get("name").asText());
    assertEquals("Renamed EHR", changes.get(1).get("after").get("name").asText());
  }

  @Test
  void disablingAClientOrOneOfItsServicesTakesEffectOnTheHooksAtOnce() {
    String iss = iss();
    String id = create(registration(iss));
    hook(iss).then().statusCode(200);

    integrator().post("/admin/clients/" + id + "/disable").then().statusCode(200);
    hook(iss).then().statusCode(401);
    integrator().post("/admin/clients/" + id + "/enable").then().statusCode(200);
    hook(iss).then().statusCode(200);

    integrator()
        .delete("/admin/clients/" + id + "/services/ascvd-risk")
        .then()
        .statusCode(200)
        .body("services", hasSize(0));
    hook(iss).then().statusCode(403);
    integrator().put("/admin/clients/" + id + "/services/ascvd-risk").then().statusCode(200);
    hook(iss).then().statusCode(200);
    integrator().put("/admin/clients/" + id + "/services/no-such-service").then().statusCode(404);

    JsonNode changes = changes(id);
    assertEquals(
        "[\"CREATE\",\"DISABLE\",\"ENABLE\",\"DENY_SERVICE ascvd-risk\",\"ALLOW_SERVICE ascvd-risk\"]",
        Fixtures.text(
            changes.findValues("action").stream()
                .collect(Fixtures.JSON::createArrayNode, ArrayNode::add, ArrayNode::addAll)));
  }

  private static void assertRefused(ObjectNode body, String code, String message) {
    integrator()
        .body(Fixtures.text(body))
        .post("/admin/clients")
        .then()
        .statusCode(400)
        .contentType("application/fhir+json")
        .body("issue[0].details.coding[0].code", equalTo(code))
        .body("issue[0].diagnostics", containsString(message));
  }

  private static String create(ObjectNode body) {
    return integrator()
        .body(Fixtures.text(body))
        .post("/admin/clients")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  private static JsonNode changes(String id) {
    return Fixtures.JSON.valueToTree(
        integrator().get("/admin/clients/" + id + "/changes").then().extract().as(Object.class));
  }

  private static Response hook(String iss) {
    String token = TestEhr.sign(KEY, TestEhr.claims(TestEhr.url(HOOK)).issuer(iss));
    return given()
        .header("Authorization", "Bearer " + token)
        .contentType("application/json")
        .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
        .post(HOOK);
  }
}
